"""一月一排查 for the officers who go: this month's visit coverage of their region, village by
village (who is not yet visited), and the form to record a visit — with a warning when the
visit found a risk (主动排查: its case is then to be verified the same day)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from shouwang_kit.auth import Officer

from console.core import Console

VISITORS = frozenset({"village_cadre", "work_team", "township_officer", "county_office"})
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
FIELDS = {
    "household_number": "户编号",
    "visit_date": "走访日期",
    "visitor": "走访人",
    "findings": "走访发现",
    "warning_reason": "预警原因",
}


def register(app: FastAPI, console: Console) -> None:
    """Add the screening routes."""
    reasons = [
        (s.code, s.name_zh)
        for a in console.catalogue.agencies
        if a.code == "cadre_visit"
        for s in a.signals
    ]

    async def render(
        officer: Officer,
        token: str,
        month: str,
        *,
        values: dict[str, Any],
        error: str = "",
        done: str = "",
        status: int = 200,
    ) -> Response:
        """The page: the month's coverage of the officer's region and the visit form."""
        today = datetime.now(console.tz).date()
        if not MONTH.match(month):
            month = today.strftime("%Y-%m")
        coverage: dict[str, Any] | None = None
        failed = ""
        try:
            answer = await console.intake.get(
                "/v1/visits/coverage",
                params={"region": officer.region_code, "month": month},
                headers=console.bearer(token),
            )
            if answer.status_code == 200:
                coverage = answer.json()
            else:
                failed = answer.json().get("message", "无法读取走访情况")
        except httpx.HTTPError:
            failed = "农户信息库暂时无法访问，请稍后再试"
        return console.page(
            "visits.html",
            status=status,
            officer=officer,
            month=month,
            today=today.isoformat(),
            coverage=coverage,
            failed=failed,
            reasons=reasons,
            values={"visit_date": today.isoformat(), **values},
            error=error,
            done=done,
        )

    def visitor_of(request: Request) -> tuple[Officer, str] | Response:
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        if who[0].role not in VISITORS:
            message = "只有村干部、驻村工作队、乡镇干部和县乡村振兴局可以登记走访"
            return console.message(who[0], message, 403)
        return who

    @app.get("/visits", response_class=HTMLResponse)
    async def visits(
        request: Request, month: str = "", household: str = "", done: str = ""
    ) -> Response:
        who = visitor_of(request)
        if not isinstance(who, tuple):
            return who
        values = {"household_number": household[:32]}
        return await render(*who, month, values=values, done=done[:300])

    @app.post("/visits", response_class=HTMLResponse)
    async def record_visit(
        request: Request,
        month: Annotated[str, Form(max_length=7)] = "",
        household_number: Annotated[str, Form(max_length=32)] = "",
        visit_date: Annotated[str, Form(max_length=10)] = "",
        visitor: Annotated[str, Form(max_length=100)] = "",
        findings: Annotated[str, Form(max_length=2000)] = "",
        risk_flag: Annotated[str, Form(max_length=5)] = "",
        warning_reason: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        who = visitor_of(request)
        if not isinstance(who, tuple):
            return who
        officer, token = who
        values = {
            "household_number": household_number.strip(),
            "visit_date": visit_date,
            "visitor": visitor.strip(),
            "findings": findings.strip(),
            "risk_flag": bool(risk_flag) or bool(warning_reason),
            "warning_reason": warning_reason or None,
        }
        try:
            answer = await console.intake.post(
                "/v1/visits", json=values, headers=console.bearer(token)
            )
        except httpx.HTTPError:
            error = "农户信息库暂时无法访问，走访未登记，请稍后再试"
            return await render(officer, token, month, values=values, error=error, status=503)
        if answer.status_code == 401:
            return console.to_login()
        if answer.status_code >= 400:  # the form again, as typed, with what to correct
            problem = answer.json()
            message = str(problem.get("message", ""))
            if problem.get("code") == "request.invalid":  # the fields, by their labels
                message = "；".join(
                    f"{FIELDS.get(str(d.get('field')), d.get('field'))}：{d.get('message')}"
                    for d in problem.get("details") or []
                )
            error = f"走访未登记：{message}"
            return await render(
                officer, token, month, values=values, error=error, status=answer.status_code
            )
        done = f"已登记户 {values['household_number']} 的走访"
        if answer.json().get("warning_id"):
            name = dict(reasons).get(warning_reason, warning_reason)
            done += f"，并发起预警（干部走访排查·{name}）：系统匹配到户后立案，须于当日完成入户核查"
        query = urlencode({"month": visit_date[:7], "done": done}, quote_via=quote)
        return RedirectResponse(f"/visits?{query}", status_code=303)
