"""Personal-layer fixtures: an in-process web client, and deterministic topic vectors instead of an embedder."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence

import pytest

from dailypapers.hub import Hub
from dailypapers.web.app import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

TOPICS = ("graph", "speech", "robot", "protein")


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub), follow_redirects=False) as test_client:
        yield test_client


def topic_vectors(hub: Hub) -> Callable[[Sequence[str]], dict[str, list[float]]]:
    """One axis per topic word in the title (plus a small shared part), so likeness is known in advance."""

    def paper_vectors(arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        papers = hub.store.get_papers(list(arxiv_ids))
        return {i: [1.0 if t in p.title.lower() else 0.05 for t in TOPICS] for i, p in papers.items()}

    return paper_vectors


@pytest.fixture
def topical(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Hub:
    """The hub with topic vectors in place of the search engine's stored ones."""
    monkeypatch.setattr(hub.search_engine, "paper_vectors", topic_vectors(hub))
    return hub
