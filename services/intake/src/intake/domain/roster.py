"""Registry exports (花名册 and member lists): Chinese column headers → person rows, or row errors.

One row is one person. Two layouts are read:
- a member list (one row per member, with 姓名 / 证件号码 / 与户主关系 and 户编号 or 户主证件号码):
  the rows of one household are its complete membership;
- a roster of heads only, as the county's 返贫风险对象花名册
  (镇, 村, 户主姓名, 户主证件号码, 家庭人口, 脱贫年度, 返贫风险类型, 详细原因, 包抓干部):
  it updates the household and its head, never removes members it does not list.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from shouwang_kit.cells import cell_text, is_valid_phone, normalise_phone, parse_amount, parse_date
from shouwang_kit.idnumber import IdNumberError, birth_date_of, gender_of, validate_id_number
from shouwang_kit.names import normalise_name

from intake.domain.registry import Category, Gender, HouseholdRecord, MemberRecord

# The documented header map: every accepted spelling of a column → its field.
HEADER_MAP: dict[str, str] = {
    **dict.fromkeys(["户编号", "户码", "家庭编号", "household_number"], "household_number"),
    **dict.fromkeys(["镇", "乡镇", "乡(镇)", "所属乡镇", "township"], "township_name"),
    **dict.fromkeys(["村", "行政村", "所属村", "village"], "village_name"),
    **dict.fromkeys(["区划代码", "村代码", "行政区划代码", "region_code"], "region_code"),
    **dict.fromkeys(["户类型", "农户类型", "户属性", "category"], "category"),
    **dict.fromkeys(["监测对象类型", "监测类型", "monitor_type"], "monitor_type"),
    **dict.fromkeys(["脱贫年度", "脱贫年份", "lifted_year"], "lifted_year"),
    **dict.fromkeys(["家庭人口", "家庭人口数", "household_size"], "declared_size"),
    **dict.fromkeys(["人均纯收入", "家庭人均纯收入", "income_per_head"], "income_per_head"),
    **dict.fromkeys(["收入年度", "income_year"], "income_year"),
    **dict.fromkeys(["风险状态", "风险消除状态", "status"], "status"),
    **dict.fromkeys(["返贫风险类型", "风险类型", "致贫返贫风险类型", "risk_type"], "risk_type"),
    **dict.fromkeys(["详细原因", "风险原因", "risk_reason"], "risk_reason"),
    **dict.fromkeys(["包抓干部", "帮扶责任人", "officer"], "officer_name"),
    **dict.fromkeys(["帮扶责任人电话", "干部联系电话", "officer_phone"], "officer_phone"),
    **dict.fromkeys(["户主姓名", "head_name"], "head_name"),
    **dict.fromkeys(
        ["户主证件号码", "户主身份证号码", "户主身份证号", "head_id_number"], "head_id"
    ),
    **dict.fromkeys(["姓名", "成员姓名", "name"], "name"),
    **dict.fromkeys(["证件号码", "身份证号码", "身份证号", "id_number"], "id_number"),
    **dict.fromkeys(["与户主关系", "relation"], "relation"),
    **dict.fromkeys(["性别", "gender"], "gender"),
    **dict.fromkeys(["出生日期", "birth_date"], "birth_date"),
    **dict.fromkeys(["联系电话", "手机号码", "电话", "phone"], "phone"),
    **dict.fromkeys(["劳动技能", "劳动能力", "labour"], "labour"),
    **dict.fromkeys(["残疾情况", "残疾", "disability"], "disability"),
    **dict.fromkeys(["健康状况", "health"], "health"),
    **dict.fromkeys(["在校生状况", "在校情况", "文化程度", "schooling"], "schooling"),
}

CATEGORY_WORDS: dict[str, Category] = {
    **dict.fromkeys(["脱贫户", "已脱贫户", "脱贫人口", "lifted_out"], "lifted_out"),
    **dict.fromkeys(["监测户", "监测对象", "monitored"], "monitored"),
    **dict.fromkeys(["一般农户", "一般户", "非贫困户", "ordinary"], "ordinary"),
}
MONITOR_TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
HEAD_RELATIONS = ("户主", "本人", "本人或户主")
_GENDERS: dict[str, Gender] = {"男": "male", "女": "female", "male": "male", "female": "female"}


def canonical_header(raw: str) -> str | None:
    """The field a column header stands for (spaces, full-width forms and `*` ignored)."""
    key = unicodedata.normalize("NFKC", raw).replace(" ", "").replace("*", "").strip()
    return HEADER_MAP.get(key) or HEADER_MAP.get(key.lower())


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell of one row: field, machine code, Chinese message."""

    field: str
    code: str
    message: str


