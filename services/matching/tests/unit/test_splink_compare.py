"""The bench's Splink comparison (`bench/splink_compare.py`) on a tiny county: it trains, links,
writes one decision per warning and prints the line `bench.linkage` reads, and the bench's
report of it prints the same lines as for ours (a few seconds; u from 100,000 pairs)."""

from pathlib import Path

import pytest

from bench import linkage, splink_compare
from bench.linkage_data import link_arguments, write_county


def test_splink_links_a_tiny_county_and_the_bench_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = write_county(tmp_path, 2_000, 300, seeds=(3, 4))[1]
    out = tmp_path / "SPLINK.csv"
    splink_compare.main([*link_arguments(tmp_path, out.name), "--u-pairs", "1e5"])
    _, training, steps, prediction, pairs = linkage.splink_timings(capsys.readouterr().err)
    assert training > 0 and prediction > 0 and pairs > 0 and steps.startswith("(λ")
    decided = linkage.read_out(out)
    assert set(decided) == {r.warning_id for r in rows}
    assert {d for d, _ in decided.values()} <= {"auto", "review", "unmatched"}
    linkage.report(rows, decided)
    printed = capsys.readouterr().out
    for start in ("precision of auto:", "recall, ID valid", "review share:", "wrong autos:"):
        assert start in printed
    autos = [(r, decided[r.warning_id][1]) for r in rows if decided[r.warning_id][0] == "auto"]
    assert len(autos) > len(rows) // 2
    assert sum(person == r.true_person_id for r, person in autos) / len(autos) > 0.95
