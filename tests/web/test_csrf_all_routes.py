"""Every state-changing route of the app, enumerated from `app.routes` at test time, refuses a signed-in browser's
request that lacks the CSRF token — except routes marked `openapi_extra=CSRF_EXEMPT` (see web/auth.py).

A new POST / PUT / PATCH / DELETE route is covered the day it is added; to pass it needs `dependencies=
[CsrfProtected]` (HTML forms) or a `require_scope(...)` user (API), declared before anything that reads the path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from dailypapers.hub import Hub
from dailypapers.web.app import create_app
from dailypapers.web.auth import CSRF_EXEMPT, is_csrf_exempt
from tests.web.auth_helpers import csrf_token, sign_in

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_PARAM_RE = re.compile(r"\{(\w+)(?::(\w+))?\}")


def unsafe_routes(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """(method, path template, marked exempt) of every state-changing route, included routers flattened."""
    for context in iter_route_contexts(app.routes):
        methods, path = context.methods, context.path
        if methods and path:
            exempt = is_csrf_exempt(getattr(context.original_route, "openapi_extra", None))
            for method in sorted(methods & UNSAFE):
                yield method, path, exempt


def sample_path(template: str) -> str:
    """A concrete URL for a route template: every parameter becomes `1` (an int, a string and a path alike)."""
    return _PARAM_RE.sub("1", template)


@pytest.fixture
def app(hub: Hub) -> FastAPI:
    return create_app(hub)


@pytest.fixture
def browser(app: FastAPI, hub: Hub) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False, raise_server_exceptions=False) as client:
        sign_in(client, hub)
        yield client


def test_routes_are_enumerated_from_the_app(app: FastAPI) -> None:
    found = {(method, path) for method, path, _ in unsafe_routes(app)}
    # the account routes are always there; whatever else the app has is checked too
    assert {("POST", "/signin"), ("POST", "/signout"), ("POST", "/settings/tokens/{token_id}/revoke")} <= found


def test_every_unsafe_route_rejects_a_request_without_csrf_token(app: FastAPI, browser: TestClient) -> None:
    checked, failures = [], []
    for method, path, exempt in unsafe_routes(app):
        if exempt:
            continue
        response = browser.request(method, sample_path(path), data={"name": "x", "body": "x", "email": "a@b.org"})
        checked.append(f"{method} {path}")
        if response.status_code != 403 or "CSRF" not in response.text:
            failures.append(f"{method} {path} answered {response.status_code}: {response.text[:200]!r}")
    assert checked
    assert not failures, "state-changing routes without CSRF protection:\n" + "\n".join(failures)


def test_a_wrong_csrf_token_is_rejected_everywhere(app: FastAPI, browser: TestClient) -> None:
    wrong = csrf_token(browser)[::-1]
    for method, path, exempt in unsafe_routes(app):
        if exempt:
            continue
        response = browser.request(method, sample_path(path), data={"csrf_token": wrong})
        assert response.status_code == 403, f"{method} {path}"
        header = browser.request(method, sample_path(path), headers={"X-CSRF-Token": wrong})
        assert header.status_code == 403, f"{method} {path}"


def test_the_right_token_gets_past_the_check_everywhere(app: FastAPI, browser: TestClient) -> None:
    """The control: the same requests with the token are not refused for CSRF (they may fail for other reasons)."""
    token = csrf_token(browser)
    for method, path, exempt in unsafe_routes(app):
        if exempt or path == "/signout":
            continue
        response = browser.request(method, sample_path(path), data={"csrf_token": token})
        assert "CSRF" not in response.text, f"{method} {path}"


def test_the_exemption_marker() -> None:
    assert is_csrf_exempt(CSRF_EXEMPT)
    assert not is_csrf_exempt(None)
    assert not is_csrf_exempt({"x-other": True})
