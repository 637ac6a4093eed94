"""Pydantic descriptions of the Hugging Face papers-API shapes hf_shapes builds: they document /openapi.json and
let schemathesis check every answer against them (the routes still serialise the dicts themselves)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

HF_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


class _HfModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class HfUser(_HfModel):
    id: str = Field(alias="_id")
    avatarUrl: str
    fullname: str
    isPro: bool
    name: str
    user: str
    type: str


class HfAuthor(_HfModel):
    id: str = Field(alias="_id")
    name: str
    hidden: bool
    status: str | None = None  # "claimed_verified" for an author a member verified
    user: HfUser | None = None  # that member


class HfOrganization(_HfModel):
    id: str = Field(alias="_id")
    name: str
    fullname: str
    avatar: str
    avatarUrl: str


class _HfExtras(_HfModel):
    githubRepo: str | None
    githubStars: int | None
    projectPage: str | None
    ai_summary: str | None
    ai_summary_model: str | None
    ai_keywords: list[str]
    organization: HfOrganization | None


class HfPaper(_HfExtras):
    id: str
    authors: list[HfAuthor]
    publishedAt: str = Field(pattern=HF_DATETIME)
    title: str
    summary: str
    upvotes: int
    discussionId: str
    submittedOnDailyAt: str | None = Field(default=None, pattern=HF_DATETIME)
    submittedOnDailyBy: HfUser | None = None
    numComments: int
    mediaUrls: list[str]
    withdrawnAt: str | None = Field(default=None, pattern=HF_DATETIME)


class HfDailyItem(_HfExtras):
    paper: HfPaper
    publishedAt: str | None = Field(pattern=HF_DATETIME)
    title: str
    summary: str
    thumbnail: str | None
    numComments: int
    submittedBy: HfUser | None
    isAuthorParticipating: bool
    mediaUrls: list[str]


class HfLinkedModel(_HfModel):
    id: str
    author: str
    likes: int
    downloads: int
    pipeline_tag: str | None


class HfLinkedDataset(_HfModel):
    id: str
    author: str
    likes: int
    downloads: int


class HfLinkedSpace(_HfModel):
    id: str
    author: str
    likes: int
    sdk: str | None
    emoji: str
    running: bool
    featured: bool
    shortDescription: str | None


class HfPaperInfo(HfPaper):
    """`GET /api/papers/{id}`: the paper with the models, datasets and Spaces citing it (HF's `paper_info`)."""

    linkedModels: list[HfLinkedModel]
    numTotalModels: int
    linkedDatasets: list[HfLinkedDataset]
    numTotalDatasets: int
    linkedSpaces: list[HfLinkedSpace]
    numTotalSpaces: int
