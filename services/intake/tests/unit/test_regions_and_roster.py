from datetime import date

import pytest
from intake.domain.regions import RegionCodeError, in_region, parent_of, region_level
from intake.domain.registry import HouseholdRecord, MemberRecord, merge_partial
from intake.domain.roster import (
    RowRejected,
    assemble,
    canonical_header,
    map_headers,
    missing_columns,
    person_row,
    row_from_json,
    row_to_json,
)

TODAY = date(2026, 11, 24)
HEAD = "532929196803150024"
SPOUSE = "532929196507020110"


def test_region_levels_and_parents() -> None:
    assert region_level("530000000000") == 1
    assert region_level("532929000000") == 3
    assert region_level("532929101000") == 4
    assert region_level("532929101001") == 5
    assert parent_of("532929101001") == "532929101000"
    assert parent_of("532929101000") == "532929000000"
    assert parent_of("530000000000") is None
    assert in_region("532929101001", "532929101000")
    assert not in_region("532929102001", "532929101000")
    for bad in ("53292910100", "53292910100x", "000000000000", "532929000001"):
        with pytest.raises(RegionCodeError):
            region_level(bad)


def test_headers_of_the_county_roster_are_understood() -> None:
    header = [
        "镇",
        "村",
        "户主姓名",
        "户主证件号码",
        "家庭人口",
        "脱贫年度",
        "返贫风险类型",
        "详细原因",
    ]
    known, unknown = map_headers([*header, "包抓干部", "备注"])
    assert set(known.values()) >= {"township_name", "head_id", "officer_name", "risk_reason"}
    assert unknown == ["备注"]
    assert missing_columns(set(known.values())) == []
    assert missing_columns({"name"}) != []
    assert canonical_header(" 身份证号码* ") == "id_number"


def _roster_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "township_name": "诺邓镇",
        "village_name": "诺邓村",
        "head_name": "李玉蘭",
        "head_id": HEAD.replace("0024", "0024"),
        "declared_size": "3",
        "lifted_year": "2019",
        "risk_type": "因病",
        "officer_name": "段志华",
    }
    row.update(overrides)
    return row


def test_a_roster_row_is_a_head_with_its_household() -> None:
    row = person_row(7, _roster_row(), today=TODAY)
    assert row.is_head and not row.members_complete
    assert row.name == "李玉兰"  # traditional → simplified
    assert row.gender == "female" and row.birth_date == date(1968, 3, 15)
    assert row.household.category == "lifted_out" and row.household.declared_size == 3
    assert row_from_json(row_to_json(row)) == row


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    with pytest.raises(RowRejected) as caught:
        person_row(
            9,
            _roster_row(head_id="532929196803150025", declared_size="很多", lifted_year="1990"),
            today=TODAY,
        )
    codes = {(e.field, e.code) for e in caught.value.errors}
    assert ("head_id", "id_number.checksum") in codes
    assert ("declared_size", "field.number") in codes
    assert ("lifted_year", "field.number") in codes
    assert all(e.message for e in caught.value.errors)


def test_member_rows_must_agree_with_their_id_number() -> None:
    cells = {
        "household_number": "H1",
        "township_name": "诺邓镇",
        "village_name": "诺邓村",
        "name": "王国强",
        "id_number": SPOUSE,
        "relation": "配偶",
        "gender": "女",
        "birth_date": "1965-07-03",
        "phone": "12345",
    }
    with pytest.raises(RowRejected) as caught:
        person_row(3, cells, today=TODAY)
    codes = {e.code for e in caught.value.errors}
    assert codes == {"gender.mismatch", "birth_date.mismatch", "phone.format"}


def test_assemble_needs_a_known_village_and_one_head() -> None:
    head = person_row(2, _roster_row(), today=TODAY)
    unknown = assemble([head], lambda t, v: None)
    assert unknown.record is None and unknown.errors[2][0].code == "region.unknown"
    ok = assemble([head], lambda t, v: "532929101001" if v == "诺邓村" else None)
    assert ok.record is not None and ok.record.region_code == "532929101001"
    member = {
        "household_number": "H1",
        "township_name": "诺邓镇",
        "village_name": "诺邓村",
        "name": "王国强",
        "id_number": SPOUSE,
        "relation": "配偶",
    }
    no_head = assemble([person_row(3, member, today=TODAY)], lambda t, v: "532929101001")
    assert no_head.record is None and no_head.errors[3][0].code == "household.no_head"


def _member(id_number: str, name: str, head: bool, phone: str | None = None) -> MemberRecord:
    return MemberRecord(id_number, name, "female", None, "户主" if head else "子女", phone, head)


def test_a_roster_of_heads_keeps_members_and_fields_it_does_not_carry() -> None:
    stored = HouseholdRecord(
        "H1",
        "532929101001",
        "诺邓村",
        "诺邓镇",
        "lifted_out",
        (_member(HEAD, "李玉兰", True, "13987650001"), _member(SPOUSE, "王国强", False)),
        officer_name="段志华",
    )
    roster = HouseholdRecord(
        "H1",
        "532929101001",
        "诺邓村",
        "诺邓镇",
        "lifted_out",
        (_member(HEAD, "李玉兰", True),),
        risk_type="因病",
    )
    merged = merge_partial(stored, roster)
    assert {m.id_number for m in merged.members} == {HEAD, SPOUSE}
    assert merged.members[0].phone == "13987650001"
    assert merged.officer_name == "段志华" and merged.risk_type == "因病"
