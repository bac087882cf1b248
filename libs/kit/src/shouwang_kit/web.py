"""HTTP conventions shared by the services: typed errors → JSON {code, message}."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ApiError(Exception):
    """An error a client can act on: HTTP status, machine code, Chinese message, details."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, object]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "body")


def install_error_handlers(app: FastAPI) -> None:
    """Answer ApiError and request validation errors with {code, message, details}."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status,
            content={"code": exc.code, "message": exc.message, "details": exc.details},
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details: list[dict[str, object]] = [
            {"field": _field_path(tuple(err["loc"])), "code": err["type"], "message": err["msg"]}
            for err in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content={
                "code": "request.invalid",
                "message": "请求内容不符合格式要求，请按 details 中列出的字段逐项修改",
                "details": details,
            },
        )
