"""The county console in headless Chromium (the system package, driven by Playwright) with the
whole system running: a township officer sees only their township and accepts a case; the
county office sees the county. Screenshots of the pages go to test-output/console/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright
from shouwang_stack.demo import demo_registry

from tests.e2e.conftest import System

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"


async def _login(page: Page, base: str, officer_id: str, password: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#officer_id", officer_id)
    await page.fill("#password", password)
    await page.click("#submit")


async def _warn(system: System, household: int | dict[str, Any]) -> str:
    """A warning about the household's first member (a demo household by its index, or one a
    test registered), once its case carries it; the case's number."""
    registered = (
        demo_registry()["households"][household] if isinstance(household, int) else household
    )
    person = registered["members"][0]
    answer = await system.post_warning(
        {
            "signal_type": "dibao_edge",
            "occurred_on": "2026-11-21",
            "person": {"name": person["name"], "id_number": person["id_number"]},
        }
    )
    assert answer.status_code == 202, answer.text
    number = registered["household_number"]
    registry = await system.http.get(f"{system.url('intake')}/v1/registry/households/{number}")
    case = await system.case_for(registry.json()["household_id"], answer.json()["warning_id"])
    return str(case["case_number"])


async def test_a_township_officer_sees_only_their_township_and_accepts_a_case(
    system: System,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    mine = await _warn(
        system, await system.new_household(like=2)
    )  # 诺邓镇天池村, a case of its own
    theirs = await _warn(system, 5)  # 功果桥镇
    base = system.url("console")
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await _login(page, base, "town-nuodeng", "wrong")
        assert "账号或密码不正确" in await page.inner_text("#error")
        await _login(page, base, "town-nuodeng", "demo-town-nuodeng")
        await page.wait_for_selector("#queue")
        await page.screenshot(path=str(SHOTS / "queue-township.png"), full_page=True)
        text = await page.inner_text("#queue")
        regions = await page.eval_on_selector_all(
            "#queue tbody tr[data-region]", "rows => rows.map(r => r.dataset.region)"
        )
        assert mine in text and theirs not in text
        assert regions and all(r.startswith("532929101") for r in regions)
        await page.click(f"text={mine}")
        await page.wait_for_selector("#case-number")
        assert "待受理" in await page.inner_text("#status")
        await page.screenshot(path=str(SHOTS / "case-before.png"), full_page=True)
        await page.fill("#action-accept input[name=reason]", "已电话联系户主")
        await page.click("#action-accept button")
        await page.wait_for_selector("#status")
        assert "信息比对中" in await page.inner_text("#status")
        trail = await page.inner_text("#trail")
        assert "已电话联系户主" in trail
        assert "系统：立案 预警匹配到本户" in trail and "opened" not in trail  # in words, not codes
        await page.screenshot(path=str(SHOTS / "case-accepted.png"), full_page=True)
        # 录入比对结果 asks for the comparison's findings by name; sent without them (the
        # browser's own check taken off), casework's refusal names them in words and the form
        # keeps what was typed.
        form = "#action-record_comparison"
        assert "比对或核查情况（必填）" in await page.inner_text(form)
        await page.eval_on_selector(f"{form} textarea", "el => el.removeAttribute('required')")
        await page.fill(f"{form} input[name=reason]", "民政、医保已回复")
        await page.click(f"{form} button")
        await page.wait_for_selector("#error")
        assert "需要填写：比对或核查情况" in await page.inner_text("#error")
        assert await page.input_value(f"{form} input[name=reason]") == "民政、医保已回复"
        await page.fill(f"{form} textarea[name=d_findings]", "无车辆、无工商登记、无财政供养人员")
        await page.click(f"{form} button")
        await page.wait_for_selector("#status")
        assert "待入户核查" in await page.inner_text("#status")
        assert "无车辆、无工商登记、无财政供养人员" in await page.inner_text("#trail")
        await page.goto(f"{base}/?clock=overdue")
        assert mine not in await page.inner_text("#queue")

        county = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        await _login(county, base, "county-office", "demo-county-office")
        await county.wait_for_selector("#queue")
        county_text = await county.inner_text("#queue")
        assert theirs in county_text
        async with county.expect_download() as download:
            await county.click("#export-overdue")
        saved = SHOTS / "overdue.xlsx"
        await (await download.value).save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"  # an XLSX (zip) file
        await county.screenshot(path=str(SHOTS / "queue-county-phone.png"), full_page=True)
        await browser.close()


async def test_county_staff_confirm_a_review_item_and_see_feed_health(system: System) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    person = demo_registry()["households"][3]["members"][1]
    answer = await system.post_warning(
        {
            "signal_type": "new_dibao",
            "occurred_on": "2026-11-21",
            "person": {"name": "王大锤", "id_number": person["id_number"]},
        }
    )
    warning_id = answer.json()["warning_id"]
    base = system.url("console")
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await _login(page, base, "town-nuodeng", "demo-town-nuodeng")
        await page.goto(f"{base}/reviews")
        assert "只有县乡村振兴局" in await page.inner_text("#message")
        await _login(page, base, "county-office", "demo-county-office")
        for _ in range(50):  # matching decides within a moment
            await page.goto(f"{base}/reviews")
            if warning_id[:8] in await page.inner_text("#reviews"):
                break
            await page.wait_for_timeout(200)
        await page.screenshot(path=str(SHOTS / "reviews.png"), full_page=True)
        assert "civil_affairs" not in await page.inner_text("#reviews")  # the agency's name
        await page.click(f"text={warning_id[:8]}")
        assert person["name"] in await page.inner_text("#candidates")
        assert person["id_number"] not in await page.inner_text("#candidates")  # masked
        assert "身份证号码一致" in await page.inner_text("#candidates")  # reasons in words
        await page.screenshot(path=str(SHOTS / "review-side-by-side.png"), full_page=True)
        await page.fill("#candidates input[name=reason]", "民政登记姓名有误，核实为同一人")
        await page.click("#candidates button.confirm")
        await page.wait_for_selector("#reviews")
        assert warning_id[:8] not in await page.inner_text("#reviews")
        await page.goto(f"{base}/feeds")
        assert "民政" in await page.inner_text("#feeds")
        await page.screenshot(path=str(SHOTS / "feeds.png"), full_page=True)
        await browser.close()
    decision = await system.http.get(f"{system.url('matching')}/v1/decisions/{warning_id}")
    assert decision.json()["outcome"] == "matched"


async def test_county_staff_load_next_years_calendar(system: System) -> None:
    import json

    base = system.url("console")
    year = {
        "year": 2028,
        "papers": ["https://www.gov.cn/example-2028"],
        "days": [{"name": "元旦", "date": "2028-01-01", "isOffDay": True}],
    }
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await _login(page, base, "county-office", "demo-county-office")
        await page.goto(f"{base}/calendar")
        await page.fill("#year", "2028")
        await page.fill("#document", json.dumps({**year, "year": 2029}))
        await page.click("#load-year button")
        assert "不一致" in await page.inner_text("#error")
        await page.fill("#year", "2028")
        await page.fill("#document", json.dumps(year, ensure_ascii=False))
        await page.click("#load-year button")
        assert "2028年已载入" in await page.inner_text("#done")
        assert "2028" in await page.inner_text("#known")
        await page.screenshot(path=str(SHOTS / "calendar.png"), full_page=True)
        await browser.close()
    day = await system.http.get(f"{system.url('casework')}/v1/calendar/days/2028-01-01")
    assert day.json()["name"] == "元旦" and not day.json()["provisional"]


async def test_the_queue_updates_without_a_reload(system: System) -> None:
    base = system.url("console")
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page()
        await _login(page, base, "county-office", "demo-county-office")
        await page.wait_for_selector("#queue")
        number = await _warn(system, 3)  # a new warning while the page is open
        await page.wait_for_function(
            f"document.getElementById('rows').innerText.includes('{number}')", timeout=20000
        )
        await browser.close()
