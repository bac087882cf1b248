"""The console's queue filters and bulk actions, the case page's audited reveal, working days
left and notifications, the precision scorecard and batches, the charts page with its exports,
and provisional deadlines — in headless Chromium (the system package) against the whole
running system. Screenshots go to test-output/console/."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout
from shouwang_kit.auth import Officer
from shouwang_stack.demo import demo_registry

from tests.e2e.conftest import MEDICAL, System, officer_token

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"
CADRE = Officer("cadre-jinhe", "金和村 村干部", "village_cadre", "532929102004")


async def _login(page: Page, base: str, officer_id: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#officer_id", officer_id)
    await page.fill("#password", f"demo-{officer_id}")
    await page.click("#submit")
    try:
        await page.wait_for_selector("#queue")
    except PlaywrightTimeout:
        # Say what the officer saw instead of the queue (an error page, the login again).
        text = (await page.inner_text("body"))[:600]
        raise AssertionError(
            f"no queue after logging in as {officer_id}: {page.url}\n{text}"
        ) from None


async def _case(system: System, household: int | dict[str, Any], **warning: Any) -> dict[str, Any]:
    """The household's open case once it carries a new warning about its head (a demo household
    by its index, or one the test registered)."""
    home = demo_registry()["households"][household] if isinstance(household, int) else household
    person = home["members"][0]
    body = {
        "signal_type": "dibao_edge",
        "occurred_on": "2026-11-21",
        "person": {"name": person["name"], "id_number": person["id_number"]},
        **warning,
    }
    headers = MEDICAL if body["signal_type"] == "high_out_of_pocket" else None
    answer = await system.post_warning(body, headers=headers)
    assert answer.status_code == 202, answer.text
    number = home["household_number"]
    registry = await system.http.get(f"{system.url('intake')}/v1/registry/households/{number}")
    return await system.case_for(registry.json()["household_id"], answer.json()["warning_id"])


async def _act(system: System, case: dict[str, Any], action: str, **details: str) -> None:
    answer = await system.http.post(
        f"{system.url('casework')}/v1/cases/{case['case_id']}/actions/{action}",
        json={"reason": "e2e", "details": details},
    )
    assert answer.status_code == 200, answer.text


async def _fresh_case(system: System, household: int, **warning: Any) -> dict[str, Any]:
    """A new case awaiting acceptance, of a household of the test's own in the village of demo
    household `household`."""
    case = await _case(system, await system.new_household(like=household), **warning)
    assert case["status"] == "awaiting_acceptance"
    return case


async def _sheet_rows(download: Any) -> list[tuple[Any, ...]]:
    """The rows of a downloaded XLSX's first sheet."""
    book = load_workbook(BytesIO(Path(await download.path()).read_bytes()), read_only=True)
    return [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]


async def _browser(p: Any) -> Browser:
    browser: Browser = await p.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--no-sandbox"]
    )
    return browser


