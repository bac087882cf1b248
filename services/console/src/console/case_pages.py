"""The case page: household summary (masked; unmasked on request with a reason, audited by
casework), signals, clocks with working days left, the timeline of actions, notifications and
views, and the workflow actions the officer may take."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from shouwang_kit.deadlines import deadline_parts

from console.core import Console
from console.names import ACTION_NAMES, CHANNEL_NAMES, CLOCK_STATES, DELIVERY_STATUS
from console.views import (
    action_details,
    comparison_findings,
    timeline,
    working_days_phrase,
)


async def _json(client: httpx.AsyncClient, url: str, **kwargs: Any) -> Any:
    """The answer's JSON, or None when the service is down or says no (the page still shows)."""
    try:
        answer = await client.get(url, **kwargs)
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


async def _clock_rows(console: Console, clocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    today = datetime.now(console.tz).date()

    async def one(clock: dict[str, Any]) -> dict[str, Any]:
        day, at = deadline_parts(datetime.fromisoformat(clock["due_at"]), console.tz)
        row = {**clock, "due_local": f"{day.isoformat()} {at}"}
        row["state_name"] = CLOCK_STATES.get(clock["state"], clock["state"])
        if clock["state"] in ("running", "breached"):
            later, earlier = max(day, today), min(day, today)
            counted = await _json(
                console.casework,
                "/v1/calendar/working-days",
                params={"from": earlier.isoformat(), "to": later.isoformat()},
            )
            if counted is not None:
                row["left"] = working_days_phrase(day, today, counted["working_days"])
                row["left_provisional"] = counted["provisional"]
        return row

    return list(await asyncio.gather(*(one(c) for c in clocks)))


async def _declarations(
    console: Console, signals: list[dict[str, Any]], token: str
) -> dict[str, dict[str, Any]]:
    """The household's own declarations behind the case's self-declaration signals (自主申报:
    what was declared and the photos sent with it), by warning id; those intake cannot give
    now are left out (the signal is still listed)."""
    wanted = [s["warning_id"] for s in signals if s["agency_code"] == "self_declaration"]
    found = await asyncio.gather(
        *(
            _json(
                console.intake,
                "/v1/declarations",
                params={"warning_id": w},
                headers=console.bearer(token),
            )
            for w in wanted
        )
    )
    return {w: d for w, d in zip(wanted, found, strict=True) if d is not None}


def register(app: FastAPI, console: Console) -> None:
    """Add the case page's routes."""

    async def render(
        request: Request,
        case_id: str,
        *,
        error: str = "",
        revealed: Any = None,
        typed: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        officer, token = who
        answer = await console.casework.get(
            f"/v1/cases/{quote(case_id)}", headers=console.bearer(token)
        )
        if answer.status_code in (403, 404, 422):
            message = answer.json().get("message", "无法查看")
            return console.message(officer, message, answer.status_code)
        if answer.status_code == 401:
            return console.to_login()
        case = answer.json()
        cid = case["case_id"]
        household, deliveries, trace, clocks, declarations = await asyncio.gather(
            _json(
                console.intake,
                f"/v1/registry/households/{quote(case['household_number'])}",
                headers=console.bearer(token),
            ),
            _json(
                console.notifier,
                "/v1/deliveries",
                params={"case_id": cid, "limit": 100},
                headers=console.bearer(token),
            ),
            _json(console.casework, f"/v1/cases/{cid}/trace", headers=console.bearer(token)),
            _clock_rows(console, case["clocks"]),
            _declarations(console, case["signals"], token),
        )
        views = [
            e for e in (trace or {}).get("items", []) if e["action"] == "sensitive_data_viewed"
        ]
        entries = timeline(
            case["actions"],
            (deliveries or {}).get("items", []),
            views,
            action_names=ACTION_NAMES,
            delivery_status=DELIVERY_STATUS,
            channel_names=CHANNEL_NAMES,
            actor_names={
                **{
                    who: console.officer_name(who)
                    for who in [a["actor"] for a in case["actions"]]
                    + [str(d.get("officer_id") or "") for d in (deliveries or {}).get("items", [])]
                    + [v["actor"] for v in views]
                    if who
                },
                "system": "系统",
                f"township:{case['region_code'][:9]}": f"{case['township_name']}工作群",
                **{f"agency:{code}": name for code, name in console.agency_names.items()},
            },
        )
        response = console.page(
            "case.html",
            status=status if error else 200,
            officer=officer,
            # What was typed when a form came back refused; else 录入比对结果 starts from the
            # agencies' answers, for the township to check and complete.
            typed=typed
            or {
                "record_comparison.findings": comparison_findings(
                    case["actions"], console.agency_names
                )
            },
            case=case,
            assignee=console.officer_name(case["assignee"]) if case.get("assignee") else "",
            clocks=clocks,
            household=household,
            declarations=declarations,
            revealed=revealed,
            timeline=[
                {"at_local": e.at.astimezone(console.tz).strftime("%m-%d %H:%M"), "entry": e}
                for e in entries
            ],
            notifications_known=deliveries is not None,
            error=error,
        )
        if revealed is not None:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/declarations/{receipt_number}/photos/{position}", response_class=Response)
    async def declaration_photo(receipt_number: str, position: int, request: Request) -> Response:
        """A declaration's photo, fetched from intake as the signed-in officer (intake checks
        that the village is inside their region); never cached."""
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        try:
            answer = await console.intake.get(
                f"/v1/declarations/{quote(receipt_number)}/photos/{position}",
                headers=console.bearer(who[1]),
            )
        except httpx.HTTPError:
            return console.message(who[0], "农户信息库暂时无法访问，照片未能显示", 503)
        if answer.status_code != 200:
            message = answer.json().get("message", "无法查看该照片")
            return console.message(who[0], message, answer.status_code)
        return Response(
            answer.content,
            media_type="image/jpeg",
            headers={"Cache-Control": "private, no-store"},
        )

    @app.get("/cases/{case_id}", response_class=HTMLResponse)
    async def case_page(case_id: str, request: Request, error: str = "") -> Response:
        return await render(request, case_id, error=error)

    @app.post("/cases/{case_id}/reveal", response_class=HTMLResponse)
    async def reveal(
        case_id: str, request: Request, reason: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        """Unmasked ID numbers and phones, shown once on this response (never cached)."""
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        if not reason.strip():
            return await render(request, case_id, error="查看完整身份证号和电话须填写原因")
        answer = await console.casework.post(
            f"/v1/cases/{quote(case_id)}/sensitive",
            json={"reason": reason.strip()},
            headers=console.bearer(who[1]),
        )
        if answer.status_code != 200:
            return await render(request, case_id, error=answer.json().get("message", "无法查看"))
        return await render(request, case_id, revealed=answer.json())

    @app.post("/cases/{case_id}/actions/{action}")
    async def take_action(
        case_id: str,
        action: str,
        request: Request,
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        """One workflow action from its form: the note (`reason`) and the details the action
        asks for (`views.action_details`). Refused, the page comes back with casework's message
        and the form as typed."""
        who = console.officer_of(request)
        if who is None:
            return console.to_login()
        fields = action_details(
            [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
        )
        answer = await console.casework.post(
            f"/v1/cases/{quote(case_id)}/actions/{quote(action)}",
            json={"reason": reason, "details": fields},
            headers=console.bearer(who[1]),
        )
        if answer.status_code >= 400:
            typed = {f"{action}.{k}": str(v) for k, v in fields.items()}
            typed[f"{action}.reason"] = reason
            return await render(
                request,
                case_id,
                error=answer.json().get("message", "操作失败"),
                typed=typed,
                status=answer.status_code,
            )
        return RedirectResponse(f"/cases/{quote(case_id)}", status_code=303)
