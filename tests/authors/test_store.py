"""The AuthorStore and ClaimStore contract on SQLite and PostgreSQL: the author index follows papers, organization
lists, links edited by hand (and kept from imports), claims with their database-enforced rules."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from dailypapers.adapters.sql.engine import create_engine
from dailypapers.adapters.sql.migrate import downgrade, upgrade
from dailypapers.adapters.sql.store import SqlStore
from dailypapers.domain.authors import PaperLinks
from dailypapers.domain.errors import Conflict
from dailypapers.domain.models import FeedEntry, FeedQuery, ImportRecord, Organization, Paper, User

NOW = datetime(2026, 8, 21, 12, 0, tzinfo=UTC)
DAY = date(2026, 8, 20)


def paper(n: int, authors: tuple[str, ...] = ("Chengsong Huang", "Zifeng Wang"), **fields: object) -> Paper:
    base = Paper(f"2608.{n:05d}", f"Paper {n}", "Abstract.", authors, NOW - timedelta(days=30 - n), version=1)
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def entry(n: int, organization: str | None = None, **fields: object) -> FeedEntry:
    base = FeedEntry(f"2608.{n:05d}", DAY, NOW - timedelta(hours=n), submitted_by="ak", organization=organization)
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def user(store: SqlStore, name: str, admin: bool = False) -> User:
    made = store.get_or_create_user(f"{name}@example.org", name, NOW)
    return store.set_admin(made.id, True) if admin else made


def test_author_index_follows_inserts_and_changed_author_lists(store: SqlStore) -> None:
    store.upsert_papers([paper(1), paper(2, ("C. Huang", "Ada Lovelace")), paper(3, ("chengsong  huang",))])
    assert store.author_paper_ids("Chengsong Huang", limit=10) == ["2608.00001"]
    assert store.count_author_papers("Chengsong Huang") == 1
    spellings = store.author_spellings("c huang", limit=10)
    assert sorted(spellings) == [("C. Huang", 1), ("Chengsong Huang", 1), ("chengsong huang", 1)]
    # A newer version with another author list replaces the paper's index rows.
    store.upsert_papers([paper(1, ("Chengsong Huang", "Zifeng Wang", "Rujun Han"), version=2)])
    assert store.author_paper_ids("Rujun Han", limit=10) == ["2608.00001"]
    store.upsert_papers([paper(1, ("Zifeng Wang",), version=3)])
    assert store.author_paper_ids("Chengsong Huang", limit=10) == []
    assert store.count_author_papers("Zifeng Wang") == 1


def test_author_papers_newest_first_paged_and_hidden_ones_left_out(store: SqlStore) -> None:
    store.upsert_papers([paper(n) for n in range(1, 6)])
    assert store.author_paper_ids("Zifeng Wang", limit=2) == ["2608.00005", "2608.00004"]
    assert store.author_paper_ids("Zifeng Wang", limit=2, offset=4) == ["2608.00001"]
    admin = user(store, "root", admin=True)
    store.set_paper_hidden("2608.00005", True, actor_id=admin.id, reason="spam", now=NOW)
    assert store.count_author_papers("Zifeng Wang") == 4
    assert store.author_paper_ids("Zifeng Wang", limit=1) == ["2608.00004"]


def test_organization_papers_come_from_entries_and_from_edits(store: SqlStore) -> None:
    store.upsert_papers([paper(n) for n in range(1, 5)])
    store.add_feed_entries([entry(1, "google"), entry(2, "google"), entry(3, "meta")])
    admin = user(store, "root", admin=True)
    assert store.organization_paper_ids("google", limit=10) == ["2608.00002", "2608.00001"]
    # An author moves paper 2 to meta and gives paper 4 (not on the feed) to google.
    store.set_paper_links("2608.00002", PaperLinks(None, None, "meta"), actor_id=admin.id, detail="x", now=NOW)
    store.set_paper_links("2608.00004", PaperLinks(None, None, "google"), actor_id=admin.id, detail="y", now=NOW)
    assert store.organization_paper_ids("google", limit=10) == ["2608.00004", "2608.00001"]
    assert store.count_organization_papers("meta") == 2
    assert store.paper_views(["2608.00002"])["2608.00002"].organization == Organization("meta")
    day = FeedQuery(DAY, DAY, organization="meta")
    assert [i.paper.arxiv_id for i in store.feed_items(day, limit=10)] == ["2608.00003", "2608.00002"]
    assert store.count_feed_items(FeedQuery(DAY, DAY, organization="google")) == 1
    assert store.neighbour_feed_dates(DAY + timedelta(days=1), DAY + timedelta(days=1), organization="meta") == (
        DAY,
        None,
    )
    assert store.neighbour_feed_dates(DAY + timedelta(days=1), DAY + timedelta(days=1), organization="x") == (
        None,
        None,
    )
    # Clearing by hand clears: the entry's google no longer shows for paper 1.
    store.set_paper_links("2608.00001", PaperLinks(None, None, None), actor_id=admin.id, detail="z", now=NOW)
    assert store.organization_paper_ids("google", limit=10) == ["2608.00004"]
    assert [o.name for o in store.all_organizations()] == ["google", "meta"]  # added by name when unknown
    audit = [(a.action, a.target, a.detail) for a in store.audit_entries(limit=10)]
    assert ("edit_paper_links", "paper:2608.00002", "x") in audit


def test_links_edited_by_hand_survive_an_upstream_answer(store: SqlStore) -> None:
    record = ImportRecord(
        paper(1, github_repo="https://github.com/wrong/repo", imported_upvotes=3),
        entry(1, "google", source="upstream", upstream="https://huggingface.co", upstream_synced_at=NOW),
        Organization("google", "Google", None),
    )
    store.mirror_records([record])
    admin = user(store, "root", admin=True)
    links = PaperLinks("https://github.com/right/repo", "https://right.example", "deepmind")
    store.set_paper_links("2608.00001", links, actor_id=admin.id, detail="fix", now=NOW)
    assert record.feed_entry is not None
    later = dataclasses.replace(record.feed_entry, upstream_synced_at=NOW + timedelta(hours=1))
    newer_paper = dataclasses.replace(record.paper, version=2, title="Paper 1, v2")
    store.mirror_records([ImportRecord(newer_paper, later, record.organization)])
    view = store.paper_views(["2608.00001"])["2608.00001"]
    assert (view.paper.github_repo, view.paper.project_page) == (
        "https://github.com/right/repo",
        "https://right.example",
    )
    assert view.organization == Organization("deepmind")
    assert view.paper.title == "Paper 1, v2"  # everything else still follows the upstream


def test_claims_one_live_claim_per_member_and_one_verified_member_per_slot(store: SqlStore) -> None:
    store.upsert_papers([paper(1)])
    ada, bob, root = user(store, "ada"), user(store, "bob"), user(store, "root", admin=True)
    first = store.add_claim("2608.00001", "Chengsong Huang", ada.id, NOW)
    assert (first.status, first.user.username, first.is_verified) == ("pending", "ada", False)
    with pytest.raises(Conflict):
        store.add_claim("2608.00001", "Zifeng Wang", ada.id, NOW)  # one live claim per member and paper
    rival = store.add_claim("2608.00001", "Chengsong Huang", bob.id, NOW)
    assert store.verified_authors(["2608.00001"]) == {}  # pending gives nothing
    assert store.decide_claim(first.id, "approved", expected="pending", actor_id=root.id, reason="", now=NOW)
    assert not store.decide_claim(first.id, "approved", expected="pending", actor_id=root.id, reason="", now=NOW)
    with pytest.raises(Conflict):
        store.decide_claim(rival.id, "approved", expected="pending", actor_id=root.id, reason="", now=NOW)
    assert store.get_claim(rival.id).status == "pending"  # type: ignore[union-attr]  # the failed write left nothing
    verified = store.verified_authors(["2608.00001", "2608.99999"])
    assert {k: {n: u.username for n, u in v.items()} for k, v in verified.items()} == {
        "2608.00001": {"Chengsong Huang": "ada"}
    }
    assert [u.username for u in store.verified_members("Chengsong Huang")] == ["ada"]
    decided = store.get_claim(first.id)
    assert decided is not None
    assert (decided.decided_by, decided.decided_at) == ("root", NOW)
    [entry_] = [a for a in store.audit_entries(limit=5) if a.action == "approve_claim"]
    assert (entry_.actor, entry_.target) == ("root", f"claim:{first.id}")
    assert "Chengsong Huang on 2608.00001, claimed by @ada" in entry_.detail
    # Withdrawn, the slot is free for the rival; a rejected claim no longer blocks a new one by the same member.
    assert store.decide_claim(first.id, "rejected", expected="approved", actor_id=root.id, reason="wrong", now=NOW)
    assert store.decide_claim(rival.id, "approved", expected="pending", actor_id=root.id, reason="", now=NOW)
    again = store.add_claim("2608.00001", "Zifeng Wang", ada.id, NOW)
    assert [c.id for c in store.paper_claims("2608.00001")] == [first.id, rival.id, again.id]
    assert [c.id for c in store.user_claims(ada.id)] == [again.id, first.id]
    assert [c.id for c in store.claims_with_status("pending", limit=10)] == [again.id]
    assert store.count_claims("approved") == 1


def test_hidden_claims_banned_members_and_author_comments(store: SqlStore) -> None:
    store.upsert_papers([paper(1), paper(2)])
    ada, root = user(store, "ada"), user(store, "root", admin=True)
    claim = store.add_claim("2608.00001", "Zifeng Wang", ada.id, NOW)
    store.decide_claim(claim.id, "approved", expected="pending", actor_id=root.id, reason="", now=NOW)
    store.set_claim_hidden(claim.id, True)
    assert store.get_claim(claim.id).hidden  # type: ignore[union-attr]
    assert store.papers_with_author_comments(["2608.00001", "2608.00002"]) == set()
    store.add_comment("2608.00002", ada.id, None, "not my paper", NOW)
    comment = store.add_comment("2608.00001", ada.id, None, "author here", NOW)
    assert store.papers_with_author_comments(["2608.00001", "2608.00002"]) == {"2608.00001"}
    store.delete_comment(comment.id, NOW)
    assert store.papers_with_author_comments(["2608.00001"]) == set()
    store.set_user_banned("ada", True, actor_id=root.id, reason="", now=NOW)
    assert store.verified_authors(["2608.00001"]) == {}  # a banned account is nobody's verified author
    assert store.verified_members("Zifeng Wang") == []


def test_a_members_claims_are_in_their_data_and_go_with_the_account(store: SqlStore) -> None:
    store.upsert_papers([paper(1)])
    ada, root = user(store, "ada"), user(store, "root", admin=True)
    claim = store.add_claim("2608.00001", "Zifeng Wang", ada.id, NOW)
    store.decide_claim(claim.id, "approved", expected="pending", actor_id=root.id, reason="", now=NOW)
    [exported] = store.account_data(ada.id)["authorship_claims"]
    assert (exported["arxiv_id"], exported["author"], exported["status"]) == ("2608.00001", "Zifeng Wang", "approved")
    assert "decided_by" not in exported
    store.delete_account(ada.id, remove_comments=False, now=NOW)
    assert store.verified_authors(["2608.00001"]) == {}
    assert store.get_claim(claim.id) is None


def test_migration_0010_indexes_the_papers_already_stored(database_url: str) -> None:
    engine = create_engine(database_url)
    downgrade(engine, "0007")
    store = SqlStore(engine)
    papers_before = sa.table(
        "papers",
        *(sa.column(name) for name in ("arxiv_id", "title", "abstract", "authors", "categories", "published")),
        sa.column("created_at"),
        sa.column("modified_at"),
    )
    with engine.begin() as conn:
        conn.execute(
            papers_before.insert(),
            [
                {
                    "arxiv_id": f"2608.{n:05d}",
                    "title": "T",
                    "abstract": "A",
                    "authors": '["Chengsong Huang", "Zifeng  Wang"]' if n % 2 else '["Ada Lovelace"]',
                    "categories": "[]",
                    "published": NOW - timedelta(days=n),
                    "created_at": NOW,
                    "modified_at": NOW,
                }
                for n in range(1, 8)
            ],
        )
    upgrade(engine)
    assert store.author_paper_ids("Chengsong Huang", limit=10) == [
        "2608.00001",
        "2608.00003",
        "2608.00005",
        "2608.00007",
    ]
    assert store.count_author_papers("Zifeng Wang") == 4  # white space tidied
    assert store.count_author_papers("Ada Lovelace") == 3
    engine.dispose()
