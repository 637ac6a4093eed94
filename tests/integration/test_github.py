"""The GitHub client against a fake GitHub on 127.0.0.1 (real HTTP, real JSON and headers), and the worker's
star refresh writing the snapshots trending reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.github import GitHubClient, normalize_repo
from dailypapers.domain.errors import InvalidInput, SourceError, SourceUnavailable
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from dailypapers.worker import Worker
from tests.fakes.arxiv_server import closed_port
from tests.fakes.github_server import (
    FakeGitHub,
    Scripted,
    github_server_fixture,  # noqa: F401 - pytest fixture `github_server`
    github_settings_fixture,  # noqa: F401 - pytest fixture `github_settings`
)
from tests.web import seed


class Clock:
    """Epoch seconds the client sees, movable by tests."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def epoch() -> Clock:
    return Clock()


@pytest.fixture
def github(github_settings: Settings, epoch: Clock) -> Iterator[GitHubClient]:
    client = GitHubClient(github_settings, clock=epoch)
    yield client
    client.close()


def test_stars_come_from_the_real_json_with_token_and_headers(github: GitHubClient, github_server: FakeGitHub) -> None:
    github_server.set_stars("Acme/Attn", 1234)
    result = github.repo_stars("acme/attn")
    assert result is not None
    assert (result.repo, result.stars, result.not_modified) == ("acme/attn", 1234, False)
    assert result.etag == github_server.etag_of("Acme/Attn")
    [request] = github_server.received
    assert request.path == "/repos/acme/attn"
    assert request.headers["authorization"] == "Bearer ghp_test_token"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["user-agent"].startswith("dailypapers/")
    assert github.remaining == 59


def test_no_token_no_authorization_header(settings: Settings, github_server: FakeGitHub) -> None:
    github_server.set_stars("acme/attn", 1)
    client = GitHubClient(settings.with_overrides(github_api_url=github_server.base_url))
    assert client.repo_stars("acme/attn") is not None
    assert "authorization" not in github_server.received[0].headers


def test_an_unchanged_repository_is_a_free_304_that_keeps_the_count(
    github: GitHubClient, github_server: FakeGitHub
) -> None:
    github_server.set_stars("acme/attn", 10)
    first = github.repo_stars("acme/attn")
    assert first is not None
    second = github.repo_stars("acme/attn", first.etag)
    assert second is not None
    assert (second.stars, second.not_modified, second.etag) == (None, True, first.etag)
    assert github_server.received[1].headers["if-none-match"] == first.etag
    assert github_server.remaining == 59  # conditional hits cost nothing
    github_server.set_stars("acme/attn", 11)
    third = github.repo_stars("acme/attn", first.etag)
    assert third is not None
    assert (third.stars, third.not_modified) == (11, False)


def test_missing_repository_is_none(github: GitHubClient, github_server: FakeGitHub) -> None:
    assert github.repo_stars("acme/gone") is None


def test_a_spent_budget_stops_requests_until_the_reset(
    github: GitHubClient, github_server: FakeGitHub, epoch: Clock
) -> None:
    github_server.set_stars("acme/attn", 5)
    github_server.remaining = 1
    assert github.repo_stars("acme/attn") is not None  # the last request of the window: remaining is now 0
    with pytest.raises(SourceUnavailable) as raised:
        github.repo_stars("acme/attn")
    assert len(github_server.received) == 1  # refused without asking GitHub
    assert raised.value.retry_after == pytest.approx(github_server.reset_at - epoch.t, abs=2)
    epoch.t = github_server.reset_at + 1
    github_server.remaining = 60
    assert github.repo_stars("acme/attn") is not None


def test_a_403_rate_limit_answer_pauses_until_the_reset(
    github: GitHubClient, github_server: FakeGitHub, epoch: Clock
) -> None:
    github_server.set_stars("acme/attn", 5)
    github_server.remaining = 0
    with pytest.raises(SourceUnavailable, match="403"):
        github.repo_stars("acme/attn")
    assert github.blocked_for == pytest.approx(github_server.reset_at - epoch.t, abs=2)
    with pytest.raises(SourceUnavailable):
        github.repo_stars("acme/other")
    assert len(github_server.received) == 1


def test_a_429_with_retry_after_pauses_that_long(github: GitHubClient, github_server: FakeGitHub, epoch: Clock) -> None:
    github_server.set_stars("acme/attn", 5)
    github_server.script(Scripted(429, {"Retry-After": "30"}, b'{"message": "secondary rate limit"}'))
    with pytest.raises(SourceUnavailable) as raised:
        github.repo_stars("acme/attn")
    assert raised.value.retry_after == pytest.approx(30)
    epoch.t += 31
    assert github.repo_stars("acme/attn") is not None


@pytest.mark.parametrize(
    "repo", ["https://gitlab.com/acme/attn", "https://github.com.evil.example/a/b", "acme", "../etc/passwd", "a/b/c"]
)
def test_refuses_anything_but_a_github_repository(github: GitHubClient, github_server: FakeGitHub, repo: str) -> None:
    with pytest.raises(InvalidInput):
        github.repo_stars(repo)
    assert github_server.received == []


