"""Comparison requests (信息比对, pure): once a case is accepted, every agency that answers
checks (the catalogue's `comparisons`: 公安 户籍 and vehicles, 市场监管 business registration,
财政 public servants) is asked about each member of the household, due with the case's
comparison clock (2 working days, seeds/000 二)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

from shouwang_kit.pii import mask_name
from shouwang_proto.catalogue import Catalogue
from shouwang_proto.events import ComparisonAnsweredV1, ComparisonRequestedV1, PersonRef

_REQUESTS = UUID("5b0f3c52-8d1e-4c0a-9a51-6f1f2f8c3e10")  # namespace of request ids


@dataclass(frozen=True)
class Member:
    """A household member as the registry gives them (the ID in clear: never logged)."""

    name: str
    id_number: str | None


def comparison_requests(
    *,
    case_id: UUID,
    case_number: str,
    household_id: UUID,
    region_code: str,
    members: Sequence[Member],
    catalogue: Catalogue,
    now: datetime,
    due_at: datetime,
) -> list[ComparisonRequestedV1]:
    """One request per comparing agency and member with an ID number (an agency cannot check
    a name alone). Ids follow from the case, the agency and the member's place, so sending
    again after a failure gives the same requests (the gateway keeps each once)."""
    agencies = [a for a in catalogue.agencies if a.channel == "agency" and a.comparisons]
    return [
        ComparisonRequestedV1(
            request_id=uuid5(_REQUESTS, f"{case_id}|{agency.code}|{n}"),
            case_id=case_id,
            case_number=case_number,
            household_id=household_id,
            agency_code=agency.code,
            person=PersonRef(name=m.name, id_number=m.id_number, region_code=region_code),
            checks=list(agency.comparisons),
            requested_at=now,
            due_at=due_at,
        )
        for agency in agencies
        for n, m in enumerate(members)
        if m.id_number
    ]


def requested_text(
    requests: Sequence[ComparisonRequestedV1], members: Sequence[Member], catalogue: Catalogue
) -> str:
    """What the case's trail says of the requests sent: to whom, how many, and which members
    could not be asked (no ID number: to be checked by hand, names masked as in the trail)."""
    asked = {r.agency_code for r in requests}
    names = "、".join(a.name_zh for a in catalogue.agencies if a.code in asked)
    unasked = [m for m in members if not m.id_number]
    if not requests:
        return "家庭成员均无身份证号码，未能发送信息比对请求，请人工核实"
    text = f"已向{names}发送信息比对请求（{len(requests)}项）"
    if unasked:
        who = "、".join(mask_name(m.name) or "（未填姓名）" for m in unasked)
        text += f"；{who}无身份证号码，未能比对，请人工核实"
    return text


def answer_text(answer: ComparisonAnsweredV1, catalogue: Catalogue) -> str:
    """An agency's answer as the case's trail says it beside the agency (its actor): 家庭成员
    名下车辆 有（小型轿车，2019年登记）；户籍信息 无."""
    checks = {c.code: c.name_zh for c in catalogue.comparison_checks}
    parts = [
        f"{checks.get(f.check, f.check)} {'有' if f.found else '无'}"
        + (f"（{f.detail}）" if f.detail else "")
        for f in answer.findings
    ]
    return "；".join(parts)
