"""Schemathesis fuzzes every operation of /openapi.json in-process: no 5xx, and every answer matches the schema."""

from __future__ import annotations

from datetime import date
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dailypapers.hub import Hub
from dailypapers.web.app import create_app
from tests.web import seed

# Schemathesis' own pytest plugin does not work with pytest 9 yet, so operations are driven with Hypothesis here.
SETTINGS = hypothesis_settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_every_operation_honours_its_schema(hub: Hub) -> None:
    seed.day_of_papers(hub, date(2026, 8, 20), [3, 9, 5])
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(hub))
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 7  # the HF-compatible and v1 routes; HTML pages and feeds are not in the schema
    for operation in operations:

        @SETTINGS
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            # Acceptance of "schema-valid" input is not checked: a value can match the documented pattern and still
            # be no real date (2026-02-30); those are 400s with a message, and the other checks hold for them.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
