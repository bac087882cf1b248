"""A labelled synthetic registry and warnings carrying the noise agencies' rows really carry.

Registry: a prefecture of counties → townships → villages (~2,000 people a village, 12-digit
codes); households of 1–6 (head, spouse with her own surname and often an ID from another county,
children with the head's surname and often a shared generation character, some twins, an elderly
parent); surnames by their real frequency and common given names, so 张伟 and 王芳 recur; valid
GB 11643 IDs whose birth date is the person's; phones for most adults, shared household phones,
and a village cadre's phone for some lone elders. A few registry IDs are mistyped or missing.

Warnings: 85% about registered people. IDs exact (some with lower-case x, full-width digits,
spaces or the old 15-digit form), with one slip (wrong digit, adjacent swap, dropped or doubled
digit), two slips, another household member's ID, or missing; names in traditional characters,
with a homophone, a confusable sound, a wrong or dropped character, two swapped, or spaces;
birth dates with a digit wrong or day and month swapped; a neighbour village's code, the
township's code or none; phones missing or changed. The other 15% are people the registry
lacks: strangers, namesakes in the same village, new members of registered households,
namesakes born the same day elsewhere.
Each warning carries its true person id ("" when not registered) and a label of the noise it
carries (`breakdown` counts wrong autos and misses by it). Deterministic per seed.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import opencc
from matching.entrypoints.link_cli import REGISTRY_COLUMNS, WARNING_COLUMNS
from shouwang_kit.idnumber import check_char

# `shouwang-match link` as its module runs it: `python` and these arguments, then the files'.
LINK_ARGUMENTS = ["-m", "matching.entrypoints.link_cli", "link"]

# Surnames with their approximate share (per mille) in China's population.
SURNAMES = {
    "王": 71, "李": 70, "张": 67, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 20, "吴": 20,
    "周": 19, "徐": 13, "孙": 13, "马": 11, "朱": 11, "胡": 10, "郭": 10, "何": 9, "高": 9,
    "林": 9, "罗": 9, "郑": 7, "梁": 7, "谢": 6, "宋": 6, "唐": 5, "许": 5, "韩": 5, "冯": 4,
    "邓": 4, "曹": 4, "彭": 4, "曾": 4, "肖": 4, "田": 4, "董": 4, "段": 4, "袁": 3, "潘": 3,
    "于": 3, "蒋": 3, "蔡": 3, "余": 3, "杜": 3, "叶": 3, "程": 3, "苏": 3, "魏": 2, "吕": 2,
    "丁": 2, "任": 2, "沈": 2, "姚": 2, "卢": 2, "欧阳": 1, "单": 1, "解": 1,
}  # fmt: skip
MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞斌波宇浩凯建国志文海林峰成东龙亮俊兵福贵德荣金忠学顺永云正"
FEMALE = "芳娜秀英敏静丽艳娟霞兰桂玉红梅燕萍琴珍莲凤琳婷雪慧丹蓉芬莉花春月翠"
POPULAR_MALE = ["伟", "强", "磊", "军", "勇", "杰", "涛", "建华", "建国", "志强", "国强", "永红"]
POPULAR_FEMALE = [
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "秀英",
    "桂英",
    "秀兰",
    "玉兰",
    "桂兰",
    "秀珍",
]
HOMOPHONES = {
    "伟": "玮纬维", "芳": "方坊", "丽": "莉俐", "明": "鸣铭", "军": "君均", "平": "萍苹",
    "英": "瑛莹", "红": "鸿宏", "强": "蔷", "敏": "闽珉", "静": "靖敬", "秀": "绣琇", "兰": "蓝岚",
    "建": "剑健", "国": "帼", "玉": "宇雨", "华": "桦", "志": "智治", "文": "雯", "辉": "晖徽",
    "鹏": "朋", "飞": "菲", "波": "博", "浩": "昊皓", "杰": "洁", "娟": "涓", "涛": "韬",
    "霞": "侠", "刚": "钢", "桂": "贵", "勇": "永", "艳": "燕", "磊": "蕾", "娜": "纳", "斌": "彬",
    "凯": "楷", "峰": "锋丰", "东": "冬", "龙": "隆", "俊": "峻骏", "梅": "玫", "琴": "芹",
    "珍": "贞", "凤": "风", "婷": "亭", "慧": "惠蕙", "丹": "单", "春": "椿", "张": "章",
    "李": "里", "刘": "留", "杨": "阳", "周": "洲", "徐": "许", "林": "琳", "程": "成",
}  # fmt: skip
# Sounds south-western Mandarin speakers and clerks confuse (n/l, -n/-ng, z/zh, c/ch, s/sh).
SOUNDS_ALIKE = {
    "林": "凌宁", "陈": "程", "金": "京", "斌": "兵", "芬": "峰", "兰": "南", "刘": "牛",
    "琳": "玲", "珍": "争", "春": "纯", "曾": "郑", "顺": "孙", "宁": "林", "静": "锦",
}  # fmt: skip
PREFECTURE = "5329"
LAST_BIRTH = date(2023, 12, 31)
OTHER_COUNTIES = ("530102", "530381", "532301", "533102", "513401", "522401")


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
    real_id_number: str = ""  # the person's true ID where the registry's copy is wrong or empty


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
    noise: str = ""  # what was done to the row, e.g. "id:swap name:homophone" (for breakdowns)


def villages_for(persons: int) -> list[str]:
    """Village codes: ~2,000 people a village, 12 villages a township, 12 townships a county."""
    count = max(24, persons // 2_000)
    codes = []
    for n in range(count):
        county, rest = divmod(n, 144)
        township, village = divmod(rest, 12)
        codes.append(f"{PREFECTURE}{22 + county:02d}{101 + township:03d}{201 + village:03d}")
    return codes


def _id(rng: random.Random, region: str, birth: date, male: bool) -> str:
    seq = rng.randrange(100) * 10 + rng.randrange(5) * 2 + (1 if male else 0)
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _born(rng: random.Random, earliest: int, latest: int) -> date:
    start = date(earliest, 1, 1)
    return start + timedelta(days=rng.randrange((date(latest, 12, 31) - start).days))


class _Namer:
    """Names with realistic frequency: surnames by share, common given names, 字辈 siblings."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = list(SURNAMES)
        self.weights = list(SURNAMES.values())

    def surname(self) -> str:
        return self.rng.choices(self.surnames, self.weights)[0]

    def given(self, male: bool, generation: str = "") -> str:
        rng = self.rng
        if generation:
            return generation + rng.choice(MALE if male else FEMALE)
        if rng.random() < 0.12:
            return rng.choice(POPULAR_MALE if male else POPULAR_FEMALE)
        pool = MALE if male else FEMALE
        return rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.75 else "")


