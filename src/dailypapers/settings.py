"""Settings declared as data (name, default, help), read from DAILYPAPERS_* variables and an optional TOML file."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dailypapers.domain.errors import ConfigError

ENV_PREFIX = "DAILYPAPERS_"
DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused when environment=production
CONFIG_ENV = "DAILYPAPERS_CONFIG"


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    """Every knob of a hub. Add one here with its help text and document it in README.md (a test checks)."""

    database_url: str = _setting(
        "sqlite:///data/dailypapers.db",
        "SQLAlchemy URL of the database: `sqlite:///path.db` (embedded default) or `postgresql://…`.",
    )
    base_url: str = _setting("http://127.0.0.1:8000", "Public address of the hub, used in absolute links.")
    site_name: str = _setting("dailypapers", "Name shown in the page header and titles.")
    page_size: int = _setting(100, "Papers per page on day / week / month pages.")
    harvest_sets: str = _setting(
        "cs", "Comma-separated arXiv OAI-PMH sets to harvest (`cs`, `math`, `physics:hep-th`, `stat`, …)."
    )
    harvest_interval_minutes: int = _setting(
        1440, "How often the worker harvests arXiv, in minutes; 0 disables the scheduled harvest."
    )
    harvest_initial_days: int = _setting(
        3, "On the very first harvest of a set, how many days back to start (later runs are incremental)."
    )
    worker_idle_seconds: float = _setting(
        60.0, "Seconds a worker sleeps between rounds of due jobs (harvest, embedding, digests, star refresh)."
    )
    auto_submit_categories: str = _setting(
        "",
        "Comma-separated arXiv categories (e.g. `cs.CL,cs.LG`) whose newly harvested papers join today's feed "
        "automatically; empty submits nothing automatically.",
    )
    arxiv_oai_url: str = _setting("https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint.")
    arxiv_api_url: str = _setting("https://export.arxiv.org/api/query", "arXiv query API endpoint (Atom).")
    arxiv_min_interval_seconds: float = _setting(
        3.0, "Minimum seconds between two requests to arXiv (arXiv asks for one request every 3 s)."
    )
    arxiv_max_retries: int = _setting(5, "How many 503 / network failures in a row a harvest waits out.")
    http_timeout_seconds: float = _setting(30.0, "Timeout of one outbound HTTP request.")
    contact_email: str = _setting(
        "",
        "Operator contact put in the User-Agent of requests to arXiv and to upstream hubs, as arXiv asks of "
        "harvesters.",
    )
    upstreams: str = _setting(
        "https://huggingface.co",
        "Comma-separated base URLs of HF-compatible hubs whose daily feed is followed (`GET {base}/api/daily_papers`"
        "): Hugging Face, or another dailypapers hub; empty turns syncing off.",
    )
    upstream_sync_minutes: int = _setting(
        30, "How often the worker syncs the recent days from the upstreams, in minutes; 0 disables the job."
    )
    upstream_recent_days: int = _setting(
        3, "Days before today that each scheduled `sync` covers again, to pick up late upvotes and moved papers."
    )
    upstream_min_interval_seconds: float = _setting(
        1.0, "Minimum seconds between two requests to one upstream (1.0: at most one request a second)."
    )
    upstream_max_retries: int = _setting(
        4, "How many 429 / 5xx answers or network failures in a row one upstream request waits out."
    )
    # -- enrichment (usecases/enrichment.py: `dailypapers enrich` and the worker) --
    enrich_summaries: bool = _setting(
        True, "Write a one-sentence AI summary for papers without one, when an LLM endpoint is configured."
    )
    enrich_keywords: bool = _setting(
        True, "Extract keywords for every paper (locally with yake, or the LLM's / upstream's when present)."
    )
    enrich_thumbnails: bool = _setting(
        True, "Render the first page of the arXiv PDF of papers on the feed as a small WebP thumbnail."
    )
    enrich_hub_links: bool = _setting(
        True, "Ask the Hugging Face Hub which models, datasets and Spaces cite papers on the feed."
    )
    enrich_batch: int = _setting(
        50, "Papers of each kind the worker enriches per round (the rest waits for the next round)."
    )
    llm_url: str = _setting(
        "",
        "Base URL of an OpenAI-compatible chat endpoint for AI summaries, e.g. `http://localhost:11434/v1` "
        "(Ollama), vLLM, llama.cpp's server or a hosted API; empty: no AI summaries.",
    )
    llm_model: str = _setting("", "Model name sent to the chat endpoint (e.g. `llama3.2:3b`).")
    llm_api_key: str = _setting("", "Bearer token for the chat endpoint; empty sends none.")
    llm_requests_per_minute: float = _setting(
        20.0, "Most chat requests per minute (retries included); 0 sends unthrottled."
    )
    llm_timeout_seconds: float = _setting(120.0, "Timeout of one chat request (a CPU-only model is slow).")
    llm_max_retries: int = _setting(3, "How many 429 / 5xx answers or network failures one chat request waits out.")
    llm_summary_max_chars: int = _setting(
        300, "Longest AI summary accepted, in characters; a longer (or empty) answer is rejected, not stored."
    )
    arxiv_pdf_url: str = _setting(
        "https://arxiv.org/pdf",
        "Where PDFs are fetched for thumbnails (`{url}/{arxiv_id}`), politely: the arXiv interval and User-Agent.",
    )
    thumbnail_max_bytes: int = _setting(
        25_000_000, "Largest PDF downloaded for a thumbnail, in bytes; a bigger one is skipped."
    )
    thumbnail_timeout_seconds: float = _setting(
        60.0, "Longest a PDF download for a thumbnail may take, in seconds; a slower one is skipped."
    )
    hf_hub_url: str = _setting(
        "https://huggingface.co",
        "Hugging Face Hub asked for the models, datasets and Spaces citing a paper (`/api/models?filter=arxiv:ID`).",
    )
    hub_links_refresh_hours: int = _setting(
        24, "How often the linked models / datasets / Spaces of a paper on the feed are asked for again, in hours."
    )
    hub_links_feed_days: int = _setting(
        30, "Papers submitted to the feed within this many days get their Hub links refreshed on schedule."
    )
    log_level: str = _setting("INFO", "Logging level of web and worker: DEBUG, INFO, WARNING or ERROR.")
    environment: str = _setting(
        "development",
        "`development` or `production`; production refuses the default secret key. (Cookies are `Secure` "
        "whenever `base_url` is https, in either environment.)",
    )
    secret_key: str = _setting(
        DEV_SECRET_KEY, "Key that signs session cookies and CSRF tokens; set a long random value in production."
    )
    session_days: int = _setting(30, "How long a sign-in session lasts, in days.")
    login_link_minutes: int = _setting(15, "How long an emailed sign-in link stays valid, in minutes.")
    smtp_host: str = _setting("", "SMTP server for outgoing mail; empty prints mails to the console (development).")
    smtp_port: int = _setting(587, "SMTP port.")
    smtp_tls: str = _setting("starttls", "SMTP transport security: `starttls`, `ssl` or `none`.")
    smtp_user: str = _setting("", "SMTP user name; empty skips authentication.")
    smtp_password: str = _setting("", "SMTP password.")
    mail_from: str = _setting("dailypapers <noreply@localhost>", "From address of every mail the hub sends.")
    submission_max_age_days: int = _setting(14, "Papers first published longer ago than this cannot be submitted.")
    submissions_per_day: int = _setting(10, "How many papers one account may submit per day.")
    submit_min_account_age_hours: int = _setting(0, "Accounts younger than this many hours cannot submit papers.")
    trending_min_account_age_hours: int = _setting(
        72, "Votes of accounts younger than this many hours count on pages but not in trending."
    )
    github_api_url: str = _setting("https://api.github.com", "GitHub REST API endpoint (for star counts).")
    github_token: str = _setting("", "Optional GitHub token: raises the API rate limit from 60 to 5,000 an hour.")
    github_refresh_hours: int = _setting(24, "How often the worker refreshes the star count of a linked repository.")
    rate_limit_sign_in: str = _setting("5/hour", "Sign-in mails per address and per client (limits notation).")
    rate_limit_submit: str = _setting("20/hour", "Paper submissions per account.")
    rate_limit_vote: str = _setting("120/minute", "Upvote toggles per account.")
    rate_limit_comment: str = _setting("10/minute", "Comments and edits per account.")
    rate_limit_claim: str = _setting("10/day", "Authorship claims per account (admins review each one).")
    rate_limit_links: str = _setting("30/hour", "Link edits (code, project page, organization) per account.")
    comment_max_chars: int = _setting(10_000, "Longest comment accepted, in characters.")
    digest_hour: int = _setting(8, "Local hour (0–23) at which digests are cut and sent.")
    digest_timezone: str = _setting("UTC", "IANA time zone of the digest hour and weekday, e.g. `Europe/Paris`.")
    digest_weekly_day: str = _setting("monday", "Weekday the weekly digest goes out.")
    digest_send_rate: float = _setting(10.0, "Digest mails per second at most; 0 sends unthrottled.")
    digest_papers: int = _setting(10, "Trending papers per digest mail.")
    digest_picks: int = _setting(
        5, "'Picked for you' papers per mail for subscribers with an account (by their upvotes); 0 disables."
    )
    digest_retry_minutes: int = _setting(
        10, "First retry delay after a temporary (4xx / network) failure; doubles per attempt, at most 6 h."
    )
    digest_max_attempts: int = _setting(6, "Attempts before a deferred digest mail is given up.")
    rate_limit_subscribe: str = _setting("5/hour", "Subscribe requests per client and per email address.")
    dkim_selector: str = _setting("", "DKIM selector; with the key file set, every mail is DKIM-signed.")
    dkim_private_key_file: str = _setting("", "Path of the PEM RSA private key for DKIM signing.")
    dkim_domain: str = _setting("", "DKIM `d=` domain; empty uses the domain of `mail_from`.")
    search_dir: str = _setting(
        "", "Directory of the search indexes; empty: beside the SQLite file (`<db>.search/`), or `data/search`."
    )
    embedder: str = _setting(
        "transformer",
        "Embedder for semantic search: `transformer` (MiniLM int8 ONNX, ~43 abstracts/s on 2 cores, ~33 with "
        "sentence vectors), `static` (model2vec-style, thousands/s, lower quality), `http` (OpenAI-compatible "
        "/v1/embeddings) or `none`.",
    )
    embedder_model: str = _setting(
        "",
        "Bundled model name (`all-MiniLM-L6-v2`, `minilm-static`) or a local model directory; for `http`, the "
        "server's model name. Never downloaded: build bundled models with `make models`.",
    )
    embedder_models_dir: str = _setting("data/models", "Where `make models` writes the built models.")
    embedder_url: str = _setting("", "Base URL of the `http` embedder, e.g. `http://gpu-box:8080/v1`.")
    embedder_api_key: str = _setting("", "Bearer token for the `http` embedder.")
    search_sentence_vectors: bool = _setting(
        True,
        "Also keep a vector per title and abstract sentence (semantic scores take the best part), pooled from the "
        "paper's own MiniLM pass: SciFact hybrid nDCG@10 0.738 instead of 0.732 at ~1.2x the embedding time "
        "(44 vs 53 papers/s). `false` for the fastest backfills.",
    )
    embedder_threads: int = _setting(0, "onnxruntime threads for the transformer embedder (0: all cores).")
    page_cache_mb: int = _setting(
        32,
        "Memory per web process for the HTML of day / week / month / paper pages, each rendered once per data "
        "change (docs/performance.md): this much for visitors' pages and as much again for the shared renders "
        "members' pages are spliced from; 0 renders every request.",
    )
    access_log: bool = _setting(
        False, "Log every request (uvicorn's access log); off by default: the reverse proxy logs them already."
    )
    pg_bin_dir: str = _setting(
        "", "Folder of `pg_dump` / `pg_restore` for `backup` / `restore` on PostgreSQL; empty: found on PATH."
    )

    @classmethod
    def documented(cls) -> list[tuple[str, Any, str]]:
        """(environment variable, default, help) for every setting: the README table and the docs test use it."""
        return [(env_name(f.name), f.default, f.metadata["help"]) for f in fields(cls)]

    def with_overrides(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def harvest_set_list(self) -> list[str]:
        return _split_list(self.harvest_sets)

    @property
    def upstream_list(self) -> list[str]:
        return [url.rstrip("/") for url in _split_list(self.upstreams)]

    @property
    def auto_submit_category_list(self) -> list[str]:
        return _split_list(self.auto_submit_categories)


def env_name(setting: str) -> str:
    return ENV_PREFIX + setting.upper()


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _convert(name: str, kind: type, raw: Any) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in {"1", "true", "yes", "on"}:
                return True
            if str(raw).lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is int and isinstance(raw, float):
            raise ValueError(raw)
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name} = {raw!r} is not a valid {kind.__name__}") from None


def load_settings(environ: Mapping[str, str] | None = None, config_file: Path | None = None) -> Settings:
    """Defaults, then the TOML file (`DAILYPAPERS_CONFIG` or `config_file`), then environment variables."""
    environ = os.environ if environ is None else environ
    types = {f.name: type(f.default) for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = config_file or (Path(environ[CONFIG_ENV]) if environ.get(CONFIG_ENV) else None)
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from None
        unknown = sorted(set(data) - set(types))
        if unknown:
            raise ConfigError(f"unknown setting(s) in {path}: {', '.join(unknown)}")
        values.update({k: _convert(k, types[k], v) for k, v in data.items()})
    for name, kind in types.items():
        raw = environ.get(env_name(name))
        if raw is not None:
            values[name] = _convert(env_name(name), kind, raw)
    settings = Settings(**values)
    for url in settings.upstream_list:
        if not url.lower().startswith(("http://", "https://")) or "://" not in url or not url.split("://", 1)[1]:
            raise ConfigError(
                f"{env_name('upstreams')}: {url!r} is not an http(s) base URL like https://huggingface.co"
            )
    for name in ("llm_url", "hf_hub_url", "arxiv_pdf_url"):
        url = getattr(settings, name)
        if url and not url.lower().startswith(("http://", "https://")):
            raise ConfigError(f"{env_name(name)}: {url!r} is not an http(s) URL")
    if settings.llm_url and not settings.llm_model.strip():
        raise ConfigError(f"{env_name('llm_model')} must name the model when {env_name('llm_url')} is set")
    if settings.environment not in ("development", "production"):
        raise ConfigError(f"{env_name('environment')} must be `development` or `production`")
    if settings.environment == "production" and (
        settings.secret_key == DEV_SECRET_KEY or len(settings.secret_key) < 32
    ):
        raise ConfigError(f"set {env_name('secret_key')} to a random value of 32+ characters in production")
    return settings
