"""Field encryption at rest (PIPL): AES-256-GCM with a key id, so keys can be rotated.

A stored value reads `v1:<key id>:<base64 nonce+ciphertext>`. The column name is bound in as
associated data, so a ciphertext copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEV_DATA_KEYS = (
    "dev:" + base64.b64encode(hashlib.sha256(b"shouwang-dev-data-key").digest()).decode()
)


class FieldCipherError(ValueError):
    """A key list that cannot be used, or a stored value that does not decrypt."""


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """`id1:base64key,id2:base64key` → [(id, 32-byte key)]; the first one encrypts."""
    keys: list[tuple[str, bytes]] = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, _, encoded = part.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise FieldCipherError(f"data key {key_id!r} is not base64") from None
        if not key_id or len(key) != 32:
            raise FieldCipherError(f"data key {key_id!r} must be `id:<base64 of 32 bytes>`")
        keys.append((key_id, key))
    if not keys:
        raise FieldCipherError("no data key configured (SHOUWANG_DATA_KEYS)")
    return keys


class FieldCipher:
    """Encrypts and decrypts single text fields; decrypts with any configured key."""

    def __init__(self, spec: str, *, nonce: Callable[[int], bytes] = os.urandom) -> None:
        keys = parse_keys(spec)
        self._active_id, _ = keys[0]
        self._keys = {key_id: AESGCM(key) for key_id, key in keys}
        self._nonce = nonce

    def encrypt(self, value: str, *, field: str) -> str:
        """The stored form of `value` for column `field`."""
        nonce = self._nonce(12)
        sealed = self._keys[self._active_id].encrypt(nonce, value.encode(), field.encode())
        return f"v1:{self._active_id}:{base64.b64encode(nonce + sealed).decode()}"

    def encrypt_optional(self, value: str | None, *, field: str) -> str | None:
        """None stays None."""
        return None if value is None else self.encrypt(value, field=field)

    def decrypt(self, stored: str, *, field: str) -> str:
        """The clear value; FieldCipherError if the key is unknown or the value was altered."""
        version, key_id, encoded = [*stored.split(":", 2), "", ""][:3]
        aead = self._keys.get(key_id)
        if version != "v1" or aead is None:
            raise FieldCipherError(f"no key {key_id!r} for a stored {field}")
        raw = base64.b64decode(encoded)
        try:
            return aead.decrypt(raw[:12], raw[12:], field.encode()).decode()
        except InvalidTag:
            raise FieldCipherError(
                f"stored {field} does not decrypt (altered or wrong column)"
            ) from None

    def encrypt_bytes(self, value: bytes, *, field: str) -> bytes:
        """The stored form of binary `value` (a photo) for column `field`: the key id, then
        the nonce and the sealed bytes (no base64: these can be megabytes)."""
        nonce = self._nonce(12)
        sealed = self._keys[self._active_id].encrypt(nonce, value, field.encode())
        return self._active_id.encode() + b":" + nonce + sealed

    def decrypt_bytes(self, stored: bytes, *, field: str) -> bytes:
        """The clear bytes; FieldCipherError if the key is unknown or the value was altered."""
        key_id, _, raw = stored.partition(b":")
        aead = self._keys.get(key_id.decode(errors="replace"))
        if aead is None or len(raw) < 12:
            raise FieldCipherError(f"no key {key_id!r} for a stored {field}")
        try:
            return aead.decrypt(raw[:12], raw[12:], field.encode())
        except InvalidTag:
            raise FieldCipherError(
                f"stored {field} does not decrypt (altered or wrong column)"
            ) from None

    def decrypt_optional(self, stored: str | None, *, field: str) -> str | None:
        """None stays None."""
        return None if stored is None else self.decrypt(stored, field=field)
