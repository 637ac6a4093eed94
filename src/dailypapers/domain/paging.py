"""Paginated: what every one-page-of-a-list result shares (whether another page follows)."""

from __future__ import annotations


class Paginated:
    """Mixed into a frozen dataclass with `total`, `page` (from 1) and `page_size` fields."""

    __slots__ = ()
    total: int
    page: int
    page_size: int

    @property
    def has_more(self) -> bool:
        return self.page * self.page_size < self.total
