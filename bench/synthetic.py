"""Synthetic agency lists of any size, with valid (fictional) ID numbers."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_C = "10X98765432"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰红梅建国志强德明"
HEADER = ["姓名", "身份证号码", "乡镇", "村", "联系电话", "金额", "发生日期", "预警类型"]


def id_number(rng: random.Random) -> str:
    """A checksum-valid ID number in county 532929."""
    body = f"532929{rng.randint(1940, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    return body + _C[sum(int(d) * w for d, w in zip(body, _W, strict=True)) % 11]


def rows(count: int, seed: int = 7) -> Iterator[list[object]]:
    """`count` list rows (no header)."""
    rng = random.Random(seed)
    for _ in range(count):
        yield [
            rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            id_number(rng),
            "诺邓镇",
            "诺邓村",
            f"139{rng.randint(0, 99_999_999):08d}",
            f"{rng.randint(100, 50_000)}",
            f"2026-10-{rng.randint(1, 28):02d}",
            "new_dibao",
        ]


def write_csv(path: Path, count: int, encoding: str = "utf-8", seed: int = 7) -> Path:
    """A CSV list of `count` rows."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))
    return path


def write_xlsx(path: Path, count: int, seed: int = 7) -> Path:
    """An XLSX list of `count` rows (written in streaming mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append(HEADER)
    for row in rows(count, seed):
        sheet.append(row)
    workbook.save(path)
    return path


def write_json(path: Path, count: int, seed: int = 7) -> Path:
    """A JSON array list of `count` rows, written row by row."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for index, row in enumerate(rows(count, seed)):
            handle.write(
                ("," if index else "")
                + json.dumps(dict(zip(HEADER, row, strict=True)), ensure_ascii=False)
            )
        handle.write("]")
    return path
