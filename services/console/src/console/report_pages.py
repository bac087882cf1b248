"""Reports and charts: on-time rate per township and clock by month, open cases by township
(ranked bars), new warnings by agency (an SVG line chart), the monitored households' help
ledger (帮扶措施台账); every list as XLSX."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from console.core import Console
from console.views import percent, ranked_bars, trend_chart

# Casework's reports the console offers as downloads (the name is casework's path).
REPORTS = {
    "overdue": False,
    "on-time": True,
    "by-agency": True,
    "precision": False,
    "open-by-township": False,
    "warnings-trend": False,
    "on-time-trend": False,
    "help-ledger": False,
}
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def register(app: FastAPI, console: Console) -> None:
    """Add the reports' routes."""

    async def report(token: str, name: str, **params: str) -> dict[str, Any]:
        answer = await console.casework.get(
            f"/v1/reports/{name}", params=params, headers=console.bearer(token)
        )
        if answer.status_code != 200:
            return {"columns": [], "rows": []}
        data: dict[str, Any] = answer.json()
        return data

    @app.get("/reports", response_class=HTMLResponse)
    async def reports_page(request: Request, month: str = "") -> Response:
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        officer, token = who
        if not MONTH.match(month):
            month = datetime.now(console.tz).strftime("%Y-%m")
        on_time, trend, by_township, warnings, ledger = await asyncio.gather(
            report(token, "on-time", month=month),
            report(token, "on-time-trend", months="6"),
            report(token, "open-by-township"),
            report(token, "warnings-trend", months="6"),
            report(token, "help-ledger"),
        )
        township_bars = ranked_bars(
            (r[0], r[1], f"{r[1]}件（超时{r[2]}）") for r in by_township["rows"]
        )
        months, series, top = trend_chart(warnings["rows"], console.agency_names)
        return console.page(
            "reports.html",
            officer=officer,
            month=month,
            on_time=on_time["rows"],
            on_time_bars=ranked_bars(
                (f"{r[0]} · {r[1]}", (r[6] or 0) * 100, percent(r[6])) for r in on_time["rows"]
            ),
            trend=trend["rows"],
            township_bars=township_bars,
            by_township=by_township["rows"],
            months=months,
            series=series,
            top=top,
            warnings=warnings["rows"],
            ledger=ledger["rows"],
        )

    @app.get("/reports/{name}.xlsx")
    async def export(name: str, request: Request, month: str = "") -> Response:
        """Casework's reports as spreadsheets (what the officer's region allows)."""
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        if name not in REPORTS:
            return console.message(who[0], "没有这个报表", 404)
        params = {"format": "xlsx"}
        if REPORTS[name]:
            params["month"] = (
                month if MONTH.match(month) else datetime.now(console.tz).strftime("%Y-%m")
            )
        answer = await console.casework.get(
            f"/v1/reports/{name}", params=params, headers=console.bearer(who[1])
        )
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
