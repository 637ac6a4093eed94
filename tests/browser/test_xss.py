"""Real-Chromium XSS check: a corpus of payloads posted as comments renders as inert text, and no script runs.

The pages' Content-Security-Policy forbids inline script, which alone would stop most of these payloads. The
browser context here bypasses CSP on purpose, so what is tested is the sanitizer (markdown-it without raw HTML,
then nh3) and the templates' escaping: the CSP is a second wall, not the one under test. A positive control
proves scripts do run in this context, so "nothing ran" means something.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dailypapers.hub import Hub
from dailypapers.settings import Settings
from tests.web.discussion_support import PAPER_ID, add_paper, make_user, session_cookie

CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not __import__("pathlib").Path(CHROMIUM_PATH).exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]

# Every payload tries to set window.__xss or open a dialog. Where markdown leaves raw HTML as text, the second
# element is what a reader must see, literally.
X = "window.__xss=1"
PAYLOADS: list[tuple[str, str | None]] = [
    (f"<script>{X}</script>", f"<script>{X}</script>"),
    (f'<img src=x onerror="{X}">', f'<img src=x onerror="{X}">'),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    (f'<svg onload="{X}">', f'<svg onload="{X}">'),
    (f"<svg><script>{X}</script></svg>", None),
    (f"<scr<script>ipt>{X}</script>", None),
    (f"<math><mtext><table><mglyph><style><img src=x onerror={X}>", None),  # mutation XSS shape
    (f'<iframe src="javascript:{X}"></iframe>', None),
    ('<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>', None),
    (f'<object data="javascript:{X}"></object>', None),
    (f'<embed src="data:text/html,<script>{X}</script>">', None),
    (f'<details open ontoggle="{X}">toggle</details>', None),
    (f'<body onload="{X}">', None),
    (f'<input autofocus onfocus="{X}">', None),
    (f'<form action="javascript:{X}"><button>go</button></form>', None),
    (f'<meta http-equiv="refresh" content="0;url=javascript:{X}">', None),
    (f'<base href="javascript:{X}//">', None),
    (f"<style>@import 'javascript:{X}';</style>", None),
    ("<marquee onstart=alert(1)>m</marquee>", None),
    (f'<a href="javascript:{X}">raw link</a>', None),
    (f'<a href="https://ok.example" onmouseover="{X}">hover</a>', None),
    (f"[md link](javascript:{X})", None),
    (f"[md link](JaVaScRiPt:{X})", None),
    (f"[md link](java&#x09;script:{X})", None),
    (f"[md link](&#106;avascript:{X})", None),
    (f"[md link](javascript&colon;{X})", None),
    ("[md link](vbscript:msgbox(1))", None),
    ("[data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)", None),
    (f"[ref link][r]\n\n[r]: javascript:{X}", None),
    (f"<javascript:{X}>", None),
    (f'[title trick](https://ok.example "a\\" onmouseover=\\"{X}")', None),
    (f"![image](javascript:{X})", None),
    (f'![image" onerror="{X}](https://ok.example/x.png)', None),
    (f"![image](data:image/svg+xml,<svg onload={X}>)", None),
    (f"&lt;script&gt;{X}&lt;/script&gt;", f"<script>{X}</script>"),
    (f"&#60;img src=x onerror={X}&#62;", f"<img src=x onerror={X}>"),
    (f"`<img src=x onerror={X}>`", f"<img src=x onerror={X}>"),
    (f"```html\n<script>{X}</script>\n```", f"<script>{X}</script>"),
    (f"</textarea><script>{X}</script>", f"</textarea><script>{X}</script>"),  # breaks out of the edit form?
    (f'"><img src=x onerror={X}>', f'"><img src=x onerror={X}>'),  # breaks out of an attribute?
    ("{{ 7*7 }} {% raw %}", "{{ 7*7 }} {% raw %}"),  # template injection: shown verbatim, never evaluated
    (f"＜script＞{X}＜/script＞", f"＜script＞{X}＜/script＞"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, rate_limit_comment="1000/minute")


@pytest.fixture
def base_url(live_url: str) -> str:
    return live_url


def _inspect(page: Any) -> dict[str, Any]:
    """What the browser built inside comment bodies and the admin lists: elements, attributes, link targets."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const nodes = [...document.querySelectorAll('.comment-body *, .moderation-list *, .audit *')];
            return {
                tags: [...new Set(nodes.map(n => n.tagName.toLowerCase()))],
                handlers: nodes.flatMap(n => [...n.attributes].filter(a => a.name.startsWith('on'))
                                                 .map(a => n.tagName + ' ' + a.name)),
                hrefs: [...document.querySelectorAll('a[href], area[href]')].map(a => a.getAttribute('href')),
                frames: document.querySelectorAll('iframe, object, embed, frame').length,
                // the site's own scripts (progressive enhancement) are files under /static/; nothing else
                scripts: [...document.querySelectorAll('script')]
                    .filter(s => !(s.src && new URL(s.src).origin === location.origin
                                   && new URL(s.src).pathname.startsWith('/static/') && !s.text.trim()))
                    .map(s => s.outerHTML),
                xss: typeof window.__xss,
            };
        }"""
    )
    return found


def test_comment_payloads_are_inert_in_chromium(hub: Hub, base_url: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    add_paper(hub)
    author = make_user(hub, "alice")
    author = hub.set_display_name(author, f"<img src=x onerror={X}> Alice")
    admin = make_user(hub, "root", admin=True)
    posted = [hub.post_comment(author, PAPER_ID, body) for body, _ in PAYLOADS]
    reply = hub.post_comment(author, PAPER_ID, f"<script>{X}</script> reply", parent_id=posted[0].id)
    hidden = hub.post_comment(author, PAPER_ID, f"<img src=x onerror={X}> hidden one")
    hub.hide_comment(admin, hidden.id, f"<script>{X}</script> reason")
    assert reply.parent_id == posted[0].id

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            for who, path in ((author, f"/papers/{PAPER_ID}"), (admin, f"/papers/{PAPER_ID}"), (admin, "/admin")):
                context = browser.new_context(bypass_csp=True, java_script_enabled=True)
                name, value = session_cookie(hub, who)
                context.add_cookies([{"name": name, "value": value, "url": base_url}])
                page = context.new_page()
                dialogs: list[str] = []

                def on_dialog(dialog: Any, seen: list[str] = dialogs) -> None:
                    seen.append(dialog.message)
                    dialog.dismiss()

                page.on("dialog", on_dialog)
                page.goto(base_url + path, wait_until="load")
                # Mouse and focus handlers fire on interaction: hover every element of the comments, tab once.
                page.evaluate(
                    """() => document.querySelectorAll('.comment *, .moderation-list *').forEach(el => {
                        for (const type of ['mouseover', 'mouseenter', 'focus', 'toggle', 'load', 'error'])
                            el.dispatchEvent(new Event(type));
                    })"""
                )
                page.keyboard.press("Tab")
                page.wait_for_timeout(200)

                found = _inspect(page)
                assert dialogs == [], f"{path} as {who.username}: a dialog opened: {dialogs}"
                assert found["xss"] == "undefined", f"{path} as {who.username}: a payload ran"
                assert found["handlers"] == [], found["handlers"]
                assert found["frames"] == 0
                assert found["scripts"] == []
                assert set(found["tags"]) <= {
                    "a", "blockquote", "br", "code", "em", "hr", "li", "ol", "p", "pre", "s", "strong", "ul",
                    "form", "input", "button", "q", "time", "tr", "td", "th", "thead", "tbody",
                }, found["tags"]  # fmt: skip
                for href in found["hrefs"]:
                    assert not href.lower().lstrip().startswith(("javascript:", "data:", "vbscript:")), href

                if path.startswith("/papers/"):
                    bodies = page.locator(".comment-body").all_inner_texts()
                    shown = "\n".join(bodies)
                    for body, visible in PAYLOADS:
                        if visible is not None:
                            assert visible in shown, f"{body!r} is not shown as text"
                    assert "hidden one" not in page.content()
                    author_names = page.locator(".comment-author").all_inner_texts()
                    assert f"<img src=x onerror={X}> Alice" in author_names
                    if who.id == author.id:  # the edit forms hold the source, still as text
                        sources = page.locator("textarea[id^=edit-]").evaluate_all("els => els.map(e => e.value)")
                        assert f"</textarea><script>{X}</script>" in sources
                else:
                    assert f"<script>{X}</script> reason" in page.locator(".audit").inner_text()

                # Positive control: script does run in this context, so the checks above are not vacuous.
                page.add_script_tag(content="window.__probe = 1")
                assert page.evaluate("window.__probe") == 1
                context.close()
        finally:
            browser.close()
