"""Parsing HF-compatible daily items (pure), and how upstream-only fields merge."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from dailypapers.domain.errors import InvalidRecord
from dailypapers.domain.merging import merge_paper
from dailypapers.domain.models import Organization, Paper
from dailypapers.domain.upstream_records import parse_daily_item, upstream_label, upstream_user_url
from tests.fakes.hf_server import hf_item

DAY = date(2026, 8, 20)
NOW = datetime(2026, 8, 21, 12, tzinfo=UTC)
HF = "https://huggingface.co"


def parse(item: object) -> object:
    return parse_daily_item(item, day=DAY, base_url=HF, synced_at=NOW)


def test_a_full_item_keeps_every_field() -> None:
    record = parse_daily_item(hf_item("2608.13558v2", DAY, organization="NUS"), day=DAY, base_url=HF, synced_at=NOW)
    paper, entry = record.paper, record.feed_entry
    assert paper.arxiv_id == "2608.13558"  # the canonical id, whatever form the upstream used
    assert paper.authors == ("Ada Lovelace", "Alan Turing")
    assert paper.published == datetime(2026, 8, 20, 1, tzinfo=UTC)
    assert (paper.imported_upvotes, paper.ai_summary_model) == (10, "Qwen/Qwen3-235B")
    assert entry is not None
    assert (entry.feed_date, entry.submitted_at) == (DAY, datetime(2026, 8, 20, 3, 12, 45, 123000, tzinfo=UTC))
    assert entry.submitter_avatar_url == "https://huggingface.co/avatars/akhaliq.svg"  # a site path made absolute
    assert (entry.upstream, entry.upstream_synced_at, entry.source) == (HF, NOW, "upstream")
    assert record.organization == Organization("NUS", "NUS Research", "https://cdn-avatars.huggingface.co/NUS.png")
    assert record.github_stars == 120


def test_the_fetched_day_wins_over_the_timestamps() -> None:
    item = hf_item("2608.00001", date(2026, 8, 18))  # submitted on the 18th, but the upstream files it on the 20th
    entry = parse_daily_item(item, day=DAY, base_url=HF, synced_at=NOW).feed_entry
    assert entry is not None
    assert entry.feed_date == DAY


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("text", "expected a JSON object"),
        ({"paper": {"title": "t", "summary": "s"}}, "missing 'id'"),
        ({"paper": {"id": "not-an-id", "title": "t"}}, "arXiv"),
        ({"paper": {"id": "2608.00001", "summary": "s", "authors": [{"name": "A"}]}}, "missing title"),
        ({"paper": {"id": "2608.00001", "title": "t", "summary": "s", "authors": []}}, "missing authors"),
        (
            {"paper": {"id": "2608.00001", "title": "t", "summary": "s", "authors": ["A"], "publishedAt": "soon"}},
            "not a date",
        ),
    ],
)
def test_malformed_items_say_why(item: object, message: str) -> None:
    with pytest.raises(InvalidRecord, match=message):
        parse(item)


def test_odd_values_are_dropped_not_trusted() -> None:
    item = hf_item("2608.00001", DAY, upvotes=True, ai_keywords="not a list", mediaUrls=["javascript:alert(1)"])
    item["paper"]["ai_summary_model"] = "orphan model"
    item["paper"]["ai_summary"] = None
    item["thumbnail"] = "ftp://example.org/x.png"
    paper = parse_daily_item(item, day=DAY, base_url=HF, synced_at=NOW).paper
    assert (paper.imported_upvotes, paper.ai_keywords, paper.media_urls) == (0, (), ())
    assert (paper.ai_summary, paper.ai_summary_model, paper.thumbnail_url) == (None, None, None)


def test_labels_and_user_pages() -> None:
    assert upstream_label(HF) == "Hugging Face"
    assert upstream_label("https://papers.lab.example:8443") == "papers.lab.example"
    assert upstream_user_url(HF, "a b") == "https://huggingface.co/a%20b"
    assert upstream_user_url("https://papers.lab.example", "ada") == "https://papers.lab.example/u/ada"


def test_upstream_fields_take_the_latest_and_are_never_blanked() -> None:
    stored = Paper("2608.00001", "T", "A", ("X",), NOW, version=2, ai_summary="old", ai_summary_model="m1")
    arxiv_record = dataclasses.replace(stored, ai_summary=None, ai_summary_model=None, version=3)
    assert merge_paper(stored, arxiv_record).ai_summary == "old"  # arXiv knows no summaries: kept
    upstream = dataclasses.replace(stored, version=0, ai_summary="new", ai_summary_model=None, ai_keywords=("k",))
    merged = merge_paper(stored, upstream)
    assert (merged.ai_summary, merged.ai_summary_model, merged.ai_keywords) == ("new", None, ("k",))
    assert merged.version == 2
