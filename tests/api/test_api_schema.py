"""Schemathesis against the served OpenAPI schema: generated input, authenticated as an
officer, never gets a 5xx. Bounded: a few examples per operation."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from tests.api.conftest import bearer

from mamori.core import Mamori
from mamori.web import create_app

EXAMPLES = 12


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_generated_input_gets_a_server_error(
    core: Mamori, tokens: dict[str, str], hanako: str
) -> None:
    app = create_app(core)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    headers = bearer(tokens["officer"])
    failures: list[str] = []
    statuses: Counter[int] = Counter()

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code} "
                    f"{response.text[:200]} (query {case.query}, body {case.body!r:.200})"
                )

        run()
    assert not failures, "\n".join(failures[:20])
    assert sum(statuses.values()) >= len(operations) * 2, statuses
    assert any(200 <= s < 300 for s in statuses), statuses  # not everything was refused
