"""Intake with the five services running on real Kafka and PostgreSQL: a 花名册 import with bad
rows, a re-import that changes nothing, a split household, the self-declaration form in headless
Chromium, and the monthly visit coverage.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from openpyxl import Workbook
from PIL import Image
from shouwang_kit.auth import Officer
from shouwang_kit.idnumber import check_char
from shouwang_proto.topics import HOUSEHOLDS
from shouwang_stack.demo import demo_registry

from tests.e2e.conftest import System, officer_token

pytestmark = pytest.mark.e2e
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_HEADER = ["镇", "村", "户主姓名", "户主证件号码", "家庭人口", "脱贫年度", "返贫风险类型"]
ROSTER_HEADER += ["详细原因", "包抓干部"]


def _id(region: str, birth: str, seq: int) -> str:
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + check_char(first17)


def _broken(id_number: str) -> str:
    """The same ID with a wrong check character."""
    return id_number[:-1] + ("0" if id_number[-1] != "0" else "1")


HEADS = [_id("532929", "19700101", 100 + i) for i in range(5)]


def _roster(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["石泉县返贫风险对象花名册（2026年11月）"])  # a title row above the header
    sheet.append([])
    sheet.append(ROSTER_HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _import(system: System, content: bytes, content_type: str, name: str) -> dict[str, Any]:
    base = system.url("intake")
    answer = await system.http.post(
        f"{base}/v1/registry/imports",
        params={"file_name": name},
        content=content,
        headers={"Content-Type": content_type},
    )
    assert answer.status_code == 202, answer.text
    status_url = base + answer.json()["status_url"]
    async with asyncio.timeout(30):
        while True:
            status = (await system.http.get(status_url)).json()
            if status["state"] != "running":
                return dict(status)
            await asyncio.sleep(0.1)


async def _snapshots_queued(system: System) -> int:
    """How many household snapshots intake has ever queued for the registry topic."""
    connection = await asyncpg.connect(system.infra.database_url)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM intake.outbox WHERE topic = $1", HOUSEHOLDS.name
        )
    finally:
        await connection.close()
    return int(count)


async def test_roster_import_reports_bad_rows_and_a_reimport_changes_nothing(
    system: System,
) -> None:
    rows: list[list[Any]] = [
        ["诺邓镇", "诺邓村", "赵德明", HEADS[0], 4, 2019, "因病", "慢性病支出大", "段志华"],
        ["诺邓镇", "诺邓村", "錢秀英", HEADS[1], "3人", "2018", "因残", "", "段志华"],
        ["诺邓镇", "诺邓村", "孙大伟", _broken(HEADS[2]), 2, 2019, "", "", ""],
        ["诺邓镇", "不存在村", "李小红", HEADS[3], 2, 2019, "", "", ""],
        ["诺邓镇", "诺邓村", "", "", "", "", "", "", ""],
        ["诺邓镇", "诺邓村", "周八", _broken(HEADS[4]), "很多", 1990, "", "", ""],
    ]
    content = _roster(rows)
    first = await _import(system, content, XLSX, "花名册.xlsx")
    assert first["state"] == "done", first
    assert (first["received"], first["rejected"], first["created"]) == (6, 4, 2)
    by_row: dict[int, set[str]] = {}
    for error in first["errors"]:
        by_row.setdefault(error["row_number"], set()).add(error["code"])
        assert error["message"]  # a human message in Chinese for every error
    assert by_row[6] == {"id_number.checksum"}  # row numbers as Excel shows them (header on row 3)
    assert by_row[7] == {"region.unknown"}
    assert "field.required" in by_row[8]
    assert {"id_number.checksum", "field.number"} <= by_row[9]
    # The second household's head came in traditional characters and is stored simplified.
    stored = await _household_of(system, "钱秀英", HEADS[1])
    assert stored["members"][0]["name"] == "钱**" and stored["declared_size"] == 3

    queued = await _snapshots_queued(system)
    again = await _import(system, content, XLSX, "花名册.xlsx")
    assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (
        0,
        0,
        2,
        4,
    )
    assert await _snapshots_queued(system) == queued  # nothing re-sent downstream

    report = await system.http.get(
        f"{system.url('intake')}/v1/registry/imports/{first['import_id']}", params={"format": "csv"}
    )
    assert report.text.lstrip("\ufeff").splitlines()[0] == "行号,字段,错误代码,说明"


async def _household_of(system: System, head_name: str, head_id: str) -> dict[str, Any]:
    connection = await asyncpg.connect(system.infra.database_url)
    try:
        number = await connection.fetchval(
            "SELECT h.household_number FROM intake.households h JOIN intake.members m"
            " USING (household_id) WHERE m.is_head AND m.name = $1",
            head_name,
        )
        leaked = await connection.fetchval(
            "SELECT count(*) FROM intake.members WHERE id_enc LIKE $1", f"%{head_id}%"
        )
    finally:
        await connection.close()
    assert number is not None and leaked == 0  # encrypted at rest, never stored in clear
    answer = await system.http.get(f"{system.url('intake')}/v1/registry/households/{number}")
    return dict(answer.json())


async def test_a_split_household_moves_the_member_without_duplicating_them(system: System) -> None:
    head, son, daughter_in_law = (
        _id("532929", "19550303", 201),
        _id("532929", "19800404", 211),
        _id("532929", "19820505", 222),
    )
    header = "户编号,镇,村,姓名,证件号码,与户主关系,联系电话\n"
    before = header + (
        f"FH-001,诺邓镇,诺邓村,杨老汉,{head},户主,13900000001\n"
        f"FH-001,诺邓镇,诺邓村,杨建国,{son},子女,\n"
        f"FH-001,诺邓镇,诺邓村,何丽,{daughter_in_law},儿媳,\n"
    )
    created = await _import(system, before.encode("gbk"), "text/csv", "成员.csv")
    assert (created["created"], created["rejected"]) == (1, 0), created
    after = header + (
        f"FH-001,诺邓镇,诺邓村,杨老汉,{head},户主,13900000001\n"
        f"FH-002,诺邓镇,诺邓村,杨建国,{son},户主,\n"
        f"FH-002,诺邓镇,诺邓村,何丽,{daughter_in_law},配偶,\n"
    )
    split = await _import(system, after.encode("gbk"), "text/csv", "成员-分户.csv")
    assert split["state"] == "done" and split["rejected"] == 0, split
    old = (await system.http.get(f"{system.url('intake')}/v1/registry/households/FH-001")).json()
    new = (await system.http.get(f"{system.url('intake')}/v1/registry/households/FH-002")).json()
    assert [m["name"] for m in old["members"]] == ["杨**"]
    assert sorted(m["relation"] for m in new["members"]) == ["户主", "配偶"]
    connection = await asyncpg.connect(system.infra.database_url)
    try:
        copies = await connection.fetchval(
            "SELECT count(*) FROM intake.members WHERE name = '杨建国'"
        )
    finally:
        await connection.close()
    assert copies == 1


async def test_self_declaration_in_a_browser_becomes_a_warning_and_a_case(system: System) -> None:
    from playwright.async_api import FilePayload, async_playwright

    intake = system.url("intake")
    village = "532929101001"
    qr = await system.http.get(f"{intake}/v1/villages/{village}/qr.svg")
    assert qr.status_code == 200 and "<svg" in qr.text
    person = {"name": "李玉兰", "id": "532929196803150024"}
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        await page.goto(f"{intake}/declare?village={village}")
        assert "诺邓村" in await page.inner_text("p.lead")
        await page.fill("#name", "李玉蘭")
        await page.fill("#id_number", person["id"])
        await page.fill("#phone", "13987650001")
        await page.select_option("#reason", "major_illness")
        await page.fill("#description", "丈夫住院，自付医疗费较多")
        await page.check("#consent")
        await page.fill("#answer", "0")  # a wrong answer first: the page says so and keeps the form
        await asyncio.sleep(2.1)
        await page.click("#submit")
        assert "验证题答案不正确" in await page.inner_text("#errors")
        assert await page.input_value("#description") == "丈夫住院，自付医疗费较多"
        question = await page.inner_text("label[for=answer]")
        a, b = (int(x) for x in question.split("：")[1].split("=")[0].split("+"))
        await page.fill("#answer", str(a + b))
        await page.check("#consent")
        # A photo from the phone, with the place it was taken (seeds/001: 上传照片).
        image, exif = Image.new("RGB", (3000, 4000), (90, 120, 60)), Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (25.0, 53.0, 10.0), 3: "E", 4: (99.0, 24.0, 5.0)}
        shot = io.BytesIO()
        image.save(shot, format="JPEG", exif=exif)
        photo_file: FilePayload = {
            "name": "房屋.jpg",
            "mimeType": "image/jpeg",
            "buffer": shot.getvalue(),
        }
        await page.set_input_files("#photos", files=[photo_file])
        await asyncio.sleep(2.1)
        await page.click("#submit")
        receipt = await page.inner_text("#receipt-number")
        await browser.close()
    assert receipt.startswith("SB")
    household = (await system.http.get(f"{intake}/v1/registry/households/5329291010010001")).json()
    async with asyncio.timeout(20):
        while True:
            cases = (
                await system.http.get(
                    f"{system.url('casework')}/v1/cases",
                    params={"household_id": household["household_id"], "is_open": "true"},
                )
            ).json()["items"]
            sources = {s["agency_code"] for case in cases for s in case["signals"]}
            if "self_declaration" in sources:
                break
            await asyncio.sleep(0.2)
    # The officers working the case read what was declared, and the photo — upright, smaller,
    # without what the phone wrote into it.
    signal = next(
        s for case in cases for s in case["signals"] if s["agency_code"] == "self_declaration"
    )
    found = await system.http.get(
        f"{intake}/v1/declarations", params={"warning_id": signal["warning_id"]}
    )
    assert found.status_code == 200, found.text
    declared = found.json()
    assert declared["receipt_number"] == receipt and declared["reason"] == "major_illness"
    (photo,) = declared["photos"]
    assert (photo["width"], photo["height"]) == (1536, 2048)
    kept = await system.http.get(f"{intake}{photo['url']}")
    assert kept.headers["content-type"] == "image/jpeg" and b"PhoneMaker" not in kept.content
    assert not Image.open(io.BytesIO(kept.content)).getexif()
    elsewhere = Officer("cadre-jinhe", "字建国", "village_cadre", "532929102004")
    refused = await system.http.get(
        f"{intake}{photo['url']}", headers={"Authorization": f"Bearer {officer_token(elsewhere)}"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "scope.forbidden")

    # In the console, 诺邓村's cadre sees on the case what was declared, with the photo; another
    # village's cadre cannot open the photo through the console either.
    case = next(c for c in cases if signal in c["signals"])
    console = system.url("console")
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        page = await browser.new_page()
        for officer_id in ("cadre-nuodeng", "cadre-jinhe"):
            await page.goto(f"{console}/login")
            await page.fill("#officer_id", officer_id)
            await page.fill("#password", f"demo-{officer_id}")
            await page.click("#submit")
            await page.wait_for_selector("#queue")
            if officer_id == "cadre-nuodeng":
                await page.goto(f"{console}/cases/{case['case_id']}")
                shown = await page.inner_text(f"#declaration-{receipt}")
                assert receipt in shown and "说明：丈夫住院，自付医疗费较多" in shown, shown
                img = page.locator(f"#declaration-{receipt} img")
                await img.scroll_into_view_if_needed()
                await page.wait_for_function(
                    "el => el.complete && el.naturalWidth > 0", arg=await img.element_handle()
                )
                assert await img.evaluate("el => [el.naturalWidth, el.naturalHeight]") == [
                    1536,
                    2048,
                ]
                shots = Path(__file__).resolve().parents[2] / "test-output" / "console"
                shots.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(shots / "case-declaration.png"), full_page=True)
            else:
                answer = await page.goto(f"{console}/declarations/{receipt}/photos/1")
                assert answer is not None and answer.status == 403
                assert "不在您负责的区域" in await page.inner_text("body")
        await browser.close()


async def test_malformed_declarations_get_clear_errors(system: System) -> None:
    intake = system.url("intake")
    page = await system.http.get(f"{intake}/declare", params={"village": "532929101001"})
    token = page.text.split('name="token" value="')[1].split('"')[0]
    answer = await system.http.post(
        f"{intake}/declare",
        data={"token": token, "answer": "x", "name": "\x00", "id_number": "123"},
    )
    assert answer.status_code == 422
    assert 'data-code="challenge.wrong"' in answer.text
    trap = await system.http.post(f"{intake}/declare", data={"website": "http://spam"})
    assert trap.status_code == 422 and "form.rejected" in trap.text


async def test_coverage_shows_who_is_not_yet_visited_and_a_visit_can_raise_a_warning(
    system: System,
) -> None:
    intake = system.url("intake")
    month = date.today().strftime("%Y-%m")
    before = (
        await system.http.get(
            f"{intake}/v1/visits/coverage", params={"region": "532929101000", "month": month}
        )
    ).json()
    village = next(v for v in before["villages"] if v["region_code"] == "532929101001")
    target = village["not_visited"][0]
    visit = await system.http.post(
        f"{intake}/v1/visits",
        json={
            "household_number": target,
            "visit_date": date.today().isoformat(),
            "visitor": "段志华",
            "findings": "户主摔伤，暂无劳动能力",
            "risk_flag": True,
            "warning_reason": "sudden_hardship",
        },
    )
    assert visit.status_code == 201, visit.text
    assert visit.json()["warning_id"]
    after = (
        await system.http.get(
            f"{intake}/v1/visits/coverage", params={"region": "532929101000", "month": month}
        )
    ).json()
    village_after = next(v for v in after["villages"] if v["region_code"] == "532929101001")
    assert village_after["visited"] == village["visited"] + 1
    assert target not in village_after["not_visited"]
    bad = await system.http.post(
        f"{intake}/v1/visits",
        json={"household_number": target, "visit_date": "2999-01-01", "visitor": "x"},
    )
    assert bad.status_code == 422 and bad.json()["code"] == "date.future"
    missing = await system.http.post(
        f"{intake}/v1/visits",
        json={"household_number": "nope", "visit_date": date.today().isoformat(), "visitor": "x"},
    )
    assert missing.status_code == 404 and missing.json()["code"] == "household.not_found"


async def test_only_officers_of_the_region_use_the_registry_and_record_visits(
    system: System,
) -> None:
    """DESIGN §5: officers see and act only inside their region; the registry is the county
    office's; households (the declaration form) need no account."""
    intake = system.url("intake")
    month = system.today().strftime("%Y-%m")
    for method, path in (
        ("GET", "/v1/registry/households/5329291020040005"),
        ("PUT", "/v1/registry/households/5329291020040005"),
        ("POST", "/v1/registry/imports"),
        ("POST", "/v1/registry/republish"),
        ("PUT", "/v1/registry/regions"),
        ("POST", "/v1/visits"),
        ("GET", f"/v1/visits/coverage?region=532929102004&month={month}"),
    ):
        answer = await system.http.request(
            method, f"{intake}{path}", headers={"Authorization": ""}, json={}
        )
        assert answer.status_code in (401, 422), (path, answer.text)
        if answer.status_code == 422:  # the body is checked first: no token is still refused
            answer = await system.http.request(
                method, f"{intake}{path}", headers={"Authorization": ""}
            )
        assert (answer.status_code, answer.json()["code"]) == (401, "auth.required"), path
    for path in ("/declare?village=532929102004", "/v1/registry/regions"):
        assert (await system.http.get(f"{intake}{path}", headers={"Authorization": ""})).is_success

    cadre = Officer("cadre-jinhe", "字建国", "village_cadre", "532929102004")  # 金和村
    as_cadre = {"Authorization": f"Bearer {officer_token(cadre)}"}
    own = await system.http.get(
        f"{intake}/v1/registry/households/5329291020040005", headers=as_cadre
    )
    assert own.status_code == 200 and own.json()["members"][0]["name"].endswith("*")
    other = await system.http.get(
        f"{intake}/v1/registry/households/5329291010020003", headers=as_cadre
    )
    assert (other.status_code, other.json()["code"]) == (403, "scope.forbidden")
    household = next(
        h for h in demo_registry()["households"] if h["household_number"] == "5329291020040005"
    )
    put = await system.http.put(
        f"{intake}/v1/registry/households/5329291020040005", json=household, headers=as_cadre
    )
    assert (put.status_code, put.json()["code"]) == (403, "role.forbidden")

    today = system.today().isoformat()
    elsewhere = await system.http.post(
        f"{intake}/v1/visits",
        json={"household_number": "5329291010020003", "visit_date": today},
        headers=as_cadre,
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "scope.forbidden")
    visit = await system.http.post(
        f"{intake}/v1/visits",
        json={"household_number": "5329291020040005", "visit_date": today, "findings": "正常"},
        headers=as_cadre,
    )
    assert visit.status_code == 201, visit.text
    connection = await asyncpg.connect(system.infra.database_url)
    try:
        row = await connection.fetchrow(
            "SELECT visitor, recorded_by FROM intake.visits WHERE visit_id = $1",
            uuid.UUID(visit.json()["visit_id"]),
        )
    finally:
        await connection.close()
    assert tuple(row) == ("字建国", "cadre-jinhe")  # who went (by default: who recorded it)
    county = await system.http.get(
        f"{intake}/v1/visits/coverage",
        params={"region": "532929000000", "month": month},
        headers=as_cadre,
    )
    assert (county.status_code, county.json()["code"]) == (403, "scope.forbidden")
    village = await system.http.get(
        f"{intake}/v1/visits/coverage",
        params={"region": "532929102004", "month": month},
        headers=as_cadre,
    )
    assert village.status_code == 200
    assert "5329291020040005" not in village.json()["villages"][0]["not_visited"]
