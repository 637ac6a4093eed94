"""Tests of the library: collections, the save button, reference export / import, account data and deletion."""
