"""Comments and moderation (hiding papers and comments, bans, the audit log): the rules, not the storage or HTML.

Who may do what is decided here, so web, CLI and any future API agree: only the author edits or deletes a
comment, only admins moderate, a banned account does nothing. Comment text is stored as the markdown its author
typed; rendering and sanitizing happen at the web edge (web/markdown.py).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dailypapers.domain.arxiv_ids import parse_arxiv_ref
from dailypapers.domain.errors import InvalidInput, NotFound, PaperNotFound, PermissionDenied
from dailypapers.domain.models import AuditEntry, Comment, User
from dailypapers.domain.paging import Paginated
from dailypapers.ports import Clock, GitHubSource, Mailer, RateLimiter, Store
from dailypapers.settings import Settings

# Replies nest visually up to this depth; deeper replies are shown at this depth, in order, under their
# ancestor, so a long back-and-forth cannot push text off a phone screen (or recurse a template without end).
MAX_THREAD_DEPTH = 5
MAX_REASON_CHARS = 500
ADMIN_LIST_LIMIT = 50

_ALLOWED_CONTROLS = {"\n", "\t"}


class CommentNotFound(NotFound):
    def __init__(self, comment_id: int) -> None:
        super().__init__(f"there is no comment {comment_id}")
        self.comment_id = comment_id


@dataclass(frozen=True, slots=True)
class ThreadNode:
    """One comment of a rendered thread with its replies; `comment.body` is empty for removed comments."""

    comment: Comment
    replies: tuple[ThreadNode, ...]
    depth: int

    @property
    def removed(self) -> bool:
        """Deleted by its author or hidden by a moderator: shown as a placeholder because it has replies."""
        return self.comment.deleted_at is not None or self.comment.hidden_at is not None


@dataclass(frozen=True, slots=True)
class AuditPage(Paginated):
    entries: list[AuditEntry]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class ModerationOverview:
    """What the admin page lists beside the audit log: everything currently hidden or banned."""

    hidden_papers: list[tuple[str, str]]  # (arxiv_id, title)
    hidden_comments: list[Comment]
    banned_users: list[User]
    recent: list[AuditEntry]


def build_thread(comments: Iterable[Comment], max_depth: int = MAX_THREAD_DEPTH) -> list[ThreadNode]:
    """Top-level comments with nested replies, oldest first.

    Hidden and deleted comments lose their text; those without any visible reply below them are left out
    entirely (a "[deleted]" placeholder is only worth showing to keep a conversation's replies in place).
    A reply whose parent is unknown (cannot happen through the Hub) is shown at the top level.
    """
    ordered = sorted(comments, key=lambda c: (c.created_at, c.id))
    known = {c.id for c in ordered}
    children: dict[int | None, list[Comment]] = {}
    for comment in ordered:
        parent = comment.parent_id if comment.parent_id in known else None
        children.setdefault(parent, []).append(comment)

    def descendants(comment_id: int) -> list[Comment]:
        found: list[Comment] = []
        stack = list(reversed(children.get(comment_id, [])))
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(children.get(current.id, [])))
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def node(comment: Comment, depth: int) -> ThreadNode | None:
        if depth >= max_depth:  # flatten the rest of this branch at the deepest level, in time order
            below = [n for c in descendants(comment.id) if (n := _leaf(c, depth + 1)) is not None]
            replies = tuple(below)
        else:
            replies = tuple(n for c in children.get(comment.id, []) if (n := node(c, depth + 1)) is not None)
        return _shown(comment, replies, depth)

    return [n for c in children.get(None, []) if (n := node(c, 0)) is not None]


def _leaf(comment: Comment, depth: int) -> ThreadNode | None:
    # In a flattened branch every comment is its own leaf, so a removed one has nothing to hold in place.
    return _shown(comment, (), depth, keep_removed=False)


def _shown(
    comment: Comment, replies: tuple[ThreadNode, ...], depth: int, keep_removed: bool = True
) -> ThreadNode | None:
    if comment.deleted_at is None and comment.hidden_at is None:
        return ThreadNode(comment, replies, depth)
    if not replies or not keep_removed:
        return None
    blank = Comment(
        id=comment.id,
        arxiv_id=comment.arxiv_id,
        author=None,
        parent_id=comment.parent_id,
        body="",
        created_at=comment.created_at,
        deleted_at=comment.deleted_at,
        hidden_at=comment.hidden_at,
    )
    return ThreadNode(blank, replies, depth)


def count_visible(thread: Iterable[ThreadNode]) -> int:
    """Comments a reader sees in a thread, placeholders not counted."""
    return sum((0 if n.removed else 1) + count_visible(n.replies) for n in thread)


class DiscussionMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    settings: Settings
    store: Store
    clock: Clock
    mailer: Mailer
    github: GitHubSource
    rate_limiter: RateLimiter

    # -- comments ------------------------------------------------------------------------------------------

    def comment_thread(self, arxiv_id: str) -> list[ThreadNode]:
        """A paper's comments as a thread, hidden and deleted ones removed (placeholders where replies hang)."""
        return build_thread(self.store.paper_comments(parse_arxiv_ref(arxiv_id).arxiv_id))

    def comment(self, comment_id: int) -> Comment:
        """Any stored comment, removed or not; raises CommentNotFound."""
        found = self.store.get_comment(comment_id)
        if found is None:
            raise CommentNotFound(comment_id)
        return found

    def post_comment(self, user: User, arxiv_id: str, body: str, parent_id: int | None = None) -> Comment:
        """Add a comment (a reply when `parent_id` is given) to a paper's thread.

        Raises PermissionDenied (banned), InvalidInput (empty, too long, bad parent), PaperNotFound,
        RateLimited (`rate_limit_comment` per account, shared with edits).
        """
        _require_active(user)
        text = self._clean_body(body)
        arxiv_id = parse_arxiv_ref(arxiv_id).arxiv_id
        if self.store.get_paper(arxiv_id) is None:
            raise PaperNotFound(arxiv_id)
        if parent_id is not None:
            parent = self.store.get_comment(parent_id)
            if parent is None or parent.arxiv_id != arxiv_id:
                raise InvalidInput(f"comment {parent_id} is not part of this paper's discussion")
            if parent.deleted_at is not None or parent.hidden_at is not None:
                raise InvalidInput("that comment has been removed; replies to it are closed")
        self.rate_limiter.hit("comment", str(user.id), self.settings.rate_limit_comment)
        return self.store.add_comment(arxiv_id, user.id, parent_id, text, self.clock.now())

    def edit_comment(self, user: User, comment_id: int, body: str) -> Comment:
        """Replace the text of one's own comment; raises PermissionDenied for anyone else's, InvalidInput for a
        removed one or bad text, RateLimited like posting."""
        comment = self._own_comment(user, comment_id)
        if comment.deleted_at is not None or comment.hidden_at is not None:
            raise InvalidInput("this comment has been removed and can no longer be edited")
        text = self._clean_body(body)
        self.rate_limiter.hit("comment", str(user.id), self.settings.rate_limit_comment)
        self.store.edit_comment(comment_id, text, self.clock.now())
        return self.comment(comment_id)

    def delete_comment(self, user: User, comment_id: int) -> Comment:
        """Soft-delete one's own comment: its text goes, its replies stay under a "[deleted]" placeholder.
        Deleting twice is harmless. Moderators hide comments instead (hide_comment)."""
        comment = self._own_comment(user, comment_id)
        if comment.deleted_at is None:
            self.store.delete_comment(comment_id, self.clock.now())
        return self.comment(comment_id)

    def _own_comment(self, user: User, comment_id: int) -> Comment:
        _require_active(user)
        comment = self.comment(comment_id)
        if comment.author is None or comment.author.id != user.id:
            raise PermissionDenied("only its author can change or delete a comment")
        return comment

    def _clean_body(self, body: str) -> str:
        text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
        limit = self.settings.comment_max_chars
        if not text:
            raise InvalidInput("a comment cannot be empty")
        if len(text) > limit:
            raise InvalidInput(f"a comment can be at most {limit:,} characters long; this one has {len(text):,}")
        if any(unicodedata.category(ch) == "Cc" and ch not in _ALLOWED_CONTROLS for ch in text):
            raise InvalidInput("a comment cannot contain control characters")
        return text

    # -- moderation ----------------------------------------------------------------------------------------

    def hide_paper(self, admin: User, arxiv_id: str, reason: str = "") -> bool:
        """Take a paper off every feed (day / week / month pages, the daily API, RSS); its page stays reachable.
        Returns False when it was hidden already. Raises PermissionDenied, InvalidArxivId, PaperNotFound."""
        return self._set_paper_hidden(admin, arxiv_id, True, reason)

    def unhide_paper(self, admin: User, arxiv_id: str, reason: str = "") -> bool:
        return self._set_paper_hidden(admin, arxiv_id, False, reason)

    def _set_paper_hidden(self, admin: User, arxiv_id: str, hidden: bool, reason: str) -> bool:
        _require_admin(admin)
        arxiv_id = parse_arxiv_ref(arxiv_id).arxiv_id
        if self.store.get_paper(arxiv_id) is None:
            raise PaperNotFound(arxiv_id)
        return self.store.set_paper_hidden(
            arxiv_id, hidden, actor_id=admin.id, reason=_reason(reason), now=self.clock.now()
        )

    def hide_comment(self, admin: User, comment_id: int, reason: str = "") -> bool:
        """Remove a comment from its thread (kept for the record and for unhiding); False if already hidden."""
        return self._set_comment_hidden(admin, comment_id, True, reason)

    def unhide_comment(self, admin: User, comment_id: int, reason: str = "") -> bool:
        return self._set_comment_hidden(admin, comment_id, False, reason)

    def _set_comment_hidden(self, admin: User, comment_id: int, hidden: bool, reason: str) -> bool:
        _require_admin(admin)
        comment = self.comment(comment_id)
        author = f"@{comment.author.username}" if comment.author else "a deleted account"
        detail = f"on {comment.arxiv_id} by {author}" + (f": {_reason(reason)}" if reason.strip() else "")
        return self.store.set_comment_hidden(comment_id, hidden, actor_id=admin.id, reason=detail, now=self.clock.now())

    def ban_user(self, admin: User, username: str, reason: str = "") -> bool:
        """Ban an account: it can no longer sign in, comment, vote or submit, and every session and API token it
        has is revoked at once. Admins cannot be banned (remove the admin flag first), nor can one ban oneself.
        Returns False when it was banned already."""
        _require_admin(admin)
        target = self._user_named(username)
        if target.id == admin.id:
            raise InvalidInput("you cannot ban your own account")
        if target.is_admin:
            raise PermissionDenied(f"@{target.username} is an admin; remove the admin flag before banning")
        return self.store.set_user_banned(
            target.username, True, actor_id=admin.id, reason=_reason(reason), now=self.clock.now()
        )

    def unban_user(self, admin: User, username: str, reason: str = "") -> bool:
        """Lift a ban; the account signs in again to get a new session (old sessions and tokens stay revoked)."""
        _require_admin(admin)
        target = self._user_named(username)
        return self.store.set_user_banned(
            target.username, False, actor_id=admin.id, reason=_reason(reason), now=self.clock.now()
        )

    def _user_named(self, username: str) -> User:
        name = username.strip().removeprefix("@")
        target = self.store.get_user_by_username(name) if name else None
        if target is None:
            raise NotFound(f"there is no account named {name!r}")
        return target

    def audit_log(self, admin: User, page: int = 1, page_size: int = 50) -> AuditPage:
        """The moderation audit log, newest first; admins only."""
        _require_admin(admin)
        if page < 1:
            raise InvalidInput("page numbers start at 1")
        entries = self.store.audit_entries(limit=page_size, offset=(page - 1) * page_size)
        return AuditPage(entries, self.store.count_audit_entries(), page, page_size)

    def moderation_overview(self, admin: User) -> ModerationOverview:
        _require_admin(admin)
        return ModerationOverview(
            hidden_papers=[(i, t) for i, t, _ in self.store.hidden_papers(limit=ADMIN_LIST_LIMIT)],
            hidden_comments=self.store.hidden_comments(limit=ADMIN_LIST_LIMIT),
            banned_users=self.store.banned_users(limit=ADMIN_LIST_LIMIT),
            recent=self.store.audit_entries(limit=10),
        )


def _require_active(user: User) -> None:
    if user.is_banned:
        raise PermissionDenied("this account is banned")


def _require_admin(user: User) -> None:
    _require_active(user)
    if not user.is_admin:
        raise PermissionDenied("only admins can moderate")


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) > MAX_REASON_CHARS:
        raise InvalidInput(f"a moderation reason can be at most {MAX_REASON_CHARS} characters long")
    return text
