"""The case queue: filters, pages of 50, live rows, bulk actions and its XLSX export."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from shouwang_kit.deadlines import deadline_parts

from console.core import Console
from console.names import ACTION_NAMES, CLOCK_NAMES, QUEUES, STATUS_NAMES
from console.views import BULK_ACTIONS, PAGE_SIZE, QUEUE_FILTERS, case_params

EXPORT_LIMIT = 5000


def _short_deadline(due: datetime, tz: ZoneInfo) -> str:
    """'12-08 24:00': the queue's short form of a deadline (the kit's `deadline_parts`)."""
    day, at = deadline_parts(due, tz)
    return f"{day:%m-%d} {at}"


def _row(case: dict[str, Any], console: Console, now: datetime) -> dict[str, Any]:
    live = [c for c in case["clocks"] if c["state"] in ("running", "breached")]
    nearest = min(live, key=lambda c: c["due_at"]) if live else None
    due = datetime.fromisoformat(nearest["due_at"]) if nearest else None
    overdue = bool(nearest and (nearest["state"] == "breached" or (due and due < now)))
    left = ""
    if due:
        hours = abs((due - now).total_seconds()) / 3600
        amount = f"{hours / 24:.0f}天" if hours >= 48 else f"{hours:.0f}小时"
        left = f"已超时{amount}" if overdue else f"还剩{amount}"
    return {
        **case,
        "clock": nearest,
        "overdue": overdue,
        "due_local": _short_deadline(due, console.tz) if due else "",
        "left": left,
        "agencies": sorted({s["agency_code"] for s in case["signals"]}),
    }


def register(app: FastAPI, console: Console) -> None:
    """Add the queue's routes."""

    @app.get("/", response_class=HTMLResponse)
    async def queue(
        request: Request, fragment: bool = False, offset: int = 0, done: str = ""
    ) -> Response:
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        officer, token = who
        filters = {k: request.query_params.get(k, "") for k in QUEUE_FILTERS}
        params = case_params(filters, offset=offset, limit=PAGE_SIZE)
        answer, (townships, villages) = await asyncio.gather(
            console.casework.get("/v1/cases", params=params, headers=console.bearer(token)),
            console.regions(officer.scope),
        )
        if answer.status_code == 401:
            return console.to_login()
        if answer.status_code != 200:
            return console.message(officer, answer.json().get("message", "查询失败"), 422)
        body = answer.json()
        now = datetime.now(UTC)
        rows = [_row(case, console, now) for case in body["items"]]
        if fragment:  # the rows alone: the page polls them to stay live without a reload
            return console.page("queue_rows.html", officer=officer, rows=rows)
        keep = {k: v for k, v in filters.items() if v}
        others = {k: v for k, v in keep.items() if k != "clock"}
        tab_qs = {key: urlencode({**others, **({"clock": key} if key else {})}) for key in QUEUES}
        return console.page(
            "queue.html",
            officer=officer,
            rows=rows,
            current=filters["clock"],
            filters=filters,
            keep=keep,
            tab_qs=tab_qs,
            total=body.get("total", len(rows)),
            capped=body.get("total_capped", False),
            more=len(rows) == PAGE_SIZE,
            offset=max(offset, 0),
            page_size=PAGE_SIZE,
            townships=townships,
            villages=villages,
            assignees=console.officers_in(officer.scope),
            agencies=console.catalogue.agencies,
            bulk_actions=BULK_ACTIONS,
            done=done,
        )

    @app.post("/bulk", response_class=HTMLResponse)
    async def bulk(
        request: Request,
        action: Annotated[str, Form(max_length=40)] = "",
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        """One action on the ticked cases; the page lists each case's result."""
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        officer, token = who
        form = await request.form()
        picked = [str(v).split("|", 1) for v in form.getlist("case")]
        numbers = {p[0]: (p[1] if len(p) > 1 else p[0]) for p in picked}
        if action not in BULK_ACTIONS:
            return console.message(officer, "该操作不能批量办理", 422)
        if not numbers:
            return console.message(officer, "请先勾选要办理的案件", 422)
        answer = await console.casework.post(
            f"/v1/cases/actions/{action}",
            json={"case_ids": list(numbers), "reason": reason},
            headers=console.bearer(token),
        )
        if answer.status_code != 200:
            return console.message(officer, answer.json().get("message", "批量办理失败"), 422)
        result = answer.json()
        for item in result["results"]:
            item["case_number"] = numbers.get(item["case_id"], item["case_id"])
        return console.page(
            "bulk_result.html",
            officer=officer,
            result=result,
            action_name=ACTION_NAMES.get(action, action),
        )

    @app.get("/queue.xlsx")
    async def export_queue(request: Request) -> Response:
        """The filtered queue as a spreadsheet (up to 5,000 cases)."""
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        officer, token = who
        filters = {k: request.query_params.get(k, "") for k in QUEUE_FILTERS}
        now = datetime.now(UTC)
        rows: list[list[Any]] = []
        for offset in range(0, EXPORT_LIMIT, 500):
            answer = await console.casework.get(
                "/v1/cases",
                params=case_params(filters, offset=offset, limit=500),
                headers=console.bearer(token),
            )
            if answer.status_code != 200:
                return console.message(officer, answer.json().get("message", "导出失败"), 422)
            items = answer.json()["items"]
            for case in items:
                row = _row(case, console, now)
                rows.append(
                    [
                        row["case_number"],
                        row["township_name"],
                        row["village_name"],
                        row["masked_name"],
                        STATUS_NAMES.get(row["status"], row["status"]),
                        "、".join(console.agency_names.get(a, a) for a in row["agencies"]),
                        CLOCK_NAMES.get(row["clock"]["kind"], "") if row["clock"] else "",
                        row["due_local"],
                        row["left"],
                        row.get("assignee") or "",
                    ]
                )
            if len(items) < 500:
                break
        header = [
            "案件编号",
            "乡镇",
            "村",
            "农户",
            "状态",
            "来源部门",
            "当前时限",
            "应完成",
            "剩余",
            "承办人",
        ]
        return console.xlsx("案件队列", header, rows, "queue")
