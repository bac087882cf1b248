"""Intake's registry read as a service (role `system`): a household's members with their ID
numbers unmasked — an audited read in intake, with the reason the service gives. Casework asks
for them to send comparison requests, the gateway for the agencies' list of new monitored
households."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from shouwang_kit.auth import Officer, issue_token


async def unmasked_members(
    client: httpx.AsyncClient,
    *,
    service: Officer,
    auth_key: str,
    household_number: str,
    reason: str,
) -> list[dict[str, Any]] | None:
    """The household's members as intake gives them (name, relation, id_number, phone), or
    None when the registry does not hold the household (404). `client` is based at intake's
    URL; the token is the service's own, for five minutes. Any other refusal raises
    `httpx.HTTPStatusError`, an unreachable intake `httpx.HTTPError`."""
    token = issue_token(service, auth_key, now=datetime.now(UTC), ttl=timedelta(minutes=5))
    answer = await client.post(
        f"/v1/registry/households/{quote(household_number)}/sensitive",
        json={"reason": reason},
        headers={"Authorization": f"Bearer {token}"},
    )
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    members: list[dict[str, Any]] = answer.json()["members"]
    return members
