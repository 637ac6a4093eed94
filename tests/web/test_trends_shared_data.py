"""The issue's check on real data: /trends?q=agents,diffusion over the Hugging Face daily papers of ../shared/data
shows two weekly series whose every week equals a keyword search's total, as SVG with a table, and the API and CSV
give the same numbers."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dailypapers.adapters.files import read_lines
from dailypapers.hub import Hub

pytestmark = pytest.mark.shared_data


def test_agents_and_diffusion_weeks_equal_search_totals(client: TestClient, hub: Hub, shared_data: Path) -> None:
    report = hub.import_lines(read_lines(shared_data / "hf-daily-papers.jsonl.gz"))
    assert report.inserted > 9000
    api = client.get("/api/v1/trends", params={"q": "agents,diffusion"}).json()
    assert [s["q"] for s in api["series"]] == ["agents", "diffusion"]
    for series in api["series"]:
        assert sum(w["count"] for w in series["weeks"]) > 100
        for week in series["weeks"]:
            params = {"q": series["q"], "mode": "keyword", "from": week["start"], "to": week["end"], "limit": 1}
            assert week["count"] == client.get("/api/v1/search", params=params).json()["total"], week
            assert week["feed_count"] == week["count"]  # every paper of this file is on the feed
    page = client.get("/trends", params={"q": "agents,diffusion"}).text
    assert re.search(r'<svg[^>]*role="img"', page)
    sample = api["series"][1]["weeks"][-10]
    assert f'from={sample["start"]}&amp;to={sample["end"]}">{sample["count"]:,}</a>' in page
    rows = list(csv.reader(io.StringIO(client.get("/trends.csv", params={"q": "agents,diffusion"}).text)))
    assert [int(r[3]) for r in rows[1:] if r[0] == "agents"] == [w["count"] for w in api["series"][0]["weeks"]]
