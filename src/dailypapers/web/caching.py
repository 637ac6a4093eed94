"""HTTP caching of generated documents (feeds, BibTeX): weak ETags, `If-None-Match` → 304, `Cache-Control`."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import Response

# Feeds and exports change at most a few times an hour; five minutes spares the database from polling readers.
FEED_MAX_AGE = 300
# Public, read-only data: any web page may read it (Hugging Face's API allows this too).
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Link"}


def weak_etag(body: bytes) -> str:
    # Weak: the bytes are a function of the data, but we do not promise byte-identical output across versions.
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison of `If-None-Match` against our tag (`*` matches anything)."""
    if not if_none_match:
        return False
    ours = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == ours:
            return True
    return False


def cached_response(
    request: Request,
    body: bytes,
    media_type: str,
    headers: Mapping[str, str] | None = None,
    *,
    max_age: int = FEED_MAX_AGE,
    cors: bool = False,
) -> Response:
    """`body` with an ETag and Cache-Control, or an empty 304 when the client already holds this version."""
    etag = weak_etag(body)
    common = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}", **(CORS_HEADERS if cors else {})}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=common)
    return Response(body, media_type=media_type, headers={**common, **(headers or {})})
