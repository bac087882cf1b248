"""Masking and keyed hashing of personal data (PIPL): never show or log it in clear."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: keep the first character only."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_id_number(id_number: str) -> str:
    """Keep the region prefix and the last character: 530102********123X → 530102************X."""
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 7) + id_number[-1]


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def keyed_hash(secret: str, value: str) -> str:
    """HMAC-SHA256 of a sensitive value: a stable pseudonym that cannot be reversed."""
    mac = _keyed(secret).copy()  # the key schedule is done once per secret, not per value
    mac.update(value.encode())
    return mac.hexdigest()


@lru_cache(maxsize=16)
def _keyed(secret: str) -> hmac.HMAC:
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)
