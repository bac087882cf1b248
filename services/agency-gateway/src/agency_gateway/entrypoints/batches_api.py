"""Monthly lists (月度名单): upload, status with downstream outcomes, per-row reports."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from shouwang_kit.logs import get_logger
from shouwang_kit.tabular import CONTENT_TYPES, UnreadableFile, records
from shouwang_kit.web import ApiError
from sqlalchemy import func, select
from starlette.background import BackgroundTask

from agency_gateway.adapters.reports import csv_report, xlsx_report
from agency_gateway.adapters.spool import BodyTooLarge, spool
from agency_gateway.adapters.tables import batch_rows, batches, warnings
from agency_gateway.app.batches import (
    BatchIdempotencyConflict,
    BatchIngest,
    BatchRequest,
    TooManyRows,
    find_batch,
)
from agency_gateway.entrypoints.deps import CurrentAgency, RuntimeDep

log = get_logger(__name__)
router = APIRouter(prefix="/v1", tags=["batches"])
_PERIOD = re.compile(r"^(19|20)\d{2}-(0[1-9]|1[0-2])$")
FormatParam = Literal["csv", "xlsx", "json", "jsonl"]


def _format(content_type: str | None, explicit: str | None) -> tuple[Any, str | None]:
    media, _, params = (content_type or "").partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip('"').lower()
    fmt = explicit or CONTENT_TYPES.get(media.strip().lower())
    if fmt is None:
        raise ApiError(
            415,
            "file.format",
            "无法识别的文件格式：请用 Content-Type text/csv、"
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet、"
            "application/json 或 application/x-ndjson，或加参数 format=csv|xlsx|json|jsonl",
        )
    return fmt, charset


async def _summary(runtime: RuntimeDep, batch_id: uuid.UUID, agency: str) -> dict[str, Any]:
    async with runtime.sessions() as session:
        row = (
            await session.execute(
                select(batches).where(
                    batches.c.batch_id == batch_id, batches.c.agency_code == agency
                )
            )
        ).first()
        if row is None:
            raise ApiError(404, "batch.not_found", f"未找到本部门的批次 {batch_id}")
        result = await session.execute(
            select(warnings.c.outcome, func.count())
            .select_from(batch_rows)
            .join(warnings, warnings.c.warning_id == batch_rows.c.warning_id)
            .where(
                batch_rows.c.batch_id == batch_id,
                batch_rows.c.status.in_(("new", "changed", "unchanged")),
            )
            .group_by(warnings.c.outcome)
        )
        outcomes: dict[str, int] = {outcome: count for outcome, count in result.tuples()}
    counts = dict(row.counts)
    accepted = counts.get("new", 0) + counts.get("changed", 0) + counts.get("unchanged", 0)
    base = f"/v1/batches/{batch_id}/report"
    return {
        "batch_id": str(row.batch_id),
        "agency_code": row.agency_code,
        "period": row.period,
        "format": row.format,
        "filename": row.filename,
        "status": row.status,
        "error": row.error,
        "received_at": row.received_at.isoformat(),
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
        "counts": {
            "received": counts.get("received", 0),
            "rejected": counts.get("rejected", 0),
            "accepted": accepted,
            "new": counts.get("new", 0),
            "changed": counts.get("changed", 0),
            "unchanged": counts.get("unchanged", 0),
            "removed": counts.get("removed", 0),
            "awaiting_match": outcomes.get("accepted", 0),
            "needs_review": outcomes.get("needs_review", 0),
            "matched": outcomes.get("matched", 0),
            "not_in_registry": outcomes.get("not_in_registry", 0),
            "case_opened": outcomes.get("case_opened", 0),
            "confirmed": outcomes.get("confirmed", 0),
            "dismissed": outcomes.get("dismissed", 0),
        },
        "unknown_columns": list(row.unknown_columns),
        "report": {"csv": f"{base}?format=csv", "xlsx": f"{base}?format=xlsx"},
    }


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "名单文件本身（不是表单）。表头可用中文："
        + "、".join(
            [
                "姓名",
                "身份证号码",
                "出生日期",
                "联系电话",
                "区划代码",
                "乡镇",
                "村",
                "金额",
                "发生日期",
                "预警类型",
                "记录编号",
                "房屋等级",
                "灾害类型",
                "备注",
            ]
        ),
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": (
                    "姓名,身份证号码,发生日期,金额\n李玉兰,532929196803150024,2026-10-12,4200\n"
                ),
            },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
                "example": [
                    {"姓名": "李玉兰", "身份证号码": "532929196803150024", "发生日期": "2026-10-12"}
                ],
            },
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@router.post("/batches", status_code=202, openapi_extra=_UPLOAD_BODY)
async def post_batch(
    request: Request,
    runtime: RuntimeDep,
    agency: CurrentAgency,
    period: Annotated[str, Query(description="名单所属月份 YYYY-MM，如上月 2026-10")],
    signal_type: Annotated[
        str | None, Query(max_length=64, description="文件中没有“预警类型”列时，所有行的预警类型")
    ] = None,
    format: Annotated[
        FormatParam | None, Query(description="文件格式；缺省时按 Content-Type 判断")
    ] = None,
    filename: Annotated[str | None, Query(max_length=300, description="原始文件名")] = None,
    charset: Annotated[
        str | None, Query(description="CSV 编码（utf-8 或 gbk）；缺省时自动识别")
    ] = None,
    content_type: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Upload a monthly list (月度名单) as CSV (UTF-8 or GBK), XLSX, JSON or JSON Lines.

    Streamed to disk, then read row by row; every row is validated on its own and a bad row never
    sinks the list. Answered (202) once every accepted row is durable. A new upload for the same
    agency and period replaces the previous list: unchanged rows are not sent again, changed rows
    are, rows no longer present are reported as removed.
    """
    if not _PERIOD.match(period):
        raise ApiError(422, "period.format", "名单所属月份应为YYYY-MM格式，如2026-10")
    settings = request.app.state.settings
    local_now = datetime.now(ZoneInfo(settings.timezone))
    if period > f"{local_now:%Y-%m}":
        raise ApiError(422, "period.future", "名单所属月份不能晚于本月")
    fmt, header_charset = _format(content_type, format)
    try:
        spooled = await spool(
            request.stream(), max_bytes=settings.max_body_bytes, directory=settings.spool_dir
        )
    except BodyTooLarge:
        raise ApiError(
            413,
            "file.too_large",
            f"文件超过{settings.max_body_bytes // (1024 * 1024)}MB上限，请拆分后上传",
        ) from None
    try:
        if idempotency_key is not None:
            async with runtime.sessions() as session:
                try:
                    previous = await find_batch(session, agency, idempotency_key, spooled.sha256)
                except BatchIdempotencyConflict:
                    raise ApiError(
                        409,
                        "idempotency.conflict",
                        "该 Idempotency-Key 已用于内容不同的另一份名单，请使用新的键",
                    ) from None
            if previous is not None:
                return JSONResponse(
                    status_code=202,
                    content=await _summary(runtime, previous, agency),
                    headers={"Idempotent-Replayed": "true"},
                )
        ingest = BatchIngest(
            BatchRequest(
                agency_code=agency,
                period=period,
                default_signal_type=signal_type,
                fmt=fmt,
                filename=filename,
                idempotency_key=idempotency_key,
                body_sha256=spooled.sha256,
            ),
            batch_id=uuid.uuid4(),
            engine=runtime.engine,
            sessions=runtime.sessions,
            pseudonym_key=settings.pseudonym_key,
            now=datetime.now(UTC),
            tz=settings.tz,
            max_rows=settings.max_rows,
            executor=request.app.state.parse_pool,
            parallel=max(1, settings.parse_workers),
        )
        await ingest.open()
        try:
            counts = await ingest.run(
                records(spooled.path, fmt, utf8=spooled.utf8, charset=charset or header_charset)
            )
        except UnreadableFile as exc:
            await ingest.fail(exc.message)
            raise ApiError(
                422, exc.code, exc.message, [{"batch_id": str(ingest.batch_id)}]
            ) from None
        except TooManyRows as exc:
            await ingest.fail("too many rows")
            raise ApiError(
                413, "file.too_many_rows", f"名单超过{exc.args[0]}行上限，请拆分后上传"
            ) from None
        finally:
            runtime.wake_outbox()
    finally:
        os.unlink(spooled.path)
    log.info(
        "batch.ingested",
        batch_id=str(ingest.batch_id),
        agency=agency,
        period=period,
        format=fmt,
        bytes=spooled.size,
        **counts.as_dict(),
    )
    return JSONResponse(status_code=202, content=await _summary(runtime, ingest.batch_id, agency))


