"""For the county office (县乡村振兴局, officer token): every agency's recent lists with what
became of their rows downstream — the per-batch outcomes on the console's feed-health page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from shouwang_kit.auth import CurrentOfficer, require_role
from sqlalchemy import func, select

from agency_gateway.adapters.tables import batch_rows, batches, warnings
from agency_gateway.entrypoints.deps import RuntimeDep

router = APIRouter(prefix="/v1/county", tags=["feeds"])
OUTCOMES = (
    "accepted",
    "needs_review",
    "matched",
    "not_in_registry",
    "case_opened",
    "confirmed",
    "dismissed",
)


@router.get("/batches")
async def county_batches(
    runtime: RuntimeDep,
    officer: CurrentOfficer,
    period: Annotated[
        str | None, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="月份 YYYY-MM")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """All agencies' uploads, newest first, each with its row counts and downstream outcomes."""
    require_role(officer, {"county_office"}, "只有县乡村振兴局可以查看各部门的报送批次")
    query = select(batches).order_by(batches.c.received_at.desc()).limit(limit)
    if period:
        query = query.where(batches.c.period == period)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
        ids = [r.batch_id for r in rows]
        outcomes: dict[Any, dict[str, int]] = {i: {} for i in ids}
        if ids:
            grouped = await session.execute(
                select(batch_rows.c.batch_id, warnings.c.outcome, func.count())
                .join(warnings, warnings.c.warning_id == batch_rows.c.warning_id)
                .where(
                    batch_rows.c.batch_id.in_(ids),
                    batch_rows.c.status.in_(("new", "changed", "unchanged")),
                )
                .group_by(batch_rows.c.batch_id, warnings.c.outcome)
            )
            for batch_id, outcome, count in grouped.tuples():
                outcomes[batch_id][outcome] = count
    items = []
    for r in rows:
        counts = dict(r.counts)
        items.append(
            {
                "batch_id": str(r.batch_id),
                "agency_code": r.agency_code,
                "period": r.period,
                "status": r.status,
                "filename": r.filename,
                "received_at": r.received_at.isoformat(),
                "received": counts.get("received", 0),
                "rejected": counts.get("rejected", 0),
                "outcomes": {o: outcomes[r.batch_id].get(o, 0) for o in OUTCOMES},
            }
        )
    return {"items": items}
