"""Web test fixtures: an in-process client for an app over the per-test hub."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from dailypapers.hub import Hub
from dailypapers.web.app import create_app

with warnings.catch_warnings():
    # Starlette 1.x nudges towards httpx2 for its TestClient; httpx works and is what the project pins.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub), follow_redirects=False) as test_client:
        yield test_client
