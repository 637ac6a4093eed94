"""Subscription pages: double opt-in, no enumeration, rate limit, single-use 48-hour links, one-click unsubscribe
without cookies or CSRF token, tampered tokens, view in browser, admin preview."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import timedelta

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.web.app import create_app
from tests.digest.conftest import BASE_URL, SEND_AT, DigestHub, SmtpSink, confirmation_token, seed_feed
from tests.web.auth_helpers import sign_in

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(dhub: DigestHub) -> Iterator[TestClient]:
    with TestClient(create_app(dhub), follow_redirects=False) as test_client:
        yield test_client


def _csrf(client: TestClient, path: str = "/subscribe") -> str:
    match = CSRF_RE.search(client.get(path).text)
    assert match
    return match.group(1)


def _subscribe(client: TestClient, email: str, **fields: str) -> str:
    data = {"csrf_token": _csrf(client), "email": email, "frequency": "daily", **fields}
    response = client.post("/subscribe", data=data)
    assert response.status_code == 200, response.text
    return response.text


def test_subscribe_page_has_the_form(client: TestClient) -> None:
    html = client.get("/subscribe").text
    assert '<form method="post" action="/subscribe"' in html
    for name in ("email", "frequency", "categories", "include", "exclude", "csrf_token"):
        assert f'name="{name}"' in html


def test_same_answer_for_new_pending_and_existing(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    new = _subscribe(client, "ada@example.org")
    pending = _subscribe(client, "ada@example.org")
    dhub.confirm_subscription(confirmation_token(sink, "ada@example.org"))
    existing = _subscribe(client, "ada@example.org")
    assert new == pending == existing
    assert "Check your inbox" in new
    assert len(sink.messages) == 3  # a confirmation each time; nothing else


def test_subscribe_rejects_bad_input_and_csrf(client: TestClient) -> None:
    bad = client.post("/subscribe", data={"csrf_token": _csrf(client), "email": "nope", "frequency": "daily"})
    assert bad.status_code == 400
    assert "is not an email address" in bad.text
    assert client.post("/subscribe", data={"email": "a@b.org"}).status_code == 403


def test_subscribe_is_rate_limited(client: TestClient) -> None:
    for n in range(5):
        _subscribe(client, f"r{n}@example.org")
    data = {"csrf_token": _csrf(client), "email": "r9@example.org", "frequency": "weekly"}
    response = client.post("/subscribe", data=data)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0


def test_confirm_link_get_shows_a_button_and_post_confirms_once(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    _subscribe(client, "ada@example.org", categories="cs.CL", include="language", exclude="vision")
    token = confirmation_token(sink, "ada@example.org")
    page = client.get(f"/subscribe/confirm/{token}")
    assert page.status_code == 200
    assert f'action="/subscribe/confirm/{token}"' in page.text
    subscriber = dhub._digests.get_subscriber_by_email("ada@example.org")
    assert subscriber is not None
    assert subscriber.status == "pending"  # the GET changed nothing
    done = client.post(f"/subscribe/confirm/{token}", data={"csrf_token": _csrf(client)})
    assert done.status_code == 200
    assert "You are subscribed" in done.text
    subscriber = dhub._digests.get_subscriber_by_email("ada@example.org")
    assert subscriber is not None
    assert subscriber.status == "active"
    assert subscriber.topics.categories == ("cs.CL",)
    assert subscriber.topics.include == ("language",)
    assert subscriber.topics.exclude == ("vision",)
    again = client.post(f"/subscribe/confirm/{token}", data={"csrf_token": _csrf(client)})
    assert again.status_code == 400  # single use
    assert client.get(f"/subscribe/confirm/{token}").status_code == 400


def test_confirm_link_expires_after_48_hours(client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    _subscribe(client, "ada@example.org")
    token = confirmation_token(sink, "ada@example.org")
    clock: FixedClock = dhub.clock  # type: ignore[assignment]
    clock.at += timedelta(hours=48, seconds=1)
    assert client.post(f"/subscribe/confirm/{token}", data={"csrf_token": _csrf(client)}).status_code == 400
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/subscribe/confirm/{tampered}", data={"csrf_token": _csrf(client)}).status_code == 400


def test_unsubscribe_get_shows_a_button_and_post_needs_no_cookie(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    _subscribe(client, "ada@example.org")
    subscriber = dhub.confirm_subscription(confirmation_token(sink, "ada@example.org"))
    path = dhub.unsubscribe_url(subscriber.id).removeprefix(BASE_URL)
    page = client.get(path)
    assert page.status_code == 200
    assert f'action="{path}"' in page.text
    assert dhub._digests.get_subscriber(subscriber.id).status == "active"  # type: ignore[union-attr]
    client.cookies.clear()
    for _ in range(2):  # repeating is harmless
        response = client.post(
            path, content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert response.status_code == 200
    assert dhub._digests.get_subscriber(subscriber.id).status == "unsubscribed"  # type: ignore[union-attr]


def test_tampered_unsubscribe_tokens_do_nothing(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    _subscribe(client, "ada@example.org")
    ada = dhub.confirm_subscription(confirmation_token(sink, "ada@example.org"))
    _subscribe(client, "bob@example.org")
    bob = dhub.confirm_subscription(confirmation_token(sink, "bob@example.org"))
    good = dhub.unsubscribe_url(ada.id).rsplit("/", 1)[1]
    tag = good.split(".", 1)[1]
    for token in (f"{bob.id}.{tag}", good[:-1] + ("A" if good[-1] != "A" else "B"), "1", "x.y", f"{ada.id}."):
        assert client.post(f"/unsubscribe/{token}").status_code == 400, token
        assert client.get(f"/unsubscribe/{token}").status_code == 400, token
    assert dhub._digests.get_subscriber(ada.id).status == "active"  # type: ignore[union-attr]
    assert dhub._digests.get_subscriber(bob.id).status == "active"  # type: ignore[union-attr]


def test_view_in_browser_link_from_the_mail(client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    _subscribe(client, "ada@example.org")
    dhub.confirm_subscription(confirmation_token(sink, "ada@example.org"))
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    dhub.run_digest("daily")
    [mail] = sink.digests()
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    view = re.search(r"View in your browser: (\S+)", text)
    assert view
    path = view.group(1).removeprefix(BASE_URL)
    page = client.get(path)
    assert page.status_code == 200
    assert "Vision transformers at scale" in page.text
    assert "View in your browser" not in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    digest_id, token = path.split("/")[2], path.split("/")[4]
    assert client.get(f"/digest/{digest_id}/view/{token[:-1]}x").status_code == 404
    assert client.get(f"/digest/{int(digest_id) + 1}/view/{token}").status_code == 404


def test_preview_is_for_admins(client: TestClient, dhub: DigestHub) -> None:
    seed_feed(dhub)
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    assert client.get("/digest/preview").status_code == 303  # sign in first
    user = sign_in(client, dhub, "ada@example.org")
    assert client.get("/digest/preview").status_code == 403
    dhub.store.set_admin(user.id, True)
    page = client.get("/digest/preview?frequency=weekly")
    assert page.status_code == 200
    assert "Vision transformers at scale" in page.text
    assert "weekly papers" in page.text
