"""The for-you text model (TF-IDF + linear SVM): liked words pull papers up, "not interested" pushes them down, the
"similar to" paper is the one sharing most words, and an edited abstract is read again (not served from the cache)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from dailypapers.adapters.text_taste import TfidfSvmTaste
from dailypapers.domain.models import Paper


def paper(arxiv_id: str, title: str, abstract: str) -> Paper:
    return Paper(arxiv_id, title, abstract, ("A",), datetime(2026, 8, 1, tzinfo=UTC))


LIKED = [
    paper("l1", "Graph neural networks for molecules", "Message passing over molecular graphs predicts properties."),
    paper("l2", "Scaling graph transformers", "Attention over graph nodes with positional encodings of the graph."),
]
BACKGROUND = [
    paper("b1", "Speech recognition in noise", "Robust acoustic models for speech in noisy rooms."),
    paper("b2", "Robot grasping", "A robot hand learns grasping from demonstrations."),
    paper("b3", "Image diffusion", "Diffusion models generate images from text prompts."),
    paper("b4", "Speech synthesis", "Neural vocoders for expressive speech synthesis."),
]
CANDIDATES = [
    paper("c1", "Protein folding", "Folding proteins with evolutionary data."),
    paper("c2", "Graph pooling for molecules", "Pooling molecular graphs with message passing layers."),
    paper("c3", "Speech translation", "Direct speech to speech translation without text."),
]


def test_papers_sharing_the_liked_papers_words_rank_first_and_name_the_nearest() -> None:
    scores = TfidfSvmTaste().score(LIKED, [], BACKGROUND, CANDIDATES)
    assert scores is not None
    assert max(range(3), key=lambda i: scores.scores[i]) == 1
    assert scores.nearest[1] == 0  # "molecules", "message passing", "molecular graphs": the first liked paper


def test_a_not_interested_paper_lowers_papers_like_it() -> None:
    taste = TfidfSvmTaste()
    before = taste.score(LIKED, [], BACKGROUND, CANDIDATES)
    disliked = [paper("d1", "Speech to speech translation", "Translating speech directly into speech.")]
    after = taste.score(LIKED, disliked, BACKGROUND, CANDIDATES)
    assert before is not None
    assert after is not None
    assert after.scores[2] - after.scores[0] < before.scores[2] - before.scores[0]


def test_no_likes_or_no_candidates_means_no_model() -> None:
    assert TfidfSvmTaste().score([], [], BACKGROUND, CANDIDATES) is None
    assert TfidfSvmTaste().score(LIKED, [], BACKGROUND, []) is None


def test_an_edited_abstract_is_read_again() -> None:
    taste = TfidfSvmTaste(cache_papers=3)  # smaller than one request: the cache evicts, answers stay the same
    first = taste.score(LIKED, [], BACKGROUND, CANDIDATES)
    again = taste.score(LIKED, [], BACKGROUND, CANDIDATES)
    assert first == again
    edited = [CANDIDATES[0], CANDIDATES[1], replace(CANDIDATES[2], abstract="Message passing over molecular graphs.")]
    changed = taste.score(LIKED, [], BACKGROUND, edited)
    assert changed is not None
    assert changed.scores[2] > first.scores[2] if first is not None else False
