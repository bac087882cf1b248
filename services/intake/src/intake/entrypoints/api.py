"""HTTP API of the household registry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer
from shouwang_kit.crypto import FieldCipher
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.pii import mask_id_number, mask_name, mask_phone
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import select

from intake.adapters.tables import households, outbox
from intake.app.registry import Keys, load_household, republish_all, upsert_household
from intake.domain.registry import HouseholdRecord, MemberRecord, RegistryError
from intake.entrypoints.access import in_scope, registry_keeper

log = get_logger(__name__)
router = APIRouter(prefix="/v1/registry", tags=["registry"])


class MemberIn(BaseModel):
    """A household member (成员)."""

    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(max_length=40, description="身份证号码")
    name: str = Field(min_length=1, max_length=100, description="姓名")
    gender: Literal["male", "female", "unknown"] = "unknown"
    birth_date: date | None = None
    relation: str = Field(default="", max_length=20, description="与户主关系")
    phone: str | None = Field(default=None, max_length=30)
    is_head: bool = False


class HouseholdIn(BaseModel):
    """A household (户) from the national monitoring system's export."""

    model_config = ConfigDict(extra="forbid")

    household_number: str = Field(min_length=1, max_length=32, description="户编号")
    region_code: str = Field(description="村级区划代码（12位）")
    village_name: str = Field(min_length=1, max_length=100)
    township_name: str = Field(min_length=1, max_length=100)
    category: Literal["lifted_out", "monitored", "ordinary"]
    members: list[MemberIn] = Field(min_length=1)


class UpsertOut(BaseModel):
    """What the upsert did."""

    household_id: uuid.UUID
    outcome: str


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def registry_keys(runtime: ServiceRuntime) -> Keys:
    """The pseudonym key and field cipher from the service's settings."""
    keys: Keys | None = getattr(runtime, "registry_keys", None)
    if keys is None:
        settings = runtime.settings
        keys = Keys(settings.pseudonym_key, FieldCipher(settings.data_keys))
        runtime.registry_keys = keys  # type: ignore[attr-defined]
    return keys


@router.put("/households/{household_number}", response_model=UpsertOut)
async def put_household(
    household_number: str, body: HouseholdIn, request: Request, officer: CurrentOfficer
) -> UpsertOut:
    """Create or update one household by its number (idempotent; the county office)."""
    registry_keeper(officer)
    in_scope(officer, body.region_code)
    if body.household_number != household_number:
        raise ApiError(422, "household_number.mismatch", "路径中的户编号与请求内容不一致")
    runtime = _runtime(request)
    record = HouseholdRecord(
        household_number=body.household_number,
        region_code=body.region_code,
        village_name=body.village_name,
        township_name=body.township_name,
        category=body.category,
        members=tuple(MemberRecord(**m.model_dump()) for m in body.members),
    )
    try:
        async with runtime.sessions() as session, session.begin():
            result = await upsert_household(
                record,
                session=session,
                outbox=Outbox(outbox, session),
                keys=registry_keys(runtime),
                now=datetime.now(UTC),
                new_id=uuid.uuid4,
            )
    except RegistryError as exc:
        raise ApiError(
            422,
            exc.code,
            exc.message,
            [{"field": exc.field, "code": exc.code, "message": exc.message}],
        ) from None
    runtime.wake_outbox()
    log.info("household.upserted", household_id=str(result.household_id), outcome=result.outcome)
    return UpsertOut(household_id=result.household_id, outcome=result.outcome)


async def household_by_number(
    runtime: ServiceRuntime, household_number: str
) -> tuple[uuid.UUID, HouseholdRecord]:
    """The household with this 户编号 and its members (decrypted), or 404."""
    async with runtime.sessions() as session:
        household_id = await session.scalar(
            select(households.c.household_id).where(
                households.c.household_number == household_number
            )
        )
        if household_id is None:
            raise ApiError(404, "household.not_found", f"未找到户编号为 {household_number} 的农户")
        record, _ = await load_household(session, household_id, registry_keys(runtime))
    return household_id, record


@router.get("/households/{household_number}")
async def get_household(
    household_number: str, request: Request, officer: CurrentOfficer
) -> dict[str, object]:
    """One household with members; ID numbers, names and phones masked (officers of its
    region)."""
    household_id, record = await household_by_number(_runtime(request), household_number)
    in_scope(officer, record.region_code)
    return {
        "household_id": str(household_id),
        "household_number": record.household_number,
        "region_code": record.region_code,
        "village_name": record.village_name,
        "township_name": record.township_name,
        "category": record.category,
        "monitor_type": record.monitor_type,
        "lifted_year": record.lifted_year,
        "declared_size": record.declared_size,
        "status": record.status,
        "risk_type": record.risk_type,
        "officer_name": record.officer_name,
        "members": [
            {
                "id_number": mask_id_number(m.id_number),
                "name": mask_name(m.name),
                "gender": m.gender,
                "relation": m.relation,
                "phone": mask_phone(m.phone) if m.phone else None,
                "is_head": m.is_head,
                "labour": m.labour,
                "disability": m.disability,
                "schooling": m.schooling,
            }
            for m in record.members
        ],
    }


@router.post("/republish")
async def post_republish(request: Request, officer: CurrentOfficer) -> dict[str, int]:
    """Re-publish every household snapshot so other services can rebuild their read models
    (the county office)."""
    registry_keeper(officer)
    runtime = _runtime(request)
    async with runtime.sessions() as session, session.begin():
        count = await republish_all(
            session=session,
            outbox=Outbox(outbox, session),
            keys=registry_keys(runtime),
            now=datetime.now(UTC),
            new_id=uuid.uuid4,
        )
    runtime.wake_outbox()
    return {"republished": count}
