"""Comment routes (post, reply, edit, delete) and the view model of a paper's thread; rules live in the Hub.

Every route is a form POST answered by a 303 back to the comment on the paper page, so the thread works without
JavaScript. The paper page gets its thread from `thread_context`, which renders each comment's markdown here
(web/markdown.py), so the template only places trusted HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import User
from dailypapers.hub import Hub
from dailypapers.usecases.discussion import ThreadNode
from dailypapers.web.auth import CsrfProtected, RequireUser
from dailypapers.web.markdown import render_markdown
from dailypapers.web.present import paper_url
from dailypapers.web.sanity import RowId

router = APIRouter(include_in_schema=False)

BodyField = Annotated[str, Form(max_length=200_000)]  # far above comment_max_chars; the Hub gives the real message


@dataclass(frozen=True, slots=True)
class CommentView:
    """One comment as the template shows it; `removed` ones carry no author and no text."""

    id: int
    author: User | None
    html: Markup
    source: str  # the markdown, to prefill the edit form
    created_at: datetime
    edited_at: datetime | None
    removed: str | None  # "deleted" or "hidden": why the text is gone
    depth: int
    replies: tuple[CommentView, ...]
    by_author: bool = False  # written by a verified author of the paper: the thread says "Author"

    @property
    def anchor(self) -> str:
        return f"comment-{self.id}"


def thread_context(hub: Hub, arxiv_id: str) -> dict[str, Any]:
    """What `_comments.html` needs: the thread as CommentViews and the number of comments readers can see."""
    nodes = hub.comment_thread(arxiv_id)
    verified = hub.authorship.verified_authors([arxiv_id])
    author_ids = {member.id for members in verified.values() for member in members.values()}
    views = [_view(n, author_ids) for n in nodes]
    return {"thread": views, "comment_count": _count(views), "comment_max_chars": hub.settings.comment_max_chars}


def _view(node: ThreadNode, author_ids: set[int]) -> CommentView:
    c = node.comment
    removed = None
    if node.removed:
        removed = "hidden" if c.hidden_at is not None else "deleted"
    return CommentView(
        id=c.id,
        author=None if removed else c.author,
        html=Markup() if removed else render_markdown(c.body),
        source="" if removed else c.body,
        created_at=c.created_at,
        edited_at=c.edited_at,
        removed=removed,
        depth=node.depth,
        replies=tuple(_view(r, author_ids) for r in node.replies),
        by_author=not removed and c.author is not None and c.author.id in author_ids,
    )


def _count(views: tuple[CommentView, ...] | list[CommentView]) -> int:
    return sum((0 if v.removed else 1) + _count(v.replies) for v in views)


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _back_to(arxiv_id: str, comment_id: int | None = None) -> Response:
    anchor = f"#comment-{comment_id}" if comment_id is not None else "#comments"
    return RedirectResponse(paper_url(arxiv_id) + anchor, status_code=303)


def parse_id(raw: str | None, what: str) -> int | None:
    """A numeric id from a form field; empty means none, anything else non-numeric is InvalidInput."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise InvalidInput(f"{what} {raw[:20]!r} is not a number")
    return int(text)


@router.post("/papers/{arxiv_id:path}/comments", name="post_comment", dependencies=[CsrfProtected])
def post_comment(
    request: Request,
    arxiv_id: str,
    user: RequireUser,
    body: BodyField = "",
    parent_id: Annotated[str | None, Form()] = None,
) -> Response:
    comment = _hub(request).post_comment(user, arxiv_id, body, parent_id=parse_id(parent_id, "parent comment"))
    return _back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/edit", name="edit_comment", dependencies=[CsrfProtected])
def edit_comment(request: Request, comment_id: RowId, user: RequireUser, body: BodyField = "") -> Response:
    comment = _hub(request).edit_comment(user, comment_id, body)
    return _back_to(comment.arxiv_id, comment.id)


@router.post("/comments/{comment_id}/delete", name="delete_comment", dependencies=[CsrfProtected])
def delete_comment(request: Request, comment_id: RowId, user: RequireUser) -> Response:
    comment = _hub(request).delete_comment(user, comment_id)
    return _back_to(comment.arxiv_id, comment.parent_id)
