"""Agency API keys, stored only as SHA-256 hashes; several may be active per agency."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ApiKey:
    """A hashed key and the agency it belongs to."""

    agency_code: str
    key_sha256: str


class ApiKeyStore:
    """Looks up which agency a presented key belongs to."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self._keys = keys

    @classmethod
    def from_file(cls, path: Path | None) -> ApiKeyStore:
        """Read {"keys": [{"agency_code", "key_sha256"}, …]}; no file means no agency can post."""
        if path is None:
            return cls([])
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls([ApiKey(k["agency_code"], k["key_sha256"].lower()) for k in data["keys"]])

    def agency_for(self, presented: str) -> str | None:
        """The agency code for a presented key, or None (compared in constant time)."""
        digest = hashlib.sha256(presented.encode()).hexdigest()
        found = None
        for key in self._keys:
            if hmac.compare_digest(digest, key.key_sha256):
                found = key.agency_code
        return found
