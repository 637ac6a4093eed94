"""Fakes of the enrichment's three services on one 127.0.0.1 server, real HTTP in their real formats: an
OpenAI-compatible chat endpoint (`POST /v1/chat/completions`), arXiv's PDF host (`GET /pdf/{id}`) and the Hugging
Face Hub's listings (`GET /hub/api/{models,datasets,spaces}?filter=arxiv:ID`, paged with a Link header). Answers
can be scripted per path prefix (a 500, a 429, an empty answer); every request is recorded."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import orjson
import pytest
from PIL import Image, ImageDraw

from dailypapers.settings import Settings
from tests.fakes.loopback import LoopbackServer, QuietHandler

CHAT_PATH = "/v1/chat/completions"


def make_pdf(title: str = "A Paper", *, pages: int = 1) -> bytes:
    """A real PDF (Pillow writes it): a letter-size first page with a dark title bar and text lines."""
    images = []
    for number in range(pages):
        page = Image.new("RGB", (612, 792), "white")
        draw = ImageDraw.Draw(page)
        draw.rectangle((60, 60, 552, 110), fill=(20, 40, 90))
        draw.text((70, 75), f"{title} (page {number + 1})", fill="white")
        for line in range(30):
            draw.line((60, 140 + 18 * line, 552 - (line % 5) * 40, 140 + 18 * line), fill=(90, 90, 90), width=3)
        images.append(page)
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def chat_completion(content: str | None, model: str = "fake-llm-7b") -> dict[str, Any]:
    """An OpenAI chat-completion object as Ollama / vLLM / llama.cpp send it."""
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1_780_000_000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 200, "completion_tokens": 40, "total_tokens": 240},
    }


def answer(summary: str, keywords: list[str] | None = None) -> str:
    """The JSON object the prompt asks the model for."""
    return orjson.dumps({"summary": summary, "keywords": keywords or []}).decode()


@dataclass
class Scripted:
    """The next request under `prefix` gets this answer instead of the real one (`delay` seconds late)."""

    prefix: str
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float


def hub_model(repo_id: str, likes: int, downloads: int = 0, pipeline_tag: str = "text-generation") -> dict[str, Any]:
    """An item of the Hub's `GET /api/models` listing."""
    return {
        "_id": f"66{abs(hash(repo_id)) % 10**22:022d}",
        "id": repo_id,
        "modelId": repo_id,
        "likes": likes,
        "trendingScore": 1,
        "private": False,
        "downloads": downloads,
        "tags": ["transformers", "arxiv:0000.00000"],
        "pipeline_tag": pipeline_tag,
        "library_name": "transformers",
        "createdAt": "2026-08-20T10:00:00.000Z",
    }


def hub_dataset(repo_id: str, likes: int, downloads: int = 0) -> dict[str, Any]:
    owner = repo_id.split("/")[0]
    item = {"_id": "66aa", "id": repo_id, "author": owner, "likes": likes, "downloads": downloads, "private": False}
    return {**item, "tags": [], "createdAt": "2026-08-20T10:00:00.000Z"}


def hub_space(repo_id: str, likes: int, emoji: str = "🚀", stage: str = "RUNNING") -> dict[str, Any]:
    return {
        "_id": "66bb",
        "id": repo_id,
        "likes": likes,
        "sdk": "gradio",
        "private": False,
        "tags": ["gradio"],
        "createdAt": "2026-08-20T10:00:00.000Z",
        "cardData": {"emoji": emoji, "short_description": f"Demo of {repo_id}"},
        "runtime": {"stage": stage},
    }


