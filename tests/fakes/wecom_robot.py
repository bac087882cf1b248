"""A local stand-in for the WeChat Work group-robot webhook that checks what the real one checks.

POST /cgi-bin/webhook/send?key=KEY with JSON {"msgtype": "text"|"markdown", ...}:
unknown key → errcode 93000; bad JSON or msgtype → 40008; markdown content over 4096 bytes →
40058; more than 20 messages a minute for one robot → 45009. Success → {"errcode": 0}.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from shouwang_stack.paths import free_port


@dataclass
class FakeRobot:
    """Messages received per key, and the limits applied."""

    key: str
    per_minute: int = 20
    received: list[dict[str, Any]] = field(default_factory=list)
    _times: list[float] = field(default_factory=list)

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/cgi-bin/webhook/send")
        async def send(request: Request) -> dict[str, Any]:
            if request.query_params.get("key") != self.key:
                return {"errcode": 93000, "errmsg": "invalid webhook url"}
            try:
                body = json.loads(await request.body())
            except ValueError:
                return {"errcode": 40008, "errmsg": "invalid message type"}
            kind = body.get("msgtype")
            if kind not in ("text", "markdown") or not isinstance(body.get(kind), dict):
                return {"errcode": 40008, "errmsg": "invalid message type"}
            content = body[kind].get("content", "")
            if not content or len(content.encode()) > 4096:
                return {"errcode": 40058, "errmsg": "content exceed max length"}
            now = time.monotonic()
            self._times = [t for t in self._times if now - t < 60]
            if len(self._times) >= self.per_minute:
                return {"errcode": 45009, "errmsg": "api freq out of limit"}
            self._times.append(now)
            self.received.append(body)
            return {"errcode": 0, "errmsg": "ok"}

        return api


@contextlib.asynccontextmanager
async def serve_robot(robot: FakeRobot) -> AsyncIterator[str]:
    """Serve the fake on 127.0.0.1; yields the webhook URL (without the key)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(robot.app(), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/cgi-bin/webhook/send"
    finally:
        server.should_exit = True
        await task
