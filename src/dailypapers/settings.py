"""Settings declared as data (name, default, help), read from DAILYPAPERS_* variables and an optional TOML file."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from dailypapers.errors import ConfigError

ENV_PREFIX = "DAILYPAPERS_"
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
        "", "Operator contact put in the User-Agent of requests to arXiv, as arXiv asks of harvesters."
    )
    log_level: str = _setting("INFO", "Logging level of web and worker: DEBUG, INFO, WARNING or ERROR.")

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
    return Settings(**values)
