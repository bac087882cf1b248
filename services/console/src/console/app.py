"""The county console: server-rendered pages in Chinese over the services' public APIs.

Officers log in with the directory's credentials; the console keeps a signed token (the same
bearer token the services check) in an HttpOnly cookie and calls casework with it, so every
page shows only what the officer's region and role allow.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from shouwang_kit.auth import ROLE_NAMES, AuthError, Officer, issue_token, read_token

from console.config import Settings
from console.passwords import check_password

COOKIE = "shouwang_session"
STATUS_NAMES = {
    "awaiting_acceptance": "待受理",
    "accepted": "信息比对中",
    "compared": "待入户核查",
    "visited": "待民主评议",
    "assessed": "待村公示",
    "village_notice": "村级公示中",
    "township_review": "乡镇审定公示中",
    "county_review": "待县级审批",
    "included": "已纳入监测",
    "dismissed": "不予纳入",
    "officer_named": "待制定帮扶计划",
    "planned": "待落实帮扶",
    "helping": "帮扶中",
    "risk_eliminated": "风险消除",
}
CLOCK_NAMES = {
    "accept": "受理",
    "compare": "信息比对",
    "visit": "入户核查",
    "village_notice": "村级公示",
    "township_notice": "乡镇公示",
    "officer": "明确帮扶责任人",
    "plan": "制定帮扶计划",
    "help": "落实帮扶",
}
ACTION_NAMES = {
    "accept": "受理",
    "record_comparison": "录入比对结果",
    "record_visit": "入户核查",
    "village_assessment": "民主评议",
    "start_village_notice": "开始村级公示",
    "end_village_notice": "结束村级公示",
    "township_approve": "乡镇审定",
    "county_include": "纳入监测",
    "county_dismiss": "不予纳入",
    "name_officer": "明确帮扶责任人",
    "record_plan": "制定一户一策",
    "start_help": "落实帮扶",
    "eliminate_risk": "标注风险消除",
    "rollback": "风险消除回退",
}
QUEUES = {"": "全部在办", "overdue": "已超时", "due_today": "今日到期", "due_this_week": "本周到期"}


def load_logins(path: str) -> dict[str, dict[str, Any]]:
    """officer_id → directory entry, for those with a password hash."""
    if not path:
        return {}
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    items = raw.get("officers", raw) if isinstance(raw, dict) else raw
    return {o["officer_id"]: o for o in items if o.get("password_hash")}


def time_left(due: datetime, now: datetime) -> str:
    """'还剩5小时' / '已超时2天' for people to read."""
    seconds = (due - now).total_seconds()
    hours = abs(seconds) / 3600
    amount = f"{hours / 24:.0f}天" if hours >= 48 else f"{hours:.0f}小时"
    return f"还剩{amount}" if seconds >= 0 else f"已超时{amount}"


def build_app(settings: Settings) -> FastAPI:
    """The console app."""
    app = FastAPI(title="Shouwang console (县级工作台)", docs_url=None, redoc_url=None)
    templates = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
    )
    logins = load_logins(settings.directory_file)
    tz = ZoneInfo(settings.timezone)
    client = httpx.AsyncClient(base_url=settings.casework_url, timeout=10)

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = templates.get_template(name).render(
            status_names=STATUS_NAMES,
            clock_names=CLOCK_NAMES,
            action_names=ACTION_NAMES,
            role_names=ROLE_NAMES,
            queues=QUEUES,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def officer_of(request: Request) -> tuple[Officer, str] | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            return read_token(token, settings.auth_key), token
        except AuthError:
            return None

    def to_login() -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        try:
            ok = (await client.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            ok = False
        return JSONResponse({"checks": {"casework": ok}}, status_code=200 if ok else 503)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page() -> HTMLResponse:
        return page("login.html")

    @app.post("/login")
    async def login(
        officer_id: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        entry = logins.get(officer_id.strip())
        if entry is None or not check_password(password, entry["password_hash"]):
            return page("login.html", status=401, error="账号或密码不正确", officer_id=officer_id)
        officer = Officer(
            entry["officer_id"], entry.get("name", ""), entry["role"], entry["region_code"]
        )
        token = issue_token(
            officer,
            settings.auth_key,
            now=datetime.now(UTC),
            ttl=timedelta(hours=settings.session_hours),
        )
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="lax", max_age=int(settings.session_hours * 3600)
        )
        return response

    @app.post("/logout")
    async def logout() -> Response:
        response = to_login()
        response.delete_cookie(COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse)
    async def queue(request: Request, clock: str = "", fragment: bool = False) -> Response:
        who = officer_of(request)
        if who is None:
            return to_login()
        officer, token = who
        params = {"is_open": "true", "limit": "200"}
        if clock in QUEUES and clock:
            params["clock"] = clock
        answer = await client.get(
            "/v1/cases", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        if answer.status_code == 401:
            return to_login()
        now = datetime.now(UTC)
        rows = []
        for case in answer.json().get("items", []):
            live = [c for c in case["clocks"] if c["state"] in ("running", "breached")]
            nearest = min(live, key=lambda c: c["due_at"]) if live else None
            due = datetime.fromisoformat(nearest["due_at"]) if nearest else None
            rows.append(
                {
                    **case,
                    "clock": nearest,
                    "overdue": bool(
                        nearest and (nearest["state"] == "breached" or (due and due < now))
                    ),
                    "due_local": due.astimezone(tz).strftime("%m-%d %H:%M") if due else "",
                    "left": time_left(due, now) if due else "",
                }
            )
        if fragment:  # the rows alone: the page polls them to stay live without a reload
            return page("queue_rows.html", officer=officer, rows=rows)
        return page("queue.html", officer=officer, rows=rows, current=clock)

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    async def case_page(case_id: str, request: Request, error: str = "") -> Response:
        who = officer_of(request)
        if who is None:
            return to_login()
        officer, token = who
        answer = await client.get(
            f"/v1/cases/{quote(case_id)}", headers={"Authorization": f"Bearer {token}"}
        )
        if answer.status_code in (403, 404):
            return page(
                "message.html",
                status=answer.status_code,
                officer=officer,
                message=answer.json().get("message", "无法查看"),
            )
        case = answer.json()
        for clock in case["clocks"]:
            clock["due_local"] = (
                datetime.fromisoformat(clock["due_at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
            )
        for action in case["actions"]:
            action["at_local"] = (
                datetime.fromisoformat(action["at"]).astimezone(tz).strftime("%m-%d %H:%M")
            )
        return page("case.html", officer=officer, case=case, error=error)

    @app.post("/cases/{case_id}/actions/{action}")
    async def take_action(
        case_id: str,
        action: str,
        request: Request,
        reason: Annotated[str, Form(max_length=500)] = "",
        details: Annotated[str, Form(max_length=4000)] = "",
    ) -> Response:
        who = officer_of(request)
        if who is None:
            return to_login()
        _officer, token = who
        fields: dict[str, str] = {}
        for line in details.splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip():
                fields[key.strip()] = value.strip()
        answer = await client.post(
            f"/v1/cases/{quote(case_id)}/actions/{quote(action)}",
            json={"reason": reason, "details": fields},
            headers={"Authorization": f"Bearer {token}"},
        )
        target = f"/cases/{quote(case_id)}"
        if answer.status_code >= 400:
            target += "?error=" + quote(answer.json().get("message", "操作失败"))
        return RedirectResponse(target, status_code=303)

    matching = httpx.AsyncClient(base_url=settings.matching_url, timeout=10)
    gateway = httpx.AsyncClient(base_url=settings.gateway_url, timeout=10)

    def county_only(request: Request) -> Officer | Response:
        who = officer_of(request)
        if who is None:
            return to_login()
        if who[0].role != "county_office":
            return page(
                "message.html", status=403, officer=who[0], message="只有县乡村振兴局可以查看此页面"
            )
        return who[0]

    @app.get("/reviews", response_class=HTMLResponse)
    async def reviews(request: Request) -> Response:
        officer = county_only(request)
        if not isinstance(officer, Officer):
            return officer
        items = (await matching.get("/v1/reviews", params={"state": "open"})).json()["items"]
        return page("reviews.html", officer=officer, items=items)

    @app.get("/reviews/{warning_id}", response_class=HTMLResponse)
    async def review(warning_id: str, request: Request, error: str = "") -> Response:
        officer = county_only(request)
        if not isinstance(officer, Officer):
            return officer
        answer = await matching.get(f"/v1/reviews/{quote(warning_id)}")
        if answer.status_code != 200:
            return page("message.html", status=404, officer=officer, message="未找到该待核对预警")
        return page("review.html", officer=officer, item=answer.json(), error=error)

    @app.post("/reviews/{warning_id}/{decision}")
    async def decide_review(
        warning_id: str,
        decision: str,
        request: Request,
        reason: Annotated[str, Form(max_length=500)] = "",
        person_id: Annotated[str, Form(max_length=64)] = "",
    ) -> Response:
        officer = county_only(request)
        if not isinstance(officer, Officer):
            return officer
        if decision not in ("confirm", "reject"):
            return page("message.html", status=404, officer=officer, message="未知的操作")
        body: dict[str, Any] = {
            "actor": f"{officer.name}（{officer.officer_id}）",
            "reason": reason,
        }
        if decision == "confirm" and person_id:
            body["person_id"] = person_id
        answer = await matching.post(f"/v1/reviews/{quote(warning_id)}/{decision}", json=body)
        if answer.status_code >= 400:
            message = answer.json().get("message", "操作失败")
            return RedirectResponse(
                f"/reviews/{quote(warning_id)}?error={quote(message)}", status_code=303
            )
        return RedirectResponse("/reviews", status_code=303)

    @app.get("/feeds", response_class=HTMLResponse)
    async def feeds(request: Request) -> Response:
        officer = county_only(request)
        if not isinstance(officer, Officer):
            return officer
        health = (await gateway.get("/v1/feed-health")).json()
        return page("feeds.html", officer=officer, health=health)

    @app.get("/reports/{name}.xlsx")
    async def export(name: str, request: Request, month: str = "") -> Response:
        """The casework reports as spreadsheets (what the officer's region allows)."""
        who = officer_of(request)
        if who is None:
            return to_login()
        if name not in ("overdue", "on-time", "by-agency"):
            return page("message.html", status=404, officer=who[0], message="没有这个报表")
        params = {"format": "xlsx", **({"month": month} if month else {})}
        if name != "overdue" and not month:
            params["month"] = datetime.now(tz).strftime("%Y-%m")
        answer = await client.get(
            f"/v1/reports/{name}", params=params, headers={"Authorization": f"Bearer {who[1]}"}
        )
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )

    @app.get("/calendar", response_class=HTMLResponse)
    async def calendar_page(request: Request, error: str = "", done: str = "") -> Response:
        officer = county_only(request)
        if not isinstance(officer, Officer):
            return officer
        years = (await client.get("/v1/calendar/years")).json()
        return page("calendar.html", officer=officer, years=years, error=error, done=done)

    @app.post("/calendar/years")
    async def load_year(
        request: Request,
        year: Annotated[int, Form(ge=2000, le=2100)],
        document: Annotated[str, Form(max_length=200_000)] = "",
    ) -> Response:
        who = officer_of(request)
        officer = county_only(request)
        if not isinstance(officer, Officer) or who is None:
            return officer if isinstance(officer, Response) else to_login()
        try:
            body = json.loads(document)
        except ValueError:
            return RedirectResponse("/calendar?error=" + quote("不是合法的 JSON"), status_code=303)
        answer = await client.put(
            f"/v1/calendar/years/{year}", json=body, headers={"Authorization": f"Bearer {who[1]}"}
        )
        if answer.status_code >= 400:
            message = answer.json().get("message", "载入失败")
            return RedirectResponse("/calendar?error=" + quote(message), status_code=303)
        result = answer.json()
        note = f"{year}年已载入：休息日{result['days_off']}天，调休上班{result['make_up_days']}天"
        return RedirectResponse("/calendar?done=" + quote(note), status_code=303)

    app.state.client = client
    return app
