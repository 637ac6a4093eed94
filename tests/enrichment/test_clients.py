"""The enrichment's HTTP clients against the fake services: retries and backoff, limits, what each error means."""

from __future__ import annotations

import orjson
import pytest

from dailypapers.adapters.hub_links_http import HubLinksClient
from dailypapers.adapters.llm_http import ChatClient
from dailypapers.adapters.pdf_http import ArxivPdfClient
from dailypapers.domain.enrichment import HubRepo, Unusable
from dailypapers.domain.errors import SourceError, SourceUnavailable
from dailypapers.settings import Settings
from tests.fakes.enrich_server import CHAT_PATH, FakeServices, Scripted, hub_model, hub_space, make_pdf

MESSAGES = [{"role": "user", "content": "Summarise."}]


def test_chat_sends_model_messages_and_key_and_reads_the_answering_model(
    enrich_settings: Settings, services: FakeServices
) -> None:
    services.chat_model = "llama3.2:3b-instruct-q4"
    with ChatClient(enrich_settings, sleep=lambda _s: None) as chat:
        text, model = chat.complete(MESSAGES)
    assert "one sentence" in text
    assert model == "llama3.2:3b-instruct-q4"
    request = services.requests_to(CHAT_PATH)[0]
    body = orjson.loads(request.body)
    assert (body["model"], body["messages"], body["stream"]) == ("fake-llm-7b", MESSAGES, False)
    assert request.headers["authorization"] == "Bearer sk-test"


def test_chat_retries_429_and_5xx_with_backoff_honouring_retry_after(
    enrich_settings: Settings, services: FakeServices
) -> None:
    services.script(
        Scripted(CHAT_PATH, 500, b'{"error": "overloaded"}'),
        Scripted(CHAT_PATH, 429, b"{}", {"Retry-After": "7"}),
    )
    sleeps: list[float] = []
    with ChatClient(enrich_settings, sleep=sleeps.append) as chat:
        assert chat.complete(MESSAGES)[0]
    assert sleeps == [2.0, 7.0]
    assert len(services.requests_to(CHAT_PATH)) == 3


def test_a_chat_endpoint_that_keeps_failing_is_unavailable_and_a_4xx_is_an_error(
    enrich_settings: Settings, services: FakeServices
) -> None:
    services.script(*[Scripted(CHAT_PATH, 500, b"{}") for _ in range(4)])
    with ChatClient(enrich_settings, sleep=lambda _s: None) as chat:
        with pytest.raises(SourceUnavailable, match="after 4 attempts: HTTP 500"):
            chat.complete(MESSAGES)
        services.script(Scripted(CHAT_PATH, 404, b'{"error": {"message": "model \'x\' not found"}}'))
        with pytest.raises(SourceError, match="HTTP 404: model 'x' not found"):
            chat.complete(MESSAGES)
        services.script(Scripted(CHAT_PATH, 200, b"<html>proxy</html>"))
        with pytest.raises(SourceError, match="not a chat completion"):
            chat.complete(MESSAGES)


def test_chat_requests_are_spaced_by_the_rate_limit(enrich_settings: Settings, services: FakeServices) -> None:
    sleeps: list[float] = []
    with ChatClient(enrich_settings.with_overrides(llm_requests_per_minute=30.0), sleep=sleeps.append) as chat:
        chat.complete(MESSAGES)
        chat.complete(MESSAGES)
    assert len(sleeps) == 1
    assert 1.5 < sleeps[0] <= 2.0


def test_pdfs_come_with_the_user_agent_and_are_checked(enrich_settings: Settings, services: FakeServices) -> None:
    services.pdfs["2608.16590"] = make_pdf()
    services.pdfs["2608.00001"] = b"<html><body>PDF being generated</body></html>"
    settings = enrich_settings.with_overrides(contact_email="ops@example.org")
    with ArxivPdfClient(settings, sleep=lambda _s: None) as pdfs:
        assert pdfs.pdf("2608.16590").startswith(b"%PDF-")
        with pytest.raises(SourceError, match="not a PDF"):
            pdfs.pdf("2608.00001")
        with pytest.raises(SourceError, match=r"no PDF of 2608\.99999 \(HTTP 404\)"):
            pdfs.pdf("2608.99999")
    agent = services.requests_to("/pdf/")[0].headers["user-agent"]
    assert agent.startswith("dailypapers/")
    assert "mailto:ops@example.org" in agent


def test_too_big_slow_and_refused_pdfs(enrich_settings: Settings, services: FakeServices) -> None:
    services.pdfs["2608.16590"] = make_pdf(pages=3)
    size = len(services.pdfs["2608.16590"])
    small = enrich_settings.with_overrides(thumbnail_max_bytes=size - 1)
    with ArxivPdfClient(small, sleep=lambda _s: None) as pdfs:
        with pytest.raises(Unusable, match="limit"):
            pdfs.pdf("2608.16590")  # Content-Length says so before the body is read
        big = b"%PDF-1.4\n" + b"0" * size
        services.script(Scripted("/pdf/", 200, big, {"Content-Type": "application/pdf", "Content-Length": ""}))
        with pytest.raises(Unusable, match="over"):
            pdfs.pdf("2608.16590")  # no length given: counted while streaming
    slow = enrich_settings.with_overrides(thumbnail_timeout_seconds=0.3)
    with ArxivPdfClient(slow, sleep=lambda _s: None) as pdfs:
        services.script(Scripted("/pdf/", 200, make_pdf(), {"Content-Type": "application/pdf"}, delay=1.0))
        with pytest.raises(SourceError, match="in time"):
            pdfs.pdf("2608.16590")
        services.script(Scripted("/pdf/", 503, b"", {"Retry-After": "120"}))
        with pytest.raises(SourceUnavailable) as refused:
            pdfs.pdf("2608.16590")
    assert refused.value.retry_after == 120.0


def test_hub_listings_keep_the_most_liked_and_count_every_page(
    enrich_settings: Settings, services: FakeServices
) -> None:
    services.hub[("models", "2608.16590")] = [hub_model(f"org/m{n}", likes=n, downloads=5) for n in range(60)]
    services.hub[("spaces", "2608.16590")] = [hub_space("org/demo", likes=4, emoji="🦙")]
    services.hub_page_size = 25
    with HubLinksClient(enrich_settings, sleep=lambda _s: None) as hub:
        links = hub.links("2608.16590")
    assert (links.num_models, links.num_datasets, links.num_spaces) == (60, 0, 1)
    assert [m.likes for m in links.models] == list(range(59, 35, -1))  # the 24 most liked
    assert links.models[0] == HubRepo("org/m59", likes=59, downloads=5, pipeline_tag="text-generation")
    assert links.spaces == (
        HubRepo("org/demo", likes=4, sdk="gradio", emoji="🦙", running=True, short_description="Demo of org/demo"),
    )
    model_requests = services.requests_to("/hub/api/models")
    assert len(model_requests) == 3  # 25 + 25 + 10, following the Link header
    assert model_requests[0].query == {
        "filter": "arxiv:2608.16590",
        "sort": "likes",
        "direction": "-1",
        "limit": "1000",
    }


def test_a_hub_that_keeps_failing_is_unavailable(enrich_settings: Settings, services: FakeServices) -> None:
    services.script(*[Scripted("/hub/api/models", 502, b"bad gateway") for _ in range(5)])
    sleeps: list[float] = []
    with HubLinksClient(enrich_settings, sleep=sleeps.append) as hub, pytest.raises(SourceUnavailable):
        hub.links("2608.16590")
    assert sleeps == [2.0, 4.0, 8.0, 16.0]
