"""JSON and markdown in Hugging Face's papers-API shapes, built from domain values; pure, no I/O, no routing."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from dailypapers.domain.enrichment import HubLinks
from dailypapers.domain.models import FeedEntry, Organization, Paper, User
from dailypapers.web.present import avatar_url as local_avatar_url

JsonObject = dict[str, Any]


def hf_datetime(value: datetime) -> str:
    """`2024-05-24T17:34:15.000Z`: the one format huggingface_hub's parse_datetime accepts (it rejects +00:00)."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def object_id(kind: str, key: str) -> str:
    """A stable 24-hex-digit id where HF has a MongoDB ObjectId; we keep no such ids, so derive one from the key."""
    return hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()[:24]


def author_json(name: str, member: User | None = None) -> JsonObject:
    """An author; one a member verified (an approved claim) carries the member as `user`, as HF does."""
    body: JsonObject = {"_id": object_id("author", name), "name": name, "hidden": False}
    if member is not None:
        body["status"] = "claimed_verified"
        body["user"] = member_json(member)
    return body


def member_json(member: User) -> JsonObject:
    """A member of this hub as HF's UserOverview; the avatar is the one drawn here (web/avatars.py)."""
    return user_json(member.username, member.display_name, local_avatar_url(member.display_name))


def user_json(name: str, fullname: str | None = None, avatar_url: str | None = None) -> JsonObject:
    """A submitter as HF's `submittedBy`: an upstream's full name and avatar when known, else the user name."""
    return {
        "_id": object_id("user", name),
        "avatarUrl": avatar_url or "",
        "fullname": fullname or name,
        "isPro": False,
        "name": name,
        "user": name,
        "type": "user",
    }


def submitter_json(entry: FeedEntry | None) -> JsonObject | None:
    if entry is None or not entry.submitted_by:
        return None
    return user_json(entry.submitted_by, entry.submitter_fullname, entry.submitter_avatar_url)


def organization_json(name: str, organization: Organization | None = None) -> JsonObject:
    """HF's papers API calls the picture `avatar`, its user objects `avatarUrl`: both are sent (the upstream's
    picture when it gave one, else the one drawn here)."""
    details = organization if organization is not None and organization.name == name else Organization(name)
    avatar = details.avatar_url or local_avatar_url(details.fullname or name)
    return {
        "_id": object_id("org", name),
        "name": name,
        "fullname": details.fullname or name,
        "avatar": avatar,
        "avatarUrl": avatar,
    }


def _extras(paper: Paper, organization: Organization | None, stars: int | None) -> JsonObject:
    """Fields HF repeats on the paper and on the daily item (the Python client reads some only at the top).
    `ai_keywords` are the keywords pages show: the upstream's or the model's, else the ones extracted here.
    `organization` is the paper's as pages show it: the one an author set, else its feed entry's."""
    return {
        "githubRepo": paper.github_repo,
        "githubStars": stars,
        "projectPage": paper.project_page,
        "ai_summary": paper.ai_summary,
        "ai_summary_model": paper.ai_summary_model,
        "ai_keywords": list(paper.shown_keywords),
        "organization": organization_json(organization.name, organization) if organization else None,
    }


def paper_json(
    paper: Paper,
    entry: FeedEntry | None,
    upvotes: int,
    organization: Organization | None = None,
    stars: int | None = None,
    *,
    verified: Mapping[str, User] | None = None,
) -> JsonObject:
    """HF's paper object (`GET /api/papers/{id}`, and nested as `paper` in daily items); `verified` maps author
    names to the members verified as them."""
    members = verified or {}
    body: JsonObject = {
        "id": paper.arxiv_id,
        "authors": [author_json(name, members.get(" ".join(name.split()))) for name in paper.authors],
        "publishedAt": hf_datetime(paper.published),
        "title": paper.title,
        "summary": paper.abstract,
        "upvotes": upvotes,
        "discussionId": object_id("discussion", paper.arxiv_id),
    }
    if entry is not None:
        body["submittedOnDailyAt"] = hf_datetime(entry.submitted_at)
        body["submittedOnDailyBy"] = submitter_json(entry)
    body["numComments"] = entry.imported_comments if entry else 0
    body["mediaUrls"] = list(paper.media_urls)
    if paper.withdrawn_at:  # optional in HF's schema: only withdrawn papers carry it
        body["withdrawnAt"] = hf_datetime(paper.withdrawn_at)
    body.update(_extras(paper, organization, stars))
    return body


