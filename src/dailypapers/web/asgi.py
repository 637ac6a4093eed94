"""The ASGI app factory for multi-process serving (`dailypapers serve --workers N`, `uvicorn --factory`).

Each process builds its own Hub from DAILYPAPERS_* settings when the server calls `app()`; nothing is built at
import time, and no process keeps state another would need (sessions, rate limits and jobs are in the database).
"""

from __future__ import annotations

import logging
import sys

from fastapi import FastAPI

from dailypapers.settings import load_settings
from dailypapers.web.app import create_app
from dailypapers.wiring import make_hub


def app() -> FastAPI:
    """`uvicorn --factory dailypapers.web.asgi:app`: one app per process, configured from the environment."""
    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    return create_app(make_hub(settings))