def test_github_urls_are_accepted() -> None:
    assert normalize_repo("https://github.com/Acme/Attn.git") == "acme/attn"
    assert normalize_repo("github.com/acme/attn") == "acme/attn"


def test_a_renamed_repository_is_followed_on_the_api_host_only(github: GitHubClient, github_server: FakeGitHub) -> None:
    github_server.set_stars("acme/new-name", 77)
    github_server.renamed["acme/old-name"] = "acme/new-name"
    result = github.repo_stars("acme/old-name")
    assert result is not None
    assert (result.repo, result.stars) == ("acme/old-name", 77)
    github_server.script(Scripted(301, {"Location": "https://evil.example/steal"}))
    with pytest.raises(SourceError, match="another host"):
        github.repo_stars("acme/old-name")


def test_malformed_answers_and_outages(github: GitHubClient, github_server: FakeGitHub, settings: Settings) -> None:
    github_server.script(Scripted(200, {}, b"<html>not json</html>"))
    with pytest.raises(SourceError, match="stargazers_count"):
        github.repo_stars("acme/attn")
    github_server.script(Scripted(200, {}, b'{"stargazers_count": "many"}'))
    with pytest.raises(SourceError, match="not a count"):
        github.repo_stars("acme/attn")
    github_server.script(Scripted(502, {}, b"bad gateway"))
    with pytest.raises(SourceUnavailable):
        github.repo_stars("acme/attn")
    offline = GitHubClient(settings.with_overrides(github_api_url=f"http://127.0.0.1:{closed_port()}"))
    with pytest.raises(SourceUnavailable, match="unreachable"):
        offline.repo_stars("acme/attn")


# -- the worker's refresh ----------------------------------------------------------------------------------


@pytest.fixture
def stars_hub(github_settings: Settings, clock: FixedClock, epoch: Clock) -> Iterator[Hub]:
    hub = make_hub(github_settings, clock=clock, github=GitHubClient(github_settings, clock=epoch))
    today = clock.now().date()
    seed.store(
        hub,
        [
            seed.paper("2608.00001", github_repo="https://github.com/acme/attn"),
            seed.paper("2608.00002", github_repo="https://github.com/acme/gone"),
            seed.paper("2608.00003", github_repo="https://github.com/acme/attn/"),  # the same repository
            seed.paper("2608.00004", github_repo="https://gitlab.com/acme/x"),  # not GitHub: never fetched
            seed.paper("2607.00005", github_repo="https://github.com/acme/old"),
        ],
        [
            seed.entry("2608.00001", today),
            seed.entry("2608.00002", today, minute=1),
            seed.entry("2608.00003", today, minute=2),
            seed.entry("2608.00004", today, minute=3),
            seed.entry("2607.00005", today - timedelta(days=60)),  # too old to matter for trending
        ],
    )
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_worker_refreshes_stale_repositories_and_snapshots_daily(
    stars_hub: Hub, github_server: FakeGitHub, clock: FixedClock
) -> None:
    github_server.set_stars("acme/attn", 100)
    github_server.set_stars("acme/old", 5)
    worker = Worker(stars_hub)
    report = worker.refresh_stars()
    assert report is not None
    assert (report.refreshed, report.missing, report.failed) == (1, 1, 0)
    assert sorted(r.path for r in github_server.received) == ["/repos/acme/attn", "/repos/acme/gone"]
    assert stars_hub.store.star_snapshots("acme/attn") == [(clock.now().date(), 100)]

    assert worker.refresh_stars() is None  # not due again within STARS_EVERY
    clock.at += timedelta(hours=1)
    report = worker.refresh_stars()
    assert report is not None
    assert report.refreshed == report.not_modified == 0

    github_server.set_stars("acme/attn", 160)
    clock.at += timedelta(hours=stars_hub.settings.github_refresh_hours)
    report = worker.refresh_stars()
    assert report is not None
    assert report.refreshed == 1
    day1, day2 = clock.now().date() - timedelta(days=1), clock.now().date()
    assert stars_hub.store.star_snapshots("acme/attn") == [(day1, 100), (day2, 160)]

    clock.at += timedelta(hours=stars_hub.settings.github_refresh_hours)
    report = worker.refresh_stars()
    assert report is not None
    assert report.not_modified == 1
    assert stars_hub.store.star_snapshots("acme/attn")[-1] == (clock.now().date(), 160)


def test_a_rate_limited_round_stops_early_and_the_worker_survives(
    stars_hub: Hub, github_server: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    github_server.set_stars("acme/attn", 100)
    github_server.remaining = 0
    report = Worker(stars_hub).refresh_stars()
    assert report is not None
    assert report.paused_for is not None
    assert report.paused_for > 0
    assert len(github_server.received) == 1  # the second repository was not asked for
    assert "Traceback" not in caplog.text


def test_tick_runs_the_star_refresh(stars_hub: Hub, github_server: FakeGitHub) -> None:
    github_server.set_stars("acme/attn", 3)
    stars_hub.settings = stars_hub.settings.with_overrides(harvest_interval_minutes=0)  # the star job alone
    Worker(stars_hub).tick()
    assert stars_hub.store.star_snapshots("acme/attn")
