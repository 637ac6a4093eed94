"""The upstream client against a fake HF API over real HTTP: paging, politeness, retries and what it gives up on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import pairwise

import orjson
import pytest

from dailypapers.adapters.upstream_http import PAGE_SIZE, UpstreamClient
from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.settings import Settings
from tests.fakes.arxiv_server import SleepLog, closed_port, sleep_log_fixture
from tests.fakes.hf_server import FakeHub, Scripted, hf_item, hf_server_fixture

__all__ = ["hf_server_fixture", "sleep_log_fixture"]

DAY = date(2026, 8, 20)


@pytest.fixture
def client(settings: Settings, sleep_log: SleepLog) -> Iterator[UpstreamClient]:
    polite = settings.with_overrides(upstream_min_interval_seconds=0.0, contact_email="ops@lab.example")
    with UpstreamClient(polite, sleep=sleep_log) as upstream:
        yield upstream


def test_follows_pages_until_a_short_one(client: UpstreamClient, hf_server: FakeHub) -> None:
    hf_server.days[DAY] = [hf_item(f"2608.{n:05d}", DAY) for n in range(250)]
    answer = client.daily(hf_server.base_url, DAY)
    assert [item["paper"]["id"] for item in answer.items] == [f"2608.{n:05d}" for n in range(250)]  # type: ignore[index]
    assert answer.pages == 3
    queries = [r.query for r in hf_server.received]
    assert queries == [{"date": "2026-08-20", "limit": str(PAGE_SIZE), "p": str(p)} for p in range(3)]


def test_a_full_last_page_costs_one_empty_page(client: UpstreamClient, hf_server: FakeHub) -> None:
    hf_server.days[DAY] = [hf_item(f"2608.{n:05d}", DAY) for n in range(PAGE_SIZE)]
    assert len(client.daily(hf_server.base_url, DAY).items) == PAGE_SIZE
    assert [r.query["p"] for r in hf_server.received] == ["0", "1"]


def test_user_agent_names_dailypapers_and_the_operator(client: UpstreamClient, hf_server: FakeHub) -> None:
    client.daily(hf_server.base_url, DAY)
    agent = hf_server.received[0].user_agent or ""
    assert agent.startswith("dailypapers/")
    assert "ops@lab.example" in agent


def test_a_500_is_retried_with_backoff(client: UpstreamClient, hf_server: FakeHub, sleep_log: SleepLog) -> None:
    hf_server.days[DAY] = [hf_item("2608.00001", DAY)]
    hf_server.script(Scripted(status=500, body=b"Internal Error"))
    assert len(client.daily(hf_server.base_url, DAY).items) == 1
    assert len(hf_server.received) == 2
    assert sleep_log.calls == [1.0]


def test_a_429_waits_the_retry_after_it_was_given(
    client: UpstreamClient, hf_server: FakeHub, sleep_log: SleepLog
) -> None:
    hf_server.days[DAY] = [hf_item("2608.00001", DAY)]
    hf_server.script(Scripted(status=429, headers={"Retry-After": "7"}, body=b'{"error":"Too Many Requests"}'))
    assert len(client.daily(hf_server.base_url, DAY).items) == 1
    assert sleep_log.calls == [7.0]


def test_a_long_retry_after_is_handed_to_the_caller(client: UpstreamClient, hf_server: FakeHub) -> None:
    hf_server.script(Scripted(status=429, headers={"Retry-After": "3600"}, body=b"{}"))
    with pytest.raises(SourceUnavailable) as caught:
        client.daily(hf_server.base_url, DAY)
    assert caught.value.retry_after == 3600.0
    assert len(hf_server.received) == 1


def test_an_upstream_that_keeps_failing_is_unavailable(
    client: UpstreamClient, hf_server: FakeHub, settings: Settings
) -> None:
    hf_server.script(*(Scripted(status=502, body=b"Bad Gateway") for _ in range(10)))
    with pytest.raises(SourceUnavailable, match="HTTP 502"):
        client.daily(hf_server.base_url, DAY)
    assert len(hf_server.received) == settings.upstream_max_retries + 1


def test_unreachable_upstream(client: UpstreamClient) -> None:
    with pytest.raises(SourceUnavailable, match="ConnectError"):
        client.daily(f"http://127.0.0.1:{closed_port()}", DAY)


def test_not_a_daily_papers_api(client: UpstreamClient, hf_server: FakeHub) -> None:
    with pytest.raises(SourceError, match="HTTP 404"):
        client.daily(hf_server.base_url + "/nothing-here", DAY)
    hf_server.script(*(Scripted(body=b'{"papers": []}') for _ in range(10)))
    with pytest.raises(SourceError, match="expected a JSON array"):
        client.daily(hf_server.base_url, DAY)


def test_a_server_ignoring_the_page_number_does_not_loop(client: UpstreamClient, hf_server: FakeHub) -> None:
    page = [hf_item(f"2608.{n:05d}", DAY) for n in range(PAGE_SIZE)]
    hf_server.script(*(Scripted(body=orjson.dumps(page)) for _ in range(5)))
    assert len(client.daily(hf_server.base_url, DAY).items) == PAGE_SIZE
    assert len(hf_server.received) == 2


def test_at_most_one_request_per_interval_per_upstream(settings: Settings, hf_server: FakeHub) -> None:
    hf_server.days[DAY] = [hf_item(f"2608.{n:05d}", DAY) for n in range(350)]
    with UpstreamClient(settings.with_overrides(upstream_min_interval_seconds=0.2)) as upstream:
        upstream.daily(hf_server.base_url, DAY)
    arrivals = [r.at for r in hf_server.received]
    assert len(arrivals) == 4
    # Measured where the requests arrive, so allow for scheduling jitter: the span, and no burst.
    assert arrivals[-1] - arrivals[0] >= 3 * 0.2 - 0.03
    assert min(b - a for a, b in pairwise(arrivals)) >= 0.1
