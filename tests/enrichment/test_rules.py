"""The enrichment's pure rules: the model's answer checked before storing, keywords tidied, the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dailypapers.domain.enrichment import (
    MAX_ATTEMPTS,
    BadAnswer,
    Thumbnail,
    clean_keywords,
    keyword_search_url,
    parse_answer,
    retry_at,
    summary_messages,
)

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)


def test_the_json_answer_gives_summary_and_keywords() -> None:
    text = '{"summary": "We route tokens to experts.", "keywords": ["mixture of experts", "routing", 3]}'
    assert parse_answer(text, max_chars=300) == ("We route tokens to experts.", ("mixture of experts",))


@pytest.mark.parametrize(
    "text",
    [
        '```json\n{"summary": "We route tokens to experts.", "keywords": []}\n```',
        'Sure! {"summary": "We route tokens to experts."}',
        "Summary: We route tokens to experts.",
        '  "We route   tokens to experts."  ',
    ],
)
def test_answers_around_the_sentence_are_tidied(text: str) -> None:
    assert parse_answer(text, max_chars=300)[0] == "We route tokens to experts."


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        ("   \n ", "empty"),
        ('{"summary": "", "keywords": ["x"]}', "empty"),
        ('{"summary": 42}', "not text"),
        ("word " * 80, "characters long"),
        ('{"summary": "cut', "not the JSON object"),
        ('Sure! {"summary": "cut off', "not the JSON object"),
    ],
)
def test_empty_and_overlong_answers_are_rejected(text: str, why: str) -> None:
    with pytest.raises(BadAnswer, match=why):
        parse_answer(text, max_chars=300)


def test_the_prompt_carries_title_and_abstract_on_one_line_each() -> None:
    system, user = summary_messages("A  title\nsplit", "An abstract\n\nwith  gaps.")
    assert system["role"] == "system"
    assert "JSON" in system["content"]
    assert user["content"] == "Title: A title split\n\nAbstract: An abstract with gaps."


def test_keywords_lose_repeats_parts_of_better_ones_and_lone_participles() -> None:
    found = ["Pipeline Parallelism", "pipeline parallelism", "Pipeline", "Based", "Evaluating", "FID", "  x  "]
    found += ["GPU", "zero bubble", "1234", "a" * 70, "memory limit", "Bubble", "throughput", "schedules", "extra"]
    assert clean_keywords(found, limit=6) == (
        "Pipeline Parallelism",
        "FID",
        "GPU",
        "zero bubble",
        "memory limit",
        "throughput",
    )


def test_retries_back_off_then_give_up() -> None:
    delays = [retry_at(n, NOW) for n in range(1, MAX_ATTEMPTS + 1)]
    assert [d - NOW for d in delays[:-1] if d] == [timedelta(hours=1), timedelta(hours=4), timedelta(hours=16)]
    assert delays[-1] is None


def test_thumbnail_urls_carry_the_version_and_keep_old_style_ids_readable() -> None:
    assert Thumbnail("hep-th/9901001", 300, 400, 17).url == "/thumbnails/hep-th/9901001.webp?v=17"
    assert keyword_search_url("experts & routing") == "/search?q=keyword%3A%22experts%20%26%20routing%22"
