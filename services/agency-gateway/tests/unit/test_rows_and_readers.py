"""Lists as agencies export them: Chinese headers, GBK, Excel dates, JSON; checked row by row."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from agency_gateway.adapters.limits import RateLimiter
from agency_gateway.domain.lists import (
    PreviousRow,
    classify,
    content_hash,
    person_ref,
    row_key,
)
from agency_gateway.domain.rows import (
    HeaderMap,
    RowRejected,
    canonical_header,
    submission_from_record,
)
from agency_gateway.domain.warnings import build_warning
from openpyxl import Workbook
from shouwang_kit.cells import parse_amount, parse_date
from shouwang_kit.tabular import UnreadableFile, Utf8Probe, records
from shouwang_proto.catalogue import load_catalogue

HEADER = ["姓名", "身份证号码", "乡镇", "村", "联系电话", "金额", "发生日期"]
ROW = ["李玉兰", "532929196803150024", "诺邓镇", "诺邓村", "13987650001", "4,200元", "2026-10-12"]


def _csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _probe(path: Path) -> bool:
    probe = Utf8Probe()
    data = path.read_bytes()
    for i in range(0, len(data), 7):  # odd chunk size: multibyte characters get split
        probe.feed(data[i : i + 7])
    probe.feed(b"", final=True)
    return probe.valid


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_any_chinese_excel_encoding_reads_the_same(tmp_path: Path, encoding: str) -> None:
    path = _csv(
        tmp_path / "list.csv", [HEADER, ROW, ["張偉", "", "", "", "", "", "2026/10/3"]], encoding
    )
    got = list(records(path, "csv", utf8=_probe(path), charset=None))
    assert got[0] == (2, dict(zip(HEADER, ROW, strict=True)))
    assert got[1][0] == 3 and got[1][1]["姓名"] == "張偉"


def test_declared_charset_wins_and_a_wrong_one_is_a_clear_error(tmp_path: Path) -> None:
    path = _csv(tmp_path / "list.csv", [HEADER, ROW], "gbk")
    assert len(list(records(path, "csv", utf8=False, charset="gbk"))) == 1
    with pytest.raises(UnreadableFile) as info:
        list(records(path, "csv", utf8=True, charset="utf-8"))
    assert info.value.code == "file.encoding"


def test_xlsx_with_chinese_headers_and_real_dates(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(
        [
            "李玉兰",
            "532929196803150024",
            "诺邓镇",
            "诺邓村",
            13987650001,
            4200.5,
            datetime(2026, 10, 12),
        ]
    )
    sheet.append([None] * 7)  # blank rows are skipped
    sheet.append(["杨德明", "532929195511200312", None, None, None, None, "2026-10-13"])
    workbook.save(tmp_path / "list.xlsx")
    got = list(records(tmp_path / "list.xlsx", "xlsx", utf8=False, charset=None))
    assert [n for n, _ in got] == [2, 4]
    headers = HeaderMap()
    record = headers.record(got[0][1])
    submission = submission_from_record(record, default_signal_type="new_dibao", period="2026-10")
    assert submission.occurred_on == date(2026, 10, 12)
    assert submission.person.phone == "13987650001"
    assert submission.details == {"township": "诺邓镇", "village": "诺邓村", "amount": 4200.5}


def test_json_array_wrapped_rows_and_json_lines(tmp_path: Path) -> None:
    items = [
        {"name": "李玉兰", "id_number": "532929196803150024", "amount": 12.5},
        {"姓名": "杨德明"},
    ]
    (tmp_path / "a.json").write_text(json.dumps(items, ensure_ascii=False))
    (tmp_path / "b.json").write_text(json.dumps({"rows": items}, ensure_ascii=False))
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(i) for i in items) + "\n")
    for name, fmt in (("a.json", "json"), ("b.json", "json"), ("c.jsonl", "jsonl")):
        got = list(records(tmp_path / name, fmt, utf8=True, charset=None))  # type: ignore[arg-type]
        assert got == [(1, items[0]), (2, items[1])], name
    (tmp_path / "bad.json").write_text('[{"name": "x"}, {"name": ')
    with pytest.raises(UnreadableFile):
        list(records(tmp_path / "bad.json", "json", utf8=True, charset=None))


def test_header_spellings_and_unknown_columns_are_reported() -> None:
    assert canonical_header(" 身份证号 ") == "id_number"
    assert canonical_header("公民身份号码") == "id_number"
    assert canonical_header("手机号码") == "phone"
    assert canonical_header("ID_NUMBER") == "id_number"
    headers = HeaderMap()
    assert headers.record({"姓名": "李玉兰", "婚姻状况": "已婚", "备注": "  "}) == {
        "name": "李玉兰"
    }
    assert headers.unknown == ["婚姻状况"]


def test_cells_in_the_forms_people_type_them() -> None:
    assert parse_date("2026年10月3日") == date(2026, 10, 3)
    assert parse_date("20261003") == date(2026, 10, 3)
    assert parse_date("２０２６-10-03") == date(2026, 10, 3)
    assert parse_amount("12,345.60元") == 12345.6
    assert parse_amount("￥ 100") == 100.0
    with pytest.raises(ValueError):
        parse_date("2026-13-01")


def test_an_unreadable_row_reports_every_cell_at_fault() -> None:
    with pytest.raises(RowRejected) as info:
        submission_from_record(
            {"name": "李玉兰", "occurred_on": "昨天", "amount": "很多"},
            default_signal_type=None,
            period="2026-10",
        )
    assert {e.code for e in info.value.errors} == {
        "date.format",
        "number.format",
        "signal_type.required",
    }
    assert info.value.person is not None and info.value.person.name == "李玉兰"


def _warning(name: str, amount: float, record_id: str | None = None) -> object:
    submission = submission_from_record(
        {
            "name": name,
            "id_number": "532929196803150024",
            "occurred_on": "2026-10-12",
            "amount": amount,
            **({"source_record_id": record_id} if record_id else {}),
        },
        default_signal_type="new_dibao",
        period="2026-10",
    )
    return build_warning(
        submission,
        agency_code="civil_affairs",
        catalogue=load_catalogue(),
        warning_id=uuid.uuid4(),
        received_at=datetime(2026, 11, 2, tzinfo=UTC),
        tz=ZoneInfo("Asia/Shanghai"),
    )


def test_resubmitted_rows_are_recognised_by_person_or_record_id() -> None:
    a, b, c = _warning("李玉兰", 100), _warning("李玉兰", 100), _warning("李玉兰", 200)
    keys = {row_key(w, person_ref(w, "k")) for w in (a, b, c)}  # type: ignore[arg-type]
    assert len(keys) == 1
    assert content_hash(a) == content_hash(b) != content_hash(c)  # type: ignore[arg-type]
    r1, r2 = _warning("李玉兰", 100, "MZ-1"), _warning("李玉兰", 100, "MZ-2")
    assert row_key(r1, person_ref(r1, "k")) != row_key(r2, person_ref(r2, "k"))  # type: ignore[arg-type]

    batch, earlier = uuid.uuid4(), uuid.uuid4()
    previous = PreviousRow("h1", uuid.uuid4(), earlier)
    assert classify("k1", "h1", None, batch_id=batch, seen_in_chunk=set()) == "new"
    assert classify("k1", "h1", previous, batch_id=batch, seen_in_chunk=set()) == "unchanged"
    assert classify("k1", "h2", previous, batch_id=batch, seen_in_chunk=set()) == "changed"
    assert classify("k1", "h1", None, batch_id=batch, seen_in_chunk={"k1"}) == "duplicate"
    same_batch = PreviousRow("h1", uuid.uuid4(), batch)
    assert classify("k1", "h1", same_batch, batch_id=batch, seen_in_chunk=set()) == "duplicate"


def test_the_content_hash_from_the_event_json_is_the_hash_of_the_content() -> None:
    """Stored hashes stay comparable: the shortcut over the event's JSON gives the same value."""
    for w in (_warning("李玉兰", 100), _warning("欧阳·娜娜", 12.5, 'MZ-"7"')):
        assert content_hash(w, w.model_dump_json()) == content_hash(w)  # type: ignore[arg-type, attr-defined]
    w = _warning("李玉兰", 100)
    assert content_hash(w, "not the event's json") == content_hash(w)  # type: ignore[arg-type]


def test_rate_limit_per_agency_per_minute() -> None:
    limiter = RateLimiter(per_minute=2)
    assert limiter.check("water", now=600.0) is None
    assert limiter.check("water", now=610.0) is None
    assert limiter.check("water", now=615.0) == 45.0
    assert limiter.check("housing", now=615.0) is None  # other agencies are not affected
    assert limiter.check("water", now=660.0) is None  # a new minute


def test_nul_characters_from_broken_exports_are_dropped() -> None:
    headers = HeaderMap()
    assert headers.record({"姓\x00名": "李\x00玉兰", "备注": "\x00"}) == {"name": "李玉兰"}
