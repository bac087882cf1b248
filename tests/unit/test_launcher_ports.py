"""The launcher's ports for the services it starts: free now, and never from the range the
kernel gives outgoing connections (where any client connection may take it before the service
binds it)."""

from __future__ import annotations

import random
import socket

import pytest
from shouwang_stack.paths import _HANDED_OUT, _ephemeral_range, bindable, free_port


def test_ports_are_free_distinct_and_outside_the_ephemeral_range() -> None:
    low, high = _ephemeral_range()
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(not low <= p <= high for p in ports)
    for port in ports[:5]:  # each can be bound by the service it is handed to
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_someone_listens_on_is_not_handed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    low, _high = _ephemeral_range()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0 if low <= 12000 else low - 7))
        sock.listen()
        taken = sock.getsockname()[1]
        # The listened-on port comes up first, then one that is free (and not handed out
        # already in this process: other tests launch stacks too).
        other = next(p for p in range(taken - 1, 10000, -1) if p not in _HANDED_OUT and bindable(p))
        tries = iter([taken, other])
        monkeypatch.setattr(random, "randint", lambda _a, _b: next(tries))
        assert free_port() == other
