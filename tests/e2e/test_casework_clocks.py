"""Casework with the services running: the calendar API, accepting a case, and a clock's
due-soon alert reaching the village cadre from the officer directory."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from shouwang_kit.auth import Officer
from shouwang_stack.demo import demo_registry

from tests.e2e.conftest import System, officer_token

pytestmark = pytest.mark.e2e
COUNTY = ZoneInfo("Asia/Shanghai")  # the county's time (the demo's casework timezone)
TOWNSHIP = Officer("town-nuodeng", "段志华", "township_officer", "532929101000")


def _auth(officer: Officer) -> dict[str, str]:
    return {"Authorization": f"Bearer {officer_token(officer)}"}


async def test_calendar_answers_and_loading_a_year(system: System) -> None:
    base = f"{system.url('casework')}/v1/calendar"
    saturday = (await system.http.get(f"{base}/days/2026-02-14")).json()
    assert saturday["working"] and not saturday["provisional"] and "调休" in saturday["name"]
    festival = (await system.http.get(f"{base}/days/2026-02-17")).json()
    assert (festival["working"], festival["name"]) == (False, "春节")
    added = await system.http.get(
        f"{base}/add-working-days", params={"from": "2026-02-13", "days": 2}
    )
    assert added.json() == {"date": "2026-02-24", "provisional": False}
    unknown = (await system.http.get(f"{base}/days/2027-10-01")).json()
    assert unknown["working"] and unknown["provisional"]
    year = {
        "year": 2027,
        "papers": ["https://www.gov.cn/example"],
        "days": [{"name": "国庆节", "date": "2027-10-01", "isOffDay": True}],
    }
    refused = await system.http.put(f"{base}/years/2027", json=year, headers=_auth(TOWNSHIP))
    assert refused.status_code == 403 and refused.json()["code"] == "role.forbidden"
    bad = await system.http.put(f"{base}/years/2027", json={**year, "year": 2028})
    assert bad.status_code == 422 and bad.json()["code"] == "calendar.year"
    loaded = await system.http.put(f"{base}/years/2027", json=year)  # the county office
    assert loaded.status_code == 200, loaded.text
    known = (await system.http.get(f"{base}/days/2027-10-01")).json()
    assert (known["working"], known["name"], known["provisional"]) == (False, "国庆节", False)
    years = (await system.http.get(f"{base}/years")).json()
    assert 2027 in years["known_years"] and 2027 in [y["year"] for y in years["loaded"]]


async def _open_case(system: System, household: int) -> dict[str, Any]:
    """A new case awaiting acceptance, of a household of the test's own in the village of demo
    household `household` (whatever other tests did to the demo's)."""
    home = await system.new_household(like=household)
    person = home["members"][-1]
    answer = await system.post_warning(
        {
            "signal_type": "temporary_assistance",
            "occurred_on": "2026-11-20",
            "person": {"name": person["name"], "id_number": person["id_number"]},
        }
    )
    assert answer.status_code == 202, answer.text
    return await system.case_for(home["household_id"], answer.json()["warning_id"])


async def test_a_due_soon_clock_alerts_the_village_cadre_and_acceptance_stops_it(
    system: System,
) -> None:
    case = await _open_case(system, 1)  # 诺邓村
    notifier = system.url("notifier")
    async with asyncio.timeout(20):
        while True:
            items = (
                await system.http.get(
                    f"{notifier}/v1/deliveries", params={"case_id": case["case_id"]}
                )
            ).json()["items"]
            texts = [d["message"] for d in items if d["officer_id"] == "cadre-nuodeng"]
            if any("时限将于" in t for t in texts):
                break
            await asyncio.sleep(0.2)
    assert all("赵桂芬" not in t and "杨德明" not in t for t in texts)  # names masked
    casework = system.url("casework")
    accepted = await system.http.post(
        f"{casework}/v1/cases/{case['case_id']}/accept",
        json={"reason": "已电话联系农户"},
        headers=_auth(TOWNSHIP),
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accept_clock"] in ("met", "met_late")
    again = await system.http.post(
        f"{casework}/v1/cases/{case['case_id']}/accept", json={}, headers=_auth(TOWNSHIP)
    )
    assert again.status_code == 409 and again.json()["code"] == "case.transition"
    detail = (await system.http.get(f"{casework}/v1/cases/{case['case_id']}")).json()
    kinds = {c["kind"]: c for c in detail["clocks"]}
    assert kinds["compare"]["rule"] == "working_days:2" and kinds["compare"]["state"] == "running"
    accepted_by = [a["actor"] for a in detail["actions"] if a["action"] == "accept"]
    assert detail["status"] == "accepted" and accepted_by == ["town-nuodeng"]


async def test_the_workflow_moves_step_by_step_and_refuses_what_is_not_allowed(
    system: System,
) -> None:
    case = await _open_case(system, 2)  # 诺邓镇 天池村
    base = f"{system.url('casework')}/v1/cases/{case['case_id']}/actions"
    cadre = Officer("cadre-tianchi", "李正华", "village_cadre", "532929101002")
    county: dict[str, str] = {}  # the System's default token is the county office

    async def act(action: str, who: dict[str, str], **details: object) -> Any:
        return await system.http.post(
            f"{base}/{action}", json={"reason": action, "details": details}, headers=who
        )

    assert (await act("accept", _auth(cadre))).status_code == 200
    refused = await act("record_comparison", _auth(cadre), findings="无")
    assert refused.status_code == 403 and refused.json()["code"] == "role.forbidden"
    missing = await act("record_comparison", _auth(TOWNSHIP))
    assert missing.status_code == 422 and missing.json()["code"] == "details.required"
    compared = await act("record_comparison", _auth(TOWNSHIP), findings="民政、公安比对无异常")
    assert compared.json()["clocks_started"][0]["rule"] == "working_days:3"
    # The results reach the village (seeds/000 二): its cadre is told the visit's deadline.
    async with asyncio.timeout(20):
        while True:
            sent = await system.http.get(
                f"{system.url('notifier')}/v1/deliveries", params={"case_id": case["case_id"]}
            )
            told = [d for d in sent.json()["items"] if "信息比对结果已反馈" in d["message"]]
            if told:
                break
            await asyncio.sleep(0.2)
    assert {d["officer_id"] for d in told} == {"cadre-tianchi"}
    assert "前完成入户核查" in told[0]["message"]
    assert (await act("record_visit", _auth(cadre), findings="入户核实")).status_code == 200
    assert (await act("village_assessment", _auth(cadre), result="propose")).status_code == 200
    notice = await act("start_village_notice", _auth(cadre))
    assert notice.json()["clocks_started"][0]["kind"] == "village_notice"
    early = await act("end_village_notice", _auth(cadre), objections="无")
    assert early.status_code == 409 and early.json()["code"] == "notice.running"
    dismissed = await act("county_dismiss", county, explanation="经公示发现家庭有经营性收入")
    assert dismissed.status_code == 200, dismissed.text
    assert (dismissed.json()["status"], dismissed.json()["is_open"]) == ("dismissed", False)
    detail = (await system.http.get(f"{system.url('casework')}/v1/cases/{case['case_id']}")).json()
    trail = [a["action"] for a in detail["actions"] if a["actor"] != "system"]  # officers
    assert trail[-6:] == [
        "accept",
        "record_comparison",
        "record_visit",
        "village_assessment",
        "start_village_notice",
        "county_dismiss",
    ]
    assert detail["available_actions"] == []
    # The dismissed case's clocks stopped with it: the 公示 would otherwise run out and escalate.
    states = {c["kind"]: c["state"] for c in detail["clocks"]}
    assert states == {"accept": "met", "compare": "met", "visit": "met", "village_notice": "closed"}


async def test_queues_filter_by_clock_and_agency_and_reports_export(system: System) -> None:
    import io

    from openpyxl import load_workbook

    case = await _open_case(system, 5)  # 功果桥镇 金和村
    casework = system.url("casework")

    async def queue(**params: str) -> set[str]:
        answer = await system.http.get(f"{casework}/v1/cases", params=params)
        assert answer.status_code == 200, answer.text
        return {c["case_id"] for c in answer.json()["items"]}

    # 本周到期 is "due by Sunday 24:00 (county time)": a 当日 clock opened at the weekend or
    # before a holiday is due next week, so what to expect is read off the clock itself.
    detail = (await system.http.get(f"{casework}/v1/cases/{case['case_id']}")).json()
    accept_due = datetime.fromisoformat(
        next(c["due_at"] for c in detail["clocks"] if c["kind"] == "accept")
    )
    today = datetime.now(COUNTY).date()
    end_of_week = datetime.combine(today + timedelta(days=7 - today.weekday()), time.min, COUNTY)
    this_week = await queue(clock="due_this_week", agency="civil_affairs")
    assert (case["case_id"] in this_week) == (accept_due <= end_of_week)
    assert case["case_id"] in await queue(agency="civil_affairs")
    assert case["case_id"] not in await queue(clock="overdue")
    assert case["case_id"] not in await queue(agency="housing")
    bad = await system.http.get(f"{casework}/v1/cases", params={"clock": "someday"})
    assert bad.status_code == 422
    month = datetime.now(COUNTY).strftime("%Y-%m")  # the county's month
    agencies = (
        await system.http.get(f"{casework}/v1/reports/by-agency", params={"month": month})
    ).json()
    assert any(row[0] == "civil_affairs" for row in agencies["rows"])
    on_time = await system.http.get(f"{casework}/v1/reports/on-time", params={"month": month})
    assert on_time.json()["columns"][-1] == "按时率"
    sheet = await system.http.get(f"{casework}/v1/reports/overdue", params={"format": "xlsx"})
    assert sheet.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(sheet.content)).active
    assert book is not None
    assert next(book.iter_rows(values_only=True))[0] == "案件编号"


async def test_the_on_time_trend_counts_this_month_as_the_months_report_does(
    system: System,
) -> None:
    """The 6-month trend's row for this month is the month's on-time report summed over its
    clocks: an accepted case's 受理 clock, met today and due tonight at 24:00, counts in both
    (the trend counted only clocks already past their due time)."""
    case = await _open_case(system, 5)  # 功果桥镇 金和村
    casework = system.url("casework")
    accepted = await system.http.post(
        f"{casework}/v1/cases/{case['case_id']}/actions/accept", json={"reason": "已电话核实"}
    )
    assert accepted.status_code == 200, accepted.text
    detail = (await system.http.get(f"{casework}/v1/cases/{case['case_id']}")).json()
    accept = next(c for c in detail["clocks"] if c["kind"] == "accept")
    assert accept["state"] == "met"
    # Its month: the day it is due (24:00 is stored as the next day's 00:00).
    due = datetime.fromisoformat(accept["due_at"]).astimezone(COUNTY) - timedelta(microseconds=1)
    month = due.strftime("%Y-%m")
    if month != datetime.now(COUNTY).strftime("%Y-%m"):
        pytest.skip("accepted on the month's last rest days: its 受理 is next month's")
    report = (
        await system.http.get(f"{casework}/v1/reports/on-time", params={"month": month})
    ).json()
    summed = [0, 0, 0]
    for township, _clock, met, late, overdue, _running, _rate in report["rows"]:
        if township == "功果桥镇":
            summed = [summed[0] + met, summed[1] + late, summed[2] + overdue]
    assert summed[0] >= 1  # the 受理 above at least
    trend = (await system.http.get(f"{casework}/v1/reports/on-time-trend")).json()
    rows = [r[2:5] for r in trend["rows"] if r[:2] == [month, "功果桥镇"]]
    assert rows == [summed], f"the trend's {month} row: {rows}, the month's report: {summed}"


async def test_a_cases_home_visit_counts_as_the_households_visit_of_the_month(
    system: System,
) -> None:
    """入户核查 recorded on a case is the household's 一月一排查 visit in intake: the village's
    coverage shows it visited, by the cadre who went, without a second entry."""
    case = await _open_case(system, 2)  # 诺邓镇 天池村
    base = f"{system.url('casework')}/v1/cases/{case['case_id']}/actions"
    cadre = Officer("cadre-tianchi", "李正华", "village_cadre", "532929101002")
    month = datetime.now(COUNTY).strftime("%Y-%m")
    coverage = f"{system.url('intake')}/v1/visits/coverage"
    params = {"region": "532929101000", "month": month}  # 诺邓镇

    async def not_visited() -> list[str]:
        answer = await system.http.get(coverage, params=params, headers=_auth(TOWNSHIP))
        assert answer.status_code == 200, answer.text
        village = next(v for v in answer.json()["villages"] if v["region_code"] == "532929101002")
        return list(village["not_visited"])

    assert case["household_number"] in await not_visited()
    for action, who, details in [
        ("accept", cadre, {}),
        ("record_comparison", TOWNSHIP, {"findings": "民政、公安比对无异常"}),
        ("record_visit", cadre, {"findings": "户主因病住院，家中无其他劳动力"}),
    ]:
        done = await system.http.post(
            f"{base}/{action}", json={"reason": action, "details": details}, headers=_auth(who)
        )
        assert done.status_code == 200, done.text
    async with asyncio.timeout(20):
        while case["household_number"] in await not_visited():
            await asyncio.sleep(0.2)
    connection = await asyncpg.connect(system.infra.stack.database_url)
    try:
        rows = await connection.fetch(
            "SELECT visitor, findings, recorded_by FROM intake.visits v"
            " JOIN intake.households h USING (household_id) WHERE h.household_number = $1",
            case["household_number"],
        )
    finally:
        await connection.close()
    assert [(r["visitor"], r["recorded_by"]) for r in rows] == [("李正华", "casework")]
    assert case["case_number"] in rows[0]["findings"] and "住院" in rows[0]["findings"]


async def test_the_county_pauses_resumes_and_overrides_a_clock(system: System) -> None:
    case = await _open_case(system, 4)  # 功果桥镇 金和村, untouched by the tests before
    base = f"{system.url('casework')}/v1/cases/{case['case_id']}/clocks/accept"
    township = await system.http.post(
        f"{base}/pause", json={"reason": "x"}, headers=_auth(TOWNSHIP)
    )
    assert township.status_code == 403
    paused = await system.http.post(f"{base}/pause", json={"reason": "农户外出务工，电话联系中"})
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    before = paused.json()["due_at"]
    await asyncio.sleep(1.1)
    resumed = await system.http.post(f"{base}/resume", json={"reason": "已联系上"})
    assert resumed.json()["state"] == "running" and resumed.json()["due_at"] > before
    done = await system.http.post(f"{base}/override", json={"reason": "县级统一调整"})
    assert done.json()["state"] == "overridden"
    again = await system.http.post(f"{base}/pause", json={"reason": "x"})
    assert again.status_code == 404 and again.json()["code"] == "clock.not_found"


async def test_a_household_found_by_screening_is_visited_the_same_day(system: System) -> None:
    """seeds/000 三: a cadre's screening visit (intake's 一月一排查) that raises a warning opens a
    case whose 入户核查 is due the same day as its 受理; the visit may then come before the
    agencies' comparison answer."""
    number = demo_registry()["households"][3]["household_number"]  # 功果桥镇, village 003
    casework = f"{system.url('casework')}/v1/cases"
    registry = await system.http.get(f"{system.url('intake')}/v1/registry/households/{number}")
    household_id = registry.json()["household_id"]
    earlier = await system.http.get(casework, params={"household_id": household_id, "is_open": 1})
    for case in earlier.json()["items"]:  # the screening is to open a case of its own
        base = f"{casework}/{case['case_id']}/actions"
        if case["status"] == "awaiting_acceptance":
            await system.http.post(f"{base}/accept", json={"reason": "e2e"})
        closed = await system.http.post(
            f"{base}/county_dismiss", json={"reason": "e2e", "details": {"explanation": "另案"}}
        )
        assert closed.status_code == 200, closed.text
    visit = await system.http.post(
        f"{system.url('intake')}/v1/visits",
        json={
            "household_number": number,
            "visit_date": datetime.now(COUNTY).date().isoformat(),
            "visitor": "杨建国",
            "findings": "自来水管冻裂，全家饮水靠邻居",
            "risk_flag": True,
            "warning_reason": "water",
        },
    )
    assert visit.status_code == 201, visit.text
    case = await system.case_for(household_id, visit.json()["warning_id"])
    clocks = {c["kind"]: (c["rule"], c["due_at"]) for c in case["clocks"]}
    assert clocks.keys() == {"accept", "visit"}
    assert clocks["visit"] == clocks["accept"] and clocks["visit"][0] == "same_working_day"
    cadre = _auth(Officer("wt-003", "驻村队员", "work_team", "532929102003"))
    base = f"{casework}/{case['case_id']}/actions"

    async def act(action: str, who: dict[str, str], **details: str) -> Any:
        answer = await system.http.post(
            f"{base}/{action}", json={"reason": action, "details": details}, headers=who
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    await act("accept", cadre)
    visited = await act("record_visit", cadre, findings="入户核实：饮水无保障")
    assert (visited["status"], visited["clocks_stopped"]) == ("visit_done", {"visit": "met"})
    compared = await act("record_comparison", {}, findings="水务比对：供水管网未覆盖")
    assert (compared["status"], compared["clocks_started"]) == ("visited", [])
    assert compared["clocks_stopped"] == {"compare": "met"}
