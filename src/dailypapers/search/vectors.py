"""VectorIndex: one embedding per paper in an hnswlib graph persisted in a directory, tagged with its model.

Owns the vector files only; knows nothing about papers beyond their ids and a hash of the text each vector
was made from (so changed papers are re-embedded). Saved atomically: a crash leaves the previous save.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import hnswlib
import numpy as np
import numpy.typing as npt

from dailypapers.errors import StorageError

M, EF_CONSTRUCTION, EF_SEARCH = 16, 200, 128
FORMAT = 1


class VectorIndex:
    """Cosine (inner product on unit vectors) nearest neighbours keyed by arxiv_id."""

    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.path, self.model, self.dim = path, model, dim
        self.ids: list[str] = []
        self.labels: dict[str, int] = {}
        self.hashes = np.zeros(0, dtype=np.uint64)
        self.graph = hnswlib.Index(space="ip", dim=dim)
        self.graph.init_index(max_elements=1024, ef_construction=EF_CONSTRUCTION, M=M, allow_replace_deleted=False)
        self.graph.set_ef(EF_SEARCH)
        self._loaded_mtime = 0.0

    # -- persistence -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, model: str, dim: int) -> VectorIndex:
        """The saved index in `path` if it was made by `model`; otherwise a new, empty one (to backfill)."""
        index = cls(path, model, dim)
        meta = cls.read_meta(path)
        if meta is not None and meta.get("model") == model and meta.get("dim") == dim:
            index._load(meta)
        return index

    @staticmethod
    def read_meta(path: Path) -> dict[str, Any] | None:
        try:
            meta: dict[str, Any] = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return meta if meta.get("format") == FORMAT else None

    def _load(self, meta: dict[str, Any]) -> None:
        stamp = meta["stamp"]
        try:
            ids = (self.path / f"ids-{stamp}.txt").read_text(encoding="utf-8").split("\n")
            self.ids = ids if ids != [""] else []
            self.hashes = np.load(self.path / f"hashes-{stamp}.npy")
            graph = hnswlib.Index(space="ip", dim=self.dim)
            graph.load_index(str(self.path / f"graph-{stamp}.bin"), max_elements=max(len(self.ids), 1024))
        except (OSError, RuntimeError, ValueError) as exc:
            raise StorageError(
                f"vector index at {self.path} is damaged ({exc}); run `dailypapers embed --rebuild`"
            ) from exc
        graph.set_ef(EF_SEARCH)
        self.graph = graph
        self.labels = {arxiv_id: n for n, arxiv_id in enumerate(self.ids)}
        self._loaded_mtime = (self.path / "meta.json").stat().st_mtime

    def reload_if_changed(self) -> None:
        """Pick up a save made by another process (the worker embeds, the web process searches)."""
        try:
            mtime = (self.path / "meta.json").stat().st_mtime
        except OSError:
            return
        if mtime != self._loaded_mtime:
            meta = self.read_meta(self.path)
            if meta and meta.get("model") == self.model and meta.get("dim") == self.dim:
                self._load(meta)

    def save(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = f"{os.getpid()}-{len(self.ids)}-{os.urandom(3).hex()}"
        self.graph.save_index(str(self.path / f"graph-{stamp}.bin"))
        (self.path / f"ids-{stamp}.txt").write_text("\n".join(self.ids), encoding="utf-8")
        np.save(self.path / f"hashes-{stamp}.npy", self.hashes)
        meta = {"format": FORMAT, "model": self.model, "dim": self.dim, "count": len(self.ids), "stamp": stamp}
        tmp = self.path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        tmp.replace(self.path / "meta.json")  # the switch to the new files is this one rename
        self._loaded_mtime = (self.path / "meta.json").stat().st_mtime
        for old in self.path.iterdir():
            if old.suffix in (".bin", ".txt", ".npy") and stamp not in old.name:
                old.unlink(missing_ok=True)

    # -- writing -----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def hash_of(self, arxiv_id: str) -> int | None:
        label = self.labels.get(arxiv_id)
        return None if label is None else int(self.hashes[label])

    def add(self, ids: Sequence[str], vectors: npt.NDArray[np.float32], hashes: Sequence[int]) -> None:
        """Add or replace vectors; a known id keeps its label and gets the new vector."""
        if len(ids) == 0:
            return
        labels = []
        for arxiv_id in ids:
            label = self.labels.get(arxiv_id)
            if label is None:
                label = len(self.ids)
                self.ids.append(arxiv_id)
                self.labels[arxiv_id] = label
            labels.append(label)
        if len(self.ids) > self.graph.get_max_elements():
            self.graph.resize_index(max(len(self.ids), 2 * self.graph.get_max_elements()))
        if len(self.hashes) < len(self.ids):
            self.hashes = np.concatenate([self.hashes, np.zeros(len(self.ids) - len(self.hashes), np.uint64)])
        self.hashes[labels] = np.asarray(hashes, dtype=np.uint64)
        self.graph.add_items(np.asarray(vectors, dtype=np.float32), np.asarray(labels), num_threads=-1)

    # -- reading -----------------------------------------------------------------------------------------

    def search(self, vector: npt.NDArray[np.float32], k: int) -> list[tuple[str, float]]:
        """The k nearest papers by cosine similarity, best first."""
        count = len(self.ids)
        if count == 0 or k <= 0:
            return []
        k = min(k, count)
        self.graph.set_ef(max(EF_SEARCH, k + 16))
        labels, distances = self.graph.knn_query(vector.reshape(1, -1), k=k, num_threads=1)
        return [(self.ids[int(label)], 1.0 - float(d)) for label, d in zip(labels[0], distances[0], strict=True)]

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], npt.NDArray[np.float32]]:
        """The stored vectors of the known ids among `ids` (in order), and those ids."""
        known = [i for i in ids if i in self.labels]
        if not known:
            return [], np.zeros((0, self.dim), dtype=np.float32)
        items = self.graph.get_items([self.labels[i] for i in known], return_type="numpy")
        return known, np.asarray(items, dtype=np.float32)

    def exact(self, vector: npt.NDArray[np.float32], ids: Sequence[str], k: int) -> list[tuple[str, float]]:
        """Exact cosine ranking restricted to `ids` (for filtered searches over a small subset)."""
        known, matrix = self.vectors(ids)
        if not known:
            return []
        scores = matrix @ vector
        top = np.argsort(-scores)[:k]
        return [(known[int(n)], float(scores[n])) for n in top]
