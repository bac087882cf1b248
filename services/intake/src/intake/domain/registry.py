"""Registry records and the snapshot event built from them (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from shouwang_kit.idnumber import IdNumberError, validate_id_number
from shouwang_proto.events import HouseholdSnapshotV1, MemberV1

Category = Literal["lifted_out", "monitored", "ordinary"]
Gender = Literal["male", "female", "unknown"]


class RegistryError(ValueError):
    """A household record that cannot be stored: field, machine code, Chinese message."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code
        self.message = message


@dataclass(frozen=True)
class MemberRecord:
    """A member as imported; `person_id` is assigned by the registry."""

    id_number: str
    name: str
    gender: Gender
    birth_date: date | None
    relation: str
    phone: str | None
    is_head: bool


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as imported from the national monitoring system."""

    household_number: str
    region_code: str
    village_name: str
    township_name: str
    category: Category
    members: tuple[MemberRecord, ...]


def validate_household(record: HouseholdRecord) -> HouseholdRecord:
    """Normalised record with checked ID numbers, or RegistryError naming the first problem."""
    if len(record.region_code) != 12 or not record.region_code.isdigit():
        raise RegistryError("region_code", "region_code.format", "区划代码应为12位数字（到村）")
    if not record.members:
        raise RegistryError("members", "members.empty", "户内至少应有一名成员")
    members = []
    seen: set[str] = set()
    for index, member in enumerate(record.members):
        try:
            id_number = validate_id_number(member.id_number)
        except IdNumberError as exc:
            raise RegistryError(f"members[{index}].id_number", exc.code, exc.message) from None
        if id_number in seen:
            raise RegistryError(
                f"members[{index}].id_number", "members.duplicate", "同一身份证号码在户内重复出现"
            )
        seen.add(id_number)
        members.append(
            MemberRecord(
                id_number=id_number,
                name=member.name.strip(),
                gender=member.gender,
                birth_date=member.birth_date,
                relation=member.relation,
                phone=member.phone,
                is_head=member.is_head,
            )
        )
    if sum(m.is_head for m in members) != 1:
        raise RegistryError("members", "members.head", "户内应有且仅有一名户主")
    return HouseholdRecord(
        household_number=record.household_number,
        region_code=record.region_code,
        village_name=record.village_name,
        township_name=record.township_name,
        category=record.category,
        members=tuple(members),
    )


def snapshot(
    record: HouseholdRecord, *, household_id: UUID, person_ids: dict[str, UUID]
) -> HouseholdSnapshotV1:
    """The household.snapshot event for a record; person_ids maps ID number → person id."""
    return HouseholdSnapshotV1(
        household_id=household_id,
        household_number=record.household_number,
        region_code=record.region_code,
        village_name=record.village_name,
        township_name=record.township_name,
        category=record.category,
        members=[
            MemberV1(
                person_id=person_ids[m.id_number],
                id_number=m.id_number,
                name=m.name,
                gender=m.gender,
                birth_date=m.birth_date,
                relation=m.relation,
                phone=m.phone,
                is_head=m.is_head,
            )
            for m in record.members
        ],
    )
