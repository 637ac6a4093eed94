"""The app shell: factory, layout, static files, security headers, and error translation (HTML and /api/ JSON)."""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.testclient import TestClient

from dailypapers.domain.errors import InvalidPeriod, NotFound, StorageError
from dailypapers.hub import Hub
from dailypapers.web.app import create_app, error_code
from dailypapers.web.security import CONTENT_SECURITY_POLICY


def test_layout_has_site_name_nav_and_digest_banner(hub: Hub) -> None:
    hub.settings = hub.settings.with_overrides(site_name="Paper Club")
    with TestClient(create_app(hub)) as client:
        html = client.get("/").text
    assert '<a class="brand" href="/">Paper Club</a>' in html
    assert "· Paper Club</title>" in html
    for label, url in (("Daily", "/"), ("Weekly", "/week"), ("Monthly", "/month")):
        assert re.search(rf'<a href="{url}"[^>]*>{label}</a>', html), label
    assert '<a href="/subscribe">Get trending papers in your email inbox!</a>' in html
    assert '<link rel="stylesheet" href="/static/style.css">' in html


def test_stylesheet_is_served_with_dark_mode(client: TestClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in response.text


def test_security_headers_on_pages_and_errors(client: TestClient) -> None:
    for path in ("/", "/date/nope", "/no/such/page", "/static/style.css"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "content-security-policy" not in client.get("/docs").headers


def test_unknown_path_is_an_html_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in response.text


def test_wrong_method_keeps_allow_header(client: TestClient) -> None:
    response = client.post("/week")  # GET only (/subscribe takes POSTs since the digests issue)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


def _api_app(hub: Hub) -> TestClient:
    router = APIRouter()

    @router.get("/api/boom/{what}")
    def boom(what: str) -> dict[str, str]:
        errors = {"period": InvalidPeriod("'x' is not a date"), "missing": NotFound("nothing here")}
        raise errors[what]

    app = create_app(hub)
    app.include_router(router)
    return TestClient(app)


def test_api_paths_get_json_errors(hub: Hub) -> None:
    with _api_app(hub) as client:
        bad = client.get("/api/boom/period")
        assert bad.status_code == 400
        assert bad.json() == {"error": {"code": "invalid_period", "message": "'x' is not a date"}}
        missing = client.get("/api/boom/missing")
        assert missing.status_code == 404
        assert missing.json() == {"error": {"code": "not_found", "message": "nothing here"}}
        unrouted = client.get("/api/nothing")
        assert unrouted.status_code == 404
        assert unrouted.json()["error"]["code"] == "not_found"


def test_other_errors_are_not_swallowed(hub: Hub) -> None:
    def broken(*_: object, **__: object) -> None:
        raise StorageError("database is locked")

    hub.store.latest_feed_date = broken  # type: ignore[method-assign]
    with TestClient(create_app(hub), raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


def test_error_codes_are_snake_case_class_names() -> None:
    assert error_code(InvalidPeriod("x")) == "invalid_period"
    assert error_code(NotFound("x")) == "not_found"
