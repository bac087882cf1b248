"""The comparison loop: sends the queued comparison requests (信息比对) of accepted cases,
reading each household's members from the registry as the system (an audited read there)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from shouwang_kit.auth import Officer
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.registry import unmasked_members
from shouwang_kit.runtime import Loop
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from casework.adapters.tables import outbox
from casework.app.comparisons import MembersOf, send_pending
from casework.domain.comparisons import Member

log = get_logger(__name__)
SYSTEM = Officer("casework", "案件与时限服务", "system", "000000000000")


def registry_members(intake: httpx.AsyncClient, auth_key: str) -> MembersOf:
    """A household's members with their ID numbers, from intake's sensitive read."""

    async def members_of(household_number: str) -> list[Member]:
        members = await unmasked_members(
            intake,
            service=SYSTEM,
            auth_key=auth_key,
            household_number=household_number,
            reason="信息比对：向比对部门发送家庭成员",
        )
        if members is None:  # not (or no longer) registered: tried again later, as any refusal
            raise LookupError(f"household {household_number} is not in the registry")
        return [Member(m["name"], m.get("id_number")) for m in members]

    return members_of


def comparison_loop(
    sessions: async_sessionmaker[AsyncSession],
    members_of: MembersOf,
    *,
    interval: float,
    wake_outbox: Callable[[], None],
) -> Loop:
    """Every `interval` seconds: the requests of the cases accepted meanwhile."""

    async def run() -> None:
        while True:
            async with sessions() as session, session.begin():
                sent, failed = await send_pending(
                    session, Outbox(outbox, session), members_of, now=datetime.now(UTC)
                )
            if sent:
                wake_outbox()
            if sent or failed:
                log.info("comparisons.sent", cases=sent, failed=failed)
            await asyncio.sleep(interval)

    return run
