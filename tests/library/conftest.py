"""Library fixtures: a hub whose arXiv is the local fake (imports may fetch), seeded papers, an in-process client."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.wiring import make_hub
from tests.fakes.arxiv_server import (
    arxiv_server_fixture,  # noqa: F401 - pytest fixture `arxiv_server`
    arxiv_settings_fixture,  # noqa: F401 - pytest fixture `arxiv_settings`
)
from tests.web import seed

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

# Real-looking papers: math and LaTeX specials in titles, particles and accents in names, an old-style id.
PAPERS = [
    seed.paper(
        "2405.15738",
        title="ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models",
        authors=("Chunjiang Ge", "Sijie Cheng", "Ziming Wang", "Gao Huang"),
        categories=("cs.CV", "cs.AI"),
        published=datetime(2024, 5, 24, 17, 34, tzinfo=UTC),
    ),
    seed.paper(
        "1706.03762",
        title="Attention Is All You Need",
        authors=("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Llion Jones"),
        categories=("cs.CL", "cs.LG"),
        published=datetime(2017, 6, 12, 17, 57, tzinfo=UTC),
        doi="10.5555/3295222.3295349",
    ),
    seed.paper(
        "2608.00003",
        title="Scaling $O(n^2)$ attention & 100% recall: the #1 trick_with {braces}",
        authors=("Zoë Müller", "Ludwig van Beethoven", "Martin Luther King Jr"),
        published=datetime(2026, 8, 19, 18, 0, tzinfo=UTC),
    ),
    seed.paper(
        "hep-th/9901001",
        title="Old-style identifiers still work",
        authors=("Edward Witten",),
        categories=("hep-th",),
        published=datetime(1999, 1, 4, tzinfo=UTC),
    ),
]
IDS = [p.arxiv_id for p in PAPERS]


@pytest.fixture
def lib_hub(arxiv_settings: Settings, clock: FixedClock) -> Iterator[Hub]:
    hub = make_hub(arxiv_settings, clock=clock)
    seed.store(hub, PAPERS)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def web(lib_hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(lib_hub), follow_redirects=False) as client:
        yield client
