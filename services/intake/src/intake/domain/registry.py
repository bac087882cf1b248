"""Registry records and the snapshot event built from them (pure)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Literal, TypeVar
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
    labour: str | None = None  # 劳动技能
    disability: str | None = None  # 残疾情况
    health: str | None = None  # 健康状况 (sensitive: encrypted at rest)
    schooling: str | None = None  # 在校生状况 / 文化程度


@dataclass(frozen=True)
class HouseholdRecord:
    """A household as imported from the national monitoring system."""

    household_number: str
    region_code: str
    village_name: str
    township_name: str
    category: Category
    members: tuple[MemberRecord, ...]
    monitor_type: str | None = None  # 脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户
    lifted_year: int | None = None  # 脱贫年度
    declared_size: int | None = None  # 家庭人口 as the export states it
    income_per_head: float | None = None  # 人均纯收入 (yuan per head and year)
    income_year: int | None = None
    status: str | None = None  # e.g. 风险消除
    risk_type: str | None = None  # 返贫风险类型
    risk_reason: str | None = None  # 详细原因
    officer_name: str | None = None  # 帮扶责任人 / 包抓干部
    officer_phone: str | None = None


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
        members.append(replace(member, id_number=id_number, name=member.name.strip()))
    if sum(m.is_head for m in members) != 1:
        raise RegistryError("members", "members.head", "户内应有且仅有一名户主")
    return replace(record, members=tuple(members))


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


_R = TypeVar("_R", HouseholdRecord, MemberRecord)


def canonical(record: HouseholdRecord) -> HouseholdRecord:
    """The record with members in a stable order (head first, then by ID number)."""
    ordered = sorted(record.members, key=lambda m: (not m.is_head, m.id_number))
    return replace(record, members=tuple(ordered))


def content_digest(record: HouseholdRecord, digest: Callable[[str], str]) -> str:
    """A keyed digest of everything stored about a household: equal digests, nothing to change."""
    ordered = canonical(record)
    data = {**vars(ordered), "members": [vars(m) for m in ordered.members]}  # shallow, fast
    return digest(json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))


def merge_partial(stored: HouseholdRecord, incoming: HouseholdRecord) -> HouseholdRecord:
    """A roster that lists only some members (the head) updates those and keeps the rest.

    Household fields the roster leaves empty keep their stored values, and so do a listed
    member's fields the roster does not carry (phone, labour, health …).
    """
    listed = {m.id_number: m for m in incoming.members}
    members: list[MemberRecord] = []
    for old in stored.members:
        new = listed.pop(old.id_number, None)
        if new is None:
            # The roster names another head: the stored head stays a member, no longer head.
            members.append(replace(old, is_head=False) if incoming_has_head(incoming) else old)
        else:
            members.append(_fill(new, old))
    members.extend(listed.values())
    merged = _fill(incoming, stored)
    return replace(merged, members=tuple(members))


def incoming_has_head(record: HouseholdRecord) -> bool:
    """True when the record names a head."""
    return any(m.is_head for m in record.members)


def _fill(new: _R, old: _R) -> _R:
    """`new` with its empty (None) fields taken from `old`."""
    missing = {f.name: getattr(old, f.name) for f in fields(new) if getattr(new, f.name) is None}
    return replace(new, **missing)
