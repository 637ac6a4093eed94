"""The port of the for-you ranking's text model: a per-member model over the words of papers, and what it answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dailypapers.domain.models import Paper


@dataclass(frozen=True, slots=True)
class TextScores:
    """The text model's answer, one entry per candidate in the order given.

    `scores`: the model's decision value (higher: more like the liked papers than the rest); `nearest`: the index
    (into the liked papers given) of the liked paper whose words the candidate shares most, for the "similar to" line.
    """

    scores: tuple[float, ...]
    nearest: tuple[int, ...]


class TextTaste(Protocol):
    """Learns, per request, what separates a member's liked papers from the papers they passed over."""

    def score(
        self,
        liked: Sequence[Paper],
        disliked: Sequence[Paper],
        background: Sequence[Paper],
        candidates: Sequence[Paper],
    ) -> TextScores | None:
        """Fit on `liked` (positive) against `disliked`, `background` and `candidates` (negative: a member picks
        few of the papers in front of them), and score the candidates; None without likes or candidates."""
        ...
