"""Embedders: the real MiniLM (ONNX int8), a tiny static model, an HTTP server on 127.0.0.1, and config errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from dailypapers.domain.errors import ConfigError, SourceError, SourceUnavailable
from dailypapers.search.embedders import (
    Embedder,
    HttpEmbedder,
    OnnxEmbedder,
    StaticEmbedder,
    document_text,
    embed_documents,
    make_embedder,
    part_spans,
    sentence_spans,
    split_sentences,
)


def test_minilm_onnx_embeds_meaningfully(minilm_dir: Path) -> None:
    embedder = make_embedder("transformer", model=str(minilm_dir))
    assert isinstance(embedder, OnnxEmbedder)
    vectors = embedder.embed(
        ["A cat sits on the mat.", "A kitten is sitting on a rug.", "Quarterly tax filing deadlines for companies."]
    )
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]
    assert embedder.name == "all-MiniLM-L6-v2/onnx-int8"


def _tiny_static_model(path: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["[UNK]", "cat", "kitten", "tax", "mat", "rug"]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    path.mkdir()
    tokenizer.save(str(path / "tokenizer.json"))
    vectors = np.array([[0, 0, 1], [1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0.5, 0, 0.5], [0.5, 0, 0.4]], np.float32)
    np.save(path / "embeddings.npy", vectors)
    (path / "model.json").write_text(json.dumps({"name": "tiny-static", "dim": 3}))
    return path


def test_static_embedder_means_token_vectors(tmp_path: Path) -> None:
    embedder = make_embedder("static", model=str(_tiny_static_model(tmp_path / "static")))
    assert isinstance(embedder, StaticEmbedder)
    vectors = embedder.embed(["cat mat", "kitten rug", "tax", ""])
    assert vectors.shape == (4, 3)
    assert vectors[0] @ vectors[1] > 0.95 > vectors[0] @ vectors[2]
    assert embedder.embed([]).shape == (0, 3)


def test_real_static_model_when_built() -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "models" / "minilm-static"
    if not (path / "model.json").exists():
        pytest.skip("static model not built (python tools/distill_static.py)")
    vectors = StaticEmbedder(path).embed(["neural network training", "training deep neural networks", "tax law"])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


@pytest.mark.parametrize("kind", ["transformer", "static"])
def test_missing_model_files_fail_with_build_instructions(tmp_path: Path, kind: str) -> None:
    with pytest.raises(ConfigError, match=r"missing.*tools/"):
        make_embedder(kind, models_dir=tmp_path)


def test_model_needing_a_download_fails_clearly_offline(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not available offline"):
        make_embedder("transformer", model="BAAI/bge-small-en-v1.5", models_dir=tmp_path)


def test_unknown_embedder_kind_and_none() -> None:
    with pytest.raises(ConfigError, match="not one of"):
        make_embedder("word2vec")
    assert make_embedder("none") is None


class _Fake(BaseHTTPRequestHandler):
    """A tiny OpenAI-compatible /v1/embeddings: vector = (len(text), count of 'a', 1), returned out of order."""

    requests: ClassVar[list[dict[str, Any]]] = []
    status: ClassVar[int] = 200

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        if self.status != 200:
            self.send_response(self.status)
            self.end_headers()
            return
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(t)), float(t.count("a")), 1.0]}
            for i, t in enumerate(body["input"])
        ]
        payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[str]:
    _Fake.requests, _Fake.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_http_embedder_against_a_local_server(fake_server: str) -> None:
    embedder = make_embedder("http", url=fake_server, model="bge-small", api_key="sekrit")
    assert isinstance(embedder, HttpEmbedder)
    texts = ["aa", "b" * 10, "abc"]
    embedder.batch_size = 2
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 3)
    expected = np.array([[2, 2, 1], [10, 0, 1], [3, 1, 1]], np.float32)
    assert np.allclose(vectors, expected / np.linalg.norm(expected, axis=1, keepdims=True))
    assert [r["path"] for r in _Fake.requests] == ["/v1/embeddings", "/v1/embeddings"]
    assert _Fake.requests[0]["body"] == {"model": "bge-small", "input": ["aa", "b" * 10]}
    assert _Fake.requests[0]["auth"] == "Bearer sekrit"
    assert embedder.name == "http:bge-small"
    assert embedder.dim == 3


def test_http_embedder_errors(fake_server: str) -> None:
    embedder = HttpEmbedder(fake_server, "m")
    _Fake.status = 503
    with pytest.raises(SourceUnavailable):
        embedder.embed(["x"])
    _Fake.status = 400
    with pytest.raises(SourceError, match="400"):
        embedder.embed(["x"])
    with pytest.raises(SourceUnavailable, match="cannot be reached"):
        HttpEmbedder("http://127.0.0.1:9/v1", "m", timeout=2).embed(["x"])
    with pytest.raises(ConfigError):
        HttpEmbedder("", "m")


def test_http_embedder_cannot_reach_outside_in_tests() -> None:
    with pytest.raises(SourceUnavailable):
        HttpEmbedder("http://203.0.113.5/v1", "m", timeout=2).embed(["x"])


def test_part_spans_point_at_the_title_and_each_sentence_of_the_document_text() -> None:
    title = " Cells and mice "
    abstract = "Cells grow fast.A second finding (n = 7).  To test this e.g. Fig. 2 was used."
    text = document_text(title, abstract)
    assert [text[start:end] for start, end in part_spans(title, abstract)] == [
        "Cells and mice",
        "Cells grow fast.",
        "A second finding (n = 7).",
        "To test this e.g. Fig. 2 was used.",
    ]
    assert [abstract[s:e] for s, e in sentence_spans(abstract)] == split_sentences(abstract)
    assert part_spans("", "One sentence only here.") == [(0, 23)]


class _Plain:
    """An embedder without a document fast path: embed_documents falls back to one text per part."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed(texts)


