"""The thin path with the five services running as processes on real Kafka and PostgreSQL:
an agency posts a warning → matching joins it by ID → casework opens a case with its
acceptance clock → notifier alerts the township group through the WeChat Work robot.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from shouwang_kit.auth import Officer
from shouwang_stack.demo import demo_registry
from shouwang_stack.kafka import records_so_far
from shouwang_stack.services import SERVICES

from tests.e2e.conftest import CIVIL, MEDICAL, System, officer_token

pytestmark = pytest.mark.e2e


def _member(household: int, member: int = 0) -> dict[str, Any]:
    return dict(demo_registry()["households"][household]["members"][member])


async def _new_dibao(
    system: System, person: dict[str, Any], occurred_on: str, **more: Any
) -> httpx.Response:
    """A civil-affairs 新增低保 warning about a registered person (by name and ID)."""
    return await system.post_warning(
        {
            "signal_type": "new_dibao",
            "occurred_on": occurred_on,
            "person": {"name": person["name"], "id_number": person["id_number"]},
            **more,
        }
    )


async def _household_id(system: System, index: int) -> str:
    number = demo_registry()["households"][index]["household_number"]
    answer = await system.http.get(f"{system.url('intake')}/v1/registry/households/{number}")
    return str(answer.json()["household_id"])


async def test_every_service_reports_health_and_readiness(system: System) -> None:
    for definition in SERVICES:
        base = system.url(definition.name)
        assert (await system.http.get(f"{base}/healthz")).json()["status"] == "ok"
        ready = await system.http.get(f"{base}/readyz")
        assert ready.status_code == 200, ready.text
        expected = (
            {"casework": True}
            if definition.name == "console"
            else {"database": True, "kafka": True}
        )
        assert ready.json()["checks"] == expected


async def test_a_warning_becomes_a_case_and_a_robot_message(system: System) -> None:
    person = _member(0)
    answer = await _new_dibao(system, person, "2026-11-20", source_record_id="MZ-E2E-1")
    assert answer.status_code == 202, answer.text
    warning_id = answer.json()["warning_id"]

    case = await system.case_for(await _household_id(system, 0), warning_id)
    assert case["status"] == "awaiting_acceptance"
    # (a cadre's screening visit in an earlier test may have opened it, with a visit clock)
    clock = next(c for c in case["clocks"] if c["kind"] == "accept")
    assert (clock["kind"], clock["state"], clock["rule"]) == (
        "accept",
        "running",
        "same_working_day",
    )
    assert case["actions"][0]["action"] == "opened"

    by_number = await system.http.get(f"{system.url('casework')}/v1/cases/{case['case_number']}")
    assert by_number.json()["case_id"] == case["case_id"]

    async with asyncio.timeout(20):
        while not any(case["case_number"] in str(m) for m in system.robot.received):
            await asyncio.sleep(0.1)
    message = next(m for m in system.robot.received if case["case_number"] in str(m))
    text = message["markdown"]["content"]
    assert f"诺邓镇诺邓村 {case['masked_name']}户" in text and "受理" in text
    assert person["name"] not in text and person["id_number"] not in text

    # The notifier records the delivery once the robot has answered: just after the message
    # arrived here.
    async with asyncio.timeout(10):
        while True:
            deliveries = await system.http.get(
                f"{system.url('notifier')}/v1/deliveries", params={"case_id": case["case_id"]}
            )
            robot = [d for d in deliveries.json()["items"] if d["channel"] == "wecom_robot"]
            if robot and robot[0]["status"] not in ("pending", "sending"):
                break
            await asyncio.sleep(0.1)
    (delivery,) = robot
    assert (delivery["status"], delivery["channel"]) == ("sent", "wecom_robot")

    # Who may read it: officers of 诺邓村's region, not another village's; operators' calls are
    # the county office's; nobody without a token.
    notifier = system.url("notifier")
    params = {"case_id": case["case_id"]}

    def as_officer(officer: Officer) -> dict[str, str]:
        return {"Authorization": f"Bearer {officer_token(officer)}"}

    nuodeng = as_officer(Officer("cadre-nuodeng", "杨春梅", "village_cadre", "532929101001"))
    tianchi = as_officer(Officer("cadre-tianchi", "李正华", "village_cadre", "532929101002"))
    own = await system.http.get(f"{notifier}/v1/deliveries", params=params, headers=nuodeng)
    assert delivery["delivery_key"] in {d["delivery_key"] for d in own.json()["items"]}
    other = await system.http.get(f"{notifier}/v1/deliveries", params=params, headers=tianchi)
    assert other.status_code == 200 and other.json()["items"] == []
    nobody = await system.http.get(f"{notifier}/v1/deliveries", headers={"Authorization": ""})
    assert (nobody.status_code, nobody.json()["code"]) == (401, "auth.required")
    for answer in (
        await system.http.get(f"{notifier}/v1/dead-letters", headers=nuodeng),
        await system.http.post(
            f"{notifier}/v1/deliveries/{delivery['delivery_key']}/replay", headers=nuodeng
        ),
    ):
        assert (answer.status_code, answer.json()["code"]) == (403, "role.forbidden")

    # Matching's decision: the same officers of 诺邓村 may read it, another village's may not.
    decision = f"{system.url('matching')}/v1/decisions/{warning_id}"
    mine = await system.http.get(decision, headers=nuodeng)
    assert (mine.status_code, mine.json()["outcome"]) == (200, "matched")
    assert mine.json()["household_id"] == case["household_id"]
    refused = await system.http.get(decision, headers=tianchi)
    assert (refused.status_code, refused.json()["code"]) == (403, "scope.forbidden")
    nobody = await system.http.get(decision, headers={"Authorization": ""})
    assert (nobody.status_code, nobody.json()["code"]) == (401, "auth.required")


async def test_more_warnings_for_the_household_join_its_open_case(system: System) -> None:
    person = _member(1)
    household_id = await _household_id(system, 1)
    first = await _new_dibao(system, person, "2026-11-01")
    spouse = _member(1, 1)
    second = await system.post_warning(
        {
            "signal_type": "high_out_of_pocket",
            "occurred_on": "2026-11-02",
            "person": {"name": spouse["name"], "id_number": spouse["id_number"]},
            "details": {"amount": 23000},
        },
        MEDICAL,
    )
    assert first.status_code == second.status_code == 202
    case = await system.case_for(
        household_id, first.json()["warning_id"], second.json()["warning_id"]
    )
    assert {s["agency_code"] for s in case["signals"]} == {"civil_affairs", "medical_insurance"}
    cases = await system.http.get(
        f"{system.url('casework')}/v1/cases", params={"household_id": household_id}
    )
    assert cases.json()["count"] == 1


async def test_idempotency_key_replays_and_conflicts(system: System) -> None:
    person = _member(2)
    body = {
        "signal_type": "temporary_assistance",
        "occurred_on": "2026-11-10",
        "person": {"name": person["name"], "id_number": person["id_number"]},
    }
    key = {"Idempotency-Key": f"e2e-{uuid.uuid4()}", **CIVIL}
    first = await system.post_warning(body, key)
    again = await system.post_warning(body, key)
    assert first.status_code == again.status_code == 202
    assert first.json()["warning_id"] == again.json()["warning_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = await system.post_warning({**body, "occurred_on": "2026-11-11"}, key)
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency.conflict"

    case = await system.case_for(await _household_id(system, 2), first.json()["warning_id"])
    await asyncio.sleep(1)
    case = await system.case_for(await _household_id(system, 2))
    attached = [s["warning_id"] for s in case["signals"]]
    assert attached.count(first.json()["warning_id"]) == 1


async def test_someone_not_in_the_registry_is_reported_not_dropped(system: System) -> None:
    answer = await system.post_warning(
        {
            "signal_type": "new_dibao",
            "occurred_on": "2026-11-20",
            "person": {"name": "赵六", "id_number": "11010519491231002X"},
        }
    )
    warning_id = answer.json()["warning_id"]
    async with asyncio.timeout(20):
        while (
            decision := await system.http.get(f"{system.url('matching')}/v1/decisions/{warning_id}")
        ).status_code == 404:
            await asyncio.sleep(0.1)
    assert decision.json()["outcome"] == "unmatched"
    assert decision.json()["reason_code"] == "not_in_registry"
    # No household, so no region to read it by: the county office's (above), not a cadre's.
    cadre = Officer("cadre-nuodeng", "杨春梅", "village_cadre", "532929101001")
    cadre_auth = {"Authorization": f"Bearer {officer_token(cadre)}"}
    refused = await system.http.get(decision.url, headers=cadre_auth)
    assert (refused.status_code, refused.json()["code"]) == (403, "scope.forbidden")


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, {}, 401, "auth.missing_key"),
        ({"X-Api-Key": "wrong"}, {}, 401, "auth.invalid_key"),
        (
            CIVIL,
            {
                "signal_type": "dangerous_house",
                "occurred_on": "2026-11-01",
                "person": {"name": "李玉兰", "id_number": "532929196803150024"},
                "details": {"house_grade": "D"},
            },
            403,
            "signal_type.not_allowed",
        ),
        (
            CIVIL,
            {
                "signal_type": "new_dibao",
                "occurred_on": "2026-11-01",
                "person": {"name": "李玉兰", "id_number": "532929196803150021"},
            },
            422,
            "warning.invalid",
        ),
        (CIVIL, {"signal_type": "new_dibao"}, 422, "request.invalid"),
        (
            CIVIL,
            {
                "signal_type": "new_dibao",
                "occurred_on": "2026-11-01",
                "person": {"name": "李\u0000玉兰", "id_number": "532929196803150024"},
            },
            422,
            "request.nul_character",
        ),
    ],
)
async def test_bad_requests_get_clear_errors(
    system: System, headers: dict[str, str], body: dict[str, Any], status: int, code: str
) -> None:
    answer = await system.http.post(
        f"{system.url('agency-gateway')}/v1/warnings", json=body, headers=headers
    )
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code
    assert answer.json()["message"]


async def test_reloading_the_same_registry_changes_nothing(system: System) -> None:
    household = demo_registry()["households"][3]
    answer = await system.http.put(
        f"{system.url('intake')}/v1/registry/households/{household['household_number']}",
        json=household,
    )
    assert answer.json()["outcome"] == "unchanged"


async def test_a_township_officer_sees_only_their_township(system: System) -> None:
    from shouwang_kit.auth import Officer

    from tests.e2e.conftest import officer_token

    person = _member(3)  # 功果桥镇
    answer = await _new_dibao(system, person, "2026-11-20")
    case = await system.case_for(await _household_id(system, 3), answer.json()["warning_id"])
    casework = system.url("casework")
    nuodeng = Officer("t-1", "诺邓镇 干部", "township_officer", "532929101000")
    gongguoqiao = Officer("t-2", "功果桥镇 干部", "township_officer", "532929102000")
    other = {"Authorization": f"Bearer {officer_token(nuodeng)}"}
    own = {"Authorization": f"Bearer {officer_token(gongguoqiao)}"}
    refused = await system.http.get(f"{casework}/v1/cases/{case['case_id']}", headers=other)
    assert refused.status_code == 403 and refused.json()["code"] == "scope.forbidden"
    listed = (await system.http.get(f"{casework}/v1/cases", headers=other)).json()["items"]
    assert all(c["region_code"].startswith("532929101") for c in listed)
    assert case["case_id"] not in {c["case_id"] for c in listed}
    mine = await system.http.get(f"{casework}/v1/cases/{case['case_id']}", headers=own)
    assert mine.status_code == 200
    anonymous = await system.http.get(
        f"{casework}/v1/cases", headers={"Authorization": "Bearer forged.token.here"}
    )
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "auth.invalid"


async def _messages(system: System, topic: str, warning_id: str) -> list[tuple[bytes, bytes]]:
    """(key, value) of every record on `topic` whose payload is about this warning."""
    return [
        (r.key, r.value)
        for r in await records_so_far(system.infra.bootstrap_servers, topic)
        if r.key is not None and r.value is not None and warning_id.encode() in r.value
    ]


async def test_a_redelivered_warning_is_decided_and_attached_once(system: System) -> None:
    """Matching and casework make repeats no-ops on their own keys (no inbox rows): the same
    message delivered again, and the same warning under a new message id, change nothing.
    Matching publishes the outcome of each copy again (its outcomes go out after its commit,
    and a redelivery is how a crash in between is mended), under the one message id, so that
    consumers downstream take the copies as repeats."""
    from shouwang_kit.messaging import make_producer
    from shouwang_proto import decode, encode
    from shouwang_proto.topics import MATCHING_OUTCOMES, WARNINGS

    person = _member(3, 1)
    first = await _new_dibao(system, person, "2026-11-21", source_record_id="MZ-E2E-REDELIVERED")
    assert first.status_code == 202, first.text
    warning_id = first.json()["warning_id"]
    household = await _household_id(system, 3)
    await system.case_for(household, warning_id)

    ((key, value),) = await _messages(system, WARNINGS.name, warning_id)
    renamed = decode(value).model_copy(update={"id": uuid.uuid4()})
    producer = make_producer(system.infra.bootstrap_servers)
    await producer.start()
    try:
        for again in (value, value, encode(renamed)):
            await producer.send_and_wait(WARNINGS.name, again, key=key)
    finally:
        await producer.stop()
    # A later warning for the same person (same key, so after the repeats in order).
    later = await _new_dibao(system, person, "2026-11-22", source_record_id="MZ-E2E-REDELIVERED-2")
    assert later.status_code == 202, later.text
    case = await system.case_for(household, warning_id, later.json()["warning_id"])

    assert [s["warning_id"] for s in case["signals"]].count(warning_id) == 1
    outcomes = [decode(v) for _k, v in await _messages(system, MATCHING_OUTCOMES.name, warning_id)]
    assert [e.type for e in outcomes] == ["warning.matched"] * 4  # the first and three copies
    assert len({e.id for e in outcomes}) == 1
