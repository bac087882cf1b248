"""Monthly-list rows (月度名单): Chinese column headers → a warning submission, or row errors."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date

from shouwang_kit.cells import cell_text as _text
from shouwang_kit.cells import parse_amount, parse_date
from shouwang_proto.events import DetailValue

from agency_gateway.domain.warnings import FieldError, PersonInput, WarningSubmission

# Documented header map: every accepted spelling of a column → its field. English names work too.
HEADER_MAP: dict[str, str] = {
    "姓名": "name",
    "name": "name",
    "身份证号码": "id_number",
    "身份证号": "id_number",
    "公民身份号码": "id_number",
    "证件号码": "id_number",
    "id_number": "id_number",
    "出生日期": "birth_date",
    "birth_date": "birth_date",
    "联系电话": "phone",
    "电话": "phone",
    "手机号码": "phone",
    "手机号": "phone",
    "phone": "phone",
    "区划代码": "region_code",
    "村代码": "region_code",
    "行政区划代码": "region_code",
    "region_code": "region_code",
    "乡镇": "township",
    "乡(镇)": "township",
    "镇": "township",
    "township": "township",
    "村": "village",
    "村(社区)": "village",
    "行政村": "village",
    "village": "village",
    "金额": "amount",
    "金额(元)": "amount",
    "自付金额": "amount",
    "amount": "amount",
    "发生日期": "occurred_on",
    "日期": "occurred_on",
    "occurred_on": "occurred_on",
    "预警类型": "signal_type",
    "类型代码": "signal_type",
    "signal_type": "signal_type",
    "记录编号": "source_record_id",
    "业务编号": "source_record_id",
    "source_record_id": "source_record_id",
    "房屋等级": "house_grade",
    "危房等级": "house_grade",
    "house_grade": "house_grade",
    "灾害类型": "disaster_type",
    "disaster_type": "disaster_type",
    "备注": "note",
    "note": "note",
}
PERSON_FIELDS = ("name", "id_number", "birth_date", "phone", "region_code")
CORE_FIELDS = (*PERSON_FIELDS, "occurred_on", "signal_type", "source_record_id")
NUMERIC_DETAILS = ("amount",)


def canonical_header(raw: str) -> str | None:
    """The field a column header names ('身份证号码 ' → 'id_number'), or None if unknown."""
    key = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
    return HEADER_MAP.get(key) or HEADER_MAP.get(key.lower())


class HeaderMap:
    """Maps a file's column names to fields, remembering the ones it does not understand."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}
        self.unknown: list[str] = []

    def field(self, column: str) -> str | None:
        """The field a column names, cached per column."""
        if column not in self._known:
            field = canonical_header(column)
            self._known[column] = field
            if field is None and column.strip():
                self.unknown.append(column)
        return self._known[column]

    def record(self, raw: Mapping[str, object]) -> dict[str, object]:
        """A row as {field: value}, without unknown columns and blank cells."""
        out: dict[str, object] = {}
        for column, value in raw.items():
            field = self.field(column.replace("\x00", ""))
            if isinstance(value, str):
                value = value.replace("\x00", "").strip()  # NULs: export debris, unstorable
            if field is None or value is None or value == "":
                continue
            out[field] = value
        return out


def submission_from_record(
    record: Mapping[str, object], *, default_signal_type: str | None, period: str | None
) -> WarningSubmission:
    """Turn one row into a submission; raises RowRejected listing every unreadable cell."""
    errors: list[FieldError] = []
    dates: dict[str, date | None] = {"birth_date": None, "occurred_on": None}
    for field in dates:
        if field in record:
            try:
                dates[field] = parse_date(record[field])
            except ValueError:
                errors.append(
                    FieldError(field, "date.format", "日期格式应为YYYY-MM-DD，如2026-11-03")
                )
    details: dict[str, DetailValue] = {}
    for field, value in record.items():
        if field in CORE_FIELDS:
            continue
        if field in NUMERIC_DETAILS:
            try:
                details[field] = parse_amount(value)
            except ValueError:
                errors.append(FieldError(f"details.{field}", "number.format", "金额应为数字"))
        else:
            details[field] = _text(value)
    signal_type = _text(record["signal_type"]) if "signal_type" in record else default_signal_type
    if not signal_type:
        errors.append(
            FieldError("signal_type", "signal_type.required", "须填写预警类型，或在上传时指定")
        )
    if "occurred_on" not in record:
        errors.append(FieldError("occurred_on", "occurred_on.required", "须填写发生日期"))
    person = PersonInput(
        name=_text(record.get("name", "")),
        id_number=_text(record["id_number"]) if "id_number" in record else None,
        birth_date=dates["birth_date"],
        phone=_text(record["phone"]) if "phone" in record else None,
        region_code=_text(record["region_code"]) if "region_code" in record else None,
    )
    if errors:
        raise RowRejected(errors, person)
    occurred = dates["occurred_on"]
    assert occurred is not None and signal_type is not None
    return WarningSubmission(
        signal_type=signal_type,
        occurred_on=occurred,
        person=person,
        source_record_id=_text(record["source_record_id"])
        if "source_record_id" in record
        else None,
        period=period,
        details=details,
    )


class RowRejected(Exception):
    """A row that could not be read; `errors` says which cells and why."""

    def __init__(self, errors: list[FieldError], person: PersonInput | None = None) -> None:
        super().__init__("; ".join(e.code for e in errors))
        self.errors = errors
        self.person = person
