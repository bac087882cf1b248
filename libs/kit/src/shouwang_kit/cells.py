"""Parsing what people type into spreadsheet cells: dates, amounts, phones, plain text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
_NUMBER_CLEAN = re.compile(r"[,，\s元¥￥]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_PLAIN_NUMBER = re.compile(r"[0-9]{1,15}(\.[0-9]{1,6})?")


def parse_date(value: object) -> date:
    """A date from a cell: ISO, 2026/11/3, 20261103, 2026年11月3日, or an Excel date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)  # the common case, and fast
    except ValueError:
        text = unicodedata.normalize("NFKC", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_amount(value: object) -> float:
    """A money amount: '12,345.60元' → 12345.6."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
        return float(value)  # '1234.5', the common case: no cleaning needed
    try:
        return float(Decimal(_NUMBER_CLEAN.sub("", unicodedata.normalize("NFKC", str(value)))))
    except InvalidOperation:
        raise ValueError(str(value)) from None


def cell_text(value: object) -> str:
    """A cell as text: Excel's 3.0 for a typed-in 3 becomes '3'; surrounding spaces dropped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalise_phone(raw: str) -> str:
    """NFKC, then spaces and a +86 prefix dropped."""
    phone = unicodedata.normalize("NFKC", raw).replace(" ", "")
    return phone.removeprefix("+86").removeprefix("0086")


def is_valid_phone(phone: str) -> bool:
    """An 11-digit mainland mobile number or a landline with its area code."""
    return bool(_MOBILE.match(phone) or _LANDLINE.match(phone))