def registry(persons: int, seed: int = 1) -> Iterator[RegistryRow]:
    """`persons` registered people in households."""
    rng = random.Random(seed)
    namer = _Namer(rng)
    villages = villages_for(persons)
    cadre_phones = {v: _phone(rng) for v in villages}
    used: set[str] = set()
    made = household = 0
    while made < persons:
        household += 1
        village = rng.choice(villages)
        members = _household(rng, namer, village[:6])
        home_phone = _phone(rng) if rng.random() < 0.9 else ""
        if len(members) == 1 and members[0][2].year < 1960 and rng.random() < 0.3:
            home_phone = cadre_phones[village]  # a lone elder reached through the cadre
        for n, (name, male, born, region) in enumerate(members[: persons - made]):
            made += 1
            id_number = _id(rng, region, born, male)
            while id_number in used:
                id_number = _id(rng, region, born, male)
            used.add(id_number)
            kept = _registry_id(rng, id_number)
            adult = born.year < 2006
            own = adult and n > 0 and rng.random() < 0.35
            phone = home_phone if n == 0 else (_phone(rng) if own else "")
            if not phone and n > 0 and rng.random() < 0.4:
                phone = home_phone
            yield RegistryRow(
                person_id=f"P{made:08d}",
                household_id=f"H{household:08d}",
                id_number=kept,
                name=name,
                gender="male" if male else "female",
                birth_date=born.isoformat(),
                village_code=village,
                phone=phone,
                real_id_number="" if kept == id_number else id_number,
            )


def _registry_id(rng: random.Random, id_number: str) -> str:
    """The registry's own copy: a few mistyped, a very few missing."""
    roll = rng.random()
    if roll < 0.002:
        return _slip(rng, id_number, 1)[0]
    return "" if roll < 0.003 else id_number