class RowRejected(Exception):
    """A row that cannot be imported, with every problem found in it."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.code for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class HouseholdFields:
    """What a row says about its household (the same on every row of one household)."""

    household_number: str | None
    township_name: str
    village_name: str
    region_code: str | None
    category: Category
    monitor_type: str | None = None
    lifted_year: int | None = None
    declared_size: int | None = None
    income_per_head: float | None = None
    income_year: int | None = None
    status: str | None = None
    risk_type: str | None = None
    risk_reason: str | None = None
    officer_name: str | None = None
    officer_phone: str | None = None


@dataclass(frozen=True)
class PersonRow:
    """One valid row: a person and the household they belong to."""

    row_number: int
    household: HouseholdFields
    head_id: str  # the household's head: groups rows when there is no 户编号
    id_number: str
    name: str
    gender: Gender
    birth_date: date
    relation: str
    is_head: bool
    phone: str | None = None
    labour: str | None = None
    disability: str | None = None
    health: str | None = None
    schooling: str | None = None
    members_complete: bool = field(default=True)

    @property
    def household_key(self) -> str:
        """Rows with the same key belong to one household."""
        number = self.household.household_number
        return f"no:{number}" if number else f"head:{self.head_id}"


class _Row:
    """Reads and checks the cells of one record, collecting every error."""

    def __init__(self, cells: Mapping[str, object]) -> None:
        self.cells = cells
        self.errors: list[RowError] = []

    def text(self, name: str) -> str | None:
        value = self.cells.get(name)
        if value is None:
            return None
        text = unicodedata.normalize("NFKC", cell_text(value))
        return text or None

    def fail(self, name: str, code: str, message: str) -> None:
        self.errors.append(RowError(name, code, message))

    def required(self, name: str, label: str) -> str:
        value = self.text(name)
        if value is None:
            self.fail(name, "field.required", f"缺少必填项“{label}”")
            return ""
        return value

    def integer(self, name: str, label: str, low: int, high: int) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        digits = value.removesuffix("年").removesuffix("人").removesuffix("口")
        if not digits.isdigit() or not low <= int(digits) <= high:
            self.fail(name, "field.number", f"“{label}”应为{low}到{high}之间的整数")
            return None
        return int(digits)

    def id_number(self, name: str, label: str, today: date) -> str:
        raw = self.text(name)
        if raw is None:
            self.fail(name, "field.required", f"缺少必填项“{label}”")
            return ""
        try:
            return validate_id_number(raw, today=today)
        except IdNumberError as exc:
            self.fail(name, exc.code, f"{label}：{exc.message}")
            return ""

    def phone(self, name: str, label: str) -> str | None:
        raw = self.text(name)
        if raw is None:
            return None
        phone = normalise_phone(raw)
        if not is_valid_phone(phone):
            self.fail(name, "phone.format", f"“{label}”应为11位手机号或带区号的固定电话")
            return None
        return phone


def _household(row: _Row) -> HouseholdFields:
    region = row.text("region_code")
    if region is not None and (len(region) != 12 or not region.isdigit()):
        row.fail("region_code", "region_code.format", "区划代码应为12位数字（到村）")
    township = row.text("township_name") or ""
    village = row.text("village_name") or ""
    if region is None and not (township and village):
        row.fail("village_name", "region.missing", "应填写“镇”和“村”，或12位区划代码")
    monitor_type = row.text("monitor_type")
    if monitor_type is not None and monitor_type not in MONITOR_TYPES:
        row.fail(
            "monitor_type", "monitor_type.unknown", "监测对象类型应为：" + "、".join(MONITOR_TYPES)
        )
    lifted_year = row.integer("lifted_year", "脱贫年度", 2013, 2030)
    category_text = row.text("category")
    category: Category
    if category_text is not None:
        known = CATEGORY_WORDS.get(category_text)
        if known is None:
            row.fail("category", "category.unknown", "户类型应为：脱贫户、监测户或一般农户")
        category = known or "ordinary"
    else:
        category = "monitored" if monitor_type else "lifted_out" if lifted_year else "ordinary"
    income = None
    if (income_text := row.text("income_per_head")) is not None:
        try:
            income = parse_amount(income_text)
        except ValueError:
            row.fail("income_per_head", "field.amount", "“人均纯收入”应为金额，如 8,500.00")
    return HouseholdFields(
        household_number=row.text("household_number"),
        township_name=township,
        village_name=village,
        region_code=region,
        category=category,
        monitor_type=monitor_type,
        lifted_year=lifted_year,
        declared_size=row.integer("declared_size", "家庭人口", 1, 30),
        income_per_head=income,
        income_year=row.integer("income_year", "收入年度", 2013, 2100),
        status=row.text("status"),
        risk_type=row.text("risk_type"),
        risk_reason=row.text("risk_reason"),
        officer_name=row.text("officer_name"),
        officer_phone=row.phone("officer_phone", "帮扶责任人电话"),
    )


def person_row(number: int, cells: Mapping[str, object], *, today: date) -> PersonRow:
    """One checked row, or RowRejected listing every problem in it (fields as in HEADER_MAP)."""
    row = _Row(cells)
    household = _household(row)
    head_only = "id_number" not in cells and "name" not in cells
    if head_only:
        id_number = row.id_number("head_id", "户主证件号码", today)
        name = normalise_name(row.required("head_name", "户主姓名"))
        head_id, relation, is_head = id_number, "户主", True
    else:
        id_number = row.id_number("id_number", "证件号码", today)
        name = normalise_name(row.required("name", "姓名"))
        relation = row.text("relation") or ""
        is_head = relation in HEAD_RELATIONS
        head_id = id_number if is_head else ""
        if not is_head and "head_id" in cells:
            head_id = row.id_number("head_id", "户主证件号码", today)
        if not household.household_number and not head_id and not is_head:
            row.fail("household_number", "household.key", "应填写“户编号”或“户主证件号码”")
    birth = None
    if (birth_text := row.text("birth_date")) is not None:
        try:
            birth = parse_date(birth_text)
        except ValueError:
            row.fail("birth_date", "field.date", "“出生日期”不是有效日期，如 1968-03-15")
    gender_text = row.text("gender")
    gender = _GENDERS.get(gender_text or "")
    if gender_text is not None and gender is None:
        row.fail("gender", "gender.unknown", "“性别”应为“男”或“女”")
    if id_number:
        from_id = birth_date_of(id_number)
        if birth is not None and birth != from_id:
            row.fail("birth_date", "birth_date.mismatch", "出生日期与身份证号码中的出生日期不一致")
        birth = from_id
        id_gender: Gender = "male" if gender_of(id_number) == "male" else "female"
        if gender is not None and gender != id_gender:
            row.fail("gender", "gender.mismatch", "性别与身份证号码不一致")
        gender = id_gender
    phone = row.phone("phone", "联系电话")
    if row.errors:
        raise RowRejected(row.errors)
    assert birth is not None and gender is not None
    return PersonRow(
        row_number=number,
        household=household,
        head_id=head_id,
        id_number=id_number,
        name=name,
        gender=gender,
        birth_date=birth,
        relation=relation,
        is_head=is_head,
        phone=phone,
        labour=row.text("labour"),
        disability=row.text("disability"),
        health=row.text("health"),
        schooling=row.text("schooling"),
        members_complete=not head_only,
    )


def map_headers(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """{column as written: field} for the columns we know, and the unknown columns."""
    known: dict[str, str] = {}
    unknown: list[str] = []
    for column in header:
        name = canonical_header(column)
        if name is None:
            if column.strip():
                unknown.append(column)
        elif name not in known.values():
            known[column] = name
    return known, unknown


def missing_columns(fields: set[str]) -> list[str]:
    """The columns a file must have, in Chinese, that it lacks (empty when it is usable)."""
    missing = []
    if not ({"id_number", "name"} <= fields or {"head_id", "head_name"} <= fields):
        missing.append("姓名+证件号码（或 户主姓名+户主证件号码）")
    if "region_code" not in fields and not {"township_name", "village_name"} <= fields:
        missing.append("镇+村（或 区划代码）")
    return missing


@dataclass(frozen=True)
class HouseholdRows:
    """The rows of one household in a file, put together; `errors` per row number if unusable."""

    record: HouseholdRecord | None
    members_complete: bool
    errors: dict[int, list[RowError]]


def assemble(rows: list[PersonRow], region_of: Callable[[str, str], str | None]) -> HouseholdRows:
    """One household from its rows: one head, no repeated person, a known village."""
    errors: dict[int, list[RowError]] = {}
    first = rows[0].household
    region = first.region_code or region_of(first.township_name, first.village_name)
    if region is None:
        place = f"{first.township_name}{first.village_name}"
        error = RowError(
            "village_name", "region.unknown", f"未找到“{place}”的区划代码，请先导入区划"
        )
        return HouseholdRows(None, False, {r.row_number: [error] for r in rows})
    heads = [r for r in rows if r.is_head]
    if not heads:
        error = RowError("relation", "household.no_head", "户内没有“与户主关系”为“户主”的成员")
        return HouseholdRows(None, False, {r.row_number: [error] for r in rows})
    seen: set[str] = set()
    kept: list[PersonRow] = []
    for row in rows:
        if row.id_number in seen:
            errors[row.row_number] = [
                RowError("id_number", "members.duplicate", "同一身份证号码在本户中重复出现")
            ]
        elif row.is_head and row is not heads[0]:
            errors[row.row_number] = [
                RowError("relation", "members.head", "本户已有户主，一户只能有一名户主")
            ]
        else:
            seen.add(row.id_number)
            kept.append(row)
    record = HouseholdRecord(
        household_number=first.household_number or "",
        region_code=region,
        village_name=first.village_name,
        township_name=first.township_name,
        category=first.category,
        members=tuple(
            MemberRecord(
                id_number=r.id_number,
                name=r.name,
                gender=r.gender,
                birth_date=r.birth_date,
                relation=r.relation or ("户主" if r.is_head else ""),
                phone=r.phone,
                is_head=r.is_head,
                labour=r.labour,
                disability=r.disability,
                health=r.health,
                schooling=r.schooling,
            )
            for r in kept
        ),
        monitor_type=first.monitor_type,
        lifted_year=first.lifted_year,
        declared_size=first.declared_size,
        income_per_head=first.income_per_head,
        income_year=first.income_year,
        status=first.status,
        risk_type=first.risk_type,
        risk_reason=first.risk_reason,
        officer_name=first.officer_name,
        officer_phone=first.officer_phone,
    )
    return HouseholdRows(record, all(r.members_complete for r in rows), errors)


def row_to_json(row: PersonRow) -> str:
    """A valid row as JSON (for staging between reading and applying an import)."""
    data = dict(vars(row))  # shallow: dataclasses.asdict deep-copies and costs 10x
    data["household"] = vars(row.household)
    data["birth_date"] = row.birth_date.isoformat()
    return json.dumps(data, ensure_ascii=False)


def row_from_json(text: str) -> PersonRow:
    """The inverse of row_to_json."""
    data = json.loads(text)
    data["household"] = HouseholdFields(**data["household"])
    data["birth_date"] = date.fromisoformat(data["birth_date"])
    return PersonRow(**data)
