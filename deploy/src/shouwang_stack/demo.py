"""The demo county: a small registry loaded into intake over its API (as the county office)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from shouwang_kit.auth import Officer, issue_token
from shouwang_kit.settings import ServiceSettings

from shouwang_stack.paths import DEPLOY_DIR

DEMO_DIR = DEPLOY_DIR / "demo"
DEMO_REGISTRY = DEMO_DIR / "registry.json"
DEMO_AGENCY_KEYS = DEMO_DIR / "agency-keys.json"
DEMO_OFFICERS = DEMO_DIR / "officers.json"
DEMO_API_KEY = "demo-civil-affairs-key"
# A civil-affairs monthly list as Chinese Excel saves it (GBK): good rows, a person not in the
# registry (written in traditional characters) and a row with mistakes.
DEMO_LIST = DEMO_DIR / "civil-affairs-2026-10.csv"


def demo_registry() -> dict[str, Any]:
    """The demo county's households and members."""
    data: dict[str, Any] = json.loads(DEMO_REGISTRY.read_text(encoding="utf-8"))
    return data


def demo_regions() -> list[dict[str, str]]:
    """The county, its townships and villages, as the demo households name them."""
    data = demo_registry()
    county = data["county"]
    regions = {county["code"].ljust(12, "0"): county["name"]}
    for household in data["households"]:
        code = household["region_code"]
        regions[code[:9] + "000"] = household["township_name"]
        regions[code] = household["village_name"]
    return [{"code": code, "name": name} for code, name in sorted(regions.items())]


def loader_token() -> str:
    """A county office's token for the demo county (the registry is the county office's),
    signed with the key the services read (`SHOUWANG_AUTH_KEY`, else the development one)."""
    county = demo_registry()["county"]["code"].ljust(12, "0")
    return _officer_token("demo-loader", "演示数据导入", "county_office", county)


async def seed_registry(intake_url: str, token: str | None = None) -> int:
    """PUT the demo regions and every demo household to intake (idempotent), as the county
    office (`token`, else `loader_token()`); returns households."""
    households = demo_registry()["households"]
    headers = {"Authorization": f"Bearer {token or loader_token()}"}
    async with httpx.AsyncClient(base_url=intake_url, timeout=10, headers=headers) as client:
        (await client.put("/v1/registry/regions", json=demo_regions())).raise_for_status()
        for household in households:
            response = await client.put(
                f"/v1/registry/households/{household['household_number']}", json=household
            )
            response.raise_for_status()
    return len(households)


# The demo's monitored household (纳入监测): 金和村's 5329291020040005, taken through the
# workflow by `seed_monitored_case` so that the monitored list, the 帮扶措施台账 and a full trail
# have something to show.
MONITORED_HOUSEHOLD = 4
_STEPS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("county", "accept", {}),
    ("county", "record_comparison", {"findings": "民政、公安、市场监管比对：无车辆、无工商登记"}),
    ("town", "record_visit", {"findings": "入户核实：户主住院，家中无稳定收入"}),
    ("cadre", "village_assessment", {"result": "propose"}),
    ("cadre", "start_village_notice", {}),
    ("county", "override:village_notice", {}),
    ("cadre", "end_village_notice", {"objections": "公示期间无异议"}),
    ("county", "override:township_notice", {}),
    ("town", "township_approve", {}),
    ("county", "county_include", {"monitor_type": "突发严重困难户"}),
    ("town", "name_officer", {"officer": "字建国"}),
    ("cadre", "record_plan", {"plan": "申请临时救助；落实医疗救助倾斜；安排公益岗位"}),
    ("cadre", "start_help", {"measures": "临时救助3000元已发放"}),
)


def _officer_token(officer_id: str, name: str, role: str, region: str) -> str:
    officer = Officer(officer_id, name, role, region)  # type: ignore[arg-type]
    return issue_token(
        officer, ServiceSettings().auth_key, now=datetime.now(UTC), ttl=timedelta(minutes=10)
    )


