"""Keyword search SQL on PostgreSQL: filters, idf-weighted ranking over `search.documents`, snippets.

Builds SQL text and bind parameters only; runs nothing and holds no connection (engine.py does).
The query language is search.query's; this module only translates a ParsedQuery into SQL.
"""

# ruff: noqa: S608 - SQL text is built from constants, integers and the quoted model name; user input only ever
# travels as bind parameters

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dailypapers.domain.query import ParsedQuery, SearchFilters

CONFIG = "'english'::regconfig"
SCAN_CAP_FACTOR = 2  # at most this many times match_budget rows are read, whatever the query
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # private-use sentinels: escaped text never contains them


@dataclass(frozen=True, slots=True)
class PgKeywordConfig:
    """Ranking knobs, measured with bench/pg_quality.py on the SciFact train split (see docs/deployment.md).

    `idf` sums, over the query's lexemes, idf × ts_rank of that lexeme alone (a saturating, field-weighted term
    frequency): bm25's shape with PostgreSQL's own functions. `ts_rank` / `ts_rank_cd` rank the OR query as is.
    """

    method: str = "idf"  # "idf", "ts_rank" or "ts_rank_cd"
    title_weight: float = 0.5  # A
    abstract_weight: float = 1.0  # B
    author_weight: float = 0.5  # C
    keyword_weight: float = 0.0  # D: the keywords (migration 0009): they match, unscored as in tantivy
    normalization: int = 1  # ts_rank's length normalisation flags (1: divide by 1 + log(length))
    # At scale, ranking every paper that shares one common word is what makes PostgreSQL slow, so the work is
    # bounded in two steps. Matching: papers must contain the query's rarest lexemes whose document frequencies
    # add up to `match_budget` (OR); when even the rarest lexeme is more common than that, they must contain all
    # of the rarest lexemes whose estimated intersection fits it (AND). Candidates: of those, the `candidates`
    # best by a cheap score (idf * ts_rank of the matching lexemes only) get the full score over every lexeme.
    # 0 for either means no bound (what bench/pg_scale.py compares against).
    match_budget: int = 1_500
    candidates: int = 300

    @property
    def weights(self) -> str:
        d, c, b, a = self.keyword_weight, self.author_weight, self.abstract_weight, self.title_weight  # D, C, B, A
        return f"{{{d:g},{c:g},{b:g},{a:g}}}"


def tsquery_literal(lexemes: Sequence[str]) -> str:
    """An OR tsquery of already-normalised lexemes, quoted so no lexeme is read as syntax."""
    quoted = ("'" + lex.replace("\\", "\\\\").replace("'", "''") + "'" for lex in lexemes)
    return " | ".join(quoted)


def idf(ndoc: int, total: int) -> float:
    """bm25's idf, never negative; a lexeme unknown to the statistics counts as rare."""
    total = max(total, ndoc, 1)
    return math.log(1.0 + (total - ndoc + 0.5) / (ndoc + 0.5))


def match_lexemes(frequencies: Mapping[str, int], budget: int) -> list[str]:
    """The rarest lexemes whose document frequencies fit the budget (at least one): what a paper must contain."""
    chosen: list[str] = []
    spent = 0
    for lexeme, ndoc in sorted(frequencies.items(), key=lambda item: (item[1], item[0])):
        if chosen and budget and spent + ndoc > budget:
            break
        chosen.append(lexeme)
        spent += ndoc
    return chosen


def all_of_lexemes(frequencies: Mapping[str, int], total: int, budget: int) -> list[str]:
    """The rarest lexemes a paper must all contain for the expected number of such papers to fit the budget.

    Used when every lexeme alone is too common: the estimate treats lexemes as independent (n × Π df/n), so it
    errs towards more papers for related words; the candidate limit still bounds the scoring.
    """
    chosen: list[str] = []
    expected = float(max(total, 1))
    for lexeme, ndoc in sorted(frequencies.items(), key=lambda item: (item[1], item[0])):
        chosen.append(lexeme)
        expected *= min(ndoc, max(total, 1)) / max(total, 1)
        if expected <= budget:
            break
    return chosen


def match_query(frequencies: Mapping[str, int], total: int, config: PgKeywordConfig) -> tuple[str, list[str]]:
    """The tsquery a paper must match and the lexemes in it (the cheap score ranks on these)."""
    rarest = min(frequencies.values())
    if config.match_budget and rarest > config.match_budget:
        every = all_of_lexemes(frequencies, total, config.match_budget)
        return " & ".join(tsquery_literal([lex]) for lex in every), every
    some = match_lexemes(frequencies, config.match_budget)
    return tsquery_literal(some), some


