"""Registry import benchmark: a member-list export of N persons through `shouwang-intake import`.

Prints persons/s and the import process's peak memory for a first import (everything new) and a
re-import of the same file (everything unchanged), and, in the same run, the ceiling: raw COPY of
the same rows (no checks, no encryption, no events) into a plain table.

    .tools/bin/uv run python -m bench.registry_import --persons 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import psutil
from shouwang_kit.idnumber import check_char
from shouwang_stack.stack import Stack, StackConfig

from bench.procs import PeakRss

TOWNSHIPS = 12
VILLAGES = 15
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志红"
HEADER = ["户编号", "镇", "村", "区划代码", "姓名", "证件号码", "与户主关系", "性别", "联系电话"]
RELATIONS = ["配偶", "子女", "子女", "父母", "孙子女", "儿媳"]


def _id(rng: random.Random, seq: int) -> str:
    year = rng.randint(1940, 2015)
    first17 = f"532929{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{seq % 1000:03d}"
    return first17 + check_char(first17)


def write_export(path: Path, persons: int, seed: int = 7) -> tuple[int, list[list[str]]]:
    """A member list of `persons` rows in households of 1–6; returns (households, region rows)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    households = 0
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        while written < persons:
            households += 1
            township = rng.randrange(TOWNSHIPS) + 101
            village = rng.randrange(VILLAGES) + 1
            code = f"532929{township:03d}{village:03d}"
            surname = rng.choice(SURNAMES)
            for member in range(min(rng.randint(1, 6), persons - written)):
                while (id_number := _id(rng, rng.randrange(1000))) in seen:
                    pass
                seen.add(id_number)
                name = surname + rng.choice(GIVEN) + rng.choice(["", rng.choice(GIVEN)])
                phone = f"139{rng.randrange(10**8):08d}" if member == 0 else ""
                out.writerow(
                    [
                        f"5329{households:012d}",
                        f"第{township}镇",
                        f"第{village}村",
                        code,
                        name,
                        id_number,
                        "户主" if member == 0 else rng.choice(RELATIONS),
                        "",
                        phone,
                    ]
                )
                written += 1
    regions = [["532929000000", "演示县"]]
    for township in range(101, 101 + TOWNSHIPS):
        regions.append([f"532929{township:03d}000", f"第{township}镇"])
        for village in range(1, VILLAGES + 1):
            regions.append([f"532929{township:03d}{village:03d}", f"第{village}村"])
    return households, regions


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run `shouwang-intake ARGS`; wall seconds, peak RSS, and its last output line."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake.entrypoints.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    rss = PeakRss(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"import failed ({proc.returncode}):\n{err[-2000:]}")
    lines = [line for line in (out + err).splitlines() if "导入完成" in line]
    return seconds, rss.peak, lines[-1] if lines else ""


async def copy_ceiling(database_url: str, path: Path) -> float:
    """Seconds to COPY the same rows into a plain table: the database's own ceiling."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "DROP TABLE IF EXISTS bench_raw; CREATE TABLE bench_raw ("
            + ", ".join(f"c{i} text" for i in range(len(HEADER)))
            + ")"
        )
        start = time.perf_counter()
        with path.open("rb") as handle:
            await connection.copy_to_table("bench_raw", source=handle, format="csv", header=True)
        return time.perf_counter() - start
    finally:
        await connection.execute("DROP TABLE IF EXISTS bench_raw")
        await connection.close()


async def main(persons: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stack = Stack(StackConfig.ephemeral(work / "stack"))
        try:
            await stack.start_infrastructure()
            export = work / "registry.csv"
            households, regions = write_export(export, persons)
            regions_file = work / "regions.csv"
            with regions_file.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle).writerows([["区划代码", "名称"], *regions])
            env = {**os.environ, "DATABASE_URL": stack.database_url, "LOG_LEVEL": "WARNING"}
            run_cli(["regions", str(regions_file)], env)
            size = export.stat().st_size / 2**20
            print(
                f"machine: {psutil.cpu_count()} cores; export: {persons:,} persons in "
                f"{households:,} households, {size:.0f} MiB CSV"
            )
            ceiling = await copy_ceiling(stack.database_url, export)
            print(f"ceiling  raw COPY of the same rows: {persons / ceiling:,.0f} persons/s")
            for label in ("first import (all new)", "re-import (all unchanged)"):
                seconds, peak, line = run_cli(["import", str(export)], env)
                rate = persons / seconds
                print(
                    f"{label:<26} {seconds:.1f}s = {rate:,.0f} persons/s "
                    f"({rate * ceiling / persons:.1%} of COPY); peak RSS {peak / 2**20:.0f} MiB"
                )
                print(f"    {line}")
        finally:
            stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    asyncio.run(main(parser.parse_args().persons))
