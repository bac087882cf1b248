"""`shouwang-match link`: batch linking for staff who hold a spreadsheet (same engine as the
service).

    shouwang-match link --registry R.csv --warnings W.csv --out OUT.csv

R: person_id,household_id,id_number,name,gender,birth_date,village_code,phone
W: warning_id,id_number,name,birth_date,village_code,phone   (any field but warning_id may be empty)
OUT: warning_id,person_id,household_id,decision,score   (decision: auto, review, unmatched)
R and W: CSV in UTF-8 or GBK (sniffed; what Chinese Excel saves as CSV is GBK) or an .xlsx
workbook's first sheet, each with a header row naming the columns (any case, any order; rows
above it, a title, are skipped). OUT is UTF-8 CSV, and appears whole or not at all: it is
written beside itself (`.OUT.csv.partial`) and renamed when every warning is linked, so a run
stopped by a bad row leaves no half-written result (and an earlier OUT untouched).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from pathlib import Path
from typing import TextIO
from uuid import UUID

from shouwang_kit.cells import cell_text
from shouwang_kit.gc_tuning import collection_paused
from shouwang_kit.tabular import (
    HeaderTest,
    UnreadableFile,
    Utf8Probe,
    csv_records,
    xlsx_records,
)

from matching.domain.linker import LinkConfig, LinkIndex
from matching.domain.linker.index import make_query
from matching.domain.resolution import PersonRecord

REGISTRY_COLUMNS = (
    "person_id",
    "household_id",
    "id_number",
    "name",
    "gender",
    "birth_date",
    "village_code",
    "phone",
)
WARNING_COLUMNS = ("warning_id", "id_number", "name", "birth_date", "village_code", "phone")
OUT_COLUMNS = ("warning_id", "person_id", "household_id", "decision", "score")


class LinkInputError(Exception):
    """A file the linker cannot use: machine code and Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _records(path: Path, header_test: HeaderTest) -> Iterator[tuple[int, dict[str, object]]]:
    """Rows of the first sheet of an .xlsx workbook, or of a CSV in UTF-8 or GBK (sniffed: what
    Chinese Excel saves as CSV is GBK)."""
    if path.suffix.lower() == ".xlsx":
        return xlsx_records(path, header_test)
    probe = Utf8Probe()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            probe.feed(chunk)
    probe.feed(b"", final=True)
    return csv_records(path, "utf-8" if probe.valid else "gb18030", header_test)


class _Imprecise(ValueError):
    """A number cell too long for a spreadsheet to have kept: Excel keeps 15 significant
    digits, so an 18-digit ID or a 16-digit household number typed as a number is altered."""


def _text(value: object) -> str:
    """A cell as text: a spreadsheet's numbers and dates as they were typed (kit `cell_text`:
    Excel's 3.0 for a typed 3 is '3')."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time_of_day() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15:
        raise _Imprecise(value)  # an ID or a household number typed into a number cell
    return cell_text(value)


def _rows(path: Path, columns: tuple[str, ...], label: str) -> Iterator[tuple[int, dict[str, str]]]:
    headers: list[list[str]] = []  # the first row that is not blank, then the header found

    def header_test(row: list[str]) -> bool:
        """The header is the first row naming every column (rows above it, a sheet's title,
        are skipped)."""
        if not headers:
            headers.append(row)
        if all(c in {h.strip().lower() for h in row} for c in columns):
            headers.append(row)
            return True
        return False

    try:
        records = iter(_records(path, header_test))
        first = next(records, None)
    except OSError as exc:
        raise LinkInputError(
            "file.unreadable", f"无法打开{label}文件 {path}：{exc.strerror}"
        ) from None
    except UnreadableFile as exc:
        raise LinkInputError(exc.code, f"{label}文件：{exc.message}") from None
    # Column names as a spreadsheet may write them: ` ID_Number` is id_number.
    named = {h.strip().lower(): h for h in headers[-1]} if headers else {}
    missing = [c for c in columns if c not in named]
    if missing:
        raise LinkInputError(
            "file.columns",
            f"{label}文件缺少列：{', '.join(missing)}（应有：{', '.join(columns)}）",
        )
    keys = [(c, named[c]) for c in columns]
    number = first[0] if first is not None else 0
    try:
        if first is not None:
            yield number, {c: _text(first[1].get(h)) for c, h in keys}
        for number, row in records:
            yield number, {c: _text(row.get(h)) for c, h in keys}
    except UnreadableFile as exc:
        raise LinkInputError(exc.code, f"{label}文件：{exc.message}") from None
    except _Imprecise as exc:
        raise LinkInputError(
            "field.number_precision",
            f"{label}第{number}行：{exc.args[0]:.0f} 是数字格式的单元格，超过15位的数字在Excel中"
            "已失真（只保留15位有效数字）；请将该列设为文本格式，从原始数据重新导入",
        ) from None


# A time of day after the date is what a spreadsheet writes for a date cell (1968/3/15 0:00).
_DATE = re.compile(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})\D?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _date(text: str) -> date | None:
    """A birth date as clerks write it (1968-03-15, 1968/3/15, 19680315, 1968年3月15日, or
    as a spreadsheet exports a date cell, 1968/3/15 0:00); one that is not a date counts as not
    given."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip()) if text else None
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _region(text: str) -> str | None:
    """A 12-digit village code; a 9-digit township code is read as the township's own."""
    code = unicodedata.normalize("NFKC", text).strip()
    if not code.isdigit():
        return None
    if len(code) == 9:
        return code + "000"
    return code if len(code) == 12 else None


