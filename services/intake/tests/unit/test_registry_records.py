"""Registry records are checked before they are stored, and snapshots carry stable ids."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest
from intake.domain.registry import (
    HouseholdRecord,
    MemberRecord,
    RegistryError,
    snapshot,
    validate_household,
)

HEAD = MemberRecord(
    "532929196803150024", " 李玉兰 ", "female", date(1968, 3, 15), "户主", None, True
)
SPOUSE = MemberRecord("532929196507020110", "王国强", "male", date(1965, 7, 2), "配偶", None, False)
RECORD = HouseholdRecord(
    "5329291010010001", "532929101001", "诺邓村", "诺邓镇", "lifted_out", (HEAD, SPOUSE)
)


def test_valid_household_is_normalised() -> None:
    checked = validate_household(
        replace(RECORD, members=(replace(HEAD, id_number="53292919680315002４"), SPOUSE))
    )
    assert checked.members[0].id_number == "532929196803150024"
    assert checked.members[0].name == "李玉兰"


@pytest.mark.parametrize(
    ("record", "field", "code"),
    [
        (replace(RECORD, region_code="5329291010"), "region_code", "region_code.format"),
        (replace(RECORD, members=()), "members", "members.empty"),
        (
            replace(RECORD, members=(HEAD, replace(SPOUSE, id_number="532929196507020111"))),
            "members[1].id_number",
            "id_number.checksum",
        ),
        (replace(RECORD, members=(HEAD, HEAD)), "members[1].id_number", "members.duplicate"),
        (replace(RECORD, members=(SPOUSE,)), "members", "members.head"),
        (replace(RECORD, members=(HEAD, replace(SPOUSE, is_head=True))), "members", "members.head"),
    ],
)
def test_bad_records_are_refused_with_field_and_code(
    record: HouseholdRecord, field: str, code: str
) -> None:
    with pytest.raises(RegistryError) as info:
        validate_household(record)
    assert (info.value.field, info.value.code) == (field, code)
    assert info.value.message


def test_snapshot_carries_every_member_with_its_person_id() -> None:
    ids = {HEAD.id_number: uuid.UUID(int=1), SPOUSE.id_number: uuid.UUID(int=2)}
    event = snapshot(validate_household(RECORD), household_id=uuid.UUID(int=9), person_ids=ids)
    assert event.household_id == uuid.UUID(int=9)
    assert [(m.person_id, m.is_head) for m in event.members] == [
        (uuid.UUID(int=1), True),
        (uuid.UUID(int=2), False),
    ]
