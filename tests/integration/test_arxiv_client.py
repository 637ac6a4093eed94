"""ArxivClient against the fake arXiv over real HTTP: formats, retries, politeness and the fetch use case."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from dailypapers.adapters.arxiv import ArxivClient
from dailypapers.adapters.arxiv_http import Throttle, parse_retry_after
from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.errors import BadResumptionToken, PaperNotFound, SourceError, SourceUnavailable
from dailypapers.domain.models import Paper
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.fakes.arxiv_server import (
    API_PATH,
    OAI_PATH,
    FakeArxiv,
    Scripted,
    SleepLog,
    arxiv_server_fixture,  # noqa: F401 - pytest fixture `arxiv_server`
    arxiv_settings_fixture,  # noqa: F401 - pytest fixture `arxiv_settings`
    closed_port,
    oai_error,
    paper_record,
    sleep_log_fixture,  # noqa: F401 - pytest fixture `sleep_log`
)

FROM = date(2026, 8, 18)


@pytest.fixture
def client(arxiv_settings: Settings, sleep_log: SleepLog) -> Iterator[ArxivClient]:
    with ArxivClient(arxiv_settings, sleep=sleep_log) as client:
        yield client


def _harvest_all(client: ArxivClient) -> list[Paper]:
    papers: list[Paper] = []
    page = client.list_records("cs", FROM, None)
    papers.extend(page.papers)
    while page.resumption_token:
        page = client.list_records("cs", None, page.resumption_token)
        papers.extend(page.papers)
    return papers


# -- OAI-PMH format ------------------------------------------------------------------------------------------


def test_multi_page_harvest_parses_every_record(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.add_records(*(paper_record(f"2608.0000{n}") for n in range(1, 5)))
    arxiv_server.add_records(
        paper_record(
            "2608.00005",
            categories=["cs.CV", "cs.AI", "cs.LG"],
            updated="2026-08-20",
            comments="10 pages.\n Code: https://github.com/acme/vision-kit.",
            journal_ref="NeurIPS 2026",
            doi="10.1000/xyz",
        )
    )

    first = client.list_records("cs", FROM, None)
    assert first.complete_list_size == 5
    assert first.resumption_token
    papers = [*first.papers, *_harvest_all(client)[2:]]

    assert [p.arxiv_id for p in papers] == [f"2608.0000{n}" for n in range(1, 6)]
    queries = arxiv_server.oai_queries()
    assert queries[0] == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs", "from": "2026-08-18"}
    # A continuation sends the token alone, as OAI-PMH requires.
    assert all(set(q) == {"verb", "resumptionToken"} for q in queries[-2:])
    plain, full = papers[0], papers[4]
    assert plain.title == "A Study of Things (2608.00001)"
    assert plain.abstract == "We study things. The things of 2608.00001 are studied."
    assert plain.authors == ("Ada Lovelace", "Alan M. Turing Jr")
    assert plain.published == datetime(2026, 8, 19, tzinfo=UTC)
    assert (plain.version, plain.updated, plain.github_repo, plain.doi) == (0, None, None, None)
    assert plain.license == "http://creativecommons.org/licenses/by/4.0/"
    assert full.categories == ("cs.CV", "cs.AI", "cs.LG")
    assert full.updated == datetime(2026, 8, 20, tzinfo=UTC)
    assert full.comment == "10 pages. Code: https://github.com/acme/vision-kit."
    assert full.github_repo == "https://github.com/acme/vision-kit"
    assert (full.journal_ref, full.doi) == ("NeurIPS 2026", "10.1000/xyz")


def test_deleted_records_are_skipped_and_broken_ones_rejected(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.page_size = 10
    arxiv_server.add_records(
        paper_record("2608.00001"),
        paper_record("2608.00002", deleted=True),
        paper_record("2608.00003", title="  "),
        paper_record("2608.00004", created="yesterday"),
        paper_record("not-an-id"),
        paper_record("hep-th/9901001", categories=["hep-th"], sets=["cs"]),
    )
    page = client.list_records("cs", FROM, None)
    assert [p.arxiv_id for p in page.papers] == ["2608.00001", "hep-th/9901001"]
    assert page.resumption_token is None
    rejected = dict(page.rejected)
    assert set(rejected) == {"oai:arXiv.org:2608.00003", "oai:arXiv.org:2608.00004", "oai:arXiv.org:not-an-id"}
    assert "title" in rejected["oai:arXiv.org:2608.00003"]
    assert "created" in rejected["oai:arXiv.org:2608.00004"]


def test_no_records_match_is_an_empty_last_page(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    page = client.list_records("cs", FROM, None)
    assert page.papers == ()
    assert page.resumption_token is None


def test_expired_token_raises_bad_resumption_token(client: ArxivClient) -> None:
    with pytest.raises(BadResumptionToken, match="expired"):
        client.list_records("cs", None, "6960524|1001")


def test_other_oai_errors_are_source_errors(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.script(Scripted(body=oai_error({}, "badArgument", "Illegal argument foo")))
    with pytest.raises(SourceError, match="badArgument: Illegal argument foo") as caught:
        client.list_records("cs", FROM, None)
    assert not isinstance(caught.value, (BadResumptionToken, SourceUnavailable))


# -- retries -------------------------------------------------------------------------------------------------


def test_503_with_retry_after_is_waited_out(client: ArxivClient, arxiv_server: FakeArxiv, sleep_log: SleepLog) -> None:
    arxiv_server.add_records(paper_record("2608.00001"))
    arxiv_server.script(Scripted(status=503, headers={"Retry-After": "7"}, path=OAI_PATH))
    page = client.list_records("cs", FROM, None)
    assert [p.arxiv_id for p in page.papers] == ["2608.00001"]
    assert len(arxiv_server.oai_queries()) == 2
    assert max(sleep_log.calls, default=0) >= 7


def test_503_that_never_ends_becomes_source_unavailable(
    client: ArxivClient, arxiv_server: FakeArxiv, sleep_log: SleepLog
) -> None:
    arxiv_server.script(*(Scripted(status=503, headers={"Retry-After": "2"}) for _ in range(10)))
    with pytest.raises(SourceUnavailable, match="unavailable after 4 attempts: HTTP 503") as caught:
        client.list_records("cs", FROM, None)
    assert caught.value.retry_after == 2
    assert len(arxiv_server.received) == 4  # arxiv_max_retries=3 retries after the first try
    assert sleep_log.calls == [2, 2, 2]


def test_retry_after_beyond_the_cap_is_handed_to_the_caller(
    client: ArxivClient, arxiv_server: FakeArxiv, sleep_log: SleepLog
) -> None:
    arxiv_server.script(Scripted(status=503, headers={"Retry-After": "3600"}))
    with pytest.raises(SourceUnavailable) as caught:
        client.list_records("cs", FROM, None)
    assert caught.value.retry_after == 3600
    assert (len(arxiv_server.received), sleep_log.calls) == (1, [])


@pytest.mark.parametrize("corruption", [Scripted(truncate=True), Scripted(drop=True)], ids=["truncated", "dropped"])
def test_a_cut_off_page_is_fetched_again(
    client: ArxivClient, arxiv_server: FakeArxiv, sleep_log: SleepLog, corruption: Scripted
) -> None:
    arxiv_server.add_records(paper_record("2608.00001"), paper_record("2608.00002"))
    arxiv_server.script(corruption)
    page = client.list_records("cs", FROM, None)
    assert len(page.papers) == 2
    first, second = arxiv_server.oai_queries()
    assert first == second
    assert len(sleep_log.calls) == 1


def test_pages_that_stay_malformed_raise_a_clear_source_error(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.add_records(paper_record("2608.00001"))
    arxiv_server.script(*(Scripted(truncate=True) for _ in range(4)))
    with pytest.raises(SourceError, match="malformed responses \\(4 attempts\\)") as caught:
        client.list_records("cs", FROM, None)
    assert not isinstance(caught.value, SourceUnavailable)


def test_an_html_error_page_counts_as_malformed(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.add_records(paper_record("2608.00001"))
    arxiv_server.script(Scripted(body=b"<html><body>Service busy</body></html>"))
    assert len(client.list_records("cs", FROM, None).papers) == 1


def test_other_http_errors_are_not_retried(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.script(Scripted(status=500, body=b"oops"))
    with pytest.raises(SourceError, match="HTTP 500") as caught:
        client.list_records("cs", FROM, None)
    assert not isinstance(caught.value, SourceUnavailable)
    assert len(arxiv_server.received) == 1


def test_unreachable_arxiv_fails_fast_with_one_line(settings: Settings, sleep_log: SleepLog) -> None:
    offline = settings.with_overrides(arxiv_oai_url=f"http://127.0.0.1:{closed_port()}/oai", arxiv_max_retries=2)
    started = time.monotonic()
    with ArxivClient(offline, sleep=sleep_log) as client, pytest.raises(SourceUnavailable) as caught:
        client.list_records("cs", FROM, None)
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "127.0.0.1" in message
    assert "3 attempts" in message
    assert "\n" not in message
    assert sleep_log.calls == [1.0, 2.0]  # exponential backoff, injected so the test does not wait


def test_a_hung_server_times_out_and_is_retried(arxiv_settings: Settings, arxiv_server: FakeArxiv) -> None:
    arxiv_server.script(Scripted(delay=1.0), Scripted(delay=1.0))
    impatient = arxiv_settings.with_overrides(http_timeout_seconds=0.2, arxiv_max_retries=1)
    with ArxivClient(impatient, sleep=SleepLog()) as client, pytest.raises(SourceUnavailable, match=r"within 0\.2 s"):
        client.list_records("cs", FROM, None)


# -- politeness ----------------------------------------------------------------------------------------------


def test_requests_are_spaced_by_the_minimum_interval(arxiv_settings: Settings, arxiv_server: FakeArxiv) -> None:
    polite = arxiv_settings.with_overrides(arxiv_min_interval_seconds=0.2)
    with ArxivClient(polite) as client:  # the real sleep: this measures behaviour, server-side
        for _ in range(3):
            client.fetch("2608.00001")
    arrivals = [r.at for r in arxiv_server.received]
    assert len(arrivals) == 3
    assert all(later - earlier >= 0.18 for earlier, later in itertools.pairwise(arrivals))


def test_throttle_hands_out_consecutive_slots() -> None:
    waits = SleepLog()
    throttle = Throttle(3.0, sleep=waits, monotonic=lambda: 100.0)
    for _ in range(3):
        throttle.wait()
    assert waits.calls == [3.0, 6.0]  # the first goes at once; each caller reserves the next free slot


def test_user_agent_names_the_operator(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    client.fetch("2608.00001")
    assert arxiv_server.received[0].user_agent == "dailypapers/0.1.0 (+mailto:ops@example.org)"


def test_retry_after_accepts_http_dates() -> None:
    now = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
    assert parse_retry_after("Fri, 21 Aug 2026 12:00:30 GMT", now) == 30
    assert parse_retry_after("120") == 120
    assert parse_retry_after("soon") is None


# -- the query API -------------------------------------------------------------------------------------------


def test_fetch_parses_the_atom_entry(client: ArxivClient, arxiv_server: FakeArxiv) -> None:
    arxiv_server.set_api_paper(
        paper_record(
            "2405.15738",
            version=2,
            categories=["cs.CV", "cs.AI"],
            published="2024-05-24T17:59:59Z",
            atom_updated="2024-06-01T10:00:00Z",
            abstract="We present ConvLLaVA.\n  Code at https://github.com/alibaba/conv-llava.git.",
            comments="17 pages",
            doi="10.1000/conv",
            journal_ref="ICLR 2025",
        )
    )
    paper = client.fetch("2405.15738")
    assert paper is not None
    assert (paper.arxiv_id, paper.version) == ("2405.15738", 2)
    assert paper.categories == ("cs.CV", "cs.AI")
    assert paper.published == datetime(2024, 5, 24, 17, 59, 59, tzinfo=UTC)
    assert paper.updated == datetime(2024, 6, 1, 10, tzinfo=UTC)
    assert paper.abstract == "We present ConvLLaVA. Code at https://github.com/alibaba/conv-llava.git."
    assert paper.github_repo == "https://github.com/alibaba/conv-llava"
    assert (paper.comment, paper.doi, paper.journal_ref) == ("17 pages", "10.1000/conv", "ICLR 2025")
    assert paper.authors == ("Ada Lovelace", "Alan M. Turing Jr")
    assert arxiv_server.received[0].path == API_PATH
    assert arxiv_server.received[0].query["id_list"] == "2405.15738"


def test_fetch_of_an_unknown_id_is_none(client: ArxivClient) -> None:
    assert client.fetch("2608.99999") is None  # empty feed, totalResults 0
    assert client.fetch("1234") is None  # the API's error entry


@pytest.fixture
def api_hub(arxiv_settings: Settings, clock: FixedClock, sleep_log: SleepLog) -> Iterator[Hub]:
    hub = make_hub(arxiv_settings, arxiv=ArxivClient(arxiv_settings, sleep=sleep_log), clock=clock)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


def test_fetching_a_new_version_updates_the_stored_paper(api_hub: Hub, arxiv_server: FakeArxiv) -> None:
    arxiv_server.set_api_paper(paper_record("2405.15738", title="ConvLLaVA v1", version=1))
    assert api_hub.fetch_paper("2405.15738").version == 1
    arxiv_server.set_api_paper(
        paper_record("2405.15738", title="ConvLLaVA:\n  v2", version=2, atom_updated="2026-08-20T09:00:00Z")
    )
    api_hub.fetch_paper("arXiv:2405.15738")
    stored = api_hub.store.get_paper("2405.15738")
    assert stored is not None
    assert (stored.version, stored.title) == (2, "ConvLLaVA: v2")
    assert stored.updated == datetime(2026, 8, 20, 9, tzinfo=UTC)


def test_fetching_an_id_arxiv_does_not_know_is_paper_not_found(api_hub: Hub) -> None:
    with pytest.raises(PaperNotFound):
        api_hub.fetch_paper("2608.99999")
