"""The Jinja2 environment of the pages: autoescaping, filters, the layout's shared context, and `render`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from dailypapers.hub import Hub
from dailypapers.web import present
from dailypapers.web.mathtext import render_math_text

TEMPLATES_DIR = Path(__file__).parent / "templates"

NAV = (
    present.Link("Daily", "/"),
    present.Link("Weekly", "/week"),
    present.Link("Monthly", "/month"),
    present.Link("Trending", "/trending"),
    present.Link("Trends", "/trends"),
    present.Link("Submit", "/submit"),
)


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,  # every template is HTML; titles and abstracts are untrusted
        undefined=jinja2.StrictUndefined,  # a misspelt variable fails the test instead of rendering blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        math=render_math_text,
        short_authors=present.short_authors,
        submission_line=present.submission_line,
        attribution=present.attribution,
        repo_label=present.repo_label,
        plural=present.plural,
        thousands=present.thousands,
    )
    env.globals.update(
        paper_url=present.paper_url,
        period_url=present.period_url,
        kind_name=present.kind_name,
        author_url=present.author_url,
        org_url=present.org_url,
        user_url=present.user_url,
        avatar_url=present.avatar_url,
    )
    return Jinja2Templates(env=env, context_processors=[_layout_context])


def _layout_context(request: Request) -> dict[str, Any]:
    """What base.html needs on every page."""
    hub: Hub = request.app.state.hub
    return {"site_name": hub.settings.site_name, "nav": NAV, "base_url": hub.settings.base_url.rstrip("/")}


def render(request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)
