"""Where the launcher keeps downloaded jars and runtime data."""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
DEPLOY_DIR = REPO_ROOT / "deploy"


def cache_dir() -> Path:
    """$SHOUWANG_CACHE, or .cache in the repository."""
    path = Path(os.environ.get("SHOUWANG_CACHE", REPO_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ephemeral_range() -> tuple[int, int]:
    """The ports the kernel gives outgoing connections (Linux's default when unreadable)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, chosen below the kernel's
    ephemeral range: a port from that range (what binding port 0 gives) may be taken by any
    outgoing connection before the service that is to listen on it starts — seen as
    `address already in use` when the end-to-end services started after thousands of test
    connections. Each port is handed out once per process."""
    low, high = _ephemeral_range()
    first, last = (10000, low - 1) if low > 12000 else (high + 1, 65535)
    for _ in range(200):
        port = random.randint(first, last)
        if port in _HANDED_OUT or not bindable(port):
            continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port found between {first} and {last}")


def bindable(port: int) -> bool:
    """Whether a listener could bind 127.0.0.1:port right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def port_in_use(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
