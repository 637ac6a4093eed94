"""`dailypapers enrich` as an operator runs it (settings from the environment, the real clients against the fake
services), and the worker's enrichment round under its lease."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from dailypapers.cli import app
from dailypapers.hub import Hub
from dailypapers.worker import ENRICH_LEASE, Worker
from tests.enrichment.conftest import PAPER_ID
from tests.fakes.enrich_server import CHAT_PATH, FakeServices, Scripted

runner = CliRunner()


def environment(services: FakeServices, **extra: str) -> dict[str, str]:
    return {
        "DAILYPAPERS_UPSTREAMS": "",
        "DAILYPAPERS_EMBEDDER": "none",
        "DAILYPAPERS_LLM_URL": services.chat_url,
        "DAILYPAPERS_LLM_MODEL": "fake-llm-7b",
        "DAILYPAPERS_LLM_REQUESTS_PER_MINUTE": "0",
        "DAILYPAPERS_ARXIV_PDF_URL": services.pdf_url,
        "DAILYPAPERS_ARXIV_MIN_INTERVAL_SECONDS": "0",
        "DAILYPAPERS_HF_HUB_URL": services.hub_url,
        "DAILYPAPERS_UPSTREAM_MIN_INTERVAL_SECONDS": "0",
        **extra,
    }


def test_enrich_an_id_with_the_three_services(seeded: Hub, services: FakeServices, database_url: str) -> None:
    result = runner.invoke(app, ["--db", database_url, "enrich", PAPER_ID, "--no-progress"], env=environment(services))
    assert result.exit_code == 0, result.output
    assert "enriched: 1 summary, 1 keywords, 1 thumbnail, 1 hub_links; 0 kept as they were; 0 failed" in result.output
    paper = seeded.paper(PAPER_ID)
    assert paper.ai_summary_model == "fake-llm-7b"
    assert seeded.enrichment.thumbnail_image(PAPER_ID) is not None


def test_an_llm_500_fails_the_command_but_keeps_the_rest(
    seeded: Hub, services: FakeServices, database_url: str
) -> None:
    services.script(Scripted(CHAT_PATH, 500, b'{"error": "boom"}'))
    env = environment(services, DAILYPAPERS_LLM_MAX_RETRIES="0")
    result = runner.invoke(app, ["--db", database_url, "enrich", PAPER_ID, "--no-progress"], env=env)
    assert result.exit_code == 1
    assert "stopped summary: chat endpoint 127.0.0.1 is unavailable after 1 attempt: HTTP 500" in result.output
    assert "0 summary, 1 keywords, 1 thumbnail, 1 hub_links" in result.output
    assert seeded.paper(PAPER_ID).keywords


def test_unknown_ids_and_everything_off_are_clear_errors(
    seeded: Hub, services: FakeServices, database_url: str
) -> None:
    result = runner.invoke(app, ["--db", database_url, "enrich", "2608.99999"], env=environment(services))
    assert result.exit_code == 1
    assert "paper 2608.99999 is not in this hub" in result.output
    off = environment(
        services,
        DAILYPAPERS_ENRICH_SUMMARIES="0",
        DAILYPAPERS_ENRICH_KEYWORDS="0",
        DAILYPAPERS_ENRICH_THUMBNAILS="0",
        DAILYPAPERS_ENRICH_HUB_LINKS="0",
    )
    result = runner.invoke(app, ["--db", database_url, "enrich"], env=off)
    assert result.exit_code == 1
    assert "every kind of enrichment is switched off" in result.output
    result = runner.invoke(app, ["--db", database_url, "enrich"], env=environment(services, DAILYPAPERS_LLM_MODEL=""))
    assert result.exit_code == 1
    assert "DAILYPAPERS_LLM_MODEL must name the model" in result.output


def test_the_worker_enriches_a_round_under_its_lease(seeded: Hub, services: FakeServices) -> None:
    worker = Worker(seeded)
    report = worker.enrich_pending()
    assert report is not None
    assert report.done == {"summary": 1, "keywords": 1, "thumbnail": 1, "hub_links": 1}
    seeded.store.acquire_lease(ENRICH_LEASE, "another-host", seeded.clock.now(), timedelta(minutes=5))
    assert worker.enrich_pending() is None  # another worker holds the job
    assert len(services.requests_to("/pdf/")) == 1
