"""What every page needs: the templates, the calling officer, the services' clients and the
lookups that change rarely (regions, the agency catalogue, the officer directory)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from shouwang_kit.auth import ROLE_NAMES, AuthError, Officer, read_token
from shouwang_kit.export import XLSX_TYPE, xlsx_bytes
from shouwang_proto.catalogue import load_catalogue

from console import names
from console.config import Settings
from console.views import local_minute, percent

COOKIE = "shouwang_session"


def load_logins(path: str) -> dict[str, dict[str, Any]]:
    """officer_id → directory entry, for those with a password hash."""
    if not path:
        return {}
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    items = raw.get("officers", raw) if isinstance(raw, dict) else raw
    return {o["officer_id"]: o for o in items if o.get("password_hash")}


class Console:
    """Shared state of the console's pages."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = Environment(
            loader=FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self.logins = load_logins(settings.directory_file)
        self.tz = ZoneInfo(settings.timezone)
        # Services answer in UTC; pages show the county's time.
        self.templates.filters["local"] = lambda text: local_minute(text, self.tz)
        self.casework = httpx.AsyncClient(base_url=settings.casework_url, timeout=10)
        self.matching = httpx.AsyncClient(base_url=settings.matching_url, timeout=10)
        self.gateway = httpx.AsyncClient(base_url=settings.gateway_url, timeout=10)
        self.intake = httpx.AsyncClient(base_url=settings.intake_url, timeout=10)
        self.notifier = httpx.AsyncClient(base_url=settings.notifier_url, timeout=10)
        self.catalogue = load_catalogue()
        self.agency_names = {a.code: a.name_zh for a in self.catalogue.agencies}
        self.signal_names = {s.code: s.name_zh for a in self.catalogue.agencies for s in a.signals}
        self._regions: tuple[float, list[dict[str, Any]]] = (0.0, [])

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A rendered page in Chinese."""
        html = self.templates.get_template(name).render(
            status_names=names.STATUS_NAMES,
            clock_names=names.CLOCK_NAMES,
            action_names=names.ACTION_NAMES,
            role_names=ROLE_NAMES,
            queues=names.QUEUES,
            agency_names=self.agency_names,
            signal_names=self.signal_names,
            percent=percent,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def officer_of(self, request: Request) -> tuple[Officer, str] | None:
        """The logged-in officer and their token, or None."""
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            return read_token(token, self.settings.auth_key), token
        except AuthError:
            return None

    @staticmethod
    def to_login() -> RedirectResponse:
        """Back to the login page."""
        return RedirectResponse("/login", status_code=303)

    def message(self, officer: Officer | None, text: str, status: int) -> HTMLResponse:
        """A page with one message (refusals, not found)."""
        return self.page("message.html", status=status, officer=officer, message=text)

    def county_only(self, request: Request) -> tuple[Officer, str] | Response:
        """The county officer, or the login page / a refusal for anyone else."""
        who = self.officer_of(request)
        if who is None:
            return self.to_login()
        if who[0].role != "county_office":
            return self.message(who[0], "只有县乡村振兴局可以查看此页面", 403)
        return who

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        """The Authorization header for the officer's token."""
        return {"Authorization": f"Bearer {token}"}

    async def regions(self, scope: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(townships, villages) inside the officer's scope, from intake (cached 5 minutes)."""
        fetched_at, items = self._regions
        if time.monotonic() - fetched_at > 300 or not items:
            try:
                answer = await self.intake.get("/v1/registry/regions")
                items = answer.json() if answer.status_code == 200 else []
            except httpx.HTTPError:
                items = []
            self._regions = (time.monotonic(), items)
        inside = [r for r in items if str(r["code"]).startswith(scope)]
        townships = [r for r in inside if r["code"][9:] == "000" and r["code"][6:9] != "000"]
        villages = [r for r in inside if r["code"][9:] != "000"]
        return townships, villages

    def officer_name(self, officer_id: str) -> str:
        """'段志华（town-nuodeng）' for an officer in the directory, else the id as it is."""
        entry = self.logins.get(officer_id)
        return f"{entry['name']}（{officer_id}）" if entry and entry.get("name") else officer_id

    def officers_in(self, scope: str) -> list[dict[str, Any]]:
        """Directory officers inside a region (the assignees one may filter by)."""
        return sorted(
            (o for o in self.logins.values() if str(o["region_code"]).startswith(scope)),
            key=lambda o: str(o["officer_id"]),
        )

    @staticmethod
    def xlsx(title: str, header: list[str], rows: list[list[Any]], filename: str) -> Response:
        """A spreadsheet download (formula-like text made inert by the kit)."""
        return Response(
            xlsx_bytes(title, header, rows),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{filename}.xlsx"'},
        )
