"""`shouwang-intake`: the registry operator's commands, against intake's database.

shouwang-intake regions FILE.csv            load division codes (columns 区划代码, 名称)
shouwang-intake import FILE.(csv|xlsx)      import a registry export, with progress
shouwang-intake republish                   re-publish every household snapshot
shouwang-intake coverage REGION YYYY-MM     who is not yet visited this month
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from shouwang_kit.crypto import FieldCipher
from shouwang_kit.db import make_engine, make_sessionmaker
from shouwang_kit.messaging import Outbox
from shouwang_kit.migrations import upgrade
from shouwang_kit.tabular import UnreadableFile, file_records
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake.adapters.tables import SCHEMA, households, outbox
from intake.app.imports import ImportContext, ImportRejected, import_file, load_regions
from intake.app.registry import Keys, republish_all
from intake.app.signals import coverage_report
from intake.bootstrap import MIGRATIONS
from intake.config import get_settings
from intake.domain.regions import RegionCodeError, region

console = Console(stderr=True, soft_wrap=True)
Sessions = async_sessionmaker[AsyncSession]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


async def _run(action: Callable[..., object], **kwargs: object) -> int:
    settings = get_settings()
    await asyncio.to_thread(upgrade, MIGRATIONS, settings.database_url, SCHEMA)
    engine = make_engine(settings.database_url)
    try:
        keys = Keys(settings.pseudonym_key, FieldCipher(settings.data_keys))
        result = action(make_sessionmaker(engine), keys, **kwargs)
        assert asyncio.iscoroutine(result)
        code: int = await result
        return code
    finally:
        await engine.dispose()


async def _import(sessions: Sessions, keys: Keys, *, path: Path, actor: str) -> int:
    with _progress() as progress:
        read = progress.add_task("读取并校验", total=None)
        apply = progress.add_task("写入农户", total=None)

        def report(phase: str, done: int) -> None:
            progress.update(read if phase == "read" else apply, completed=done)

        ctx = ImportContext(
            sessions=sessions,
            outbox_table=outbox,
            keys=keys,
            today=get_settings().today(),
            now=lambda: datetime.now(UTC),
            new_id=uuid.uuid4,
            progress=report,
        )
        try:
            summary = await import_file(path, ctx=ctx, actor=actor)
        except ImportRejected as exc:
            console.print(f"[red]导入失败[/red]（{exc.code}）：{exc.message}")
            return 2
    console.print(
        f"导入完成 {summary.import_id}：读取 {summary.received} 行，拒收 {summary.rejected} 行；"
        f"农户 新增 {summary.created}、更新 {summary.updated}、未变 {summary.unchanged}、"
        f"因分户/合户变动 {summary.moved}"
    )
    if summary.rejected:
        console.print(f"逐行错误：GET /v1/registry/imports/{summary.import_id}?format=csv")
    if summary.unknown_columns:
        console.print("未识别的列（已忽略）：" + "、".join(summary.unknown_columns))
    return 0


async def _regions(sessions: Sessions, keys: Keys, *, path: Path) -> int:
    items = []
    try:
        for number, cells in file_records(path):
            values = [str(v).strip() for v in cells.values() if v is not None]
            if len(values) < 2:
                continue
            try:
                items.append(region(values[0], values[1]))
            except RegionCodeError:
                console.print(f"[red]第{number}行[/red]：区划代码应为12位数字")
                return 2
    except UnreadableFile as exc:
        console.print(f"[red]无法读取[/red]（{exc.code}）：{exc.message}")
        return 2
    async with sessions() as session, session.begin():
        count = await load_regions(session, items)
    console.print(f"已载入区划 {count} 条")
    return 0


async def _republish(sessions: Sessions, keys: Keys) -> int:
    async with sessions() as session:
        total = await session.scalar(select(func.count()).select_from(households))
    with _progress() as progress:
        task = progress.add_task("重新发布农户快照", total=total)
        async with sessions() as session, session.begin():
            count = await republish_all(
                session=session,
                outbox=Outbox(outbox, session),
                keys=keys,
                now=datetime.now(UTC),
                new_id=uuid.uuid4,
                progress=lambda n: progress.advance(task, n),
            )
    console.print(f"已排队重新发布 {count} 户（由 intake 服务的 outbox 转发到 Kafka）")
    return 0


async def _coverage(sessions: Sessions, keys: Keys, *, scope: str, month: str) -> int:
    async with sessions() as session:
        villages = await coverage_report(
            session, scope=scope, month=date.fromisoformat(f"{month}-01")
        )
    print("乡镇,村,区划代码,农户数,已走访,覆盖率,未走访户编号")
    for v in villages:
        print(
            f"{v.township_name},{v.village_name},{v.region_code},{v.households},{v.visited},"
            f"{v.rate:.1%},{' '.join(v.not_visited)}"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="shouwang-intake", description="农户信息库运维命令")
    sub = parser.add_subparsers(dest="command", required=True)
    regions_cmd = sub.add_parser("regions", help="载入区划代码（CSV/XLSX：区划代码, 名称）")
    regions_cmd.add_argument("file", type=Path)
    import_cmd = sub.add_parser("import", help="导入花名册或成员名单（CSV/XLSX）")
    import_cmd.add_argument("file", type=Path)
    import_cmd.add_argument("--actor", default="cli", help="操作人（记入导入记录）")
    sub.add_parser("republish", help="重新发布全部农户快照（重建其他服务的读模型）")
    coverage_cmd = sub.add_parser("coverage", help="一月一排查覆盖情况（CSV 输出）")
    coverage_cmd.add_argument("region", help="乡镇或县的12位区划代码")
    coverage_cmd.add_argument("month", help="YYYY-MM")
    args = parser.parse_args(argv)
    if args.command in ("import", "regions") and not args.file.is_file():
        console.print(f"[red]找不到文件[/red]：{args.file}")
        return 2
    if args.command == "import":
        return asyncio.run(_run(_import, path=args.file, actor=args.actor))
    if args.command == "regions":
        return asyncio.run(_run(_regions, path=args.file))
    if args.command == "republish":
        return asyncio.run(_run(_republish))
    return asyncio.run(_run(_coverage, scope=args.region, month=args.month))


if __name__ == "__main__":
    sys.exit(main())
