"""`shouwang-match link` as a person with a spreadsheet runs it: real files, a subprocess."""

import csv
import subprocess
import sys
from pathlib import Path

from bench.linkage_data import LINK_ARGUMENTS, link_arguments, write_county

CLI = [sys.executable, *LINK_ARGUMENTS]


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`shouwang-match link` with these arguments, as a user runs it."""
    return subprocess.run([*CLI, *arguments], capture_output=True, text=True, check=False)


def _link(
    directory: Path, *, registry: str = "R.csv", warnings: str = "W.csv"
) -> subprocess.CompletedProcess[str]:
    """Link two files of `directory` into its OUT.csv."""
    return _run(
        "--registry",
        str(directory / registry),
        "--warnings",
        str(directory / warnings),
        "--out",
        str(directory / "OUT.csv"),
    )


def test_links_a_spreadsheet_and_writes_the_documented_columns(tmp_path: Path) -> None:
    rows = write_county(tmp_path, 2_000, 300, seeds=(3, 4))[1]
    out = tmp_path / "OUT.csv"
    done = _run(*link_arguments(tmp_path, out.name))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        result = list(csv.DictReader(handle))
    assert list(result[0]) == ["warning_id", "person_id", "household_id", "decision", "score"]
    assert [r["warning_id"] for r in result] == [r.warning_id for r in rows]
    assert {r["decision"] for r in result} <= {"auto", "review", "unmatched"}
    truth = {r.warning_id: r.true_person_id for r in rows}
    autos = [r for r in result if r["decision"] == "auto"]
    assert autos and all(r["person_id"] == truth[r["warning_id"]] for r in autos)
    assert all(0.0 <= float(r["score"]) <= 1.0 for r in result)


def test_a_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "R.csv").write_text("person_id,name\nP1,张三\n", encoding="utf-8")
    (tmp_path / "W.csv").write_text("warning_id,name\nW1,张三\n", encoding="utf-8")
    done = _run(*link_arguments(tmp_path, "OUT.csv"))
    assert done.returncode == 2
    assert "file.columns" in done.stderr and "household_id" in done.stderr
    missing = _link(tmp_path, registry="nope.csv")
    assert missing.returncode == 2 and "file.unreadable" in missing.stderr


def test_rows_as_clerks_type_them(tmp_path: Path) -> None:
    """Column names in another case or with spaces; no name but a registered ID; dates as
    1968/3/15 or 19680315; a 9-digit township code; a date cell exported with its time; a
    date that is not one counts as not given rather than stopping the run."""
    from shouwang_kit.idnumber import check_char

    first17 = "53292219680315002"
    id_number = first17 + check_char(first17)
    (tmp_path / "R.csv").write_text(
        "person_id,household_id,id_number,name,gender,birth_date,village_code,phone\n"
        f"P1,H1,{id_number},李玉兰,female,1968/3/15,532929101001,\n"
        "P2,H2,,张大山,male,19500101,532929101002,\n",
        encoding="utf-8",
    )
    (tmp_path / "W.csv").write_text(
        "Warning_ID, id_number ,name,birth_date,village_code,phone\n"  # as a spreadsheet may
        f"W1,{id_number},,,,\n"
        "W2,,李玉兰,19680315,532929101,\n"
        "W3,,张大山,1950年1月1日,532929101002,\n"
        "W4,,张大山,不详,,\n"
        "W5,,张大山,1950/1/1 0:00,532929101002,\n",
        encoding="utf-8",
    )
    out = tmp_path / "OUT.csv"
    done = _run(*link_arguments(tmp_path, out.name))
    assert done.returncode == 0, done.stderr
    with out.open(encoding="utf-8") as handle:
        result = {r["warning_id"]: (r["person_id"], r["decision"]) for r in csv.DictReader(handle)}
    assert result["W1"] == ("P1", "auto")
    assert result["W2"] == ("P1", "auto")  # name + birth date + the township
    assert result["W3"] == ("P2", "auto")
    assert result["W4"][1] != "auto"
    assert result["W5"] == ("P2", "auto")  # a date cell as a spreadsheet exports it


def test_thresholds_that_cannot_work_are_a_clear_error(tmp_path: Path) -> None:
    write_county(tmp_path, 50, 5, seeds=(3, 4))
    for flags, says in [
        (["--auto-at", "5", "--review-at", "8"], "review_at"),
        (["--margin", "-1"], "margin"),
        (["--auto-at", "nan"], "有限"),
    ]:
        done = _run(*link_arguments(tmp_path, "OUT.csv"), *flags)
        assert done.returncode == 2, flags
        assert "config.thresholds" in done.stderr and says in done.stderr, done.stderr
        assert not (tmp_path / "OUT.csv").exists()


def test_a_run_stopped_by_a_bad_row_leaves_no_half_written_result(tmp_path: Path) -> None:
    registry = "person_id,household_id,id_number,name,gender,birth_date,village_code,phone\n"
    (tmp_path / "R.csv").write_text(registry + "P1,H1,,张三,,1990-01-01,,\n", encoding="utf-8")
    warnings = "warning_id,id_number,name,birth_date,village_code,phone\n"
    # The third warning has no id: the run stops there, after two were linked.
    rows = "W1,,张三,1990-01-01,,\nW2,,李四,,,\n,,王五,,,\n"
    (tmp_path / "W.csv").write_text(warnings + rows, encoding="utf-8")
    out = tmp_path / "OUT.csv"
    out.write_text("an earlier result\n", encoding="utf-8")
    done = _run(*link_arguments(tmp_path, out.name))
    assert done.returncode == 2 and "field.required" in done.stderr and "第4行" in done.stderr
    assert out.read_text(encoding="utf-8") == "an earlier result\n"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["OUT.csv", "R.csv", "W.csv"]
    nowhere = _run(*link_arguments(tmp_path, "no-such-dir/OUT.csv"))
    assert nowhere.returncode == 2 and "file.unwritable" in nowhere.stderr


def test_a_gbk_csv_and_an_excel_workbook_as_staff_save_them(tmp_path: Path) -> None:
    """Chinese Excel saves CSV in GBK; staff also hold .xlsx workbooks, with dates as date
    cells, phones and village codes as numbers and a title row above the table."""
    from datetime import datetime

    from openpyxl import Workbook
    from shouwang_kit.idnumber import check_char

    first17 = "53292219680315002"
    id_number = first17 + check_char(first17)
    (tmp_path / "R.csv").write_text(
        "person_id,household_id,id_number,name,gender,birth_date,village_code,phone\n"
        f"P1,H1,{id_number},李玉兰,female,1968-03-15,532929101001,13987650001\n"
        "P2,H2,,张大山,male,1950-01-01,532929101002,\n",
        encoding="gbk",
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年11月民政预警名单"])  # a title above the table
    sheet.append(["warning_id", "id_number", "name", "birth_date", "village_code", "phone"])
    sheet.append(["W1", id_number, "李玉兰", None, None, None])
    sheet.append(["W2", None, "张大山", datetime(1950, 1, 1), 532929101002, None])
    sheet.append(["W3", None, "李玉兰", datetime(1968, 3, 15), None, 13987650001])
    book.save(tmp_path / "W.xlsx")
    done = _link(tmp_path, warnings="W.xlsx")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "OUT.csv").open(encoding="utf-8") as handle:
        result = {r["warning_id"]: (r["person_id"], r["decision"]) for r in csv.DictReader(handle)}
    assert result == {"W1": ("P1", "auto"), "W2": ("P2", "auto"), "W3": ("P1", "auto")}


def test_a_file_that_is_neither_utf8_nor_gbk_or_not_a_workbook_is_a_clear_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "R.csv").write_bytes(b"person_id,household_id\n\xff\xfe\xff\n")
    (tmp_path / "W.xlsx").write_bytes(b"not a workbook")
    for registry, warnings, code in (
        ("R.csv", "W.xlsx", "file.encoding"),
        (None, "W.xlsx", "file.xlsx"),
    ):
        if registry is None:
            (tmp_path / "R.csv").write_text(
                "person_id,household_id,id_number,name,gender,birth_date,village_code,phone\n",
                encoding="utf-8",
            )
        done = _link(tmp_path, warnings=warnings)
        assert done.returncode == 2 and f"[{code}]" in done.stderr, done.stderr
        assert not (tmp_path / "OUT.csv").exists()


def test_an_id_typed_into_a_number_cell_is_refused_with_its_row(tmp_path: Path) -> None:
    """Excel keeps 15 significant digits: an 18-digit ID in a number cell is already altered
    (…1234 → …1000), so it is refused with the row rather than linked as a broken ID."""
    from openpyxl import Workbook

    (tmp_path / "R.csv").write_text(
        "person_id,household_id,id_number,name,gender,birth_date,village_code,phone\n",
        encoding="utf-8",
    )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["warning_id", "id_number", "name", "birth_date", "village_code", "phone"])
    sheet.append(["W1", None, "李玉兰", None, 532929101001, 13987650001])  # these fit
    sheet.append(["W2", 532922196803150020, "李玉兰", None, None, None])
    book.save(tmp_path / "W.xlsx")
    done = _link(tmp_path, warnings="W.xlsx")
    assert done.returncode == 2, done.stderr
    assert "[field.number_precision]" in done.stderr and "第3行" in done.stderr
