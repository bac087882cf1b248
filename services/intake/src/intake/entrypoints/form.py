"""The self-declaration form (一码通): a mobile page per village, reached from a QR code."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from shouwang_kit.logs import get_logger
from shouwang_kit.messaging import Outbox
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError

from intake.adapters.tables import outbox
from intake.app.signals import (
    TooManyDeclarations,
    claim_challenge,
    submit_declaration,
    village_codes,
)
from intake.domain.declarations import (
    CONSENT_TEXT,
    MAX_DESCRIPTION,
    ChallengeFailed,
    DeclarationRejected,
    FieldProblem,
    check_declaration,
    issue_challenge,
    verify_challenge,
)
from intake.domain.signals import REASONS
from intake.entrypoints.api import registry_keys

log = get_logger(__name__)
router = APIRouter(tags=["self-declaration"])
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
FORM_FIELDS = ("village_code", "name", "id_number", "phone", "reason", "description")


class RateLimiter:
    """At most `limit` events per `window` seconds per client (a sliding window, in memory)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float) -> bool:
        """Count one event; False when the client is over its limit."""
        events = self._events.setdefault(client, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        if len(self._events) > 50_000:  # forget idle clients rather than grow without bound
            self._events = {k: v for k, v in self._events.items() if v}
        return True


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _secret(runtime: ServiceRuntime) -> bytes:
    return hashlib.sha256(
        b"declaration-challenge|" + runtime.settings.pseudonym_key.encode()
    ).digest()


def _limiter(request: Request) -> RateLimiter:
    runtime = _runtime(request)
    limiter: RateLimiter | None = runtime.__dict__.get("declaration_limiter")
    if limiter is None:
        settings: Any = runtime.settings
        limiter = RateLimiter(settings.declarations_per_client, settings.declaration_window_s)
        runtime.__dict__["declaration_limiter"] = limiter
    return limiter


async def _page(
    request: Request,
    *,
    village: str,
    form: dict[str, str] | None = None,
    problems: list[FieldProblem] | None = None,
    receipt: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    runtime = _runtime(request)
    async with runtime.sessions() as session:
        villages = await village_codes(session)
    place = " ".join(villages[village]) if village in villages else "本县"
    challenge = issue_challenge(
        _secret(runtime),
        now=datetime.now(UTC),
        nonce=secrets.token_hex(16),
        a=secrets.randbelow(9) + 1,
        b=secrets.randbelow(9) + 1,
    )
    html = _templates.get_template("declare.html").render(
        receipt=receipt,
        place=place,
        problems=problems or [],
        action=f"/declare?village={village}" if village else "/declare",
        token=challenge.token,
        question=challenge.question,
        villages=[] if village in villages else sorted(villages.items()),
        form={"village_code": village, **(form or {})},
        reasons=REASONS,
        consent=CONSENT_TEXT,
        max_description=MAX_DESCRIPTION,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/declare", response_class=HTMLResponse)
async def get_form(
    request: Request, village: Annotated[str, Query(max_length=12)] = ""
) -> HTMLResponse:
    """The form, for one village (from its QR code) or with a village picker."""
    return await _page(request, village=village)


@router.post("/declare", response_class=HTMLResponse)
async def post_form(
    request: Request, village: Annotated[str, Query(max_length=12)] = ""
) -> HTMLResponse:
    """Check and store a declaration; the answer is the receipt, or the form with its problems."""
    runtime = _runtime(request)
    client = request.client.host if request.client else "unknown"
    if not _limiter(request).allow(client, time.monotonic()):
        raise ApiError(
            429, "rate_limited", "提交过于频繁，请稍后再试", headers={"Retry-After": "600"}
        )
    raw = await request.form()
    form = {k: str(raw.get(k, ""))[:2000] for k in (*FORM_FIELDS, "consent", "token", "answer")}
    kept = {k: form[k] for k in FORM_FIELDS}
    village = form["village_code"] or village
    if raw.get("website"):  # the hidden field people never see
        log.info(
            "declaration.bot_trap", client_hash=hashlib.sha256(client.encode()).hexdigest()[:12]
        )
        return await _page(
            request,
            village=village,
            form=kept,
            status=422,
            problems=[FieldProblem("form", "form.rejected", "提交未成功，请刷新页面后重新填写")],
        )
    now = datetime.now(UTC)
    try:
        nonce = verify_challenge(_secret(runtime), form["token"], form["answer"], now=now)
    except ChallengeFailed as exc:
        return await _page(
            request,
            village=village,
            form=kept,
            status=422,
            problems=[FieldProblem("answer", exc.code, exc.message)],
        )
    async with runtime.sessions() as session:
        villages = set(await village_codes(session))
    try:
        declaration = check_declaration(form, villages=villages, today=runtime.settings.today(now))
    except DeclarationRejected as exc:
        return await _page(request, village=village, form=kept, problems=exc.problems, status=422)
    settings: Any = runtime.settings
    try:
        async with runtime.sessions() as session, session.begin():
            if not await claim_challenge(session, nonce, now):
                return await _page(
                    request,
                    village=village,
                    form=kept,
                    status=422,
                    problems=[
                        FieldProblem("answer", "challenge.used", "该页面已提交过，请刷新后重新填写")
                    ],
                )
            receipt = await submit_declaration(
                declaration,
                session=session,
                outbox=Outbox(outbox, session),
                keys=registry_keys(runtime),
                now=now,
                new_id=uuid.uuid4,
                per_person_per_day=settings.declarations_per_person_per_day,
                tz=runtime.settings.tz,
            )
    except TooManyDeclarations:
        return await _page(
            request,
            village=village,
            form=kept,
            status=429,
            problems=[
                FieldProblem(
                    "id_number", "declaration.too_many", "您今天已多次申报，村里会尽快联系您"
                )
            ],
        )
    runtime.wake_outbox()
    log.info("declaration.received", receipt=receipt, village=declaration.village_code)
    return await _page(request, village=village, receipt=receipt)


@router.get("/v1/villages/{code}/qr.svg")
async def village_qr(code: str, request: Request) -> Response:
    """The QR code a village prints and posts: it opens the form for that village."""
    runtime = _runtime(request)
    async with runtime.sessions() as session:
        villages = await village_codes(session)
    if code not in villages:
        raise ApiError(404, "village.not_found", f"未找到村级区划代码 {code}")
    settings: Any = runtime.settings
    url = f"{settings.public_url.rstrip('/')}/declare?village={code}"
    svg = segno.make(url, error="m").svg_inline(scale=6)
    return Response(svg, media_type="image/svg+xml")
