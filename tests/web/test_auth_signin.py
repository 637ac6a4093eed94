"""Sign-in by emailed link through the web (console mailer): links, sessions, cookies, sign-out, bans, 429s, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.mail import ConsoleMailer
from dailypapers.adapters.sql.schema import login_tokens, sessions, users
from dailypapers.domain.errors import RateLimited, SourceUnavailable
from dailypapers.hub import Hub
from dailypapers.usecases.accounts import hash_secret
from dailypapers.web.app import create_app
from dailypapers.web.auth import ANON_COOKIE, SESSION_COOKIE
from tests.web.auth_helpers import csrf_token, make_user, sign_in

LINK_RE = re.compile(r"http://127\.0\.0\.1:8000(/signin/confirm\?\S+)")


def sent(hub: Hub) -> list[EmailMessage]:
    assert isinstance(hub.mailer, ConsoleMailer)
    return hub.mailer.sent


def ask_for_link(client: TestClient, hub: Hub, email: str, next_path: str = "/") -> str:
    """POST the sign-in form and return the path of the link in the mail that arrived."""
    before = len(sent(hub))
    response = client.post("/signin", data={"email": email, "next": next_path, "csrf_token": csrf_token(client)})
    assert response.status_code == 200, response.text
    assert len(sent(hub)) == before + 1
    body = sent(hub)[-1].get_body(("plain",))
    assert body is not None
    match = LINK_RE.search(body.get_content())
    assert match, body.get_content()
    return match.group(1)


def press_sign_in(client: TestClient, link_path: str) -> object:
    """Open the link (GET shows a button) and press it (POST), as a person would."""
    page = client.get(link_path)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return client.post("/signin/confirm", data=fields)


def token_of(link_path: str) -> str:
    return parse_qs(urlsplit(link_path).query)["token"][0]


def is_signed_in(client: TestClient) -> bool:
    return client.get("/settings").status_code == 200


def test_full_sign_in_creates_the_account_on_first_use(client: TestClient, hub: Hub) -> None:
    link = ask_for_link(client, hub, "  Ada.Lovelace+papers@Example.ORG ", next_path="/settings")
    mail = sent(hub)[-1]
    assert mail["To"] == "ada.lovelace+papers@example.org"
    assert mail["Subject"] == "Sign in to dailypapers"
    html = mail.get_body(("html",))
    assert html is not None
    assert f'href="http://127.0.0.1:8000{link.replace("&", "&amp;")}"' in html.get_content()
    assert len(token_of(link)) >= 43  # 256 bits, url-safe base64
    assert hub.store.get_user_by_email("ada.lovelace+papers@example.org") is None  # not before the link is used

    assert client.get(link).status_code == 200  # GET (a mail scanner) twice: the link is still good
    response = press_sign_in(client, link)
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/settings"  # type: ignore[attr-defined]
    user = hub.store.get_user_by_email("ada.lovelace+papers@example.org")
    assert user is not None
    assert (user.username, user.display_name) == ("ada-lovelace", "ada-lovelace")
    page = client.get("/settings")
    assert page.status_code == 200
    assert "ada.lovelace+papers@example.org" in page.text


def test_links_and_sessions_are_stored_hashed(client: TestClient, hub: Hub) -> None:
    link = ask_for_link(client, hub, "ada@example.org")
    press_sign_in(client, link)
    cookie = client.cookies[SESSION_COOKIE]
    with hub.store.engine.connect() as conn:  # type: ignore[attr-defined]
        stored_links = list(conn.scalars(sa.select(login_tokens.c.token_hash)))
        stored_sessions = list(conn.scalars(sa.select(sessions.c.token_hash)))
    assert stored_links == [hash_secret(token_of(link))]
    session = cookie.rsplit(".", 1)[0]  # the cookie is the session secret and its signature
    assert stored_sessions == [hash_secret(session)]


def test_usernames_are_unique(hub: Hub) -> None:
    names = [make_user(hub, email).username for email in ("ann@a.org", "ann@b.org", "Ann@c.org", "ÄNN@d.org")]
    assert names == ["ann", "ann-2", "ann-3", "ann-4"]
    assert make_user(hub, "..@e.org").username == "user"


def test_a_link_works_once(client: TestClient, hub: Hub) -> None:
    link = ask_for_link(client, hub, "ada@example.org")
    assert press_sign_in(client, link).status_code == 303  # type: ignore[attr-defined]
    other = TestClient(client.app, follow_redirects=False)
    assert other.get(link).status_code == 400
    replay = other.post("/signin/confirm", data={"token": token_of(link), "csrf_token": csrf_token(other)})
    assert replay.status_code == 400
    assert "not valid" in replay.text
    assert SESSION_COOKIE not in replay.cookies


def test_a_link_expires(client: TestClient, hub: Hub, clock: FixedClock) -> None:
    minutes = hub.settings.login_link_minutes
    start = clock.at
    late = ask_for_link(client, hub, "ada@example.org")
    in_time = ask_for_link(client, hub, "ada@example.org")
    clock.at = start + timedelta(minutes=minutes, seconds=-1)
    assert press_sign_in(client, in_time).status_code == 303  # type: ignore[attr-defined]
    clock.at = start + timedelta(minutes=minutes)
    assert client.get(late).status_code == 400
    fields = {"token": token_of(late), "csrf_token": csrf_token(client)}
    assert client.post("/signin/confirm", data=fields).status_code == 400


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
        lambda t: t[:-5],  # cut short by a mail client
        lambda t: t + "x",
        lambda t: "",
        lambda t: hash_secret(t),  # the stored hash is not a link
    ],
)
def test_a_tampered_link_is_rejected(client: TestClient, hub: Hub, tamper: object) -> None:
    token = token_of(ask_for_link(client, hub, "ada@example.org"))
    bad = tamper(token)  # type: ignore[operator]
    assert client.get("/signin/confirm", params={"token": bad}).status_code == 400
    response = client.post("/signin/confirm", data={"token": bad, "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert SESSION_COOKIE not in response.cookies
    assert hub.store.get_user_by_email("ada@example.org") is None


def test_known_and_unknown_addresses_get_the_same_answer(client: TestClient, hub: Hub) -> None:
    make_user(hub, "known@example.org")
    token = csrf_token(client)
    answers = {}
    for email in ("known@example.org", "other@example.org"):
        response = client.post("/signin", data={"email": email, "csrf_token": token})
        answers[email] = (
            response.status_code,
            response.text.replace(email, "EMAIL"),
            response.headers.get("set-cookie"),
        )
    assert answers["known@example.org"] == answers["other@example.org"]
    assert [m["To"] for m in sent(hub)] == ["known@example.org", "other@example.org"]  # same work both ways
    assert sent(hub)[0].get_content_type() == sent(hub)[1].get_content_type()


def test_session_cookie_flags(client: TestClient, hub: Hub) -> None:
    response = press_sign_in(client, ask_for_link(client, hub, "ada@example.org"))
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    assert f"Max-Age={hub.settings.session_days * 86400}" in cookie
    assert "Secure" not in cookie  # served over http here


def test_cookies_are_secure_when_served_over_https(hub: Hub) -> None:
    hub.settings = hub.settings.with_overrides(base_url="https://papers.example.org")
    client = TestClient(create_app(hub), base_url="https://testserver", follow_redirects=False)
    signin = client.get("/signin")
    assert "Secure" in signin.headers["set-cookie"]  # the anonymous CSRF cookie
    client.post("/signin", data={"email": "ada@example.org", "csrf_token": csrf_token(client)})
    body = sent(hub)[-1].get_body(("plain",))
    assert body is not None
    link = re.search(r"https://papers\.example\.org(/signin/confirm\?\S+)", body.get_content())
    assert link
    response = press_sign_in(client, link.group(1))
    assert "Secure" in response.headers["set-cookie"]  # type: ignore[attr-defined]


def test_the_session_is_rotated_at_sign_in(client: TestClient, hub: Hub) -> None:
    press_sign_in(client, ask_for_link(client, hub, "ada@example.org"))
    first = client.cookies[SESSION_COOKIE]
    press_sign_in(client, ask_for_link(client, hub, "ada@example.org"))
    second = client.cookies[SESSION_COOKIE]
    assert first != second
    assert is_signed_in(client)
    replay = TestClient(client.app, follow_redirects=False, cookies={SESSION_COOKIE: first})
    assert not is_signed_in(replay)  # the session from before is revoked


def test_sign_out_clears_the_cookie_and_revokes_the_session(client: TestClient, hub: Hub) -> None:
    press_sign_in(client, ask_for_link(client, hub, "ada@example.org"))
    cookie = client.cookies[SESSION_COOKIE]
    response = client.post("/signout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert re.search(rf'{SESSION_COOKIE}=""?; .*Max-Age=0', response.headers["set-cookie"])
    assert not is_signed_in(client)
    replay = TestClient(client.app, follow_redirects=False, cookies={SESSION_COOKIE: cookie})
    assert not is_signed_in(replay)
    redirect = replay.get("/settings")
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/signin?next=/settings"


def test_a_forged_or_expired_session_cookie_is_anonymous(client: TestClient, hub: Hub, clock: FixedClock) -> None:
    sign_in(client, hub)
    good = client.cookies[SESSION_COOKIE]
    secret, signature = good.rsplit(".", 1)
    forged = TestClient(client.app, follow_redirects=False, cookies={SESSION_COOKIE: f"{secret}.{signature[::-1]}"})
    assert not is_signed_in(forged)
    unsigned = TestClient(client.app, follow_redirects=False, cookies={SESSION_COOKIE: secret})
    assert not is_signed_in(unsigned)
    assert is_signed_in(client)
    clock.at += timedelta(days=hub.settings.session_days)
    assert not is_signed_in(client)


def test_a_banned_users_session_stops_working(client: TestClient, hub: Hub, clock: FixedClock) -> None:
    user = sign_in(client, hub)
    assert is_signed_in(client)
    with hub.store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(users.update().where(users.c.id == user.id).values(banned_at=clock.now()))
    assert not is_signed_in(client)
    assert 'href="/signin">Sign in</a>' in client.get("/").text
    # and a new link does not get them back in
    fresh = TestClient(client.app, follow_redirects=False)
    response = press_sign_in(fresh, ask_for_link(fresh, hub, user.email))
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert SESSION_COOKIE not in fresh.cookies


@pytest.mark.parametrize(
    ("asked", "landing"),
    [
        ("/papers/2408.00001", "/papers/2408.00001"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("settings", "/"),
    ],
)
def test_after_sign_in_only_local_paths(client: TestClient, hub: Hub, asked: str, landing: str) -> None:
    response = press_sign_in(client, ask_for_link(client, hub, "ada@example.org", next_path=asked))
    assert response.headers["location"] == landing  # type: ignore[attr-defined]


def test_the_sign_in_form_keeps_next(client: TestClient) -> None:
    page = client.get("/signin", params={"next": "/settings"})
    assert '<input type="hidden" name="next" value="/settings">' in page.text


def test_a_malformed_address_shows_the_form_again(client: TestClient, hub: Hub) -> None:
    response = client.post("/signin", data={"email": "not-an-address", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "is not an email address" in response.text
    assert 'value="not-an-address"' in response.text
    header_injection = client.post(
        "/signin", data={"email": "a@b.org\r\nBcc: x@y.org", "csrf_token": csrf_token(client)}
    )
    assert header_injection.status_code == 400
    assert sent(hub) == []


def test_a_mail_failure_says_try_again(client: TestClient, hub: Hub) -> None:
    class Down:
        def send(self, message: EmailMessage) -> None:
            raise SourceUnavailable("mail server unreachable")

    hub.mailer = Down()
    response = client.post("/signin", data={"email": "ada@example.org", "csrf_token": csrf_token(client)})
    assert response.status_code == 503
    assert "try again" in response.text


def test_sign_in_mails_are_rate_limited_per_address(hub: Hub) -> None:
    hub.settings = hub.settings.with_overrides(rate_limit_sign_in="2/hour")
    hub.request_sign_in("ada@example.org", client="10.0.0.1")
    hub.request_sign_in("ADA@example.org", client="10.0.0.2")
    with pytest.raises(RateLimited) as caught:
        hub.request_sign_in("ada@example.org", client="10.0.0.3")
    assert caught.value.retry_after > 0
    hub.request_sign_in("bob@example.org", client="10.0.0.3")  # another address is fine


def test_sign_in_mails_are_rate_limited_per_client(hub: Hub) -> None:
    hub.settings = hub.settings.with_overrides(rate_limit_sign_in="2/hour")
    hub.request_sign_in("a@example.org", client="10.0.0.1")
    hub.request_sign_in("b@example.org", client="10.0.0.1")
    with pytest.raises(RateLimited):
        hub.request_sign_in("c@example.org", client="10.0.0.1")
    hub.request_sign_in("c@example.org", client="10.0.0.2")


def test_too_many_sign_in_requests_answer_429_with_retry_after(client: TestClient, hub: Hub) -> None:
    hub.settings = hub.settings.with_overrides(rate_limit_sign_in="1/hour")
    token = csrf_token(client)
    assert client.post("/signin", data={"email": "ada@example.org", "csrf_token": token}).status_code == 200
    response = client.post("/signin", data={"email": "ada@example.org", "csrf_token": token})
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 3600
    assert len(sent(hub)) == 1


def test_anonymous_forms_are_csrf_protected(client: TestClient, hub: Hub) -> None:
    page = client.get("/signin")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{ANON_COOKIE}=")
    assert "HttpOnly" in cookie
    assert page.headers["cache-control"] == "private, no-cache"
    assert client.post("/signin", data={"email": "ada@example.org"}).status_code == 403
    stranger = TestClient(client.app, follow_redirects=False)
    foreign_token = csrf_token(stranger)  # valid for the stranger's browser, not for this one
    response = client.post("/signin", data={"email": "ada@example.org", "csrf_token": foreign_token})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert sent(hub) == []
    assert client.get("/signin").headers.get("set-cookie") is None  # the cookie is made once


def test_plain_pages_set_no_cookie(client: TestClient) -> None:
    response = client.get("/")
    assert "set-cookie" not in response.headers


def test_header_shows_sign_in_or_the_user(client: TestClient, hub: Hub) -> None:
    assert '<a href="/signin">Sign in</a>' in client.get("/").text
    user = sign_in(client, hub, "grace.hopper@example.org")
    hub.set_display_name(user, "Grace Hopper")
    html = client.get("/").text
    assert '<a href="/signin">Sign in</a>' not in html
    assert '<a class="avatar" href="/u/grace-hopper" title="Grace Hopper (@grace-hopper)">GH</a>' in html
    assert re.search(
        r'<form class="signout" method="post" action="/signout">\s*<input type="hidden" name="csrf_token"', html
    )
