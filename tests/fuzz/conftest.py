"""The fuzzed hub: one per backend (SQLite, PostgreSQL) per session, seeded with a bit of everything, behind a fake
arXiv, searching with the test embedder, and a signed-in member's cookie and CSRF token at hand."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from dailypapers.adapters.clock import FixedClock
from dailypapers.adapters.sql.engine import create_engine
from dailypapers.hub import Hub
from dailypapers.pgsearch import PgSearch
from dailypapers.search import SearchService
from dailypapers.settings import Settings
from dailypapers.web.app import create_app
from dailypapers.web.auth import SESSION_COOKIE, signed_session
from dailypapers.wiring import make_hub
from tests.conftest import NOW
from tests.fakes.arxiv_server import FakeArxiv, paper_record
from tests.search.conftest import WordsEmbedder
from tests.web import seed
from tests.web.auth_helpers import csrf_token

IDS = ["2608.20001", "2608.20002", "2608.20003", "2608.21001", "hep-th/9901001"]


@dataclass
class World:
    """A seeded hub and what the fuzz needs to reach past the first checks: real ids, names, keys."""

    hub: Hub
    app: object
    session: tuple[str, str]  # the member's cookie (name, value)
    csrf: str = ""
    known: dict[str, list[str]] = field(default_factory=dict)

    def client(self, *, signed_in: bool) -> TestClient:
        client = TestClient(self.app, follow_redirects=False, raise_server_exceptions=False)  # type: ignore[arg-type]
        if signed_in:
            client.cookies.set(*self.session)
        return client


def _seed(hub: Hub) -> dict[str, list[str]]:
    papers = [
        seed.paper(IDS[0], title="Sparse $\\sim$$2.5\\times$ attention", categories=("cs.CV", "cs.LG")),
        seed.paper(IDS[1], title="Diffusion & <b>markup</b>", github_repo="https://github.com/a/b"),
        seed.paper(IDS[2], title="Hidden spam", categories=("cs.CL",)),
        seed.paper(IDS[3], title="Language models", published=datetime(2024, 3, 1, tzinfo=UTC)),
        seed.paper(IDS[4], title="An old-style id", categories=("hep-th",), published=datetime(1999, 1, 4, tzinfo=UTC)),
    ]
    seed.store(
        hub,
        papers,
        [
            seed.entry(IDS[0], date(2026, 8, 20)),
            seed.entry(IDS[1], date(2026, 8, 20), 1),
            seed.entry(IDS[3], date(2026, 8, 21)),
        ],
    )
    admin = hub.store.set_admin(hub.store.get_or_create_user("ada@example.org", "ada", NOW).id, True)
    bob = hub.store.get_or_create_user("bob@example.org", "bob", NOW)
    hub.set_upvote(bob, IDS[0], True)
    comment = hub.post_comment(bob, IDS[0], "First! $x^2$")
    hub.hide_paper(admin, IDS[2], "spam")
    collection = hub.create_collection(admin, "Reading list", "Good papers.", is_public=True)
    hub.add_to_collection(admin, collection.slug, IDS[0])
    hub.create_collection(admin, "Secret", is_public=False)
    token, _secret = hub.create_api_token(admin, "script", "write")
    saved = hub.save_search(admin, "Diffusion", "diffusion has:code")
    return {
        "arxiv_id": IDS,
        "username": ["ada", "bob", "deleted_1"],
        "slug": [collection.slug, "secret", "2026-08-20", "2026-W34", "2026-08"],
        "comment_id": [str(comment.id)],
        "token_id": [str(token.id)],
        "search_id": [str(saved.id)],
        "rule_id": ["1"],
        "key_with_ext": [f"{hub.for_you_feed_key(admin)}.atom", f"{hub.saved_searches_feed_key(admin)}.rss"],
        "name_with_ext": ["cs.CV.atom", "Ada Lovelace.rss", "cs.rss"],
        "fmt": ["atom", "rss"],
        "ext": ["bib", "ris", "json"],
        "token": ["1.abc"],
        "digest_id": ["1"],
    }


def _world(settings: Settings, arxiv: FakeArxiv, search_root: Path) -> World:
    settings = settings.with_overrides(
        arxiv_oai_url=arxiv.oai_url,
        arxiv_api_url=arxiv.api_url,
        arxiv_min_interval_seconds=0.0,
        arxiv_max_retries=0,
        embedder="none",
        submit_min_account_age_hours=0,
    )
    hub = make_hub(settings, clock=FixedClock(NOW))
    if settings.database_url.startswith("postgresql"):
        engine = hub.store.engine  # type: ignore[attr-defined]
        hub.search_engine = PgSearch(hub.store, engine, WordsEmbedder(), embed_on_index=True)
    else:
        hub.search_engine = SearchService(hub.store, search_root, WordsEmbedder(), embed_on_index=True)
    known = _seed(hub)
    admin = hub.store.get_user_by_username("ada")
    assert admin is not None
    world = World(hub, create_app(hub), (SESSION_COOKIE, signed_session(hub.settings, hub.start_session(admin))))
    world.known = known
    with world.client(signed_in=True) as client:
        world.csrf = csrf_token(client)
    return world


@pytest.fixture(scope="session")
def _fake_arxiv() -> Iterator[FakeArxiv]:
    with FakeArxiv() as server:
        server.set_api_paper(paper_record("2608.29999", title="Fresh from arXiv", created="2026-08-20"))
        yield server


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def world(
    request: pytest.FixtureRequest, _template_db: Path, tmp_path_factory: pytest.TempPathFactory, _fake_arxiv: FakeArxiv
) -> Iterator[World]:
    root = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        shutil.copyfile(_template_db, root / "hub.db")
        url = f"sqlite:///{root / 'hub.db'}"
    else:
        base = str(request.getfixturevalue("_postgres"))
        name = f"dp_fuzz_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE dp_template")
        admin.dispose()
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    world = _world(Settings(database_url=url), _fake_arxiv, root / "search")
    yield world
    world.hub.store.engine.dispose()  # type: ignore[attr-defined]
