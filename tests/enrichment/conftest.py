"""Fixtures of the enrichment tests: the fake services and a hub wired to them whose clients never really wait."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.hub_links_http import HubLinksClient
from dailypapers.adapters.llm_http import ChatClient
from dailypapers.adapters.pdf_http import ArxivPdfClient
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from dailypapers.wiring import make_hub
from tests.fakes.enrich_server import FakeServices, enrich_settings_fixture, make_pdf, services_fixture
from tests.web import seed

__all__ = ["enrich_settings_fixture", "services_fixture"]

PAPER_ID = "2608.16590"
DAY = date(2026, 8, 20)
PAPER = seed.paper(
    PAPER_ID,
    title="Sparse Mixture-of-Experts Routing for Long-Context Language Models",
    abstract=(
        "Long-context language models spend most of their compute on attention over distant tokens. We propose "
        "a sparse mixture-of-experts routing scheme that sends each token to a small set of experts chosen by a "
        "learned router, and a memory-efficient attention kernel for contexts of one million tokens. On long "
        "document question answering the routed model matches dense attention at a fifth of the compute."
    ),
    github_repo="https://github.com/org/moe-routing",
)


def make_enrich_hub(settings: Settings, clock: FixedClock, sleeps: list[float]) -> Hub:
    """A hub whose clients record their waits instead of sleeping (so retries cost no test time)."""
    return make_hub(
        settings,
        clock=clock,
        chat=ChatClient(settings, sleep=sleeps.append),
        pdfs=ArxivPdfClient(settings, sleep=sleeps.append),
        hub_links=HubLinksClient(settings, sleep=sleeps.append),
    )


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def enrich_hub(enrich_settings: Settings, clock: FixedClock, sleeps: list[float]) -> Iterator[Hub]:
    hub = make_enrich_hub(enrich_settings, clock, sleeps)
    yield hub
    hub.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def seeded(enrich_hub: Hub, services: FakeServices) -> Hub:
    """The paper of the issue on the feed, its PDF on the PDF host, and what cites it on the Hub."""
    from tests.fakes.enrich_server import hub_dataset, hub_model, hub_space

    seed.store(enrich_hub, [PAPER], [seed.entry(PAPER_ID, DAY)])
    services.pdfs[PAPER_ID] = make_pdf("Sparse MoE routing")
    services.hub[("models", PAPER_ID)] = [hub_model(f"org/moe-{n}", likes=n, downloads=10 * n) for n in range(30)]
    services.hub[("datasets", PAPER_ID)] = [hub_dataset("org/longdoc-qa", likes=7, downloads=900)]
    services.hub[("spaces", PAPER_ID)] = [hub_space("org/moe-demo", likes=12)]
    return enrich_hub
