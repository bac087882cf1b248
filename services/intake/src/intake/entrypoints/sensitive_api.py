"""Unmasked ID numbers and phones of one household, for an officer who may see them and says
why. The console asks casework, which records the view in its responsibility trace (责任追溯)
and then calls this with the officer's own token; intake checks the same rule again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer, require_scope
from shouwang_kit.logs import get_logger
from shouwang_kit.web import ApiError

from intake.entrypoints.api import _runtime, household_by_number

log = get_logger(__name__)
router = APIRouter(prefix="/v1/registry", tags=["registry"])


class RevealIn(BaseModel):
    """Why the officer needs the unmasked fields."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=200, description="查看原因")


@router.post("/households/{household_number}/sensitive")
async def reveal_household(
    household_number: str, body: RevealIn, request: Request, officer: CurrentOfficer
) -> dict[str, object]:
    """Members' ID numbers and phones in clear (township and county officers, in their region;
    casework's comparison loop as the system, to ask the agencies about them)."""
    if not (officer.may_reveal or officer.role == "system"):
        raise ApiError(403, "role.forbidden", "您的角色不能查看未脱敏的身份证号和电话")
    if not body.reason.strip():
        raise ApiError(422, "reason.required", "请填写查看原因")
    household_id, record = await household_by_number(_runtime(request), household_number)
    require_scope(officer, record.region_code, "该农户不在您负责的区域内")
    log.info(
        "registry.sensitive_read",
        household_id=str(household_id),
        officer_id=officer.officer_id,
        role=officer.role,
        members=len(record.members),
    )
    return {
        "household_id": str(household_id),
        "household_number": record.household_number,
        "members": [
            {"name": m.name, "relation": m.relation, "id_number": m.id_number, "phone": m.phone}
            for m in record.members
        ],
    }
