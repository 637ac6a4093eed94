"""VectorIndex: one embedding per paper in a faiss index persisted in a directory, tagged with its model.

Owns the vector files only; knows nothing about papers beyond their ids, a hash of the text each vector was made
from (so changed papers are re-embedded) and each id's `paper_key` (the keyword index's fast field, so filtered
searches join the two without reading documents). Saved atomically: a crash leaves the previous save.

Storage: below FLAT_LIMIT vectors an exact float32 index (IndexFlatIP: exact, and a few ms at that size); from
FLAT_LIMIT on an HNSW graph over 8-bit scalar-quantized vectors (IndexHNSWSQ, ranges trained on the vectors then
present), which keeps 1M × 384 at ~0.5 GB instead of hnswlib's ~1.7 GB float32. faiss cannot replace a vector in
place: a changed paper gets a new row and its old row is marked dead (skipped in results, dropped by a rebuild).

Optionally each paper also has "part" vectors (one per abstract sentence), stored int8 in an append-only file
(search/parts.py reads them) and used to rescore candidates (max over the parts).

Each row also keeps the facts the common filters test — published day, has code, categories (a bit per category
term) — so a filtered semantic search picks its rows in numpy instead of asking the keyword index (at 1M papers a
broad filter cost ~30 ms there, here ~3 ms). Rows saved without them (older indexes) make filters use the keyword
index until every live row has its facts again.

Ids are kept as numpy columns, not Python objects: an id's row is found through its `paper_key` (sorted keys +
searchsorted), so 1M papers cost ~40 MB of bookkeeping instead of ~175 MB of str objects and a dict.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from dailypapers.domain.errors import StorageError
from dailypapers.domain.query import SearchFilters, is_category_term
from dailypapers.search.keyword import paper_key
from dailypapers.search.parts import PART_SCALE, PARTS_FILE, Block, QueryParts, read_blocks

M, EF_CONSTRUCTION, EF_SEARCH = 16, 64, 96
FLAT_LIMIT = 20_000  # below this many vectors the index is exact float32
RANGE_MARGIN = 0.25  # SQ8 ranges are widened by this share of the trained span (later vectors may stick out)
FORMAT = 3  # 3: ids and the key order inside the rows-*.npz (2: ids in a text file, still read)
READABLE_FORMATS = (2, 3)

Vectors = npt.NDArray[np.float32]
Facts = tuple[int, bool, Sequence[str]]  # a paper's published day (date.toordinal()), has code, category terms
# A bit per category term `cat:` can ask for, up to 256 (arXiv has ~200 with archives): 32 bytes a paper. Terms past
# the cap get no bit, and filters on them go to the keyword index.
CATEGORY_WORDS = 4


def _empty(dim: int) -> faiss.Index:
    return faiss.IndexFlatIP(dim)


def _hnsw(vectors: Vectors) -> faiss.Index:
    """An HNSW-SQ8 graph over these vectors, its quantizer ranges trained on them with a margin."""
    dim = vectors.shape[1]
    graph = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, M, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]
    graph.hnsw.efConstruction = EF_CONSTRUCTION
    sq = faiss.downcast_index(graph.storage).sq  # type: ignore[attr-defined]
    sq.rangestat = faiss.ScalarQuantizer.RS_minmax
    sq.rangestat_arg = RANGE_MARGIN
    graph.train(vectors)
    graph.add(vectors)
    return graph


class VectorIndex:
    """Cosine (inner product on unit vectors) nearest neighbours keyed by arxiv_id."""

    def __init__(self, path: Path, model: str, dim: int) -> None:
        self.path, self.model, self.dim = path, model, dim
        self.ids = np.zeros(0, dtype="S1")  # by row: arxiv_id as UTF-8 bytes; b"" for a dead (replaced) row
        self.hashes = np.zeros(0, dtype=np.uint64)  # by row
        self.keys = np.zeros(0, dtype=np.int64)  # by row: paper_key, -1 when dead
        self.part_start = np.zeros(0, dtype=np.int64)  # by row: first part row in PARTS_FILE, -1 for none
        self.part_count = np.zeros(0, dtype=np.int32)
        self.days = np.zeros(0, dtype=np.int32)  # by row: published day; 0 = facts unknown
        self.code = np.zeros(0, dtype=bool)
        self.category_bits = np.zeros((0, CATEGORY_WORDS), dtype=np.uint64)  # by row: bit n = has category n
        self.category_names: list[str] = []  # bit n → category term
        self.categories_full = False  # a queryable category term found no free bit
        self.parts_rows = 0  # rows in PARTS_FILE covered by the last save
        self._pending_parts: list[npt.NDArray[np.int8]] = []
        self.graph: faiss.Index = _empty(dim)
        self.dead = 0  # rows whose paper got a newer row
        self._key_order: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None
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
        return meta if meta.get("format") in READABLE_FORMATS else None

    def _load(self, meta: dict[str, Any]) -> None:
        stamp = meta["stamp"]
        try:
            columns = np.load(self.path / f"rows-{stamp}.npz")
            if meta["format"] == 2:
                lines = (self.path / f"ids-{stamp}.txt").read_bytes().split(b"\n")
                ids = np.array(lines if lines != [b""] else [], dtype="S")
            else:
                ids = columns["ids"]
            graph = faiss.read_index(str(self.path / f"graph-{stamp}.faiss"))
            self.hashes, self.keys = columns["hashes"], columns["keys"]
            self.part_start, self.part_count = columns["part_start"], columns["part_count"]
            self._key_order = (columns["sorted_keys"], columns["key_order"]) if "key_order" in columns else None
            if "days" in columns and columns["category_bits"].shape[1:] == (CATEGORY_WORDS,):
                self.days, self.code = columns["days"], columns["code"]
                self.category_bits = columns["category_bits"]
                self.category_names = [bytes(n).decode("utf-8") for n in columns["category_names"]]
                self.categories_full = bool(columns["categories_full"])
            else:  # saved before the facts (or with another width): unknown until set again
                self.days, self.code = np.zeros(len(ids), np.int32), np.zeros(len(ids), bool)
                self.category_bits = np.zeros((len(ids), CATEGORY_WORDS), np.uint64)
                self.category_names, self.categories_full = [], False
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            raise StorageError(
                f"vector index at {self.path} is damaged ({exc}); run `dailypapers embed --rebuild`"
            ) from exc
        self.ids = ids if len(ids) else np.zeros(0, dtype="S1")
        self.parts_rows = int(meta.get("parts_rows", 0))
        self._pending_parts = []
        self.graph = graph
        self.dead = int((self.keys < 0).sum())
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
        if self._pending_parts:
            with (self.path / PARTS_FILE).open("r+b" if (self.path / PARTS_FILE).exists() else "wb") as out:
                out.truncate(self.parts_rows * self.dim)  # drop rows a crashed writer appended after its save
                out.seek(self.parts_rows * self.dim)
                for block in self._pending_parts:
                    out.write(block.tobytes())
                    self.parts_rows += len(block)
                out.flush()
                os.fsync(out.fileno())
            self._pending_parts = []
        stamp = f"{os.getpid()}-{len(self.ids)}-{os.urandom(3).hex()}"
        faiss.write_index(self.graph, str(self.path / f"graph-{stamp}.faiss"))
        sorted_keys, key_order = self._sorted_keys()  # saved, so a web process's first query need not sort 1M keys
        with (self.path / f"rows-{stamp}.npz").open("wb") as out:
            np.savez(
                out,
                ids=self.ids,
                hashes=self.hashes,
                keys=self.keys,
                part_start=self.part_start,
                part_count=self.part_count,
                sorted_keys=sorted_keys,
                key_order=key_order,
                days=self.days,
                code=self.code,
                category_bits=self.category_bits,
                category_names=np.array([n.encode("utf-8") for n in self.category_names], dtype="S"),
                categories_full=np.array(self.categories_full),
            )
        meta = {
            "format": FORMAT,
            "model": self.model,
            "dim": self.dim,
            "count": len(self),
            "stamp": stamp,
            "parts_rows": self.parts_rows,
        }
        tmp = self.path / "meta.json.tmp"
        tmp.write_text(json.dumps(meta), encoding="utf-8")
        tmp.replace(self.path / "meta.json")  # the switch to the new files is this one rename
        self._loaded_mtime = (self.path / "meta.json").stat().st_mtime
        for old in self.path.iterdir():
            if old.suffix in (".faiss", ".txt", ".npz", ".bin", ".npy") and stamp not in old.name:
                old.unlink(missing_ok=True)

    # -- writing -----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids) - self.dead

    def id_at(self, row: int) -> str:
        """The arxiv_id of a row ("" for a dead row)."""
        return bytes(self.ids[row]).decode("utf-8")

    def ids_at(self, rows: npt.NDArray[np.int64]) -> list[str]:
        """The arxiv_ids of these rows ("" for dead rows)."""
        return [raw.decode("utf-8") for raw in self.ids[rows].tolist()]

    def row_of(self, arxiv_id: str) -> int | None:
        """The live row of a paper, or None."""
        row = self.rows_of_ids([arxiv_id])[0]
        return None if row < 0 else int(row)

    def rows_of_ids(self, ids: Sequence[str]) -> npt.NDArray[np.int64]:
        """The live row of each id, -1 for unknown ids: found by paper_key, then the id itself is checked."""
        out = np.full(len(ids), -1, dtype=np.int64)
        if not len(ids) or not len(self.ids):
            return out
        sorted_keys, order = self._sorted_keys()
        wanted = np.array([paper_key(i) for i in ids], dtype=np.int64)
        left, right = np.searchsorted(sorted_keys, wanted), np.searchsorted(sorted_keys, wanted, side="right")
        encoded = np.array([i.encode("utf-8") for i in ids], dtype="S")
        # In numpy, not per id in Python (~13 % of a hybrid query was this loop): each key's first row, its id
        # checked; a 63-bit key collision (more than one row per key) is rare enough for the loop below.
        single = np.flatnonzero(right - left == 1)
        rows = order[left[single]]
        same = self.ids[rows] == encoded[single]
        out[single[same]] = rows[same]
        for n in np.flatnonzero(right - left > 1).tolist():
            for at in range(int(left[n]), int(right[n])):
                if self.ids[order[at]] == encoded[n]:
                    out[n] = order[at]
                    break
        return out

    def hash_of(self, arxiv_id: str) -> int | None:
        row = self.row_of(arxiv_id)
        return None if row is None else int(self.hashes[row])

    def add(
        self,
        ids: Sequence[str],
        vectors: Vectors,
        hashes: Sequence[int],
        parts: Sequence[Vectors] | None = None,
        facts: Sequence[Facts] | None = None,
    ) -> None:
        """Add or replace vectors (and each paper's part vectors and filter facts); a known id gets a new row, its
        old row dies."""
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        first = len(self.ids)
        if len(set(ids)) != len(ids):  # a paper twice in one batch: its last vector wins, as with two adds
            keep = sorted({arxiv_id: n for n, arxiv_id in enumerate(ids)}.values())
            ids, vectors, hashes = [ids[n] for n in keep], vectors[keep], [hashes[n] for n in keep]
            parts = [parts[n] for n in keep] if parts is not None else None
            facts = [facts[n] for n in keep] if facts is not None else None
        old = self.rows_of_ids(ids)
        old = old[old >= 0]
        self.ids[old] = b""
        self.keys[old] = -1
        self.dead += len(old)
        self.ids = np.concatenate([self.ids, np.array([i.encode("utf-8") for i in ids], dtype="S")])
        self.hashes = np.concatenate([self.hashes, np.asarray(hashes, dtype=np.uint64)])
        self.keys = np.concatenate([self.keys, np.array([paper_key(i) for i in ids], dtype=np.int64)])
        starts = np.full(len(ids), -1, dtype=np.int64)
        counts = np.zeros(len(ids), dtype=np.int32)
        if parts is not None:
            next_row = self.parts_rows + sum(len(b) for b in self._pending_parts)
            for n, block in enumerate(parts):
                if len(block):
                    starts[n], counts[n] = next_row, len(block)
                    next_row += len(block)
            blocks = [b for b in parts if len(b)]
            if blocks:
                stacked = np.concatenate(blocks).astype(np.float32)
                self._pending_parts.append(np.clip(np.rint(stacked * PART_SCALE), -127, 127).astype(np.int8))
        self.part_start = np.concatenate([self.part_start, starts])
        self.part_count = np.concatenate([self.part_count, counts])
        self.days = np.concatenate([self.days, np.zeros(len(ids), np.int32)])
        self.code = np.concatenate([self.code, np.zeros(len(ids), bool)])
        self.category_bits = np.concatenate([self.category_bits, np.zeros((len(ids), CATEGORY_WORDS), np.uint64)])
        self._key_order = None
        if facts is not None:
            self._set_facts(np.arange(first, first + len(ids)), facts)
        if isinstance(self.graph, faiss.IndexFlat) and first + len(ids) >= FLAT_LIMIT:
            existing = self.graph.reconstruct_n(0, first) if first else np.zeros((0, self.dim), np.float32)
            self.graph = _hnsw(np.concatenate([existing, vectors]))
        else:
            self.graph.add(vectors)

    def set_facts(self, ids: Sequence[str], facts: Sequence[Facts]) -> None:
        """Refresh the filter facts of known papers (a paper's metadata can change while its text does not)."""
        rows = self.rows_of_ids(ids)
        known = rows >= 0
        self._set_facts(rows[known], [f for f, k in zip(facts, known, strict=True) if k])

    def _set_facts(self, rows: npt.NDArray[np.int64], facts: Sequence[Facts]) -> None:
        bit_of = {name: n for n, name in enumerate(self.category_names)}
        new = sorted({c for _, _, names in facts for c in names if is_category_term(c)} - bit_of.keys())
        for name in new:
            if len(self.category_names) == CATEGORY_WORDS * 64:
                self.categories_full = True
                break
            bit_of[name] = len(self.category_names)
            self.category_names.append(name)
        for row, (day, code, names) in zip(rows.tolist(), facts, strict=True):
            self.days[row], self.code[row] = day, code
            self.category_bits[row] = 0
            for bit in (bit_of[name] for name in names if name in bit_of):
                self.category_bits[row, bit // 64] |= np.uint64(1 << (bit % 64))

    def filter_mask(self, filters: SearchFilters, *, exclude: Collection[str] = ()) -> npt.NDArray[np.bool_] | None:
        """Live rows passing day, code and category filters, less the papers in `exclude`; None when some live
        row's facts are unknown (the caller then asks the keyword index). Author filters are not facts here: the
        caller handles them."""
        live = self.keys >= 0
        if not len(self) or np.count_nonzero(live & (self.days == 0)):
            return None
        mask = live.copy()
        mask[self._live_rows(exclude)] = False
        if filters.start:
            mask &= self.days >= filters.start.toordinal()
        if filters.end:
            mask &= self.days <= filters.end.toordinal()
        if filters.has_code:
            mask &= self.code
        if filters.categories:
            if self.categories_full and not set(filters.categories) <= set(self.category_names):
                return None  # a term without a bit: papers may have it, only the keyword index knows
            wanted = np.zeros(CATEGORY_WORDS, np.uint64)  # a term no paper has sets no bit: it matches nothing
            for bit in (self.category_names.index(n) for n in filters.categories if n in self.category_names):
                wanted[bit // 64] |= np.uint64(1 << (bit % 64))
            has_any = np.zeros(len(mask), dtype=bool)
            for word in np.flatnonzero(wanted).tolist():  # word by word: `.any(axis=1)` is 14x slower at 1M rows
                has_any |= (self.category_bits[:, word] & wanted[word]) != 0
            mask &= has_any
        return mask

    def search_mask(
        self, vector: Vectors, k: int, mask: npt.NDArray[np.bool_], *, exact_limit: int
    ) -> list[tuple[str, float]]:
        """The k nearest papers among the rows of `mask`: exact when at most `exact_limit` pass, else the graph
        searched with the mask as a faiss ID selector (rows outside it are skipped while walking)."""
        count = int(mask.sum())
        if count == 0 or k <= 0:
            return []
        if count <= exact_limit:
            rows = np.flatnonzero(mask)
            scores = self._matrix(rows.tolist()) @ vector
            top = np.argsort(-scores)[:k]
            return [(self.id_at(int(rows[n])), float(scores[n])) for n in top]
        bitmap = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        want = min(k, count)
        if isinstance(self.graph, faiss.IndexHNSW):
            params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # missing from faiss's stubs
            params.efSearch = max(EF_SEARCH, want)
        else:
            params = faiss.SearchParameters()
        params.sel = selector
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        scores, rows = self.graph.search(query, want, params=params)
        return [(self.id_at(int(r)), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    # -- reading -----------------------------------------------------------------------------------------

    def search(self, vector: Vectors, k: int, *, exclude: Collection[str] = ()) -> list[tuple[str, float]]:
        """The k nearest papers by cosine similarity, best first; papers in `exclude` are skipped while the graph
        is walked (a faiss ID selector), so they cost no result slots."""
        if not len(self) or k <= 0:
            return []
        want = min(k + (k if self.dead else 0), len(self.ids))
        query = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        skipped = self._live_rows(exclude)
        if len(skipped):
            if isinstance(self.graph, faiss.IndexHNSW):
                params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # missing from faiss's stubs
                params.efSearch = max(EF_SEARCH, want)
            else:
                params = faiss.SearchParameters()
            batch = faiss.IDSelectorBatch(skipped)  # kept referenced: the selector below points into it
            params.sel = faiss.IDSelectorNot(batch)
            scores, rows = self.graph.search(query, want, params=params)
        else:
            if isinstance(self.graph, faiss.IndexHNSW):
                self.graph.hnsw.efSearch = max(EF_SEARCH, want)
            scores, rows = self.graph.search(query, want)
        found = rows[0] >= 0
        hits = zip(self.ids_at(rows[0][found]), scores[0][found].tolist(), strict=True)  # not row by row: 200+ rows
        return [hit for hit in hits if hit[0]][:k]

    def _live_rows(self, ids: Collection[str]) -> npt.NDArray[np.int64]:
        """The live rows of these papers (unknown ones are skipped)."""
        if not ids:
            return np.zeros(0, dtype=np.int64)
        rows = self.rows_of_ids(list(ids))
        return rows[rows >= 0]

    def _matrix(self, rows: Sequence[int]) -> Vectors:
        if not len(rows):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.graph.reconstruct_batch(np.asarray(rows, dtype=np.int64)), dtype=np.float32)

    def vectors(self, ids: Sequence[str]) -> tuple[list[str], Vectors]:
        """The stored vectors of the known ids among `ids` (in order), and those ids."""
        rows = self.rows_of_ids(ids)
        known = [i for i, row in zip(ids, rows, strict=True) if row >= 0]
        return known, self._matrix(rows[rows >= 0].tolist())

    def exact(self, vector: Vectors, ids: Sequence[str], k: int) -> list[tuple[str, float]]:
        """Exact cosine ranking restricted to `ids` (for filtered searches over a small subset)."""
        known, matrix = self.vectors(ids)
        if not known:
            return []
        scores = matrix @ vector
        top = np.argsort(-scores)[:k]
        return [(known[int(n)], float(scores[n])) for n in top]

    def _sorted_keys(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The keys sorted, and the row of each: kept until the next add."""
        if self._key_order is None:
            order = np.argsort(self.keys, kind="stable")
            self._key_order = (self.keys[order], order)
        return self._key_order

    def rows_of_keys(self, keys: Sequence[int]) -> npt.NDArray[np.int64]:
        """Live rows of the papers with these paper_keys (unknown keys are skipped)."""
        sorted_keys, order = self._sorted_keys()
        wanted = np.asarray(keys, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_keys, wanted), max(len(sorted_keys) - 1, 0))
        if not len(sorted_keys):
            return np.zeros(0, dtype=np.int64)
        found = sorted_keys[at] == wanted
        rows: npt.NDArray[np.int64] = order[at[found]]
        return rows[self.keys[rows] >= 0]

    def exact_keys(self, vector: Vectors, keys: Sequence[int], k: int) -> list[tuple[str, float]]:
        """Exact cosine ranking over the papers with these keys (filtered searches over a small subset)."""
        rows = self.rows_of_keys(keys)
        if not len(rows):
            return []
        scores = self._matrix(rows.tolist()) @ vector
        top = np.argsort(-scores)[:k]
        return [(self.id_at(int(rows[n])), float(scores[n])) for n in top]

    def part_blocks(self, ids: Sequence[str]) -> dict[str, Block]:
        """The part vectors (float32, scaled by PART_SCALE) of the papers among `ids` that have parts."""
        rows = self.rows_of_ids(ids)
        known = rows >= 0
        counts = np.zeros(len(ids), dtype=np.int64)
        starts = np.zeros(len(ids), dtype=np.int64)
        counts[known], starts[known] = self.part_count[rows[known]], self.part_start[rows[known]]
        has = np.flatnonzero(known & (counts > 0) & (starts < self.parts_rows)).tolist()
        spans = list(zip(starts[has].tolist(), counts[has].tolist(), strict=True))
        blocks = read_blocks(self.path / PARTS_FILE, self.dim, spans) if spans else []
        return {} if blocks is None else {ids[n]: block for n, block in zip(has, blocks, strict=True)}

    def part_scores(self, vector: Vectors, ids: Sequence[str]) -> dict[str, float]:
        """Max cosine over each paper's part vectors, for the papers among `ids` that have parts."""
        return QueryParts(self.part_blocks).scores(vector, ids)
