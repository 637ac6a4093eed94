"""SearchService: the one entry point for search — indexing, keyword / semantic / hybrid queries, similar papers.

Owns the index files under its root directory (keyword/, vectors/<model>/, pending queue); reads papers only
through the Store port and never writes to the database.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dailypapers.domain.errors import InvalidInput, PaperNotFound
from dailypapers.domain.models import Paper
from dailypapers.domain.query import ParsedQuery, SearchFilters, parse_query
from dailypapers.ports import ProgressSink, Store
from dailypapers.ports.search import MODES, EmbedReport, SearchHit, SearchMode, SearchResults
from dailypapers.search.embedders import Embedder, QueryVectors, Vectors, document_text, embed_documents
from dailypapers.search.fusion import FusionConfig, fuse
from dailypapers.search.keyword import KeywordConfig, KeywordIndex, category_terms, paper_key
from dailypapers.search.parts import QueryParts
from dailypapers.search.vectors import Facts, VectorIndex

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
EXACT_LIMIT = 20_000  # filtered semantic search scores the filtered set exactly when it is this small
SAVE_EVERY_SECONDS = 30.0


class _NoProgress:
    def advance(self, amount: int) -> None:
        pass


def text_hash(paper: Paper) -> int:
    """Fingerprint of what gets embedded; a changed title or abstract means a stale vector."""
    digest = hashlib.blake2b(document_text(paper.title, paper.abstract).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def paper_facts(paper: Paper) -> Facts:
    """What filters test, kept beside a paper's vector: published day, has code, category terms."""
    return paper.published.date().toordinal(), bool(paper.github_repo), category_terms(paper.categories)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_") or "model"


@dataclass(slots=True)
class _FilterChecks:
    """What one query learned about its filters: how many papers pass (and which, when few), and the verdicts on
    keys already checked, and the part vectors it read. The feedback pass reuses it instead of counting, checking and
    reading again (a broad filter at 1M papers: ~13 ms to count, ~19 ms to check 1,000 candidates)."""

    count: int | None = None
    allowed: list[int] = field(default_factory=list)
    verdicts: dict[int, bool] = field(default_factory=dict)
    mask: npt.NDArray[np.bool_] | None = None  # rows passing, from the vector index's own filter facts
    mask_tried: bool = False
    parts: QueryParts | None = None  # the candidates' part vectors, read once for all of the query's passes


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """A checked request: the parsed query, the mode that will really run (and why, if not the one asked)."""

    parsed: ParsedQuery
    mode: SearchMode
    notice: str | None
    offset: int


def plan_search(
    text: str,
    mode: str,
    page: int,
    page_size: int,
    filters: SearchFilters | None,
    semantic_ready: Callable[[], bool],
) -> SearchPlan:
    """Validate a search request the same way for every engine; InvalidInput for bad modes, pages or queries.

    Semantic and hybrid fall back to keyword when the query has no words (filters only) or no vectors exist yet.
    """
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page starts at 1 and page_size is between 1 and {MAX_PAGE_SIZE}")
    parsed = parse_query(text)
    if filters is not None:
        parsed = parsed.with_filters(filters)
    used: SearchMode = mode  # narrowed by the `in MODES` check above
    notice = None
    if used != "keyword" and not parsed.has_text:
        used = "keyword"
    elif used != "keyword" and not semantic_ready():
        used, notice = "keyword", "semantic search is not available yet (no vectors); showing keyword results"
    return SearchPlan(parsed, used, notice, (page - 1) * page_size)