def _progress(label: str, done: int, started: float) -> None:
    if sys.stderr.isatty() or done % 100_000 == 0:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r{label} {done:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class LinkRun:
    """What a run did: persons indexed, warnings written, seconds for each step."""

    persons: int
    warnings: int
    index_seconds: float
    link_seconds: float


def link(registry: Path, warnings: Path, out: Path, config: LinkConfig) -> LinkRun:
    """Link every warning."""
    index = LinkIndex(config)
    names: dict[UUID, tuple[str, str]] = {}
    # The engine keys persons and households by UUID: each id in the file gets one, by the
    # order it first appears (a SHA-1 per id, as uuid5, was a tenth of building the index).
    people: dict[str, UUID] = {}
    homes: dict[str, UUID] = {}
    started = time.perf_counter()
    # No garbage collection while the index is built: it is millions of long-lived objects,
    # and every collection on the way walked those built so far again (a third of the time at
    # 300,000 persons, more the larger the registry).
    with collection_paused():
        for number, row in _rows(registry, REGISTRY_COLUMNS, "人员库"):
            if not row["person_id"]:
                raise LinkInputError("field.required", f"人员库第{number}行：person_id 不能为空")
            person_id = people.setdefault(row["person_id"], UUID(int=len(people) + 1))
            names[person_id] = (row["person_id"], row["household_id"])
            index.upsert(
                PersonRecord(
                    person_id,
                    homes.setdefault(row["household_id"], UUID(int=len(homes) + 1)),
                    row["id_number"],
                    row["name"],
                    row["gender"] or None,
                    _date(row["birth_date"]),
                    _region(row["village_code"]),
                    row["phone"] or None,
                )
            )
            if number % 10_000 == 0:
                _progress("人员库", number - 1, started)
    index_seconds = time.perf_counter() - started
    started = time.perf_counter()
    partial = out.with_name(f".{out.name}.partial")
    try:
        handle = partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise LinkInputError("file.unwritable", f"无法写入结果文件 {out}：{exc.strerror}") from None
    try:
        with handle:
            written = _link_warnings(index, names, warnings, handle)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    return LinkRun(len(index), written, index_seconds, time.perf_counter() - started)


def _link_warnings(
    index: LinkIndex, names: dict[UUID, tuple[str, str]], warnings: Path, handle: TextIO
) -> int:
    """Decide every warning, one OUT row each; returns how many."""
    written = 0
    started = time.perf_counter()
    writer = csv.writer(handle)
    writer.writerow(OUT_COLUMNS)
    for number, row in _rows(warnings, WARNING_COLUMNS, "预警"):
        if not row["warning_id"]:
            raise LinkInputError("field.required", f"预警第{number}行：warning_id 不能为空")
        result = index.decide(
            make_query(
                name=row["name"],
                id_number=row["id_number"] or None,
                birth_date=_date(row["birth_date"]),
                region_code=_region(row["village_code"]),
                phone=row["phone"] or None,
            )
        )
        person, household = names.get(result.person_id, ("", "")) if result.person_id else ("", "")
        writer.writerow([row["warning_id"], person, household, result.verdict, result.score])
        written += 1
        if written % 10_000 == 0:
            _progress("预警", written, started)
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and link."""
    parser = argparse.ArgumentParser(prog="shouwang-match", description="预警与人员库批量比对")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("link", help="逐条比对预警，输出 auto / review / unmatched")
    cmd.add_argument(
        "--registry", type=Path, required=True, help="人员库：CSV（UTF-8 或 GBK）或 Excel（.xlsx）"
    )
    cmd.add_argument(
        "--warnings", type=Path, required=True, help="预警：CSV（UTF-8 或 GBK）或 Excel（.xlsx）"
    )
    cmd.add_argument("--out", type=Path, required=True, help="输出 CSV")
    cmd.add_argument(
        "--auto-at",
        type=float,
        default=LinkConfig.auto_at,
        help="达到此分（且领先足够）自动匹配（默认 %(default)s 分）",
    )
    cmd.add_argument(
        "--review-at",
        type=float,
        default=LinkConfig.review_at,
        help="低于此分为未找到，其间转人工核对（默认 %(default)s 分）",
    )
    cmd.add_argument(
        "--margin",
        type=float,
        default=LinkConfig.margin,
        help="自动匹配须领先第二候选人的分数（默认 %(default)s 分）",
    )
    args = parser.parse_args(argv)
    try:  # thresholds that cannot work are refused before any file is read
        config = LinkConfig(auto_at=args.auto_at, review_at=args.review_at, margin=args.margin)
    except ValueError as exc:
        print(f"shouwang-match: [config.thresholds] {exc}", file=sys.stderr)
        return 2
    try:
        run = link(args.registry, args.warnings, args.out, config)
    except LinkInputError as exc:
        print(f"shouwang-match: [{exc.code}] {exc.message}", file=sys.stderr)
        return 2
    print(
        f"已比对 {run.warnings} 条预警（人员库 {run.persons} 人），结果：{args.out}"
        f"（建索引 {run.index_seconds:.2f}s，比对 {run.link_seconds:.2f}s）",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
