"""Per-row reports of a batch (比对反馈), as CSV (UTF-8 with BOM, opens in Excel) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

from openpyxl import Workbook
from shouwang_kit.export import safe_cell
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agency_gateway.adapters.tables import batch_rows, warnings

COLUMNS = (
    "行号",
    "处理状态",
    "预警类型",
    "姓名",
    "身份证号码",
    "预警编号",
    "比对结果",
    "结果说明",
    "案件编号",
    "错误字段",
    "错误代码",
    "错误说明",
)
STATUS_ZH = {
    "new": "新增",
    "changed": "已更正",
    "unchanged": "未变化（不重复推送）",
    "rejected": "未接收",
    "removed": "本次名单已删除",
}
OUTCOME_ZH = {
    "accepted": "已接收，待比对",
    "matched": "已匹配到农户",
    "not_in_registry": "监测库中无此人",
    "needs_review": "待人工比对",
    "case_opened": "已立案核查",
    "confirmed": "核实纳入监测",
    "dismissed": "核查排除",
}


async def report_rows(session: AsyncSession, batch_id: UUID) -> AsyncIterator[list[Any]]:
    """The report's rows, in file order (removed rows last), streamed from the database."""
    query = (
        select(batch_rows, warnings.c.outcome, warnings.c.outcome_detail, warnings.c.case_number)
        .outerjoin(warnings, warnings.c.warning_id == batch_rows.c.warning_id)
        .where(batch_rows.c.batch_id == batch_id)
        .order_by(batch_rows.c.row_number.asc().nulls_last(), batch_rows.c.id)
    )
    result = await session.stream(query.execution_options(yield_per=2000))
    async for r in result:
        errors = r.errors or [{}]
        yield [
            r.row_number or "",
            STATUS_ZH.get(r.status, r.status),
            r.signal_type or "",
            r.masked_name or "",
            r.masked_id or "",
            str(r.warning_id) if r.warning_id else "",
            OUTCOME_ZH.get(r.outcome, r.outcome or "") if r.status != "rejected" else "",
            (r.outcome_detail or "") if r.status != "rejected" else "",
            r.case_number or "",
            "；".join(e.get("field", "") for e in errors if e),
            "；".join(e.get("code", "") for e in errors if e),
            "；".join(e.get("message", "") for e in errors if e),
        ]


async def csv_report(session: AsyncSession, batch_id: UUID) -> AsyncIterator[bytes]:
    """The report as CSV bytes, chunk by chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    async for row in report_rows(session, batch_id):
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


async def xlsx_report(session: AsyncSession, batch_id: UUID, path: Path) -> None:
    """The report as an XLSX file (write-only mode: rows are not kept in memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("比对反馈")
    sheet.append(list(COLUMNS))
    async for row in report_rows(session, batch_id):
        sheet.append([safe_cell(v) for v in row])
    workbook.save(path)
