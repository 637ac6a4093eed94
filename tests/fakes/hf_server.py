"""A fake Hugging Face daily-papers API on 127.0.0.1: real HTTP, HF's JSON shapes, paging, and scripted failures."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from tests.fakes.loopback import LoopbackServer, QuietHandler

DAILY_PATH = "/api/daily_papers"


def hf_item(
    arxiv_id: str,
    day: date,
    *,
    upvotes: int = 10,
    comments: int = 1,
    submitter: str | None = "akhaliq",
    organization: str | None = None,
    title: str | None = None,
    **paper_fields: Any,
) -> dict[str, Any]:
    """One `GET /api/daily_papers` item as Hugging Face sends it (hf-papers-api.md §2): the paper nested, the
    submission time, submitter and thumbnail on the item."""
    submitted = f"{day.isoformat()}T03:12:45.123Z"
    user = (
        {
            "_id": "60f1abe7544c2adfd699860c",
            "avatarUrl": f"/avatars/{submitter}.svg",  # HF gives some avatars as paths of its own site
            "fullname": submitter.title(),
            "isPro": False,
            "name": submitter,
            "user": submitter,
            "type": "user",
        }
        if submitter
        else None
    )
    paper: dict[str, Any] = {
        "id": arxiv_id,
        "authors": [
            {"_id": "6661", "name": "Ada Lovelace", "hidden": False},
            {"_id": "6662", "name": "Alan Turing", "hidden": False, "status": "claimed_verified"},
        ],
        "publishedAt": f"{day.isoformat()}T01:00:00.000Z",
        "submittedOnDailyAt": submitted,
        "title": title or f"Paper {arxiv_id}",
        "summary": f"The abstract of {arxiv_id}.",
        "upvotes": upvotes,
        "discussionId": "66f5a0a1b2c3d4e5f6a7b8c9",
        "githubRepo": f"https://github.com/lab/{arxiv_id.replace('.', '-')}",
        "githubStars": 120,
        "projectPage": f"https://lab.example/{arxiv_id}",
        "ai_summary": f"A model that summarises {arxiv_id}.",
        "ai_keywords": ["diffusion transformer", "video generation"],
        "ai_summary_model": "Qwen/Qwen3-235B",
        "mediaUrls": [f"https://cdn-uploads.huggingface.co/production/{arxiv_id}.mp4"],
        "submittedOnDailyBy": user,
        **paper_fields,
    }
    if organization:
        paper["organization"] = {
            "_id": "61e8a0a1b2c3d4e5f6a7b8c9",
            "name": organization,
            "fullname": f"{organization} Research",
            "avatar": f"https://cdn-avatars.huggingface.co/{organization}.png",
        }
    return {
        "paper": paper,
        "publishedAt": submitted,
        "title": paper["title"],
        "summary": paper["summary"],
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
        "numComments": comments,
        "submittedBy": user,
        "isAuthorParticipating": False,
        "mediaUrls": paper["mediaUrls"],
    }


@dataclass
class Scripted:
    """An answer to give instead of the real one, to the next request whose query passes `when`."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    when: dict[str, str] | None = None  # e.g. {"date": "2026-08-20", "p": "1"}

    def matches(self, query: dict[str, str]) -> bool:
        return self.when is None or all(query.get(k) == v for k, v in self.when.items())


@dataclass(frozen=True)
class Received:
    query: dict[str, str]
    at: float  # time.monotonic() on arrival
    user_agent: str | None


class FakeHub(LoopbackServer):
    """`/api/daily_papers?date=D&limit=N&p=P` over `days`, newest submission first, as Hugging Face pages it."""

    def __init__(self) -> None:
        self.days: dict[date, list[Any]] = {}
        self.received: list[Received] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler(self), "fake-hf")

    def script(self, *responses: Scripted) -> None:
        with self._lock:
            self._script.extend(responses)

    def move(self, arxiv_id: str, to: date) -> None:
        """The upstream files a paper under another day (Hugging Face does this when it is resubmitted)."""
        moved = []
        for items in self.days.values():
            for item in list(items):
                if isinstance(item, dict) and item.get("paper", {}).get("id") == arxiv_id:
                    items.remove(item)
                    moved.append(item)
        self.days.setdefault(to, []).extend(moved)

    def respond(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if path != DAILY_PATH:
            return 404, {}, orjson.dumps({"error": "Not Found"})
        with self._lock:
            scripted = next((s for s in self._script if s.matches(query)), None)
            if scripted is not None:
                self._script.remove(scripted)
        if scripted is not None and scripted.body is not None:
            return scripted.status, scripted.headers, scripted.body
        try:
            day = date.fromisoformat(query.get("date", ""))
            limit, page = int(query.get("limit", "50")), int(query.get("p", "0"))
        except ValueError:
            return 400, {}, orjson.dumps({"error": "Invalid date, limit or p"})
        if not 1 <= limit <= 100 or page < 0:
            return 400, {}, orjson.dumps({"error": "limit must be 1-100"})
        items = self.days.get(day, [])
        return 200, {}, orjson.dumps(items[page * limit : (page + 1) * limit])


def _handler(fake: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            fake.received.append(Received(query, time.monotonic(), self.headers.get("User-Agent")))
            status, headers, body = fake.respond(url.path, query)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

    return Handler


@pytest.fixture(name="hf_server")
def hf_server_fixture() -> Iterator[FakeHub]:
    with FakeHub() as server:
        yield server
