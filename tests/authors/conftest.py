"""Fixtures for author tests: a hub with one paper written by look-alike names, and signed-in clients."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from dailypapers.domain.models import FeedEntry, ImportRecord, Organization
from dailypapers.hub import Hub
from dailypapers.web.app import create_app
from tests.web import seed
from tests.web.auth_helpers import csrf_token, sign_in

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

PAPER = "2608.19880"
DAY = date(2026, 8, 20)
AUTHORS = ("Chengsong Huang", "Zifeng Wang", "Chen-Yu Lee")
CDN_AVATAR = "https://cdn-avatars.huggingface.co/v1/production/uploads/taesiri.png"
ORG_AVATAR = "https://cdn-avatars.huggingface.co/v1/production/uploads/google.png"


@pytest.fixture
def authored(hub: Hub) -> Hub:
    """The paper on the day's feed as an import of HF's file brings it (organization google with its CDN avatar, a
    submitter with a CDN avatar), papers by look-alike names, and a meta paper submitted by a member."""
    seed.store(
        hub,
        [
            seed.paper("2608.00002", authors=("C. Huang", "Ada Lovelace"), published=datetime(2026, 8, 1, tzinfo=UTC)),
            seed.paper("2608.00003", authors=("chengsong huang",), published=datetime(2026, 7, 1, tzinfo=UTC)),
            seed.paper("2608.00004", authors=("Chen Huang",)),
            seed.paper("2608.00005", authors=("Grace Hopper",)),
        ],
        [seed.entry("2608.00005", DAY, organization="meta")],
    )
    record = ImportRecord(
        seed.paper(PAPER, title="EnvHarness: Awakening Static Worlds", authors=AUTHORS, imported_upvotes=163),
        FeedEntry(
            PAPER,
            DAY,
            datetime(2026, 8, 20, 0, 0, tzinfo=UTC),
            submitted_by="taesiri",
            source="import",
            organization="google",
            submitter_avatar_url=CDN_AVATAR,
            upstream_synced_at=datetime(2026, 8, 21, 8, 0, tzinfo=UTC),
        ),
        Organization("google", "Google", ORG_AVATAR),
    )
    hub.search_engine.index_ids(hub.store.mirror_records([record]).papers.changed_ids)
    return hub


@pytest.fixture
def app(authored: Hub) -> FastAPI:
    return create_app(authored)


@pytest.fixture
def client_for(app: FastAPI, authored: Hub) -> Iterator[Callable[[str], TestClient]]:
    """A TestClient signed in as the account of an email (made when missing); `admin@…` accounts are admins."""
    clients: list[TestClient] = []

    def make(email: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        user = sign_in(client, authored, email)
        if email.startswith("admin@"):
            authored.store.set_admin(user.id, True)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def anon(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def post(client: TestClient, url: str, **fields: str) -> Any:  # the TestClient's response
    """A form POST carrying the client's CSRF token, as the page's form would."""
    return client.post(url, data={"csrf_token": csrf_token(client), **fields})
