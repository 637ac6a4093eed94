"""Learned linear fusion: per-candidate features from the product's rank path, fitted with 5-fold CV over queries.

Run as a module (it re-uses bench.search_quality):
  `.venv/bin/python -m bench.fusion_fit dump --embed-cache /tmp/quality/sf.npz --out /tmp/quality/features.npz`
builds the SciFact SearchService once and writes, for every train query, the features of its candidates (keyword
top 100 ∪ the 200 nearest papers to the query vector ∪ the 200 nearest to the Rocchio-moved vector — the sets
the product's hybrid pass sees), then
  `.venv/bin/python -m bench.fusion_fit fit --features /tmp/quality/features.npz`
scores the current hand-tuned blend on the same rows and fits linear scorers over feature subsets (coordinate
ascent on nDCG@10 and pairwise logistic regression; `--method ln`: a listwise softmax fit), reporting the 5-fold
cross-validated nDCG@10 / Recall@100 (fit on 4/5 of the queries, scored on the held-out 1/5) — the honest
figure — beside the in-sample one.
  `.venv/bin/python -m bench.fusion_fit extra --features /tmp/quality/features.npz --out /tmp/quality/extra.npz`
adds new lexical and static-model signals for the same candidates (sentence bm25, query-stem coverage, bigrams,
minilm-static cosines; see EXTRA); `fit --extra /tmp/quality/extra.npz` fits with them as extra columns.
Files are written outside the project (the feature dump is ~50 MB).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.search_quality import (
    SCIFACT,
    CachingEmbedder,
    corpus_papers,
    query_text,
    read_benchmark,
    read_jsonl,
    scratch_hub,
)
from dailypapers.search.embedders import make_embedder
from dailypapers.search.fusion import FusionConfig
from dailypapers.search.parts import PART_SCALE, PARTS_FILE
from dailypapers.search.service import SearchService

F = npt.NDArray[np.float64]
FEATURES = (
    "kw",  # bm25 / best bm25 of the query's keyword list (0 outside it)
    "kw_rr",  # 10 / (10 + keyword rank), 0 outside
    "in_kw",  # 1 in the keyword top 100
    "pc",  # paper cosine to q
    "bp",  # best part cosine to q
    "bp2",  # second-best part cosine (the best when only one part)
    "tp",  # title part cosine (the paper cosine without a title part)
    "mp",  # mean part cosine
    "pc_m",  # paper cosine to the Rocchio-moved q'
    "bp_m",  # best part cosine to q'
    "bp2_m",  # second-best part cosine to q'
    "in_vec",  # 1 among the 100 best by semantic score (q')
    "share",  # share of the query's words (lower-case, > 2 letters) found in title + abstract
    "kw_z",  # bm25 z-scored over the keyword list (0 outside)
    "sem_z",  # semantic score (0.4 pc_m + 0.6 bp_m) z-scored over the candidates
    "sem_rel",  # semantic score / best semantic score among the candidates
    "pc_p",  # paper cosine to q moved towards the best-matching parts of the first pass's top 3 (beta 0.3)
    "bp_p",  # best part cosine to that vector
    "pc_p6",  # same, beta 0.6
    "bp_p6",
    "pc_x",  # paper cosine to q + 0.3 mean(top-3 paper vectors) + 0.3 mean(their best parts)
    "bp_x",
    "nb",  # cosine-weighted mean of today's scores of the candidate's 5 nearest other candidates
    "nb_max",  # max over other candidates of cosine x today's score
    "bw_m",  # best window of two adjacent parts (normalised sum) to q', parts included
    "bt_m",  # best (title + sentence) pair to q', parts included
)
BASE = {"kw": 0.3, "pc_m": 0.7 * 0.4, "bp_m": 0.7 * 0.6}  # today's blend over the moved query
START = {
    **BASE,
    "sem": 0.7,
    **{f"{p}_{v}": BASE[f"{p}_m"] for p in ("pc", "bp") for v in ("p", "p6", "x")},
    "bw_m": BASE["bp_m"],
    "bt_m": BASE["bp_m"],
}  # where coordinate ascent starts (unlisted features: weight 0)


# -- dump -------------------------------------------------------------------------------------------------


def _parts_matrix(service: SearchService) -> tuple[F, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every part vector (dequantised as the product reads them), with each paper row's start and count."""
    vectors = service.vectors
    assert vectors is not None
    raw = np.fromfile(vectors.path / PARTS_FILE, dtype=np.int8).reshape(-1, vectors.dim)
    return raw.astype(np.float64) / PART_SCALE, vectors.part_start, vectors.part_count.astype(np.int64)


