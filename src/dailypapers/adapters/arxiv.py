"""arXiv clients: OAI-PMH ListRecords harvesting and the Atom query API (placeholder until implemented)."""

from __future__ import annotations

from datetime import date

from dailypapers.errors import SourceUnavailable
from dailypapers.models import HarvestPage, Paper
from dailypapers.settings import Settings


class ArxivClient:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def list_records(self, set_spec: str, from_date: date | None, resumption_token: str | None) -> HarvestPage:
        raise SourceUnavailable("not implemented yet")

    def fetch(self, arxiv_id: str) -> Paper | None:
        raise SourceUnavailable("not implemented yet")
