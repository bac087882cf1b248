"""The demo county: a small registry loaded into intake over its API (as the county office)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from shouwang_kit.auth import Officer, issue_token
from shouwang_kit.settings import ServiceSettings

from shouwang_stack.paths import DEPLOY_DIR

DEMO_DIR = DEPLOY_DIR / "demo"
DEMO_REGISTRY = DEMO_DIR / "registry.json"
DEMO_AGENCY_KEYS = DEMO_DIR / "agency-keys.json"
DEMO_OFFICERS = DEMO_DIR / "officers.json"
DEMO_API_KEY = "demo-civil-affairs-key"
# A civil-affairs monthly list as Chinese Excel saves it (GBK): good rows, a person not in the
# registry (written in traditional characters) and a row with mistakes.
DEMO_LIST = DEMO_DIR / "civil-affairs-2026-10.csv"


def demo_registry() -> dict[str, Any]:
    """The demo county's households and members."""
    data: dict[str, Any] = json.loads(DEMO_REGISTRY.read_text(encoding="utf-8"))
    return data


def demo_regions() -> list[dict[str, str]]:
    """The county, its townships and villages, as the demo households name them."""
    data = demo_registry()
    county = data["county"]
    regions = {county["code"].ljust(12, "0"): county["name"]}
    for household in data["households"]:
        code = household["region_code"]
        regions[code[:9] + "000"] = household["township_name"]
        regions[code] = household["village_name"]
    return [{"code": code, "name": name} for code, name in sorted(regions.items())]


def loader_token() -> str:
    """A county office's token for the demo county (the registry is the county office's),
    signed with the key the services read (`SHOUWANG_AUTH_KEY`, else the development one)."""
    county = demo_registry()["county"]["code"].ljust(12, "0")
    loader = Officer("demo-loader", "演示数据导入", "county_office", county)
    return issue_token(
        loader, ServiceSettings().auth_key, now=datetime.now(UTC), ttl=timedelta(minutes=10)
    )


async def seed_registry(intake_url: str, token: str | None = None) -> int:
    """PUT the demo regions and every demo household to intake (idempotent), as the county
    office (`token`, else `loader_token()`); returns households."""
    households = demo_registry()["households"]
    headers = {"Authorization": f"Bearer {token or loader_token()}"}
    async with httpx.AsyncClient(base_url=intake_url, timeout=10, headers=headers) as client:
        (await client.put("/v1/registry/regions", json=demo_regions())).raise_for_status()
        for household in households:
            response = await client.put(
                f"/v1/registry/households/{household['household_number']}", json=household
            )
            response.raise_for_status()
    return len(households)
