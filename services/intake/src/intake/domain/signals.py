"""Warnings that start in intake: self-declarations (农户自主申报) and cadre visit findings.

The reasons follow the ten key groups of the county's screening (十类重点群体, seeds/002); a
household's own declaration is group ①, so its reason is one of the other nine.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from shouwang_proto.events import PersonRef, WarningReceivedV1

REASONS: dict[str, str] = {
    "low_income": "家庭人均纯收入较低或明显减少",
    "new_dibao": "新识别为农村低保对象",
    "new_tekun": "新识别为分散供养特困人员",
    "major_illness": "家中有大病病人，医疗自付支出较大",
    "new_disability": "家中有新致残人员",
    "education_cost": "在读子女较多，教育支出较大",
    "dangerous_house": "住房新增危房",
    "sudden_hardship": "就业不稳、产业失败或受灾、意外事故影响较大",
    "water": "饮水安全没有保障",
    "other": "其他可能导致返贫致贫的困难",
}
SELF_DECLARATION = "self_declaration"
CADRE_VISIT = "cadre_visit"


def intake_warning(
    *,
    kind: str,
    warning_id: UUID,
    reason: str,
    person: PersonRef,
    occurred_on: date,
    received_at: datetime,
    source_record_id: str,
    description: str,
) -> WarningReceivedV1:
    """The warning.received event of a declaration or a visit finding (same path as agencies)."""
    if reason not in REASONS:
        raise ValueError(reason)
    return WarningReceivedV1(
        warning_id=warning_id,
        source_kind="self_declaration" if kind == SELF_DECLARATION else "cadre_visit",
        agency_code=kind,
        signal_type=reason,
        source_record_id=source_record_id,
        period=occurred_on.strftime("%Y-%m"),
        occurred_on=occurred_on,
        person=person,
        details={"reason_text": REASONS[reason], "description": description[:500]},
        received_at=received_at,
    )
