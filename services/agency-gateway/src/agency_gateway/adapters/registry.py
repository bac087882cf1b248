"""Intake's registry, read as the system: the members of a household by its number, with
their ID numbers (an audited read in intake, `shouwang_kit.registry`), for the agencies' list
of new monitored households."""

from __future__ import annotations

from typing import Any

import httpx
from shouwang_kit.auth import Officer
from shouwang_kit.registry import unmasked_members

SYSTEM = Officer("agency-gateway", "部门预警接口", "system", "000000000000")
REASON = "新增监测对象名单：向行业部门推送，用于落实帮扶政策"


class RegistryUnavailable(Exception):
    """Intake could not be asked, or would not answer."""


async def household_members(
    client: httpx.AsyncClient, auth_key: str, household_number: str
) -> list[dict[str, Any]]:
    """The household's members: name, relation, ID number (no phones: the list has no use
    for them); an empty list when the registry no longer holds the household."""
    try:
        members = await unmasked_members(
            client,
            service=SYSTEM,
            auth_key=auth_key,
            household_number=household_number,
            reason=REASON,
        )
    except httpx.HTTPStatusError as exc:
        raise RegistryUnavailable(f"HTTP {exc.response.status_code}") from None
    except httpx.HTTPError as exc:
        raise RegistryUnavailable(type(exc).__name__) from None
    return [
        {"name": m["name"], "relation": m.get("relation", ""), "id_number": m.get("id_number")}
        for m in members or []
    ]
