"""Search page and API test support: a small topical corpus and a hub searching it with the real MiniLM embedder."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dailypapers.hub import Hub
from dailypapers.search import SearchService
from dailypapers.search.embedders import Embedder, make_embedder
from tests.web import seed

FEED_DAY = date(2026, 8, 20)

# Four topics; several abstracts avoid the words a query about their topic would use, so only meaning finds them.
TOPICAL = [
    seed.paper(
        "2401.10001",
        title="Denoising diffusion probabilistic models",
        abstract="We present high quality image synthesis results using diffusion probabilistic models.",
        authors=("Jonathan Ho", "Ajay Jain"),
        categories=("cs.LG", "cs.CV"),
        published=datetime(2020, 6, 19, tzinfo=UTC),
        github_repo="https://github.com/hojonathanho/diffusion",
    ),
    seed.paper(
        "2401.10002",
        title="High-resolution image synthesis with latent diffusion models",
        abstract="Diffusion models trained in the latent space of pretrained autoencoders generate detailed images.",
        authors=("Robin Rombach",),
        categories=("cs.CV",),
        published=datetime(2021, 12, 20, tzinfo=UTC),
        github_repo="https://github.com/CompVis/latent-diffusion",
    ),
    seed.paper(
        "2401.10003",
        title="Score-based generative modeling through stochastic differential equations",
        abstract="Creating pictures from noise by reversing a stochastic process that slowly corrupts photographs.",
        authors=("Yang Song",),
        categories=("cs.LG",),
        published=datetime(2020, 11, 26, tzinfo=UTC),
    ),
    seed.paper(
        "2401.20001",
        title="Language models are few-shot learners",
        abstract="Scaling up language models greatly improves task-agnostic, few-shot performance on text tasks.",
        authors=("Tom Brown",),
        categories=("cs.CL",),
        published=datetime(2020, 5, 28, tzinfo=UTC),
    ),
    seed.paper(
        "2401.20002",
        title="Training compute-optimal large language models",
        abstract="Model size and the number of training tokens should be scaled equally for text generation.",
        authors=("Jordan Hoffmann",),
        categories=("cs.CL",),
        published=datetime(2022, 3, 29, tzinfo=UTC),
    ),
    seed.paper(
        "2401.30001",
        title="Learning dexterous in-hand manipulation",
        abstract="Reinforcement learning trains a robot hand to reorient objects, transferring from simulation.",
        authors=("Marcin Andrychowicz",),
        categories=("cs.RO",),
        published=datetime(2018, 8, 1, tzinfo=UTC),
        github_repo="https://github.com/openai/dexterity",
    ),
    seed.paper(
        "2401.30002",
        title="Robot grasping of unknown objects with deep learning",
        abstract="A robotic arm learns to pick up novel items from camera images with a convolutional network.",
        authors=("Sergey Levine",),
        categories=("cs.RO",),
        published=datetime(2016, 3, 7, tzinfo=UTC),
    ),
    seed.paper(
        "2401.40001",
        title="Highly accurate protein structure prediction",
        abstract="A neural network predicts the three-dimensional shape of proteins from amino acid sequences.",
        authors=("John Jumper",),
        categories=("q-bio.BM",),
        published=datetime(2021, 7, 15, tzinfo=UTC),
    ),
    seed.paper(
        "2401.50001",
        title="Video generation with temporal diffusion",
        abstract="A diffusion model for video generation <script>alert(1)</script> with temporal attention.",
        authors=("Ada Lovelace",),
        categories=("cs.CV",),
        published=datetime(2025, 1, 10, tzinfo=UTC),
    ),
]
DIFFUSION = {"2401.10001", "2401.10002", "2401.10003", "2401.50001"}


def store_topical(hub: Hub) -> None:
    """The topical papers, the first two also on the daily feed (so results show submitters and upvotes)."""
    seed.store(hub, TOPICAL, [seed.entry("2401.10001", FEED_DAY), seed.entry("2401.20001", FEED_DAY, minute=1)])


def use_search(hub: Hub, root: Path, embedder: Embedder | None) -> SearchService:
    """Point the hub at a fresh search engine: with an embedder (embedding on upsert, as tests need) or keyword only."""
    service = SearchService(hub.store, root, embedder, embed_on_index=True)
    hub.search_engine = service
    return service


@pytest.fixture(scope="session", name="minilm")
def minilm_fixture(minilm_dir: Path) -> Embedder:
    """The real all-MiniLM-L6-v2 (int8 ONNX), loaded once per session.

    Test modules import this and tests.search.conftest's `minilm_dir` (which builds the model when needed).
    """
    embedder = make_embedder("transformer", model=str(minilm_dir))
    assert embedder is not None
    return embedder
