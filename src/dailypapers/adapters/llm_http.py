"""ChatClient: the ChatModel port over an OpenAI-compatible `POST {llm_url}/chat/completions` (Ollama, vLLM,
llama.cpp's server, hosted APIs): rate-limited, 429 / 5xx retried with backoff; knows nothing of papers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from dailypapers import __version__
from dailypapers.adapters.arxiv_http import Sleep, Throttle
from dailypapers.adapters.retrying import send
from dailypapers.domain.errors import SourceError
from dailypapers.settings import Settings

MAX_ANSWER_TOKENS = 400  # a sentence and a few keywords; also bounds what a model that rambles costs


class ChatClient:
    """One per process (its throttle is the rate limit); `sleep` and `transport` are injectable for tests."""

    def __init__(
        self, settings: Settings, *, sleep: Sleep = time.sleep, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.base_url = settings.llm_url.rstrip("/")
        self.model = settings.llm_model
        self.max_retries = settings.llm_max_retries
        per_minute = settings.llm_requests_per_minute
        self.throttle = Throttle(60.0 / per_minute if per_minute > 0 else 0.0, sleep=sleep)
        self._sleep = sleep
        headers = {"User-Agent": f"dailypapers/{__version__}"}
        if settings.llm_api_key:
            headers["Authorization"] = f"Bearer {settings.llm_api_key}"
        self._http = httpx.Client(timeout=settings.llm_timeout_seconds, headers=headers, transport=transport)

    @property
    def configured(self) -> bool:
        return bool(self.base_url)

    def close(self) -> None:
        self._http.close()

    def complete(self, messages: Sequence[dict[str, str]]) -> tuple[str, str]:
        if not self.configured:
            raise SourceError("no chat endpoint is configured (DAILYPAPERS_LLM_URL)")
        body = {
            "model": self.model,
            "messages": list(messages),
            "temperature": 0.2,
            "max_tokens": MAX_ANSWER_TOKENS,
            "stream": False,
        }
        url = f"{self.base_url}/chat/completions"
        response = send(
            lambda: self._http.post(url, content=orjson.dumps(body), headers={"Content-Type": "application/json"}),
            label=f"chat endpoint {httpx.URL(url).host}",
            throttle=self.throttle,
            sleep=self._sleep,
            max_retries=self.max_retries,
        )
        if response.status_code >= 400:
            raise SourceError(f"the chat endpoint answered HTTP {response.status_code}: {_error_text(response)}")
        content, model = _content(response.content)
        # The server's own name for what answered ("gpt-4o-mini-2024-07-18"), else the one we asked for.
        return content, model if model and len(model) <= 255 else self.model

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _content(body: bytes) -> tuple[str, str | None]:
    """`choices[0].message.content` and `model` of a chat completion; SourceError for anything else."""
    try:
        data: Any = orjson.loads(body)
        content = data["choices"][0]["message"]["content"]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        raise SourceError("the chat endpoint's answer is not a chat completion") from None
    model = data.get("model")
    if content is not None and not isinstance(content, str):
        raise SourceError("the chat endpoint's message content is not text")
    return content or "", model.strip() if isinstance(model, str) else None


def _error_text(response: httpx.Response) -> str:
    """The server's own error message, short (OpenAI's `{"error": {"message": …}}` or the body's start)."""
    try:
        data = orjson.loads(response.content)
        message = data["error"]["message"] if isinstance(data.get("error"), dict) else data.get("error")
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        message = response.text
    return " ".join(str(message).split())[:200]
