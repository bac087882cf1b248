"""Operators manage agency API keys: `python -m agency_gateway.keys create|list|revoke`."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import UTC, datetime

from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_proto.catalogue import load_catalogue

from agency_gateway.adapters.api_keys import create_key, list_keys, revoke_key
from agency_gateway.config import get_settings


async def _main(args: argparse.Namespace) -> None:
    engine = make_engine(get_settings().database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            if args.command == "create":
                agency = load_catalogue().agency(args.agency)
                if agency is None:
                    raise SystemExit(f"未知部门代码 {args.agency}：见预警信号目录")
                if agency.channel != "agency":
                    raise SystemExit(
                        f"{args.agency}（{agency.name_zh}）由农户信息系统报送，不发放密钥"
                    )
                key_id, key = await create_key(
                    session, agency_code=args.agency, label=args.label, now=datetime.now(UTC)
                )
                print(f"key id: {key_id}\nkey:    {key}\n(the key is shown once; store it safely)")
            elif args.command == "revoke":
                done = await revoke_key(
                    session, key_id=uuid.UUID(args.key_id), now=datetime.now(UTC)
                )
                print("revoked" if done else "no active key with that id")
            else:
                for info in await list_keys(session):
                    state = f"revoked {info.revoked_at:%Y-%m-%d}" if info.revoked_at else "active"
                    print(f"{info.key_id}  {info.agency_code:<20} {state:<18} {info.label}")
    finally:
        await engine.dispose()


def main() -> None:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m agency_gateway.keys", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="issue a key for an agency (several may be active)")
    create.add_argument("--agency", required=True)
    create.add_argument("--label", default="")
    revoke = sub.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    sub.add_parser("list", help="every key, without the keys themselves")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
