"""`UpstreamSync` against a fake HF API and a fake arXiv over real HTTP: days, counts, moves, faults, backfills."""

from __future__ import annotations

from datetime import date

from dailypapers.domain.models import FeedQuery
from dailypapers.hub import Hub
from tests.fakes.arxiv_server import API_PATH, FakeArxiv, SleepLog, paper_record
from tests.fakes.hf_server import FakeHub, Scripted, hf_item

AUG19, AUG20, AUG21 = date(2026, 8, 19), date(2026, 8, 20), date(2026, 8, 21)


def day_ids(hub: Hub, day: date) -> list[str]:
    return [item.paper.arxiv_id for item in hub.store.feed_items(FeedQuery(day, day), limit=100)]


def fill(hf_server: FakeHub) -> None:
    hf_server.days[AUG20] = [
        hf_item("2608.13558", AUG20, upvotes=54, organization="NationalUniversityofSingapore"),
        hf_item("2608.00002", AUG20, upvotes=20),
        "not an object",  # malformed: logged and skipped, the day goes on
        hf_item("2608.00003", AUG20, upvotes=7, submitter=None),
    ]
    hf_server.days[AUG19] = [
        hf_item("2608.12313", AUG19, upvotes=27),
        {"paper": {"id": "2608.00005", "title": "No authors", "summary": "x", "publishedAt": "2026-08-19"}},
    ]


def test_every_entry_lands_on_the_upstream_day_with_every_field(
    follower: Hub, hf_server: FakeHub, arxiv_server: FakeArxiv
) -> None:
    fill(hf_server)
    arxiv_server.set_api_paper(paper_record("2608.13558", categories=["cs.AI", "cs.LG"], doi="10.1/x"))
    report = follower.upstream.sync()
    assert (report.days, report.entries, report.added, len(report.rejected)) == (4, 6, 4, 2)
    assert report.failed == []
    assert set(day_ids(follower, AUG20)) == {"2608.13558", "2608.00002", "2608.00003"}
    assert day_ids(follower, AUG19) == ["2608.12313"]
    assert [r.query["date"] for r in hf_server.received] == ["2026-08-18", "2026-08-19", "2026-08-20", "2026-08-21"]

    view = follower.paper_view("2608.13558")
    assert view.upvotes == 54
    assert view.entry is not None
    assert (view.entry.feed_date, view.entry.source, view.entry.upstream) == (AUG20, "upstream", hf_server.base_url)
    assert (view.entry.submitted_by, view.entry.submitter_fullname) == ("akhaliq", "Akhaliq")
    assert view.entry.submitter_avatar_url == f"{hf_server.base_url}/avatars/akhaliq.svg"
    assert view.entry.imported_comments == 1
    assert view.organization is not None
    assert view.organization.fullname == "NationalUniversityofSingapore Research"
    paper = view.paper
    assert paper.ai_summary == "A model that summarises 2608.13558."
    assert paper.ai_summary_model == "Qwen/Qwen3-235B"
    assert paper.ai_keywords == ("diffusion transformer", "video generation")
    assert paper.thumbnail_url == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.13558.png"
    assert paper.media_urls == ("https://cdn-uploads.huggingface.co/production/2608.13558.mp4",)
    assert paper.project_page == "https://lab.example/2608.13558"
    assert paper.github_repo == "https://github.com/lab/2608-13558"
    # Completed from arXiv as `fetch` does: categories and DOI come from the API, one request for the day's papers.
    assert (paper.categories, paper.doi) == (("cs.AI", "cs.LG"), "10.1/x")
    api_requests = [r for r in arxiv_server.received if r.path == API_PATH]
    assert len(api_requests) == 2  # one per synced day with papers, not one per paper
    assert set(api_requests[-1].query["id_list"].split(",")) == {"2608.13558", "2608.00002", "2608.00003"}
    assert follower.paper("2608.00002").categories == ()  # arXiv does not know it: kept as the upstream said


