"""Digest subscriptions: double opt-in by mail, signed one-click unsubscribe and view links, and the account's own
subscription from its settings. No HTTP here; the digests themselves are usecases/digests.py's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from email.message import EmailMessage
from typing import cast

from dailypapers.domain.digest import Frequency, parse_frequency, parse_topics
from dailypapers.domain.errors import InvalidInput
from dailypapers.domain.models import User
from dailypapers.ports import Clock, Mailer, RateLimiter, Store
from dailypapers.ports.digests import DigestStore, Subscriber
from dailypapers.settings import Settings
from dailypapers.usecases.accounts import hash_secret, new_secret, normalize_email

log = logging.getLogger(__name__)

CONFIRM_HOURS = 48  # a confirmation link works once, within two days
CONFIRM_PATH = "/subscribe/confirm/"
UNSUBSCRIBE_PATH = "/unsubscribe/"
MANAGE_PATH = "/subscribe"
MAC_BYTES = 16  # 128-bit HMAC tags in unsubscribe and view links


def _mac(secret_key: str, purpose: str, *parts: int) -> str:
    key = hashlib.sha256(f"dailypapers.domain.digest:{secret_key}".encode()).digest()
    message = ":".join([purpose, *map(str, parts)]).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def unsubscribe_token(secret_key: str, subscriber_id: int) -> str:
    """`ID.TAG`: stateless, so every mail can carry it, and unforgeable without the secret key."""
    return f"{subscriber_id}.{_mac(secret_key, 'unsubscribe', subscriber_id)}"


def view_token(secret_key: str, digest_id: int, subscriber_id: int) -> str:
    return f"{subscriber_id}.{_mac(secret_key, 'view', digest_id, subscriber_id)}"


def token_subscriber(token: str, expected: Callable[[int], str]) -> int | None:
    head, _, _tag = token.partition(".")
    if not (head.isascii() and head.isdigit()) or len(head) > 18:  # "²".isdigit() is True, int("²") fails
        return None
    subscriber_id = int(head)
    return subscriber_id if hmac.compare_digest(token.encode(), expected(subscriber_id).encode()) else None


def confirmation_message(*, site_name: str, mail_from: str, to: str, link: str, frequency: Frequency) -> EmailMessage:
    """The double opt-in mail: one link, nothing sent until it is followed."""
    kind = "daily (weekdays)" if frequency == "daily" else "weekly"
    message = EmailMessage()
    message["Subject"] = f"Confirm your {site_name} digest"
    message["From"] = mail_from
    message["To"] = to
    message["Auto-Submitted"] = "auto-generated"
    text = (
        f"Someone — hopefully you — asked for the {kind} digest of trending papers from {site_name} at this "
        f"address, or to change its topics.\n\nConfirm here:\n\n{link}\n\n"
        f"The link works once, within {CONFIRM_HOURS} hours. If you did not ask, ignore this mail: nothing is "
        "sent until the link is used.\n"
    )
    message.set_content(text)
    site, href = html.escape(site_name), html.escape(link, quote=True)
    message.add_alternative(
        f"<p>Someone — hopefully you — asked for the {kind} digest of trending papers from {site} at this "
        "address, or to change its topics.</p>\n"
        f'<p><a href="{href}">Confirm the subscription</a></p>\n'
        f"<p>The link works once, within {CONFIRM_HOURS} hours. If you did not ask, ignore this mail: nothing is "
        "sent until the link is used.</p>\n",
        subtype="html",
    )
    return message


class SubscriptionsMixin:
    """Mixed into hub.Hub (through DigestsMixin), which provides the attributes below."""

    settings: Settings
    store: Store
    clock: Clock
    mailer: Mailer
    rate_limiter: RateLimiter

    @property
    def _digests(self) -> DigestStore:
        return cast(DigestStore, self.store)

    def _base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    # -- subscribing -------------------------------------------------------------------------------------

    def subscribe(
        self,
        email: str,
        frequency: str,
        *,
        categories: str | Sequence[str] = "",
        include: str = "",
        exclude: str = "",
        client: str,
    ) -> str:
        """Mail a confirmation link for these preferences; returns the normalized address.

        New, pending and already subscribed addresses take the same path (confirming an existing subscription
        updates its topics), so the answer tells nothing about who is subscribed; suppressed (bounced) addresses
        get no mail. Raises InvalidInput, RateLimited, SourceError when the mail fails.
        """
        address = normalize_email(email)
        freq = parse_frequency(frequency)
        topics = parse_topics(categories, include, exclude)
        rate = self.settings.rate_limit_subscribe
        self.rate_limiter.hit("subscribe", client, rate)
        self.rate_limiter.hit("subscribe_email", address, rate)
        if self._digests.is_suppressed(address):
            log.info("subscribe: %s is suppressed (bounced); no confirmation mail", address)
            return address
        now = self.clock.now()
        subscriber = self._digests.ensure_subscriber(address, freq, topics, now)
        token = new_secret()
        expires = now + timedelta(hours=CONFIRM_HOURS)
        self._digests.add_subscription_token(subscriber.id, hash_secret(token), freq, topics, now, expires)
        self.mailer.send(
            confirmation_message(
                site_name=self.settings.site_name,
                mail_from=self.settings.mail_from,
                to=address,
                link=f"{self._base_url()}{CONFIRM_PATH}{token}",
                frequency=freq,
            )
        )
        return address

    def subscription_for_link(self, token: str) -> Subscriber | None:
        """The subscriber of a still-valid confirmation link, without using it (its GET shows a button)."""
        return self._digests.peek_subscription_token(hash_secret(token), self.clock.now())

    def confirm_subscription(self, token: str) -> Subscriber:
        """Use a confirmation link; raises InvalidInput for unknown, used or expired links."""
        subscriber = self._digests.confirm_subscription(hash_secret(token), self.clock.now())
        if subscriber is None:
            raise InvalidInput(
                "this confirmation link is not valid: it was already used, has expired, or is incomplete"
            )
        return subscriber

    def unsubscribe_url(self, subscriber_id: int) -> str:
        return f"{self._base_url()}{UNSUBSCRIBE_PATH}{unsubscribe_token(self.settings.secret_key, subscriber_id)}"

    def unsubscribe_target(self, token: str) -> Subscriber:
        """The subscriber an unsubscribe link names; InvalidInput for a tampered or unknown link."""
        subscriber_id = token_subscriber(token, lambda i: unsubscribe_token(self.settings.secret_key, i))
        subscriber = self._digests.get_subscriber(subscriber_id) if subscriber_id is not None else None
        if subscriber is None:
            raise InvalidInput("this unsubscribe link is not valid; copy the whole link from the mail")
        return subscriber

    def unsubscribe(self, token: str) -> Subscriber:
        """One-click unsubscribe (RFC 8058); repeating it is harmless. Raises InvalidInput for tampered links."""
        subscriber = self.unsubscribe_target(token)
        if self._digests.unsubscribe(subscriber.id, self.clock.now()):
            log.info("unsubscribed subscriber %d", subscriber.id)
        return self._digests.get_subscriber(subscriber.id) or subscriber

    # -- signed-in accounts (settings) -------------------------------------------------------------------

    def account_subscription(self, user: User) -> Subscriber | None:
        """The subscriber of the account's own address, whatever its status (None: never subscribed)."""
        return self._digests.get_subscriber_by_email(normalize_email(user.email))

    def set_account_subscription(
        self,
        user: User,
        frequency: str,
        *,
        categories: str | Sequence[str] = "",
        include: str = "",
        exclude: str = "",
    ) -> Subscriber:
        """Subscribe the account's address, or change its frequency and topics, at once: signing in by the mailed
        link already proved the address, so no confirmation mail. Raises InvalidInput (also for an address whose
        mail bounced: it stays suppressed)."""
        freq = parse_frequency(frequency)
        topics = parse_topics(categories, include, exclude)
        address = normalize_email(user.email)
        subscriber = self._digests.set_subscription(address, user.id, freq, topics, self.clock.now())
        if subscriber is None:
            raise InvalidInput(
                "mail to your address bounced, so digests to it are stopped; ask the site's admins to lift it"
            )
        log.info("account %d set its digest subscription (%s)", user.id, freq)
        return subscriber

    def unsubscribe_account(self, user: User) -> Subscriber | None:
        """Stop the digests to the account's address; harmless when it was not subscribed."""
        subscriber = self.account_subscription(user)
        if subscriber is None:
            return None
        if self._digests.unsubscribe(subscriber.id, self.clock.now()):
            log.info("account %d unsubscribed from digests", user.id)
        return self._digests.get_subscriber(subscriber.id)
