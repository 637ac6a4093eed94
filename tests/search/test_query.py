"""The query language: syntax, filters, and how malformed or over-long queries are answered."""

from __future__ import annotations

from datetime import date

import pytest

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.query import ParsedQuery, SearchFilters, parse_query
from dailypapers.search.fusion import FusionConfig, blend, fuse, rrf


def test_words_phrases_and_exclusions() -> None:
    q = parse_query('diffusion "video generation" -gan -"style transfer"')
    assert q.words == ("diffusion",)
    assert q.phrases == ("video generation",)
    assert q.excluded == ("gan", "style transfer")
    assert q.text == "video generation diffusion"


def test_field_filters() -> None:
    q = parse_query('author:"Geoffrey Hinton" cat:cs.LG category:stat year:2020-2023 has:code capsules')
    assert q.filters == SearchFilters(
        authors=("Geoffrey Hinton",),
        categories=("cs.lg", "stat"),
        start=date(2020, 1, 1),
        end=date(2023, 12, 31),
        has_code=True,
    )
    assert q.words == ("capsules",)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("year:2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("year:2021..2022", date(2021, 1, 1), date(2022, 12, 31)),
        ("year:2021-", date(2021, 1, 1), None),
        ("after:2024-03-01 before:2024-04-30", date(2024, 3, 1), date(2024, 4, 30)),
        ("year:2024 after:2024-06-01", date(2024, 6, 1), date(2024, 12, 31)),
    ],
)
def test_date_ranges(text: str, start: date | None, end: date | None) -> None:
    q = parse_query(text + " robots")
    assert (q.filters.start, q.filters.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    ["foo:bar attention", 'unbalanced "quote here', "a:b:c", "ünïcödé ∑ weights", "(((x)))", "author: hinton"],
)
def test_malformed_queries_become_plain_words(text: str) -> None:
    assert parse_query(text).has_text


@pytest.mark.parametrize("text", ['"""', "-", "((( )))"])
def test_queries_of_punctuation_only_say_so(text: str) -> None:
    with pytest.raises(InvalidInput, match="nothing to search"):
        parse_query(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 251, "longer than 250"),
        ("year:soon robots", "not a year"),
        ("after:yesterday robots", "not a date"),
        ("has:pdf robots", "has:code"),
        ("cat:!! robots", "not an arXiv category"),
        ('author:"" robots', "needs a value"),
        ("year:2024 before:2023-01-01", "date range is empty"),
        ("-only -exclusions", "nothing to search"),
    ],
)
def test_bad_queries_raise_invalid_input_with_a_message(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_query(text)


def test_250_characters_is_allowed() -> None:
    assert parse_query("a" * 250).words == ("a" * 250,)


def test_form_filters_merge_with_query_filters() -> None:
    q = parse_query("year:2024 robots").with_filters(SearchFilters(categories=("cs.ro",), start=date(2024, 5, 1)))
    assert q.filters.categories == ("cs.ro",)
    assert q.filters.start == date(2024, 5, 1)
    assert q.filters.end == date(2024, 12, 31)
    assert ParsedQuery(words=("x",)).filters.active is False


def test_rrf_rewards_agreement() -> None:
    fused = rrf([[("a", 9.0), ("b", 5.0)], [("b", 0.9), ("c", 0.8)]], k=60)
    assert [doc for doc, _ in fused] == ["b", "a", "c"]


def test_blend_divides_bm25_by_the_best_and_keeps_cosines() -> None:
    fused = blend([("a", 30.0), ("b", 10.0)], [("b", 0.9), ("a", 0.1), ("c", 0.5)], keyword_weight=0.5)
    assert dict(fused)["a"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.1)
    assert dict(fused)["b"] == pytest.approx(0.5 * (10 / 30) + 0.5 * 0.9)
    assert dict(fused)["c"] == pytest.approx(0.5 * 0.5)


def test_blend_uses_semantic_scores_of_keyword_only_hits() -> None:
    fused = dict(blend([("a", 2.0)], [("b", 0.9)], keyword_weight=0.5, semantic={"a": 0.6}))
    assert fused["a"] == pytest.approx(0.5 + 0.3)
    assert fused["b"] == pytest.approx(0.45)


def test_fuse_with_one_empty_list_returns_the_other() -> None:
    assert fuse([("a", 1.0)], [], FusionConfig()) == [("a", 1.0)]
    assert fuse([], [("b", 0.5)], FusionConfig(method="rrf")) == [("b", 0.5)]
