"""Account pages: settings (display name), public profiles, and the `dailypapers admin create` command."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dailypapers.adapters.sql.schema import users, votes
from dailypapers.cli import app as cli_app
from dailypapers.hub import Hub
from tests.web import seed
from tests.web.auth_helpers import csrf_token, make_user, sign_in


def test_settings_needs_an_account(client: TestClient) -> None:
    response = client.get("/settings")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/settings"
    post = client.post("/settings/profile", data={"display_name": "x", "csrf_token": csrf_token(client)})
    assert post.status_code == 401


def test_display_name_can_be_changed(client: TestClient, hub: Hub) -> None:
    user = sign_in(client, hub)
    response = client.post(
        "/settings/profile", data={"display_name": "  Ada   King\tLovelace ", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/settings"
    changed = hub.store.get_user(user.id)
    assert changed is not None
    assert changed.display_name == "Ada King Lovelace"
    assert changed.initials == "AK"
    assert 'value="Ada King Lovelace"' in client.get("/settings").text


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_bad_display_names_are_refused(client: TestClient, hub: Hub, name: str) -> None:
    sign_in(client, hub)
    response = client.post("/settings/profile", data={"display_name": name, "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_display_names_are_escaped(client: TestClient, hub: Hub) -> None:
    user = sign_in(client, hub)
    hub.set_display_name(user, "<script>alert(1)</script>")
    for page in ("/", f"/u/{user.username}", "/settings"):
        html = client.get(page).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_profile_lists_submissions_and_upvotes(client: TestClient, hub: Hub) -> None:
    ada = make_user(hub, "ada@example.org")
    hub.set_display_name(ada, "Ada Lovelace")
    day = date(2026, 8, 20)
    seed.store(
        hub,
        [seed.paper("2608.00001", title="Analytical Engines"), seed.paper("2608.00002", title="Notes on $x^2$")],
        [seed.entry("2608.00001", day, submitted_by="ada", submitter_id=ada.id)],
    )
    with hub.store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(votes.insert().values(user_id=ada.id, arxiv_id="2608.00002", created_at=hub.clock.now()))
    html = client.get("/u/ada").text
    assert "<h1>Ada Lovelace</h1>" in html
    submitted, upvoted = html.split("<h2>Upvoted papers</h2>")
    assert '<a href="/papers/2608.00001">Analytical Engines</a>' in submitted
    assert "2608.00002" not in submitted
    assert '<a href="/papers/2608.00002">' in upvoted
    assert "<math" in upvoted  # titles render their math as on the feed


def test_an_empty_profile(client: TestClient, hub: Hub) -> None:
    make_user(hub, "bob@example.org")
    html = client.get("/u/bob").text
    assert "No submissions yet." in html
    assert "No upvotes yet." in html


def test_unknown_and_banned_profiles_are_404(client: TestClient, hub: Hub) -> None:
    assert client.get("/u/nobody").status_code == 404
    user = make_user(hub, "mallory@example.org")
    with hub.store.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(users.update().where(users.c.id == user.id).values(banned_at=hub.clock.now()))
    assert client.get("/u/mallory").status_code == 404


def test_admin_create_makes_and_promotes_admins(hub: Hub, database_url: str) -> None:
    runner = CliRunner()
    created = runner.invoke(cli_app, ["--db", database_url, "admin", "create", "Root@Example.org"])
    assert created.exit_code == 0, created.output
    assert "created admin @root <root@example.org>" in created.output
    root = hub.store.get_user_by_email("root@example.org")
    assert root is not None
    assert root.is_admin

    make_user(hub, "ada@example.org")
    promoted = runner.invoke(cli_app, ["--db", database_url, "admin", "create", "ada@example.org"])
    assert promoted.exit_code == 0, promoted.output
    assert "promoted admin @ada" in promoted.output
    ada = hub.store.get_user_by_email("ada@example.org")
    assert ada is not None
    assert ada.is_admin

    bad = runner.invoke(cli_app, ["--db", database_url, "admin", "create", "not-an-address"])
    assert bad.exit_code == 1
    assert "is not an email address" in bad.output
