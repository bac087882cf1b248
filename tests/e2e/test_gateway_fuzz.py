"""Property-based API test: schemathesis generates requests from /openapi.json; no 5xx allowed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from shouwang_stack.demo import DEMO_AGENCY_KEYS
from shouwang_stack.paths import free_port
from shouwang_stack.services import SERVICES, ServiceProcess

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
async def fuzz_gateway(system: System) -> AsyncIterator[str]:
    """Its own gateway instance (same database and broker), so its rate limit is its own."""
    definition = next(s for s in SERVICES if s.name == "agency-gateway")
    process = ServiceProcess(
        definition=definition,
        port=free_port(),
        log_path=system.infra.stack.config.data_dir / "logs" / "fuzz-gateway.log",
    )
    process.start(
        {
            **system.infra.stack.service_env(),
            "GATEWAY_API_KEYS_FILE": str(DEMO_AGENCY_KEYS),
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000",
            "LOG_LEVEL": "WARNING",
        }
    )
    await process.wait_ready()
    yield process.url
    process.stop()


@pytest.fixture(scope="module")
def gateway_schema(fuzz_gateway: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{fuzz_gateway}/openapi.json")


schema = schemathesis.pytest.from_fixture("gateway_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_request_makes_the_gateway_fail(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    response = case.call(headers={"X-Api-Key": "demo-civil-affairs-key"}, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])
