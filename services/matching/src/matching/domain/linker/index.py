"""The registry held for resolution, with blocking keys so that the cost of a warning stays
flat as the registry grows: only persons sharing a key with the warning are scored."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from shouwang_kit.idnumber import IdNumberError, validate_id_number
from shouwang_proto.events import PersonRef

from matching.domain.linker.keys import (
    clean_name,
    id_birth,
    id_neighbours,
    loose_pinyin,
    pinyin_of,
    surname_of,
)
from matching.domain.linker.scoring import Known, LinkConfig, Query, probability, score
from matching.domain.resolution import Candidate, PersonRecord, Resolution

BlockKey = tuple[object, ...]


@dataclass(frozen=True)
class _Entry:
    record: PersonRecord
    known: Known
    keys: tuple[BlockKey, ...]


def _phone(raw: str | None) -> str | None:
    if not raw:
        return None
    phone = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("-", "")
    return phone.removeprefix("+86") or None


def _keys(known: Known) -> tuple[BlockKey, ...]:
    keys: list[BlockKey] = []
    if known.birth_date:
        keys.append(("nb", known.loose, known.birth_date))
        if known.village_code:
            keys.append(("sbt", known.surname, known.birth_date, known.village_code[:9]))
    if known.village_code:
        keys.append(("nv", known.loose, known.village_code))
    if known.phone:
        keys.append(("p", known.phone))
    return tuple(keys)


def normal_id(raw: str | None) -> tuple[str | None, bool]:
    """(ID in normal form, valid?) — full-width digits and lower-case x accepted."""
    if not raw:
        return None, False
    text = unicodedata.normalize("NFKC", raw).strip().upper().replace(" ", "")
    try:
        return validate_id_number(text), True
    except IdNumberError:
        return (text or None), False


class LinkIndex:
    """Registry persons by ID, by (name sound, birth date), (name sound, village),
    (surname, birth date, township) and phone; implements the service's Resolver."""

    def __init__(self, config: LinkConfig | None = None) -> None:
        self.config = config or LinkConfig()
        self._entries: dict[int, _Entry] = {}
        self._slots: dict[UUID, int] = {}
        self._by_id: dict[str, int] = {}
        self._blocks: dict[BlockKey, set[int]] = defaultdict(set)
        self._next = 0

    @classmethod
    def build(cls, persons: Iterable[PersonRecord], config: LinkConfig | None = None) -> LinkIndex:
        """An index holding these persons."""
        index = cls(config)
        for person in persons:
            index.upsert(person)
        return index

    def __len__(self) -> int:
        return len(self._entries)

    def upsert(self, person: PersonRecord) -> None:
        """Add a person or replace what is known of them."""
        self.remove(person.person_id)
        name = clean_name(person.name)
        id_number, _valid = normal_id(person.id_number)
        slot = self._next
        self._next += 1
        known = Known(
            slot=slot,
            id_number=id_number or "",
            name=name,
            pinyin=pinyin_of(name),
            loose=loose_pinyin(name),
            surname=surname_of(name),
            birth_date=person.birth_date or (id_birth(id_number) if id_number else None),
            village_code=person.village_code,
            phone=_phone(person.phone),
        )
        entry = _Entry(person, known, _keys(known))
        self._entries[slot] = entry
        self._slots[person.person_id] = slot
        if known.id_number:
            self._by_id[known.id_number] = slot
        for key in entry.keys:
            self._blocks[key].add(slot)

    def remove(self, person_id: UUID) -> None:
        """Forget a person."""
        slot = self._slots.pop(person_id, None)
        if slot is None:
            return
        entry = self._entries.pop(slot)
        if self._by_id.get(entry.known.id_number) == slot:
            del self._by_id[entry.known.id_number]
        for key in entry.keys:
            bucket = self._blocks.get(key)
            if bucket is not None:
                bucket.discard(slot)
                if not bucket:
                    del self._blocks[key]

    def query(self, person: PersonRef) -> Query:
        """A warning's person in normal form."""
        id_number, valid = normal_id(person.id_number)
        name = clean_name(person.name)
        birth = person.birth_date or (id_birth(id_number) if valid and id_number else None)
        return Query(
            id_number=id_number,
            id_valid=valid,
            name=name,
            pinyin=pinyin_of(name),
            loose=loose_pinyin(name),
            surname=surname_of(name),
            birth_date=birth,
            village_code=person.region_code if person.region_code else None,
            phone=_phone(person.phone),
        )

    def candidates(self, query: Query) -> set[int]:
        """Slots sharing a blocking key with the query."""
        found: set[int] = set()
        if query.id_number:
            slot = self._by_id.get(query.id_number)
            if slot is not None:
                found.add(slot)
            elif not query.id_valid:
                for neighbour in id_neighbours(query.id_number):
                    slot = self._by_id.get(neighbour)
                    if slot is not None:
                        found.add(slot)
        village = (
            query.village_code if query.village_code and query.village_code[9:] != "000" else None
        )
        keys: list[BlockKey] = []
        if query.birth_date:
            keys.append(("nb", query.loose, query.birth_date))
            if query.village_code:
                keys.append(("sbt", query.surname, query.birth_date, query.village_code[:9]))
        if village:
            keys.append(("nv", query.loose, village))
        if query.phone:
            keys.append(("p", query.phone))
        for key in keys:
            found |= self._blocks.get(key, set())
        return found

    def resolve(self, person: PersonRef) -> Resolution:
        """Score the candidates and decide auto / review / unmatched."""
        query = self.query(person)
        scored = sorted(
            (
                (*score(query, self._entries[slot].known), self._entries[slot].record)
                for slot in self.candidates(query)
            ),
            key=lambda item: -item[0],
        )
        config = self.config
        shortlist = tuple(
            Candidate(r.person_id, r.household_id, probability(points), reasons)
            for points, reasons, r in scored[:5]
            if points >= config.review_at
        )
        if not scored or scored[0][0] < config.review_at:
            return _unmatched(query, scored[0][0] if scored else None)
        best_points, best_reasons, best = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else float("-inf")
        if best_points >= config.auto_at and best_points - runner_up >= config.margin:
            return Resolution(
                "auto",
                probability(best_points),
                best_reasons,
                best.person_id,
                best.household_id,
                shortlist,
            )
        close = best_points - runner_up < config.margin
        return Resolution(
            "review",
            probability(best_points),
            best_reasons,
            candidates=shortlist,
            reason_code="ambiguous" if close else "low_score",
            reason_zh=(
                f"有{len(shortlist)}名人员条件相近，无法自动确定，请人工核对"
                if close
                else "部分信息一致但不足以自动确认，请人工核对：" + "、".join(best_reasons)
            ),
        )


def _unmatched(query: Query, best: float | None) -> Resolution:
    if query.id_number and query.id_valid:
        code, text = "not_in_registry", "身份证号码不在监测对象及农户信息库中，可能为未录入农户"
    elif query.id_number:
        code, text = "invalid_id_not_found", "身份证号码有误，且按姓名、出生日期等未找到对应人员"
    else:
        code, text = "not_found", "未提供身份证号码，按姓名、出生日期、村等未找到对应人员"
    return Resolution(
        "unmatched",
        probability(best) if best is not None else 0.0,
        ("candidates:none" if best is None else "candidates:too_weak",),
        reason_code=code,
        reason_zh=text,
    )
