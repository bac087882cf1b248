"""A household's own declaration as the officers working its case read it: what was declared,
when, and the photos sent with it (officers whose region holds the village)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from shouwang_kit.auth import CurrentOfficer
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError
from sqlalchemy import ColumnElement, select

from intake.adapters.tables import declaration_photos, declarations
from intake.domain.signals import REASONS
from intake.entrypoints.access import case_worker, in_scope
from intake.entrypoints.api import registry_keys

router = APIRouter(prefix="/v1/declarations", tags=["self-declaration"])


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _declaration(runtime: ServiceRuntime, where: ColumnElement[bool]) -> Any:
    """The declaration `where` picks, or 404."""
    async with runtime.sessions() as session:
        row = (await session.execute(select(declarations).where(where))).first()
    if row is None:
        raise ApiError(404, "declaration.not_found", "未找到该申报")
    return row


@router.get("")
async def find_declaration(
    request: Request, officer: CurrentOfficer, warning_id: uuid.UUID
) -> dict[str, Any]:
    """The declaration a warning came from (`source_kind` self_declaration): its receipt, the
    reason and description, and its photos' addresses."""
    case_worker(officer)
    runtime = _runtime(request)
    row = await _declaration(runtime, declarations.c.warning_id == warning_id)
    in_scope(officer, row.village_code, "该申报")
    async with runtime.sessions() as session:
        photos = (
            await session.execute(
                select(
                    declaration_photos.c.position,
                    declaration_photos.c.width,
                    declaration_photos.c.height,
                )
                .where(declaration_photos.c.declaration_id == row.declaration_id)
                .order_by(declaration_photos.c.position)
            )
        ).all()
    return {
        "receipt_number": row.receipt_number,
        "village_code": row.village_code,
        "reason": row.reason,
        "reason_text": REASONS.get(row.reason, row.reason),
        "description": row.description,
        "submitted_at": row.submitted_at.isoformat(),
        "photos": [
            {
                "position": p.position,
                "width": p.width,
                "height": p.height,
                "url": f"/v1/declarations/{row.receipt_number}/photos/{p.position}",
            }
            for p in photos
        ],
    }


@router.get("/{receipt_number}/photos/{position}", response_class=Response)
async def declaration_photo(
    receipt_number: str, position: int, request: Request, officer: CurrentOfficer
) -> Response:
    """One photo (JPEG, without the metadata the phone wrote)."""
    case_worker(officer)
    runtime = _runtime(request)
    row = await _declaration(runtime, declarations.c.receipt_number == receipt_number)
    in_scope(officer, row.village_code, "该申报")
    async with runtime.sessions() as session:
        stored = await session.scalar(
            select(declaration_photos.c.data_enc).where(
                declaration_photos.c.declaration_id == row.declaration_id,
                declaration_photos.c.position == position,
            )
        )
    if stored is None:
        raise ApiError(404, "photo.not_found", "未找到该照片")
    data = registry_keys(runtime).cipher.decrypt_bytes(stored, field="photo")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})