WORD = re.compile(r"[a-z0-9]{3,}")


def dump(args: argparse.Namespace) -> None:
    queries, qrels = read_benchmark(args.queries, args.qrels)
    with scratch_hub("dp-fusion-") as (hub, work):
        papers = corpus_papers(args.corpus)
        words = {p.arxiv_id: set(WORD.findall(f"{p.title} {p.abstract}".lower())) for p in papers}
        hub.store.upsert_papers(papers)
        embedder = make_embedder("transformer", models_dir=Path("data/models"))
        assert embedder is not None
        cached = CachingEmbedder(embedder, args.embed_cache)
        service = SearchService(hub.store, work / "search", cached, fusion=FusionConfig())
        service.reindex()
        service.backfill()
        cached.save()
        vectors = service.vectors
        assert vectors is not None
        parts, part_start, part_count = _parts_matrix(service)
        rows_out: list[F] = []
        cand_ids: list[str] = []
        qids, sizes, rel_out, ideal, base_ndcg = [], [], [], [], []
        started = time.perf_counter()
        fusion = service.fusion
        for qid, relevant in qrels.items():
            parsed = query_text(queries[qid])
            q = cached.embed([parsed.text])[0]
            keyword = service.keyword.search(parsed, limit=fusion.depth)[0]
            # The product's two passes, to get q' exactly as rank() makes it and the baseline ranking.
            baseline = service.rank(parsed, "hybrid", depth=fusion.depth)
            first = service._hybrid(parsed, q, keyword, fusion.depth)
            _, top = vectors.vectors([d for d, _ in first[: fusion.feedback_docs]])
            moved = q + fusion.feedback_weight * top.mean(axis=0)
            moved = (moved / np.linalg.norm(moved)).astype(np.float32)
            vec_q = service._semantic(parsed, q, 2 * fusion.depth)
            vec_m = service._semantic(parsed, moved, 2 * fusion.depth)
            final_vec = service._vector_list(parsed, moved, fusion.depth)
            cands = list(dict.fromkeys([d for d, _ in keyword] + [d for d, _ in vec_q] + [d for d, _ in vec_m]))
            known, paper_matrix = vectors.vectors(cands)
            assert known == cands
            pm = paper_matrix.astype(np.float64)
            kw_rank = {d: n for n, (d, _) in enumerate(keyword)}
            kw_score = dict(keyword)
            best = keyword[0][1] if keyword else 1.0
            kw_scores = np.array([s for _, s in keyword]) if keyword else np.zeros(1)
            kw_mean, kw_std = float(kw_scores.mean()), float(kw_scores.std()) or 1.0
            in_vec = {d for d, _ in final_vec}
            qwords = set(WORD.findall(parsed.text.lower()))
            table = np.zeros((len(cands), len(FEATURES)))
            for n, doc in enumerate(cands):
                row = vectors.row_of(doc)
                start, count = int(part_start[row]), int(part_count[row])
                block = parts[start : start + count] if count > 0 and start >= 0 else pm[n : n + 1]
                pq, pmv = block @ q, block @ moved
                sq, sm = np.sort(pq)[::-1], np.sort(pmv)[::-1]
                kr = kw_rank.get(doc)
                score = kw_score.get(doc, 0.0)
                table[n, :16] = [
                    score / best if kr is not None else 0.0,
                    10 / (10 + kr) if kr is not None else 0.0,
                    float(kr is not None),
                    pm[n] @ q,
                    sq[0],
                    sq[1] if len(sq) > 1 else sq[0],
                    pq[0] if count > 0 else pm[n] @ q,  # part 0 is the title when the paper has one
                    pq.mean(),
                    pm[n] @ moved,
                    sm[0],
                    sm[1] if len(sm) > 1 else sm[0],
                    float(doc in in_vec),
                    len(qwords & words[doc]) / max(len(qwords), 1),
                    (score - kw_mean) / kw_std if kr is not None else 0.0,
                    0.0,
                    0.0,
                ]
            sem = 0.4 * table[:, FEATURES.index("pc_m")] + 0.6 * table[:, FEATURES.index("bp_m")]
            table[:, FEATURES.index("sem_z")] = (sem - sem.mean()) / (sem.std() or 1.0)
            table[:, FEATURES.index("sem_rel")] = sem / max(float(sem.max()), 1e-9)
            # Part-level feedback: the parts of the top fused papers that matched q best, not whole papers.
            best_parts = []
            for doc, _ in first[: fusion.feedback_docs]:
                row = vectors.row_of(doc)
                start, count = int(part_start[row]), int(part_count[row])
                if count > 0 and start >= 0:
                    block = parts[start : start + count]
                    best_parts.append(block[int(np.argmax(block @ q))])
            part_mean = np.mean(best_parts, axis=0) if best_parts else top.mean(axis=0)
            variants = {
                "p": q + 0.3 * part_mean,
                "p6": q + 0.6 * part_mean,
                "x": q + 0.3 * top.mean(axis=0) + 0.3 * part_mean,
            }
            for name, vec in variants.items():
                vec = vec / np.linalg.norm(vec)
                for n, doc in enumerate(cands):
                    row = vectors.row_of(doc)
                    start, count = int(part_start[row]), int(part_count[row])
                    block = parts[start : start + count] if count > 0 and start >= 0 else pm[n : n + 1]
                    table[n, FEATURES.index(f"pc_{name}")] = pm[n] @ vec
                    table[n, FEATURES.index(f"bp_{name}")] = (block @ vec).max()
            for n, doc in enumerate(cands):
                row = vectors.row_of(doc)
                start, count = int(part_start[row]), int(part_count[row])
                block = parts[start : start + count] if count > 0 and start >= 0 else pm[n : n + 1]
                own = block @ moved
                windows = block[:-1] + block[1:]
                titled = block[:1] + block[1:]
                for name, extra in (("bw_m", windows), ("bt_m", titled)):
                    if len(extra):
                        extra_scores = (extra @ moved) / np.linalg.norm(extra, axis=1)
                        table[n, FEATURES.index(name)] = max(own.max(), extra_scores.max())
                    else:
                        table[n, FEATURES.index(name)] = own.max()
            today = 0.3 * table[:, FEATURES.index("kw")] + 0.7 * sem
            unit = pm / np.linalg.norm(pm, axis=1, keepdims=True)
            sims = unit @ unit.T
            np.fill_diagonal(sims, -np.inf)
            near = np.argsort(-sims, axis=1)[:, :5]
            near_sims = np.take_along_axis(sims, near, axis=1)
            table[:, FEATURES.index("nb")] = (near_sims * today[near]).sum(axis=1) / near_sims.sum(axis=1)
            np.fill_diagonal(sims, 0.0)
            table[:, FEATURES.index("nb_max")] = (sims * today[None, :]).max(axis=1)
            rows_out.append(table)
            cand_ids.extend(cands)
            qids.append(qid)
            sizes.append(len(cands))
            rel_out.append(np.array([relevant.get(d, 0) for d in cands], dtype=np.float64))
            gains = sorted(relevant.values(), reverse=True)[:10]
            ideal.append(sum(g / np.log2(i + 2) for i, g in enumerate(gains)))
            ranked = [d for d, _ in baseline]
            base_ndcg.append(sum(relevant.get(d, 0) / np.log2(i + 2) for i, d in enumerate(ranked[:10])) / ideal[-1])
        print(f"{len(qids)} queries, {sum(sizes)} rows in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        print(f"product hybrid nDCG@10 in this run: {np.mean(base_ndcg):.4f}", file=sys.stderr)
        np.savez(
            args.out,
            features=np.concatenate(rows_out),
            sizes=np.array(sizes),
            rel=np.concatenate(rel_out),
            ideal=np.array(ideal),
            nrel=np.array([len(qrels[q]) for q in qids]),
            names=np.array(FEATURES),
            base_ndcg=np.array(base_ndcg),
            ids=np.array(cand_ids),
            qids=np.array(qids),
        )


# -- extra: new lexical / static-model signals for the dumped candidates ----------------------------------

EXTRA = (
    "sb",  # best sentence bm25 (a sentence scored as a document, avgdl over the query's candidates) / best
    "sb_cov",  # idf share of the query's stems inside that best sentence
    "s_cov",  # best idf share of the query's stems in any one sentence
    "sb2",  # best bm25 over windows of two adjacent sentences / best
    "tb",  # title bm25 / best
    "cov",  # idf share of the query's stems anywhere in title + abstract
    "cov_n",  # plain share of the query's distinct stems anywhere in title + abstract
    "bigram",  # share of the query's adjacent stem pairs found adjacent in title or abstract
    "st_pc",  # static-model (minilm-static) paper cosine to the query
    "st_bp",  # static-model best part cosine
    "span",  # 1 / (1 + shortest token window holding every query stem the paper has), times cov
    "ent",  # share of the query's identifier-like words (a digit or an inner capital: IL-6, p53, GPT-4) found verbatim
    "len",  # log of the abstract's stem count (a length prior)
)
IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")


def _identifiers(text: str) -> set[str]:
    return {w.lower() for w in IDENT.findall(text) if any(c.isdigit() for c in w) or any(c.isupper() for c in w[1:])}


def _bm25(
    tf: dict[str, int], length: int, avgdl: float, idf: dict[str, float], k1: float = 1.2, b: float = 0.75
) -> float:
    norm = k1 * (1 - b + b * length / avgdl)
    return sum(idf[t] * f * (k1 + 1) / (f + norm) for t, f in tf.items() if t in idf)


def _shortest_span(tokens: list[str], wanted: set[str]) -> int:
    """Tokens in the shortest window holding every stem of `wanted` that occurs in `tokens` (0: none occurs)."""
    present = wanted & set(tokens)
    if not present:
        return 0
    have: dict[str, int] = {}
    need, best, left = len(present), len(tokens), 0
    for right, token in enumerate(tokens):
        if token in present:
            have[token] = have.get(token, 0) + 1
        while len(have) == need:
            best = min(best, right - left + 1)
            gone = tokens[left]
            if gone in have:
                have[gone] -= 1
                if not have[gone]:
                    del have[gone]
            left += 1
    return best


def extra(args: argparse.Namespace) -> None:
    from collections import Counter

    from dailypapers.search.embedders import StaticEmbedder, split_sentences
    from dailypapers.search.keyword import KeywordIndex

    saved = np.load(args.features)
    ids, qids, sizes = saved["ids"].tolist(), saved["qids"].tolist(), saved["sizes"].tolist()
    queries = {str(q["_id"]): q["text"] for q in read_jsonl(args.queries)}
    papers = {p.arxiv_id: p for p in corpus_papers(args.corpus)}
    work = Path(tempfile.mkdtemp(prefix="dp-extra-"))
    try:
        index = KeywordIndex(work / "keyword")
        index.upsert(papers.values(), heap=256_000_000)
        searcher = index.index.searcher()
        total = searcher.num_docs
        analyze = index.analyzer.analyze
        # Per paper: title stems, each sentence's stems, all stems in order (title then abstract).
        started = time.perf_counter()
        title_t = {d: analyze(p.title) for d, p in papers.items()}
        sent_t = {d: [analyze(s) for s in split_sentences(p.abstract)] or [[]] for d, p in papers.items()}
        ents = {d: {w.lower() for w in IDENT.findall(f"{p.title} {p.abstract}")} for d, p in papers.items()}
        static = StaticEmbedder(Path("data/models/minilm-static"))
        needed = sorted(set(ids))
        st_docs, st_parts = static.embed_documents([(papers[d].title, papers[d].abstract) for d in needed])
        st_row = {d: n for n, d in enumerate(needed)}
        print(f"papers analysed and static-embedded in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        df_cache: dict[str, float] = {}

        def idf(stem: str) -> float:
            if stem not in df_cache:
                df = max(searcher.doc_freq("abstract", stem), searcher.doc_freq("title", stem))
                df_cache[stem] = float(np.log(1 + (total - df + 0.5) / (df + 0.5)))
            return df_cache[stem]

        out = np.zeros((len(ids), len(EXTRA)))
        at = 0
        started = time.perf_counter()
        for qid, size in zip(qids, sizes, strict=True):
            parsed = query_text(queries[qid])
            stems = [t for w in parsed.words for t in analyze(w)]
            q_idf = {t: idf(t) for t in stems}
            q_total = sum(q_idf.values()) or 1.0
            pairs = {(a, b) for a, b in itertools.pairwise(stems) if a != b}
            q_vec = static.embed([parsed.text])[0]
            q_ent = _identifiers(queries[qid])
            cands = ids[at : at + size]
            avg_sent = float(np.mean([len(s) for d in cands for s in sent_t[d]])) or 1.0
            avg_title = float(np.mean([len(title_t[d]) for d in cands])) or 1.0
            block = np.zeros((size, len(EXTRA)))
            for n, doc in enumerate(cands):
                sents = sent_t[doc]
                s_scores = [_bm25(Counter(s), len(s), avg_sent, q_idf) for s in sents]
                best = int(np.argmax(s_scores))
                covs = [sum(q_idf[t] for t in set(s) if t in q_idf) / q_total for s in sents]
                wins = (
                    [s_scores[0]]
                    if len(sents) < 2
                    else [
                        _bm25(Counter(a + b), len(a) + len(b), 2 * avg_sent, q_idf)
                        for a, b in itertools.pairwise(sents)
                    ]
                )
                title = title_t[doc]
                everything = title + [t for s in sents for t in s]
                present = set(everything)
                doc_pairs = set(itertools.pairwise(title)) | {p for s in sents for p in itertools.pairwise(s)}
                cov = sum(q_idf[t] for t in present if t in q_idf) / q_total
                span = _shortest_span(everything, set(q_idf))
                row = st_row[doc]
                parts = st_parts[row]
                block[n] = [
                    s_scores[best],
                    covs[best],
                    max(covs),
                    max(wins),
                    _bm25(Counter(title), len(title), avg_title, q_idf),
                    cov,
                    len(present & set(q_idf)) / max(len(q_idf), 1),
                    len(pairs & doc_pairs) / len(pairs) if pairs else 0.0,
                    float(st_docs[row] @ q_vec),
                    float((parts @ q_vec).max()) if len(parts) else float(st_docs[row] @ q_vec),
                    cov / (1 + span) if span else 0.0,
                    len(q_ent & ents[doc]) / len(q_ent) if q_ent else 0.0,
                    float(np.log1p(sum(len(s) for s in sents))),
                ]
            for name in ("sb", "sb2", "tb"):
                j = EXTRA.index(name)
                block[:, j] /= max(float(block[:, j].max()), 1e-9)
            out[at : at + size] = block
            at += size
        print(f"{len(qids)} queries, extra features in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        np.savez(args.out, features=out, names=np.array(EXTRA), ids=np.array(ids))
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- fit --------------------------------------------------------------------------------------------------


class Data:
    """Candidates padded to one [query, candidate, feature] block so a weight vector scores every query at once."""

    def __init__(self, path: Path, extra: Path | None = None) -> None:
        saved = np.load(path)
        self.names: list[str] = [str(n) for n in saved["names"]]
        features = saved["features"]
        if extra is not None:  # columns from `extra`, row for row the same candidates
            more = np.load(extra)
            assert (more["ids"] == saved["ids"]).all()
            self.names += [str(n) for n in more["names"]]
            features = np.concatenate([features, more["features"]], axis=1)
        sizes = saved["sizes"]
        width = int(sizes.max())
        self.x = np.zeros((len(sizes), width, len(self.names)))
        self.rel = np.zeros((len(sizes), width))
        self.mask = np.zeros((len(sizes), width), dtype=bool)
        at = 0
        for n, size in enumerate(sizes.tolist()):
            self.x[n, :size] = features[at : at + size]
            self.rel[n, :size] = saved["rel"][at : at + size]
            self.mask[n, :size] = True
            at += size
        self.ideal, self.nrel = saved["ideal"], saved["nrel"]
        self.base_ndcg = saved["base_ndcg"]
        self.discount = 1 / np.log2(np.arange(2, 12))
        self._derive()

    def _add(self, name: str, values: F) -> None:
        self.names.append(name)
        self.x = np.concatenate([self.x, np.where(self.mask, values, 0.0)[:, :, None]], axis=2)

    def _derive(self) -> None:
        """Non-linear and query-adaptive features made from the dumped ones (no new data needed)."""
        col = {n: self.x[:, :, i] for i, n in enumerate(self.names)}
        kw, sem = col["kw"], 0.4 * col["pc_m"] + 0.6 * col["bp_m"]
        self._add("sem", sem)
        self._add("kw2", kw**2)
        self._add("kw_sqrt", np.sqrt(np.maximum(kw, 0)))
        self._add("sem2", sem**2)
        self._add("kw_sem", kw * sem)
        self._add("both", col["in_kw"] * col["in_vec"])
        masked_kw = np.where(self.mask, kw, -1.0)
        masked_sem = np.where(self.mask, sem, -1.0)
        kw_sorted = -np.sort(-masked_kw, axis=1)
        sem_sorted = -np.sort(-masked_sem, axis=1)
        kw_top = np.argsort(-masked_kw, axis=1, kind="stable")[:, :10]
        sem_top = np.argsort(-masked_sem, axis=1, kind="stable")[:, :10]
        overlap = np.array([len(set(a) & set(b)) / 10 for a, b in zip(kw_top.tolist(), sem_top.tolist(), strict=True)])
        query = {
            "q_kwgap": 1 - np.maximum(kw_sorted[:, 1], 0),  # how far the best bm25 stands above the second
            "q_kwflat": np.maximum(kw_sorted[:, 9], 0),  # 10th bm25 / best: a flat keyword list
            "q_sem1": sem_sorted[:, 0],  # best semantic score
            "q_semgap": sem_sorted[:, 0] - sem_sorted[:, 1],
            "q_overlap": overlap,  # share of the two lists' top 10 they agree on
            "q_nkw": col["in_kw"].sum(axis=1) / 100,  # keyword hits (100: capped)
        }
        for name, g in query.items():
            self._add(f"kw*{name}", kw * g[:, None])

    def columns(self, names: Sequence[str]) -> npt.NDArray[np.intp]:
        return np.array([self.names.index(n) for n in names])

    def metrics(self, cols: npt.NDArray[np.intp], w: F, queries: npt.NDArray[np.intp]) -> tuple[F, F]:
        """Per-query nDCG@10 and Recall@100 of the linear scores x[:, :, cols] @ w."""
        scores = np.where(self.mask[queries], self.x[queries][:, :, cols] @ w, -np.inf)
        # Ties broken by candidate order (keyword list first), as a stable sort would.
        order = np.argsort(-scores, axis=1, kind="stable")
        rel = np.take_along_axis(self.rel[queries], order, axis=1)
        ndcg = (rel[:, :10] @ self.discount) / self.ideal[queries]
        recall = (rel[:, :100] > 0).sum(axis=1) / self.nrel[queries]
        return ndcg, recall


def coordinate_ascent(data: Data, cols: npt.NDArray[np.intp], start: F, queries: npt.NDArray[np.intp]) -> F:
    """Greedy per-weight line search on mean nDCG@10 (weights' scale is free: the first one is held fixed)."""
    w = start.copy()
    best = data.metrics(cols, w, queries)[0].mean()
    steps = (-1.0, -0.5, -0.25, -0.1, -0.05, -0.02, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
    for _ in range(6):
        improved = False
        for j in range(1, len(w)):
            for step in steps:
                trial = w.copy()
                trial[j] += step * max(abs(w[0]), 1e-3)
                value = data.metrics(cols, trial, queries)[0].mean()
                if value > best + 1e-6:
                    best, w, improved = value, trial, True
        if not improved:
            break
    return w


def pairwise_logistic(data: Data, cols: npt.NDArray[np.intp], queries: npt.NDArray[np.intp], l2: float = 1e-3) -> F:
    """Pairwise logistic regression: every (relevant, non-relevant among the top 30 by today's blend) pair."""
    base_cols = data.columns(list(BASE))
    base_w = np.array(list(BASE.values()))
    diffs = []
    for q in queries.tolist():
        size = int(data.mask[q].sum())
        x, rel = data.x[q, :size], data.rel[q, :size]
        top = np.argsort(-(x[:, base_cols] @ base_w), kind="stable")[:30]
        pos = np.flatnonzero(rel > 0)
        neg = [n for n in top.tolist() if rel[n] == 0]
        for p in pos.tolist():
            diffs.append(x[p, cols] - x[neg][:, cols])
    d = np.concatenate(diffs)
    scale = d.std(axis=0) + 1e-9
    d = d / scale
    w = np.zeros(len(cols))
    for _ in range(300):  # plain gradient descent is enough for a dozen weights
        margin = d @ w
        grad = -(d.T @ (1 / (1 + np.exp(margin)))) / len(d) + l2 * w
        w -= 1.0 * grad
    fitted: F = w / scale
    return fitted


def listwise_softmax(data: Data, cols: npt.NDArray[np.intp], queries: npt.NDArray[np.intp], l2: float = 1e-4) -> F:
    """ListNet-style fit: maximise the softmax probability of the relevant candidates (Adam, standardised features)."""
    x = data.x[queries][:, :, cols]
    mask, rel = data.mask[queries], data.rel[queries]
    flat = x[mask]
    mean, scale = flat.mean(axis=0), flat.std(axis=0) + 1e-9
    x = (x - mean) / scale
    target = rel / np.maximum(rel.sum(axis=1, keepdims=True), 1e-9)
    w = np.zeros(len(cols))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, 401):
        z = np.where(mask, x @ w, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = np.einsum("qc,qcf->f", np.where(mask, p - target, 0.0), x) / len(queries) + l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= 0.05 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    fitted: F = w / scale
    return fitted


def cross_validate(
    data: Data, names: Sequence[str], fitter: Callable[[npt.NDArray[np.intp], npt.NDArray[np.intp]], F], folds: int
) -> dict[str, Any]:
    cols = data.columns(names)
    rng = np.random.default_rng(7)
    order = rng.permutation(len(data.ideal))
    ndcg, recall = np.zeros(len(order)), np.zeros(len(order))
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        w = fitter(cols, train)
        ndcg[test], recall[test] = data.metrics(cols, w, test)
    everything = np.arange(len(order))
    w_all = fitter(cols, everything)
    n_in, r_in = data.metrics(cols, w_all, everything)
    return {
        "cv_ndcg": float(ndcg.mean()),
        "cv_recall": float(recall.mean()),
        "in_ndcg": float(n_in.mean()),
        "in_recall": float(r_in.mean()),
        "weights": {n: round(float(v / abs(w_all[0] or 1)), 4) for n, v in zip(names, w_all, strict=True)},
    }


def fit(args: argparse.Namespace) -> None:
    data = Data(args.features, args.extra)
    everything = np.arange(len(data.ideal))
    base_cols = data.columns(list(BASE))
    n, r = data.metrics(base_cols, np.array(list(BASE.values())), everything)
    print(f"product (from the dump): {data.base_ndcg.mean():.4f}; today's blend on these rows: ", end="")
    print(f"{n.mean():.4f} / {r.mean():.4f}")
    sets = {
        "base3": ["kw", "pc_m", "bp_m"],
        "+q": ["kw", "pc_m", "bp_m", "pc", "bp"],
        "+bp2": ["kw", "pc_m", "bp_m", "bp2_m"],
        "+tp": ["kw", "pc_m", "bp_m", "tp"],
        "+mp": ["kw", "pc_m", "bp_m", "mp"],
        "+kwrr": ["kw", "pc_m", "bp_m", "kw_rr", "in_kw"],
        "+share": ["kw", "pc_m", "bp_m", "share"],
        "+flags": ["kw", "pc_m", "bp_m", "in_kw", "in_vec"],
        "+norm": ["kw", "pc_m", "bp_m", "kw_z", "sem_z", "sem_rel"],
        "all": list(FEATURES),
        "part_fb": ["kw", "pc_p", "bp_p"],
        "part_fb6": ["kw", "pc_p6", "bp_p6"],
        "mix_fb": ["kw", "pc_x", "bp_x"],
        "fb_both": ["kw", "pc_m", "bp_m", "pc_p", "bp_p"],
        "nb": ["kw", "sem", "nb"],
        "win": ["kw", "pc_m", "bw_m"],
        "win+": ["kw", "pc_m", "bp_m", "bw_m"],
        "tit": ["kw", "pc_m", "bt_m"],
        "tit+": ["kw", "pc_m", "bp_m", "bt_m"],
        "nb_max": ["kw", "sem", "nb_max"],
        "nonlin": ["kw", "sem", "kw2", "kw_sqrt", "sem2", "kw_sem", "both"],
        "adapt": ["kw", "sem"] + [f"kw*q_{g}" for g in ("kwgap", "kwflat", "sem1", "semgap", "overlap", "nkw")],
        "adapt_gap": ["kw", "sem", "kw*q_kwgap", "kw*q_semgap"],
        "adapt_ov": ["kw", "sem", "kw*q_overlap"],
        "adapt_nkw": ["kw", "sem", "kw*q_nkw"],
        "adapt_flat": ["kw", "sem", "kw*q_kwflat"],
        "adapt_sem1": ["kw", "sem", "kw*q_sem1"],
        "all-share": [f for f in FEATURES if f != "share"],
        "everything": list(data.names),
        **{f"+{e}": ["kw", "pc_m", "bp_m", e] for e in EXTRA},
        "+covs": ["kw", "pc_m", "bp_m", "cov", "cov_n"],
        "+sent": ["kw", "pc_m", "bp_m", "sb", "sb_cov", "s_cov"],
        "+lex": ["kw", "pc_m", "bp_m", "sb", "sb_cov", "s_cov", "sb2", "tb", "cov", "cov_n", "bigram", "span"],
        "+static": ["kw", "pc_m", "bp_m", "st_pc", "st_bp"],
        "+new": ["kw", "pc_m", "bp_m", *EXTRA],
    }
    chosen = args.sets.split(",") if args.sets else list(sets)
    for name in chosen:
        names = sets[name]
        start = np.array([START.get(f, 0.0) for f in names])
        if args.method in ("ca", "both"):

            def ca(cols: npt.NDArray[np.intp], queries: npt.NDArray[np.intp], start: F = start) -> F:
                return coordinate_ascent(data, cols, start, queries)

            print(name, "ca", json.dumps(cross_validate(data, names, ca, args.folds)), flush=True)
        if args.method == "ln":

            def ln(cols: npt.NDArray[np.intp], queries: npt.NDArray[np.intp]) -> F:
                return listwise_softmax(data, cols, queries)

            print(name, "ln", json.dumps(cross_validate(data, names, ln, args.folds)), flush=True)
        if args.method in ("lr", "both"):

            def lr(cols: npt.NDArray[np.intp], queries: npt.NDArray[np.intp]) -> F:
                return pairwise_logistic(data, cols, queries)

            print(name, "lr", json.dumps(cross_validate(data, names, lr, args.folds)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--corpus", type=Path, default=SCIFACT / "corpus.jsonl.gz")
    d.add_argument("--queries", type=Path, default=SCIFACT / "queries-train.jsonl")
    d.add_argument("--qrels", type=Path, default=SCIFACT / "qrels-train.tsv")
    d.add_argument("--embed-cache", type=Path, required=True)
    d.add_argument("--out", type=Path, required=True)
    e = sub.add_parser("extra")
    e.add_argument("--corpus", type=Path, default=SCIFACT / "corpus.jsonl.gz")
    e.add_argument("--queries", type=Path, default=SCIFACT / "queries-train.jsonl")
    e.add_argument("--features", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("fit")
    f.add_argument("--features", type=Path, required=True)
    f.add_argument("--extra", type=Path, help="columns written by `extra` for the same dump")
    f.add_argument("--folds", type=int, default=5)
    f.add_argument("--method", default="both", choices=["ca", "lr", "both", "ln"])
    f.add_argument("--sets", default="", help="comma-separated feature-set names (default: all)")
    args = parser.parse_args()
    {"dump": dump, "extra": extra, "fit": fit}[args.command](args)


if __name__ == "__main__":
    main()
