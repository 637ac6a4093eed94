"""Hugging Face–compatible `POST /api/papers/{id}/links`: a verified author, the submitter or an admin sets a
paper's GitHub repository, project page and organization with a `write` token. Routes only; the rule is
hub.paper_links'. As on HF, a field left out stays as it is and `null` removes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from dailypapers.domain.errors import InvalidInput
from dailypapers.web.api_models import ERROR_RESPONSES
from dailypapers.web.auth import AUTH_RESPONSES, WriteUser
from dailypapers.web.hf_shapes import object_id
from dailypapers.web.pages import HubDep

router = APIRouter(tags=["Hugging Face compatible"])

_HEX24 = r"^[0-9a-f]{24}$"


class HfLinksIn(BaseModel):
    """HF's body (`projectPage`, `githubRepo`, `organizationId`), plus `organization` by name, which HF lacks."""

    model_config = ConfigDict(extra="forbid")

    projectPage: str | None = Field(default=None, max_length=2048, description="An https URL; null removes it.")
    githubRepo: str | None = Field(
        default=None, max_length=2048, description="https://github.com/OWNER/NAME; null removes it."
    )
    organizationId: str | None = Field(
        default=None, pattern=_HEX24, description="The `_id` of an organization as this API gives it; null removes it."
    )
    organization: str | None = Field(default=None, max_length=96, description="An organization by name, e.g. google.")


_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    **AUTH_RESPONSES,
    429: {"description": "Too many edits; see Retry-After."},
}
_PaperId = Annotated[str, Path(description="arXiv id, any version suffix accepted", max_length=64)]


@router.post("/api/papers/{arxiv_id:path}/links", name="hf_paper_links", responses=_RESPONSES)
def paper_links(hub: HubDep, user: WriteUser, arxiv_id: _PaperId, body: HfLinksIn) -> Response:
    """Set a paper's links as its verified author, its submitter or an admin (scope `write`); answers `{}`."""
    given = body.model_fields_set
    changes: dict[str, str | None] = {}
    if "githubRepo" in given:
        changes["github_repo"] = body.githubRepo
    if "projectPage" in given:
        changes["project_page"] = body.projectPage
    if "organizationId" in given and "organization" in given:
        raise InvalidInput("give organizationId or organization, not both")
    if "organizationId" in given:
        changes["organization"] = _organization_named(hub, body.organizationId)
    elif "organization" in given:
        changes["organization"] = body.organization
    hub.paper_links.edit(user, arxiv_id, changes)
    return JSONResponse({})


def _organization_named(hub: HubDep, org_id: str | None) -> str | None:
    if org_id is None:
        return None
    found = next((o.name for o in hub.authors.organizations() if object_id("org", o.name) == org_id), None)
    if found is None:
        raise InvalidInput(f"no organization has the id {org_id}; organizations' ids are in the papers API")
    return found
