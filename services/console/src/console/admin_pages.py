"""County-office pages: the review queue from matching, feed health (monthly lists, per-batch
outcomes, each agency's precision scorecard) and the calendar admin with provisional deadlines."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.core import Console
from console.names import CLOCK_NAMES
from console.views import percent, ranked_bars

FEED_STATUS = {"on_time": "按时", "late": "逾期报送", "missing": "未报送", "pending": "未到期"}
OUTCOME_NAMES = {
    "accepted": "待比对",
    "needs_review": "待人工核对",
    "matched": "已比对",
    "not_in_registry": "库外人员",
    "case_opened": "已立案",
    "confirmed": "已确认",
    "dismissed": "不予纳入",
}


def register(app: FastAPI, console: Console) -> None:
    """Add the county office's routes."""

    async def matching_list(
        request: Request,
        path: str,
        params: dict[str, Any],
        template: str,
        failed: str,
        **extra: Any,
    ) -> Response:
        """A county page listing one of matching's queues (items and their total)."""
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        answer = await console.matching.get(path, params=params, headers=console.bearer(who[1]))
        if answer.status_code != 200:
            return console.message(who[0], answer.json().get("message", failed), 502)
        listed = answer.json()
        return console.page(
            template,
            officer=who[0],
            items=listed["items"],
            total=listed.get("total", len(listed["items"])),
            **extra,
        )

    @app.get("/reviews", response_class=HTMLResponse)
    async def reviews(request: Request) -> Response:
        return await matching_list(
            request, "/v1/reviews", {"state": "open"}, "reviews.html", "无法读取待核对预警"
        )

    @app.get("/unmatched", response_class=HTMLResponse)
    async def unmatched(request: Request, offset: int = 0) -> Response:
        offset = max(offset, 0)
        return await matching_list(
            request,
            "/v1/unmatched",
            {"offset": offset, "limit": 100},
            "unmatched.html",
            "无法读取库外人员",
            offset=offset,
        )

    @app.get("/reviews/{warning_id}", response_class=HTMLResponse)
    async def review(warning_id: str, request: Request, error: str = "") -> Response:
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        answer = await console.matching.get(
            f"/v1/reviews/{quote(warning_id)}", headers=console.bearer(who[1])
        )
        if answer.status_code == 403:
            return console.message(who[0], answer.json().get("message", "无权查看"), 403)
        if answer.status_code != 200:
            return console.message(who[0], "未找到该待核对预警", 404)
        return console.page("review.html", officer=who[0], item=answer.json(), error=error)

    @app.post("/reviews/{warning_id}/{decision}")
    async def decide_review(
        warning_id: str,
        decision: str,
        request: Request,
        reason: Annotated[str, Form(max_length=500)] = "",
        person_id: Annotated[str, Form(max_length=64)] = "",
        id_number: Annotated[str, Form(max_length=32)] = "",
    ) -> Response:
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        officer = who[0]
        if decision not in ("confirm", "reject"):
            return console.message(officer, "未知的操作", 404)
        body: dict[str, Any] = {"reason": reason}  # the reviewer: the officer the token names
        if decision == "confirm" and person_id:
            body["person_id"] = person_id
        elif decision == "confirm" and id_number.strip():  # someone the shortlist lacks
            body["id_number"] = id_number.strip()
        answer = await console.matching.post(
            f"/v1/reviews/{quote(warning_id)}/{decision}", json=body, headers=console.bearer(who[1])
        )
        if answer.status_code >= 400:
            message = answer.json().get("message", "操作失败")
            return RedirectResponse(
                f"/reviews/{quote(warning_id)}?error={quote(message)}", status_code=303
            )
        return RedirectResponse("/reviews", status_code=303)

    async def feed_data(token: str) -> tuple[dict[str, Any], list[list[Any]], list[dict[str, Any]]]:
        health, precision, batches = await asyncio.gather(
            console.gateway.get("/v1/feed-health", headers=console.bearer(token)),
            console.casework.get("/v1/reports/precision", headers=console.bearer(token)),
            console.gateway.get("/v1/county/batches", headers=console.bearer(token)),
        )
        scorecard = precision.json()["rows"] if precision.status_code == 200 else []
        items = batches.json()["items"] if batches.status_code == 200 else []
        for item in items:  # the county reads local time, as on every other page
            received = datetime.fromisoformat(item["received_at"]).astimezone(console.tz)
            item["received_local"] = received.strftime("%Y-%m-%d %H:%M")
        return health.json(), scorecard, items

    @app.get("/feeds", response_class=HTMLResponse)
    async def feeds(request: Request) -> Response:
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        health, scorecard, batches = await feed_data(who[1])
        bars = ranked_bars(
            (
                console.agency_names.get(r[0], r[0]),
                (r[5] or 0) * 100,
                f"{percent(r[5])}（确认{r[2]}，不予纳入{r[3]}，处理中{r[4]}）",
            )
            for r in scorecard
        )
        return console.page(
            "feeds.html",
            officer=who[0],
            health=health,
            scorecard=scorecard,
            bars=bars,
            batches=batches,
            feed_status=FEED_STATUS,
            outcome_names=OUTCOME_NAMES,
        )

    @app.get("/feeds/{name}.xlsx")
    async def export_feeds(name: str, request: Request) -> Response:
        """The feed-health lists as spreadsheets: monthly lists, batches, scorecard."""
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        health, scorecard, batches = await feed_data(who[1])
        names = console.agency_names
        if name == "lists":
            rows = [
                [
                    f["agency_name"],
                    f["due_on"],
                    FEED_STATUS.get(f["status"], f["status"]),
                    f["received_on"] or "",
                ]
                for f in health["items"]
            ]
            header = ["部门", "应报送日期", "状态", "报送日期"]
            return console.xlsx(f"{health['period']} 名单报送", header, rows, "feed-lists")
        if name == "batches":
            rows = [
                [
                    names.get(b["agency_code"], b["agency_code"]),
                    b["period"],
                    b["filename"] or "",
                    b["received_local"],
                    b["received"],
                    b["rejected"],
                    *(b["outcomes"][o] for o in OUTCOME_NAMES),
                ]
                for b in batches
            ]
            header = ["部门", "月份", "文件", "接收时间", "行数", "退回", *OUTCOME_NAMES.values()]
            return console.xlsx("报送批次处理结果", header, rows, "feed-batches")
        if name == "scorecard":
            rows = [[names.get(r[0], r[0]), *r[1:5], percent(r[5])] for r in scorecard]
            header = ["来源部门", "预警数", "确认纳入", "不予纳入", "处理中", "准确率"]
            return console.xlsx("部门预警准确率", header, rows, "scorecard")
        return console.message(who[0], "没有这个报表", 404)

    @app.get("/calendar", response_class=HTMLResponse)
    async def calendar_page(request: Request, error: str = "", done: str = "") -> Response:
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        years, provisional = await asyncio.gather(
            console.casework.get("/v1/calendar/years"),
            console.casework.get("/v1/calendar/provisional-clocks", headers=console.bearer(who[1])),
        )
        pending: dict[str, Any] = {"items": [], "total": 0}
        if provisional.status_code == 200:
            pending = provisional.json()
        for item in pending["items"]:
            due = datetime.fromisoformat(item["due_at"]).astimezone(console.tz)
            item["due_local"] = due.strftime("%Y-%m-%d")
        known = years.json()
        # The year to load next: next year until it is loaded (the State Council publishes it
        # late in the year before), then the one after the last loaded.
        next_year = datetime.now(console.tz).year + 1
        loaded = known["known_years"]
        to_load = next_year if next_year not in loaded else max(loaded) + 1
        return console.page(
            "calendar.html",
            officer=who[0],
            years=known,
            next_year_missing=next_year not in loaded,
            next_year=next_year,
            to_load=to_load,
            provisional=pending,
            error=error,
            done=done,
        )

    @app.get("/calendar/provisional.xlsx")
    async def export_provisional(request: Request) -> Response:
        """Provisional deadlines as a spreadsheet."""
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        answer = await console.casework.get(
            "/v1/calendar/provisional-clocks",
            params={"limit": 1000},
            headers=console.bearer(who[1]),
        )
        rows = [
            [
                i["case_number"],
                i["township_name"],
                i["village_name"],
                i["masked_name"],
                CLOCK_NAMES.get(i["kind"], i["kind"]),
                datetime.fromisoformat(i["due_at"]).astimezone(console.tz).strftime("%Y-%m-%d"),
            ]
            for i in answer.json()["items"]
        ]
        header = ["案件编号", "乡镇", "村", "农户", "时限", "暂定应完成日期"]
        return console.xlsx("暂定时限（未公布年份）", header, rows, "provisional")

    @app.post("/calendar/years")
    async def load_year(
        request: Request,
        year: Annotated[int, Form(ge=2000, le=2100)],
        document: Annotated[str, Form(max_length=200_000)] = "",
    ) -> Response:
        who = console.county_only(request)
        if not isinstance(who, tuple):
            return who
        try:
            body = json.loads(document)
        except ValueError:
            return RedirectResponse("/calendar?error=" + quote("不是合法的 JSON"), status_code=303)
        answer = await console.casework.put(
            f"/v1/calendar/years/{year}", json=body, headers=console.bearer(who[1])
        )
        if answer.status_code >= 400:
            message = answer.json().get("message", "载入失败")
            return RedirectResponse("/calendar?error=" + quote(message), status_code=303)
        result = answer.json()
        note = (
            f"{year}年已载入：休息日{result['days_off']}天，调休上班{result['make_up_days']}天，"
            f"重算暂定时限{result['clocks_recomputed']}个"
        )
        return RedirectResponse("/calendar?done=" + quote(note), status_code=303)
