"""The Enricher through the hub, against the fake services: `enrich ID`, the backlog, and failures that break
nothing else."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from dailypapers.adapters.clock import FixedClock
from dailypapers.domain.enrichment import THUMBNAIL_HEIGHT, THUMBNAIL_WIDTH
from dailypapers.hub import Hub
from dailypapers.settings import Settings
from tests.enrichment.conftest import DAY, PAPER_ID, make_enrich_hub
from tests.fakes.enrich_server import CHAT_PATH, FakeServices, Scripted, answer, make_pdf
from tests.web import seed


def test_enrich_one_paper_gives_summary_keywords_thumbnail_and_hub_links(seeded: Hub, services: FakeServices) -> None:
    sentence = "Routing tokens to a few experts matches dense attention at a fifth of the compute."
    services.chat_answers = [answer(sentence, ["conditional computation", "long context"])]
    report = seeded.enrichment.enrich([f"arXiv:{PAPER_ID}v2"])
    assert report.failed == []
    assert report.stopped == []
    assert report.done == {"summary": 1, "thumbnail": 1, "hub_links": 1}
    assert report.skipped == {"keywords": 1}  # the model's keywords are the paper's: nothing to extract
    paper = seeded.paper(PAPER_ID)
    assert paper.ai_summary == "Routing tokens to a few experts matches dense attention at a fifth of the compute."
    assert paper.ai_summary_model == "fake-llm-7b"
    assert paper.shown_keywords == ("conditional computation", "long context")
    image = seeded.enrichment.thumbnail_image(PAPER_ID)
    assert image is not None
    assert image[0][:4] == b"RIFF"
    assert image[0][8:12] == b"WEBP"
    assert (image[1].width, image[1].height) == (THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT)
    links = seeded.enrichment.hub_links(PAPER_ID)
    assert links is not None
    assert (links.num_models, links.num_datasets, links.num_spaces) == (30, 1, 1)
    # The keywords are searchable: the index has them as a field (these words are in neither title nor abstract).
    results, _ = seeded.search('keyword:"conditional computation"', mode="keyword")
    assert [hit.arxiv_id for hit in results.hits] == [PAPER_ID]


def test_without_an_llm_a_paper_gets_local_keywords_and_no_summary(
    seeded: Hub, enrich_settings: Settings, clock: FixedClock, services: FakeServices
) -> None:
    hub = make_enrich_hub(enrich_settings.with_overrides(llm_url="", llm_model=""), clock, [])
    assert hub.enrichment.kinds() == ["keywords", "thumbnail", "hub_links"]
    report = hub.enrichment.enrich([PAPER_ID])
    paper = hub.paper(PAPER_ID)
    assert paper.ai_summary is None
    assert paper.ai_summary_model is None
    assert report.done["keywords"] == 1
    assert paper.ai_keywords == ()
    assert 3 <= len(paper.keywords) <= 8
    assert paper.keywords[0] == "Long-Context Language Models", paper.keywords
    assert "routing scheme" in paper.keywords
    assert services.requests_to(CHAT_PATH) == []


def test_an_llm_500_and_a_broken_pdf_break_nothing_else(seeded: Hub, services: FakeServices, clock: FixedClock) -> None:
    services.script(*[Scripted(CHAT_PATH, 500, b'{"error": "model crashed"}') for _ in range(4)])
    services.pdfs[PAPER_ID] = b"%PDF-1.5\n% broken: no objects, no xref\n%%EOF"
    report = seeded.enrichment.enrich([PAPER_ID])
    assert report.done == {"keywords": 1, "hub_links": 1}
    assert [kind for kind, _ in report.stopped] == ["summary"]  # the endpoint is down: no paper is blamed
    assert [(i, k) for i, k, _ in report.failed] == [(PAPER_ID, "thumbnail")]
    paper = seeded.paper(PAPER_ID)
    assert paper.ai_summary is None
    assert paper.keywords
    state = seeded.store.enrichment_states(PAPER_ID)["thumbnail"]
    assert state.next_attempt_at is None
    assert "cannot be rendered" in (state.last_error or "")
    # The backlog does not retry the broken PDF, and the paused summary kind waits instead of hammering the model.
    again = seeded.enrichment.run_backlog()
    assert again.done == {}
    assert [kind for kind, _ in again.stopped] == ["summary"]
    assert len(services.requests_to(CHAT_PATH)) == 4
    clock.at += timedelta(minutes=2)
    later = seeded.enrichment.run_backlog()
    assert later.done == {"summary": 1}


def test_an_empty_answer_is_rejected_and_retried_hours_later(
    seeded: Hub, services: FakeServices, clock: FixedClock
) -> None:
    services.chat_answers = ["", answer("A second try gives a sentence.")]
    report = seeded.enrichment.run_backlog()
    assert [(k, why) for _, k, why in report.failed] == [("summary", "the model answered with an empty summary")]
    assert seeded.paper(PAPER_ID).ai_summary is None
    assert seeded.enrichment.run_backlog().done.get("summary") is None  # not again at once
    clock.at += timedelta(hours=1, minutes=1)
    assert seeded.enrichment.run_backlog().done == {"summary": 1}
    assert seeded.paper(PAPER_ID).ai_summary == "A second try gives a sentence."


def test_an_upstream_summary_is_kept_and_the_model_not_asked(seeded: Hub, services: FakeServices) -> None:
    given = dataclasses.replace(seed.paper(PAPER_ID), ai_summary="HF's summary.", ai_summary_model="HF model")
    seeded.store.upsert_papers([given])
    report = seeded.enrichment.enrich([PAPER_ID])
    assert report.skipped.get("summary") == 1
    assert services.requests_to(CHAT_PATH) == []
    assert seeded.paper(PAPER_ID).ai_summary == "HF's summary."


def test_the_backlog_takes_feed_papers_first_newest_first_and_resumes(seeded: Hub, services: FakeServices) -> None:
    seed.store(
        seeded,
        [seed.paper("2608.00001"), seed.paper("2608.00002")],
        [seed.entry("2608.00002", DAY - timedelta(days=1))],
    )
    services.pdfs["2608.00002"] = make_pdf()
    first = seeded.enrichment.run_backlog(limit=1)
    assert first.done == {"summary": 1, "keywords": 1, "thumbnail": 1, "hub_links": 1}  # the model gave no keywords
    assert seeded.paper(PAPER_ID).ai_summary  # the latest feed day first
    assert seeded.paper("2608.00002").ai_summary is None
    rest = seeded.enrichment.run_backlog()
    assert rest.done == {"summary": 2, "keywords": 2, "thumbnail": 1, "hub_links": 1}
    assert seeded.enrichment.thumbnail_image("2608.00001") is None  # not on the feed: no PDF fetched
    assert [r.path for r in services.requests_to("/pdf/")] == [f"/pdf/{PAPER_ID}", "/pdf/2608.00002"]
    assert seeded.enrichment.run_backlog().total_done == 0


def test_each_kind_can_be_switched_off(enrich_settings: Settings, clock: FixedClock) -> None:
    off = enrich_settings.with_overrides(
        enrich_summaries=False, enrich_keywords=False, enrich_thumbnails=False, enrich_hub_links=False
    )
    assert make_enrich_hub(off, clock, []).enrichment.kinds() == []
    only = enrich_settings.with_overrides(enrich_summaries=False, enrich_thumbnails=False)
    assert make_enrich_hub(only, clock, []).enrichment.kinds() == ["keywords", "hub_links"]
