"""Property-based API test: schemathesis generates requests from /openapi.json; no 5xx allowed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.conftest import extra_gateway
from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def fuzz_gateway(system: System) -> AsyncIterator[str]:
    """Its own gateway instance (its rate limit is its own; it parses lists in-process)."""
    async with extra_gateway(
        system.infra,
        "fuzz-gateway",
        GATEWAY_RATE_LIMIT_PER_MINUTE="100000",
        GATEWAY_PARSE_WORKERS="0",
        LOG_LEVEL="WARNING",
    ) as url:
        yield url


def _fuzz(base_url: str, examples: int) -> list[str]:
    """Generate requests for every operation; return a line per server error found."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = cast(Any, result).ok()  # an invalid operation would raise here

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            response = case.call(headers={"X-Api-Key": "demo-civil-affairs-key"}, timeout=30)
            if response.status_code >= 500:
                found.append(
                    f"{case.operation.label}: {response.status_code} {response.text[:200]}"
                )
            case.validate_response(response, checks=[not_a_server_error])

        try:
            exercise()
        except Exception as exc:  # the failing example is recorded in `found`
            found.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:300]}")
    return found


async def test_no_request_makes_the_gateway_fail(fuzz_gateway: str) -> None:
    """Schemathesis against /openapi.json: every answer is a 2xx or a clear 4xx, never a 5xx."""
    problems = await asyncio.to_thread(_fuzz, fuzz_gateway, 40)
    assert not problems, "\n".join(problems)
