"""PersonalRules: author names normalised for matching, whole-word keyword rules, follows as reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import Paper
from dailypapers.domain.rules import (
    Follow,
    KeywordRule,
    PersonalRules,
    normalise_author,
    parse_author,
    parse_category,
    parse_phrase,
)

AT = datetime(2026, 8, 1, tzinfo=UTC)


def paper(
    title: str, abstract: str = "", authors: tuple[str, ...] = ("A. Person",), cats: tuple[str, ...] = ()
) -> Paper:
    return Paper("2608.00001", title, abstract, authors, AT, categories=cats)


def test_author_names_match_across_case_accents_and_spacing() -> None:
    assert normalise_author("Zoë  MÜLLER-Lüdenscheidt") == normalise_author("zoe muller ludenscheidt")
    assert normalise_author("Yann LeCun") != normalise_author("Y. LeCun")  # we cannot know they are one person
    key, label = parse_author("  Kaiming   He ")
    assert (key, label) == ("kaiming he", "Kaiming He")
    with pytest.raises(InvalidInput):
        parse_author("   ")
    with pytest.raises(InvalidInput):
        parse_author("x" * 201)


def test_categories_are_checked_and_written_as_arxiv_does() -> None:
    assert parse_category("cs.lg") == "cs.LG"
    assert parse_category(" hep-th ") == "hep-th"
    assert parse_category("math.AP") == "math.AP"
    for bad in ("", "cs LG", "<script>", "cs.LG.x"):
        with pytest.raises(InvalidInput):
            parse_category(bad)


def test_phrases_match_whole_words_case_insensitively_over_title_and_abstract() -> None:
    rules = PersonalRules(include=(parse_phrase('"Graph  Neural"'),))
    assert rules.include == ("graph neural",)
    assert rules.allows(paper("Graph neural networks"))
    assert rules.allows(paper("Something", "we use GRAPH\nNEURAL nets"))  # any whitespace between the words
    assert not rules.allows(paper("Paragraph neural style"))  # not a whole word
    assert not rules.allows(paper("Graph neuralish"))
    with pytest.raises(InvalidInput):
        parse_phrase('""')


def test_exclusions_win_and_followed_authors_pass_include_rules() -> None:
    follows = [
        Follow("author", normalise_author("Zoë Author"), "Zoë Author", AT),
        Follow("category", "cs.RO", "cs.RO", AT),
    ]
    rules = PersonalRules.of(
        follows,
        [KeywordRule("include", "diffusion", AT), KeywordRule("exclude", "survey", AT)],
    )
    assert rules.allows(paper("Diffusion for robots"))
    assert not rules.allows(paper("A diffusion survey"))
    assert not rules.allows(paper("Robots that walk", cats=("cs.RO",)))  # a followed category does not pass include
    by_followed = paper("Robots that walk", authors=("ZOE AUTHOR",))
    assert rules.allows(by_followed)
    assert rules.reason(by_followed) == "By ZOE AUTHOR, an author you follow"  # as this paper spells it
    assert rules.reason(paper("Diffusion", cats=("cs.RO",))) == "In cs.RO, which you follow"
    assert rules.reason(paper("Diffusion models")) == "Matches your keyword “diffusion”"
    assert rules.reason(paper("Nothing")) is None
    assert PersonalRules().allows(paper("anything"))
    assert PersonalRules().is_empty