def daily_item_json(
    paper: Paper,
    entry: FeedEntry | None,
    upvotes: int,
    organization: Organization | None = None,
    stars: int | None = None,
    thumbnail: str | None = None,
    *,
    verified: Mapping[str, User] | None = None,
    author_participating: bool = False,
) -> JsonObject:
    """One item of `GET /api/daily_papers` or `/api/papers/search`; `thumbnail` is this hub's first-page rendering
    (an absolute URL) when it has one.

    The client reads `title` and the submission time only from the top level, so a search hit that was never
    submitted keeps the shape with `publishedAt` and `submittedBy` null.
    """
    return {
        "paper": paper_json(paper, entry, upvotes, organization, stars, verified=verified),
        "publishedAt": hf_datetime(entry.submitted_at) if entry else None,
        "title": paper.title,
        "summary": paper.abstract,
        "thumbnail": thumbnail or paper.thumbnail_url,  # ours, else the upstream's social card
        "numComments": entry.imported_comments if entry else 0,
        "submittedBy": submitter_json(entry),
        "isAuthorParticipating": author_participating,  # a verified author commented on it here
        "mediaUrls": list(paper.media_urls),
        **_extras(paper, organization, stars),
    }


def _author_of(repo_id: str) -> str:
    return repo_id.split("/", 1)[0] if "/" in repo_id else repo_id


def linked_json(links: HubLinks | None) -> JsonObject:
    """`linkedModels` / `linkedDatasets` / `linkedSpaces` and the `numTotal*` counts of HF's `paper_info`, in the
    shape of the Hub's own listings (huggingface_hub builds ModelInfo / DatasetInfo / SpaceInfo from them)."""
    links = links or HubLinks()
    models = [
        {
            "id": m.id,
            "author": _author_of(m.id),
            "likes": m.likes,
            "downloads": m.downloads,
            "pipeline_tag": m.pipeline_tag,
        }
        for m in links.models
    ]
    datasets = [
        {"id": d.id, "author": _author_of(d.id), "likes": d.likes, "downloads": d.downloads} for d in links.datasets
    ]
    spaces = [
        {
            "id": sp.id,
            "author": _author_of(sp.id),
            "likes": sp.likes,
            "sdk": sp.sdk,
            "emoji": sp.emoji or "",
            "running": sp.running,
            "featured": False,
            "shortDescription": sp.short_description,
        }
        for sp in links.spaces
    ]
    return {
        "linkedModels": models,
        "numTotalModels": max(links.num_models, len(models)),
        "linkedDatasets": datasets,
        "numTotalDatasets": max(links.num_datasets, len(datasets)),
        "linkedSpaces": spaces,
        "numTotalSpaces": max(links.num_spaces, len(spaces)),
    }


def _escape(text: str) -> str:
    """Keep titles and names from opening markdown constructs by accident (a leading `#`, `*`, `[`…)."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in " ".join(text.split()))


def paper_markdown(paper: Paper, entry: FeedEntry | None, upvotes: int) -> str:
    """The paper page as markdown, what HF serves at `/papers/{id}.md` for `read_paper` and LLM tools."""
    lines = [f"# {_escape(paper.title)}", ""]
    if paper.authors:
        lines += [f"**Authors:** {', '.join(_escape(name) for name in paper.authors)}", ""]
    lines.append(f"- arXiv: [{paper.arxiv_id}]({paper.abs_url})")
    lines.append(f"- PDF: <{paper.pdf_url}>")
    lines.append(f"- Published: {paper.published.date().isoformat()}")
    if paper.primary_category:
        lines.append(f"- Categories: {', '.join(paper.categories)}")
    if paper.github_repo:
        lines.append(f"- Code: <{paper.github_repo}>")
    if paper.project_page:
        lines.append(f"- Project page: <{paper.project_page}>")
    if paper.doi:
        lines.append(f"- DOI: [{paper.doi}](https://doi.org/{paper.doi})")
    if entry is not None:
        by = f" by {_escape(entry.submitted_by)}" if entry.submitted_by else ""
        lines.append(f"- Submitted to the daily feed: {entry.feed_date.isoformat()}{by}")
    lines.append(f"- Upvotes: {upvotes}")
    lines += ["", "## Abstract", "", paper.abstract.strip(), ""]
    if paper.ai_summary:
        model = f" ({_escape(paper.ai_summary_model)})" if paper.ai_summary_model else ""
        lines += [f"## AI summary{model}", "", _escape(paper.ai_summary), ""]
    if paper.shown_keywords:
        lines += [f"**Keywords:** {', '.join(_escape(k) for k in paper.shown_keywords)}", ""]
    if paper.comment:
        lines += ["## Comments", "", paper.comment.strip(), ""]
    return "\n".join(lines)