def _household(rng: random.Random, namer: _Namer, county: str) -> list[tuple[str, bool, date, str]]:
    """Members as (name, male, birth date, region of their ID)."""
    size = rng.choices([1, 2, 3, 4, 5, 6], [12, 22, 22, 20, 14, 10])[0]
    surname = namer.surname()
    head_male = rng.random() < 0.85
    head_born = _born(rng, 1935, 1995)
    head = (surname + namer.given(head_male), head_male, head_born, county)
    members = [head]
    if size >= 2:  # spouse: her (his) own surname, often born in another county
        born = head_born + timedelta(days=rng.randint(-2_000, 2_000))
        region = rng.choice(OTHER_COUNTIES) if rng.random() < 0.3 else county
        members.append((namer.surname() + namer.given(not head_male), not head_male, born, region))
    generation = namer.given(True)[:1] if rng.random() < 0.5 else ""
    while len(members) < size:
        if len(members) == 5 or (len(members) == 2 and rng.random() < 0.1):
            male = rng.random() < 0.4  # an elderly parent
            born = head_born - timedelta(days=rng.randint(7_000, 13_000))
            if born.year < 1925:
                break  # no living parent that old
            name = (surname if male else namer.surname()) + namer.given(male)
            members.append((name, male, born, county))
            continue
        male = rng.random() < 0.52
        earliest = head_born + timedelta(days=7_000)
        if earliest >= LAST_BIRTH:
            break  # the head is too young for children
        born = min(earliest + timedelta(days=rng.randint(0, 6_000)), LAST_BIRTH)
        if born == LAST_BIRTH:
            born = earliest + timedelta(days=rng.randrange((LAST_BIRTH - earliest).days))
        members.append((surname + namer.given(male, generation), male, born, county))
        if len(members) < size and rng.random() < 0.03:  # twins
            twin_male = rng.random() < 0.5
            members.append((surname + namer.given(twin_male, generation), twin_male, born, county))
    return members


def _slip(rng: random.Random, id_number: str, slips: int) -> tuple[str, str]:
    """`slips` keying slips (a wrong digit, two different neighbours swapped, a digit dropped
    or doubled) and what they were."""
    text, kinds = id_number, []
    for _ in range(slips):
        roll = rng.random()
        i = rng.randrange(len(text) - 1)
        if roll < 0.6:
            text = text[:i] + rng.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]
            kinds.append("digit")
        elif roll < 0.9:
            swappable = [j for j in range(len(text) - 1) if text[j] != text[j + 1]]
            j = rng.choice(swappable)
            text = text[:j] + text[j + 1] + text[j] + text[j + 2 :]
            kinds.append("swap")
        elif roll < 0.95:
            text = text[:i] + text[i + 1 :]
            kinds.append("dropped")
        else:
            text = text[:i] + text[i] + text[i:]
            kinds.append("doubled")
    if text == id_number:  # two slips that undid each other
        return id_number[:17] + ("0" if id_number[17] != "0" else "1"), "digit"
    return text, "+".join(kinds)


def _shown_id(rng: random.Random, id_number: str) -> tuple[str, str]:
    """A correct ID as agencies type it."""
    roll = rng.random()
    if id_number.endswith("X") and roll < 0.4:
        return id_number.lower(), "lower_x"
    if roll < 0.03:
        return id_number.translate(
            str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
        ), "full_width"
    if roll < 0.05:
        return f"{id_number[:6]} {id_number[6:14]} {id_number[14:]}", "spaces"
    if roll < 0.06 and id_number[6:8] == "19":
        return id_number[:6] + id_number[8:17], "old_15"  # the old 15-digit form
    return id_number, "exact"


def _replace_one(rng: random.Random, chars: list[str], table: dict[str, str]) -> str | None:
    """One character that `table` knows replaced by one of its alternatives, if any is."""
    options = [i for i in range(len(chars)) if chars[i] in table]
    if not options:
        return None
    i = rng.choice(options)
    chars[i] = rng.choice(table[chars[i]])
    return "".join(chars)


def _noisy_name(rng: random.Random, name: str, to_traditional: opencc.OpenCC) -> tuple[str, str]:
    roll = rng.random()
    chars = list(name)
    spots = list(range(1, len(chars))) or [0]
    if roll < 0.08:
        shown = str(to_traditional.convert(name))
        return shown, "traditional" if shown != name else "same"
    if roll < 0.14 and (homophone := _replace_one(rng, chars, HOMOPHONES)):
        return homophone, "homophone"
    if roll < 0.16 and (alike := _replace_one(rng, chars, SOUNDS_ALIKE)):
        return alike, "sounds_alike"
    if roll < 0.19 and len(chars) >= 3:  # in a two-character name it is another name
        i = rng.choice(spots)
        chars[i] = rng.choice([c for c in MALE + FEMALE if c != chars[i]])
        return "".join(chars), "wrong_char"
    if roll < 0.20 and len(chars) >= 3:
        del chars[rng.choice(spots)]
        return "".join(chars), "dropped_char"
    if roll < 0.22:
        shown = " ".join(name) if rng.random() < 0.5 else name[:1] + "·" + name[1:]
        return shown, "spaces"
    if roll < 0.23 and len(chars) >= 3 and chars[-1] != chars[-2]:
        chars[-1], chars[-2] = chars[-2], chars[-1]  # the given name's two transcribed swapped
        return "".join(chars), "swapped"
    return name, "same"


