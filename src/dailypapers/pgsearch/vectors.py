"""Vectors in pgvector: one row per (model, paper) in search.vectors, a partial HNSW index per model.

Owns the SQL of search.vectors and search.queue; knows papers only by id and the hash of the embedded text.
"""

# ruff: noqa: S608 - SQL text is built from constants, integers and the quoted model name; user input only ever
# travels as bind parameters

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

HNSW_M, HNSW_EF_CONSTRUCTION, EF_SEARCH = 16, 64, 128
MAX_EF_SEARCH = 1000  # pgvector's ceiling


def literal(vector: npt.NDArray[np.float32]) -> str:
    """pgvector's text form: [0.1,0.2,…]."""
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


def signed(value: int) -> int:
    """A 64-bit unsigned hash as PostgreSQL's signed bigint."""
    return value - (1 << 64) if value >= 1 << 63 else value


class PgVectors:
    """The vectors of one embedding model (name, dimension) in search.vectors."""

    def __init__(self, model: str, dim: int) -> None:
        self.model, self.dim = model, int(dim)
        # Inlined, not bound: a partial index is only used when the planner sees the literal model name.
        self.model_sql = "'" + model.replace("'", "''") + "'"
        self.column = f"v.embedding::vector({self.dim})"
        self.index_name = "ix_vectors_hnsw_" + hashlib.blake2b(f"{model}:{dim}".encode(), digest_size=6).hexdigest()

    def ensure_index(self, conn: sa.Connection) -> None:
        """The model's HNSW index (cosine); cheap when it exists, a full build on a filled table otherwise."""
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {self.index_name} ON search.vectors USING hnsw "
            f"((embedding::vector({self.dim})) vector_cosine_ops) WITH (m = {HNSW_M}, "
            f"ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE model = {self.model_sql}"
        )

    def any(self, conn: sa.Connection) -> bool:
        return bool(
            conn.scalar(sa.text(f"SELECT EXISTS (SELECT 1 FROM search.vectors WHERE model = {self.model_sql})"))
        )

    def hashes(self, conn: sa.Connection, ids: Sequence[str]) -> dict[str, int]:
        rows = conn.execute(
            sa.text(
                f"SELECT arxiv_id, text_hash FROM search.vectors WHERE model = {self.model_sql} "
                "AND arxiv_id = ANY(CAST(:ids AS varchar[]))"
            ),
            {"ids": list(ids)},
        )
        return {row.arxiv_id: int(row.text_hash) for row in rows}

    def upsert(
        self, conn: sa.Connection, ids: Sequence[str], vectors: npt.NDArray[np.float32], hashes: Sequence[int]
    ) -> None:
        if not ids:
            return
        conn.execute(
            sa.text(
                "INSERT INTO search.vectors (model, arxiv_id, text_hash, embedding) "
                "VALUES (:model, :arxiv_id, :text_hash, CAST(:embedding AS vector)) ON CONFLICT (model, arxiv_id) "
                "DO UPDATE SET text_hash = EXCLUDED.text_hash, embedding = EXCLUDED.embedding"
            ),
            [
                {"model": self.model, "arxiv_id": i, "text_hash": signed(h), "embedding": literal(v)}
                for i, v, h in zip(ids, vectors, hashes, strict=True)
            ],
        )

    def nearest(self, conn: sa.Connection, vector: npt.NDArray[np.float32], k: int) -> list[tuple[str, float]]:
        """The k nearest papers by cosine similarity through the HNSW index (approximate), best first."""
        if k <= 0:
            return []
        k = min(k, MAX_EF_SEARCH)
        conn.execute(sa.text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(max(EF_SEARCH, k))})
        distance = f"{self.column} <=> CAST(:q AS vector({self.dim}))"
        # Hiding a paper deletes its vector (migration 0010's trigger); the check here covers a vector an embedding
        # transaction wrote while the hide committed, so it can only shorten a list, never show a hidden paper.
        rows = conn.execute(
            sa.text(
                f"SELECT v.arxiv_id, {distance} AS distance FROM search.vectors AS v "
                f"WHERE v.model = {self.model_sql} AND NOT EXISTS (SELECT 1 FROM public.papers AS p "
                f"WHERE p.arxiv_id = v.arxiv_id AND p.hidden_at IS NOT NULL) ORDER BY {distance} LIMIT {int(k)}"
            ),
            {"q": literal(vector)},
        )
        return [(row.arxiv_id, 1.0 - float(row.distance)) for row in rows]

    def exact(
        self, conn: sa.Connection, vector: npt.NDArray[np.float32], condition: str, params: dict[str, Any], k: int
    ) -> list[tuple[str, float]]:
        """Exact cosine ranking over papers passing `condition` (on `d`, search.documents): small filtered sets."""
        distance = f"{self.column} <=> CAST(:q AS vector({self.dim}))"
        # `+ 0` keeps the planner off the HNSW index, which would filter after its cut and return too few rows.
        rows = conn.execute(
            sa.text(
                f"SELECT v.arxiv_id, {distance} AS distance FROM search.vectors AS v "
                f"JOIN search.documents AS d ON d.arxiv_id = v.arxiv_id WHERE v.model = {self.model_sql} "
                f"AND {condition} ORDER BY ({distance}) + 0 LIMIT {int(k)}"
            ),
            {**params, "q": literal(vector)},
        )
        return [(row.arxiv_id, 1.0 - float(row.distance)) for row in rows]

    def of(self, conn: sa.Connection, arxiv_id: str) -> npt.NDArray[np.float32] | None:
        text = conn.scalar(
            sa.text(f"SELECT embedding::text FROM search.vectors WHERE model = {self.model_sql} AND arxiv_id = :id"),
            {"id": arxiv_id},
        )
        if text is None:
            return None
        return np.asarray([float(x) for x in str(text).strip("[]").split(",")], dtype=np.float32)
