"""Part vectors (title and abstract sentences) of search candidates: read from the parts file, scored per query.

The file holds rows of `dim` int8 values scaled by PART_SCALE, appended by VectorIndex.save. It is read with pread,
never memory-mapped, so it costs page cache (shared by every process) instead of each web process's RSS.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

PARTS_FILE = "parts.i8"  # append-only: rows of `dim` int8 values, scaled by PART_SCALE
PART_SCALE = 127.0

Block = npt.NDArray[np.float32]  # one paper's part vectors, still scaled by PART_SCALE


def read_blocks(path: Path, dim: int, spans: Sequence[tuple[int, int]]) -> list[Block] | None:
    """The part rows [start, start + count) of each span, as float32; None when the file cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        raw = [os.pread(fd, count * dim, start * dim) for start, count in spans]
    finally:
        os.close(fd)
    joined = np.frombuffer(b"".join(raw), dtype=np.int8).astype(np.float32).reshape(-1, dim)
    blocks, at = [], 0
    for chunk in raw:  # as many rows as were read (a short read past the end of the file gives fewer)
        count = len(chunk) // dim
        blocks.append(joined[at : at + count])
        at += count
    return blocks


class QueryParts:
    """The best part cosine of candidates for one query, each paper's parts read once.

    A hybrid query with feedback rescores four overlapping candidate lists (the vector list and the keyword-only
    candidates, for the query vector and for the moved one); reading the parts of each paper once per query
    instead of once per list halves the reads. `read` gives the blocks of the papers among its ids that have
    parts (VectorIndex.part_blocks).
    """

    def __init__(self, read: Callable[[Sequence[str]], dict[str, Block]]) -> None:
        self.read = read
        self.blocks: dict[str, Block | None] = {}  # None: the paper has no parts

    def scores(self, vector: npt.NDArray[np.float32], ids: Sequence[str]) -> dict[str, float]:
        """Max cosine over each paper's part vectors, for the papers among `ids` that have parts."""
        new = [i for i in dict.fromkeys(ids) if i not in self.blocks]
        if new:
            found = self.read(new)
            self.blocks.update((i, found.get(i)) for i in new)
        wanted = [(i, block) for i in ids if (block := self.blocks[i]) is not None and len(block)]
        if not wanted:
            return {}
        matrix = np.concatenate([block for _, block in wanted])
        query = np.asarray(vector, dtype=np.float32) / PART_SCALE
        scores = np.einsum("ij,j->i", matrix, query)  # einsum: no BLAS threads (see SearchService._cosines)
        starts = np.cumsum([0] + [len(block) for _, block in wanted[:-1]])
        best = np.maximum.reduceat(scores, starts).tolist()
        return {i: float(score) for (i, _), score in zip(wanted, best, strict=True)}
