"""How a paper seen again (another source, another version) is merged with the stored one; pure."""

from __future__ import annotations

import dataclasses

from dailypapers.domain.models import Paper

_MERGED_FIELDS = (
    "title",
    "abstract",
    "authors",
    "published",
    "updated",
    "categories",
    "comment",
    "journal_ref",
    "doi",
    "license",
    "github_repo",
    "project_page",
)

# Fields people edit on the paper page (usecases/paper_links.py); their edit outranks every source.
_EDITED_LINKS = frozenset({"github_repo", "project_page"})

# Only upstream hubs carry these (or the enrichment work makes them): a record that has one brings the latest.
# The summary and the model that wrote it travel together.
_UPSTREAM_FIELDS = (
    ("ai_summary", "ai_summary_model"),
    ("ai_keywords",),
    ("thumbnail_url",),
    ("media_urls",),
    ("withdrawn_at",),
)


def is_newer(incoming: Paper, stored: Paper) -> bool:
    """Versions decide when both sources state one; otherwise the later update date does."""
    if incoming.version and stored.version and incoming.version != stored.version:
        return incoming.version > stored.version
    return incoming.last_changed > stored.last_changed


def merge_paper(stored: Paper, incoming: Paper) -> Paper:
    """The newer record wins field by field; the other fills what it leaves empty; nothing is lost.

    Sources differ in what they carry (the metadata snapshot has versions and DOIs, Hugging Face has code
    links), so a merge must never blank a field just because the newer source does not know it.
    """
    primary, fallback = (incoming, stored) if is_newer(incoming, stored) else (stored, incoming)
    values = {}
    for name in _MERGED_FIELDS:
        if name in _EDITED_LINKS and stored.links_edited_at is not None:
            continue  # an author (or the submitter, or an admin) set these by hand: no source overrides them
        value = getattr(primary, name)
        values[name] = value if value not in (None, "", ()) else getattr(fallback, name)
    for group in _UPSTREAM_FIELDS:
        source = incoming if getattr(incoming, group[0]) not in (None, "", ()) else stored
        values.update({name: getattr(source, name) for name in group})
    return dataclasses.replace(
        stored,
        **values,
        version=max(stored.version, incoming.version),
        imported_upvotes=max(stored.imported_upvotes, incoming.imported_upvotes),
    )
