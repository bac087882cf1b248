"""docker-compose.yml runs what the launcher runs (`make run`): no engine here to try it, so
the file is held to the launcher's own list of services and the addresses it hands them."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from shouwang_stack.services import SERVICES
from shouwang_stack.stack import Stack, StackConfig

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
BY_PREFIX = {s.env_prefix: s for s in SERVICES}


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in (COMPOSE.get(service, {}).get("environment") or {}).items()}


@pytest.mark.parametrize("definition", SERVICES, ids=lambda s: s.name)
def test_every_service_the_launcher_starts_is_in_compose(definition: Any) -> None:
    service = COMPOSE.get(definition.name)
    assert service is not None, f"docker-compose.yml has no service {definition.name}"
    assert service["command"] == ["python", "-m", definition.module, "serve"]
    env = _env(definition.name)
    assert env.get(f"{definition.env_prefix}HOST") == "0.0.0.0"  # reachable from the others
    assert f"{definition.default_port}:{definition.default_port}" in service["ports"]
    if definition.separate_relay:
        relay = COMPOSE.get(f"{definition.name}-relay")
        assert relay is not None and relay["command"] == [
            "python",
            "-m",
            definition.module,
            "relay",
        ]
        assert env.get(f"{definition.env_prefix}OUTBOX_RELAY") == "off"  # not published twice


def test_every_address_the_launcher_hands_a_service_is_set_in_compose(tmp_path: Path) -> None:
    stack = Stack(StackConfig.ephemeral(tmp_path))
    ports = {s.name: stack._port(s.name) for s in SERVICES}
    urls = {
        k: v
        for k, v in stack.service_env().items()
        if k.endswith("_URL") and k.split("_", 1)[0] + "_" in BY_PREFIX
    }
    assert urls  # the launcher does hand out addresses
    for name, url in urls.items():
        owner = BY_PREFIX[name.split("_", 1)[0] + "_"]
        target = next(n for n, p in ports.items() if p == urlsplit(url).port)
        default = next(s.default_port for s in SERVICES if s.name == target)
        assert _env(owner.name).get(name) == f"http://{target}:{default}", (
            f"docker-compose.yml: {owner.name} needs {name}=http://{target}:{default}"
        )
