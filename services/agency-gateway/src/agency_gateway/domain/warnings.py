"""Turning what an agency sent into a warning, or saying exactly what is wrong with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shouwang_kit.cells import is_valid_phone, normalise_phone
from shouwang_kit.idnumber import IdNumberError, birth_date_of, validate_id_number
from shouwang_kit.names import normalise_name
from shouwang_proto.catalogue import Catalogue
from shouwang_proto.events import DetailValue, PersonRef, WarningReceivedV1

_REGION = re.compile(r"^\d{12}$")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class FieldError:
    """One problem with one field: where, a machine code, a Chinese message."""

    field: str
    code: str
    message: str


class WarningRejected(Exception):
    """The submission cannot be accepted; `errors` lists every problem found."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class PersonInput:
    """The person as the agency sent them."""

    name: str
    id_number: str | None = None
    birth_date: date | None = None
    phone: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class WarningSubmission:
    """One warning as submitted by an agency system."""

    signal_type: str
    occurred_on: date
    person: PersonInput
    source_record_id: str | None = None
    period: str | None = None
    details: dict[str, DetailValue] | None = None


def check_person(person: PersonInput, today: date, errors: list[FieldError]) -> PersonRef | None:
    """Validate and normalise the person, appending every problem to `errors`."""
    name = normalise_name(person.name)
    if not name:
        errors.append(FieldError("person.name", "name.required", "姓名不能为空"))
    id_number = None
    birth = person.birth_date
    if person.id_number:
        try:
            id_number = validate_id_number(person.id_number, today=today)
        except IdNumberError as exc:
            errors.append(FieldError("person.id_number", exc.code, exc.message))
        else:
            born = birth_date_of(id_number)
            if birth is not None and birth != born:
                errors.append(
                    FieldError(
                        "person.birth_date", "birth_date.mismatch", "出生日期与身份证号码中的不一致"
                    )
                )
            birth = born
    elif birth is None:
        errors.append(
            FieldError(
                "person.id_number",
                "identity.insufficient",
                "未提供身份证号码时，须提供出生日期以便比对",
            )
        )
    phone = None
    if person.phone:
        phone = normalise_phone(person.phone)
        if not is_valid_phone(phone):
            errors.append(
                FieldError(
                    "person.phone", "phone.format", "联系电话应为11位手机号或带区号的固定电话"
                )
            )
    if person.region_code and not _REGION.match(person.region_code):
        errors.append(
            FieldError("person.region_code", "region_code.format", "区划代码应为12位数字（到村）")
        )
    if not name or any(e.field.startswith("person.") for e in errors):
        return None
    return PersonRef(
        name=name,
        id_number=id_number,
        birth_date=birth,
        phone=phone,
        region_code=person.region_code or None,
    )


def build_warning(
    submission: WarningSubmission,
    *,
    agency_code: str,
    catalogue: Catalogue,
    warning_id: UUID | str,
    received_at: datetime,
    tz: ZoneInfo,
) -> WarningReceivedV1:
    """Validate a submission from `agency_code` and build the warning event payload; "today"
    (no date after it) is the county's (`tz`), not the server's or UTC's."""
    errors: list[FieldError] = []
    today = received_at.astimezone(tz).date()
    agency = catalogue.agency(agency_code)
    # Intake's channels are in the catalogue for their names; they never post here.
    sending = agency is not None and agency.channel == "agency"
    signal = agency.signal(submission.signal_type) if agency and sending else None
    if signal is None:
        errors.append(
            FieldError(
                "signal_type",
                "signal_type.not_allowed",
                f"本部门无权报送预警类型“{submission.signal_type}”，请查看预警信号目录",
            )
        )
    if submission.occurred_on > today:
        errors.append(FieldError("occurred_on", "date.in_future", "发生日期不能晚于今天"))
    if submission.period is not None and not _PERIOD.match(submission.period):
        errors.append(FieldError("period", "period.format", "所属期应为YYYY-MM格式，如2026-10"))
    details = dict(submission.details or {})
    if signal is not None:
        for required in signal.required:
            if details.get(required) in (None, ""):
                errors.append(
                    FieldError(
                        f"details.{required}", "details.required", f"该预警类型须填写{required}"
                    )
                )
    person = check_person(submission.person, today, errors)
    if errors or person is None:
        raise WarningRejected(errors)
    return WarningReceivedV1(
        warning_id=warning_id,  # text is parsed by the model
        source_kind="agency",
        agency_code=agency_code,
        signal_type=submission.signal_type,
        source_record_id=submission.source_record_id,
        period=submission.period,
        occurred_on=submission.occurred_on,
        person=person,
        details=details,
        received_at=received_at,
    )