# A health-insurance warning with no ID about "张玮" of 天池村, where the registry holds 张伟
# (born 1982-05-12) and 章玮 (1984-02-18), homophones of one household; its birth date has
# 张伟's year and 章玮's day. Matching cannot tell which, so the county office finds it in
# 人工核对 (the review queue) to confirm one, choose another or reject it.
DEMO_REVIEW_KEY = "demo-medical-insurance-key"
DEMO_REVIEW_WARNING = {
    "signal_type": "high_out_of_pocket",
    "occurred_on": "2026-11-18",
    "person": {"name": "张玮", "birth_date": "1982-02-18", "region_code": "532929101002"},
    "source_record_id": "DEMO-YB-2026-11-0001",
    "details": {"amount": 18600},
}


async def seed_review_item(gateway_url: str) -> str:
    """Post the demo's warning for the review queue (`DEMO_REVIEW_WARNING`), once: the same
    Idempotency-Key and body on a later run get the first answer back. Its warning id."""
    async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as gateway:
        posted = await gateway.post(
            "/v1/warnings",
            headers={"X-Api-Key": DEMO_REVIEW_KEY, "Idempotency-Key": "demo-review-zhang-wei"},
            json=DEMO_REVIEW_WARNING,
        )
        posted.raise_for_status()
        warning_id: str = posted.json()["warning_id"]
        return warning_id


async def seed_monitored_case(
    gateway_url: str, casework_url: str, household: dict[str, Any] | None = None
) -> str | None:
    """Take one household of 金和村 (the demo's `MONITORED_HOUSEHOLD`, or `household`) from a
    civil-affairs warning to 落实帮扶 through the services' APIs, each step as the officer whose
    step it is (the two 公示 cut short by the county, as an override would); nothing when the
    household is already monitored. The case number, or None when there was nothing to do."""
    household = household or demo_registry()["households"][MONITORED_HOUSEHOLD]
    region = household["region_code"]
    tokens = {
        "county": _officer_token("county-office", "王科长", "county_office", "532929000000"),
        "town": _officer_token(
            "town-gongguoqiao", "尹红梅", "township_officer", region[:9] + "000"
        ),
        "cadre": _officer_token("cadre-jinhe", "字建国", "village_cadre", region),
    }
    auth = {"Authorization": f"Bearer {tokens['county']}"}
    async with httpx.AsyncClient(base_url=casework_url, timeout=10) as casework:
        existing = (await casework.get("/v1/cases", params={"limit": 500}, headers=auth)).json()[
            "items"
        ]
        mine = [c for c in existing if c["household_number"] == household["household_number"]]
        if any(c["status"] not in ("awaiting_acceptance", "accepted", "dismissed") for c in mine):
            return None
        person = household["members"][0]
        async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as gateway:
            posted = await gateway.post(
                "/v1/warnings",
                headers={"X-Api-Key": DEMO_API_KEY},
                json={
                    "signal_type": "temporary_assistance",
                    "occurred_on": ServiceSettings().today().isoformat(),
                    "person": {"name": person["name"], "id_number": person["id_number"]},
                    "source_record_id": f"DEMO-MONITORED-{household['household_number']}",
                },
            )
            posted.raise_for_status()
        warning_id = posted.json()["warning_id"]
        case: dict[str, Any] | None = None
        for _ in range(200):  # matching and casework take a moment
            open_cases = (
                await casework.get(
                    "/v1/cases",
                    params={"is_open": "true", "limit": 500},
                    headers=auth,
                )
            ).json()["items"]
            case = next(
                (c for c in open_cases if any(s["warning_id"] == warning_id for s in c["signals"])),
                None,
            )
            if case is not None:
                break
            await asyncio.sleep(0.1)
        if case is None:
            raise TimeoutError("the demo warning did not become a case")
        status = case["status"]
        for who, action, details in _STEPS:
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            if action.startswith("override:"):
                answer = await casework.post(
                    f"/v1/cases/{case['case_id']}/clocks/{action[9:]}/override",
                    json={"reason": "演示：公示期按规定已满"},
                    headers=headers,
                )
                if answer.status_code in (404, 409):  # no such clock running: done before
                    continue
            else:
                if status != "awaiting_acceptance" and action == "accept":
                    continue  # accepted already (an earlier run stopped half-way)
                answer = await casework.post(
                    f"/v1/cases/{case['case_id']}/actions/{action}",
                    json={"reason": "演示", "details": details},
                    headers=headers,
                )
                if answer.status_code == 409:  # this step was taken by an earlier run
                    continue
            answer.raise_for_status()
        return str(case["case_number"])
