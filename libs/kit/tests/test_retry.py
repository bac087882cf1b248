"""A transaction PostgreSQL ends as a deadlock's victim is run again; any other error is not."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from shouwang_kit.db import in_transaction, is_retryable
from sqlalchemy.exc import DBAPIError


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(sqlstate: str) -> DBAPIError:
    """As SQLAlchemy raises a driver's error: the adapter's error in `orig`, the driver's as
    its cause."""
    adapter = Exception("adapter")
    adapter.__cause__ = DriverError(sqlstate)
    return DBAPIError("UPDATE …", {}, adapter)


def test_deadlocks_and_serialization_failures_are_retryable() -> None:
    assert is_retryable(wrapped("40P01")) and is_retryable(wrapped("40001"))
    assert not is_retryable(wrapped("23505"))  # a unique violation is an answer, not luck
    assert not is_retryable(ValueError("x"))


class Sessions:
    """Stands in for a session factory: each session a context whose `begin` is one too."""

    def __init__(self) -> None:
        self.opened = 0

    def __call__(self) -> Any:
        self.opened += 1
        return self

    async def __aenter__(self) -> "Sessions":
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def begin(self) -> Any:
        @contextlib.asynccontextmanager
        async def transaction() -> AsyncIterator[None]:
            yield

        return transaction()


async def test_a_deadlocks_victim_is_run_again_and_other_errors_are_not() -> None:
    sessions, tries = Sessions(), []

    async def work(_session: Any) -> str:
        tries.append(1)
        if len(tries) < 3:
            raise wrapped("40P01")
        return "done"

    assert await in_transaction(sessions, work) == "done"
    assert len(tries) == 3 and sessions.opened == 3

    async def unique(_session: Any) -> str:
        raise wrapped("23505")

    with pytest.raises(DBAPIError):
        await in_transaction(Sessions(), unique)

    async def always(_session: Any) -> str:
        raise wrapped("40P01")

    with pytest.raises(DBAPIError):
        await in_transaction(Sessions(), always, attempts=2)
