"""Accounts: passwordless sign-in, sessions, API tokens, profiles, admins. Secrets are made here and stored hashed.

Cookies, CSRF and HTTP live in web/auth.py; this module never sees a request.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import quote, urlencode

from dailypapers.domain.errors import InvalidInput, NotFound, PermissionDenied
from dailypapers.domain.models import ApiToken, PaperView, User
from dailypapers.ports import Clock, GitHubSource, Mailer, RateLimiter, Store
from dailypapers.settings import Settings

SECRET_BYTES = 32  # 256 bits from the CSPRNG for sign-in links, sessions and API tokens
API_TOKEN_PREFIX = "dp_"  # noqa: S105 - the public prefix of every API token, not a secret
API_TOKEN_SHOWN_PREFIX = 10  # "dp_" and 7 characters: enough to tell tokens apart, far too little to guess one
SCOPES = ("read", "write")
TOKEN_TOUCH_SECONDS = 60  # `last used` is recorded at most once a minute, so API reads do not all become writes
SIGN_IN_LINK_PATH = "/signin/confirm"
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 64
PROFILE_LIMIT = 50

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def hash_secret(secret: str) -> str:
    """What the database keeps of a link, session or API token: its sha256 hex digest."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def normalize_email(raw: str) -> str:
    """Lower-cased and stripped; InvalidInput when it is not an address (or could smuggle mail headers)."""
    email = raw.strip().lower()
    if not email:
        raise InvalidInput("enter your email address")
    if len(email) > MAX_EMAIL_LENGTH or not _EMAIL_RE.match(email):
        raise InvalidInput(f"{raw.strip()[:80]!r} is not an email address")
    return email


def username_from_email(email: str) -> str:
    """`Jane.Doe+papers@x.org` → `jane-doe`: the local part, ASCII, lower case, runs of other characters as `-`."""
    local = email.split("@", 1)[0].split("+", 1)[0]
    ascii_local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "-", ascii_local.lower()).strip("-")[:32].strip("-")
    return name or "user"


