"""A labelled synthetic registry and warnings with the noise agencies' rows really carry.

Registry: households of 1–6 in 12 townships × 15 villages, common surnames and given names (so
namesakes exist), birth dates inside valid GB 11643 IDs, phones for most heads.
Warnings: mostly about registered people, some about people the registry lacks (some sharing
a registered name); IDs exact, with one wrong digit, two digits swapped, lower-case x,
full-width, or missing; names in traditional characters, with a homophone, a wrong character,
or spaces; birth date, village (sometimes a neighbour's) and phone present or not.
Each warning carries its true person id ("" when not in the registry). Deterministic per seed.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import opencc
from shouwang_kit.idnumber import check_char

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
SURNAMES += "于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉红志文辉鹏飞斌波宇浩凯"
HOMOPHONES = {
    "伟": "玮纬维",
    "芳": "方坊",
    "丽": "莉俐立",
    "明": "鸣铭",
    "军": "君均",
    "平": "萍苹",
    "英": "瑛莹",
    "红": "鸿宏",
    "强": "墙蔷",
    "敏": "闽珉",
    "静": "靖敬",
    "秀": "绣琇",
    "兰": "蓝岚",
    "建": "剑健",
    "国": "帼",
    "玉": "宇雨",
    "华": "桦",
    "志": "智治",
    "文": "雯",
    "辉": "晖徽",
    "鹏": "朋",
    "飞": "菲",
    "波": "博",
    "宇": "雨羽",
    "浩": "昊皓",
    "杰": "洁",
    "娟": "涓",
    "涛": "韬",
    "霞": "侠",
    "刚": "钢",
    "桂": "贵",
    "超": "潮",
    "勇": "永",
    "艳": "燕",
    "磊": "蕾",
    "娜": "纳",
    "洋": "阳杨",
    "斌": "彬",
    "凯": "楷",
    "张": "章",
    "李": "黎",
}
OTHER_CHARS = "德福贵春秋冬梅竹松海山川林森水清新光荣华永安家成"
TOWNSHIPS = 12
VILLAGES = 15


@dataclass(frozen=True)
class RegistryRow:
    """A registered person (the CLI's R columns)."""

    person_id: str
    household_id: str
    id_number: str
    name: str
    gender: str
    birth_date: str
    village_code: str
    phone: str


@dataclass(frozen=True)
class WarningRow:
    """A warning (the CLI's W columns) and its truth."""

    warning_id: str
    id_number: str
    name: str
    birth_date: str
    village_code: str
    phone: str
    true_person_id: str  # "" when the person is not in the registry
    id_class: str  # valid, broken, missing


def _village(rng: random.Random) -> str:
    return f"532929{rng.randrange(101, 101 + TOWNSHIPS):03d}{rng.randrange(1, VILLAGES + 1):03d}"


def _birth(rng: random.Random) -> date:
    return date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 75))


def _id_for(rng: random.Random, birth: date, male: bool, used: set[str]) -> str:
    while True:
        seq = rng.randrange(100) * 10 + (rng.randrange(5) * 2 + (1 if male else 0))
        first17 = f"532929{birth:%Y%m%d}{seq:03d}"
        id_number = first17 + check_char(first17)
        if id_number not in used:
            used.add(id_number)
            return id_number


def _given(rng: random.Random) -> str:
    return rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")


def registry(persons: int, seed: int = 1) -> Iterator[RegistryRow]:
    """`persons` registered people in households."""
    rng = random.Random(seed)
    used: set[str] = set()
    made = 0
    household = 0
    while made < persons:
        household += 1
        village = _village(rng)
        surname = rng.choice(SURNAMES)
        phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        for member in range(min(rng.randint(1, 6), persons - made)):
            male = rng.random() < 0.5
            birth = _birth(rng)
            made += 1
            yield RegistryRow(
                person_id=f"P{made:08d}",
                household_id=f"H{household:08d}",
                id_number=_id_for(rng, birth, male, used),
                name=(surname if member < 2 or rng.random() < 0.8 else rng.choice(SURNAMES))
                + _given(rng),
                gender="male" if male else "female",
                birth_date=birth.isoformat(),
                village_code=village,
                phone=phone if member == 0 or rng.random() < 0.3 else "",
            )


def _slip(rng: random.Random, id_number: str) -> str:
    """One wrong digit (70%) or two adjacent characters swapped (30%), never still valid."""
    for _ in range(50):
        chars = list(id_number)
        if rng.random() < 0.7:
            i = rng.randrange(18)
            chars[i] = rng.choice([d for d in "0123456789" if d != chars[i]])
        else:
            i = rng.randrange(17)
            if chars[i] == chars[i + 1]:
                continue
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        slipped = "".join(chars)
        if slipped != id_number:
            return slipped
    return id_number[:-1] + ("0" if id_number[-1] != "0" else "1")


