"""What the route fuzz sends and what it accepts back: odd values for path, query and form fields, and the checks
every answer must pass (no 5xx; an error is the API's JSON body under /api/, a page with its message elsewhere)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Examples per route and identity: small in `make test`, large in `make fuzz` (FUZZ_EXAMPLES=…). CI runs are
# derandomized so a failure reproduces; `make fuzz` explores new inputs each run (FUZZ_RANDOM=1).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=os.environ.get("FUZZ_RANDOM", "") != "1",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True, slots=True)
class Raw:
    """A value already percent-encoded, sent byte for byte: invalid UTF-8, encoded NUL, encoded slashes."""

    encoded: str


Value = str | Raw

CALENDAR_EDGES = [
    "0000-00-00", "0001-01-01", "1899-12-31", "1900-01-01", "1970-01-01", "2023-02-29", "2024-02-29",
    "2026-08-20", "2026-13-01", "2026-02-30", "2999-12-31", "3000-01-01", "9999-12-31",
    "2026-W00", "2026-W01", "2026-W34", "2026-W53", "2020-W53", "9999-W52", "9999-W53", "0001-W01",
    "2026-00", "2026-08", "2026-12", "9999-12", "0000-01", "2026-8", "26-08-20", "2026-08-20T00:00:00",
    "2026", "0", "0000", "9999", "-2026", "２０２６-０８-２０",
]  # fmt: skip
NUMBERS = [
    "0", "1", "2", "-1", "-0", "+5", " 5", "5 ", "1.5", "1e3", "0x10", "NaN", "inf", "²", "١٢", "99999",
    "100001", "2147483648", "9223372036854775808", "9" * 30, "9" * 5000,
]  # fmt: skip
TEXTS = [
    "", " ", "\x00", "a\x00b", "\x1b[31m", "\r\nX-Injected: 1", "\t", "é", "💥", "\u202e", "\ufeff",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR 1=1 --", "%", "%%", "{}", "[]", "null",
    "true", "../../etc/passwd", "..", ".", "/", "//", "\\", "a/b", "x" * 300, "é" * 2000, "a" * 10_000,
    "cs.CV", "cs", "hep-th", "year:0000", "year:9999", "after:0", "before:9999-12-31", "author:", "cat:<b>",
    '"unclosed', "-", "has:nothing", "diffusion", "2405.15738", "2405.15738v2", "arXiv:2405.15738",
    "hep-th/9901001", "https://arxiv.org/abs/2405.15738", "javascript:alert(1)", "http://127.0.0.1:1/x",
    "dp_" + "A" * 43, "atom", "rss", "bib", "ris", "json", "md", "xml",
]  # fmt: skip
SUFFIXES = ["", ".atom", ".rss", ".bib", ".ris", ".json", ".md", ".xml", "v2", "/", "/similar", "%00", "."]
RAWS = [
    Raw("%FF"), Raw("%C3%28"), Raw("%ED%A0%80"), Raw("%F4%90%80%80"), Raw("%C0%AF"), Raw("%00"), Raw("a%00.atom"),
    Raw("%2F"), Raw("..%2F..%2Fetc%2Fpasswd"), Raw("%25"), Raw("%E2%80%AE"), Raw("%FF.atom"), Raw("%FE%FF.rss"),
]  # fmt: skip
ODD: list[Value] = [*CALENDAR_EDGES, *NUMBERS, *TEXTS, *RAWS]


def odd_value(known: Sequence[str] = ()) -> st.SearchStrategy[Value]:
    """Any odd value, often a real one (so deeper code runs), sometimes a real one with a suffix."""
    real = [*known, "2026-08-20", "2026-W34", "2026-08"]
    return st.one_of(
        st.sampled_from(real),
        st.sampled_from(ODD),
        st.text(max_size=30),
        st.integers(min_value=-(10**20), max_value=10**20).map(str),
        st.builds(str.__add__, st.sampled_from(real + CALENDAR_EDGES), st.sampled_from(SUFFIXES)),
    )


def encode(value: Value, *, safe: str = "") -> str:
    return value.encoded if isinstance(value, Raw) else quote(value, safe=safe)


def fill_path(template: str, values: Mapping[str, Value]) -> str:
    """A route template with each `{name}` / `{name:convertor}` replaced by its encoded value."""

    def replace(match: re.Match[str]) -> str:
        return encode(values[match[1]], safe="/" if match[2] == "path" else "")

    return _PARAM_RE.sub(replace, template)


def query_string(values: Mapping[str, Value | None]) -> str:
    return "&".join(f"{quote(name)}={encode(value)}" for name, value in values.items() if value is not None)


def form_body(values: Mapping[str, Value | None]) -> bytes:
    """application/x-www-form-urlencoded, raw values included byte for byte."""
    return query_string(values).encode("ascii")


def path_params(template: str) -> list[tuple[str, str | None]]:
    return [(m[1], m[2]) for m in _PARAM_RE.finditer(template)]


_PARAM_RE = re.compile(r"\{(\w+)(?::(\w+))?\}")
_PAGE_MESSAGE = re.compile(r'(class="message"|role="alert")>\s*(<[^>]+>\s*)*[^<\s]')


def check_answer(method: str, url: str, response: Any) -> None:
    """No 5xx, and an error says what went wrong in the shape of where it was asked."""
    status, where = response.status_code, f"{method} {url[:300]}"
    assert status < 500, f"{where} answered {status}: {response.text[:800]}"
    if 300 <= status < 400:
        assert _header(response, "location"), f"{where}: a {status} without Location"
        return
    if status < 400:
        return
    path = unquote(urlsplit(str(response.request.url)).path)  # as sent: clients resolve `..` segments first
    if path.startswith("/api/"):
        try:
            body = json.loads(response.content)
        except ValueError:
            raise AssertionError(f"{where} answered {status} without a JSON body: {response.text[:300]}") from None
        shape = {k: sorted(v) if isinstance(v, dict) else v for k, v in body.items()} if isinstance(body, dict) else 0
        assert shape == {"error": ["code", "message"]}, f"{where}: {body!r:.300}"
        assert all(isinstance(v, str) and v for v in body["error"].values()), f"{where}: {body!r:.300}"
        return
    assert _header(response, "content-type").startswith("text/html"), f"{where}: {status} not a page"
    assert _PAGE_MESSAGE.search(response.text), f"{where}: a {status} page without its message"


def _header(response: Any, name: str) -> str:
    """A header of an httpx response, or of a schemathesis one (whose headers map to lists)."""
    value = response.headers.get(name) or response.headers.get(name.title()) or ""
    return str(value[0] if isinstance(value, list) and value else value or "")