class Sql:
    """SQL fragments with their bind parameters, named uniquely as they are added."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.params: dict[str, Any] = {}

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    @property
    def condition(self) -> str:
        return " AND ".join(self.where) if self.where else "TRUE"


def add_filters(sql: Sql, filters: SearchFilters, excluded: Sequence[str] = (), phrases: Sequence[str] = ()) -> None:
    """Restrictions on `d` (search.documents): what must hold for a paper to be a result; none of them score."""
    for phrase in phrases:
        p = sql.param(phrase)
        sql.where.append(
            f"d.document @@ phraseto_tsquery({CONFIG}, {p}) "
            f"AND ts_filter(d.document, '{{a,b}}') @@ phraseto_tsquery({CONFIG}, {p})"
        )
    for author in filters.authors:
        a = sql.param(author)
        # The GIN index finds the name anywhere; the recheck keeps only the authors' part (weight C).
        sql.where.append(
            f"d.document @@ phraseto_tsquery({CONFIG}, {a}) "
            f"AND ts_filter(d.document, '{{c}}') @@ phraseto_tsquery({CONFIG}, {a})"
        )
    if filters.categories:
        sql.where.append(f"d.categories && CAST({sql.param(list(filters.categories))} AS text[])")
    if filters.start:
        sql.where.append(f"d.published >= {sql.param(_day_start(filters.start))}")
    if filters.end:
        sql.where.append(f"d.published < {sql.param(_day_start(filters.end + timedelta(days=1)))}")
    if filters.has_code:
        sql.where.append("d.has_code")
    for keyword in filters.keywords:
        k = sql.param(keyword)
        sql.where.append(
            f"d.document @@ phraseto_tsquery({CONFIG}, {k}) "
            f"AND ts_filter(d.document, '{{d}}') @@ phraseto_tsquery({CONFIG}, {k})"
        )
    for text in excluded:
        sql.where.append(f"NOT (ts_filter(d.document, '{{a,b}}') @@ phraseto_tsquery({CONFIG}, {sql.param(text)}))")


def add_match(sql: Sql, frequencies: Mapping[str, int], total: int, config: PgKeywordConfig) -> list[str]:
    """The words' condition on `d`: the bounded tsquery a paper must match (see PgKeywordConfig); its lexemes."""
    match, matching = match_query(frequencies, total, config)
    sql.where.append(f"d.document @@ CAST({sql.param(match)} AS tsquery)")
    return matching


def matches_sql(query: ParsedQuery, frequencies: Mapping[str, int], total: int, config: PgKeywordConfig) -> Sql:
    """Every condition a keyword search puts on a paper (filters, exclusions, phrases and the words' bounded
    match), as `search` applies them; `frequencies` maps the query's lexemes (empty: no words to match)."""
    sql = Sql()
    add_filters(sql, query.filters, query.excluded, query.phrases)
    if frequencies:
        add_match(sql, frequencies, total, config)
    return sql


def weekly_counts_sql(
    sql: Sql, config: PgKeywordConfig, *, start: date, weeks: int, words: bool
) -> tuple[str, dict[str, Any]]:
    """(week index, matches) for the papers `sql` matches, in `weeks` 7-day weeks from `start`.

    A search with words to match counts at most SCAN_CAP_FACTOR × match_budget papers (ranked_sql's cap), so with
    `words` each week's count is capped the same way: it equals that week's search `total`.
    """
    first = sql.param(_day_start(start))
    end = sql.param(_day_start(start + timedelta(days=7 * weeks)))
    sql.where.append(f"d.published >= {first} AND d.published < {end}")
    count = "count(*)"
    if words and config.match_budget:
        count = f"LEAST(count(*), {SCAN_CAP_FACTOR * int(config.match_budget)})"
    text = (
        f"SELECT CAST(floor(EXTRACT(EPOCH FROM (d.published - {first})) / 604800) AS integer) AS week, "
        f"{count} AS n FROM search.documents AS d WHERE {sql.condition} GROUP BY 1"
    )
    return text, sql.params


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def has_restrictions(query: ParsedQuery) -> bool:
    return bool(query.filters.active or query.excluded or query.phrases)