class FakeServices(LoopbackServer):
    """`chat_answers` are the contents answered in turn (the last one repeats); `pdfs` maps ids to bodies;
    `hub` maps (kind, arxiv id) to listing items."""

    def __init__(self) -> None:
        self.chat_answers: list[str | None] = [answer("A fake model summarises this paper in one sentence.")]
        self.chat_model = "fake-llm-7b"
        self.pdfs: dict[str, bytes] = {}
        self.hub: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.hub_page_size: int | None = None  # caps the Hub's `limit` (to exercise Link paging)
        self.received: list[Received] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        super().__init__(_handler(self), "fake-enrich")

    @property
    def chat_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def pdf_url(self) -> str:
        return f"{self.base_url}/pdf"

    @property
    def hub_url(self) -> str:
        return f"{self.base_url}/hub"

    def script(self, *responses: Scripted) -> None:
        with self._lock:
            self._script.extend(responses)

    def requests_to(self, prefix: str) -> list[Received]:
        return [r for r in self.received if r.path.startswith(prefix)]

    # -- answering -------------------------------------------------------------------------------------

    def respond(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Scripted:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query))
        with self._lock:
            self.received.append(Received(method, parts.path, query, headers, body, time.monotonic()))
            for scripted in self._script:
                if parts.path.startswith(scripted.prefix):
                    self._script.remove(scripted)
                    return scripted
        if method == "POST" and parts.path == CHAT_PATH:
            return self._chat(body)
        if method == "GET" and parts.path.startswith("/pdf/"):
            found = self.pdfs.get(parts.path.removeprefix("/pdf/"))
            if found is None:
                return Scripted("", 404, b"<html>Not found</html>", {"Content-Type": "text/html"})
            return Scripted("", 200, found, {"Content-Type": "application/pdf"})
        if method == "GET" and parts.path.startswith("/hub/api/"):
            return self._listing(parts.path.removeprefix("/hub/api/"), query)
        return Scripted("", 404, b'{"error": "not found"}')

    def _chat(self, body: bytes) -> Scripted:
        request = orjson.loads(body)
        if not request.get("messages") or not request.get("model"):
            return Scripted("", 400, b'{"error": {"message": "model and messages are required"}}')
        with self._lock:
            content = self.chat_answers.pop(0) if len(self.chat_answers) > 1 else self.chat_answers[0]
        return Scripted("", 200, orjson.dumps(chat_completion(content, self.chat_model)))

    def _listing(self, kind: str, query: dict[str, str]) -> Scripted:
        if kind not in ("models", "datasets", "spaces"):
            return Scripted("", 404, b'{"error": "Not Found"}')
        arxiv_id = query.get("filter", "").removeprefix("arxiv:")
        items = sorted(self.hub.get((kind, arxiv_id), []), key=lambda i: -i["likes"])
        limit = min(int(query.get("limit", "1000")), self.hub_page_size or 1000)
        start = int(query.get("cursor", "0"))
        page = items[start : start + limit]
        headers = {"Content-Type": "application/json"}
        if start + limit < len(items):
            following = urlencode({**query, "cursor": str(start + limit), "limit": str(limit)})
            headers["Link"] = f'<{self.hub_url}/api/{kind}?{following}>; rel="next"'
        return Scripted("", 200, orjson.dumps(page), headers)


def _handler(fake: FakeServices) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _answer(self, method: str) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            length = int(headers.get("content-length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            reply = fake.respond(method, self.path, headers, body)
            if reply.delay:
                time.sleep(reply.delay)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
                if "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    if name != "Content-Type" and value:  # an empty Content-Length: none, the close ends the body
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

    return Handler


@pytest.fixture(name="services")
def services_fixture() -> Iterator[FakeServices]:
    with FakeServices() as server:
        yield server


@pytest.fixture(name="enrich_settings")
def enrich_settings_fixture(settings: Settings, services: FakeServices) -> Settings:
    """The three services configured against the fakes, every kind switched on, no waiting between requests."""
    return settings.with_overrides(
        llm_url=services.chat_url,
        llm_model="fake-llm-7b",
        llm_api_key="sk-test",
        llm_requests_per_minute=0.0,
        arxiv_pdf_url=services.pdf_url,
        hf_hub_url=services.hub_url,
        upstream_min_interval_seconds=0.0,
        enrich_keywords=True,
        enrich_thumbnails=True,
        enrich_hub_links=True,
    )
