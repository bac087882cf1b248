"""Monthly lists through the running gateway: formats, per-row feedback, resubmission, limits."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from shouwang_stack.demo import DEMO_LIST, demo_registry

from tests.conftest import extra_gateway
from tests.e2e.conftest import CIVIL, System

pytestmark = pytest.mark.e2e

HEADER = ["姓名", "身份证号码", "乡镇", "村", "联系电话", "金额", "发生日期", "预警类型"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _member(household: int, member: int = 0) -> dict[str, Any]:
    return dict(demo_registry()["households"][household]["members"][member])


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    return buffer.getvalue().encode(encoding)


def _row(
    member: dict[str, Any], occurred: str = "2026-10-12", signal: str = "new_dibao"
) -> list[str]:
    return [member["name"], member["id_number"], "", "", "", "", occurred, signal]


async def _report(system: System, batch_id: str, fmt: str = "csv") -> list[dict[str, str]]:
    answer = await system.http.get(
        f"{system.url('agency-gateway')}/v1/batches/{batch_id}/report",
        params={"format": fmt},
        headers=CIVIL,
    )
    assert answer.status_code == 200, answer.text
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(answer.content)).active
        assert sheet is not None
        table = [
            ["" if c is None else str(c) for c in row] for row in sheet.iter_rows(values_only=True)
        ]
    else:
        table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


async def _batch(system: System, batch_id: str, until: str | None = None) -> dict[str, Any]:
    async with asyncio.timeout(20):
        while True:
            answer = await system.http.get(
                f"{system.url('agency-gateway')}/v1/batches/{batch_id}", headers=CIVIL
            )
            assert answer.status_code == 200, answer.text
            summary: dict[str, Any] = answer.json()
            if until is None or summary["counts"]["awaiting_match"] == 0:
                return summary
            await asyncio.sleep(0.2)


async def test_gbk_csv_with_good_and_bad_rows(system: System) -> None:
    rows = [
        _row(_member(4)),  # 字秀英: in the registry
        ["张三", "532929198205120511", "", "", "123", "很多", "2026-13-01", "new_dibao"],
        ["赵六", "11010519491231002X", "", "", "", "", "2026-10-05", "new_dibao"],
        ["王五", "", "", "", "", "", "2026-10-05", "made_up_signal"],
    ]
    answer = await system.post_batch(
        _csv(rows, "gbk"), period="2026-10", filename="十月名单.csv", signal_type="new_dibao"
    )
    assert answer.status_code == 202, answer.text
    summary = await _batch(system, answer.json()["batch_id"], until="settled")
    counts = summary["counts"]
    assert (counts["received"], counts["accepted"], counts["rejected"]) == (4, 2, 2)
    assert counts["not_in_registry"] == 1
    assert counts["matched"] + counts["case_opened"] == 1

    report = await _report(system, summary["batch_id"])
    by_row = {r["行号"]: r for r in report}
    assert by_row["2"]["处理状态"] == "新增" and by_row["2"]["姓名"] == "字**"
    assert set(by_row["3"]["错误代码"].split("；")) == {
        "date.format",
        "number.format",
        "id_number.checksum",
        "phone.format",
    }
    assert by_row["4"]["比对结果"] == "监测库中无此人"
    assert "signal_type.not_allowed" in by_row["5"]["错误代码"]
    assert "532929" not in "".join(by_row["2"]["身份证号码"][6:-1])  # masked in the report


async def test_xlsx_with_chinese_headers_and_its_xlsx_report(system: System) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["姓名", "公民身份号码", "发生日期", "自付金额", "备注"])
    member = _member(5)
    sheet.append([member["name"], member["id_number"], "2026-10-20", 23500.5, "住院"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = await system.post_batch(
        buffer.getvalue(),
        period="2026-10",
        content_type=XLSX,
        signal_type="high_out_of_pocket",
        headers={"X-Api-Key": "demo-medical-insurance-key"},
    )
    assert answer.status_code == 202, answer.text
    assert answer.json()["counts"]["new"] == 1
    report_answer = await system.http.get(
        f"{system.url('agency-gateway')}{answer.json()['report']['xlsx']}",
        headers={"X-Api-Key": "demo-medical-insurance-key"},
    )
    assert report_answer.headers["content-type"].startswith(XLSX)
    rows = list(load_workbook(io.BytesIO(report_answer.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:3] == ("行号", "处理状态", "预警类型")
    assert rows[1][1] == "新增"


async def test_a_corrected_list_sends_only_what_changed_and_reports_what_was_removed(
    system: System,
) -> None:
    a, b, c, d = _member(0, 2), _member(2, 1), _member(2, 2), _member(3, 1)
    first = await system.post_batch(
        _csv([_row(a), _row(b), _row(c)]), period="2026-09", signal_type="new_dibao"
    )
    assert first.json()["counts"]["new"] == 3
    second = await system.post_batch(
        _csv([_row(a), _row(b, occurred="2026-09-28"), _row(d)]), period="2026-09"
    )
    counts = second.json()["counts"]
    assert {k: counts[k] for k in ("new", "changed", "unchanged", "removed", "rejected")} == {
        "new": 1,
        "changed": 1,
        "unchanged": 1,
        "removed": 1,
        "rejected": 0,
    }
    before = {r["行号"]: r for r in await _report(system, first.json()["batch_id"])}
    after = await _report(system, second.json()["batch_id"])
    statuses = sorted(r["处理状态"] for r in after)
    assert statuses == sorted(["未变化（不重复推送）", "已更正", "新增", "本次名单已删除"])
    unchanged = next(r for r in after if r["处理状态"].startswith("未变化"))
    changed = next(r for r in after if r["处理状态"] == "已更正")
    assert unchanged["预警编号"] == before["2"]["预警编号"]  # the same warning, not sent again
    assert changed["预警编号"] != before["3"]["预警编号"]  # a new warning went downstream
    removed = next(r for r in after if r["处理状态"] == "本次名单已删除")
    assert removed["行号"] == "" and removed["姓名"].startswith(c["name"][0])

    third = await system.post_batch(
        _csv([_row(a), _row(b, occurred="2026-09-28"), _row(d)]), period="2026-09"
    )
    assert third.json()["counts"]["unchanged"] == 3  # the same list again sends nothing


async def test_same_row_twice_in_one_list_is_reported_as_a_duplicate(system: System) -> None:
    member = _member(1)
    answer = await system.post_batch(_csv([_row(member), _row(member)]), period="2026-08")
    assert answer.json()["counts"]["rejected"] == 1
    report = await _report(system, answer.json()["batch_id"])
    assert report[1]["错误代码"] == "row.duplicate"


async def test_json_lists_and_idempotent_uploads(system: System) -> None:
    member = _member(0)
    row = {
        "姓名": member["name"],
        "身份证号码": member["id_number"],
        "发生日期": "2026-07-01",
        "预警类型": "new_dibao",
    }
    body = json.dumps([row], ensure_ascii=False).encode()
    key = {"Idempotency-Key": str(uuid.uuid4()), **CIVIL}
    first = await system.post_batch(
        body, period="2026-07", content_type="application/json", headers=key
    )
    again = await system.post_batch(
        body, period="2026-07", content_type="application/json", headers=key
    )
    assert first.status_code == again.status_code == 202
    assert first.json()["batch_id"] == again.json()["batch_id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    other = await system.post_batch(
        body + b" ", period="2026-07", content_type="application/json", headers=key
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency.conflict")


async def test_agencies_see_only_their_own_batches(system: System) -> None:
    answer = await system.post_batch(_csv([_row(_member(1))]), period="2026-06")
    other = await system.http.get(
        f"{system.url('agency-gateway')}/v1/batches/{answer.json()['batch_id']}",
        headers={"X-Api-Key": "demo-water-key"},
    )
    assert (other.status_code, other.json()["code"]) == (404, "batch.not_found")


@pytest.mark.parametrize(
    ("params", "content_type", "status", "code"),
    [
        ({"period": "2026/10"}, "text/csv", 422, "period.format"),
        ({"period": "2099-01"}, "text/csv", 422, "period.future"),
        ({"period": "2026-10"}, "application/pdf", 415, "file.format"),
        (
            {"period": "2026-10", "filename": "名单\x00.csv"},
            "text/csv",
            422,
            "request.nul_character",
        ),
    ],
)
async def test_bad_uploads_get_clear_errors(
    system: System, params: dict[str, str], content_type: str, status: int, code: str
) -> None:
    answer = await system.http.post(
        f"{system.url('agency-gateway')}/v1/batches",
        params=params,
        content=_csv([]),
        headers={"Content-Type": content_type, **CIVIL},
    )
    assert (answer.status_code, answer.json()["code"]) == (status, code)


@pytest.fixture(scope="module")
async def strict_gateway(system: System) -> AsyncIterator[str]:
    """A second gateway instance (same database and broker) with small limits."""
    async with extra_gateway(
        system.infra,
        "strict-gateway",
        GATEWAY_MAX_BODY_BYTES="2000",
        GATEWAY_MAX_JSON_BYTES="1000",
        GATEWAY_MAX_ROWS="3",
        GATEWAY_RATE_LIMIT_PER_MINUTE="4",
    ) as url:
        yield url


async def test_limits_answer_413_and_429(system: System, strict_gateway: str) -> None:
    big = _csv([_row(_member(0))] * 60)
    too_large = await system.post_batch(big, period="2026-05", base=strict_gateway)
    assert (too_large.status_code, too_large.json()["code"]) == (413, "file.too_large")
    rows = [_row(_member(h)) for h in range(4)]
    too_many = await system.post_batch(_csv(rows), period="2026-05", base=strict_gateway)
    assert (too_many.status_code, too_many.json()["code"]) == (413, "file.too_many_rows")
    member = _member(0)
    big_warning = await system.http.post(
        f"{strict_gateway}/v1/warnings",
        json={
            "signal_type": "new_dibao",
            "occurred_on": "2026-05-01",
            "person": {"name": member["name"], "id_number": member["id_number"]},
            "details": {"note": "很长的说明" * 200},
        },
        headers=CIVIL,
    )
    assert (big_warning.status_code, big_warning.json()["code"]) == (413, "request.too_large")
    statuses = []
    for _ in range(3):
        answer = await system.http.get(f"{strict_gateway}/v1/catalogue")
        statuses.append(answer.status_code)
        limited = await system.http.get(f"{strict_gateway}/v1/batches", headers=CIVIL)
        statuses.append(limited.status_code)
    assert statuses[-1] == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["code"] == "rate.limited"


async def _keys(env: dict[str, str], *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "agency_gateway.keys",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_keys_are_issued_revoked_and_never_stored_in_clear(system: System) -> None:
    env = {**os.environ, **system.infra.stack.service_env()}
    created = await _keys(env, "create", "--agency", "water", "--label", "e2e")
    key_id = created.split("key id:")[1].split()[0]
    key = created.split("key:")[1].split()[0]
    url = f"{system.url('agency-gateway')}/v1/batches"
    async with asyncio.timeout(15):
        while (await system.http.get(url, headers={"X-Api-Key": key})).status_code != 200:
            await asyncio.sleep(0.5)
    listing = await _keys(env, "list")
    assert key_id in listing and key not in listing
    await _keys(env, "revoke", key_id)
    async with asyncio.timeout(15):
        while (await system.http.get(url, headers={"X-Api-Key": key})).status_code != 401:
            await asyncio.sleep(0.5)
    assert (await system.http.get(url, headers={"X-Api-Key": "demo-water-key"})).status_code == 200


async def test_the_demo_list_printed_by_make_run_uploads_as_documented(system: System) -> None:
    answer = await system.post_batch(DEMO_LIST.read_bytes(), period="2026-10")
    assert answer.status_code == 202, answer.text
    counts = answer.json()["counts"]
    assert (counts["received"], counts["accepted"], counts["rejected"]) == (4, 3, 1)
    report = {r["行号"]: r for r in await _report(system, answer.json()["batch_id"])}
    assert report["4"]["姓名"] == "赵*"  # written 趙六 in the file: normalised to simplified
    assert "phone.format" in report["5"]["错误代码"]


async def test_every_way_matching_ends_reaches_the_agencys_report(system: System) -> None:
    """Nobody found by name (no ID), and a contradicting name queued for county staff, then
    rejected by them: the report says 监测库中无此人 for both, 待人工比对 in between. (Any
    unmatched reason but `not_in_registry` used to fail the gateway's feedback consumer, and
    a queued review was never reported.)"""
    doubtful = _member(3)
    rows = [
        ["姓名", "身份证号码", "出生日期", "发生日期", "预警类型"],
        ["王不在", "", "1971-04-05", "2026-09-12", "new_dibao"],  # no ID: by name and birth
        ["另一个人", doubtful["id_number"], "", "2026-09-12", "new_dibao"],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    answer = await system.post_batch(
        buffer.getvalue().encode(), period="2026-09", signal_type="new_dibao"
    )
    assert answer.status_code == 202, answer.text
    batch_id = answer.json()["batch_id"]
    summary = await _batch(system, batch_id, until="settled")
    by_row = {r["行号"]: r for r in await _report(system, batch_id)}
    assert (summary["counts"]["not_in_registry"], summary["counts"]["needs_review"]) == (1, 1)
    assert by_row["2"]["比对结果"] == "监测库中无此人"
    assert by_row["3"]["比对结果"] == "待人工比对"
    rejected = await system.http.post(
        f"{system.url('matching')}/v1/reviews/{by_row['3']['预警编号']}/reject",
        json={"reason": "身份证号码录入错误，非本县人员"},
    )
    assert rejected.status_code == 200, rejected.text
    async with asyncio.timeout(20):
        while (await _batch(system, batch_id))["counts"]["not_in_registry"] != 2:
            await asyncio.sleep(0.2)
    by_row = {r["行号"]: r for r in await _report(system, batch_id)}
    assert by_row["3"]["比对结果"] == "监测库中无此人"
    assert by_row["3"]["结果说明"] == "人工核对认定不是库内人员：身份证号码录入错误，非本县人员"
    assert "未提供身份证号码" in by_row["2"]["结果说明"]


async def test_the_countys_decision_on_the_case_reaches_the_agencys_report(
    system: System,
) -> None:
    """不予纳入 on the household's case: the agency's row says 核查排除 and the batch counts it
    dismissed (casework's `case.decided`; the gateway used to stop at 已立案)."""
    person = _member(4)  # 字秀英, alone in her household
    answer = await system.post_batch(
        _csv([_row(person, occurred="2026-04-03")]), period="2026-04", signal_type="new_dibao"
    )
    assert answer.status_code == 202, answer.text
    batch_id = answer.json()["batch_id"]
    async with asyncio.timeout(20):
        while (await _batch(system, batch_id))["counts"]["case_opened"] != 1:
            await asyncio.sleep(0.2)
    (row,) = await _report(system, batch_id)
    cases = f"{system.url('casework')}/v1/cases"
    case = (await system.http.get(f"{cases}/{row['案件编号']}")).json()
    base = f"{cases}/{case['case_id']}/actions"
    if case["status"] == "awaiting_acceptance":
        await system.http.post(f"{base}/accept", json={"reason": "e2e"})
    dismissed = await system.http.post(
        f"{base}/county_dismiss",
        json={"reason": "e2e", "details": {"explanation": "经核查家庭收入稳定，不予纳入"}},
    )
    assert dismissed.status_code == 200, dismissed.text
    async with asyncio.timeout(20):
        while (await _batch(system, batch_id))["counts"]["dismissed"] != 1:
            await asyncio.sleep(0.2)
    (row,) = await _report(system, batch_id)
    assert (row["比对结果"], row["案件编号"]) == ("核查排除", case["case_number"])
    # ... and the village cadre and the township are told (the notifier's `case_decided`).
    async with asyncio.timeout(20):
        while True:
            answer = await system.http.get(
                f"{system.url('notifier')}/v1/deliveries", params={"case_id": case["case_id"]}
            )
            told = [d for d in answer.json()["items"] if "县级审批不予纳入" in d["message"]]
            if told:
                break
            await asyncio.sleep(0.2)
    assert {d["officer_id"] for d in told} >= {"cadre-jinhe", "town-gongguoqiao"}


async def test_an_inclusion_confirms_the_warnings_and_later_ones_about_the_household(
    system: System,
) -> None:
    """The whole way to 纳入监测 (the 公示 cut short by the county's override): the agency's
    rows say 核实纳入监测 with the type, a later list's row about the same household too, and
    the township is told what is due by when."""
    from shouwang_kit.auth import Officer, Role

    from tests.e2e.conftest import officer_token

    def auth(officer_id: str, role: Role, region: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {officer_token(Officer(officer_id, 'e2e', role, region))}"
        }

    cadre = auth("cadre-jinhe", "village_cadre", "532929102004")
    township = auth("town-gongguoqiao", "township_officer", "532929102000")
    cases = f"{system.url('casework')}/v1/cases"
    registry = await system.http.get(
        f"{system.url('intake')}/v1/registry/households/5329291020040006"
    )
    household_id = registry.json()["household_id"]
    earlier = await system.http.get(cases, params={"household_id": household_id, "is_open": 1})
    for case in earlier.json()["items"]:  # this household's own case from this list
        if case["status"] == "awaiting_acceptance":
            await system.http.post(f"{cases}/{case['case_id']}/accept", json={"reason": "e2e"})
        await system.http.post(
            f"{cases}/{case['case_id']}/actions/county_dismiss",
            json={"reason": "e2e", "details": {"explanation": "另案"}},
        )
    head, other = _member(5, 0), _member(5, 1)
    first = await system.post_batch(
        _csv([_row(head, occurred="2026-03-03")]), period="2026-03", signal_type="new_dibao"
    )
    batch_id = first.json()["batch_id"]
    async with asyncio.timeout(20):
        while (await _batch(system, batch_id))["counts"]["case_opened"] != 1:
            await asyncio.sleep(0.2)
    (row,) = await _report(system, batch_id)
    case_id = (await system.http.get(f"{cases}/{row['案件编号']}")).json()["case_id"]

    async def act(action: str, who: dict[str, str] | None = None, **details: str) -> Any:
        answer = await system.http.post(
            f"{cases}/{case_id}/actions/{action}",
            json={"reason": action, "details": details},
            headers=who or {},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def cut_short(kind: str) -> None:
        answer = await system.http.post(
            f"{cases}/{case_id}/clocks/{kind}/override", json={"reason": "e2e：公示期按规定已满"}
        )
        assert answer.status_code == 200, answer.text

    await act("accept")
    await act("record_comparison", findings="民政、医保比对属实")
    await act("record_visit", township, findings="入户核实")
    await act("village_assessment", cadre, result="propose")
    await act("start_village_notice", cadre)
    await cut_short("village_notice")
    await act("end_village_notice", cadre, objections="无异议")
    await cut_short("township_notice")
    await act("township_approve", township)
    included = await act("county_include", monitor_type="突发严重困难户")
    assert sorted(c["kind"] for c in included["clocks_started"]) == ["help", "officer", "plan"]

    # 新增监测对象名单 (seeds/004: pushed to the agencies every month for their own help): this
    # month's list has the household with its members' ID numbers, read from the registry.
    monitored = f"{system.url('agency-gateway')}/v1/monitored-households"
    month = system.today().strftime("%Y-%m")
    headers = {"X-Api-Key": "demo-medical-insurance-key"}  # any agency, not only the sender's
    async with asyncio.timeout(20):
        while True:
            listed = await system.http.get(monitored, params={"period": month}, headers=headers)
            assert listed.status_code == 200, listed.text
            mine = [i for i in listed.json()["items"] if i["case_number"] == row["案件编号"]]
            if mine:
                break
            await asyncio.sleep(0.2)
    (item,) = mine
    assert (item["household_number"], item["monitor_type"]) == (
        "5329291020040006",
        "突发严重困难户",
    )
    assert item["included_on"] == system.today().isoformat()
    registered = demo_registry()["households"][5]["members"]
    assert {(m["name"], m["id_number"]) for m in item["members"]} == {
        (m["name"], m["id_number"]) for m in registered
    }
    sheet = await system.http.get(
        monitored, params={"period": month, "format": "xlsx"}, headers=headers
    )
    rows = list(load_workbook(io.BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("户编号", "乡镇", "村")
    assert {r[8] for r in rows[1:] if r[5] == row["案件编号"]} == {
        m["id_number"] for m in registered
    }
    for params, answer_headers, status, code in (
        ({"period": month}, {"Authorization": ""}, 401, "auth.missing_key"),
        ({"period": "2026-13"}, headers, 422, "request.invalid"),
    ):
        answer = await system.http.get(monitored, params=params, headers=answer_headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    async with asyncio.timeout(20):
        while (await _batch(system, batch_id))["counts"]["confirmed"] != 1:
            await asyncio.sleep(0.2)
    (row,) = await _report(system, batch_id)
    assert (row["比对结果"], row["结果说明"]) == ("核实纳入监测", "纳入监测：突发严重困难户")
    later = await system.post_batch(
        _csv([_row(other, occurred="2026-02-14")]), period="2026-02", signal_type="new_dibao"
    )
    later_id = later.json()["batch_id"]
    async with asyncio.timeout(20):
        while (await _batch(system, later_id))["counts"]["confirmed"] != 1:
            await asyncio.sleep(0.2)
    (row,) = await _report(system, later_id)
    assert (row["比对结果"], row["结果说明"]) == ("核实纳入监测", "该户已纳入监测")
    async with asyncio.timeout(20):
        while True:
            answer = await system.http.get(
                f"{system.url('notifier')}/v1/deliveries", params={"case_id": case_id}
            )
            told = [m["message"] for m in answer.json()["items"] if "纳入监测（" in m["message"]]
            if told:
                break
            await asyncio.sleep(0.2)
    assert "前明确帮扶责任人" in told[0] and "前落实帮扶" in told[0]


async def test_the_demos_monitored_household_is_set_up_once_and_listed(system: System) -> None:
    """What `make run` does after loading the registry: a household of 金和村 taken through the
    workflow, so the agencies' monitored list and the 帮扶措施台账 show it; a second run adds
    nothing."""
    from shouwang_stack.demo import seed_monitored_case

    home = await system.new_household(like=4)  # 金和村, as the demo's
    gateway, casework = system.url("agency-gateway"), system.url("casework")
    number = await seed_monitored_case(gateway, casework, household=home)
    assert number is not None
    assert await seed_monitored_case(gateway, casework, household=home) is None
    (case,) = (
        await system.http.get(f"{casework}/v1/cases", params={"household_id": home["household_id"]})
    ).json()["items"]
    assert (case["case_number"], case["status"]) == (number, "helping")
    ledger = (await system.http.get(f"{casework}/v1/reports/help-ledger")).json()["rows"]
    assert [r[7] for r in ledger if r[0] == number] == ["字建国"]
    month = system.today().strftime("%Y-%m")
    async with asyncio.timeout(20):
        while True:
            listed = await system.http.get(
                f"{gateway}/v1/monitored-households",
                params={"period": month},
                headers={"X-Api-Key": "demo-water-key"},
            )
            if any(i["case_number"] == number for i in listed.json()["items"]):
                break
            await asyncio.sleep(0.2)
