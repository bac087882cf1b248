"""Self-declaration (农户自主申报, the "一码通" form): what a person may submit, and the challenge.

The challenge is a small sum signed by the server (HMAC), valid for a while, answered once, and
not answerable faster than a person fills a form; together with a hidden field that people never
fill and a rate limit, it keeps scripted floods out without a third-party captcha.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shouwang_kit.cells import is_valid_phone, normalise_phone
from shouwang_kit.idnumber import IdNumberError, validate_id_number
from shouwang_kit.names import normalise_name

from intake.domain.signals import REASONS

CONSENT_VERSION = "2026-11"
CONSENT_TEXT = (
    "我自愿提交以上信息，同意县乡村振兴部门及乡镇、村为核实我家困难情况、开展帮扶而使用这些信息"
    "（包括与民政、医保、住建等部门比对）。信息仅用于防止返贫监测帮扶，依法保护，不作他用。"
)
MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class FieldProblem:
    """One field the person must correct: field, machine code, Chinese message."""

    field: str
    code: str
    message: str


class DeclarationRejected(ValueError):
    """The form as submitted cannot be accepted; every problem, for the page to show."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Declaration:
    """A checked self-declaration."""

    village_code: str
    name: str
    id_number: str
    phone: str
    reason: str
    description: str


def _clean(text: str, form: str = "NFKC") -> str:
    """Normalised, without control characters (NFC keeps Chinese full-width punctuation)."""
    text = unicodedata.normalize(form, text).strip()  # type: ignore[arg-type]
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def check_declaration(form: dict[str, str], *, villages: set[str], today: date) -> Declaration:
    """The declaration, or DeclarationRejected listing each field to correct."""
    problems: list[FieldProblem] = []
    name = normalise_name(_clean(form.get("name", "")))
    if not name or len(name) > 30:
        problems.append(FieldProblem("name", "name.required", "请填写姓名（不超过30个字）"))
    id_number = ""
    try:
        id_number = validate_id_number(_clean(form.get("id_number", "")), today=today)
    except IdNumberError as exc:
        problems.append(FieldProblem("id_number", exc.code, exc.message))
    phone = normalise_phone(_clean(form.get("phone", "")))
    if not phone or not is_valid_phone(phone):
        problems.append(FieldProblem("phone", "phone.format", "请填写11位手机号码，便于村里联系您"))
    village = _clean(form.get("village_code", ""))
    if village not in villages:
        problems.append(FieldProblem("village_code", "village.unknown", "请选择您所在的村"))
    reason = form.get("reason", "")
    if reason not in REASONS:
        problems.append(FieldProblem("reason", "reason.required", "请选择主要困难原因"))
    description = _clean(form.get("description", ""), "NFC")
    if not description:
        problems.append(FieldProblem("description", "description.required", "请简单说明困难情况"))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(
            FieldProblem(
                "description", "description.too_long", f"情况说明不超过{MAX_DESCRIPTION}字"
            )
        )
    if form.get("consent") != "yes":
        problems.append(FieldProblem("consent", "consent.required", "请阅读并勾选同意信息使用说明"))
    if problems:
        raise DeclarationRejected(problems)
    return Declaration(village, name, id_number, phone, reason, description)


def receipt_number(submitted_at: datetime, token: str) -> str:
    """A receipt a person can read out on the phone: SB + date + 6 characters."""
    return f"SB{submitted_at:%Y%m%d}{token[:6].upper()}"


@dataclass(frozen=True)
class Challenge:
    """A question for the page and the signed token that goes back with the answer."""

    question: str
    token: str


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()[:32]


def issue_challenge(secret: bytes, *, now: datetime, nonce: str, a: int, b: int) -> Challenge:
    """A sum `a + b`; the token carries nonce and issue time, signed together with the answer."""
    issued = int(now.timestamp())
    body = base64.urlsafe_b64encode(json.dumps([nonce, issued]).encode()).decode()
    return Challenge(f"{a} + {b} = ?", f"{body}.{_sign(secret, f'{body}|{a + b}')}")


class ChallengeFailed(ValueError):
    """The challenge was not answered right: machine code and Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def verify_challenge(
    secret: bytes,
    token: str,
    answer: str,
    *,
    now: datetime,
    min_age: timedelta = timedelta(seconds=2),
    max_age: timedelta = timedelta(minutes=30),
) -> str:
    """The token's nonce if `answer` is right and the token fresh; ChallengeFailed if not.

    The caller still has to check that the nonce was not used before.
    """
    body, _, signature = token.partition(".")
    answer = unicodedata.normalize("NFKC", answer).strip()
    if not answer.isdigit() or not hmac.compare_digest(
        signature, _sign(secret, f"{body}|{answer}")
    ):
        raise ChallengeFailed("challenge.wrong", "验证题答案不正确，请重新计算")
    nonce, issued = json.loads(base64.urlsafe_b64decode(body))
    age = now - datetime.fromtimestamp(int(issued), tz=now.tzinfo)
    if age < min_age:
        raise ChallengeFailed("challenge.too_fast", "提交过快，请稍候再试")
    if age > max_age:
        raise ChallengeFailed("challenge.expired", "页面已过期，请刷新后重新填写")
    return str(nonce)