def safe_next_path(raw: str | None) -> str:
    """Where to go after signing in: a path on this site only (never `//evil.example` or a full URL)."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")) or _CONTROL_RE.search(raw):
        return "/"
    return raw


def sign_in_message(*, site_name: str, mail_from: str, to: str, link: str, minutes: int) -> EmailMessage:
    """The sign-in mail: plain text with an HTML alternative, one link, no tracking."""
    message = EmailMessage()
    message["Subject"] = f"Sign in to {site_name}"
    message["From"] = mail_from
    message["To"] = to
    message.set_content(
        f"Open this link to sign in to {site_name}:\n\n{link}\n\n"
        f"It works once, within {minutes} minutes. If you did not ask to sign in, ignore this mail: "
        "nothing happens until the link is used.\n"
    )
    site, href = html.escape(site_name), html.escape(link, quote=True)
    message.add_alternative(
        f"<p>Open this link to sign in to {site}:</p>\n"
        f'<p><a href="{href}">Sign in to {site}</a></p>\n'
        f"<p>It works once, within {minutes} minutes. If you did not ask to sign in, ignore this mail: "
        "nothing happens until the link is used.</p>\n",
        subtype="html",
    )
    return message


@dataclass(frozen=True, slots=True)
class Profile:
    """A public profile page: the account and what it submitted and upvoted (newest first)."""

    user: User
    submissions: list[PaperView]
    upvotes: list[PaperView]


class AccountsMixin:
    """Mixed into hub.Hub, which provides the attributes below."""

    settings: Settings
    store: Store
    clock: Clock
    mailer: Mailer
    github: GitHubSource
    rate_limiter: RateLimiter

    # -- sign-in by emailed link -------------------------------------------------------------------------

    def request_sign_in(self, email: str, *, client: str, next_path: str | None = None) -> str:
        """Mail a single-use sign-in link to `email`; returns the normalized address.

        Known and unknown addresses take the same path (a link is mailed either way; the account is created
        when the link is used), so neither the answer nor its timing tells whether an account exists.
        Raises InvalidInput, RateLimited (per address and per client), SourceError when the mail fails.
        """
        address = normalize_email(email)
        self.rate_limiter.hit("sign_in_client", client, self.settings.rate_limit_sign_in)
        self.rate_limiter.hit("sign_in_email", address, self.settings.rate_limit_sign_in)
        now = self.clock.now()
        token = new_secret()
        minutes = self.settings.login_link_minutes
        self.store.add_login_token(address, hash_secret(token), now, now + timedelta(minutes=minutes))
        query = {"token": token}
        next_path = safe_next_path(next_path)
        if next_path != "/":
            query["next"] = next_path
        link = f"{self.settings.base_url.rstrip('/')}{SIGN_IN_LINK_PATH}?{urlencode(query, quote_via=quote)}"
        self.mailer.send(
            sign_in_message(
                site_name=self.settings.site_name,
                mail_from=self.settings.mail_from,
                to=address,
                link=link,
                minutes=minutes,
            )
        )
        return address

    def sign_in_link_email(self, token: str) -> str | None:
        """The address a still-valid link was sent to, without using the link (GET of the link shows a button)."""
        return self.store.peek_login_token(hash_secret(token), self.clock.now())

    def complete_sign_in(self, token: str, *, previous_session: str | None = None) -> tuple[User, str]:
        """Use a sign-in link: the account (created on first sign-in) and a new session token.

        The link works once; a session the browser already had is revoked (the session is rotated).
        Raises InvalidInput for unknown, used or expired links, PermissionDenied for banned accounts.
        """
        now = self.clock.now()
        email = self.store.consume_login_token(hash_secret(token), now)
        if email is None:
            raise InvalidInput("this sign-in link is not valid: it was already used, has expired, or is incomplete")
        user = self.store.get_or_create_user(email, username_from_email(email), now)
        if user.is_banned:
            raise PermissionDenied("this account is banned")
        if user.is_deleted:  # only a placeholder address leads here, and it receives no mail; refuse all the same
            raise PermissionDenied("this account was deleted")
        return user, self.start_session(user, previous_session=previous_session)

    def start_session(self, user: User, *, previous_session: str | None = None) -> str:
        """A new session token for `user` (revoking `previous_session`: sessions rotate at sign-in)."""
        now = self.clock.now()
        if previous_session:
            self.store.revoke_session(hash_secret(previous_session), now)
        session = new_secret()
        self.store.create_session(user.id, hash_secret(session), now, now + timedelta(days=self.settings.session_days))
        return session

    def user_for_session(self, session: str) -> User | None:
        """The signed-in user of a session token; None for unknown, revoked or expired sessions and bans."""
        return self.store.session_user(hash_secret(session), self.clock.now())

    def sign_out(self, session: str) -> None:
        self.store.revoke_session(hash_secret(session), self.clock.now())

    # -- API tokens --------------------------------------------------------------------------------------

    def authenticate_api_token(self, secret: str) -> tuple[User, ApiToken] | None:
        """The user and token of a live `dp_…` secret; None when unknown, revoked, or the account is banned."""
        if not secret.startswith(API_TOKEN_PREFIX):
            return None
        found = self.store.api_token_user(hash_secret(secret))
        if found is None:
            return None
        token, user = found
        now = self.clock.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOKEN_TOUCH_SECONDS:
            self.store.touch_api_token(token.id, now)
        return user, token

    def create_api_token(self, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
        """A new token named `name` with scope `read` or `write` (write includes read); the secret is returned
        once, here, and only its hash is stored."""
        name = name.strip()
        if not name:
            raise InvalidInput("give the token a name, e.g. the script that will use it")
        if len(name) > MAX_NAME_LENGTH or _CONTROL_RE.search(name):
            raise InvalidInput(f"token names are up to {MAX_NAME_LENGTH} printable characters")
        if scope not in SCOPES:
            raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}")
        scopes = frozenset(SCOPES[: SCOPES.index(scope) + 1])
        secret = API_TOKEN_PREFIX + new_secret()
        token = self.store.add_api_token(
            user.id, name, secret[:API_TOKEN_SHOWN_PREFIX], hash_secret(secret), scopes, self.clock.now()
        )
        return token, secret

    def api_tokens(self, user: User) -> list[ApiToken]:
        return self.store.list_api_tokens(user.id)

    def revoke_api_token(self, user: User, token_id: int) -> None:
        """Raises NotFound when `user` has no such live token (someone else's token is "not found" too)."""
        if not self.store.revoke_api_token(user.id, token_id, self.clock.now()):
            raise NotFound(f"you have no active API token with id {token_id}")

    # -- profiles and admins -----------------------------------------------------------------------------

    def set_display_name(self, user: User, display_name: str) -> User:
        name = " ".join(display_name.split())
        if not name:
            raise InvalidInput("the display name cannot be empty")
        if len(name) > MAX_NAME_LENGTH or _CONTROL_RE.search(name):
            raise InvalidInput(f"display names are up to {MAX_NAME_LENGTH} printable characters")
        return self.store.set_display_name(user.id, name)

    def user_named(self, username: str) -> User:
        user = self.store.get_user_by_username(username)
        if user is None:
            raise NotFound(f"there is no account named {username[:64]!r}")
        return user

    def profile(self, username: str, limit: int = PROFILE_LIMIT) -> Profile:
        """The public profile of `username`; raises NotFound (banned accounts have no profile)."""
        user = self.user_named(username)
        if user.is_banned or user.is_deleted:
            raise NotFound(f"there is no account named {username[:64]!r}")
        submitted = list(self.store.user_submissions(user.id, limit))
        upvoted = list(self.store.user_upvotes(user.id, limit))
        views = self.store.paper_views(list(dict.fromkeys(submitted + upvoted)))
        return Profile(
            user=user,
            submissions=[views[i] for i in submitted if i in views],
            upvotes=[views[i] for i in upvoted if i in views],
        )

    def create_admin(self, email: str) -> tuple[User, bool]:
        """Make `email` an admin, creating the account when needed; returns (user, whether it was created)."""
        address = normalize_email(email)
        created = self.store.get_user_by_email(address) is None
        user = self.store.get_or_create_user(address, username_from_email(address), self.clock.now())
        return self.store.set_admin(user.id, True), created