def _noisy_birth(rng: random.Random, born: date) -> tuple[str, str]:
    if rng.random() < 0.03:
        if born.day <= 12 and born.day != born.month and rng.random() < 0.5:
            return date(born.year, born.day, born.month).isoformat(), "day_month"
        swap = rng.random() < 0.3  # two adjacent digits typed the other way round (1968 → 1986)
        for _ in range(10):
            text = list(f"{born:%Y%m%d}")
            # a swap stays inside the year's last two digits, the month or the day
            i = rng.choice((2, 4, 6)) if swap else rng.randrange(2, 8)
            if swap:
                if text[i] == text[i + 1]:
                    continue
                text[i], text[i + 1] = text[i + 1], text[i]
            else:
                text[i] = rng.choice([d for d in "0123456789" if d != text[i]])
            try:
                wrong = date(
                    int("".join(text[:4])), int("".join(text[4:6])), int("".join(text[6:]))
                )
                return wrong.isoformat(), "digits_swapped" if swap else "digit"
            except ValueError:
                continue
    return born.isoformat(), "same"


@dataclass(frozen=True)
class _Truth:
    person_id: str
    id_number: str
    name: str
    born: date
    village: str
    phone: str
    household: list[RegistryRow]
    kind: str = "registered"


def _stranger(
    rng: random.Random, namer: _Namer, people: list[RegistryRow], villages: list[str]
) -> _Truth:
    """Someone the registry lacks."""
    roll = rng.random()
    male = rng.random() < 0.5
    born = _born(rng, 1940, 2015)
    village = rng.choice(villages)
    name = namer.surname() + namer.given(male)
    phone = _phone(rng) if rng.random() < 0.7 else ""
    other = rng.choice(people)
    kind = "stranger"
    if roll < 0.30:  # a namesake in the same village
        name, village, kind = other.name, other.village_code, "village_namesake"
    elif roll < 0.50:  # a new member of a registered household
        name = other.name[:1] + namer.given(male)
        village, phone, kind = other.village_code, other.phone, "new_member"
    elif roll < 0.55:  # a namesake born the same day in another county
        name, born = other.name, date.fromisoformat(other.birth_date)
        elsewhere = [v for v in villages if v[:6] != other.village_code[:6]]
        outside = f"{rng.choice(OTHER_COUNTIES)}{rng.randrange(101, 113):03d}201"
        village = rng.choice(elsewhere) if elsewhere else outside  # a registry of one county
        kind = "same_day_namesake"
    region = village[:6] if rng.random() < 0.8 else rng.choice(OTHER_COUNTIES)
    return _Truth("", _id(rng, region, born, male), name, born, village, phone, [], kind)


def warnings(people: list[RegistryRow], count: int, seed: int = 2) -> Iterator[WarningRow]:
    """`count` warnings: 85% about registered people, with realistic noise."""
    rng = random.Random(seed)
    namer = _Namer(rng)
    to_traditional = opencc.OpenCC("s2t")
    villages = sorted({p.village_code for p in people})
    households: dict[str, list[RegistryRow]] = {}
    for p in people:
        households.setdefault(p.household_id, []).append(p)
    for n in range(count):
        if rng.random() < 0.85:
            p = rng.choice(people)
            truth = _Truth(
                p.person_id,
                p.real_id_number or p.id_number,
                p.name,
                date.fromisoformat(p.birth_date),
                p.village_code,
                p.phone,
                households[p.household_id],
            )
        else:
            truth = _stranger(rng, namer, people, villages)
        yield _warning(rng, n, truth, to_traditional)