DOCUMENTS = [
    ("Transformers for protein folding", "We fold proteins with attention. Accuracy rises sharply on CASP targets."),
    ("", "An abstract without a title. It has two sentences."),
    ("Graph networks", "Message passing over molecules predicts their energy well."),
]


def test_static_documents_are_tokenized_once_with_the_same_vectors(tmp_path: Path) -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "models" / "minilm-static"
    if not (path / "model.json").exists():
        pytest.skip("static model not built (python tools/distill_static.py)")
    embedder = StaticEmbedder(path)
    docs, parts = embed_documents(embedder, DOCUMENTS, parts=True)
    plain_docs, plain_parts = embed_documents(_Plain(embedder), DOCUMENTS, parts=True)
    assert plain_parts is not None
    assert parts is not None
    assert np.allclose(docs, plain_docs, atol=1e-5)
    assert [len(p) for p in parts] == [len(p) for p in plain_parts] == [3, 2, 2]
    for fast, plain in zip(parts, plain_parts, strict=True):
        assert np.allclose(fast, plain, atol=1e-5)
    alone, none = embed_documents(embedder, DOCUMENTS, parts=False)
    assert none is None
    assert np.allclose(alone, docs, atol=1e-5)


def test_minilm_late_chunking_makes_part_vectors_in_the_same_pass(minilm_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnx", reason="adding the token output needs `onnx` (build-time only)")
    model = tmp_path / "minilm"
    shutil.copytree(minilm_dir, model)
    tool = Path(__file__).resolve().parents[2] / "tools" / "build_minilm_onnx.py"
    subprocess.run([sys.executable, str(tool), "--add-token-output", str(model)], check=True, capture_output=True)
    late = OnnxEmbedder(model)
    assert late.token_output
    long_abstract = " ".join(f"Sentence number {n} talks about topic {n} at some length here." for n in range(20))
    documents = [*DOCUMENTS, ("A long one", long_abstract)]  # past the 256-token window: tail parts alone
    docs, parts = embed_documents(late, documents, parts=True)
    assert parts is not None
    assert np.allclose(docs, late.embed([document_text(t, a) for t, a in documents]), atol=1e-5)
    assert [len(p) for p in parts] == [3, 2, 2, 21]
    for (title, abstract), vectors in zip(DOCUMENTS, parts[:3], strict=True):
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        alone = late.embed([title] * bool(title) + split_sentences(abstract))
        # An in-context part vector stays nearest to the same part embedded alone among the paper's parts.
        similarity = vectors @ alone.T
        assert (np.diag(similarity) > 0.5).all()
        assert (similarity.argmax(axis=1) == np.arange(len(alone))).all()
    late.token_output = False  # a model built before late chunking: each part is embedded alone
    _, separate = embed_documents(late, DOCUMENTS, parts=True)
    assert separate is not None
    title, abstract = DOCUMENTS[0]
    alone = late.embed([title, *split_sentences(abstract)])
    # int8 activations are quantized per batch, so the same text in another batch differs slightly.
    assert ((separate[0] * alone).sum(axis=1) > 0.98).all()


def test_late_chunking_pools_a_sentence_the_window_cuts_when_most_of_it_is_inside(minilm_dir: Path) -> None:
    embedder = OnnxEmbedder(minilm_dir)
    assert embedder.token_output, "models built by tools/build_minilm_onnx.py output token vectors"
    filler = " ".join(f"Sentence number {n} talks about topic {n} at some length here." for n in range(18))
    documents = [
        (f"Cut {share}", filler + " " + " ".join(["Protein folding kinetics"] * words) + " end. Last one here.")
        for share, words in (("early", 40), ("late", 8))
    ]
    alone: list[str] = []
    embed = embedder.embed

    def record(texts: Sequence[str]) -> Any:
        alone.extend(texts)
        return embed(texts)

    embedder.embed = record  # type: ignore[method-assign]
    _, parts = embed_documents(embedder, documents, parts=True)
    assert parts is not None
    expected = []
    for title, abstract in documents:
        encoding = embedder.tokenizer.encode(document_text(title, abstract))
        cut = encoding.offsets[sum(encoding.attention_mask) - 2][1]
        for start, end in part_spans(title, abstract):
            inside = max(0, min(cut, end) - start)
            if inside < 0.5 * (end - start):  # most of it past the cut: embedded alone
                expected.append(" ".join(document_text(title, abstract)[start:end].split()))
    assert sorted(alone) == sorted(expected)
    assert any(text.startswith("Protein folding") for text in alone)  # the "early" cut: most of it outside
    assert sum(text.startswith("Protein folding") for text in alone) == 1  # the "late" cut is pooled in place
    assert [len(p) for p in parts] == [20, 20]  # the title and 19 sentences each, one vector per part either way
