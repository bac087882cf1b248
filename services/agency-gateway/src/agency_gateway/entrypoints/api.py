"""HTTP API for agency systems: POST /v1/warnings."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.logs import get_logger
from shouwang_kit.web import ApiError
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import DetailValue

from agency_gateway.app.submit import IdempotencyConflict, submit_warning
from agency_gateway.domain.warnings import PersonInput, WarningRejected, WarningSubmission
from agency_gateway.entrypoints.deps import CurrentAgency, RuntimeDep

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["warnings"])


class PersonIn(BaseModel):
    """The person the warning is about."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100, description="姓名")
    id_number: str | None = Field(default=None, max_length=40, description="身份证号码（18位）")
    birth_date: date | None = Field(default=None, description="出生日期（无身份证号码时必填）")
    phone: str | None = Field(default=None, max_length=30, description="联系电话")
    region_code: str | None = Field(default=None, max_length=12, description="村级区划代码")


class WarningIn(BaseModel):
    """An ad-hoc warning (临时预警) from an agency system."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "signal_type": "high_out_of_pocket",
                    "occurred_on": "2026-11-20",
                    "person": {
                        "name": "李玉兰",
                        "id_number": "532929196803150024",
                        "phone": "13987650001",
                        "region_code": "532929101001",
                    },
                    "source_record_id": "YB-2026-11-000123",
                    "details": {"amount": 23500.5},
                }
            ]
        },
    )

    signal_type: str = Field(max_length=64, description="预警类型代码，见预警信号目录")
    occurred_on: date = Field(description="发生日期")
    person: PersonIn
    source_record_id: str | None = Field(default=None, max_length=200, description="部门记录编号")
    period: str | None = Field(default=None, description="所属期 YYYY-MM")
    details: dict[str, DetailValue] = Field(default_factory=dict, description="附加信息")


class WarningAccepted(BaseModel):
    """The gateway's receipt."""

    warning_id: uuid.UUID
    status: str
    received_at: datetime


def _request_hash(body: WarningIn) -> str:
    canonical: Any = body.model_dump(mode="json")
    return hashlib.sha256(
        json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


@router.post("/warnings", status_code=202, response_model=WarningAccepted)
async def post_warning(
    body: WarningIn,
    runtime: RuntimeDep,
    agency: CurrentAgency,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="幂等键：重试时使用同一个值")
    ] = None,
) -> JSONResponse:
    """Accept one ad-hoc warning (临时预警); answered only once it is durably queued for Kafka.

    The same Idempotency-Key with the same body returns the same answer; with another body, 409.
    """
    submission = WarningSubmission(
        signal_type=body.signal_type,
        occurred_on=body.occurred_on,
        person=PersonInput(**body.person.model_dump()),
        source_record_id=body.source_record_id,
        period=body.period,
        details=body.details,
    )
    try:
        async with runtime.sessions() as session, session.begin():
            accepted = await submit_warning(
                submission,
                agency_code=agency,
                idempotency_key=idempotency_key,
                request_hash=_request_hash(body),
                session=session,
                catalogue=load_catalogue(),
                pseudonym_key=runtime.settings.pseudonym_key,
                now=datetime.now(UTC),
                tz=runtime.settings.tz,
                new_id=uuid.uuid4(),
                message_id=uuid.uuid4(),
            )
    except WarningRejected as exc:
        status = 403 if any(e.code == "signal_type.not_allowed" for e in exc.errors) else 422
        raise ApiError(
            status,
            exc.errors[0].code if status == 403 else "warning.invalid",
            "预警信息未被接收：" + "；".join(e.message for e in exc.errors),
            [{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors],
        ) from None
    except IdempotencyConflict:
        raise ApiError(
            409,
            "idempotency.conflict",
            "该 Idempotency-Key 已用于内容不同的另一条预警，请使用新的键",
        ) from None
    runtime.wake_outbox()
    log.info(
        "warning.accepted",
        warning_id=str(accepted.warning_id),
        agency=agency,
        signal_type=body.signal_type,
        replayed=accepted.replayed,
    )
    receipt = WarningAccepted(
        warning_id=accepted.warning_id, status="accepted", received_at=accepted.received_at
    )
    return JSONResponse(
        status_code=202,
        content=receipt.model_dump(mode="json"),
        headers={"Idempotent-Replayed": "true"} if accepted.replayed else {},
    )


@router.get("/catalogue", tags=["catalogue"])
async def get_catalogue() -> dict[str, Any]:
    """The agencies and the signal types each may send (预警信号目录)."""
    return load_catalogue().model_dump(mode="json")
