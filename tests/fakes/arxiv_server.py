"""A fake arXiv on 127.0.0.1 speaking the real formats (OAI-PMH ListRecords, Atom API), scriptable and recorded."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

from dailypapers.settings import Settings
from tests.fakes.loopback import LoopbackServer, QuietHandler

# -- the formats -------------------------------------------------------------------------------------------

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
ATOM_NS = "http://www.w3.org/2005/Atom"

Record = dict[str, Any]


def paper_record(arxiv_id: str, **fields: Any) -> Record:
    """A paper-like dict with realistic defaults; keys mirror arXiv's metadata (see the builders below).

    Keys: id, title, abstract, authors (names or (keyname, forenames[, suffix]) tuples), categories (primary
    first), created / updated (dates), datestamp (OAI), sets, comments, journal_ref, doi, license, version,
    published / atom_updated (Atom timestamps), deleted (OAI header status).
    """
    record: Record = {
        "id": arxiv_id,
        "title": f"A Study of\n  Things ({arxiv_id})",
        "abstract": f"  We study things.\nThe things of {arxiv_id} are\n  studied.\n",
        "authors": ["Ada Lovelace", ("Turing", "Alan M.", "Jr")],
        "categories": ["cs.CL", "cs.AI"],
        "created": "2026-08-19",
        "updated": None,
        "datestamp": "2026-08-20",
        "sets": ["cs"],
        "comments": None,
        "journal_ref": None,
        "doi": None,
        "license": "http://creativecommons.org/licenses/by/4.0/",
        "version": 1,
        "deleted": False,
    }
    record.update(fields)
    return record


def _el(tag: str, value: object) -> str:
    """An element, or an empty one the way arXiv writes absent optional fields (`<doi/>`)."""
    return f"<{tag}>{escape(str(value))}</{tag}>" if value not in (None, "") else f"<{tag}/>"


def _name_parts(author: str | tuple[str, ...]) -> tuple[str, str, str]:
    if isinstance(author, tuple):
        keyname, forenames, suffix = (*author, "", "")[:3]
        return keyname, forenames, suffix
    forenames, _, keyname = author.rpartition(" ")
    return keyname, forenames, ""


def author_name(author: str | tuple[str, ...]) -> str:
    keyname, forenames, suffix = _name_parts(author)
    return " ".join(p for p in (forenames, keyname, suffix) if p)


def oai_record(rec: Record) -> str:
    identifier = f"oai:arXiv.org:{rec['id']}"
    sets = "".join(_el("setSpec", s) for s in rec["sets"])
    status = ' status="deleted"' if rec["deleted"] else ""
    header = f"<header{status}>{_el('identifier', identifier)}{_el('datestamp', rec['datestamp'])}{sets}</header>"
    if rec["deleted"]:
        return f"<record>{header}</record>"
    authors = "".join(
        "<author>{}{}{}</author>".format(
            _el("keyname", k), _el("forenames", f) if f else "", _el("suffix", s) if s else ""
        )
        for k, f, s in map(_name_parts, rec["authors"])
    )
    updated = _el("updated", rec["updated"]) if rec["updated"] else ""
    return (
        f"<record>{header}<metadata>"
        f'<arXiv xmlns="{ARXIV_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{ARXIV_NS} http://arxiv.org/OAI/arXiv.xsd">'
        f"{_el('id', rec['id'])}{_el('created', rec['created'])}{updated}<authors>{authors}</authors>"
        f"{_el('title', rec['title'])}{_el('categories', ' '.join(rec['categories']))}"
        f"{_el('comments', rec['comments'])}{_el('journal-ref', rec['journal_ref'])}{_el('doi', rec['doi'])}"
        f"{_el('license', rec['license'])}{_el('abstract', rec['abstract'])}"
        "</arXiv></metadata></record>"
    )


def _oai_envelope(query: dict[str, str], inner: str) -> str:
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in query.items())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
        "<responseDate>2026-08-21T12:00:00Z</responseDate>\n"
        f"<request{attrs}>http://export.arxiv.org/oai2</request>\n{inner}\n</OAI-PMH>\n"
    )


def oai_list_records(query: dict[str, str], records: Iterable[Record], token: str, cursor: int, complete: int) -> bytes:
    """A ListRecords page; `token` empty on the last page, as arXiv sends it."""
    body = "\n".join(oai_record(r) for r in records)
    resumption = f'<resumptionToken cursor="{cursor}" completeListSize="{complete}">{escape(token)}</resumptionToken>'
    return _oai_envelope(query, f"<ListRecords>\n{body}\n{resumption}\n</ListRecords>").encode()


def oai_error(query: dict[str, str], code: str, message: str) -> bytes:
    # Per OAI-PMH, a request with bad arguments is echoed back without its attributes.
    echoed = {} if code in ("badArgument", "badVerb") else query
    return _oai_envelope(echoed, f"<error code={quoteattr(code)}>{escape(message)}</error>").encode()


def atom_entry(rec: Record) -> str:
    versioned = f"{rec['id']}v{rec['version']}"
    published = rec.get("published") or f"{rec['created']}T17:59:59Z"
    updated = rec.get("atom_updated") or published
    authors = "".join(f"<author><name>{escape(author_name(a))}</name></author>" for a in rec["authors"])
    optional = "".join(
        f"<arxiv:{tag}>{escape(str(rec[key]))}</arxiv:{tag}>"
        for tag, key in (("doi", "doi"), ("comment", "comments"), ("journal_ref", "journal_ref"))
        if rec[key]
    )
    primary, *_ = rec["categories"]
    categories = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in rec["categories"])
    return (
        f"<entry><id>http://arxiv.org/abs/{versioned}</id><updated>{updated}</updated>"
        f"<published>{published}</published><title>{escape(rec['title'])}</title>"
        f"<summary>{escape(rec['abstract'])}</summary>{authors}{optional}"
        f'<link href="http://arxiv.org/abs/{versioned}" rel="alternate" type="text/html"/>'
        f'<link title="pdf" href="http://arxiv.org/pdf/{versioned}" rel="related" type="application/pdf"/>'
        f'<arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{primary}" '
        f'scheme="http://arxiv.org/schemas/atom"/>{categories}</entry>'
    )


def atom_error_entry(bad_id: str) -> str:
    anchor = f"http://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}"
    return (
        f"<entry><id>{escape(anchor)}</id><title>Error</title>"
        f"<summary>incorrect id format for {escape(bad_id)}</summary><updated>2026-08-21T00:00:00-04:00</updated>"
        f'<link href={quoteattr(anchor)} rel="alternate" type="text/html"/>'
        "<author><name>arXiv api core</name></author></entry>"
    )


def atom_feed(query_string: str, entries: list[str]) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns="{ATOM_NS}" xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f'<link href={quoteattr("http://arxiv.org/api/query?" + query_string)} rel="self" '
        'type="application/atom+xml"/>'
        f'<title type="html">ArXiv Query: {escape(query_string)}</title>'
        "<id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id><updated>2026-08-21T00:00:00-04:00</updated>"
        f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
        "<opensearch:startIndex>0</opensearch:startIndex>"
        f"<opensearch:itemsPerPage>{max(1, len(entries))}</opensearch:itemsPerPage>"
        f"{''.join(entries)}</feed>\n"
    ).encode()


# -- the server --------------------------------------------------------------------------------------------

OAI_PATH = "/oai"
API_PATH = "/api/query"
_ID_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z][a-z\-]*(\.[A-Z]{2})?/\d{7})(v\d+)?$")
_OAI_ARGS = frozenset({"verb", "metadataPrefix", "set", "from", "until"})


@dataclass
class Scripted:
    """A response to give instead of (or as a corruption of) the real one, to the next matching request.

    `body=None` serves the real answer; `truncate` cuts it in half with an honest Content-Length (malformed
    XML); `drop` announces the full length, sends half and hangs up (a connection lost mid-body).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    truncate: bool = False
    drop: bool = False
    path: str | None = None  # OAI_PATH or API_PATH; None: whichever request comes next
    when: Callable[[dict[str, str]], bool] | None = None  # and only when the query passes this test
    delay: float = 0.0  # seconds to wait before answering (a slow or hung server)

    def matches(self, path: str, query: dict[str, str]) -> bool:
        return self.path in (None, path) and (self.when is None or self.when(query))


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    at: float  # time.monotonic() on arrival
    user_agent: str | None


