"""Schemathesis drives the simulator from its own OpenAPI: no 5xx, no answer outside the schema.

Bounded: a fixed number of examples per operation, the whole run well under a minute.
Fault injection, reset and ordering-system registration are left out: a 502/504 on purpose
is not a server error, and re-registering the test key would only produce 401s.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings

from eprom_verify.simulator import RunningSimulator, run_in_thread

from .conftest import KEY, settings_for

EXAMPLES = 25
SKIPPED = ("/_simulator/faults", "/_simulator/reset", "/_simulator/ordering-systems")


def _checks() -> list[Any]:
    """Imported here: schemathesis takes ~0.7 s to import, paid only by the worker running this."""
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


@pytest.fixture(scope="module")
def simulator() -> Iterator[RunningSimulator]:
    with run_in_thread(
        settings_for("http://127.0.0.1:9/nowhere", retry_base_seconds=60)
    ) as running:
        yield running


def _fuzz(operation: Any, checks: list[Any], failures: list[str], session: Any) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    def run(case: Any) -> None:
        try:
            case.call_and_validate(
                session=session, headers={"Authorization": f"Basic {KEY}"}, checks=checks
            )
        except Exception as exc:  # a failure (group) of schemathesis' checks
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")

    run()


def test_no_server_errors_and_answers_match_the_schema(simulator: RunningSimulator) -> None:
    import requests
    import schemathesis

    schema = schemathesis.openapi.from_url(f"{simulator.root_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    tested = [op for op in operations if not op.path.startswith(SKIPPED)]
    failures: list[str] = []
    checks = _checks()
    # one kept-alive session for every request (without one, each case opened a session and
    # a connection of its own: ~12 % of the test's CPU)
    with requests.Session() as session:
        for operation in tested:
            _fuzz(operation, checks, failures, session)
    assert len(tested) >= 20
    assert not failures, "\n\n".join(failures[:5])
    simulator.check_errors()
