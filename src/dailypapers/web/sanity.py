"""Checks at the edge of every route: a request carrying a NUL character is refused (400) before any route runs, and
row ids in paths are bounded (RowId).

No field of the hub can hold one — PostgreSQL refuses NUL in text, SQLite would store it and every page would then
show it — so the rule is one, here, for the path, the query, form fields and JSON bodies alike, on every backend.
Bodies are inspected only for routes that take one (FastAPI has read it by then); uploaded files are not: only what
parsers make of them reaches the database.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request

from dailypapers.domain.errors import InvalidInput

MAX_ROW_ID = 2**53  # row ids in paths: far past any table, within every database's integer (and JavaScript's)

# A database row id in a path, `/comments/{comment_id}/edit` with `comment_id: RowId`: a 400 with a message when it
# is no id. Not Starlette's `{comment_id:int}`, whose convertor takes any run of digits: a 30-digit one reached the
# database (SQLite: OverflowError, PostgreSQL: "integer out of range") and a 5,000-digit one broke int() itself.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_MESSAGE = "the {} contains a NUL character (\\x00), which no field of this hub accepts"


async def refuse_nul(request: Request) -> None:
    """Raise InvalidInput when the path, the query, a form field or a JSON body holds a NUL character."""
    if "\x00" in request.url.path:
        raise InvalidInput(_MESSAGE.format("address"))
    if any("\x00" in name or "\x00" in value for name, value in request.query_params.multi_items()):
        raise InvalidInput(_MESSAGE.format("query"))
    if getattr(request.scope.get("route"), "body_field", None) is None:
        return  # the route takes no body: none is read (reading one here would let anyone make every route buffer)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES):
        form = await request.form()  # already parsed by FastAPI for the route (with its limits): this is a cache hit
        if any("\x00" in name or (isinstance(value, str) and "\x00" in value) for name, value in form.multi_items()):
            raise InvalidInput(_MESSAGE.format("form"))
    elif content_type.startswith("application/json"):
        body = await request.body()  # read already for the route's JSON parameter: cached
        if b"\x00" in body or b"\\u0000" in body:
            raise InvalidInput(_MESSAGE.format("JSON body"))
