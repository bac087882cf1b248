"""`shouwang-audit verify`: check the responsibility trace; exit 1 at the first broken link."""

from __future__ import annotations

import argparse
import asyncio
import sys

from shouwang_kit.db import make_engine, make_sessionmaker

from casework.app.audit import verify_audit
from casework.config import get_settings


async def _verify() -> int:
    engine = make_engine(get_settings().database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            checked, broken = await verify_audit(session)
    finally:
        await engine.dispose()
    if broken is None:
        print(f"责任追溯日志完整：已校验 {checked} 条，链条无断点")
        return 0
    print(f"责任追溯日志被改动：第 {broken} 条起链条断开（已校验 {checked} 条）", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the check."""
    parser = argparse.ArgumentParser(prog="shouwang-audit", description="责任追溯日志校验")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("verify", help="校验哈希链，报告第一处断点")
    parser.parse_args(argv)
    return asyncio.run(_verify())


if __name__ == "__main__":
    sys.exit(main())
