"""domain/authors.py: name keys, look-alike spellings, link checks; merging keeps links edited by hand."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from dailypapers.domain.authors import (
    PaperLinks,
    clean_author_name,
    github_repo_url,
    https_url,
    index_entries,
    initials_key,
    name_variants,
    organization_lookup,
    organization_name,
    variant_kind,
)
from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.merging import merge_paper
from dailypapers.domain.models import Paper


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Chengsong Huang", "c huang"),
        ("C. Huang", "c huang"),
        ("Chen-Yu Lee", "c y lee"),
        ("C.-Y. Lee", "c y lee"),
        ("Zoë  Müller", "z muller"),
        ("Plato", "plato"),
    ],
)
def test_initials_key(name: str, key: str) -> None:
    assert initials_key(name) == key


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("Chengsong Huang", "chengsong huang", "spelling"),
        ("Zoë Müller", "Zoe Muller", "spelling"),
        ("Chengsong Huang", "C. Huang", "initials"),
        ("C.-Y. Lee", "Chen-Yu Lee", "initials"),
        ("Chen-Yu Lee", "Chen Y. Lee", "initials"),
        ("Chengsong Huang", "Chen Huang", None),  # another person's name, though "C. Huang" fits both
        ("Chengsong Huang", "Chengsong Huang", None),  # the same spelling is no variant
        ("Chengsong Huang", "Chengsong Wang", None),
        ("Jun Yan", "Yan Jun", None),
        ("Chen Yu Lee", "Chenyu Lee", None),
    ],
)
def test_variant_kind(a: str, b: str, kind: str | None) -> None:
    assert variant_kind(a, b) == kind
    assert variant_kind(b, a) == kind


def test_name_variants_keep_look_alikes_most_papers_first() -> None:
    candidates = [("Chengsong Huang", 3), ("C. Huang", 2), ("Chen Huang", 9), ("CHENGSONG HUANG", 5)]
    found = name_variants("Chengsong Huang", candidates)
    expected = [("CHENGSONG HUANG", 5, "spelling"), ("C. Huang", 2, "initials")]
    assert [(v.name, v.papers, v.kind) for v in found] == expected


def test_index_entries_tidy_names_and_skip_junk() -> None:
    entries = index_entries(["Ada  Lovelace", "", "—", "x" * 300, "Alan Turing"])
    assert entries == [(0, "Ada Lovelace", "a lovelace"), (4, "Alan Turing", "a turing")]


def test_author_names_must_be_printable_and_short() -> None:
    assert clean_author_name("  Ada \t Lovelace ") == "Ada Lovelace"
    for bad in ("", "   ", "Ada\x00", "a" * 201):
        with pytest.raises(InvalidInput):
            clean_author_name(bad)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("https://github.com/google-research/envharness", "https://github.com/google-research/envharness"),
        ("https://www.github.com/Org/Repo.git", "https://github.com/Org/Repo"),
        ("https://github.com/org/repo/tree/main/src?x=1#readme", "https://github.com/org/repo"),
        ("  https://github.com/org/repo/  ", "https://github.com/org/repo"),
        ("", None),
        (None, None),
    ],
)
def test_github_urls_are_normalised(raw: str | None, normalised: str | None) -> None:
    assert github_repo_url(raw) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "http://github.com/org/repo",  # https only
        "https://user:secret@github.com/org/repo",  # no credentials
        "https://gitlab.com/org/repo",
        "https://github.com/org",
        "https://github.com:8443/org/repo",
        "https://github.com/../repo",
        "javascript:alert(1)",
        "https://github.com/org/re po",
    ],
)
def test_bad_github_urls_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        github_repo_url(bad)


def test_project_pages_are_https_without_credentials() -> None:
    assert https_url(" https://envharness.com/ ", "project page") == "https://envharness.com/"
    for bad in ("http://envharness.com", "https://me:pw@envharness.com", "ftp://x.org", "https://", "https://a b.org"):
        with pytest.raises(InvalidInput):
            https_url(bad, "project page")


def test_organization_names() -> None:
    assert organization_name(" google ") == "google"
    assert organization_name("ai2-lab.v2") == "ai2-lab.v2"
    assert organization_name("") is None
    for bad in ("Example Lab", "-google", "a" * 97, "<b>"):
        with pytest.raises(InvalidInput):
            organization_name(bad)
    assert organization_lookup("Example Lab") == "Example Lab"  # upstreams' names are looked up as they are
    with pytest.raises(InvalidInput):
        organization_lookup("x\x00")
    links = PaperLinks.parse("https://github.com/a/b.git", "", "google")
    assert links == PaperLinks("https://github.com/a/b", None, "google")


def test_links_edited_by_hand_outrank_any_source() -> None:
    edited_at = datetime(2026, 8, 21, tzinfo=UTC)
    stored = Paper(
        "2608.00001",
        "T",
        "A",
        ("Ada",),
        datetime(2026, 8, 1, tzinfo=UTC),
        version=1,
        github_repo="https://github.com/me/right",
        project_page=None,  # cleared on purpose
        edited_organization="google",
        links_edited_at=edited_at,
    )
    newer = dataclasses.replace(
        stored,
        version=2,
        github_repo="https://github.com/someone/wrong",
        project_page="https://wrong.example",
        edited_organization=None,
        links_edited_at=None,
        title="T v2",
    )
    merged = merge_paper(stored, newer)
    assert (merged.github_repo, merged.project_page) == ("https://github.com/me/right", None)
    assert (merged.edited_organization, merged.links_edited_at, merged.title) == ("google", edited_at, "T v2")
    untouched = dataclasses.replace(stored, links_edited_at=None)
    assert merge_paper(untouched, newer).github_repo == "https://github.com/someone/wrong"  # no edit: newest wins
