"""A real Apache Kafka 4.x broker in KRaft mode, assembled from Maven Central jars."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from shouwang_proto.topics import ALL_TOPICS, Topic

from shouwang_stack import procs
from shouwang_stack.paths import DEPLOY_DIR, cache_dir

POM = DEPLOY_DIR / "kafka" / "pom.xml"
TEMPLATE = DEPLOY_DIR / "kafka" / "server.properties.template"
LOG4J = DEPLOY_DIR / "kafka" / "log4j2.properties"


_TOPIC_ALREADY_EXISTS = 36


def new_cluster_id() -> str:
    """A random cluster id as Kafka writes them; never starting with '-', which the storage
    tool would read as an option (as Kafka's own Uuid.randomUuid avoids)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class KafkaStartError(RuntimeError):
    """The broker could not be assembled or did not become ready."""


def kafka_version() -> str:
    """The Kafka version pinned in deploy/kafka/pom.xml."""
    text = POM.read_text()
    return text.split("<kafka.version>")[1].split("</kafka.version>")[0].strip()


def ensure_jars() -> Path:
    """Download the broker's jars with Maven once; later calls reuse the cache folder."""
    libs = cache_dir() / "kafka" / kafka_version() / "libs"
    marker = libs / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise KafkaStartError(
            "Maven (mvn) is needed once to fetch the Kafka jars: apt-get install maven"
        )
    tmp = libs.with_name("libs.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise KafkaStartError(
            "could not fetch the Kafka jars from Maven Central:\n" + result.stdout[-3000:]
        )
    shutil.rmtree(libs, ignore_errors=True)
    tmp.rename(libs)
    marker.write_text(kafka_version())
    return libs


@dataclass
class KafkaBroker:
    """One broker+controller node with its data under `data_dir`."""

    data_dir: Path
    port: int
    controller_port: int
    heap: str = "512m"
    proc: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "kafka.log"

    def _java(self, libs: Path, main: str, *args: str) -> list[str]:
        java = shutil.which("java") or "java"
        return [
            java,
            f"-Xmx{self.heap}",
            f"-Xms{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J}",
            "-cp",
            f"{libs}/*",
            main,
            *args,
        ]

    def _configure(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir / "server.properties"
        config.write_text(
            Template(TEMPLATE.read_text()).substitute(
                port=self.port,
                controller_port=self.controller_port,
                log_dirs=self.data_dir / "logs",
            )
        )
        return config

    def start(self) -> None:
        """Assemble, format storage (first time only) and start the broker; returns at once."""
        libs = ensure_jars()
        config = self._configure()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            cluster_id = new_cluster_id()
            fmt = subprocess.run(
                self._java(
                    libs, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)
                ),
                capture_output=True,
                text=True,
            )
            if fmt.returncode != 0:
                raise KafkaStartError(
                    "formatting Kafka storage failed:\n" + fmt.stdout + fmt.stderr
                )
        self.proc = procs.spawn(
            self._java(libs, "kafka.Kafka", str(config)),
            log_path=self.log_path,
            env={**os.environ, "KAFKA_HEAP_OPTS": ""},
        )

    async def wait_ready(self, timeout: float = 90) -> None:
        """Poll until the broker answers a metadata request (never a fixed sleep)."""
        await wait_for_broker(
            self.bootstrap_servers, timeout=timeout, proc=self.proc, log_path=self.log_path
        )

    def stop(self) -> None:
        """Controlled shutdown (SIGTERM), killed if it takes longer than 30 s."""
        if self.proc is not None:
            procs.stop(self.proc, timeout=30)
            self.proc = None


async def wait_for_broker(
    bootstrap: str,
    *,
    timeout: float = 90,
    proc: subprocess.Popen[bytes] | None = None,
    log_path: Path | None = None,
) -> None:
    """Wait until a broker at `bootstrap` lists topics."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    # aiokafka logs every refused connection at ERROR; while polling those are expected.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = procs.tail(log_path) if log_path else ""
            raise KafkaStartError(f"Kafka exited with code {proc.returncode}:\n{tail}")
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        finally:
            await admin.close()
        await asyncio.sleep(0.25)
    raise KafkaStartError(f"Kafka at {bootstrap} not ready after {timeout:.0f}s ({last_error})")


async def records_so_far(
    bootstrap: str, topic: str, *, quiet_ms: int = 1500
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on `topic` so far: read from the start, outside any consumer group's
    offsets, until none arrive for `quiet_ms` (for tests and benchmarks that check a topic)."""
    consumer: AIOKafkaConsumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"read-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 << 20,
    )
    await consumer.start()
    try:
        found: list[ConsumerRecord[bytes, bytes]] = []
        while batches := await consumer.getmany(timeout_ms=quiet_ms, max_records=20_000):
            for records in batches.values():
                found.extend(records)
        return found
    finally:
        await consumer.stop()


async def create_topics(bootstrap: str, topics: tuple[Topic, ...] = ALL_TOPICS) -> list[str]:
    """Create the contract's topics with their partitions and policies; existing ones are kept."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    created: list[str] = []
    try:
        existing = set(await admin.list_topics())
        for topic in topics:
            if topic.name in existing:
                continue
            config = {"cleanup.policy": "compact" if topic.compacted else "delete", **topic.config}
            response = await admin.create_topics(
                [NewTopic(topic.name, topic.partitions, 1, topic_configs=config)]
            )
            for name, code, *rest in response.topic_errors:
                if code == _TOPIC_ALREADY_EXISTS:
                    continue
                if code != 0:
                    raise KafkaStartError(f"creating topic {name} failed: code {code} {rest}")
                created.append(name)
    finally:
        await admin.close()
    return created
