"""The registry held for resolution, with blocking keys so that the cost of a warning stays
flat as the registry grows: only persons sharing a key with the warning are scored."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from shouwang_proto.events import PersonRef

from matching.domain.linker.config import LinkConfig
from matching.domain.linker.keys import (
    clean_name,
    id_birth,
    id_neighbours,
    loose_pinyin,
    normal_id_and_birth,
    pinyin_of,
    surname_of,
)
from matching.domain.linker.scoring import (
    NAME_EQUAL,
    Known,
    Query,
    name_points,
    probability,
    score,
)
from matching.domain.reasons import reasons_text
from matching.domain.resolution import Candidate, PersonRecord, Resolution

BlockKey = tuple[object, ...]
# A phone several households give (a village cadre's, a shop's) says little about who it is:
# it scores less, and past this many persons it brings up no candidates of its own.
PHONE_BLOCK_LIMIT = 12


@dataclass(frozen=True)
class _Entry:
    record: PersonRecord
    known: Known
    keys: tuple[BlockKey, ...]


class _Scored:
    """A candidate scored (a plain class, as `Query`: one is built for every candidate)."""

    def __init__(
        self,
        points: float,
        name_points: float,
        corroborated: bool,
        reasons: tuple[str, ...],
        entry: _Entry,
    ) -> None:
        self.points = points
        self.name_points = name_points
        self.corroborated = corroborated
        self.reasons = reasons
        self.entry = entry


_DIGITS = frozenset("0123456789")


def _phone(raw: str | None) -> str | None:
    """A phone as its digits (spaces, dashes, brackets and full-width forms as clerks type
    them), a mobile's country code dropped (+86, 0086, 86 before 11 digits starting 1)."""
    if not raw:
        return None
    digits = "".join([c for c in unicodedata.normalize("NFKC", raw) if c in _DIGITS])
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and len(rest) == 11 and rest[0] == "1":
            return rest
    return digits or None


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


def make_query(
    *,
    name: str | None,
    id_number: str | None = None,
    birth_date: date | None = None,
    region_code: str | None = None,
    phone: str | None = None,
) -> Query:
    """A warning's person in normal form (any field may be missing, the name too)."""
    number, written = normal_id_and_birth(id_number)
    valid = written is not None
    cleaned = clean_name(name) if name else ""
    # The ID's own date when no other is given — and a given date that is the ID's: the
    # gateway fills it in from the ID, and either way it is the ID agreeing a second time.
    from_id = valid and number is not None and (birth_date is None or birth_date == written)
    return Query(
        id_number=number,
        id_valid=valid,
        name=cleaned,
        pinyin=pinyin_of(cleaned),
        loose=loose_pinyin(cleaned),
        surname=surname_of(cleaned),
        birth_date=written if from_id else birth_date,
        village_code=region_code or None,
        phone=_phone(phone),
        birth_from_id=from_id,
    )


