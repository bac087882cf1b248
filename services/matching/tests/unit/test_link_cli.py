"""`shouwang-match link` as a person with a spreadsheet runs it: real files, a subprocess."""

import csv
import subprocess
import sys
from pathlib import Path

from bench.linkage_data import registry, warnings, write_registry, write_warnings

CLI = [sys.executable, "-m", "matching.entrypoints.link_cli", "link"]


def test_links_a_spreadsheet_and_writes_the_documented_columns(tmp_path: Path) -> None:
    people = list(registry(2_000, seed=3))
    rows = list(warnings(people, 300, seed=4))
    write_registry(tmp_path / "R.csv", people)
    write_warnings(tmp_path / "W.csv", rows)
    out = tmp_path / "OUT.csv"
    done = subprocess.run(
        [
            *CLI,
            "--registry",
            str(tmp_path / "R.csv"),
            "--warnings",
            str(tmp_path / "W.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
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
    done = subprocess.run(
        [
            *CLI,
            "--registry",
            str(tmp_path / "R.csv"),
            "--warnings",
            str(tmp_path / "W.csv"),
            "--out",
            str(tmp_path / "OUT.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "file.columns" in done.stderr and "household_id" in done.stderr
    missing = subprocess.run(
        [
            *CLI,
            "--registry",
            str(tmp_path / "nope.csv"),
            "--warnings",
            str(tmp_path / "W.csv"),
            "--out",
            str(tmp_path / "OUT.csv"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "file.unreadable" in missing.stderr
