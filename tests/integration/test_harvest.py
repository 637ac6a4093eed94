"""Hub.harvest end to end over the fake arXiv: pages stored, state saved per page, resumes and restarts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from dailypapers.adapters.arxiv import ArxivClient
from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.domain.models import Paper
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.conftest import NOW
from tests.fakes.arxiv_server import (
    FakeArxiv,
    Scripted,
    SleepLog,
    arxiv_server_fixture,  # noqa: F401 - pytest fixture `arxiv_server`
    arxiv_settings_fixture,  # noqa: F401 - pytest fixture `arxiv_settings`
    closed_port,
    paper_record,
    sleep_log_fixture,  # noqa: F401 - pytest fixture `sleep_log`
)

TOKEN_KEY, FROM_KEY = "oai:cs:resumption_token", "oai:cs:from"
FIRST_FROM = (NOW - timedelta(days=3)).date().isoformat()  # harvest_initial_days back from the fixed clock
IDS = [f"2608.0000{n}" for n in range(1, 6)]  # five records: pages of 2, 2 and 1


def _is_continuation(query: dict[str, str]) -> bool:
    return "resumptionToken" in query


HubFactory = Callable[..., Hub]


@pytest.fixture
def make_harvest_hub(arxiv_settings: Settings, clock: FixedClock, sleep_log: SleepLog) -> Iterator[HubFactory]:
    hubs: list[Hub] = []

    def factory(**overrides: object) -> Hub:
        settings = arxiv_settings.with_overrides(**overrides)
        hubs.append(make_hub(settings, arxiv=ArxivClient(settings, sleep=sleep_log), clock=clock))
        return hubs[-1]

    yield factory
    for hub in hubs:
        hub.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def harvest_hub(make_harvest_hub: HubFactory) -> Hub:
    return make_harvest_hub()


@pytest.fixture
def five_records(arxiv_server: FakeArxiv) -> FakeArxiv:
    arxiv_server.add_records(*(paper_record(i) for i in IDS))
    return arxiv_server


def test_harvest_stores_every_page_and_remembers_where_it_got(harvest_hub: Hub, five_records: FakeArxiv) -> None:
    report = harvest_hub.harvest()

    assert (report.inserted, report.updated, report.skipped, report.rejected) == (5, 0, 0, [])
    assert harvest_hub.store.count_papers() == 5
    paper = harvest_hub.paper("2608.00003")
    assert paper.title == "A Study of Things (2608.00003)"
    queries = five_records.oai_queries()
    assert len(queries) == 3
    assert queries[0] == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": FIRST_FROM}
    assert harvest_hub.store.get_state(TOKEN_KEY) is None
    assert harvest_hub.store.get_state(FROM_KEY) == NOW.date().isoformat()


def test_a_killed_harvest_resumes_from_the_saved_token(harvest_hub: Hub, five_records: FakeArxiv) -> None:
    five_records.script(Scripted(status=500, body=b"worker killed here", when=_is_continuation))
    with pytest.raises(SourceError):
        harvest_hub.harvest()
    first_page_token = five_records.oai_queries()[1]["resumptionToken"]
    assert harvest_hub.store.get_state(TOKEN_KEY) == first_page_token  # saved right after page 1
    assert harvest_hub.store.count_papers() == 2
    assert harvest_hub.store.get_state(FROM_KEY) is None  # not finished: the next run must not move `from`
    already = len(five_records.received)

    report = harvest_hub.harvest()

    resumed = [r.query for r in five_records.received[already:]]
    assert resumed[0] == {"verb": "ListRecords", "resumptionToken": first_page_token}
    assert not any("metadataPrefix" in q for q in resumed)  # page 1 was not fetched again
    assert report.inserted == 3
    assert harvest_hub.store.count_papers() == 5
    assert harvest_hub.store.get_state(TOKEN_KEY) is None


def test_the_next_run_is_incremental_from_the_saved_date(
    harvest_hub: Hub, five_records: FakeArxiv, clock: FixedClock
) -> None:
    harvest_hub.harvest()
    clock.at = NOW + timedelta(days=2)
    five_records.add_records(paper_record("2608.00006", datestamp="2026-08-22"))
    already = len(five_records.received)

    report = harvest_hub.harvest()

    assert five_records.received[already].query["from"] == NOW.date().isoformat()
    assert (report.inserted, report.skipped) == (1, 0)
    assert harvest_hub.store.get_state(FROM_KEY) == clock.at.date().isoformat()


def test_nothing_new_is_an_ordinary_empty_run(harvest_hub: Hub, arxiv_server: FakeArxiv) -> None:
    report = harvest_hub.harvest()
    assert report.seen == 0
    assert harvest_hub.store.get_state(FROM_KEY) == NOW.date().isoformat()


def test_an_expired_token_restarts_the_list_from_the_from_date(harvest_hub: Hub, five_records: FakeArxiv) -> None:
    five_records.script(Scripted(status=500, body=b"crash", when=_is_continuation))
    with pytest.raises(SourceError):
        harvest_hub.harvest()
    five_records.expire_tokens()  # the harvest stayed down longer than the token lives
    already = len(five_records.received)

    harvest_hub.harvest()

    restarted = [r.query for r in five_records.received[already:]]
    assert "resumptionToken" in restarted[0]  # tried the saved token first, got badResumptionToken
    assert restarted[1] == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": FIRST_FROM}
    assert harvest_hub.store.count_papers() == 5
    assert harvest_hub.store.get_state(TOKEN_KEY) is None


def test_duplicates_within_and_between_pages_keep_one_paper(harvest_hub: Hub, arxiv_server: FakeArxiv) -> None:
    arxiv_server.add_records(
        paper_record("2608.00001", title="Old title"),
        paper_record("2608.00001", title="Old title"),  # the same record twice on page 1
        paper_record("2608.00002"),
        paper_record("2608.00001", title="Revised title", updated="2026-08-20"),  # again on page 2, newer
    )
    report = harvest_hub.harvest()

    assert harvest_hub.store.count_papers() == 2
    assert (report.inserted, report.updated, report.skipped) == (2, 1, 1)
    assert harvest_hub.paper("2608.00001").title == "Revised title"


def test_broken_records_are_reported_and_the_rest_stored(harvest_hub: Hub, arxiv_server: FakeArxiv) -> None:
    arxiv_server.add_records(paper_record("2608.00001"), paper_record("2608.00002", abstract=""))
    report = harvest_hub.harvest()
    assert report.inserted == 1
    assert [identifier for identifier, _ in report.rejected] == ["oai:arXiv.org:2608.00002"]


def test_new_papers_in_auto_submit_categories_join_todays_feed(
    make_harvest_hub: HubFactory, arxiv_server: FakeArxiv
) -> None:
    hub = make_harvest_hub(auto_submit_categories="cs.CL")
    known = Paper("2608.00004", "Known", "Already here.", ("A. Author",), NOW, categories=("cs.CL",))
    hub.store.upsert_papers([known])
    arxiv_server.add_records(
        paper_record("2608.00001", categories=["cs.CL"]),
        paper_record("2608.00002", categories=["cs.LG", "cs.CL"]),  # cross-listed counts too
        paper_record("2608.00003", categories=["cs.CV"]),
        paper_record("2608.00004", categories=["cs.CL"], title="Known, revised", updated="2026-08-20"),
    )
    hub.harvest()

    on_feed = {i: hub.feed_entry(i) for i in ("2608.00001", "2608.00002", "2608.00003", "2608.00004")}
    assert {i for i, entry in on_feed.items() if entry} == {"2608.00001", "2608.00002"}
    entry = on_feed["2608.00001"]
    assert entry is not None
    assert (entry.feed_date, entry.source, entry.submitted_by) == (NOW.date(), "auto", None)


def test_an_unreachable_arxiv_leaves_the_harvest_state_alone(make_harvest_hub: HubFactory) -> None:
    hub = make_harvest_hub(arxiv_oai_url=f"http://127.0.0.1:{closed_port()}/oai", arxiv_max_retries=1)
    with pytest.raises(SourceUnavailable, match=r"127\.0\.0\.1"):
        hub.harvest()
    assert hub.store.get_state(FROM_KEY) is None
    assert hub.store.get_state(TOKEN_KEY) is None
