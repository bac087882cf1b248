"""Agency API keys (接口密钥): stored only as SHA-256, several active per agency, revocable."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agency_gateway.adapters.tables import api_keys


def hash_key(presented: str) -> str:
    """SHA-256 of a key: keys are long random strings, so a fast hash is enough."""
    return hashlib.sha256(presented.encode()).hexdigest()


def new_key(agency_code: str) -> str:
    """A fresh key: the agency's code (to recognise it) and 32 random bytes."""
    return f"sw_{agency_code}_{secrets.token_urlsafe(32)}"


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed to an operator (never the key itself)."""

    key_id: uuid.UUID
    agency_code: str
    label: str
    created_at: datetime
    revoked_at: datetime | None


async def create_key(
    session: AsyncSession, *, agency_code: str, label: str, now: datetime
) -> tuple[uuid.UUID, str]:
    """Issue a key; the clear text is returned once and never stored."""
    key = new_key(agency_code)
    key_id = uuid.uuid4()
    await session.execute(
        insert(api_keys).values(
            key_id=key_id,
            agency_code=agency_code,
            key_sha256=hash_key(key),
            label=label,
            created_at=now,
        )
    )
    return key_id, key


async def revoke_key(session: AsyncSession, *, key_id: uuid.UUID, now: datetime) -> bool:
    """Revoke a key; True if it was active."""
    result = await session.execute(
        update(api_keys)
        .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(api_keys.c.key_id)
    )
    return result.first() is not None


async def list_keys(session: AsyncSession) -> list[KeyInfo]:
    """Every key, newest first."""
    rows = (await session.execute(select(api_keys).order_by(api_keys.c.created_at.desc()))).all()
    return [KeyInfo(r.key_id, r.agency_code, r.label, r.created_at, r.revoked_at) for r in rows]


async def import_key_file(session: AsyncSession, path: Path, now: datetime) -> int:
    """Load {"keys": [{"agency_code", "key_sha256", "label"?}]} (hashes only); returns new keys."""
    data = json.loads(path.read_text(encoding="utf-8"))
    added = 0
    for entry in data["keys"]:
        result = await session.execute(
            insert(api_keys)
            .values(
                key_id=uuid.uuid4(),
                agency_code=entry["agency_code"],
                key_sha256=entry["key_sha256"].lower(),
                label=entry.get("label", f"from {path.name}"),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=[api_keys.c.key_sha256])
            .returning(api_keys.c.key_id)
        )
        added += result.first() is not None
    return added


class ApiKeyStore:
    """Active keys cached for a few seconds, so a revocation takes effect within that time."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        seed_file: Path | None = None,
        ttl_s: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._seed_file = seed_file
        self._ttl = ttl_s
        self._active: dict[str, str] = {}
        self._loaded_at = float("-inf")

    async def agency_for(self, presented: str) -> str | None:
        """The agency a presented key belongs to, or None."""
        if time.monotonic() - self._loaded_at > self._ttl:
            if self._seed_file is not None:
                async with self._sessions() as session, session.begin():
                    await import_key_file(session, self._seed_file, datetime.now(UTC))
                self._seed_file = None
            async with self._sessions() as session:
                rows = (
                    await session.execute(
                        select(api_keys.c.key_sha256, api_keys.c.agency_code).where(
                            api_keys.c.revoked_at.is_(None)
                        )
                    )
                ).all()
            self._active = {r.key_sha256: r.agency_code for r in rows}
            self._loaded_at = time.monotonic()
        digest = hash_key(presented)
        for known, agency in self._active.items():
            if hmac.compare_digest(digest, known):
                return agency
        return None