class FakeArxiv(LoopbackServer):
    """OAI-PMH at `oai_url`, the Atom API at `api_url`; `records` / `api_papers` are what it knows."""

    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.records: list[Record] = []  # OAI records, in datestamp order
        self.api_papers: dict[str, Record] = {}  # the latest version the API knows, by id
        self.received: list[Received] = []
        self._script: deque[Scripted] = deque()
        self._tokens: dict[str, tuple[str | None, str | None, int]] = {}
        self._lock = threading.Lock()
        super().__init__(_handler(self), "fake-arxiv")

    @property
    def oai_url(self) -> str:
        return self.base_url + OAI_PATH

    @property
    def api_url(self) -> str:
        return self.base_url + API_PATH

    # -- programming it --------------------------------------------------------------------------------

    def add_records(self, *records: Record) -> None:
        self.records.extend(records)

    def set_api_paper(self, record: Record) -> None:
        self.api_papers[record["id"]] = record

    def script(self, *responses: Scripted) -> None:
        with self._lock:
            self._script.extend(responses)

    def expire_tokens(self) -> None:
        """Every resumption token handed out so far now answers badResumptionToken."""
        with self._lock:
            self._tokens.clear()

    def oai_queries(self) -> list[dict[str, str]]:
        return [r.query for r in self.received if r.path == OAI_PATH]

    # -- answering -------------------------------------------------------------------------------------

    def respond(self, path: str, query: list[tuple[str, str]], raw_query: str) -> tuple[Scripted, bytes]:
        with self._lock:
            scripted = next((s for s in self._script if s.matches(path, dict(query))), None)
            if scripted is not None:
                self._script.remove(scripted)
        scripted = scripted or Scripted()
        if scripted.body is not None:
            return scripted, scripted.body
        if path == OAI_PATH:
            return scripted, self._oai(query)
        if path == API_PATH:
            return scripted, self._api(dict(query), raw_query)
        return Scripted(status=404), b"not found"

    def _oai(self, pairs: list[tuple[str, str]]) -> bytes:
        query = dict(pairs)
        if len(query) != len(pairs):
            return oai_error(query, "badArgument", "Repeated arguments are not allowed")
        if query.get("verb") != "ListRecords":
            return oai_error(query, "badVerb", f"Unsupported verb {query.get('verb')!r}")
        if "resumptionToken" in query:
            if set(query) != {"verb", "resumptionToken"}:
                return oai_error(query, "badArgument", "resumptionToken is an exclusive argument")
            with self._lock:
                state = self._tokens.get(query["resumptionToken"])
            if state is None:
                return oai_error(query, "badResumptionToken", "Invalid or expired resumptionToken")
            set_spec, from_date, offset = state
        else:
            unknown = set(query) - _OAI_ARGS
            if unknown or "metadataPrefix" not in query:
                return oai_error(query, "badArgument", f"Illegal or missing arguments: {sorted(unknown)}")
            if query["metadataPrefix"] != "arXiv":
                return oai_error(query, "cannotDisseminateFormat", f"{query['metadataPrefix']} not supported")
            set_spec, from_date, offset = query.get("set"), query.get("from"), 0
            if from_date is not None and not _is_date(from_date):
                return oai_error(query, "badArgument", f"Illegal from date {from_date!r}")
        matching = [r for r in self.records if _in_set(r, set_spec) and (not from_date or r["datestamp"] >= from_date)]
        if not matching:
            return oai_error(query, "noRecordsMatch", "No records match the request")
        end = offset + self.page_size
        token = ""
        if end < len(matching):
            with self._lock:
                token = f"{len(self._tokens) + 7_000_000}|{end + 1}"  # arXiv's tokens look like this
                self._tokens[token] = (set_spec, from_date, end)
        return oai_list_records(query, matching[offset:end], token, offset, len(matching))

    def _api(self, query: dict[str, str], raw_query: str) -> bytes:
        entries: list[str] = []
        for arxiv_id in query.get("id_list", "").split(","):  # the API takes a comma-separated list
            match = _ID_RE.match(arxiv_id)
            if match is None:
                return atom_feed(raw_query, [atom_error_entry(arxiv_id)])
            record = self.api_papers.get(match.group(1))  # the API answers the latest version for a bare id
            entries += [atom_entry(record)] if record else []
        return atom_feed(raw_query, entries)


