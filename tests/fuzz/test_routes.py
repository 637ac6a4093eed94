"""Every route of the app, enumerated from `app.routes`, fuzzed with odd path, query and form values: dates at the
edges of the calendar, huge and negative numbers, NUL and invalid UTF-8, very long values, wrong types. No answer
is a 5xx, and every error is well formed (values.check_answer). Runs on SQLite and PostgreSQL.

`make test` sends a few examples per route (FUZZ_EXAMPLES, derandomized); `make fuzz` many more, at random.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import given
from hypothesis import strategies as st

from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.auth import CSRF_HEADER
from tests.fuzz.conftest import World
from tests.fuzz.values import (
    FUZZ_SETTINGS,
    Value,
    check_answer,
    fill_path,
    form_body,
    odd_value,
    path_params,
    query_string,
)

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
COMMON_QUERY = ["p", "page", "limit", "q", "from", "to", "date", "week", "month", "mode", "sort", "next"]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    query: tuple[str, ...]
    form: tuple[tuple[str, str], ...]  # (field, "Form" | "File" | "Body")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def endpoints() -> Iterator[Endpoint]:
    """Every (method, route) of the app, included routers flattened, with its declared query and body fields.

    Listed when pytest collects, before any hub exists: the app is built over a stand-in no request reaches."""
    stand_in = SimpleNamespace(settings=Settings(), freshness=SimpleNamespace(token=str))  # what create_app reads
    app = create_app(cast(Hub, stand_in))
    for context in iter_route_contexts(app.routes):
        if not context.path or not context.methods:
            continue
        query: list[str] = []
        form: list[tuple[str, str]] = []
        if isinstance(context.original_route, APIRoute):
            pending = [context.dependant]
            while pending:
                dependant = pending.pop()
                query += [p.alias for p in dependant.query_params]
                form += [(p.alias, type(p.field_info).__name__) for p in dependant.body_params]
                pending += dependant.dependencies
        for method in sorted(context.methods - {"HEAD"}):
            yield Endpoint(method, context.path, tuple(dict.fromkeys(query)), tuple(form))


# The static files are a mount, not a route: walked too, by a path of their own.
ENDPOINTS = [*endpoints(), Endpoint("GET", "/static/{file:path}", (), ())]
READS = [e for e in ENDPOINTS if e.method == "GET"]
WRITES = [e for e in ENDPOINTS if e.method in UNSAFE]


def test_the_routes_are_enumerated() -> None:
    reads, writes = {str(e) for e in READS}, {str(e) for e in WRITES}
    assert {"GET /date/{slug}", "GET /api/v1/search", "GET /papers/{arxiv_id:path}", "GET /u/{username}"} <= reads
    assert {"POST /submit", "POST /papers/{arxiv_id:path}/comments", "POST /library/import"} <= writes


def _path(data: st.DataObject, world: World, template: str) -> str:
    values: dict[str, Value] = {}
    for name, _convertor in path_params(template):
        values[name] = data.draw(odd_value(world.known.get(name, [])), label=name)
    return fill_path(template, values)


def _query(data: st.DataObject, world: World, names: tuple[str, ...]) -> dict[str, Value | None]:
    wanted = [*names, *data.draw(st.lists(st.sampled_from(COMMON_QUERY), max_size=2), label="extra query")]
    values: dict[str, Value | None] = {}
    for name in dict.fromkeys(wanted):
        values[name] = data.draw(st.none() | odd_value(world.known.get(name, [])), label=name)
    return values


def _url(path: str, query: dict[str, Value | None]) -> str:
    text = query_string(query)
    return f"{path}?{text}" if text else path


BEARERS = ["Bearer dp_bogus", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + "x" * 2000, "Token abc"]


@pytest.mark.parametrize("endpoint", READS, ids=str)
def test_every_read_answers_odd_values(world: World, endpoint: Endpoint) -> None:
    @FUZZ_SETTINGS
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        url = _url(_path(data, world, endpoint.path), _query(data, world, endpoint.query))
        signed_in = data.draw(st.booleans(), label="signed in")
        headers = {}
        if data.draw(st.integers(0, 4), label="odd Authorization") == 0:
            headers["Authorization"] = data.draw(st.sampled_from(BEARERS))
        with world.client(signed_in=signed_in) as client:
            response = client.get(url, headers=headers)
        check_answer("GET", url, response)

    check()


def _body(data: st.DataObject, world: World, endpoint: Endpoint) -> dict[str, Any]:
    """Request keyword arguments for the route's body: a form (raw bytes and all), a file upload, or JSON."""
    kinds = {kind for _, kind in endpoint.form}
    if "Body" in kinds:
        payload: object = data.draw(
            st.one_of(
                st.dictionaries(st.sampled_from(["arxiv", "github_repo", "project_page", "x"]), st.text(max_size=40)),
                st.sampled_from([[], None, 5, "text", {"arxiv": 5}, {"arxiv": None}, {"arxiv": "2608.29999"}]),
            ),
            label="json",
        )
        if data.draw(st.booleans(), label="broken json"):
            return {"content": b'{"arxiv": "2608', "headers": {"Content-Type": "application/json"}}
        return {"content": json.dumps(payload).encode(), "headers": {"Content-Type": "application/json"}}
    fields = {
        name: data.draw(st.none() | odd_value(world.known.get(name, [])), label=name)
        for name, kind in endpoint.form
        if kind == "Form"
    }
    if "File" in kinds:
        upload = data.draw(
            st.one_of(
                st.binary(max_size=300),
                st.sampled_from([b"@article{x, eprint={2608.20001}}", b"TY  - JOUR\nER  -\n", b"\x00\xff"]),
            )
        )
        plain = {k: v for k, v in fields.items() if isinstance(v, str)}
        return {"data": plain, "files": {"file": ("refs.bib", upload, "application/octet-stream")}}
    return {"content": form_body(fields), "headers": {"Content-Type": "application/x-www-form-urlencoded"}}


@pytest.mark.parametrize("endpoint", WRITES, ids=str)
def test_every_write_answers_odd_values(world: World, endpoint: Endpoint) -> None:
    @FUZZ_SETTINGS
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        url = _url(_path(data, world, endpoint.path), {})
        request = _body(data, world, endpoint)
        request.setdefault("headers", {})[CSRF_HEADER] = world.csrf
        with world.client(signed_in=True) as client:
            response = client.request(endpoint.method, url, **request)
        check_answer(endpoint.method, url, response)

    check()


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_a_wrong_method_is_a_405_in_the_right_shape(world: World, method: str) -> None:
    with world.client(signed_in=False) as client:
        for url in ("/date/2026-08-20", "/api/v1/feed", "/api/daily_papers", "/search", "/feeds/daily.atom"):
            response = client.request(method, url)
            check_answer(method, url, response)
            assert response.status_code in (403, 405), (method, url, response.status_code)
