"""API tokens: created on /settings and shown once, stored hashed, scoped, revocable, read only from the header."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.sql.schema import api_tokens, users
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.usecases.accounts import hash_secret
from dailypapers.web.app import create_app
from dailypapers.web.auth import AUTH_RESPONSES, CSRF_HEADER, ReadUser, WriteUser
from tests.web.auth_helpers import csrf_token, make_user, sign_in

SECRET_RE = re.compile(r'<code class="secret">(dp_[A-Za-z0-9_-]+)</code>')


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    """The app plus two API routes standing in for the real read / write API."""
    app = create_app(hub)
    probe = APIRouter(prefix="/api/probe")

    @probe.get("/read", responses=AUTH_RESPONSES)
    def read(user: ReadUser) -> dict[str, str]:
        return {"user": user.username}

    @probe.post("/write", responses=AUTH_RESPONSES)
    def write(user: WriteUser) -> dict[str, str]:
        return {"user": user.username}

    app.include_router(probe)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def create_token(client: TestClient, name: str = "notebook", scope: str = "read") -> str:
    response = client.post("/settings/tokens", data={"name": name, "scope": scope, "csrf_token": csrf_token(client)})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    match = SECRET_RE.search(response.text)
    assert match, response.text
    return match.group(1)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def ada(client: TestClient, hub: Hub) -> User:
    return sign_in(client, hub, "ada@example.org")


def test_a_token_is_shown_once_and_stored_hashed(client: TestClient, hub: Hub, ada: User) -> None:
    secret = create_token(client, "my notebook")
    assert len(secret) >= 3 + 43
    page = client.get("/settings").text
    assert secret not in page
    assert "my notebook" in page
    assert f"<code>{secret[:10]}…</code>" in page
    with hub.store.engine.connect() as conn:  # type: ignore[attr-defined]
        row = conn.execute(sa.select(api_tokens)).one()
    assert row.token_hash == hash_secret(secret)
    assert secret not in [str(v) for v in row]
    assert row.prefix == secret[:10]


def test_read_and_write_scopes(client: TestClient, ada: User) -> None:
    reader, writer = create_token(client, "r", "read"), create_token(client, "w", "write")
    anonymous = TestClient(client.app)
    assert anonymous.get("/api/probe/read", headers=bearer(reader)).json() == {"user": "ada"}
    denied = anonymous.post("/api/probe/write", headers=bearer(reader))
    assert denied.status_code == 403
    assert denied.json()["error"] == {
        "code": "permission_denied",
        "message": "this API token lacks the `write` scope; create one with it on /settings",
    }
    assert anonymous.post("/api/probe/write", headers=bearer(writer)).json() == {"user": "ada"}
    assert anonymous.get("/api/probe/read", headers=bearer(writer)).status_code == 200


def test_whoami_reports_the_token_role(client: TestClient, ada: User) -> None:
    writer = create_token(client, "w", "write")
    body = TestClient(client.app).get("/api/whoami-v2", headers=bearer(writer)).json()
    assert body["name"] == "ada"
    assert body["auth"] == {"type": "access_token", "accessToken": {"role": "write"}}
    session = client.get("/api/whoami-v2").json()
    assert session["auth"]["type"] == "session"


def test_tokens_are_read_only_from_the_authorization_header(client: TestClient, ada: User) -> None:
    secret = create_token(client, scope="write")
    anonymous = TestClient(client.app)
    assert anonymous.get("/api/probe/read", params={"token": secret}).status_code == 401
    assert anonymous.get("/api/probe/read", params={"access_token": secret}).status_code == 401
    anonymous.cookies.set("token", secret)
    assert anonymous.get("/api/probe/read").status_code == 401
    assert anonymous.get("/api/probe/read", headers={"Authorization": secret}).status_code == 401
    assert anonymous.get("/api/probe/read", headers={"Authorization": f"Token {secret}"}).status_code == 401
    assert anonymous.get("/api/probe/read", headers={"Authorization": f"bearer {secret}"}).status_code == 200


def test_an_unknown_token_is_401_with_a_message(client: TestClient) -> None:
    response = TestClient(client.app).get("/api/probe/read", headers=bearer("dp_not-a-token"))
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "the API token in the Authorization header is unknown or revoked"
    assert TestClient(client.app).get("/api/probe/read").json()["error"]["message"] == "sign in to do this"


def test_a_revoked_token_stops_working(client: TestClient, hub: Hub, ada: User) -> None:
    keep, drop = create_token(client, "keep"), create_token(client, "drop")
    (dropped,) = [t for t in hub.api_tokens(ada) if t.name == "drop"]
    response = client.post(f"/settings/tokens/{dropped.id}/revoke", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    anonymous = TestClient(client.app)
    assert anonymous.get("/api/probe/read", headers=bearer(drop)).status_code == 401
    assert anonymous.get("/api/probe/read", headers=bearer(keep)).status_code == 200
    assert [t.name for t in hub.api_tokens(ada)] == ["keep"]


def test_nobody_revokes_someone_elses_token(client: TestClient, hub: Hub, ada: User) -> None:
    secret = create_token(client)
    (token,) = hub.api_tokens(ada)
    mallory = TestClient(client.app, follow_redirects=False)
    sign_in(mallory, hub, "mallory@example.org")
    response = mallory.post(f"/settings/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(mallory)})
    assert response.status_code == 404
    assert TestClient(client.app).get("/api/probe/read", headers=bearer(secret)).status_code == 200


def test_a_banned_users_tokens_stop_working(client: TestClient, hub: Hub, ada: User, clock: FixedClock) -> None:
    secret = create_token(client)
    with hub.store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(users.update().where(users.c.id == ada.id).values(banned_at=clock.now()))
    assert TestClient(client.app).get("/api/probe/read", headers=bearer(secret)).status_code == 401


def test_revoke_credentials_ends_sessions_and_tokens(client: TestClient, hub: Hub, ada: User) -> None:
    secret = create_token(client)
    hub.store.revoke_credentials(ada.id, hub.clock.now())
    assert client.get("/settings").status_code == 303
    assert TestClient(client.app).get("/api/probe/read", headers=bearer(secret)).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(client: TestClient, hub: Hub, ada: User, clock: FixedClock) -> None:
    secret = create_token(client)
    assert hub.api_tokens(ada)[0].last_used_at is None
    anonymous = TestClient(client.app)
    anonymous.get("/api/probe/read", headers=bearer(secret))
    first = clock.now()
    assert hub.api_tokens(ada)[0].last_used_at == first
    clock.at += timedelta(seconds=30)
    anonymous.get("/api/probe/read", headers=bearer(secret))
    assert hub.api_tokens(ada)[0].last_used_at == first
    clock.at += timedelta(seconds=31)
    anonymous.get("/api/probe/read", headers=bearer(secret))
    assert hub.api_tokens(ada)[0].last_used_at == clock.now()


def test_bearer_requests_need_no_csrf_token_but_sessions_do(client: TestClient, ada: User) -> None:
    writer = create_token(client, scope="write")
    assert TestClient(client.app).post("/api/probe/write", headers=bearer(writer)).status_code == 200
    # the same route with the browser's session cookie: a cross-site form could send that, so it needs the token
    without = client.post("/api/probe/write")
    assert without.status_code == 403
    assert "CSRF" in without.json()["error"]["message"]
    assert client.post("/api/probe/write", headers={CSRF_HEADER: csrf_token(client)}).status_code == 200


def test_a_bearer_header_turns_the_session_cookie_off(client: TestClient, ada: User) -> None:
    reader = create_token(client, scope="read")
    # A read token with a signed-in browser's cookie: the token alone decides, so writing is still denied.
    assert client.post("/api/probe/write", headers=bearer(reader)).status_code == 403
    assert client.post("/api/probe/write", headers=bearer("dp_bogus")).status_code == 401


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "", "scope": "read"}, "give the token a name"),
        ({"name": "x" * 65, "scope": "read"}, "token names are up to 64"),
        ({"name": "x", "scope": "admin"}, "scope must be one of read, write"),
    ],
)
def test_bad_token_requests_show_the_settings_page_again(
    client: TestClient, ada: User, fields: dict[str, str], message: str
) -> None:
    response = client.post("/settings/tokens", data={**fields, "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert message in response.text


def test_tokens_belong_to_their_user(client: TestClient, hub: Hub, ada: User) -> None:
    create_token(client)
    other = make_user(hub, "bob@example.org")
    assert hub.api_tokens(other) == []
