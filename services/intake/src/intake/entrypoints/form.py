"""The self-declaration form (一码通): a mobile page per village, reached from a QR code."""

from __future__ import annotations

import asyncio
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
from intake.domain.photos import (
    MAX_BYTES,
    MAX_PHOTOS,
    Photo,
    PhotoRejected,
    prepare_photo,
    too_many,
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
MAX_FORM_BYTES = MAX_PHOTOS * MAX_BYTES + 256 * 1024  # the photos and the text fields


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
        max_photos=MAX_PHOTOS,
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
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return await _page(
            request,
            village=village,
            status=413,
            problems=[
                FieldProblem(
                    "photos", "photo.too_large", "照片合计太大，请少选几张或换小一些的照片"
                )
            ],
        )
    # Photos are files of their own (spooled to disk by the parser, at most MAX_BYTES read
    # from each); every other field is text.
    raw = await request.form(max_files=MAX_PHOTOS + 2, max_part_size=64 * 1024)
    form = {
        k: v[:2000] if isinstance(v := raw.get(k, ""), str) else ""
        for k in (*FORM_FIELDS, "consent", "token", "answer")
    }
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
    problems: list[FieldProblem] = []
    try:
        declaration = check_declaration(form, villages=villages, today=runtime.settings.today(now))
    except DeclarationRejected as exc:
        problems = list(exc.problems)
    photos, photo_problems = await _photos(raw.getlist("photos"))
    if problems or photo_problems:
        return await _page(
            request, village=village, form=kept, problems=problems + photo_problems, status=422
        )
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
                photos=photos,
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


async def _photos(parts: list[Any]) -> tuple[list[Photo], list[FieldProblem]]:
    """The photos chosen (an empty file input sends one empty part: none), each checked and
    made safe (`prepare_photo`); or the problems to show."""
    files = [p for p in parts if not isinstance(p, str) and (p.filename or p.size)]
    excess = too_many(len(files))
    if excess is not None:
        return [], [excess]
    photos, problems = [], []
    for position, upload in enumerate(files, start=1):
        data = await upload.read(MAX_BYTES + 1)
        try:
            photos.append(await asyncio.to_thread(prepare_photo, data, position=position))
        except PhotoRejected as exc:
            problems.append(exc.problem)
    return photos, problems


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
