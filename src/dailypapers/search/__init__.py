"""Hybrid search: keyword index, query language, embedders, vector index and fusion behind SearchService."""

from dailypapers.domain.query import MAX_QUERY_LENGTH, ParsedQuery, SearchFilters, parse_query
from dailypapers.ports.search import MODES, SearchHit, SearchMode, SearchResults
from dailypapers.search.service import SearchService

__all__ = [
    "MAX_QUERY_LENGTH",
    "MODES",
    "ParsedQuery",
    "SearchFilters",
    "SearchHit",
    "SearchMode",
    "SearchResults",
    "SearchService",
    "parse_query",
]