def _warning(
    rng: random.Random, n: int, truth: _Truth, to_traditional: opencc.OpenCC
) -> WarningRow:
    roll = rng.random()
    relatives = [m for m in truth.household if m.person_id != truth.person_id and m.id_number]
    if roll < 0.70:
        id_class, (shown_id, id_noise) = "valid", _shown_id(rng, truth.id_number)
        if relatives and rng.random() < 0.005:  # another member's ID typed in
            shown_id, id_noise = rng.choice(relatives).id_number, "relative"
    elif roll < 0.85:
        slips = 1 if rng.random() < 0.93 else 2
        id_class = "broken"
        shown_id, id_noise = _slip(rng, truth.id_number, slips)
    else:
        id_class, shown_id, id_noise = "missing", "", "none"
    place = rng.random()
    if place < 0.82:
        village, place_noise = truth.village, "same"
    elif place < 0.90:  # a neighbour's code (sometimes their own again)
        village = truth.village[:9] + f"{rng.randrange(201, 213):03d}"
        place_noise = "same" if village == truth.village else "neighbour"
    elif place < 0.94:
        village, place_noise = truth.village[:9] + "000", "township"
    else:
        village, place_noise = "", "none"
    phone = truth.phone if truth.phone and rng.random() < 0.4 else ""
    phone_noise = "same" if phone else "none"
    if phone and rng.random() < 0.15:
        phone, phone_noise = _phone(rng), "changed"
    with_birth = rng.random() < (0.95 if id_class == "missing" else 0.4)
    birth, birth_noise = _noisy_birth(rng, truth.born) if with_birth else ("", "none")
    name, name_noise = _noisy_name(rng, truth.name, to_traditional)
    noise = (
        f"who:{truth.kind} id:{id_noise} name:{name_noise} birth:{birth_noise} "
        f"place:{place_noise} phone:{phone_noise}"
    )
    return WarningRow(
        warning_id=f"W{n:08d}",
        id_number=shown_id,
        name=name,
        birth_date=birth,
        village_code=village,
        phone=phone,
        true_person_id=truth.person_id,
        id_class=id_class,
        noise=noise,
    )


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
    precision_by_class: dict[str, float]
    unmatched_strangers: float  # share of unregistered people reported as unmatched

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
    auto = correct = review = strangers = strangers_unmatched = 0
    hits: dict[str, int] = {}
    present: dict[str, int] = {}
    autos: dict[str, int] = {}
    right: dict[str, int] = {}
    for row in rows:
        decision, person = decided[row.warning_id]
        if decision == "auto":
            auto += 1
            autos[row.id_class] = autos.get(row.id_class, 0) + 1
            if person == row.true_person_id:
                correct += 1
                right[row.id_class] = right.get(row.id_class, 0) + 1
        elif decision == "review":
            review += 1
        if row.true_person_id:
            present[row.id_class] = present.get(row.id_class, 0) + 1
            if decision == "auto" and person == row.true_person_id:
                hits[row.id_class] = hits.get(row.id_class, 0) + 1
        else:
            strangers += 1
            strangers_unmatched += decision == "unmatched"
    return Metrics(
        auto,
        correct,
        review,
        len(rows),
        {k: hits.get(k, 0) / v for k, v in present.items()},
        {k: right.get(k, 0) / v for k, v in autos.items()},
        strangers_unmatched / strangers if strangers else 1.0,
    )


def breakdown(
    rows: list[WarningRow], decided: dict[str, tuple[str, str]]
) -> tuple[Counter[str], Counter[str]]:
    """Wrong autos and misses (registered people not auto-matched to themselves) counted by
    ID class and the noise that differs from a clean row."""
    wrong: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for row in rows:
        decision, person = decided[row.warning_id]
        tags = [
            t
            for t in row.noise.split()
            if not t.endswith((":same", ":exact", ":registered")) and t != "id:none"
        ]
        label = " ".join([row.id_class, *tags])
        if decision == "auto" and person != row.true_person_id:
            wrong[label] += 1
        elif row.true_person_id and decision != "auto":
            missed[f"{decision}: {label}"] += 1
    return wrong, missed


def write_county(
    directory: Path, persons: int, count: int, *, seeds: tuple[int, int] = (1, 2)
) -> tuple[list[RegistryRow], list[WarningRow]]:
    """A labelled county in `directory`: R.csv of `persons` and W.csv of `count` warnings, the
    files `shouwang-match link` takes; returns the rows (with their truth) for scoring."""
    people = list(registry(persons, seed=seeds[0]))
    rows = list(warnings(people, count, seed=seeds[1]))
    write_registry(directory / "R.csv", people)
    write_warnings(directory / "W.csv", rows)
    return people, rows


def link_arguments(directory: Path, out: str) -> list[str]:
    """`--registry R.csv --warnings W.csv --out OUT` for the county `write_county` wrote there
    (what `shouwang-match link` and the Splink comparison both take)."""
    return [
        "--registry",
        str(directory / "R.csv"),
        "--warnings",
        str(directory / "W.csv"),
        "--out",
        str(directory / out),
    ]
