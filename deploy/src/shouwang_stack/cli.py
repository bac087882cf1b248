"""shouwang-stack: run the whole system locally, or only Kafka and PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import httpx
from shouwang_kit.auth import ROLES, Officer, issue_token
from shouwang_kit.settings import ServiceSettings

from shouwang_stack.demo import (
    DEMO_AGENCY_KEYS,
    DEMO_API_KEY,
    DEMO_LIST,
    DEMO_OFFICERS,
    demo_registry,
    seed_monitored_case,
    seed_registry,
    seed_review_item,
)
from shouwang_stack.kafka import create_topics, ensure_jars, wait_for_broker
from shouwang_stack.migrations import new_revision
from shouwang_stack.paths import cache_dir
from shouwang_stack.services import SERVICES
from shouwang_stack.stack import Stack, StackConfig


async def _wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def _say(text: str) -> None:
    print(text, flush=True)


async def _run(with_services: bool) -> None:
    config = StackConfig.from_environment(cache_dir() / "dev")
    config.env.setdefault("GATEWAY_API_KEYS_FILE", str(DEMO_AGENCY_KEYS))
    config.env.setdefault("NOTIFIER_DIRECTORY_FILE", str(DEMO_OFFICERS))
    config.env.setdefault("CONSOLE_DIRECTORY_FILE", str(DEMO_OFFICERS))
    stack = Stack(config)
    try:
        _say("starting Kafka and PostgreSQL …")
        await stack.start_infrastructure()
        _say(f"  Kafka       {stack.bootstrap_servers}")
        _say(f"  PostgreSQL  {stack.database_url}")
        if with_services:
            _say("starting the services …")
            await stack.start_services()
            for name, service in stack.services.items():
                if name == "console":  # pages for people, not an API
                    _say(
                        f"  {name:<15} {service.url}   (log in: county-office / "
                        "demo-county-office, or town-nuodeng / demo-town-nuodeng)"
                    )
                else:
                    _say(f"  {name:<15} {service.url}   (docs: {service.url}/docs)")
            count = await seed_registry(stack.url("intake"))
            person = demo_registry()["households"][0]["members"][0]
            _say(f"demo county loaded: {count} households")
            try:
                monitored = await seed_monitored_case(
                    stack.url("agency-gateway"), stack.url("casework")
                )
            except (httpx.HTTPError, TimeoutError) as exc:  # the demo runs without it
                _say(f"demo monitored household: not set up ({type(exc).__name__}: {exc})")
            else:
                if monitored:
                    _say(
                        f"demo monitored household: case {monitored} (金和村) taken through the "
                        "workflow to 落实帮扶"
                    )
            try:
                await seed_review_item(stack.url("agency-gateway"))
            except httpx.HTTPError as exc:  # the demo runs without it
                _say(f"demo review item: not posted ({type(exc).__name__}: {exc})")
            else:
                _say(
                    "demo review item: a 医保 warning about 张玮 of 天池村 (the registry has 张伟 "
                    "and 章玮) waits in 人工核对"
                )
            _say(f"logs: {config.data_dir / 'logs'}")
            example = {
                "signal_type": "new_dibao",
                "occurred_on": ServiceSettings().today().isoformat(),
                "person": {"name": person["name"], "id_number": person["id_number"]},
            }
            _say("\ntry it (a civil-affairs warning → a case → a notification):")
            _say(
                f"  curl -s -X POST {stack.url('agency-gateway')}/v1/warnings "
                f"-H 'X-Api-Key: {DEMO_API_KEY}' -H 'Content-Type: application/json' "
                f"-d '{json.dumps(example, ensure_ascii=False)}'"
            )
            demo = Officer("county-demo", "县乡村振兴局（演示）", "county_office", "532929000000")
            _say(f"  TOKEN={_token(demo)}   # or: shouwang-stack token --help")
            _say(f'  curl -s -H "Authorization: Bearer $TOKEN" {stack.url("casework")}/v1/cases')
            _say("\na monthly list (GBK CSV, one bad row), then its per-row report:")
            _say(
                f"  curl -s -X POST '{stack.url('agency-gateway')}/v1/batches?period=2026-10' "
                f"-H 'X-Api-Key: {DEMO_API_KEY}' -H 'Content-Type: text/csv' "
                f"--data-binary @{DEMO_LIST}"
            )
            _say(
                f"  curl -s -H 'X-Api-Key: {DEMO_API_KEY}' "
                f"'{stack.url('agency-gateway')}/v1/batches/<batch_id>/report?format=csv'"
            )
            _say(
                f'  curl -s -H "Authorization: Bearer $TOKEN" {stack.url("notifier")}/v1/deliveries'
            )
            intake = stack.url("intake")
            _say("\na household's own declaration (一码通, open it on a phone or in a browser):")
            _say(f"  {intake}/declare?village=532929101001")
            _say(f"  QR code to print for the village: {intake}/v1/villages/532929101001/qr.svg")
            month = datetime.now(ServiceSettings().tz).strftime("%Y-%m")  # the county's
            _say(
                "  visit coverage (一月一排查): "
                f'curl -s -H "Authorization: Bearer $TOKEN" '
                f"'{intake}/v1/visits/coverage?region=532929101000&month={month}'"
            )
            _say("\nthe monitored households (新增监测对象名单 for the agencies, 帮扶措施台账):")
            _say(
                f"  curl -s -H 'X-Api-Key: demo-medical-insurance-key' "
                f"'{stack.url('agency-gateway')}/v1/monitored-households?period={month}'"
            )
            _say(
                f'  curl -s -H "Authorization: Bearer $TOKEN" '
                f"{stack.url('casework')}/v1/reports/help-ledger"
            )
        _say("\nrunning — press Ctrl-C to stop everything")
        await _wait_for_signal()
    finally:
        _say("stopping …")
        stack.stop()
        _say("stopped")


async def _topics(bootstrap: str) -> list[str]:
    await wait_for_broker(bootstrap)
    return await create_topics(bootstrap)


def _token(officer: Officer, *, hours: float = 8) -> str:
    key = ServiceSettings().auth_key
    return issue_token(officer, key, now=datetime.now(UTC), ttl=timedelta(hours=hours))


def main() -> None:
    """Entry point of `shouwang-stack`."""
    parser = argparse.ArgumentParser(prog="shouwang-stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="Kafka, PostgreSQL, the five services and the demo county")
    sub.add_parser("infra", help="only Kafka and PostgreSQL")
    sub.add_parser("fetch", help="download the Kafka jars from Maven Central into the cache")
    sub.add_parser("topics", help="create the contract's topics on KAFKA_BOOTSTRAP_SERVERS")
    seed = sub.add_parser("seed-demo", help="load the demo county into a running intake")
    seed.add_argument("--intake-url", default="http://127.0.0.1:8102")
    seed.add_argument(
        "--gateway-url",
        help="with --casework-url: also take the demo's monitored household through the "
        "workflow (as `run` does)",
    )
    seed.add_argument("--casework-url")
    token = sub.add_parser("token", help="print a bearer token for an officer (ops, curl)")
    token.add_argument("--officer-id", default="county-demo")
    token.add_argument("--name", default="县乡村振兴局（演示）")
    token.add_argument("--role", choices=ROLES, default="county_office")
    token.add_argument("--region", default="532929000000", help="12-digit region code")
    token.add_argument("--hours", type=float, default=8)
    rev = sub.add_parser("revision", help="autogenerate a migration for one service")
    rev.add_argument("service", choices=[s.module for s in SERVICES])
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    if args.command == "fetch":
        _say(f"Kafka jars in {ensure_jars()}")
        return
    if args.command == "topics":
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        created = asyncio.run(_topics(bootstrap))
        _say(f"topics created: {', '.join(created) or 'none (all existed)'}")
        return
    if args.command == "seed-demo":
        if (args.gateway_url is None) != (args.casework_url is None):
            parser.error("seed-demo: --gateway-url and --casework-url go together")
        _say(f"demo households loaded: {asyncio.run(seed_registry(args.intake_url))}")
        if args.gateway_url:
            monitored = asyncio.run(seed_monitored_case(args.gateway_url, args.casework_url))
            _say(f"demo monitored household: {monitored or 'already monitored'}")
            _say(f"demo review item: warning {asyncio.run(seed_review_item(args.gateway_url))}")
        return
    if args.command == "revision":
        asyncio.run(new_revision(args.service, args.message))
        return
    if args.command == "token":
        officer = Officer(args.officer_id, args.name, args.role, args.region)
        print(_token(officer, hours=args.hours))
        return
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(_run(with_services=args.command == "run"))
        except RuntimeError as exc:
            print(f"shouwang-stack: {exc}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
