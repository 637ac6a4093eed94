"""Rewrites the settings table of README.md from the declarations in settings.py (run after adding a setting)."""

from __future__ import annotations

import re
from pathlib import Path

from dailypapers.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


def table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{name}` | `{default}` | {help_text} |" for name, default, help_text in Settings.documented()]
    rows.append("| `DAILYPAPERS_CONFIG` | (none) | Path of a TOML settings file. |")
    return "\n".join(rows)


def main() -> None:
    text = README.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    README.write_text(pattern.sub(f"{START}\n{table()}\n{END}", text))


if __name__ == "__main__":
    main()
