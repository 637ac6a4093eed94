"""VectorIndex on faiss: exact below FLAT_LIMIT, HNSW-SQ8 above it; replaced rows, keys, part vectors, persistence."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from dailypapers.domain.query import SearchFilters
from dailypapers.search import vectors as vectors_module
from dailypapers.search.embedders import normalise, split_sentences
from dailypapers.search.keyword import paper_key
from dailypapers.search.vectors import VectorIndex


def unit(rng: np.random.Generator, n: int, dim: int = 32) -> np.ndarray:
    return normalise(rng.standard_normal((n, dim)).astype(np.float32))


def test_hnsw_sq8_finds_the_exact_neighbours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors_module, "FLAT_LIMIT", 500)
    rng = np.random.default_rng(0)
    data = unit(rng, 2000)
    index = VectorIndex(tmp_path, "m", 32)
    ids = [f"p{n}" for n in range(2000)]
    for start in range(0, 2000, 250):  # crosses FLAT_LIMIT: flat → HNSW-SQ8
        index.add(ids[start : start + 250], data[start : start + 250], list(range(start, start + 250)))
    queries = unit(rng, 50)
    recall = []
    for query in queries:
        exact = {ids[n] for n in np.argsort(-(data @ query))[:10]}
        recall.append(len(exact & {doc for doc, _ in index.search(query, 10)}) / 10)
    assert np.mean(recall) >= 0.95


def test_replaced_vector_gets_a_new_row_and_the_old_one_is_skipped(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    index = VectorIndex(tmp_path, "m", 32)
    first, second = unit(rng, 2)
    index.add(["a", "b"], np.stack([first, second]), [1, 2])
    index.add(["a"], second[None], [3])  # a's text changed: now equal to b
    assert len(index) == 2
    assert index.hash_of("a") == 3
    hits = index.search(second, 5)
    assert sorted(doc for doc, _ in hits) == ["a", "b"]
    assert all(score == pytest.approx(1.0, abs=1e-5) for _, score in hits)


def test_the_same_paper_twice_in_one_batch_keeps_its_last_vector(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    index = VectorIndex(tmp_path, "m", 32)
    first, second, other = unit(rng, 3)
    index.add(["a", "b", "a"], np.stack([first, other, second]), [1, 2, 3], [unit(rng, 1), unit(rng, 2), unit(rng, 3)])
    assert len(index) == 2
    assert index.hash_of("a") == 3
    best, score = index.search(second, 1)[0]
    assert best == "a"
    assert score == pytest.approx(1.0, abs=1e-5)
    row = index.row_of("a")
    assert row is not None
    assert int(index.part_count[row]) == 3


def test_keys_parts_and_persistence(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    index = VectorIndex(tmp_path, "m", 32)
    docs, parts = unit(rng, 3), [unit(rng, 2), np.zeros((0, 32), np.float32), unit(rng, 4)]
    index.add(["a", "b", "c"], docs, [1, 2, 3], parts)
    index.save()
    loaded = VectorIndex.open(tmp_path, "m", 32)
    assert len(loaded) == 3
    assert loaded.hash_of("c") == 3
    assert [loaded.id_at(r) for r in loaded.rows_of_keys([paper_key("c"), paper_key("zz"), paper_key("a")])] == [
        "c",
        "a",
    ]
    query = parts[2][1]
    scores = loaded.part_scores(query, ["a", "b", "c"])
    assert set(scores) == {"a", "c"}  # b has no parts
    assert scores["c"] == pytest.approx(1.0, abs=0.02)  # int8 parts
    assert loaded.exact_keys(docs[1], [paper_key("b"), paper_key("c")], 1)[0][0] == "b"
    assert len(VectorIndex.open(tmp_path, "other-model", 32)) == 0


def test_split_sentences_handles_missing_spaces_and_abbreviations() -> None:
    text = "Cells grow fast.A second finding (n = 7).To test this e.g. Fig. 2 was used, with 1.8 mm steps."
    assert split_sentences(text) == [
        "Cells grow fast.",
        "A second finding (n = 7).",
        "To test this e.g. Fig. 2 was used, with 1.8 mm steps.",
    ]


def test_an_index_saved_in_the_previous_layout_still_opens(tmp_path: Path) -> None:
    """Format 2 kept the ids in a text file beside the rows; hubs that saved it must not need a re-embed."""
    rng = np.random.default_rng(3)
    index = VectorIndex(tmp_path, "m", 32)
    docs = unit(rng, 3)
    index.add(["a", "b", "c"], docs, [1, 2, 3])
    index.add(["b"], docs[2:3], [4])  # b replaced: a dead row
    index.save()
    meta = json.loads((tmp_path / "meta.json").read_text())
    rows_file = tmp_path / f"rows-{meta['stamp']}.npz"
    columns = dict(np.load(rows_file))
    (tmp_path / f"ids-{meta['stamp']}.txt").write_text("\n".join(i.decode() for i in columns.pop("ids")))
    for name in ("sorted_keys", "key_order"):
        columns.pop(name)
    with rows_file.open("wb") as out:
        np.savez(out, **columns)
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "format": 2}))
    old = VectorIndex.open(tmp_path, "m", 32)
    assert len(old) == 3
    assert old.hash_of("b") == 4
    assert [doc for doc, _ in old.search(docs[2], 2)] in (["b", "c"], ["c", "b"])
    assert old.search(docs[1], 1)[0][0] != "b"  # the dead row stays dead
    assert old.filter_mask(SearchFilters(has_code=True)) is None  # no filter facts in that layout: not guessed


def test_filter_facts_mask_rows_and_stop_at_the_category_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors_module, "CATEGORY_WORDS", 1)  # 64 category bits
    rng = np.random.default_rng(5)
    index = VectorIndex(tmp_path, "m", 32)
    names = [f"cs.x{n}" for n in range(70)]  # 70 queryable terms: 6 get no bit
    facts = [(738_000 + n, n % 2 == 0, [names[n], "cs", "68T07"]) for n in range(70)]
    index.add([f"p{n}" for n in range(70)], unit(rng, 70), list(range(70)), facts=facts)
    assert index.categories_full
    assert "68T07" not in index.category_names  # not a term `cat:` can ask for
    mask = index.filter_mask(SearchFilters(categories=("cs.x3", "cs.x5")))
    assert mask is not None
    assert [index.id_at(r) for r in np.flatnonzero(mask).tolist()] == ["p3", "p5"]
    assert index.filter_mask(SearchFilters(categories=("cs.x69",))) is None  # past the cap: the keyword index knows
    coded = index.filter_mask(SearchFilters(categories=("cs",), has_code=True, start=date.fromordinal(738_010)))
    assert coded is not None
    assert [index.id_at(r) for r in np.flatnonzero(coded).tolist()] == [f"p{n}" for n in range(10, 70, 2)]
    index.save()
    again = VectorIndex.open(tmp_path, "m", 32)
    assert again.categories_full
    reopened = again.filter_mask(SearchFilters(categories=("cs.x3",)))
    assert reopened is not None
    assert [again.id_at(r) for r in np.flatnonzero(reopened).tolist()] == ["p3"]
