"""Search on PostgreSQL (tsvector + GIN keyword ranking, pgvector HNSW vectors): the SearchEngine for scale-out."""

from dailypapers.pgsearch.engine import PgSearch
from dailypapers.pgsearch.keyword import PgKeywordConfig

__all__ = ["PgKeywordConfig", "PgSearch"]
