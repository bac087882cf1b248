"""Intake's registry, read as the system: the members of a household by its number, with
their ID numbers (an audited read in intake), for the agencies' list of new monitored
households."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from shouwang_kit.auth import Officer, issue_token

SYSTEM = Officer("agency-gateway", "部门预警接口", "system", "000000000000")
REASON = "新增监测对象名单：向行业部门推送，用于落实帮扶政策"


class RegistryUnavailable(Exception):
    """Intake could not be asked, or would not answer."""


async def household_members(
    client: httpx.AsyncClient, auth_key: str, household_number: str
) -> list[dict[str, Any]]:
    """The household's members: name, relation, ID number (no phones: the list has no use
    for them); an empty list when the registry no longer holds the household."""
    token = issue_token(SYSTEM, auth_key, now=datetime.now(UTC), ttl=timedelta(minutes=5))
    try:
        answer = await client.post(
            f"/v1/registry/households/{quote(household_number)}/sensitive",
            json={"reason": REASON},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        raise RegistryUnavailable(type(exc).__name__) from None
    if answer.status_code == 404:
        return []
    if answer.status_code != 200:
        raise RegistryUnavailable(f"HTTP {answer.status_code}")
    return [
        {"name": m["name"], "relation": m.get("relation", ""), "id_number": m.get("id_number")}
        for m in answer.json()["members"]
    ]
