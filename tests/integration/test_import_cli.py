"""`dailypapers import` end to end through the CLI: formats, gzip, rejected lines, idempotence, exit codes."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.cli import app
from dailypapers.domain.models import FeedQuery

runner = CliRunner()


def paper_line(n: int, **changes: Any) -> str:
    record = {
        "arxiv_id": f"2408.{n:05d}",
        "title": f"Title {n}",
        "abstract": f"Abstract {n}",
        "authors": ["A. Author"],
        "categories": ["cs.CL"],
        "published": "2024-08-01",
        "github": None,
        "upvotes": n,
    }
    return json.dumps({**record, **changes})


def hf_line(n: int, day: str, upvotes: int, by: str | None = "someone") -> str:
    record = json.loads(paper_line(n))
    record |= {"daily_date": day, "submitted_on_daily_at": f"{day}T08:00:00.000Z", "upvotes": upvotes}
    return json.dumps(record | {"submitted_by": by})


def run(database_url: str, *args: str) -> Any:
    return runner.invoke(app, ["--db", database_url, *args])


def stored(database_url: str) -> SqlStore:
    return SqlStore(create_engine(database_url))


def test_import_reports_rejected_lines_and_keeps_the_rest(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    lines = [
        paper_line(1),
        "{not json",
        paper_line(2, arxiv_id="2408.1"),
        paper_line(3, published="2024-02-30"),
        json.dumps({"arxiv_id": "2408.00004", "title": "no abstract", "authors": ["x"], "published": "2024-08-01"}),
        "",
        paper_line(5),
    ]
    path.write_text("\n".join(lines) + "\n")
    result = run(database_url, "import", str(path), "--no-progress")
    assert result.exit_code == 1
    assert "inserted 2, updated 0, skipped 0, rejected 4" in result.output
    for number in (2, 3, 4, 5):
        assert f"rejected line {number}:" in result.output
    assert "'published' is not a date" in result.output
    assert stored(database_url).count_papers() == 2


def test_gzip_import_is_idempotent_and_updates(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "papers.data"  # gzip is detected by content, not by name
    path.write_bytes(gzip.compress(("\n".join(paper_line(n) for n in range(1, 4)) + "\n").encode()))
    assert run(database_url, "import", str(path)).exit_code == 0
    again = run(database_url, "import", str(path), "--no-progress")
    assert again.exit_code == 0
    assert "inserted 0, updated 0, skipped 3, rejected 0" in again.output
    newer = tmp_path / "newer.jsonl"
    newer.write_text(paper_line(1, upvotes=99, github=["https://github.com/a/b"]) + "\n")
    result = run(database_url, "import", str(newer), "--no-progress")
    assert "inserted 0, updated 1" in result.output
    paper = stored(database_url).get_paper("2408.00001")
    assert paper is not None
    assert (paper.imported_upvotes, paper.github_repo) == (99, "https://github.com/a/b")


def test_hf_daily_import_fills_the_feed(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "hf.jsonl"
    lines = [hf_line(1, "2024-08-02", 3), hf_line(2, "2024-08-02", 30, by=None), hf_line(3, "2024-08-05", 1)]
    path.write_text("\n".join(lines) + "\n")
    result = run(database_url, "import", str(path), "--format", "hf-daily", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "3 added to the daily feed" in result.output
    store = stored(database_url)
    items = store.feed_items(FeedQuery(date(2024, 8, 2), date(2024, 8, 2)), limit=10)
    assert [(i.paper.arxiv_id, i.upvotes, i.entry.submitted_by) for i in items] == [
        ("2408.00002", 30, None),
        ("2408.00001", 3, "someone"),
    ]
    assert "0 added to the daily feed" in run(database_url, "import", str(path), "--no-progress").output


def test_bad_invocations_fail_with_a_message(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(paper_line(1) + "\n")
    wrong_format = run(database_url, "import", str(path), "--format", "csv")
    assert wrong_format.exit_code == 1
    assert "unknown format 'csv'" in wrong_format.output
    missing = run(database_url, "import", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2
    # The error is drawn in a box as wide as the terminal: a long temporary path wraps the message across lines.
    assert "does not exist" in " ".join(missing.output.replace("│", " ").split())


def test_commands_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(paper_line(1) + "\n")
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = run(url, "import", str(path))
    assert result.exit_code == 1
    assert "dailypapers migrate" in result.output
    assert run(url, "migrate").exit_code == 0
    assert run(url, "import", str(path), "--no-progress").exit_code == 0


@pytest.mark.shared_data
def test_reference_files_import_cleanly(database_url: str, shared_data: Path) -> None:
    result = run(database_url, "import", str(shared_data / "hf-daily-papers.jsonl.gz"), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "rejected 0" in result.output
    store = stored(database_url)
    items = store.feed_items(FeedQuery(date(2026, 8, 20), date(2026, 8, 20)), limit=100)
    assert len(items) >= 5
    assert [i.upvotes for i in items] == sorted((i.upvotes for i in items), reverse=True)
