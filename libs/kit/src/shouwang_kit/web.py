"""HTTP conventions shared by the services: typed errors → JSON {code, message}."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ApiError(Exception):
    """An error a client can act on: HTTP status, machine code, Chinese message, details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, object]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


# Pydantic's error types, said in Chinese for the people who read the answer.
_MESSAGES_ZH = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段，请删除或查看接口文档",
    "string_type": "应为文本",
    "string_too_short": "内容不能为空或过短",
    "string_too_long": "内容过长",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式应为 ISO 8601，如 2026-11-23T09:30:00+08:00",
    "uuid_parsing": "应为 UUID",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "应为对象（JSON object）",
    "dict_type": "应为对象（JSON object）",
    "list_type": "应为数组",
    "too_short": "条目过少",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def message_zh(error_type: str, fallback: str) -> str:
    """A Chinese sentence for a validation error type (the English one if we have none)."""
    return _MESSAGES_ZH.get(error_type, fallback)


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc if p != "body")


def install_error_handlers(app: FastAPI) -> None:
    """Answer ApiError and request validation errors with {code, message, details}."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status,
            content={"code": exc.code, "message": exc.message, "details": exc.details},
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details: list[dict[str, object]] = [
            {
                "field": _field_path(tuple(err["loc"])),
                "code": err["type"],
                "message": message_zh(err["type"], err["msg"]),
            }
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


class RequestGuard:
    """ASGI middleware for what PostgreSQL and memory cannot take.

    A query string or JSON body with a NUL character (which PostgreSQL refuses in text) gets 422;
    a body over `max_bytes` gets 413. Paths in `exempt` (uploads that stream to disk, with their
    own limit and cleaning) pass through.
    """

    def __init__(self, app: Any, *, max_bytes: int, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt = exempt

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").lower()
        if b"%00" in query or b"\x00" in query:
            await _refuse(send, 422, "request.nul_character", _NUL_ZH)
            return
        if scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, "request.too_large", self._too_large())
            return
        # Small bodies only (≤ max_bytes): read them whole, check, then hand them on.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, receive, send)  # disconnected: let the app see it
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(send, 413, "request.too_large", self._too_large())
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if b"\\u0000" in body or b"\x00" in body:
            await _refuse(send, 422, "request.nul_character", _NUL_ZH)
            return
        delivered = False

        async def replay() -> Any:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"请求内容超过{self.max_bytes // 1024}KB上限"


_NUL_ZH = "请求中含有空字符（\\0），请删除后重试"


async def _refuse(send: Any, status: int, code: str, message: str) -> None:
    body = json.dumps(
        {"code": code, "message": message, "details": []}, ensure_ascii=False
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
