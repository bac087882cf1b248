"""Matching with the services running: the review queue, household signals and eligibility flags."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from shouwang_kit.auth import Officer
from shouwang_kit.idnumber import check_char
from shouwang_kit.messaging import make_producer
from shouwang_proto import Envelope, encode
from shouwang_proto.events import ComparisonAnsweredV1, ComparisonFindingV1
from shouwang_proto.topics import COMPARISONS
from shouwang_stack.demo import demo_registry

from tests.e2e.conftest import CIVIL, COUNTY, MEDICAL, System, officer_token

pytestmark = pytest.mark.e2e


def _household(index: int) -> dict[str, Any]:
    return dict(demo_registry()["households"][index])


async def _household_id(system: System, index: int) -> str:
    number = _household(index)["household_number"]
    answer = await system.http.get(f"{system.url('intake')}/v1/registry/households/{number}")
    return str(answer.json()["household_id"])


async def _decision(system: System, warning_id: str) -> dict[str, Any]:
    async with asyncio.timeout(20):
        while True:
            answer = await system.http.get(f"{system.url('matching')}/v1/decisions/{warning_id}")
            if answer.status_code == 200:
                return dict(answer.json())
            await asyncio.sleep(0.1)


async def _warn(system: System, body: dict[str, Any], headers: dict[str, str]) -> str:
    answer = await system.post_warning(body, headers=headers)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["warning_id"])


async def _queued_for_review(system: System, name: str, id_number: str) -> str:
    """A civil-affairs warning naming a registered ID under another name: queued for review."""
    warning_id = await _warn(
        system,
        {
            "signal_type": "new_dibao",
            "occurred_on": "2026-11-19",
            "person": {"name": name, "id_number": id_number},
        },
        CIVIL,
    )
    assert (await _decision(system, warning_id))["outcome"] == "needs_review"
    return warning_id


async def test_a_contradicting_name_goes_to_review_and_a_confirmation_opens_the_case(
    system: System,
) -> None:
    person = _household(2)["members"][0]
    warning_id = await _warn(
        system,
        {
            "signal_type": "new_dibao",
            "occurred_on": "2026-11-18",
            "person": {"name": "错名字", "id_number": person["id_number"]},
            "source_record_id": f"MZ-REVIEW-{uuid.uuid4()}",
        },
        CIVIL,
    )
    decision = await _decision(system, warning_id)
    assert decision["outcome"] == "needs_review"
    matching = system.url("matching")
    queue = (await system.http.get(f"{matching}/v1/reviews")).json()["items"]
    assert warning_id in {item["warning_id"] for item in queue}
    item = (await system.http.get(f"{matching}/v1/reviews/{warning_id}")).json()
    (candidate,) = item["candidates"]
    assert candidate["name"] == person["name"]  # side by side for the reviewer
    assert "身份证号码一致" in candidate["reasons_zh"]  # in words, beside the codes
    assert "id_number:exact" in candidate["reasons"] and "姓名不符" in item["reason"]
    assert person["id_number"] not in str(item)  # ID numbers masked
    assert item["warning"]["person"]["name"] == "错名字"

    incomplete = await system.http.post(f"{matching}/v1/reviews/{warning_id}/confirm", json={})
    assert incomplete.status_code == 422
    confirmed = await system.http.post(
        f"{matching}/v1/reviews/{warning_id}/confirm",
        json={"reason": "民政系统登记姓名有误，核实为同一人"},
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["action"] == "confirm"
    case = await system.case_for(await _household_id(system, 2), warning_id)
    assert warning_id in {s["warning_id"] for s in case["signals"]}
    again = await system.http.post(
        f"{matching}/v1/reviews/{warning_id}/reject", json={"reason": "y"}
    )
    assert again.status_code == 409 and again.json()["code"] == "review.decided"
    trail = (await system.http.get(f"{matching}/v1/reviews/{warning_id}")).json()["actions"]
    # The reviewer recorded is the officer the token names, not what a request says it is.
    assert [(a["action"], a["actor"]) for a in trail] == [
        ("confirm", f"{COUNTY.name}（{COUNTY.officer_id}）")
    ]


async def test_a_rejected_review_is_reported_as_not_in_the_registry(system: System) -> None:
    person = _household(3)["members"][0]
    warning_id = await _queued_for_review(system, "另一个人", person["id_number"])
    rejected = await system.http.post(
        f"{system.url('matching')}/v1/reviews/{warning_id}/reject",
        json={"reason": "身份证号码录入错误，非本县人员"},
    )
    assert rejected.status_code == 200, rejected.text
    decision = await _decision(system, warning_id)
    assert (decision["outcome"], decision["reason_code"]) == ("unmatched", "review_rejected")
    # 库外人员: the county office sees it with the reviewer's reason
    listed = (await system.http.get(f"{system.url('matching')}/v1/unmatched")).json()["items"]
    (item,) = [i for i in listed if i["warning_id"] == warning_id]
    assert item["reason_code"] == "review_rejected" and "非本县人员" in item["reason"]
    assert item["person"]["name"] == "另一个人"


async def test_warnings_about_people_the_registry_lacks_are_listed_for_the_county(
    system: System,
) -> None:
    """Never dropped: a valid ID nobody registered holds, and no ID with nobody found by name,
    are listed for the county office (库外人员), newest first, with the reason in words, ID
    numbers masked, inside its county; other roles are refused."""
    stranger_id = "53292919700101" + "009"
    stranger_id += check_char(stranger_id)
    first = await _warn(
        system,
        {
            "signal_type": "new_dibao",
            "occurred_on": "2026-11-20",
            "person": {"name": "库外甲", "id_number": stranger_id, "region_code": "532929101001"},
        },
        CIVIL,
    )
    second = await _warn(
        system,
        {
            "signal_type": "high_out_of_pocket",
            "occurred_on": "2026-11-21",
            "person": {"name": "库外乙", "birth_date": "1971-04-05"},
            "details": {"amount": 30000},
        },
        MEDICAL,
    )
    for warning_id in (first, second):
        assert (await _decision(system, warning_id))["outcome"] == "unmatched"
    unmatched = f"{system.url('matching')}/v1/unmatched"
    items = (await system.http.get(unmatched)).json()["items"]
    by_id = {i["warning_id"]: i for i in items}
    assert first in by_id and second in by_id
    decided = [i["decided_at"] for i in items]
    assert decided == sorted(decided, reverse=True)  # newest first
    assert by_id[first]["reason_code"] == "not_in_registry"
    assert "身份证号码不在" in by_id[first]["reason"]
    assert by_id[first]["person"]["id_number"] == stranger_id[:6] + "*" * 11 + stranger_id[-1]
    assert stranger_id not in str(items)
    assert (by_id[second]["reason_code"], by_id[second]["agency_code"]) == (
        "not_found",
        "medical_insurance",
    )
    township = await system.http.get(unmatched, params={"region": "532929101000"})
    assert first in {i["warning_id"] for i in township.json()["items"]}
    assert second not in {i["warning_id"] for i in township.json()["items"]}  # no region named
    medical_only = await system.http.get(unmatched, params={"agency": "medical_insurance"})
    assert {i["agency_code"] for i in medical_only.json()["items"]} == {"medical_insurance"}
    town = Officer("town-nuodeng", "诺邓镇", "township_officer", "532929101000")
    refused = await system.http.get(unmatched, headers=_as(town))
    assert refused.status_code == 403 and refused.json()["code"] == "review.forbidden"
    other = Officer("county-2", "别县", "county_office", "532930000000")
    elsewhere = (await system.http.get(unmatched, headers=_as(other))).json()["items"]
    assert first not in {i["warning_id"] for i in elsewhere}


def _as(officer: Officer | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {officer_token(officer)}" if officer else ""}


async def test_the_review_queue_is_the_county_offices_and_only_inside_its_region(
    system: System,
) -> None:
    person = _household(1)["members"][1]  # 赵桂芬, 诺邓镇 诺邓村 (532929101001)
    # The warning names no region: the item is placed where its candidate lives.
    warning_id = await _queued_for_review(system, "钱多多", person["id_number"])
    reviews = f"{system.url('matching')}/v1/reviews"
    township = Officer("town-1", "诺邓镇 李干部", "township_officer", "532929101000")
    elsewhere = Officer("county-2", "另一县 乡村振兴局", "county_office", "533102000000")
    decision = {"reason": "核实"}

    # No token, or a forged one: 401 with the Chinese reason and a machine code.
    for headers in (_as(None), {"Authorization": "Bearer forged.token.here"}):
        answer = await system.http.get(reviews, headers=headers)
        assert answer.status_code == 401, answer.text
        assert answer.json()["code"] in {"auth.required", "auth.invalid"}
    # A township officer does not review.
    for answer in (
        await system.http.get(reviews, headers=_as(township)),
        await system.http.get(f"{reviews}/{warning_id}", headers=_as(township)),
        await system.http.post(
            f"{reviews}/{warning_id}/reject", json=decision, headers=_as(township)
        ),
    ):
        assert answer.status_code == 403 and answer.json()["code"] == "review.forbidden"
    # Another county's office neither sees nor decides it.
    listed = (await system.http.get(reviews, headers=_as(elsewhere))).json()["items"]
    assert warning_id not in {item["warning_id"] for item in listed}
    for answer in (
        await system.http.get(f"{reviews}/{warning_id}", headers=_as(elsewhere)),
        await system.http.post(
            f"{reviews}/{warning_id}/reject", json=decision, headers=_as(elsewhere)
        ),
    ):
        assert answer.status_code == 403 and answer.json()["code"] == "scope.forbidden"

    # The county office finds it under the candidate's township, not under another one, and
    # it is still open (nothing above decided it).
    def ids(answer: Any) -> set[str]:
        return {item["warning_id"] for item in answer.json()["items"]}

    assert warning_id in ids(await system.http.get(reviews, params={"region": "532929101000"}))
    assert warning_id not in ids(await system.http.get(reviews, params={"region": "532929102000"}))
    item = (await system.http.get(f"{reviews}/{warning_id}")).json()
    assert item["state"] == "open" and item["actions"] == []
    bad = await system.http.get(reviews, params={"region": "5329-29"})
    assert bad.status_code == 422

    # A page shows the oldest; `total` says how many wait in all.
    await _queued_for_review(system, "孙多多", person["id_number"])
    page = (await system.http.get(reviews, params={"limit": 1})).json()
    everything = (await system.http.get(reviews, params={"limit": 500})).json()
    assert len(page["items"]) == 1 and len(everything["items"]) >= 2
    assert page["total"] == everything["total"] == len(everything["items"])
    second = (await system.http.get(reviews, params={"limit": 1, "offset": 1})).json()
    assert second["items"][0] == everything["items"][1]  # the next oldest
    beyond = (await system.http.get(reviews, params={"offset": 10_000})).json()
    assert beyond["items"] == [] and beyond["total"] == everything["total"]


async def test_a_person_the_shortlist_lacks_is_chosen_by_id_number(system: System) -> None:
    household = _household(0)
    mother, daughter = household["members"][0], household["members"][2]
    # The mother's ID under another name: the mother is the only candidate.
    warning_id = await _queued_for_review(system, "吴某某", mother["id_number"])
    confirm = f"{system.url('matching')}/v1/reviews/{warning_id}/confirm"
    stranger = "11010519491231002" + check_char("11010519491231002")
    for body, status, code in (
        ({"reason": "r", "id_number": mother["id_number"][:-1] + "0"}, 422, None),
        ({"reason": "r", "id_number": stranger}, 422, "review.person_unknown"),
        (
            {"reason": "r", "id_number": daughter["id_number"], "person_id": str(uuid.uuid4())},
            422,
            "review.choose_one",
        ),
    ):
        answer = await system.http.post(confirm, json=body)
        assert answer.status_code == status, answer.text
        if code:
            assert answer.json()["code"] == code
        else:
            assert answer.json()["code"].startswith("id_number.")  # what is wrong with it
    chosen = await system.http.post(
        confirm, json={"reason": "电话核实为其女儿", "id_number": daughter["id_number"]}
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["action"] == "choose"
    decision = await _decision(system, warning_id)
    assert (decision["outcome"], decision["reason_code"]) == ("matched", "review_choose")
    item = (await system.http.get(f"{system.url('matching')}/v1/reviews/{warning_id}")).json()
    (candidate,) = item["candidates"]
    assert decision["person_id"] != candidate["person_id"]  # the daughter, not the mother
    assert decision["household_id"] == await _household_id(system, 0)


async def test_two_agencies_make_one_household_signal_and_a_repeat_is_a_no_op(
    system: System,
) -> None:
    household = _household(4)
    person = household["members"][0]
    ref = {"name": person["name"], "id_number": person["id_number"]}
    record = f"MZ-SIG-{uuid.uuid4()}"
    civil = await _warn(
        system,
        {
            "signal_type": "new_dibao",
            "occurred_on": "2025-03-05",
            "period": "2025-03",
            "person": ref,
            "source_record_id": record,
        },
        CIVIL,
    )
    medical = await _warn(
        system,
        {
            "signal_type": "high_out_of_pocket",
            "occurred_on": "2025-03-09",
            "period": "2025-03",
            "person": ref,
            "details": {"amount": 23000},
        },
        MEDICAL,
    )
    repeat = await _warn(
        system,
        {
            "signal_type": "new_dibao",
            "occurred_on": "2025-03-05",
            "period": "2025-03",
            "person": ref,
            "source_record_id": record,
        },
        {**CIVIL, "Idempotency-Key": f"again-{uuid.uuid4()}"},
    )
    household_id = await _household_id(system, 4)
    await system.case_for(household_id, civil, medical)
    await _decision(system, repeat)
    signals = (
        await system.http.get(
            f"{system.url('matching')}/v1/signals", params={"household_id": household_id}
        )
    ).json()["signals"]
    (march,) = [s for s in signals if s["period"] == "2025-03"]  # a period no other test uses
    assert {w["warning_id"] for w in march["warnings"]} == {civil, medical}
    await asyncio.sleep(1)
    case = await system.case_for(household_id, civil, medical)
    assert repeat not in {s["warning_id"] for s in case["signals"]}


async def test_comparison_findings_become_eligibility_flags_not_warnings(system: System) -> None:
    household_id = await _household_id(system, 5)
    answer = ComparisonAnsweredV1(
        request_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        household_id=uuid.UUID(household_id),
        agency_code="public_security",
        answered_at=datetime.now(UTC),
        findings=[
            ComparisonFindingV1(check="vehicle", found=True, detail="名下小型轿车1辆"),
            ComparisonFindingV1(check="hukou", found=False),
        ],
    )
    envelope = Envelope.wrap(
        answer,
        id=uuid.uuid4(),
        time=datetime.now(UTC),
        source="agency-gateway",
        subject=household_id,
        correlation_id=uuid.uuid4(),
    )
    producer = make_producer(system.infra.bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(COMPARISONS.name, encode(envelope), key=household_id.encode())
    finally:
        await producer.stop()
    async with asyncio.timeout(20):
        while True:
            view = (
                await system.http.get(
                    f"{system.url('matching')}/v1/signals", params={"household_id": household_id}
                )
            ).json()
            if view["eligibility_flags"]:
                break
            await asyncio.sleep(0.1)
    flags = {f["check"]: f["found"] for f in view["eligibility_flags"]}
    assert flags == {"vehicle": True, "hukou": False}
    agencies = {w["agency_code"] for s in view["signals"] for w in s["warnings"]}
    assert "public_security" not in agencies  # a fact for the decision, not a warning


async def test_a_households_signals_are_shown_to_officers_whose_region_holds_it(
    system: System,
) -> None:
    household_id = await _household_id(system, 5)  # 功果桥镇 (532929102004)
    signals = f"{system.url('matching')}/v1/signals"
    params = {"household_id": household_id}
    own = Officer("town-2", "功果桥镇 段干部", "township_officer", "532929102000")
    other = Officer("town-1", "诺邓镇 李干部", "township_officer", "532929101000")
    assert (await system.http.get(signals, params=params, headers=_as(own))).status_code == 200
    answer = await system.http.get(signals, params=params, headers=_as(other))
    assert answer.status_code == 403 and answer.json()["code"] == "scope.forbidden"
    answer = await system.http.get(signals, params=params, headers=_as(None))
    assert answer.status_code == 401
    answer = await system.http.get(signals, params={"household_id": str(uuid.uuid4())})
    assert answer.status_code == 404 and answer.json()["code"] == "household.not_found"


async def test_an_empty_household_signal_is_not_shown(system: System) -> None:
    """A signal opened for a poll whose transaction then rolled back has no warnings yet."""
    household_id = await _household_id(system, 5)
    connection = await asyncpg.connect(system.infra.database_url)
    try:
        await connection.execute(
            "INSERT INTO matching.household_signals VALUES ($1, $2, '2001-01', now())",
            uuid.uuid4(),
            uuid.UUID(household_id),
        )
    finally:
        await connection.close()
    view = (
        await system.http.get(
            f"{system.url('matching')}/v1/signals", params={"household_id": household_id}
        )
    ).json()
    assert "2001-01" not in {s["period"] for s in view["signals"]}


async def test_the_demos_homophone_warning_waits_for_review(
    system: System,
) -> None:
    """`make run`'s review item: 张玮 of 天池村 with no ID, where the registry holds 张伟 and
    章玮 — offered for the county to decide, not matched; posted again (a second `make run`),
    nothing new."""
    from shouwang_stack.demo import seed_review_item

    gateway = system.url("agency-gateway")
    warning_id = await seed_review_item(gateway)
    assert await seed_review_item(gateway) == warning_id
    assert (await _decision(system, warning_id))["outcome"] == "needs_review"
    item = (await system.http.get(f"{system.url('matching')}/v1/reviews/{warning_id}")).json()
    assert item["state"] == "open" and item["candidates"]
    assert {c["household_number"] for c in item["candidates"]} == {"5329291010020003"}
