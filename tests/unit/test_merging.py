import dataclasses
from datetime import UTC, datetime

from dailypapers.domain.merging import is_newer, merge_paper
from dailypapers.domain.models import Paper

BASE = Paper(
    arxiv_id="2401.00001",
    title="Old title",
    abstract="Old abstract",
    authors=("A. One",),
    published=datetime(2024, 1, 1, tzinfo=UTC),
    version=1,
    categories=("cs.CL",),
    doi="10.1/x",
)


def test_newer_version_wins_but_keeps_fields_it_lacks() -> None:
    incoming = dataclasses.replace(BASE, version=2, title="New title", doi=None, github_repo="https://github.com/a/b")
    merged = merge_paper(BASE, incoming)
    assert (merged.version, merged.title, merged.doi) == (2, "New title", "10.1/x")
    assert merged.github_repo == "https://github.com/a/b"


def test_older_version_only_fills_gaps() -> None:
    stored = dataclasses.replace(BASE, version=3, title="v3 title")
    incoming = dataclasses.replace(BASE, version=1, project_page="https://p.example")
    merged = merge_paper(stored, incoming)
    assert (merged.version, merged.title, merged.project_page) == (3, "v3 title", "https://p.example")


def test_unknown_versions_compare_update_dates() -> None:
    stored = dataclasses.replace(BASE, version=2)
    later = dataclasses.replace(BASE, version=0, title="Updated", updated=datetime(2024, 6, 1, tzinfo=UTC))
    assert is_newer(later, stored)
    assert merge_paper(stored, later).title == "Updated"
    assert merge_paper(stored, later).version == 2


def test_merge_is_idempotent_and_keeps_highest_imported_upvotes() -> None:
    incoming = dataclasses.replace(BASE, imported_upvotes=7)
    once = merge_paper(BASE, incoming)
    assert merge_paper(once, incoming) == once
    assert merge_paper(once, dataclasses.replace(BASE, imported_upvotes=3)).imported_upvotes == 7