def ranked_sql(
    query: ParsedQuery, frequencies: Mapping[str, int], total: int, config: PgKeywordConfig, *, limit: int, offset: int
) -> tuple[str, dict[str, Any]]:
    """One page of (arxiv_id, score, total matches) for a query with text; `frequencies` maps its lexemes."""
    sql = Sql()
    add_filters(sql, query.filters, query.excluded, query.phrases)
    lexemes = sorted(frequencies)
    weights = sql.param(config.weights)
    norm = int(config.normalization)
    if not lexemes:
        text = (
            f"SELECT d.arxiv_id, 0.0 AS score, count(*) OVER () AS total FROM search.documents AS d "
            f"WHERE {sql.condition} ORDER BY d.arxiv_id LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return text, sql.params
    matching = add_match(sql, frequencies, total, config)

    def idf_score(chosen: Sequence[str]) -> str:
        return " + ".join(
            f"{idf(frequencies[lex], total)!r} * ts_rank(CAST({weights} AS real[]), d.document, "
            f"CAST({sql.param(tsquery_literal([lex]))} AS tsquery), {norm})"
            for lex in chosen
        )

    if config.method == "idf":
        score = idf_score(lexemes)
    else:
        function = "ts_rank_cd" if config.method == "ts_rank_cd" else "ts_rank"
        every = sql.param(tsquery_literal(lexemes))
        score = f"{function}(CAST({weights} AS real[]), d.document, CAST({every} AS tsquery), {norm})"
    # Scores are computed in a subquery so that the window counting every match buffers (id, score) pairs, not
    # the documents: with the document in its rows the count spilled to disk and cost more than the ranking.
    # (LIMIT / OFFSET 0 keeps the planner from merging the subquery, which would move the scoring above the window.)
    # A hard cap for queries of common words only, whose intersection can still be huge: beyond it, matches are
    # taken in storage order (all of them contain every matching lexeme), and `total` is the cap.
    cap = f"LIMIT {SCAN_CAP_FACTOR * int(config.match_budget)}" if config.match_budget else "OFFSET 0"
    page = f"ORDER BY s.score DESC, s.arxiv_id LIMIT {int(limit)} OFFSET {int(offset)}"
    if config.method != "idf" or not config.candidates or set(matching) == set(lexemes):
        text = (
            f"SELECT s.arxiv_id, s.score, count(*) OVER () AS total FROM (SELECT d.arxiv_id, ({score}) AS score "
            f"FROM search.documents AS d WHERE {sql.condition} {cap}) AS s {page}"
        )
        return text, sql.params
    # Two steps: a cheap score on every matching paper (only the matching lexemes, often one), the full score on
    # the best `candidates` of them, read again by key. `total` counts every matching paper.
    cheap = idf_score(matching)
    text = (
        f"WITH matched AS MATERIALIZED (SELECT c.arxiv_id, count(*) OVER () AS total FROM "
        f"(SELECT d.arxiv_id, ({cheap}) AS cheap FROM search.documents AS d WHERE {sql.condition} {cap}) AS c "
        f"ORDER BY c.cheap DESC, c.arxiv_id LIMIT {max(int(config.candidates), int(limit) + int(offset))}) "
        f"SELECT s.arxiv_id, s.score, s.total FROM (SELECT d.arxiv_id, ({score}) AS score, m.total "
        f"FROM matched AS m JOIN search.documents AS d ON d.arxiv_id = m.arxiv_id) AS s {page}"
    )
    return text, sql.params


def listed_sql(query: ParsedQuery, *, limit: int, offset: int) -> tuple[str, dict[str, Any]]:
    """A query with filters but no words: matching papers newest first."""
    sql = Sql()
    add_filters(sql, query.filters, query.excluded, query.phrases)
    text = (
        f"SELECT d.arxiv_id, 0.0 AS score, count(*) OVER () AS total FROM search.documents AS d "
        f"WHERE {sql.condition} ORDER BY d.published DESC, d.arxiv_id DESC LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    return text, sql.params


def snippet_html(headline: str | None, abstract: str, max_chars: int = 240) -> str:
    """ts_headline's excerpt (sentinels around matches) as safe HTML; without a match, the abstract's opening."""
    if headline and MARK_OPEN in headline:
        escaped = html.escape(" ".join(headline.split()))
        return escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
    text = " ".join(abstract.split())
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    return html.escape(text)


HEADLINE_OPTIONS = f"StartSel={MARK_OPEN}, StopSel={MARK_CLOSE}, MaxWords=35, MinWords=15, HighlightAll=false"