def _in_set(record: Record, set_spec: str | None) -> bool:
    return set_spec is None or any(s == set_spec or s.startswith(set_spec + ":") for s in record["sets"])


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _handler(fake: FakeArxiv) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            pairs = parse_qsl(url.query, keep_blank_values=True)
            fake.received.append(Received(url.path, dict(pairs), time.monotonic(), self.headers.get("User-Agent")))
            scripted, body = fake.respond(url.path, pairs, url.query)
            time.sleep(scripted.delay)
            # The client may have given up first (a timeout test): nothing worth a traceback.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(scripted, url.path, body)

        def _send(self, scripted: Scripted, path: str, body: bytes) -> None:
            sent = body[: len(body) // 2] if scripted.truncate or scripted.drop else body
            self.send_response(scripted.status)
            content_type = "application/atom+xml" if path == API_PATH else "text/xml"
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body if scripted.drop else sent)))
            for name, value in scripted.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(sent)
            if scripted.drop:
                self.close_connection = True

    return Handler


def closed_port() -> int:
    """A 127.0.0.1 port nobody listens on (bound, then released): connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- fixtures ----------------------------------------------------------------------------------------------


class SleepLog:
    """An injectable `sleep` that records what it was asked to wait and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


# Fixture functions carry a `_fixture` suffix so test modules can import them without the parameter named
# after the fixture shadowing the import (ruff F811): `from tests.fakes.arxiv_server import *_fixture`.


@pytest.fixture(name="arxiv_server")
def arxiv_server_fixture() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        yield server


@pytest.fixture(name="arxiv_settings")
def arxiv_settings_fixture(settings: Settings, arxiv_server: FakeArxiv) -> Settings:
    """The test settings pointed at the fake arXiv, with a small retry budget."""
    return settings.with_overrides(
        arxiv_oai_url=arxiv_server.oai_url,
        arxiv_api_url=arxiv_server.api_url,
        arxiv_max_retries=3,
        contact_email="ops@example.org",
    )


@pytest.fixture(name="sleep_log")
def sleep_log_fixture() -> SleepLog:
    return SleepLog()
