"""Enrichment's pure rules: the kinds, the LLM prompt and the checks on its answer, keyword cleaning, linked Hub
artefacts, thumbnails as pages reference them, and the retry schedule; no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

import orjson

from dailypapers.domain.errors import SourceError

EnrichKind = Literal["summary", "keywords", "thumbnail", "hub_links"]
KINDS: tuple[EnrichKind, ...] = ("summary", "keywords", "thumbnail", "hub_links")

MAX_KEYWORDS = 8
MAX_KEYWORD_CHARS = 60
MAX_ATTEMPTS = 4  # a paper whose enrichment failed this often is given up (until `enrich ID` asks again)
FIRST_RETRY = timedelta(hours=1)
LAST_RETRY = timedelta(days=7)

# Sized for 2x-3x density: cards show it at 96x128, paper pages at 240x320, digest mails at 72x96.
THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT = 300, 400


class BadAnswer(SourceError):
    """The chat model answered, but not something to store (empty, too long, not one sentence of text)."""


@dataclass(frozen=True, slots=True)
class HubRepo:
    """One model, dataset or Space that cites a paper, with what the Hub's listing says of it."""

    id: str  # "owner/name"
    likes: int = 0
    downloads: int = 0
    pipeline_tag: str | None = None  # models
    sdk: str | None = None  # Spaces
    emoji: str | None = None  # Spaces
    running: bool = False  # Spaces
    short_description: str | None = None


@dataclass(frozen=True, slots=True)
class HubLinks:
    """The Hub's models, datasets and Spaces citing a paper: the most liked of each, and how many there are."""

    models: tuple[HubRepo, ...] = ()
    datasets: tuple[HubRepo, ...] = ()
    spaces: tuple[HubRepo, ...] = ()
    num_models: int = 0
    num_datasets: int = 0
    num_spaces: int = 0
    fetched_at: datetime | None = None

    @property
    def total(self) -> int:
        return self.num_models + self.num_datasets + self.num_spaces


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A stored first-page thumbnail as pages reference it; `version` is in the URL, so a long cache stays right."""

    arxiv_id: str
    width: int
    height: int
    version: int

    @property
    def url(self) -> str:
        return f"/thumbnails/{quote(self.arxiv_id, safe='/')}.webp?v={self.version}"


@dataclass(frozen=True, slots=True)
class Summary:
    """What the chat model wrote: one sentence, the model that wrote it, and its keywords (maybe none)."""

    text: str
    model: str
    keywords: tuple[str, ...] = ()


@dataclass(slots=True)
class EnrichReport:
    """What an enrichment run did, per kind: done, skipped (nothing to do or not wanted), failed with why."""

    done: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (arxiv id or "*", kind, reason)
    stopped: list[tuple[str, str]] = field(default_factory=list)  # (kind, why the kind stopped for this run)

    def count(self, kind: str, bucket: dict[str, int]) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def total_done(self) -> int:
        return sum(self.done.values())


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When a failed enrichment is tried again: 1 h, 4 h, 16 h… at most a week; None once MAX_ATTEMPTS are spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay: timedelta = FIRST_RETRY * 4 ** max(0, attempts - 1)
    return now + min(delay, LAST_RETRY)


# -- the chat model ------------------------------------------------------------------------------------------

_SYSTEM = (
    "You summarise research papers for a daily reading list. Answer with a JSON object only: "
    '{"summary": "<one plain sentence of at most 40 words saying what the paper does and finds>", '
    '"keywords": ["<3 to 6 short key phrases>"]}. No markdown, no LaTeX, no preamble.'
)
_LABEL = re.compile(r"^\s*(?:tl;?dr|summary|one[- ]sentence summary)\s*[:\-]\s*", re.IGNORECASE)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")


def summary_messages(title: str, abstract: str) -> list[dict[str, str]]:
    """The chat messages asking for a paper's one-sentence summary and keywords."""
    return [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": f"Title: {' '.join(title.split())}\n\nAbstract: {' '.join(abstract.split())}"},
    ]


def parse_answer(text: str, *, max_chars: int) -> tuple[str, tuple[str, ...]]:
    """(summary, keywords) from the model's answer; raises BadAnswer when there is nothing fit to store.

    The JSON object the prompt asks for is preferred; a model that ignores it and writes a plain sentence is taken
    at its word (then without keywords). Empty and over-long summaries are rejected, not cut.
    """
    body = _FENCE.sub("", text.strip()).strip()
    summary: object = body
    keywords: object = []
    start, end = body.find("{"), body.rfind("}")
    data = None
    if start != -1 and end > start:
        try:
            data = orjson.loads(body[start : end + 1])
        except orjson.JSONDecodeError:
            data = None
    if isinstance(data, dict):
        summary, keywords = data.get("summary", ""), data.get("keywords", [])
    elif '"summary"' in body:  # the object was meant but came out broken (cut off by the token limit, say)
        raise BadAnswer("the model's answer is not the JSON object asked for")
    if not isinstance(summary, str):
        raise BadAnswer("the model's summary is not text")
    sentence = _LABEL.sub("", " ".join(summary.split())).strip().strip('"“”').strip()
    if not sentence:
        raise BadAnswer("the model answered with an empty summary")
    if len(sentence) > max_chars:
        raise BadAnswer(f"the model's summary is {len(sentence)} characters long (at most {max_chars})")
    if sentence.startswith("{"):
        raise BadAnswer("the model's answer is not the JSON object asked for")
    words = [k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else []
    return sentence, clean_keywords(words)


# -- keywords ------------------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\"]+")  # quotes too: a chip searches `keyword:"…"`
_EDGE = re.compile(r"^[^\w(]+|[^\w)+]+$")


def clean_keywords(candidates: Iterable[str], limit: int = MAX_KEYWORDS) -> tuple[str, ...]:
    """Keyphrases best first, tidied: trimmed, 2-60 characters with a letter, no duplicates (ignoring case), none
    inside a better one, no lone word ending in -ing / -ed ("Based", "Evaluating": what an extractor without a
    tagger picks up), at most `limit`."""
    kept: list[str] = []
    for raw in candidates:
        phrase = _EDGE.sub("", _SPACES.sub(" ", raw).strip())
        if not 2 <= len(phrase) <= MAX_KEYWORD_CHARS or not any(ch.isalpha() for ch in phrase):
            continue
        lowered = phrase.lower()
        if " " not in phrase and len(phrase) > 4 and lowered.endswith(("ing", "ed")):
            continue
        if any(lowered == k.lower() or _inside(lowered, k.lower()) for k in kept):
            continue
        kept.append(phrase)
        if len(kept) == limit:
            break
    return tuple(kept)


def _inside(phrase: str, other: str) -> bool:
    """Whether `phrase` is a whole-word part of `other` ("pipeline" in "pipeline parallelism")."""
    return f" {phrase} " in f" {other} "


def keyword_search_url(keyword: str) -> str:
    """Where a keyword chip leads: the papers that have this keyword (the index's keywords field)."""
    return "/search?q=" + quote(f'keyword:"{keyword}"', safe="")


class Unusable(SourceError):
    """What a source gave will not become usable by asking again (a PDF over the size limit, a PDF that cannot be
    read): the paper is given up at once for that kind."""
