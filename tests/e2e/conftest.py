"""The five services as processes, shared by the end-to-end tests of one session."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from shouwang_kit.auth import Officer, issue_token
from shouwang_kit.idnumber import check_char
from shouwang_kit.settings import ServiceSettings
from shouwang_stack.demo import DEMO_AGENCY_KEYS, DEMO_OFFICERS, demo_registry, seed_registry

from tests.conftest import Infra
from tests.fakes.wecom_robot import FakeRobot, serve_robot

ROBOT_KEY = "e2e-robot-key"
COUNTY = Officer("county-1", "县乡村振兴局 王科长", "county_office", "532929000000")


def officer_token(officer: Officer) -> str:
    """A bearer token for an officer, signed with the services' (development) key."""
    key = ServiceSettings().auth_key
    return issue_token(officer, key, now=datetime.now(UTC), ttl=timedelta(hours=2))


# Numbers of the households tests register for themselves (the demo's are 0001–0006).
_OWN_HOUSEHOLDS = itertools.count(9001)
CIVIL = {"X-Api-Key": "demo-civil-affairs-key"}
MEDICAL = {"X-Api-Key": "demo-medical-insurance-key"}


class System:
    """Handles on the running services."""

    def __init__(self, infra: Infra, robot: FakeRobot) -> None:
        self.infra = infra
        self.robot = robot
        self.http = httpx.AsyncClient(
            timeout=10, headers={"Authorization": f"Bearer {officer_token(COUNTY)}"}
        )

    def url(self, service: str) -> str:
        return self.infra.stack.url(service)

    @staticmethod
    def today() -> date:
        """The county's date now (what the services take "today" to be)."""
        return ServiceSettings().today()

    async def post_warning(
        self, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            f"{self.url('agency-gateway')}/v1/warnings", json=body, headers=headers or CIVIL
        )

    async def post_batch(
        self,
        content: bytes,
        *,
        period: str,
        content_type: str = "text/csv",
        headers: dict[str, str] | None = None,
        base: str | None = None,
        **params: str,
    ) -> httpx.Response:
        return await self.http.post(
            f"{base or self.url('agency-gateway')}/v1/batches",
            params={"period": period, **params},
            content=content,
            headers={"Content-Type": content_type, **(headers or CIVIL)},
        )

    async def new_household(self, like: int = 2, name: str = "杨建华") -> dict[str, Any]:
        """A household of the test's own in the village of demo household `like` (2: 诺邓镇
        天池村) — a new number, one member with a new ID — registered as the county office would
        and known to matching: a test that opens, accepts or closes its case depends on no other
        test. The household as registered, with its id."""
        place = demo_registry()["households"][like]
        region_code, village_name, township_name = (
            place["region_code"],
            place["village_name"],
            place["township_name"],
        )
        n = next(_OWN_HOUSEHOLDS)
        first17 = f"{region_code[:6]}1975{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
        household = {
            "household_number": f"{region_code}{n:04d}",
            "region_code": region_code,
            "village_name": village_name,
            "township_name": township_name,
            "category": "ordinary",
            "members": [
                {
                    "id_number": first17 + check_char(first17),
                    "name": name,
                    "gender": "male",
                    "birth_date": f"1975-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                    "relation": "户主",
                    "phone": None,
                    "is_head": True,
                }
            ],
        }
        answer = await self.http.put(
            f"{self.url('intake')}/v1/registry/households/{household['household_number']}",
            json=household,
        )
        assert answer.status_code == 200, answer.text
        household_id = str(answer.json()["household_id"])
        async with asyncio.timeout(20):  # matching has it once its signals can be asked for
            while (
                await self.http.get(
                    f"{self.url('matching')}/v1/signals", params={"household_id": household_id}
                )
            ).status_code == 404:
                await asyncio.sleep(0.1)
        return {**household, "household_id": household_id}

    async def case_for(self, household_id: str, *warning_ids: str) -> dict[str, Any]:
        """The household's open case once it carries all the given warnings."""
        async with asyncio.timeout(20):
            while True:
                answer = await self.http.get(
                    f"{self.url('casework')}/v1/cases",
                    params={"household_id": household_id, "is_open": "true"},
                )
                items = answer.json()["items"]
                if items:
                    attached = {s["warning_id"] for s in items[0]["signals"]}
                    if attached.issuperset(warning_ids):
                        return dict(items[0])
                await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
async def system(infra: Infra) -> AsyncIterator[System]:
    robot = FakeRobot(key=ROBOT_KEY)
    async with serve_robot(robot) as robot_url:
        infra.stack.config.env.update(
            {
                "GATEWAY_API_KEYS_FILE": str(DEMO_AGENCY_KEYS),
                "NOTIFIER_CHANNEL": "wecom_robot",
                "NOTIFIER_WECOM_ROBOT_URL": robot_url,
                "NOTIFIER_WECOM_ROBOT_KEY": ROBOT_KEY,
                "NOTIFIER_DIRECTORY_FILE": str(DEMO_OFFICERS),
                "CONSOLE_DIRECTORY_FILE": str(DEMO_OFFICERS),
                "NOTIFIER_PERSONAL_CHANNELS": "log",
                "CASEWORK_SCHEDULER_INTERVAL_S": "1",
                # Longer than the longest run of rest days (春节: 9), so that a 当日 clock
                # opened on any day, even a Saturday night, is due soon at once.
                "CASEWORK_DUE_SOON_HOURS": str(24 * 14),
                "CASEWORK_REPORT_CACHE_S": "0",  # tests read reports right after acting
            }
        )
        await infra.stack.start_services()
        system = System(infra, robot)
        await seed_registry(infra.stack.url("intake"))
        households = len(demo_registry()["households"])
        async with asyncio.timeout(20):
            while (await system.http.get(f"{infra.stack.url('matching')}/v1/read-model")).json()[
                "households"
            ] < households:
                await asyncio.sleep(0.1)
        try:
            yield system
        finally:
            await system.http.aclose()
            for service in list(infra.stack.services.values()):
                service.stop()
            infra.stack.services.clear()
