"""Start and stop Kafka, PostgreSQL and the services together, in order."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

from shouwang_stack.kafka import KafkaBroker, create_topics, wait_for_broker
from shouwang_stack.paths import free_port
from shouwang_stack.postgres import PostgresServer, ensure_database
from shouwang_stack.services import SERVICES, ServiceProcess


@dataclass
class StackConfig:
    """Where the stack keeps its data and which ports it uses."""

    data_dir: Path
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    postgres_port: int = 5432
    service_ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, data_dir: Path) -> StackConfig:
        """Ports from SHOUWANG_KAFKA_PORT, SHOUWANG_POSTGRES_PORT and <SERVICE>_PORT."""
        env = os.environ
        return cls(
            data_dir=data_dir,
            kafka_port=int(env.get("SHOUWANG_KAFKA_PORT", 9092)),
            kafka_controller_port=int(env.get("SHOUWANG_KAFKA_CONTROLLER_PORT", 9093)),
            postgres_port=int(env.get("SHOUWANG_POSTGRES_PORT", 5432)),
            service_ports={
                s.name: int(env.get(f"{s.env_prefix}PORT", s.default_port)) for s in SERVICES
            },
        )

    @classmethod
    def ephemeral(cls, data_dir: Path) -> StackConfig:
        """Free ports for everything: for tests next to a running `make run`."""
        return cls(
            data_dir=data_dir,
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            postgres_port=free_port(),
            service_ports={s.name: free_port() for s in SERVICES},
        )


class Stack:
    """Kafka + PostgreSQL (+ the services). External brokers/databases are honoured."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.kafka: KafkaBroker | None = None
        self.postgres: PostgresServer | None = None
        self.services: dict[str, ServiceProcess] = {}
        self.relays: dict[str, ServiceProcess] = {}
        self.bootstrap_servers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        self.database_url = os.environ.get("DATABASE_URL", "")

    async def start_infrastructure(self) -> None:
        """Start (or reach) Kafka and PostgreSQL together, then create the topics."""
        waits = []
        if not self.bootstrap_servers:
            self.kafka = KafkaBroker(
                data_dir=self.config.data_dir / "kafka",
                port=self.config.kafka_port,
                controller_port=self.config.kafka_controller_port,
            )
            self.kafka.start()
            self.bootstrap_servers = self.kafka.bootstrap_servers
            waits.append(self.kafka.wait_ready())
        else:
            waits.append(wait_for_broker(self.bootstrap_servers))
        if not self.database_url:
            self.postgres = PostgresServer(
                data_dir=self.config.data_dir / "postgres", port=self.config.postgres_port
            )
            self.postgres.start()
            self.database_url = self.postgres.url
            waits.append(self.postgres.wait_ready())
        else:
            waits.append(ensure_database(self.database_url))
        await asyncio.gather(*waits)
        await create_topics(self.bootstrap_servers)

    def service_env(self) -> dict[str, str]:
        """The environment every service process gets."""
        return {
            **os.environ,
            **self.config.env,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "DATABASE_URL": self.database_url,
            # Services that call another's API find it where this stack runs it.
            "NOTIFIER_CASEWORK_URL": f"http://127.0.0.1:{self._port('casework')}",
            "CASEWORK_INTAKE_URL": f"http://127.0.0.1:{self._port('intake')}",
            "GATEWAY_INTAKE_URL": f"http://127.0.0.1:{self._port('intake')}",
            "CONSOLE_INTAKE_URL": f"http://127.0.0.1:{self._port('intake')}",
            "CONSOLE_NOTIFIER_URL": f"http://127.0.0.1:{self._port('notifier')}",
            "CONSOLE_CASEWORK_URL": f"http://127.0.0.1:{self._port('casework')}",
            "CONSOLE_MATCHING_URL": f"http://127.0.0.1:{self._port('matching')}",
            "CONSOLE_GATEWAY_URL": f"http://127.0.0.1:{self._port('agency-gateway')}",
        }

    def _port(self, name: str) -> int:
        default = next(s.default_port for s in SERVICES if s.name == name)
        return self.config.service_ports.get(name, default)

    async def start_services(self, names: list[str] | None = None) -> None:
        """Start the services (all by default) and wait until each is ready."""
        env = self.service_env()
        for definition in SERVICES:
            if names is not None and definition.name not in names:
                continue
            port = self._port(definition.name)
            service = ServiceProcess(
                definition=definition,
                port=port,
                log_path=self.config.data_dir / "logs" / f"{definition.name}.log",
            )
            if definition.separate_relay:
                relay = ServiceProcess(
                    definition=definition,
                    port=port,
                    log_path=self.config.data_dir / "logs" / f"{definition.name}-relay.log",
                    command="relay",
                )
                relay.start(env)
                self.relays[definition.name] = relay
                service.start({**env, f"{definition.env_prefix}OUTBOX_RELAY": "off"})
            else:
                service.start(env)
            self.services[definition.name] = service
        await asyncio.gather(
            *(s.wait_ready() for s in [*self.services.values(), *self.relays.values()])
        )

    def url(self, service: str) -> str:
        """Base URL of a running service."""
        return self.services[service].url

    def stop_services(self, names: list[str] | None = None) -> None:
        """Stop the services (all by default): their relays first, then them, newest first;
        they can be started again with `start_services`."""
        chosen = [n for n in self.services if names is None or n in names]
        relays = [self.relays.pop(n) for n in chosen if n in self.relays]
        for holder in reversed([*[self.services.pop(n) for n in chosen], *relays]):
            holder.stop()

    def stop(self) -> None:
        """Services first (they flush to Kafka and the database), then Kafka, then PostgreSQL."""
        self.stop_services()
        if self.kafka is not None:
            self.kafka.stop()
            self.kafka = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