@router.get("/batches/{batch_id}")
async def get_batch(
    batch_id: uuid.UUID, runtime: RuntimeDep, agency: CurrentAgency
) -> dict[str, Any]:
    """Status and counts of one list, with what became of its rows downstream (比对反馈)."""
    return await _summary(runtime, batch_id, agency)


@router.get("/batches")
async def list_batches(
    runtime: RuntimeDep,
    agency: CurrentAgency,
    period: Annotated[str | None, Query(description="月份 YYYY-MM")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """This agency's uploads, newest first."""
    query = (
        select(
            batches.c.batch_id,
            batches.c.period,
            batches.c.status,
            batches.c.received_at,
            batches.c.counts,
            batches.c.filename,
        )
        .where(batches.c.agency_code == agency)
        .order_by(batches.c.received_at.desc())
        .limit(limit)
    )
    if period:
        query = query.where(batches.c.period == period)
    async with runtime.sessions() as session:
        rows = (await session.execute(query)).all()
    return {
        "items": [
            {
                "batch_id": str(r.batch_id),
                "period": r.period,
                "status": r.status,
                "filename": r.filename,
                "received_at": r.received_at.isoformat(),
                "counts": r.counts,
            }
            for r in rows
        ]
    }


@router.get("/batches/{batch_id}/report", response_model=None)
async def get_report(
    batch_id: uuid.UUID,
    runtime: RuntimeDep,
    agency: CurrentAgency,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv 或 xlsx")] = "csv",
) -> StreamingResponse | FileResponse:
    """The per-row report: every row's status, errors and downstream outcome."""
    await _summary(runtime, batch_id, agency)  # 404 unless it is this agency's batch
    name = f"batch-{batch_id}-report.{format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":

        async def body() -> Any:
            async with runtime.sessions() as session:
                async for chunk in csv_report(session, batch_id):
                    yield chunk

        return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=disposition)
    handle, raw_path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(raw_path)
    async with runtime.sessions() as session:
        await xlsx_report(session, batch_id, path)
    return FileResponse(
        path,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
        background=BackgroundTask(os.unlink, path),
    )