def test_rides_out_a_500_and_a_429_and_a_second_run_changes_nothing(
    follower: Hub, hf_server: FakeHub, sleep_log: SleepLog
) -> None:
    fill(hf_server)
    hf_server.script(
        Scripted(status=500, body=b"oops", when={"date": "2026-08-19"}),
        Scripted(status=429, headers={"Retry-After": "5"}, body=b"{}", when={"date": "2026-08-20"}),
    )
    first = follower.upstream.sync()
    assert (first.added, first.failed) == (4, [])
    assert 5.0 in sleep_log.calls  # the Retry-After was honoured
    before = {i: follower.paper_view(i) for i in ("2608.13558", "2608.12313")}
    again = follower.upstream.sync()
    assert (again.added, again.moved, again.updated, again.new_papers) == (0, 0, 0, 0)
    assert {i: follower.paper_view(i) for i in before} == before


def test_a_moved_paper_moves_and_counts_follow_the_latest_answer(follower: Hub, hf_server: FakeHub) -> None:
    fill(hf_server)
    follower.upstream.sync()
    hf_server.move("2608.12313", AUG21)
    hf_server.days[AUG21][0]["paper"]["upvotes"] = 31
    hf_server.days[AUG20][0]["paper"]["upvotes"] = 50  # counts may go down too: the latest answer wins
    report = follower.upstream.sync()
    assert (report.moved, report.updated) == (1, 1)
    assert day_ids(follower, AUG19) == []
    assert day_ids(follower, AUG21) == ["2608.12313"]
    assert follower.paper_view("2608.12313").upvotes == 31
    assert follower.paper_view("2608.13558").upvotes == 50


def test_upstream_and_local_upvotes_add_up_and_a_member_submission_stays_one_entry(
    follower: Hub, hf_server: FakeHub
) -> None:
    fill(hf_server)
    member = follower.store.get_or_create_user("ada@example.org", "ada", follower.clock.now())
    follower.upstream.sync()
    follower.set_upvote(member, "2608.00003", True)
    assert follower.paper_view("2608.00003").upvotes == 8  # 7 upstream + 1 here
    follower.upstream.sync()  # refreshing the upstream count keeps the local vote on top
    assert follower.paper_view("2608.00003").upvotes == 8
    assert follower.store.count_feed_items(FeedQuery()) == 4


def test_a_backfill_resumes_after_the_last_day_it_finished(follower: Hub, hf_server: FakeHub) -> None:
    days = [date(2026, 8, d) for d in range(1, 11)]
    for day in days:
        hf_server.days[day] = [hf_item(f"2608.0{day.day:02d}01", day)]
    # The upstream goes down on the 5th (more failures than the retry budget): the run stops there.
    hf_server.script(*(Scripted(status=503, body=b"down", when={"date": "2026-08-05"}) for _ in range(5)))
    first = follower.upstream.sync(days[0], days[-1])
    assert first.days == 4
    assert [where for where, _ in first.failed] == [hf_server.base_url]
    assert follower.upstream.status()[0].last_error is not None
    hf_server.received.clear()
    second = follower.upstream.sync(days[0], days[-1])
    assert [r.query["date"] for r in hf_server.received] == [d.isoformat() for d in days[4:]]
    assert (second.days, second.failed) == (6, [])
    assert follower.store.count_feed_items(FeedQuery()) == 10
    status = follower.upstream.status()[0]
    assert (status.label, status.last_error) == ("127.0.0.1", None)
    assert status.last_ok is not None
    hf_server.received.clear()
    follower.upstream.sync(days[0], days[-1])  # finished: the same range runs whole again
    assert len(hf_server.received) == 10


def test_a_wrong_upstream_url_ends_its_run_at_the_first_answer(follower: Hub, hf_server: FakeHub) -> None:
    follower.upstream.settings = follower.settings.with_overrides(upstreams=hf_server.base_url + "/not-a-hub")
    report = follower.upstream.sync(date(2026, 8, 1), date(2026, 8, 20))
    assert len(hf_server.received) == 1  # a 404 is not retried, nor asked again for the 19 other days
    [(where, why)] = report.failed
    assert where == hf_server.base_url + "/not-a-hub"
    assert "2026-08-01" in why
    assert "HTTP 404" in why
