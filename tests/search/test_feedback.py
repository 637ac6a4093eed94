"""Vector pseudo-relevance feedback in hybrid search: the top fused papers move the query vector."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from dailypapers.hub import Hub
from dailypapers.search import SearchService
from dailypapers.search.embedders import Vectors, normalise
from dailypapers.search.fusion import FusionConfig
from tests.search.conftest import paper

QUERY = "kinase inhibitors"
# Topic vectors by marker word: the query leans on axis 0; the kinase papers sit between axes 0 and 1; the
# phosphorylation paper (no query word) is far from the query but near the kinase papers; the gardening paper
# is a little nearer the query than it, on an unrelated axis.
TOPICS = {
    "kinase": [0.8, 0.6, 0.0, 0.0],
    "phosphorylation": [0.3, 0.954, 0.0, 0.0],
    "garden": [0.4, 0.0, 0.917, 0.0],
}


class TopicEmbedder:
    name, dim = "test-topics", 4

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            lower = text.lower()
            if lower == QUERY:
                rows.append([1.0, 0.0, 0.0, 0.0])
            else:
                rows.append(next((v for word, v in TOPICS.items() if word in lower), [0.0, 0.0, 0.0, 1.0]))
        return normalise(np.array(rows, dtype=np.float32))


PAPERS = [
    paper("2402.00001", "Kinase inhibitors in tumour cells", "Kinase inhibitors slow tumour growth in mice."),
    paper("2402.00002", "Kinase inhibitors and resistance", "Resistance to kinase inhibitors develops in months."),
    paper("2402.00003", "Dosing kinase inhibitors", "Kinase inhibitors need careful dosing in the elderly."),
    paper("2402.00004", "Phosphorylation blockers shrink tumours", "Blocking phosphorylation shrinks tumours."),
    paper("2402.00005", "Gardening and wellbeing", "Garden work improves mood in older adults."),
    *[paper(f"2402.001{n:02d}", f"Filler study {n}", "An unrelated survey of bridges.") for n in range(10)],
]
RELATED, DISTRACTOR = "2402.00004", "2402.00005"


def order(hub: Hub, root: Path, fusion: FusionConfig) -> list[str]:
    service = SearchService(hub.store, root, TopicEmbedder(), fusion=fusion, embed_on_index=True)
    service.index_ids([p.arxiv_id for p in PAPERS])
    return [hit.arxiv_id for hit in service.search(QUERY, mode="hybrid", snippets=False).hits]


@pytest.fixture
def topic_hub(hub: Hub) -> Hub:
    hub.store.upsert_papers(PAPERS)
    return hub


def test_feedback_pulls_in_a_related_paper_that_shares_no_query_word(topic_hub: Hub, tmp_path: Path) -> None:
    plain = order(topic_hub, tmp_path / "plain", FusionConfig(feedback_docs=0))
    assert plain.index(DISTRACTOR) < plain.index(RELATED)  # by the query vector alone gardening is nearer

    with_feedback = order(topic_hub, tmp_path / "feedback", FusionConfig())  # feedback is on by default
    assert with_feedback[:3] == plain[:3]  # the papers that match the words stay on top
    assert with_feedback.index(RELATED) < with_feedback.index(DISTRACTOR)


def test_feedback_leaves_semantic_and_keyword_modes_alone(topic_hub: Hub, tmp_path: Path) -> None:
    for mode in ("semantic", "keyword"):
        ranked = []
        for name, fusion in (("off", FusionConfig(feedback_docs=0)), ("on", FusionConfig())):
            service = SearchService(topic_hub.store, tmp_path / f"{mode}-{name}", TopicEmbedder(), fusion=fusion)
            service.index_ids([p.arxiv_id for p in PAPERS])
            service.embed_pending()
            ranked.append([(h.arxiv_id, round(h.score, 6)) for h in service.search(QUERY, mode=mode).hits])
        assert ranked[0] == ranked[1]
