"""The personal "for you" list: recent trending papers re-ranked by likeness to what a member upvoted."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from dailypapers.digest import LikedPapers, personal_picks, unit_vectors
from dailypapers.errors import NotFound
from dailypapers.models import PaperView, User
from dailypapers.ports import SearchEngine
from dailypapers.usecases.voting import VotingMixin

FOR_YOU_DAYS = 14
LIKED_LIMIT = 200
_FEED_KEY_PURPOSE = b"for-you-feed:"


@dataclass(frozen=True, slots=True)
class ForYouItem:
    view: PaperView
    why: str


class PersonalMixin(VotingMixin):
    """Mixed into hub.Hub, which provides the attributes below; ranks on top of VotingMixin's trending."""

    search_engine: SearchEngine

    def for_you(self, user: User, limit: int = 50) -> list[ForYouItem]:
        """Papers of the last two weeks most like the member's upvotes first, then the rest in trending order.

        Without upvotes or vectors (a new member, semantic search off) it is plain trending, said so per item.
        """
        trending = self.trending(days=FOR_YOU_DAYS).items
        liked_ids = list(self.store.user_upvotes(user.id, LIKED_LIMIT))
        found = self.store.get_papers(liked_ids)
        liked = [found[i] for i in liked_ids if i in found]
        candidates = [item.paper for item in trending]
        vectors = self.search_engine.paper_vectors([p.arxiv_id for p in candidates + liked])
        liked_papers, liked_matrix = unit_vectors(liked, vectors)
        with_vectors, matrix = unit_vectors(candidates, vectors)
        picks = personal_picks(
            with_vectors, matrix, LikedPapers(liked_papers, liked_matrix), set(liked_ids), limit, min_similarity=0.2
        )
        views = {item.paper.arxiv_id: PaperView(item.paper, item.entry, item.upvotes) for item in trending}
        chosen = [ForYouItem(views[p.arxiv_id], p.why) for p in picks]
        taken = {item.view.paper.arxiv_id for item in chosen} | set(liked_ids)
        chosen += [
            ForYouItem(views[p.arxiv_id], f"Trending in the last {FOR_YOU_DAYS} days")
            for p in candidates
            if p.arxiv_id not in taken
        ]
        return chosen[:limit]

    def for_you_feed_key(self, user: User) -> str:
        """The secret part of a member's private feed URL: their id and an HMAC of it under the site's key."""
        return f"{user.id}-{_mac(self.settings.secret_key, user.id)}"

    def user_for_feed_key(self, key: str) -> User:
        """The member a private feed key belongs to; NotFound for anything forged, so guessing learns nothing."""
        user_part, _, mac = key.partition("-")
        if not user_part.isdigit() or not hmac.compare_digest(mac, _mac(self.settings.secret_key, int(user_part))):
            raise NotFound("no such feed")
        user = self.store.get_user(int(user_part))
        if user is None or user.is_banned:
            raise NotFound("no such feed")
        return user


def _mac(secret: str, user_id: int) -> str:
    digest = hmac.new(secret.encode(), _FEED_KEY_PURPOSE + str(user_id).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
