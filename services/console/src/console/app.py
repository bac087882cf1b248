"""The county console: server-rendered pages in Chinese over the services' public APIs.

Officers log in with the directory's credentials; the console keeps a signed token (the same
bearer token the services check) in an HttpOnly cookie and calls the services with it, so every
page shows only what the officer's region and role allow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import httpx
from fastapi import FastAPI, Form
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from shouwang_kit.auth import Officer, issue_token

from console import admin_pages, case_pages, queue_pages, report_pages, visit_pages
from console.config import Settings
from console.core import COOKIE, Console
from console.passwords import check_password


def build_app(settings: Settings) -> FastAPI:
    """The console app."""
    app = FastAPI(title="Shouwang console (县级工作台)", docs_url=None, redoc_url=None)
    console = Console(settings)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        try:
            ok = (await console.casework.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            ok = False
        return JSONResponse({"checks": {"casework": ok}}, status_code=200 if ok else 503)

    @app.get("/login", response_class=HTMLResponse)
    async def login_page() -> HTMLResponse:
        return console.page("login.html")

    @app.post("/login")
    async def login(
        officer_id: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        entry = console.logins.get(officer_id.strip())
        if entry is None or not check_password(password, entry["password_hash"]):
            return console.page(
                "login.html", status=401, error="账号或密码不正确", officer_id=officer_id
            )
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
        response = console.to_login()
        response.delete_cookie(COOKIE)
        return response

    for module in (queue_pages, case_pages, admin_pages, report_pages, visit_pages):
        module.register(app, console)
    app.state.console = console
    app.state.client = console.casework
    return app
