"""KeywordIndex: bm25 over title, abstract, keywords and authors in a tantivy index directory; owns no paper records.

Papers' text is not stored in the index (the database has it): snippets are made from the papers the caller
passes. One process writes at a time (tantivy's lock); readers in other processes see each commit.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import tantivy

from dailypapers.domain.errors import StorageError
from dailypapers.domain.models import Paper
from dailypapers.domain.query import ParsedQuery, SearchFilters

log = logging.getLogger(__name__)

TEXT, NAMES = "dp_en", "dp_names"
SCHEMA_VERSION = "3"  # 2: the `key` fast field; 3: the `keywords` field


def paper_key(arxiv_id: str) -> int:
    """A paper's 63-bit key: a fast field in the keyword index and a column of the vector index, so filtered
    semantic searches join the two without reading stored documents (collisions: ~1e-7 at 1M papers)."""
    digest = hashlib.blake2b(arxiv_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def category_terms(categories: Iterable[str]) -> list[str]:
    """What `cat:` matches for a paper: each category and its archive, lowercased (cs.CV → cs.cv, cs)."""
    return sorted({c.lower() for c in categories} | {c.split(".")[0].lower() for c in categories})


@dataclass(frozen=True, slots=True)
class KeywordConfig:
    """Ranking knobs, tuned with bench/search_quality.py on the SciFact train split."""

    title_boost: float = 0.5  # measured: 0.5 > 1.0 > 1.6 on SciFact train (short titles already score high)
    abstract_boost: float = 1.0
    author_boost: float = 0.5
    # The keywords pages show (upstream, LLM or yake) in free-text ranking: every boost tried lowered the known-item
    # figure (README, Enrichment), so they match without scoring; `keyword:"…"` (the chips) filters by them.
    keyword_boost: float = 0.0
    phrase_boost: float = 1.0
    stopwords: bool = True
    # Query-word coverage: a paper holding every word of the query gets this many points on top of bm25, shared
    # among the words by idf, so holding the rare words counts more than holding the common ones. bm25 alone
    # lets one frequent word outrank a paper that holds all of them (a known-item search: three remembered
    # words). Measured with bench/search_quality.py --known-item (README, Search quality); 0 turns it off.
    coverage_weight: float = 40.0
    # The coverage clauses are scored in full (no block-max pruning): ~7 ms per 100k postings at 1M papers. Above
    # this many (summed document frequencies of the query's terms) bm25 alone ranks, so common-word queries keep
    # their speed; at 83.6k papers 99 % of the known-item queries are under it (docs/search.md).
    coverage_postings_limit: int = 100_000
    pair_boost: float = 0.3  # measured: 0.1 < 0.3 > 1.0 on the known-item sets (README, Search quality)


def _text_analyzer(stopwords: bool) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
    builder = builder.filter(tantivy.Filter.lowercase()).filter(tantivy.Filter.ascii_fold())
    if stopwords:
        builder = builder.filter(tantivy.Filter.stopword("english"))
    return builder.filter(tantivy.Filter.stemmer("english")).build()


def _names_analyzer() -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase())
    return builder.filter(tantivy.Filter.ascii_fold()).build()


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("arxiv_id", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("key", indexed=True, fast=True)  # paper_key(arxiv_id)
    builder.add_text_field("title", tokenizer_name=TEXT)
    builder.add_text_field("abstract", tokenizer_name=TEXT)
    builder.add_text_field("keywords", tokenizer_name=TEXT)  # Paper.shown_keywords, one value each
    builder.add_text_field("authors", tokenizer_name=NAMES)
    builder.add_text_field("categories", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("day", indexed=True, fast=True)  # date.toordinal() of `published`
    builder.add_integer_field("has_code", indexed=True)
    return builder.build()


class KeywordIndex:
    """A tantivy index in `path` (created when missing); `search` returns (arxiv_id, score) pages."""

    def __init__(self, path: Path, config: KeywordConfig | None = None) -> None:
        self.path = path
        self.config = config or KeywordConfig()
        self.schema = _schema()
        self._loaded_stamp: tuple[int, int, int, int] | None = None
        path.mkdir(parents=True, exist_ok=True)
        version_file = path / "dailypapers-schema"
        fresh = not tantivy.Index.exists(str(path))
        if not fresh and (not version_file.exists() or version_file.read_text().strip() != SCHEMA_VERSION):
            raise StorageError(f"keyword index at {path} has an old layout; delete it and run `dailypapers reindex`")
        try:
            self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:
            raise StorageError(f"cannot open keyword index at {path}: {exc}") from exc
        version_file.write_text(SCHEMA_VERSION + "\n")
        self.analyzer = _text_analyzer(self.config.stopwords)
        self.names = _names_analyzer()
        self.index.register_tokenizer(TEXT, self.analyzer)
        self.index.register_tokenizer(NAMES, self.names)
        self.index.config_reader(reload_policy="commit")

    # -- writing -----------------------------------------------------------------------------------------

    def _writer(self, heap: int) -> tantivy.IndexWriter:
        for attempt in range(50):  # another process (worker, CLI) may hold tantivy's writer lock briefly
            try:
                return self.index.writer(heap_size=heap, num_threads=1)
            except ValueError as exc:
                if "lock" not in str(exc).lower() or attempt == 49:
                    raise StorageError(f"cannot write the keyword index at {self.path}: {exc}") from exc
                time.sleep(0.1)
        raise AssertionError("unreachable")

    def upsert(self, papers: Iterable[Paper], *, heap: int = 64_000_000) -> int:
        """Add or replace papers (keyed by arxiv_id) and commit; returns how many were written."""
        writer = self._writer(heap)
        count = 0
        try:
            for paper in papers:
                writer.delete_documents_by_term("arxiv_id", paper.arxiv_id)
                writer.add_document(self._document(paper))
                count += 1
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        self.index.reload()
        return count

    def clear(self) -> None:
        writer = self._writer(64_000_000)
        writer.delete_all_documents()
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()

    @staticmethod
    def _document(paper: Paper) -> tantivy.Document:
        categories = category_terms(paper.categories)
        return tantivy.Document(
            arxiv_id=paper.arxiv_id,
            key=paper_key(paper.arxiv_id),
            title=paper.title,
            abstract=paper.abstract,
            keywords=list(paper.shown_keywords) or [""],
            authors=list(paper.authors) or [""],
            categories=categories or [""],
            day=paper.published.date().toordinal(),
            has_code=1 if paper.github_repo else 0,
        )

    # -- reading -----------------------------------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        # Another process (worker, CLI) may have committed. A commit replaces meta.json (written aside and renamed),
        # so a stat tells whether to reload: reload() costs ~0.2 ms even when nothing changed, three times a hybrid
        # query. A stamp that cannot tell (no meta.json) reloads every time.
        stamp = self._meta_stamp()
        if stamp is None or stamp != self._loaded_stamp:
            self.index.reload()
            self._loaded_stamp = stamp
        return self.index.searcher()

    def _meta_stamp(self) -> tuple[int, int, int, int] | None:
        try:
            meta = (self.path / "meta.json").stat()
        except OSError:
            return None
        return meta.st_ino, meta.st_size, meta.st_mtime_ns, meta.st_ctime_ns

    def count(self) -> int:
        return int(self._searcher().num_docs)

    def search(self, query: ParsedQuery, *, limit: int, offset: int = 0) -> tuple[list[tuple[str, float]], int]:
        """One page of (arxiv_id, bm25 score), best first, and the number of matching papers.

        A query with no words (filters only) lists matching papers newest first.
        """
        searcher = self._searcher()
        text = self.text_query(query)
        filters = self.filter_query(query.filters, query.excluded, excluded_ids=query.excluded_ids)
        if text is None:
            full = self._and(tantivy.Query.all_query(), filters)
            result = searcher.search(full, limit=limit, offset=offset, order_by_field="day")
        else:
            text = self._with_coverage(text, query, searcher)
            result = searcher.search(self._and(text, filters), limit=limit, offset=offset)
        hits = [(searcher.doc(address)["arxiv_id"][0], float(score)) for score, address in result.hits]
        return hits, int(getattr(result, "count", 0) or 0)

    def filtered_keys(self, query: ParsedQuery, *, limit: int) -> tuple[list[int], int]:
        """Keys of papers passing the query's filters (not its words) and how many pass; no keys when more than
        `limit` pass (the caller then searches the vectors first and checks the keys it finds).

        Read from the `key` fast field: no stored document is opened, so 20,000 keys take milliseconds.
        """
        searcher = self._searcher()
        clauses = self.filter_query(query.filters, query.excluded, query.phrases, query.excluded_ids)
        passing = self._and(tantivy.Query.all_query(), clauses)
        count = int(getattr(searcher.search(passing, limit=1), "count", 0) or 0)  # cheap; collecting 20,000 is not
        if count > limit or count == 0:
            return [], count
        result = searcher.search(passing, limit=count, count=False)
        keys = searcher.fast_field_values("key", [address for _, address in result.hits])
        return [int(k) for k in keys if k is not None], count

    def passing_keys(self, query: ParsedQuery, keys: Sequence[int]) -> set[int]:
        """The subset of `keys` whose papers pass the query's filters and exclusions."""
        if not keys:
            return set()
        searcher = self._searcher()
        within = tantivy.Query.term_set_query(self.schema, "key", list(keys))
        clauses = self.filter_query(query.filters, query.excluded, query.phrases, query.excluded_ids)
        result = searcher.search(self._and(within, clauses), limit=len(keys))
        found = searcher.fast_field_values("key", [address for _, address in result.hits])
        return {int(k) for k in found if k is not None}

    def count_by_week(self, query: ParsedQuery, *, start: date, weeks: int) -> list[int]:
        """Matches of the query in each of `weeks` 7-day weeks from `start`: the query `search` runs (its words,
        filters and exclusions, narrowed to the weeks' days), bucketed by a histogram aggregation on the `day` fast
        field, so a year of weeks is one pass over the matching documents' day values, not 53 searches."""
        if weeks <= 0:
            return []
        first, last = start.toordinal(), start.toordinal() + 7 * weeks - 1
        narrowed = query.with_filters(SearchFilters(start=start, end=start + timedelta(days=7 * weeks - 1)))
        text = self.text_query(narrowed)
        matching = self._and(text or tantivy.Query.all_query(), self.filter_query(narrowed.filters, narrowed.excluded))
        histogram = {"field": "day", "interval": 7, "offset": first % 7, "hard_bounds": {"min": first, "max": last}}
        result = self._searcher().aggregate(matching, {"weeks": {"histogram": histogram}})
        counts = [0] * weeks
        for bucket in result["weeks"]["buckets"]:
            index = (int(bucket["key"]) - first) // 7
            if 0 <= index < weeks:
                counts[index] = int(bucket["doc_count"])
        return counts

    def matching_keys(self, query: ParsedQuery, keys: Sequence[int]) -> set[int]:
        """The subset of `keys` whose papers `search` would return for the query (its words too, unlike
        `passing_keys`, which checks only filters)."""
        if not keys:
            return set()
        searcher = self._searcher()
        within = tantivy.Query.term_set_query(self.schema, "key", list(keys))
        clauses = self.filter_query(query.filters, query.excluded)
        text = self.text_query(query)
        if text is not None:
            clauses.append((tantivy.Occur.Must, text))
        result = searcher.search(self._and(within, clauses), limit=len(keys), count=False)
        found = searcher.fast_field_values("key", [address for _, address in result.hits])
        return {int(k) for k in found if k is not None}

    def text_query(self, query: ParsedQuery) -> tantivy.Query | None:
        """The scored part: every word (OR) over boosted fields, phrases required."""
        cfg = self.config
        should: list[tantivy.Query] = []
        for word in query.words:
            for token in self.analyzer.analyze(word):
                # One flat disjunction of term queries, not a (title OR abstract) group per token: tantivy prunes
                # a flat union of term scorers with block-max WAND, a nested one it scores in full. Same scores
                # (both sum the clauses), 2x faster at 1M papers (keyword p95 26.8 -> 13.3 ms, docs/search.md).
                should.extend(self._field_terms(token))
            if cfg.author_boost > 0:
                for token in self.names.analyze(word):
                    term = tantivy.Query.term_query(self.schema, "authors", token)
                    should.append(tantivy.Query.boost_query(term, cfg.author_boost))
        must: list[tantivy.Query] = []
        for phrase in query.phrases:
            phrase_query = self._phrase(phrase)
            if phrase_query is not None:
                must.append(tantivy.Query.boost_query(phrase_query, cfg.phrase_boost))
        if not should and not must:
            return None
        clauses = [(tantivy.Occur.Must, q) for q in must] + [(tantivy.Occur.Should, q) for q in should]
        return tantivy.Query.boolean_query(clauses)

    def _word_groups(
        self, query: ParsedQuery, searcher: tantivy.Searcher
    ) -> tuple[list[tuple[tantivy.Query, int]], int]:
        """Per distinct query word: an unscored "the paper holds it" query (its tokens in the title or abstract, or
        its name in the authors) with the document frequency of its rarest term; and the summed postings."""
        groups: list[tuple[tantivy.Query, int]] = []
        postings = 0
        for word in dict.fromkeys(query.words):
            clauses: list[tantivy.Query] = []
            frequencies: list[int] = []
            for token in self.analyzer.analyze(word):
                frequencies.append(max(searcher.doc_freq("title", token), searcher.doc_freq("abstract", token)))
                clauses.extend(self._field_terms(token, boosted=False))
            if self.config.author_boost > 0:
                for token in self.names.analyze(word):
                    frequencies.append(searcher.doc_freq("authors", token))
                    clauses.append(tantivy.Query.term_query(self.schema, "authors", token))
            postings += sum(frequencies)
            held = [f for f in frequencies if f > 0]
            if clauses and held:  # a word no paper holds cannot tell papers apart
                groups.append((tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in clauses]), min(held)))
        return groups, postings

    def _with_coverage(self, text: tantivy.Query, query: ParsedQuery, searcher: tantivy.Searcher) -> tantivy.Query:
        """The scored query plus, per query word, a constant score for papers holding it (its idf share of
        `coverage_weight`) and a bm25 bonus for adjacent query words found adjacent; the query unchanged when
        coverage is off, pointless (one word) or too costly (`coverage_postings_limit`)."""
        cfg = self.config
        if cfg.coverage_weight <= 0 or len(query.words) < 2:
            return text
        groups, postings = self._word_groups(query, searcher)
        total = max(int(searcher.num_docs), 1)
        idfs = [math.log(1 + (total - df + 0.5) / (df + 0.5)) for _, df in groups]
        if len(groups) < 2 or postings > cfg.coverage_postings_limit:
            return text
        extra = [
            tantivy.Query.const_score_query(held, cfg.coverage_weight * idf / sum(idfs))
            for (held, _), idf in zip(groups, idfs, strict=True)
        ]
        if cfg.pair_boost > 0:
            # Words typed side by side that stand side by side in the title or abstract ("segment anything"):
            # a phrase of two, scored by bm25, so a remembered name outranks papers holding its words apart.
            tokens = [token for word in query.words for token in self.analyzer.analyze(word)]
            for pair in dict.fromkeys(itertools.pairwise(tokens)):
                if pair[0] != pair[1]:
                    for field in ("title", "abstract"):
                        phrase = tantivy.Query.phrase_query(self.schema, field, list[str | tuple[int, str]](pair))
                        extra.append(tantivy.Query.boost_query(phrase, cfg.pair_boost))
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, text), *((tantivy.Occur.Should, q) for q in extra)])

    def sole_holder(self, query: ParsedQuery) -> str | None:
        """The one paper (passing the filters) that holds every word of the query; None when none or several do."""
        searcher = self._searcher()
        groups, _ = self._word_groups(query, searcher)
        if len(groups) < 2 or len(groups) < len(dict.fromkeys(query.words)):
            return None
        every = tantivy.Query.boolean_query([(tantivy.Occur.Must, held) for held, _ in groups])
        filters = self.filter_query(query.filters, query.excluded, query.phrases, query.excluded_ids)
        result = searcher.search(self._and(every, filters), limit=2, count=False)
        if len(result.hits) != 1:
            return None
        return str(searcher.doc(result.hits[0][1])["arxiv_id"][0])

    def filter_query(
        self,
        filters: SearchFilters,
        excluded: Sequence[str] = (),
        phrases: Sequence[str] = (),
        excluded_ids: Iterable[str] = (),
    ) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        """Unscored restrictions: filters, exclusions, papers left out by id, and (for vector candidates) required
        phrases."""
        schema: tantivy.Schema = self.schema
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if ids := sorted(excluded_ids):
            clauses.append((tantivy.Occur.MustNot, tantivy.Query.term_set_query(schema, "arxiv_id", ids)))
        for phrase in phrases:
            required = self._phrase(phrase)
            if required is not None:
                clauses.append((tantivy.Occur.Must, required))
        for author in filters.authors:
            tokens = self.names.analyze(author)
            if len(tokens) == 1:
                clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "authors", tokens[0])))
            elif tokens:
                name = tantivy.Query.phrase_query(schema, "authors", list[str | tuple[int, str]](tokens), slop=1)
                clauses.append((tantivy.Occur.Must, name))
        if filters.categories:
            categories = tantivy.Query.term_set_query(schema, "categories", list(filters.categories))
            clauses.append((tantivy.Occur.Must, categories))
        if filters.start or filters.end:
            day = tantivy.Query.range_query(
                schema,
                "day",
                tantivy.FieldType.Integer,
                filters.start.toordinal() if filters.start else 0,
                filters.end.toordinal() if filters.end else 10_000_000,
            )
            clauses.append((tantivy.Occur.Must, day))
        if filters.has_code:
            clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "has_code", 1)))
        for keyword in filters.keywords:
            tokens = self.analyzer.analyze(keyword)
            if len(tokens) == 1:
                clauses.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "keywords", tokens[0])))
            elif tokens:
                words = list[str | tuple[int, str]](tokens)
                clauses.append((tantivy.Occur.Must, tantivy.Query.phrase_query(schema, "keywords", words)))
        for text in excluded:
            tokens = self.analyzer.analyze(text)
            if len(tokens) == 1:
                clauses.append((tantivy.Occur.MustNot, self._fields_term(tokens[0])))
            elif tokens:
                excluded_phrase = self._phrase(text)
                if excluded_phrase is not None:
                    clauses.append((tantivy.Occur.MustNot, excluded_phrase))
        return clauses

    def _field_terms(self, token: str, *, boosted: bool = True) -> list[tantivy.Query]:
        """The token as a term of the title and of the abstract, each with its field's boost; scored queries also
        ask the keywords (filters and exclusions stay on the paper's own text)."""
        title = tantivy.Query.term_query(self.schema, "title", token, index_option="freq")
        abstract = tantivy.Query.term_query(self.schema, "abstract", token, index_option="freq")
        if not boosted:
            return [title, abstract]
        # Keywords match but (at the default boost 0) add nothing: a paper found by its keywords alone comes last.
        keywords = tantivy.Query.term_query(self.schema, "keywords", token, index_option="freq")
        return [
            tantivy.Query.boost_query(title, self.config.title_boost),
            tantivy.Query.boost_query(abstract, self.config.abstract_boost),
            tantivy.Query.boost_query(keywords, self.config.keyword_boost),
        ]

    def _fields_term(self, token: str) -> tantivy.Query:
        """Unscored: the token in the title or the abstract."""
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in self._field_terms(token, boosted=False)])

    def _phrase(self, text: str) -> tantivy.Query | None:
        tokens = self.analyzer.analyze(text)
        if not tokens:
            return None
        if len(tokens) == 1:
            return self._fields_term(tokens[0])
        words = list[str | tuple[int, str]](tokens)
        parts = [tantivy.Query.phrase_query(self.schema, f, words) for f in ("title", "abstract")]
        return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in parts])

    @staticmethod
    def _and(query: tantivy.Query, clauses: list[tuple[tantivy.Occur, tantivy.Query]]) -> tantivy.Query:
        if not clauses:
            return query
        # Filters restrict without scoring: a zero constant score keeps bm25 the only ranking signal.
        unscored = [(occur, tantivy.Query.const_score_query(q, 0.0)) for occur, q in clauses]
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *unscored])

    # -- snippets ----------------------------------------------------------------------------------------

    def snippets(
        self, query: ParsedQuery, abstracts: Sequence[tuple[str, str]], *, max_chars: int = 240
    ) -> dict[str, str]:
        """Excerpts of (arxiv_id, abstract) pairs as safe HTML: text escaped, matched terms in <mark>; no match →
        the opening."""
        text = self.text_query(ParsedQuery(words=query.words, phrases=query.phrases))
        generator = None
        if text is not None:
            generator = tantivy.SnippetGenerator.create(self._searcher(), text, self.schema, "abstract")
            generator.set_max_num_chars(max_chars)
        out: dict[str, str] = {}
        for arxiv_id, abstract in abstracts:
            snippet_html = ""
            if generator is not None:
                snippet = generator.snippet_from_doc(tantivy.Document(abstract=abstract))
                snippet_html = _mark(snippet.fragment(), [(r.start, r.end) for r in snippet.highlighted()])
            out[arxiv_id] = snippet_html or _opening(abstract, max_chars)
        return out


def _mark(fragment: str, ranges: list[tuple[int, int]]) -> str:
    if not ranges:
        return ""
    raw = fragment.encode("utf-8")  # tantivy's ranges are byte offsets
    parts, last = [], 0
    for start, end in sorted(ranges):
        if start < last:
            continue
        parts.append(html.escape(raw[last:start].decode("utf-8", "replace")))
        parts.append("<mark>" + html.escape(raw[start:end].decode("utf-8", "replace")) + "</mark>")
        last = end
    parts.append(html.escape(raw[last:].decode("utf-8", "replace")))
    return "".join(parts).strip()


def _opening(abstract: str, max_chars: int) -> str:
    text = " ".join(abstract.split())
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    return html.escape(text)
