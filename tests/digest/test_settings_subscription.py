"""A signed-in account manages its own digest in /settings: subscribe at once (its address is verified by signing
in, so no confirmation mail), change frequency and topics, unsubscribe; every change is a POST with the CSRF token."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest

from dailypapers.web.app import create_app
from tests.digest.conftest import SEND_AT, DigestHub, SmtpSink, seed_feed, subscribe_confirmed
from tests.web.auth_helpers import sign_in

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def client(dhub: DigestHub) -> Iterator[TestClient]:
    with TestClient(create_app(dhub), follow_redirects=False) as test_client:
        yield test_client


def _csrf(client: TestClient) -> str:
    match = CSRF_RE.search(client.get("/settings").text)
    assert match
    return match.group(1)


def _save(client: TestClient, **fields: str) -> int:
    data = {"csrf_token": _csrf(client), "frequency": "daily", **fields}
    return client.post("/settings/subscription", data=data).status_code


def test_settings_subscribes_the_account_at_once(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    sign_in(client, dhub, "ada@example.org")
    page = client.get("/settings").text
    assert 'id="digest"' in page
    assert 'action="/settings/subscription"' in page
    assert "Unsubscribe" not in page  # nothing to unsubscribe from yet
    assert _save(client, frequency="weekly", categories="cs.CL, cs.LG", include="agents", exclude="survey") == 303
    assert sink.messages == []  # no confirmation mail: signing in proved the address
    subscriber = dhub.account_subscription(dhub.store.get_user_by_email("ada@example.org"))  # type: ignore[arg-type]
    assert subscriber is not None
    assert subscriber.is_active
    assert subscriber.frequency == "weekly"
    assert subscriber.topics.categories == ("cs.CL", "cs.LG")
    assert subscriber.topics.include == ("agents",)
    assert subscriber.topics.exclude == ("survey",)
    assert subscriber.user_id is not None  # linked: the digest has personal picks
    page = client.get("/settings").text
    assert "weekly</strong> digest" in page
    assert 'value="cs.CL, cs.LG"' in page
    assert re.search(r'value="weekly" checked', page)


def test_settings_changes_and_unsubscribes_an_existing_subscription(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscriber_id = subscribe_confirmed(dhub, sink, "ada@example.org", frequency="daily")
    sign_in(client, dhub, "ada@example.org")
    assert "daily (weekdays)</strong> digest" in client.get("/settings").text
    assert _save(client, frequency="daily", categories="cs.CV") == 303
    subscriber = dhub._digests.get_subscriber(subscriber_id)
    assert subscriber is not None
    assert subscriber.topics.categories == ("cs.CV",)
    assert subscriber.is_active
    mails_before = len(sink.messages)

    response = client.post("/settings/subscription/unsubscribe", data={"csrf_token": _csrf(client)})
    assert response.status_code == 303
    assert dhub._digests.get_subscriber(subscriber_id).status == "unsubscribed"  # type: ignore[union-attr]
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    assert dhub.run_digest("daily").recipients == 0
    assert len(sink.messages) == mails_before
    # repeating is harmless, and subscribing again from settings works at once
    assert client.post("/settings/subscription/unsubscribe", data={"csrf_token": _csrf(client)}).status_code == 303
    assert _save(client, frequency="daily") == 303
    subscriber = dhub._digests.get_subscriber(subscriber_id)
    assert subscriber is not None
    assert subscriber.is_active
    assert subscriber.topics.categories == ()


def test_settings_subscription_needs_sign_in_and_csrf(client: TestClient, dhub: DigestHub) -> None:
    assert client.post("/settings/subscription", data={"frequency": "daily"}).status_code in (303, 403)
    sign_in(client, dhub, "ada@example.org")
    assert client.post("/settings/subscription", data={"frequency": "daily"}).status_code == 403
    assert client.post("/settings/subscription/unsubscribe").status_code == 403
    assert dhub._digests.get_subscriber_by_email("ada@example.org") is None


def test_settings_subscription_rejects_bad_input(client: TestClient, dhub: DigestHub) -> None:
    sign_in(client, dhub, "ada@example.org")
    response = client.post(
        "/settings/subscription",
        data={"csrf_token": _csrf(client), "frequency": "hourly", "categories": "cs.CL"},
    )
    assert response.status_code == 400
    assert "choose a frequency" in response.text
    assert 'value="cs.CL"' in response.text  # what was typed stays in the form
    assert dhub._digests.get_subscriber_by_email("ada@example.org") is None


def test_settings_keeps_a_bounced_address_suppressed(
    client: TestClient, dhub: DigestHub, smtp: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp
    seed_feed(dhub)
    subscribe_confirmed(dhub, sink, "ada@example.org")
    sink.replies["ada@example.org"] = ["550 5.1.1 no such mailbox"]
    dhub.clock.at = SEND_AT  # type: ignore[attr-defined]
    assert dhub.run_digest("daily").delivery.bounced == 1  # type: ignore[union-attr]
    sign_in(client, dhub, "ada@example.org")
    page = client.get("/settings").text
    assert "bounced" in page
    assert 'action="/settings/subscription"' not in page
    assert _save(client, frequency="weekly") == 400
    assert dhub._digests.get_subscriber_by_email("ada@example.org").status == "bounced"  # type: ignore[union-attr]