async def test_queue_filters_and_a_bulk_accept_report_each_case(system: System) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    medical = await _fresh_case(
        system,
        4,
        signal_type="high_out_of_pocket",
        details={"amount": 25000},
    )
    civil = await _fresh_case(system, 5)
    await _act(system, civil, "accept")  # already accepted: the bulk accept must refuse it
    base = system.url("console")
    async with async_playwright() as p:
        browser = await _browser(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await _login(page, base, "county-office")
        await page.select_option("#f-township", "532929102000")
        await page.click("#apply-filters")
        await page.wait_for_selector("#queue")
        regions = await page.eval_on_selector_all(
            "#rows tr[data-region]", "rows => rows.map(r => r.dataset.region)"
        )
        assert regions and all(r.startswith("532929102") for r in regions)
        await page.goto(f"{base}/?agency=medical_insurance")
        text = await page.inner_text("#rows")
        assert medical["case_number"] in text and civil["case_number"] not in text
        await page.goto(f"{base}/?signal_type=high_out_of_pocket&village=532929102004")
        shown = await page.eval_on_selector_all(
            "#rows tr[data-case]", "rows => rows.map(r => r.dataset.case)"
        )
        assert shown == [medical["case_number"]] or medical["case_number"] in shown
        assert civil["case_number"] not in shown
        await page.screenshot(path=str(SHOTS / "queue-filtered.png"), full_page=True)

        town = await browser.new_page(viewport={"width": 1280, "height": 900})
        await _login(town, base, "town-gongguoqiao")
        await town.goto(f"{base}/?village=532929102004")
        for case in (medical, civil):
            await town.check(f"#rows tr[data-case='{case['case_number']}'] input[name=case]")
        await town.select_option("#bulk-action", "accept")
        await town.fill("#bulk-reason", "已逐户电话核实")
        await town.click("#bulk-submit")
        await town.wait_for_selector("#bulk-results")
        assert "成功 1 件，失败 1 件" in await town.inner_text("#bulk-summary")
        results = await town.eval_on_selector_all(
            "#bulk-results tr[data-ok]", "rows => rows.map(r => [r.innerText, r.dataset.ok])"
        )
        outcome = {text.split("\t")[0]: (ok, text) for text, ok in results}
        assert outcome[medical["case_number"]][0] == "yes"
        assert outcome[civil["case_number"]][0] == "no"
        assert "信息比对中" in outcome[medical["case_number"]][1]
        await town.screenshot(path=str(SHOTS / "bulk-result.png"), full_page=True)
        await town.goto(f"{base}/?assignee=town-gongguoqiao")
        mine = await town.inner_text("#rows")
        assert medical["case_number"] in mine and civil["case_number"] not in mine
        async with town.expect_download() as download:
            await town.click("#export-queue")
        numbers = [row[0] for row in (await _sheet_rows(await download.value))[1:]]
        assert medical["case_number"] in numbers and civil["case_number"] not in numbers
        await browser.close()
    after = await system.http.get(f"{system.url('casework')}/v1/cases/{medical['case_id']}")
    assert after.json()["status"] == "accepted"
    assert after.json()["assignee"] == "town-gongguoqiao"


async def test_revealing_id_numbers_asks_a_reason_and_is_audited(system: System) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    case = await _case(system, 5)
    head = demo_registry()["households"][5]["members"][0]
    base = system.url("console")
    async with asyncio.timeout(30):  # the township alert for the case reaches the notifier
        while not (
            await system.http.get(
                f"{system.url('notifier')}/v1/deliveries", params={"case_id": case["case_id"]}
            )
        ).json()["items"]:
            await asyncio.sleep(0.3)
    async with async_playwright() as p:
        browser = await _browser(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await _login(page, base, "town-gongguoqiao")
        await page.goto(f"{base}/cases/{case['case_id']}")
        members = await page.inner_text("#members")
        assert head["id_number"] not in members and head["phone"] not in members
        assert head["phone"][:3] + "****" + head["phone"][-4:] in members
        assert "工作日" in await page.inner_text("#clocks") or "今日到期" in await page.inner_text(
            "#clocks"
        )
        assert await page.locator("#trail li.tl-notification").count() >= 1
        await page.click("#reveal button")
        assert "须填写原因" in await page.inner_text("#error")
        assert head["id_number"] not in await page.inner_text("#members")
        await page.fill("#reveal-reason", "入户核查前电话联系户主")
        await page.click("#reveal button")
        await page.wait_for_selector("#revealed-note")
        members = await page.inner_text("#members")
        assert head["id_number"] in members and head["phone"] in members
        await page.screenshot(path=str(SHOTS / "case-revealed.png"), full_page=True)
        await page.goto(f"{base}/cases/{case['case_id']}")  # not kept: masked again
        assert head["id_number"] not in await page.inner_text("#members")
        assert "入户核查前电话联系户主" in await page.inner_text("#trail")
        await page.screenshot(path=str(SHOTS / "case-household.png"), full_page=True)

        cadre = await browser.new_page()
        await _login(cadre, base, "cadre-jinhe")
        await cadre.goto(f"{base}/cases/{case['case_id']}")
        assert "不能查看完整信息" in await cadre.inner_text("#masked-note")
        assert await cadre.locator("#reveal").count() == 0
        await browser.close()
    trace = await system.http.get(f"{system.url('casework')}/v1/cases/{case['case_id']}/trace")
    views = [e for e in trace.json()["items"] if e["action"] == "sensitive_data_viewed"]
    assert views[-1]["actor"] == "town-gongguoqiao"
    assert views[-1]["detail"]["reason"] == "入户核查前电话联系户主"
    assert head["id_number"] not in str(trace.json())  # the trace records the view, not values
    refused = await system.http.post(
        f"{system.url('casework')}/v1/cases/{case['case_id']}/sensitive",
        json={"reason": "想看看"},
        headers={"Authorization": f"Bearer {officer_token(CADRE)}"},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "role.forbidden"
    verify = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "casework.entrypoints.audit_cli",
        "verify",
        env={**os.environ, "DATABASE_URL": system.infra.stack.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await verify.communicate()
    assert verify.returncode == 0, err.decode()


async def test_scorecard_batches_charts_and_their_exports(system: System) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    dismissed = await _case(system, 3)  # households 0–2 belong to the thin-path tests
    if dismissed["status"] == "awaiting_acceptance":
        await _act(system, dismissed, "accept")
    await _act(system, dismissed, "county_dismiss", explanation="收入核实高于标准")
    await _case(system, 5)  # an open case in 功果桥镇, whichever tests ran before this one
    # A list of its own (a period no other test uses): one person not in the registry.
    listed = (
        "姓名,身份证号码,乡镇,村,联系电话,金额,发生日期,预警类型\n"
        "赵六,11010519491231002X,,,,,2026-07-05,new_dibao\n"
    )
    batch = await system.post_batch(listed.encode(), period="2026-07")
    assert batch.status_code == 202, batch.text
    precision = (await system.http.get(f"{system.url('casework')}/v1/reports/precision")).json()
    civil = next(r for r in precision["rows"] if r[0] == "civil_affairs")
    assert civil[3] >= 1  # at least the dismissal above

    async def open_by_township() -> list[list[Any]]:
        answer = await system.http.get(f"{system.url('casework')}/v1/reports/open-by-township")
        return [[t, n] for t, n, _ in answer.json()["rows"]]

    base = system.url("console")
    async with async_playwright() as p:
        browser = await _browser(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await _login(page, base, "county-office")
        await page.goto(f"{base}/feeds")
        row = page.locator("#scorecard tr[data-agency=civil_affairs]")
        cells = await row.locator("td").all_inner_texts()
        assert cells[0] == "县民政局" and int(cells[3]) == civil[3]
        expected = "—" if civil[5] is None else f"{civil[5] * 100:.1f}%"
        assert cells[5] == expected
        assert "2026-07" in await page.inner_text("#batches")
        assert "县民政局" in await page.inner_text("#batches")
        await page.screenshot(path=str(SHOTS / "feeds-scorecard.png"), full_page=True)
        async with page.expect_download() as download:
            await page.click("#export-scorecard")
        assert (await _sheet_rows(await download.value))[0][:2] == ("来源部门", "预警数")

        for _ in range(5):  # the list posted above may still be opening cases: compare at rest
            before = await open_by_township()
            await page.click("#nav-reports")
            await page.wait_for_selector("#township-bars")
            bars = await page.eval_on_selector_all(
                "#township-bars .bar-row",
                "rows => rows.map(r => [r.dataset.township, Number(r.dataset.value)])",
            )
            if before == await open_by_township():
                break
            await asyncio.sleep(1)
        # One bar per township with open cases, as the API counts them (both townships when the
        # whole suite runs, 功果桥镇 at least when this test runs alone).
        assert bars == before and "功果桥镇" in [township for township, _n in bars]
        assert await page.locator("#warnings-chart polyline").count() >= 1
        assert await page.locator("#on-time").count() == 1
        await page.screenshot(path=str(SHOTS / "reports.png"), full_page=True)
        async with page.expect_download() as download:
            await page.click("#export-open-by-township")
        rows = await _sheet_rows(await download.value)
        assert rows[0] == ("乡镇", "在办案件", "其中超时")
        assert [list(r[:2]) for r in rows[1:]] == await open_by_township()
        await browser.close()


async def test_the_calendar_page_lists_provisional_deadlines_until_the_year_is_loaded(
    system: System,
) -> None:
    case = await _case(system, 4)  # households 0–2 belong to the thin-path tests
    clock_id = uuid.uuid4()
    # A deadline computed while 2029 was unpublished (Monday–Friday assumed).
    connection = await asyncpg.connect(system.infra.stack.database_url)
    try:
        await connection.execute(
            "INSERT INTO casework.clocks (clock_id, case_id, kind, rule, state, started_at,"
            " due_at, provisional) VALUES ($1, $2, 'visit', 'working_days:3', 'running', $3, $4,"
            " true)",
            clock_id,
            uuid.UUID(case["case_id"]),
            datetime.now(UTC),
            datetime(2029, 1, 5, 16, tzinfo=UTC),
        )
    finally:
        await connection.close()
    base = system.url("console")
    year = {
        "year": 2029,
        "papers": ["https://www.gov.cn/example-2029"],
        "days": [{"name": "元旦", "date": "2029-01-01", "isOffDay": True}],
    }
    async with async_playwright() as p:
        browser = await _browser(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await _login(page, base, "county-office")
        await page.goto(f"{base}/calendar")
        # Next year (the county's) is asked for until it is loaded, and offered in the form.
        known = (await system.http.get(f"{system.url('casework')}/v1/calendar/years")).json()
        next_year = datetime.now(ZoneInfo("Asia/Shanghai")).year + 1
        notice = page.locator("#next-year-missing")
        if next_year in known["known_years"]:
            assert await notice.count() == 0
            assert await page.input_value("#year") == str(max(known["known_years"]) + 1)
        else:
            assert f"{next_year} 年节假日安排尚未载入" in await notice.inner_text()
            assert await page.input_value("#year") == str(next_year)
        assert case["case_number"] in await page.inner_text("#provisional")
        assert "2029-01-06" in await page.inner_text("#provisional")  # local date
        await page.screenshot(path=str(SHOTS / "calendar-provisional.png"), full_page=True)
        async with page.expect_download() as download:
            await page.click("#export-provisional")
        assert case["case_number"] in [r[0] for r in await _sheet_rows(await download.value)]
        await page.fill("#year", "2029")
        await page.fill("#document", json.dumps(year, ensure_ascii=False))
        await page.click("#load-year button")
        assert "2029年已载入" in await page.inner_text("#done")
        assert case["case_number"] not in await page.inner_text("#provisional")
        await browser.close()
    connection = await asyncpg.connect(system.infra.stack.database_url)
    try:
        provisional = await connection.fetchval(
            "SELECT provisional FROM casework.clocks WHERE clock_id = $1", clock_id
        )
        await connection.execute(
            "UPDATE casework.clocks SET state = 'overridden', stopped_at = now()"
            " WHERE clock_id = $1",
            clock_id,
        )
    finally:
        await connection.close()
    assert provisional is False  # computed again on the loaded year


async def test_the_county_office_sees_the_people_the_registry_lacks(system: System) -> None:
    from shouwang_kit.idnumber import check_char

    first17 = "53292919800808" + "007"
    stranger = first17 + check_char(first17)
    answer = await system.post_warning(
        {
            "signal_type": "high_out_of_pocket",
            "occurred_on": "2026-11-22",
            "person": {"name": "库外丙", "id_number": stranger},
            "details": {"amount": 41000},
        },
        headers=MEDICAL,
    )
    assert answer.status_code == 202, answer.text
    warning_id = answer.json()["warning_id"]
    matching = system.url("matching")
    async with asyncio.timeout(20):
        while (await system.http.get(f"{matching}/v1/decisions/{warning_id}")).status_code != 200:
            await asyncio.sleep(0.1)
    base = system.url("console")
    async with async_playwright() as p:
        browser = await _browser(p)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await _login(page, base, "county-office")
        await page.click("#nav-unmatched")
        row = await page.wait_for_selector(f"#unmatched tr[data-warning='{warning_id}']")
        assert row is not None
        text = await row.inner_text()
        assert "库外丙" in text and "县医疗保障局" in text and "身份证号码不在" in text
        assert stranger not in text and stranger[:6] in text  # masked
        await page.screenshot(path=str(SHOTS / "unmatched.png"), full_page=True)
        town = await browser.new_page()
        await _login(town, base, "town-nuodeng")
        assert await town.query_selector("#nav-unmatched") is None  # the county office's page
        await browser.close()


async def test_a_village_cadre_records_the_months_visits_in_the_console(system: System) -> None:
    """一月一排查 in the browser: the cadre sees their village's households not yet visited this
    month, records a visit from the list, and a mistake is told in Chinese by the form."""
    base = system.url("console")
    async with async_playwright() as p:
        browser = await _browser(p)
        page = await browser.new_page()
        await _login(page, base, "cadre-tianchi")  # 李正华, 天池村
        await page.click("#nav-visits")
        await page.wait_for_selector("#coverage")
        rows = await page.locator("#coverage tr").all_inner_texts()
        assert len(rows) == 2 and "天池村" in rows[1], rows  # their village only
        # 镇, 村, households, visited, rate, those not visited (other tests add households)
        households, visited = (int(n) for n in rows[1].split("\t")[2:4])
        await page.click("a.not-visited:text('5329291010020003')")
        assert await page.input_value("#household_number") == "5329291010020003"
        await page.evaluate("document.querySelector('#visit_date').removeAttribute('max')")
        await page.fill("#visit_date", "2999-01-01")
        await page.fill("#findings", "家中正常，户主外出务工")
        await page.click("#visit-form button[type=submit]")
        await page.wait_for_selector("#error")
        assert "走访日期不能晚于今天" in await page.inner_text("#error")
        # The form again as typed, and the month's coverage still shown.
        assert await page.input_value("#household_number") == "5329291010020003"
        assert await page.input_value("#findings") == "家中正常，户主外出务工"
        assert "5329291010020003" in (await page.locator("#coverage tr").all_inner_texts())[1]

        await page.fill("#visit_date", system.today().isoformat())
        await page.click("#visit-form button[type=submit]")
        await page.wait_for_selector("#done")
        assert "已登记户 5329291010020003 的走访" in await page.inner_text("#done")
        after = (await page.locator("#coverage tr").all_inner_texts())[1].split("\t")
        assert [int(n) for n in after[2:4]] == [households, visited + 1]
        assert "5329291010020003" not in after[-1]
        if visited + 1 == households:
            assert "全部已走访" in after[-1]
        await page.screenshot(path=str(SHOTS / "visits.png"), full_page=True)
        await browser.close()


async def test_a_case_goes_from_acceptance_to_risk_elimination_through_the_case_pages_forms(
    system: System,
) -> None:
    """Every workflow step from the case page's own forms, each officer in their role: the
    forms ask for each step's details by name (a choice as a list, the risk rules' facts as
    boxes and a number), and what was entered reads in words in the trail."""
    home = await system.new_household(like=2)  # 诺邓镇天池村
    case = await _case(system, home)
    cases = f"{system.url('casework')}/v1/cases/{case['case_id']}"
    base = system.url("console")

    async def step(page: Page, action: str, **fields: str | bool) -> str:
        """Take `action` from its form; the page's error, if any."""
        await page.goto(f"{base}/cases/{case['case_id']}")
        form = f"#action-{action}"
        for name, value in fields.items():
            target = f"{form} #{action}-{name}"
            kind = await page.eval_on_selector(target, "el => el.tagName + ':' + el.type")
            if value is True:
                await page.check(target)
            elif kind.startswith("SELECT"):
                await page.select_option(target, str(value))
            else:
                await page.fill(target, str(value))
        await page.click(f"{form} button")
        await page.wait_for_selector("#status")
        error = await page.query_selector("#error")
        return await error.inner_text() if error else ""

    async def cut_short(kind: str) -> None:  # the 5 days of a 公示, as a county override would
        answer = await system.http.post(
            f"{cases}/clocks/{kind}/override", json={"reason": "e2e：公示期按规定已满"}
        )
        assert answer.status_code == 200, answer.text

    async with async_playwright() as p:
        browser = await _browser(p)
        cadre, town, county = [await browser.new_page() for _ in range(3)]
        await _login(cadre, base, "cadre-tianchi")
        await _login(town, base, "town-nuodeng")
        await _login(county, base, "county-office")
        assert await step(cadre, "accept") == ""
        assert await step(town, "record_comparison", findings="民政、医保比对属实") == ""
        assert await step(cadre, "record_visit", findings="入户核实，家中有大病病人") == ""
        assert "拟纳入监测" in await cadre.inner_text("#action-village_assessment select")
        assert await step(cadre, "village_assessment", result="propose") == ""
        assert await step(cadre, "start_village_notice") == ""
        await cut_short("village_notice")
        assert await step(cadre, "end_village_notice", objections="公示期间无异议") == ""
        await cut_short("township_notice")
        assert await step(town, "township_approve") == ""
        assert await step(county, "county_include", monitor_type="突发严重困难户") == ""
        assert await step(town, "name_officer", officer="李正华") == ""
        assert await step(cadre, "record_plan", plan="申请临时救助，落实医保倾斜") == ""
        assert await step(cadre, "start_help", measures="临时救助3000元已发放") == ""
        # The township's 帮扶措施台账 (seeds/003 附件2) lists the household with all three.
        await town.goto(f"{base}/reports")
        ledger = await town.inner_text(f"#help-ledger tr:has-text('{case['case_number']}')")
        for words in (
            "突发严重困难户",
            "李正华",
            "申请临时救助，落实医保倾斜",
            "临时救助3000元已发放",
        ):
            assert words in ledger, ledger
        async with town.expect_download() as download:
            await town.click("#export-help-ledger")
        sheet = await _sheet_rows(await download.value)
        assert sheet[0][:3] == ("案件编号", "乡镇", "村")
        (mine,) = [r for r in sheet[1:] if r[0] == case["case_number"]]
        assert mine[4] == home["household_number"] and mine[11] == "帮扶中"
        # 风险消除 (seeds/003 四(三), seeds/000 (九)): the village proposes with the facts as
        # boxes and a number; refused here by the rules (the income typed in words, and it is
        # the month of inclusion), each told in words, the form kept as typed.
        facts: dict[str, str | bool] = {
            "targeted_help_done": True,
            "basic_needs_stable": True,
            "income_stable_6_months": True,
            "rigid_costs_solved": True,
            "village_assessed": True,
            "village_noticed": True,
            "household_consent": True,
        }
        refused = await step(cadre, "propose_risk_elimination", **facts, income_per_head="一万二")
        assert "家庭人均纯收入应为数字" in refused and "纳入监测当月不能标注风险消除" in refused
        assert "未满足" not in refused  # the boxes ticked arrived as true
        assert await cadre.is_checked("#propose_risk_elimination-household_consent")
        assert await cadre.input_value("#propose_risk_elimination-income_per_head") == "一万二"
        # Three months on (the inclusion moved back in the database), it goes through: the
        # village proposes, the township verifies, the county confirms.
        connection = await asyncpg.connect(system.infra.stack.database_url)
        try:
            await connection.execute(
                "UPDATE casework.cases SET included_at = included_at - interval '100 days'"
                " WHERE case_id = $1",
                uuid.UUID(case["case_id"]),
            )
        finally:
            await connection.close()
        proposed = await step(cadre, "propose_risk_elimination", **facts, income_per_head="12,500")
        assert proposed == "" and "待乡镇验收" in await cadre.inner_text("#status")

        async def waiting_for(page: Page) -> bool:
            """Whether the case is on the officer's 待我办理 tab (its village's: the county's
            whole tab may run past a page as other tests open cases)."""
            await page.goto(f"{base}/?village={home['region_code']}")
            await page.click("#tab-mine")
            await page.wait_for_selector("#queue")
            assert "clock=mine" in page.url and home["region_code"] in page.url
            return case["case_number"] in await page.inner_text("#rows")

        assert await waiting_for(town) and not await waiting_for(county)
        # No clock reminds the township: the notifier tells it (case.awaiting).
        notifier = f"{system.url('notifier')}/v1/deliveries"
        async with asyncio.timeout(20):
            while True:
                items = (
                    await system.http.get(notifier, params={"case_id": case["case_id"]})
                ).json()["items"]
                told = [d for d in items if "下一步：乡镇初步验收" in d["message"]]
                if told:
                    break
                await asyncio.sleep(0.2)
        assert {d["officer_id"] for d in told} == {"town-nuodeng"}
        assert await step(town, "township_verify_risk", verification="入户验收，收入稳定") == ""
        assert await waiting_for(county) and not await waiting_for(town)
        async with asyncio.timeout(20):
            while not any(
                "下一步：县级复核确认风险消除" in d["message"]
                and d["officer_id"] == "county-office"
                for d in (
                    await system.http.get(notifier, params={"case_id": case["case_id"]})
                ).json()["items"]
            ):
                await asyncio.sleep(0.2)
        assert await step(county, "county_confirm_risk") == ""
        assert "风险消除" in await county.inner_text("#status")
        # 回头看 finds the income fell again: the village proposes to roll it back (the case is
        # open again while the township and the county decide).
        assert await step(cadre, "propose_rollback", reason_detail="回头看发现务工收入中断") == ""
        assert "待乡镇核定" in await cadre.inner_text("#status")
        assert await waiting_for(town)
        await cadre.goto(f"{base}/cases/{case['case_id']}")
        trail = await cadre.inner_text("#trail")
        await cadre.screenshot(path=str(SHOTS / "case-workflow.png"), full_page=True)
        await browser.close()
    for words in (
        "李正华（cadre-tianchi）：受理",
        "比对或核查情况：民政、医保比对属实",
        "评议结果：拟纳入监测",
        "公示期间的异议及处理情况：公示期间无异议",
        "监测对象类型：突发严重困难户",
        "帮扶责任人：李正华",
        "已落实的帮扶措施：临时救助3000元已发放",
        "已告知农户并取得知情同意：是",
        "家庭人均纯收入（元/年）：12500",
        "段志华（town-nuodeng）：乡镇初步验收；验收情况：入户验收，收入稳定",
        "县级复核确认风险消除",
    ):
        assert words in trail, words
    after = (await system.http.get(cases)).json()
    assert (after["status"], after["is_open"]) == ("rollback_proposed", True)
    async with asyncio.timeout(20):  # the village is asked to announce it and tell the household
        while not any(
            "下一步：在村内公告并将风险消除结果告知农户" in d["message"]
            and d["officer_id"] == "cadre-tianchi"
            for d in (
                await system.http.get(
                    f"{system.url('notifier')}/v1/deliveries", params={"case_id": case["case_id"]}
                )
            ).json()["items"]
        ):
            await asyncio.sleep(0.2)
    assert after["monitor_type"] == "突发严重困难户"
