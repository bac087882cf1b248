"""Streaming readers for tabular uploads: CSV (UTF-8 or GBK/GB18030), XLSX, JSON and JSON Lines.

Uploads are spooled to a temporary file first (the body is never held in memory whole); the
readers then yield one row at a time.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import ijson
from openpyxl import load_workbook

Format = Literal["csv", "xlsx", "json", "jsonl"]

CONTENT_TYPES: dict[str, Format] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}


class UnreadableFile(ValueError):
    """The upload is not a file of the declared kind: code and Chinese message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Utf8Probe:
    """Fed the upload chunk by chunk: is it valid UTF-8 throughout?"""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.valid = True

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if not self.valid:
            return
        try:
            self._decoder.decode(chunk, final)
        except UnicodeDecodeError:
            self.valid = False


Record = tuple[int, dict[str, object]]


HeaderTest = Callable[[list[str]], bool]


def _tabular(rows: Iterator[list[object]], is_header: HeaderTest | None = None) -> Iterator[Record]:
    """Header row first; each later row as {header: cell}, numbered as Excel numbers rows.

    Rows before the header are skipped: blank ones, and, when `is_header` is given, any row it
    does not accept (a sheet's title above the table, as Chinese forms have).
    """
    header: list[str] | None = None
    for number, row in enumerate(rows, start=1):
        if header is None:
            header = ["" if c is None else str(c) for c in row]
            if not any(h.strip() for h in header) or (is_header and not is_header(header)):
                header = None
            continue
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
            continue
        yield number, dict(zip(header, row, strict=False))


def csv_records(path: Path, encoding: str, is_header: HeaderTest | None = None) -> Iterator[Record]:
    """Records of a CSV file in the given encoding (a UTF-8 BOM is dropped)."""
    enc = "utf-8-sig" if encoding == "utf-8" else encoding
    with path.open("r", encoding=enc, errors="strict", newline="") as handle:
        try:
            yield from _tabular(iter(csv.reader(handle)), is_header)  # type: ignore[arg-type]
        except UnicodeDecodeError:
            raise UnreadableFile(
                "file.encoding", "文件编码无法识别，请另存为UTF-8或GBK编码的CSV"
            ) from None
        except csv.Error as exc:
            raise UnreadableFile("file.csv", f"CSV格式错误：{exc}") from None


def xlsx_records(path: Path, is_header: HeaderTest | None = None) -> Iterator[Record]:
    """Records of the first sheet of an XLSX workbook, read in streaming (read-only) mode."""
    with path.open("rb") as handle:  # a file object: openpyxl would insist on an .xlsx name
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except Exception:
            raise UnreadableFile(
                "file.xlsx", "无法读取Excel文件，请确认为.xlsx格式（Excel 2007及以上）"
            ) from None
        try:
            sheet = workbook.worksheets[0]
            yield from _tabular((list(row) for row in sheet.iter_rows(values_only=True)), is_header)
        finally:
            workbook.close()


def _objects(items: Iterator[object]) -> Iterator[Record]:
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UnreadableFile("file.json", f"第{number}项应为对象（字段名: 值）")
        yield number, item  # JSON object keys are always text


def json_records(path: Path) -> Iterator[Record]:
    """Records of a JSON array of objects, or of {"rows": [...]}, parsed incrementally."""
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        handle.seek(0)
        prefix = "item" if head.startswith(b"[") else "rows.item"
        try:
            yield from _objects(ijson.items(handle, prefix, use_float=True))
        except ijson.JSONError as exc:
            raise UnreadableFile("file.json", f"JSON格式错误：{exc}") from None


def jsonl_records(path: Path) -> Iterator[Record]:
    """Records of a JSON Lines file: one object per line."""

    def items() -> Iterator[object]:
        with path.open("r", encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError:
                        raise UnreadableFile("file.json", f"第{number}行不是合法的JSON") from None

    yield from _objects(items())


def records(path: Path, fmt: Format, *, utf8: bool, charset: str | None) -> Iterator[Record]:
    """(row number, {column: value}) for each data row of the spooled upload."""
    if fmt == "csv":
        encoding = (charset or ("utf-8" if utf8 else "gb18030")).lower()
        if encoding in ("gbk", "gb2312"):
            encoding = "gb18030"  # a superset: what Chinese Excel writes as "ANSI"
        return csv_records(path, encoding)
    if fmt == "xlsx":
        return xlsx_records(path)
    if fmt == "json":
        return json_records(path)
    return jsonl_records(path)


def file_records(path: Path, is_header: HeaderTest | None = None) -> Iterator[Record]:
    """Records of a file on disk by its suffix; a CSV's encoding is sniffed (UTF-8 or GBK)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return xlsx_records(path, is_header)
    if suffix in (".json", ".jsonl"):
        return records(path, "json" if suffix == ".json" else "jsonl", utf8=True, charset=None)
    if suffix != ".csv":
        raise UnreadableFile("file.kind", f"不支持的文件类型“{suffix}”，请使用.csv或.xlsx")
    probe = Utf8Probe()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            probe.feed(chunk)
    probe.feed(b"", final=True)
    encoding = "utf-8" if probe.valid else "gb18030"
    return csv_records(path, encoding, is_header)