class LinkIndex:
    """Registry persons by ID, by (name sound, birth date), (name sound, village),
    (surname, birth date, township), phone and household; implements the service's
    Resolver."""

    def __init__(self, config: LinkConfig | None = None) -> None:
        self.config = config or LinkConfig()
        self._entries: dict[int, _Entry] = {}
        self._slots: dict[UUID, int] = {}
        self._by_id: dict[str, int] = {}
        # An ID the registry gives more than one person (a record entered twice, a clerk's
        # slip): its other holders, so that every one of them is a candidate. Rare.
        self._also_by_id: dict[str, list[int]] = {}
        self._blocks: dict[BlockKey, set[int]] = defaultdict(set)
        self._households: dict[UUID, set[int]] = defaultdict(set)
        self._phone_homes: dict[str, dict[UUID, int]] = defaultdict(dict)
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

    def household_of(self, person_id: UUID) -> UUID | None:
        """The household a known person is in (None: not known)."""
        slot = self._slots.get(person_id)
        return None if slot is None else self._entries[slot].record.household_id

    def has_household(self, household_id: UUID) -> bool:
        """True while a known person is in the household."""
        return household_id in self._households

    def upsert(self, person: PersonRecord) -> None:
        """Add a person or replace what is known of them."""
        self.remove(person.person_id)
        name = clean_name(person.name)
        id_number, written = normal_id_and_birth(person.id_number)  # the ID's date read once
        slot = self._next
        self._next += 1
        known = Known(
            slot=slot,
            id_number=id_number or "",
            id_valid=written is not None,
            name=name,
            pinyin=pinyin_of(name),
            loose=loose_pinyin(name),
            surname=surname_of(name),
            birth_date=person.birth_date or written,
            village_code=person.village_code,
            phone=_phone(person.phone),
        )
        entry = _Entry(person, known, _keys(known))
        self._entries[slot] = entry
        self._slots[person.person_id] = slot
        if known.id_number:
            first = self._by_id.setdefault(known.id_number, slot)
            if first != slot:
                self._also_by_id.setdefault(known.id_number, []).append(slot)
        for key in entry.keys:
            self._blocks[key].add(slot)
        self._households[person.household_id].add(slot)
        if known.phone:
            homes = self._phone_homes[known.phone]
            homes[person.household_id] = homes.get(person.household_id, 0) + 1

    def remove(self, person_id: UUID) -> None:
        """Forget a person."""
        slot = self._slots.pop(person_id, None)
        if slot is None:
            return
        entry = self._entries.pop(slot)
        if entry.known.id_number:
            self._forget_id(entry.known.id_number, slot)
        for key in entry.keys:
            bucket = self._blocks.get(key)
            if bucket is not None:
                bucket.discard(slot)
                if not bucket:
                    del self._blocks[key]
        household = entry.record.household_id
        self._households[household].discard(slot)
        if not self._households[household]:
            del self._households[household]
        if entry.known.phone:
            homes = self._phone_homes[entry.known.phone]
            homes[household] -= 1
            if not homes[household]:
                del homes[household]
            if not homes:
                del self._phone_homes[entry.known.phone]

    def _forget_id(self, id_number: str, slot: int) -> None:
        others = self._also_by_id.get(id_number)
        if self._by_id.get(id_number) == slot:
            if others:  # the next holder takes its place
                self._by_id[id_number] = others.pop(0)
            else:
                del self._by_id[id_number]
        elif others and slot in others:
            others.remove(slot)
        if others is not None and not others:
            del self._also_by_id[id_number]

    def _holders(self, id_number: str, found: set[int]) -> bool:
        """Add the persons the registry gives this ID to `found`; whether there are any."""
        slot = self._by_id.get(id_number)
        if slot is None:
            return False
        found.add(slot)
        others = self._also_by_id.get(id_number)
        if others:
            found.update(others)
        return True

    def query(self, person: PersonRef) -> Query:
        """A warning's person in normal form."""
        return make_query(
            name=person.name,
            id_number=person.id_number,
            birth_date=person.birth_date,
            region_code=person.region_code,
            phone=person.phone,
        )

    def _id_candidates(self, query: Query) -> set[int]:
        found: set[int] = set()
        if not query.id_number:
            return found
        if not self._holders(query.id_number, found) and not query.id_valid:
            for neighbour in id_neighbours(query.id_number):
                self._holders(neighbour, found)
        return found

    def candidates(self, query: Query) -> set[int]:
        """Slots sharing a blocking key with the query."""
        found = self._id_candidates(query)
        village = (
            query.village_code if query.village_code and query.village_code[9:] != "000" else None
        )
        births: set[date] = set()
        if query.birth_date:
            given = query.birth_date
            births.add(given)
            if given.day <= 12 and not query.birth_from_id:  # day and month swapped
                births.add(date(given.year, given.day, given.month))
        if query.id_number and not query.id_valid and len(query.id_number) == 18:
            written = id_birth(query.id_number)  # a broken ID's date is usually still right
            if written:
                births.add(written)
        keys: list[BlockKey] = []
        for birth in births:
            keys.append(("nb", query.loose, birth))
            if query.village_code:
                keys.append(("sbt", query.surname, birth, query.village_code[:9]))
        if village:
            keys.append(("nv", query.loose, village))
        for key in keys:
            found |= self._blocks.get(key, set())
        if query.phone:
            bucket = self._blocks.get(("p", query.phone), set())
            if len(bucket) <= PHONE_BLOCK_LIMIT:
                found |= bucket
        return found

    def _score(self, query: Query, slot: int) -> _Scored:
        entry = self._entries[slot]
        phone = entry.known.phone
        shared = bool(phone) and len(self._phone_homes.get(phone or "", ())) > 1
        points = score(query, entry.known, phone_shared=shared)
        return _Scored(points.total, points.name, points.corroborated, points.reasons, entry)

    def resolve(self, person: PersonRef) -> Resolution:
        """Score the candidates and decide auto / review / unmatched."""
        return self.decide(self.query(person))

    def decide(self, query: Query) -> Resolution:
        """Score the query's candidates and decide auto / review / unmatched."""
        scored = sorted(
            (self._score(query, slot) for slot in self.candidates(query)),
            key=lambda s: (-s.points, s.entry.known.slot),
        )
        config = self.config
        # A registered ID is never "not in the registry": with a contradicting name (or when
        # the name and birth date point at someone else) it is for people to look at.
        holder = next((s for s in scored if "id_number:exact" in s.reasons), None)
        if not scored or (scored[0].points < config.review_at and holder is None):
            return _unmatched(query, scored[0].points if scored else None)
        best = scored[0]
        runner_up = scored[1].points if len(scored) > 1 else float("-inf")
        relative = self._better_named_relative(query, best)
        listed = [s for s in scored[:5] if s.points >= config.review_at or s is best or s is holder]
        if holder is not None and holder not in listed:
            listed.append(holder)  # whose ID it is
        if relative is not None and all(s.entry is not relative for s in listed):
            listed.append(self._score(query, relative.known.slot))  # whose name it is
        name_disagrees = best.name_points < 0
        if name_disagrees and relative is None:
            # Whose name it is, when the keys brought up someone who has it (a neighbour's
            # ID typed on 杨德明's row, 杨德明 in the same village): scored low for the ID
            # that is not his, yet the one staff will want to choose.
            named = max(scored, key=lambda s: s.name_points)
            if named.name_points > 0 and all(s is not named for s in listed):
                listed.append(named)
        shortlist = tuple(
            Candidate(
                s.entry.record.person_id,
                s.entry.record.household_id,
                probability(s.points),
                s.reasons,
            )
            for s in listed
        )
        if (
            best.points >= config.auto_at
            and best.points - runner_up >= config.margin
            and not name_disagrees
            and best.corroborated
            and relative is None
            and (holder is None or holder is best)  # never past the one the ID is registered to
        ):
            return Resolution(
                "auto",
                probability(best.points),
                best.reasons,
                best.entry.record.person_id,
                best.entry.record.household_id,
                shortlist,
                person_name=best.entry.record.name,
            )
        return _review(
            best,
            runner_up,
            shortlist,
            config,
            name_disagrees,
            relative is not None,
            holder is not None and holder is not best,
        )

    def _better_named_relative(self, query: Query, best: _Scored) -> _Entry | None:
        """Another member of the best candidate's household whose name fits the warning
        better, when it was the ID that brought the best one up (a relative's ID typed in)."""
        if not query.name or not any(r.startswith("id_number:") for r in best.reasons):
            return None
        if "id_number:differs" in best.reasons:
            return None
        if best.name_points >= NAME_EQUAL:
            return None  # no name scores more than the name written the same
        top: _Entry | None = None
        top_points = best.name_points
        for slot in self._households.get(best.entry.record.household_id, ()):
            entry = self._entries[slot]
            if entry is best.entry:
                continue
            points, _ = name_points(query, entry.known)
            if points > top_points:
                top, top_points = entry, points
        return top


