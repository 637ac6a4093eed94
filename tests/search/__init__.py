"""Tests of hybrid search: query language, indexes, embedders, fusion and SearchService."""