def _noisy_name(rng: random.Random, name: str, to_traditional: opencc.OpenCC) -> str:
    roll = rng.random()
    if roll < 0.08:
        return str(to_traditional.convert(name))
    if roll < 0.16:
        chars = list(name)
        spots = [i for i, c in enumerate(chars) if c in HOMOPHONES and i > 0] or [
            i for i, c in enumerate(chars) if c in HOMOPHONES
        ]
        if spots:
            i = rng.choice(spots)
            chars[i] = rng.choice(HOMOPHONES[chars[i]])
            return "".join(chars)
    if roll < 0.20:
        chars = list(name)
        chars[-1] = rng.choice(OTHER_CHARS)
        return "".join(chars)
    if roll < 0.24:
        return " ".join(name) if rng.random() < 0.5 else name[:1] + "·" + name[1:]
    return name


def _display_id(rng: random.Random, id_number: str) -> str:
    roll = rng.random()
    if roll < 0.03:
        return id_number.lower()
    if roll < 0.06:
        return id_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    return id_number


def warnings(people: list[RegistryRow], count: int, seed: int = 2) -> Iterator[WarningRow]:
    """`count` warnings: 85% about registered people, with realistic noise."""
    rng = random.Random(seed)
    to_traditional = opencc.OpenCC("s2t")
    used = {p.id_number for p in people}
    for n in range(count):
        if rng.random() < 0.85:
            person = rng.choice(people)
            truth = person.person_id
            id_number, name, village = person.id_number, person.name, person.village_code
            birth, phone = person.birth_date, person.phone
        else:  # not in the registry; a third of them share a registered name and village
            truth = ""
            male = rng.random() < 0.5
            born = _birth(rng)
            id_number = _id_for(rng, born, male, used)
            twin = rng.choice(people) if rng.random() < 0.33 else None
            name = twin.name if twin else rng.choice(SURNAMES) + _given(rng)
            village = twin.village_code if twin else _village(rng)
            birth, phone = born.isoformat(), f"13{rng.randrange(10**9):09d}"
        roll = rng.random()
        if roll < 0.62:
            id_class, shown_id = "valid", _display_id(rng, id_number)
        elif roll < 0.80:
            id_class, shown_id = "broken", _slip(rng, id_number)
        else:
            id_class, shown_id = "missing", ""
        place = rng.random()
        if place < 0.7:
            shown_village = village
        elif place < 0.8:
            shown_village = village[:9] + f"{rng.randrange(1, VILLAGES + 1):03d}"
        else:
            shown_village = ""
        phone_roll = rng.random()
        shown_phone = phone if phone and phone_roll < 0.4 else ""
        if shown_phone and rng.random() < 0.1:
            shown_phone = f"13{rng.randrange(10**9):09d}"  # changed number
        yield WarningRow(
            warning_id=f"W{n:08d}",
            id_number=shown_id,
            name=_noisy_name(rng, name, to_traditional),
            # The gateway requires a birth date when there is no ID number; with a broken ID
            # agencies usually still send it.
            birth_date=birth
            if id_class == "missing" or (id_class == "broken" and rng.random() < 0.75)
            else "",
            village_code=shown_village,
            phone=shown_phone,
            true_person_id=truth,
            id_class=id_class,
        )


REGISTRY_COLUMNS = list(RegistryRow.__dataclass_fields__)
WARNING_COLUMNS = ["warning_id", "id_number", "name", "birth_date", "village_code", "phone"]


def write_registry(path: Path, rows: list[RegistryRow]) -> None:
    """R.csv for `shouwang-match link`."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(REGISTRY_COLUMNS)
        out.writerows([getattr(r, c) for c in REGISTRY_COLUMNS] for r in rows)


def write_warnings(path: Path, rows: list[WarningRow]) -> None:
    """W.csv for `shouwang-match link` (without the truth)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(WARNING_COLUMNS)
        out.writerows([getattr(r, c) for c in WARNING_COLUMNS] for r in rows)


@dataclass(frozen=True)
class Metrics:
    """How the decisions compare with the truth."""

    auto: int
    auto_correct: int
    review: int
    total: int
    recall: dict[str, float]  # per ID class, among warnings about registered people

    @property
    def precision(self) -> float:
        """Share of auto decisions that chose the right person."""
        return self.auto_correct / self.auto if self.auto else 1.0

    @property
    def review_share(self) -> float:
        """Share of warnings sent to people."""
        return self.review / self.total if self.total else 0.0


def evaluate(rows: list[WarningRow], decided: dict[str, tuple[str, str]]) -> Metrics:
    """Metrics for decisions {warning_id: (decision, person_id)}."""
    auto = correct = review = 0
    hits: dict[str, int] = {}
    present: dict[str, int] = {}
    for row in rows:
        decision, person = decided[row.warning_id]
        if decision == "auto":
            auto += 1
            if person == row.true_person_id:
                correct += 1
        elif decision == "review":
            review += 1
        if row.true_person_id:
            present[row.id_class] = present.get(row.id_class, 0) + 1
            if decision == "auto" and person == row.true_person_id:
                hits[row.id_class] = hits.get(row.id_class, 0) + 1
    recall = {k: hits.get(k, 0) / v for k, v in present.items()}
    return Metrics(auto, correct, review, len(rows), recall)
