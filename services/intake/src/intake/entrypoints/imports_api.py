"""HTTP API for registry imports and region codes (operators of the county office)."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from shouwang_kit.auth import CurrentOfficer
from shouwang_kit.logs import get_logger
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import select

from intake.adapters.tables import outbox, regions
from intake.app.imports import (
    ImportContext,
    ImportRejected,
    begin_import,
    import_report,
    load_regions,
    run_import,
)
from intake.domain.regions import Region, RegionCodeError, region
from intake.entrypoints.access import registry_keeper
from intake.entrypoints.api import registry_keys

log = get_logger(__name__)
router = APIRouter(prefix="/v1/registry", tags=["registry imports"])
MAX_UPLOAD = 512 * 1024 * 1024
SUFFIXES = {
    "text/csv": ".csv",
    "application/csv": ".csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}


class RegionIn(BaseModel):
    """A statistical division: 12-digit code and name."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="12位统计用区划代码", examples=["532929101001"])
    name: str = Field(min_length=1, max_length=100, description="名称", examples=["诺邓村"])


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def import_context(runtime: ServiceRuntime) -> ImportContext:
    """What an import needs, from the running service."""
    return ImportContext(
        sessions=runtime.sessions,
        outbox_table=outbox,
        keys=registry_keys(runtime),
        today=runtime.settings.today(),
        now=lambda: datetime.now(UTC),
        new_id=uuid.uuid4,
        progress=lambda _phase, _done: runtime.wake_outbox(),
    )


@router.put("/regions")
async def put_regions(
    items: list[RegionIn], request: Request, officer: CurrentOfficer
) -> dict[str, int]:
    """Load or rename divisions (province … village); the import finds villages by 镇 + 村
    (the county office)."""
    registry_keeper(officer)
    checked: list[Region] = []
    errors: list[dict[str, object]] = []
    for index, item in enumerate(items):
        try:
            checked.append(region(item.code, item.name))
        except RegionCodeError:
            message = "区划代码应为12位数字"
            errors.append(
                {"field": f"[{index}].code", "code": "region_code.format", "message": message}
            )
    if errors:
        raise ApiError(422, "region_code.format", "区划代码有误", errors)
    async with _runtime(request).sessions() as session, session.begin():
        count = await load_regions(session, checked)
    return {"loaded": count}


@router.get("/regions")
async def get_regions(
    request: Request, parent: Annotated[str | None, Query(max_length=12)] = None
) -> list[dict[str, Any]]:
    """Divisions, optionally only the children of one."""
    query = select(regions).order_by(regions.c.code)
    if parent:
        query = query.where(regions.c.parent_code == parent)
    async with _runtime(request).sessions() as session:
        return [dict(r._mapping) for r in (await session.execute(query)).all()]


@router.post("/imports", status_code=202)
async def post_import(
    request: Request,
    officer: CurrentOfficer,
    file_name: Annotated[str, Query(max_length=200, description="原文件名")] = "upload",
) -> dict[str, str]:
    """Upload a registry export (CSV in UTF-8 or GBK, or XLSX) as the request body.

    Answers 202 at once with the import id; `GET /v1/registry/imports/{id}` shows progress,
    the summary (new, updated, unchanged, rejected) and the per-row errors. The county
    office; the import is recorded as the officer's.
    """
    registry_keeper(officer)
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    suffix = SUFFIXES.get(content_type)
    if suffix is None:
        raise ApiError(
            415, "file.kind", "请以 text/csv 或 Excel（.xlsx）的 Content-Type 上传花名册文件"
        )
    runtime = _runtime(request)
    spool = Path(tempfile.mkstemp(prefix="intake-import-", suffix=suffix)[1])
    size = 0
    with spool.open("wb") as handle:  # noqa: ASYNC230 -- a local temp file, written in chunks
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD:
                spool.unlink(missing_ok=True)
                raise ApiError(413, "request.too_large", "文件超过512MB，请分乡镇导出后分别导入")
            handle.write(chunk)
    import_id = uuid.uuid4()
    ctx = import_context(runtime)
    summary = await begin_import(
        spool, ctx=ctx, actor=officer.officer_id, import_id=import_id, name=file_name
    )

    async def run() -> None:
        try:
            await run_import(spool, ctx=ctx, summary=summary)
        except ImportRejected:
            pass  # recorded on the import as failed, with the reason
        except Exception as exc:  # recorded as failed; the operator sees it in the status
            log.error("registry.import_failed", import_id=str(import_id), error=type(exc).__name__)
        finally:
            spool.unlink(missing_ok=True)
            runtime.wake_outbox()

    task = asyncio.create_task(run())
    pending: set[asyncio.Task[None]] = runtime.__dict__.setdefault("import_tasks", set())
    pending.add(task)
    task.add_done_callback(pending.discard)
    return {"import_id": str(import_id), "status_url": f"/v1/registry/imports/{import_id}"}


@router.get("/imports/{import_id}")
async def get_import(
    import_id: uuid.UUID,
    request: Request,
    officer: CurrentOfficer,
    format: Annotated[str, Query(pattern="^(json|csv)$", description="json 或 csv")] = "json",
) -> Any:
    """An import's state, counts and per-row errors (row number, field, code, message); the
    county office."""
    registry_keeper(officer)
    async with _runtime(request).sessions() as session:
        head, errors = await import_report(session, import_id)
    if head is None:
        raise ApiError(404, "import.not_found", "未找到该导入批次")
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["行号", "字段", "错误代码", "说明"])
        for e in errors:
            writer.writerow([e["row_number"], e["field"], e["code"], e["message"]])
        return Response(
            ("\ufeff" + buffer.getvalue()).encode(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'
            },
        )
    head = {k: (str(v) if isinstance(v, uuid.UUID | datetime) else v) for k, v in head.items()}
    head.pop("sha256", None)
    return {
        **head,
        "errors": [{k: e[k] for k in ("row_number", "field", "code", "message")} for e in errors],
    }
