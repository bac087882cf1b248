"""What an agency sends is turned into a warning, or refused field by field in Chinese."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from agency_gateway.domain.warnings import (
    PersonInput,
    WarningRejected,
    WarningSubmission,
    build_warning,
)
from shouwang_kit.idnumber import check_char, validate_id_number
from shouwang_kit.names import normalise_name
from shouwang_proto.catalogue import load_catalogue
from shouwang_proto.events import WarningReceivedV1

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LI = PersonInput(name="李玉兰", id_number="532929196803150024")


COUNTY = ZoneInfo("Asia/Shanghai")


def build(
    submission: WarningSubmission, agency: str = "civil_affairs", received_at: datetime = NOW
) -> WarningReceivedV1:
    return build_warning(
        submission,
        agency_code=agency,
        catalogue=load_catalogue(),
        warning_id=uuid.UUID(int=1),
        received_at=received_at,
        tz=COUNTY,
    )


def rejected(submission: WarningSubmission, agency: str = "civil_affairs") -> dict[str, str]:
    with pytest.raises(WarningRejected) as info:
        build(submission, agency)
    return {e.field: e.code for e in info.value.errors}


def test_today_is_the_countys_day_not_utcs() -> None:
    """At 00:30 in Yunnan it is still yesterday in UTC: a warning about something that
    happened today, county time, is accepted; tomorrow's is refused."""
    just_after_midnight = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)  # 8 Dec 00:30 in the county
    today = WarningSubmission(signal_type="new_dibao", occurred_on=date(2026, 12, 8), person=LI)
    assert build(today, received_at=just_after_midnight).occurred_on == date(2026, 12, 8)
    tomorrow = WarningSubmission(signal_type="new_dibao", occurred_on=date(2026, 12, 9), person=LI)
    with pytest.raises(WarningRejected) as info:
        build(tomorrow, received_at=just_after_midnight)
    assert [(e.field, e.code) for e in info.value.errors] == [("occurred_on", "date.in_future")]


def test_valid_warning_is_normalised() -> None:
    warning = build(
        WarningSubmission(
            signal_type="new_dibao",
            occurred_on=date(2026, 11, 20),
            person=PersonInput(
                name="李 玉兰", id_number="53292919680315002４", phone="+86 139 8765 0001"
            ),
        )
    )
    assert warning.person.name == "李玉兰"
    assert warning.person.id_number == "532929196803150024"
    assert warning.person.birth_date == date(1968, 3, 15)
    assert warning.person.phone == "13987650001"


def test_an_x_typed_as_a_look_alike_is_the_check_character() -> None:
    first17 = "11010519491231002"
    assert check_char(first17) == "X"
    for typed in ("x", "×", "Х", "ｘ"):  # Latin, multiplication sign, Cyrillic, full-width
        assert validate_id_number(first17 + typed) == first17 + "X", typed


def test_names_lose_spaces_and_middle_dots() -> None:
    assert normalise_name("阿依古丽·买买提") == "阿依古丽买买提"
    for typed in ("阿依古丽-买买提", "阿依古丽－买买提", "阿依古丽—买买提", "阿依古丽 . 买买提"):
        assert normalise_name(typed) == "阿依古丽买买提", typed
    assert normalise_name("Ａ 依") == "A依"
    assert normalise_name("張 偉") == "张伟"  # traditional → simplified
    assert normalise_name("衞國") == normalise_name("衛國") == "卫国"  # a Hong Kong form too
    assert normalise_name("甯靜") == "宁静" and normalise_name("陳峯") == "陈峰"  # variants


def test_agency_may_only_send_its_own_signal_types() -> None:
    submission = WarningSubmission(
        signal_type="high_out_of_pocket", occurred_on=date(2026, 11, 20), person=LI
    )
    assert rejected(submission, "civil_affairs") == {"signal_type": "signal_type.not_allowed"}
    unknown = WarningSubmission(signal_type="made_up", occurred_on=date(2026, 11, 20), person=LI)
    assert rejected(unknown, "medical_insurance") == {"signal_type": "signal_type.not_allowed"}
    assert rejected(submission, "no_such_agency") == {"signal_type": "signal_type.not_allowed"}
    # Intake's channels are in the catalogue for their names only: nobody posts as them here.
    screening = WarningSubmission(signal_type="water", occurred_on=date(2026, 11, 20), person=LI)
    assert rejected(screening, "cadre_visit") == {"signal_type": "signal_type.not_allowed"}


def test_every_problem_is_reported_not_only_the_first() -> None:
    errors = rejected(
        WarningSubmission(
            signal_type="new_dibao",
            occurred_on=date(2026, 12, 1),
            period="2026-13",
            person=PersonInput(
                name="李玉兰",
                id_number="532929196803150021",
                phone="12345",
                region_code="5329",
            ),
        )
    )
    assert errors == {
        "occurred_on": "date.in_future",
        "period": "period.format",
        "person.id_number": "id_number.checksum",
        "person.phone": "phone.format",
        "person.region_code": "region_code.format",
    }


def test_required_details_per_signal_type() -> None:
    errors = rejected(
        WarningSubmission(signal_type="dangerous_house", occurred_on=date(2026, 11, 1), person=LI),
        "housing",
    )
    assert errors == {"details.house_grade": "details.required"}


def test_without_id_number_a_birth_date_is_needed() -> None:
    no_id = PersonInput(name="李玉兰")
    errors = rejected(
        WarningSubmission(signal_type="new_dibao", occurred_on=date(2026, 11, 1), person=no_id)
    )
    assert errors == {"person.id_number": "identity.insufficient"}
    ok = build(
        WarningSubmission(
            signal_type="new_dibao",
            occurred_on=date(2026, 11, 1),
            person=PersonInput(name="李玉兰", birth_date=date(1968, 3, 15)),
        )
    )
    assert ok.person.id_number is None


def test_birth_date_must_agree_with_the_id_number() -> None:
    errors = rejected(
        WarningSubmission(
            signal_type="new_dibao",
            occurred_on=date(2026, 11, 1),
            person=PersonInput(
                name="李玉兰", id_number="532929196803150024", birth_date=date(1968, 3, 16)
            ),
        )
    )
    assert errors == {"person.birth_date": "birth_date.mismatch"}