class SearchService:
    """Search over the papers of one Store, with indexes kept in `root` (beside the SQLite file by default)."""

    def __init__(
        self,
        store: Store,
        root: Path,
        embedder: Embedder | None,
        *,
        keyword: KeywordConfig | None = None,
        fusion: FusionConfig | None = None,
        embed_on_index: bool = False,
    ) -> None:
        self.store, self.root, self.embedder = store, root, embedder
        self._query_vectors: QueryVectors | None = None
        self.fusion = fusion or FusionConfig()
        self.embed_on_index = embed_on_index
        self.keyword = KeywordIndex(root / "keyword", keyword)
        self.vectors: VectorIndex | None = None
        if embedder is not None:
            self.vectors = VectorIndex.open(root / "vectors" / _slug(embedder.name), embedder.name, embedder.dim)
        self._pending = root / f"pending-{_slug(embedder.name)}.txt" if embedder else None

    @property
    def query_vectors(self) -> QueryVectors:
        """The embedder's query vectors, kept per text (rebuilt if the embedder is swapped)."""
        assert self.embedder is not None
        self._query_vectors = QueryVectors.kept_for(self.embedder, self._query_vectors)
        return self._query_vectors

    # -- indexing ----------------------------------------------------------------------------------------

    def index_ids(self, arxiv_ids: Sequence[str]) -> None:
        """Re-index papers as the store now has them: call after every upsert batch (new or changed papers).

        The keyword index is updated at once; vectors are embedded now with `embed_on_index`, otherwise the ids
        are queued for `embed_pending` (the worker), because a transformer embeds ~40 papers/s.
        """
        if not arxiv_ids:
            return
        papers = list(self.store.get_papers(list(arxiv_ids)).values())
        self.index_papers(papers)

    def index_papers(self, papers: Sequence[Paper]) -> None:
        self.keyword.upsert(papers)
        if self.vectors is None or not papers:
            return
        if self.embed_on_index:
            self.embed_papers(papers)
            self.save()
        else:
            assert self._pending is not None
            self.root.mkdir(parents=True, exist_ok=True)
            with self._pending.open("a", encoding="utf-8") as queue:
                queue.write("".join(p.arxiv_id + "\n" for p in papers))

    def embed_papers(self, papers: Sequence[Paper]) -> EmbedReport:
        """Embed papers whose vector is missing or stale (text changed); does not save."""
        report = EmbedReport()
        if self.vectors is None or self.embedder is None:
            return report
        todo = [(p, h) for p in papers if self.vectors.hash_of(p.arxiv_id) != (h := text_hash(p))]
        report.unchanged = len(papers) - len(todo)
        if report.unchanged:  # text unchanged, but the date, categories or code link may have changed
            changed = {p.arxiv_id for p, _ in todo}
            same = [p for p in papers if p.arxiv_id not in changed]
            self.vectors.set_facts([p.arxiv_id for p in same], [paper_facts(p) for p in same])
        if todo:
            started = time.perf_counter()
            vectors, parts = self._embed([p for p, _ in todo])
            facts = [paper_facts(p) for p, _ in todo]
            self.vectors.add([p.arxiv_id for p, _ in todo], vectors, [h for _, h in todo], parts, facts)
            report.seconds = time.perf_counter() - started
            report.embedded = len(todo)
            report.ids = [p.arxiv_id for p, _ in todo]
        return report

    def _embed(self, papers: Sequence[Paper]) -> tuple[Vectors, list[Vectors] | None]:
        """Each paper's vector and, with part vectors on, one vector per part (its title and each sentence)."""
        assert self.embedder is not None
        documents = [(p.title, p.abstract) for p in papers]
        return embed_documents(self.embedder, documents, parts=self.fusion.part_weight > 0)

    def embed_pending(self, *, batch: int = 256) -> EmbedReport:
        """Embed the papers queued by index_ids (the worker calls this); saves the vectors."""
        total = EmbedReport()
        if self._pending is None or not self._pending.exists():
            return total
        claimed = self._pending.with_name(f"{self._pending.stem}.{os.getpid()}.claimed")
        self._pending.replace(claimed)  # new ids queued meanwhile go to a fresh file
        ids = list(dict.fromkeys(line for line in claimed.read_text(encoding="utf-8").split("\n") if line))
        for start in range(0, len(ids), batch):
            papers = list(self.store.get_papers(ids[start : start + batch]).values())
            report = self.embed_papers(papers)
            total.embedded += report.embedded
            total.unchanged += report.unchanged
            total.seconds += report.seconds
        self.save()
        claimed.unlink()
        return total

    def backfill(self, *, batch: int = 256, progress: ProgressSink | None = None) -> EmbedReport:
        """Embed every paper with a missing or stale vector, newest first; resumable (saves every 30 s)."""
        total, sink = EmbedReport(), progress or _NoProgress()
        if self.vectors is None:
            return total
        after = None
        last_save = time.monotonic()
        # Hidden papers keep their vectors: results leave them out at query time, so unhiding needs no re-embedding.
        while papers := self.store.list_papers(limit=batch, after=after, include_hidden=True):
            report = self.embed_papers(papers)
            total.embedded += report.embedded
            total.unchanged += report.unchanged
            total.seconds += report.seconds
            sink.advance(len(papers))
            after = (papers[-1].published, papers[-1].arxiv_id)
            if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                self.save()
                last_save = time.monotonic()
        self.save()
        return total

    def reindex(self, *, batch: int = 2000, progress: ProgressSink | None = None, vectors: bool = False) -> int:
        """Rebuild the keyword index from the store (and with `vectors`, the vector index from scratch)."""
        sink = progress or _NoProgress()
        self.keyword.clear()
        if vectors and self.embedder is not None and self.vectors is not None:
            self.vectors = VectorIndex(self.vectors.path, self.embedder.name, self.embedder.dim)
        count, after = 0, None
        while papers := self.store.list_papers(limit=batch, after=after, include_hidden=True):
            self.keyword.upsert(papers, heap=256_000_000)
            if vectors:
                self.embed_papers(papers)
            count += len(papers)
            sink.advance(len(papers))
            after = (papers[-1].published, papers[-1].arxiv_id)
        if vectors:
            self.save()
        return count

    def save(self) -> None:
        if self.vectors is not None:
            self.vectors.save()

    # -- querying ----------------------------------------------------------------------------------------

    @property
    def semantic_ready(self) -> bool:
        if self.vectors is None:
            return False
        self.vectors.reload_if_changed()
        return len(self.vectors) > 0

    def search(
        self,
        text: str,
        *,
        mode: str = "hybrid",
        page: int = 1,
        page_size: int = 20,
        filters: SearchFilters | None = None,
        snippets: bool = True,
    ) -> SearchResults:
        """One page of results; raises InvalidInput for bad queries, modes or pages (the web maps it to 400)."""
        plan = plan_search(text, mode, page, page_size, filters, lambda: self.semantic_ready)
        used, notice, offset = plan.mode, plan.notice, plan.offset
        # Moderation, decided by the database on every query: the index files are shared by processes that each
        # hold their own copy in memory, so hidden papers stay indexed and are left out of every list instead.
        parsed = replace(plan.parsed, excluded_ids=self.store.hidden_ids())
        if used == "keyword":
            ranked, total = self.keyword.search(parsed, limit=page_size, offset=offset)
        else:
            ranked_all = self.rank(parsed, used, depth=max(self.fusion.depth, offset + page_size))
            total, ranked = len(ranked_all), ranked_all[offset : offset + page_size]
        hits = self._hits(parsed, ranked, snippets)
        return SearchResults(parsed, used, hits, total, page, page_size, notice)

    def rank(self, parsed: ParsedQuery, mode: SearchMode, *, depth: int) -> list[tuple[str, float]]:
        """The ranked candidate list of a mode, filters applied before the cut (the quality bench uses this)."""
        if mode == "keyword":
            return self.keyword.search(parsed, limit=depth)[0]
        assert self.embedder is not None
        keyword: list[tuple[str, float]] = []
        if mode == "hybrid":
            keyword = self.keyword.search(parsed, limit=depth)[0]
            if self._keyword_decides(parsed, keyword):
                return keyword
        query_vector = self.query_vectors(parsed.text)
        checked = _FilterChecks()  # one query's filter work, shared by the feedback pass
        assert self.vectors is not None
        checked.parts = QueryParts(self.vectors.part_blocks)  # and its part vectors, read once
        if mode == "semantic":
            return self._vector_list(parsed, query_vector, depth, checked)
        fused = self._hybrid(parsed, query_vector, keyword, depth, checked)
        docs, weight = self.fusion.feedback_docs, self.fusion.feedback_weight
        if docs <= 0 or weight <= 0 or not keyword or not fused:  # measured only with both lists present
            return fused
        # Rocchio feedback: the top fused papers (chosen by both lists) pull the query vector towards their
        # topic, so papers that share no query word and sit further from the short query surface on the second
        # pass; the keyword list is kept as it is (term expansion of bm25 measured worse, docs/search.md).
        assert self.vectors is not None
        _, top = self.vectors.vectors([doc for doc, _ in fused[:docs]])
        if not len(top):
            return fused
        moved = query_vector + weight * top.mean(axis=0)
        moved = (moved / max(float(np.linalg.norm(moved)), 1e-12)).astype(np.float32)
        return self._hybrid(parsed, moved, keyword, depth, checked)

    def _vector_list(
        self, parsed: ParsedQuery, query_vector: Vectors, depth: int, checked: _FilterChecks | None = None
    ) -> list[tuple[str, float]]:
        # Twice the candidates by paper vector, re-ranked with the part vectors, then cut.
        candidates = self._semantic(parsed, query_vector, 2 * depth, checked)
        return self._rescore(query_vector, candidates, checked.parts if checked else None)[:depth]

    def _hybrid(
        self,
        parsed: ParsedQuery,
        query_vector: Vectors,
        keyword: list[tuple[str, float]],
        depth: int,
        checked: _FilterChecks | None = None,
    ) -> list[tuple[str, float]]:
        vector = self._vector_list(parsed, query_vector, depth, checked)
        seen = {doc for doc, _ in vector}
        missing = [doc for doc, _ in keyword if doc not in seen]  # keyword hits get their semantic score too
        parts = checked.parts if checked else None
        semantic = dict(self._rescore(query_vector, self._cosines(query_vector, missing), parts)) if missing else {}
        return fuse(keyword, vector, self.fusion, semantic, words=parsed.length)

    def _keyword_decides(self, parsed: ParsedQuery, keyword: list[tuple[str, float]]) -> bool:
        """A short query whose words only the keyword list's first paper holds all of: the known-item case."""
        short = 2 <= parsed.length <= self.fusion.short_query_words
        if not (self.fusion.skip_embedder_when_sole and keyword and short):
            return False
        return self.keyword.sole_holder(parsed) == keyword[0][0]

    def _cosines(self, query_vector: Vectors, ids: Sequence[str]) -> list[tuple[str, float]]:
        assert self.vectors is not None
        known, matrix = self.vectors.vectors(ids)
        # einsum, not `@`: OpenBLAS threads a matrix-vector product, and beside faiss's and onnxruntime's thread
        # pools on 2 busy cores the part vectors' product (~2,000 rows) took 6-13 ms instead of ~0.4 ms.
        return list(zip(known, np.einsum("ij,j->i", matrix, query_vector).tolist(), strict=True))

    def _rescore(
        self, query_vector: Vectors, ranked: list[tuple[str, float]], parts: QueryParts | None = None
    ) -> list[tuple[str, float]]:
        """Semantic score = part_weight × best part cosine + the rest × paper cosine (papers without parts: the
        paper cosine), re-sorted; measured on SciFact train: 0.699 nDCG@10 vs 0.663 for the paper vector alone."""
        weight = self.fusion.part_weight
        if weight <= 0 or not ranked:
            return ranked
        assert self.vectors is not None
        parts = parts or QueryParts(self.vectors.part_blocks)
        best = parts.scores(query_vector, [doc for doc, _ in ranked])
        scores = [(doc, (1 - weight) * score + weight * best.get(doc, score)) for doc, score in ranked]
        return sorted(scores, key=lambda item: (-item[1], item[0]))

    def _semantic(
        self, parsed: ParsedQuery, query_vector: Vectors, depth: int, checked: _FilterChecks | None = None
    ) -> list[tuple[str, float]]:
        assert self.vectors is not None
        if not (parsed.filters.active or parsed.excluded or parsed.phrases):
            return self.vectors.search(query_vector, depth, exclude=parsed.excluded_ids)
        checked = checked or _FilterChecks()
        if not (parsed.filters.authors or parsed.filters.keywords or parsed.excluded or parsed.phrases):
            if not checked.mask_tried:
                checked.mask = self.vectors.filter_mask(parsed.filters, exclude=parsed.excluded_ids)
                checked.mask_tried = True
            if checked.mask is not None:
                return self.vectors.search_mask(query_vector, depth, checked.mask, exact_limit=EXACT_LIMIT)
        if checked.count is None:
            checked.allowed, checked.count = self.keyword.filtered_keys(parsed, limit=EXACT_LIMIT)
        if checked.count <= EXACT_LIMIT:
            return self.vectors.exact_keys(query_vector, checked.allowed, depth)
        candidates = self.vectors.search(query_vector, depth * 5)  # a broad filter passes more than 1 in 5
        keys = [paper_key(doc) for doc, _ in candidates]
        unchecked = [key for key in keys if key not in checked.verdicts]
        passing = self.keyword.passing_keys(parsed, unchecked)
        checked.verdicts.update((key, key in passing) for key in unchecked)
        return [c for c, key in zip(candidates, keys, strict=True) if checked.verdicts[key]][:depth]

    def _hits(self, parsed: ParsedQuery, ranked: Sequence[tuple[str, float]], snippets: bool) -> list[SearchHit]:
        if not ranked:
            return []
        texts: dict[str, str] = {}
        if snippets:
            abstracts = self.store.abstracts([doc for doc, _ in ranked])
            texts = self.keyword.snippets(parsed, [(doc, abstracts[doc]) for doc, _ in ranked if doc in abstracts])
        return [SearchHit(doc, score, texts.get(doc, "")) for doc, score in ranked]

    def count_by_week(self, query: ParsedQuery, *, start: date, weeks: int) -> list[int]:
        """Keyword matches per week (topic trends): one histogram aggregation over the keyword index."""
        return self.keyword.count_by_week(query, start=start, weeks=weeks)

    def matching_ids(self, query: ParsedQuery, among: Sequence[str]) -> set[str]:
        """The papers of `among` that a keyword search for `query` matches, checked by their keys in the index."""
        by_key = {paper_key(arxiv_id): arxiv_id for arxiv_id in among}
        return {by_key[key] for key in self.keyword.matching_keys(query, list(by_key)) if key in by_key}

    def paper_vectors(self, arxiv_ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored embeddings of these papers; empty without an embedder."""
        if self.vectors is None:
            return {}
        known, matrix = self.vectors.vectors(list(arxiv_ids))
        return {arxiv_id: [float(x) for x in row] for arxiv_id, row in zip(known, matrix, strict=True)}

    def similar(self, arxiv_id: str, k: int = 5) -> list[tuple[str, float]]:
        """The k papers nearest to this one by vector (itself excluded); by its title's words without vectors."""
        hidden = self.store.hidden_ids()
        if self.semantic_ready:
            assert self.vectors is not None
            _, own = self.vectors.vectors([arxiv_id])
            if len(own):
                return [hit for hit in self.vectors.search(own[0], k + 1, exclude=hidden) if hit[0] != arxiv_id][:k]
        paper = self.store.get_paper(arxiv_id)
        if paper is None:
            raise PaperNotFound(arxiv_id)
        words = tuple(w for w in re.findall(r"\w+", paper.title) if len(w) > 2)[:20]
        if not words:
            return []
        hits, _ = self.keyword.search(ParsedQuery(words=words, excluded_ids=hidden), limit=k + 1)
        return [hit for hit in hits if hit[0] != arxiv_id][:k]