def _review(
    best: _Scored,
    runner_up: float,
    shortlist: tuple[Candidate, ...],
    config: LinkConfig,
    name_disagrees: bool,
    relative: bool,
    id_held_by_another: bool,
) -> Resolution:
    if relative:
        code = "id_of_household_member"
        text = "身份证号码属于同户另一成员，姓名与同户其他成员更相符，请人工核对"
    elif id_held_by_another:
        code = "id_held_by_another"
        text = "身份证号码属于人员库中另一人，与姓名、出生日期等所指人员不同，请人工核对"
    elif name_disagrees:
        code = "name_disagrees"
        text = "证件等信息一致但姓名不符，请人工核对：" + reasons_text(best.reasons)
    elif not best.corroborated:
        code = "uncorroborated"
        text = "仅姓名相近、出生日期相符，缺少证件号码、住址或电话佐证，请人工核对"
    elif best.points - runner_up < config.margin:
        code = "ambiguous"
        text = f"有{len(shortlist)}名人员条件相近，无法自动确定，请人工核对"
    else:
        code = "low_score"
        text = "部分信息一致但不足以自动确认，请人工核对：" + reasons_text(best.reasons)
    return Resolution(
        "review",
        probability(best.points),
        best.reasons,
        candidates=shortlist,
        reason_code=code,
        reason_zh=text,
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
