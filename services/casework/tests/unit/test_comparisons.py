"""信息比对 requests for an accepted case: who is asked, about whom, for what, by when."""

import uuid
from datetime import UTC, datetime

from casework.domain.comparisons import (
    Member,
    answer_text,
    comparison_requests,
    requested_text,
)
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import ComparisonAnsweredV1, ComparisonFindingV1

NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)
DUE = datetime(2026, 12, 9, 16, tzinfo=UTC)


def _requests(members: list[Member]) -> list[tuple[str, str, tuple[str, ...]]]:
    made = comparison_requests(
        case_id=uuid.UUID(int=1),
        case_number="SW-20261207-000001",
        household_id=uuid.UUID(int=2),
        region_code="532929101001",
        members=members,
        catalogue=load_catalogue(),
        now=NOW,
        due_at=DUE,
    )
    assert all(r.due_at == DUE and r.case_number == "SW-20261207-000001" for r in made)
    return [(r.agency_code, r.person.name, tuple(r.checks)) for r in made]


def test_every_comparing_agency_is_asked_about_every_member_with_an_id() -> None:
    members = [Member("李玉兰", "532929196803150024"), Member("杨小明", None)]
    assert sorted(_requests(members)) == [
        ("finance", "李玉兰", ("public_servant",)),
        ("market_regulation", "李玉兰", ("business",)),
        ("public_security", "李玉兰", ("hukou", "vehicle")),
    ]  # a member without an ID number cannot be checked; intake's channels answer nothing


def test_sending_again_gives_the_same_request_ids() -> None:
    def ids() -> list[uuid.UUID]:
        return [
            r.request_id
            for r in comparison_requests(
                case_id=uuid.UUID(int=1),
                case_number="SW-1",
                household_id=uuid.UUID(int=2),
                region_code="532929101001",
                members=[Member("李玉兰", "532929196803150024")],
                catalogue=load_catalogue(),
                now=NOW,
                due_at=DUE,
            )
        ]

    assert ids() == ids() and len(set(ids())) == 3


def test_an_agencys_answer_reads_in_words_in_the_trail() -> None:
    answer = ComparisonAnsweredV1(
        request_id=uuid.UUID(int=5),
        case_id=uuid.UUID(int=1),
        household_id=uuid.UUID(int=2),
        agency_code="public_security",
        answered_at=NOW,
        findings=[
            ComparisonFindingV1(check="vehicle", found=True, detail="小型轿车，2019年登记"),
            ComparisonFindingV1(check="hukou", found=False),
        ],
    )
    assert answer_text(answer, load_catalogue()) == (
        "家庭成员名下车辆 有（小型轿车，2019年登记）；户籍信息 无"
    )


def test_the_trail_names_the_members_nobody_could_be_asked_about() -> None:
    """A member without an ID number is not compared: the officer is told whom to check by hand
    (masked, as the trail shows names)."""
    catalogue = load_catalogue()
    with_id, without = Member("李玉兰", "532929196803150024"), Member("杨小明", None)

    def text(members: list[Member]) -> str:
        made = comparison_requests(
            case_id=uuid.UUID(int=1),
            case_number="SW-1",
            household_id=uuid.UUID(int=2),
            region_code="532929101001",
            members=members,
            catalogue=catalogue,
            now=NOW,
            due_at=DUE,
        )
        return requested_text(made, members, catalogue)

    assert text([with_id]) == "已向县公安局、县市场监督管理局、县财政局发送信息比对请求（3项）"
    assert text([with_id, without]) == (
        "已向县公安局、县市场监督管理局、县财政局发送信息比对请求（3项）；杨**无身份证号码，未能比对，请人工核实"
    )
    assert text([without]) == "家庭成员均无身份证号码，未能发送信息比对请求，请人工核实"
