"""Splink (DuckDB) on the files `shouwang-match link` reads, for `bench.linkage` to compare.

    .tools/bin/uv run python -m bench.splink_compare --registry R.csv --warnings W.csv \\
        --out SPLINK.csv [--auto-at 0.99 --review-at 0.5 --u-pairs 1e7]

Reads R.csv and W.csv (the CLI's columns; no truth in them), links each warning to registry
persons (`link_only`) and writes SPLINK.csv: `warning_id,person_id,decision,match_probability`,
the best-scoring pair per warning, `auto` at ≥ --auto-at, `review` at ≥ --review-at, else
`unmatched`. Its last line on stderr gives the seconds of each step (`bench.linkage` reads it).

The model, chosen before any result was looked at (save the one change noted below) and trained
without labels:

- Inputs are normalised as our linker normalises them (the same library functions): IDs by
  `normal_id` (full-width digits, lower-case x, spaces, the old 15-digit form read as 18),
  names by `clean_name` (NFKC, traditional → simplified, separators dropped) with their
  toneless pinyin (`pinyin_of`) and loose pinyin (`loose_pinyin`: zh/z, -ng/-n, l/n folded),
  phones by `normalise_phone`; birth dates as ISO text, township (9) and county (6) digits of
  the village code. Nothing else our linker knows (household members, shared phones, the
  birth date inside an ID) is given to Splink.
- Comparisons: id_number exact / Damerau-Levenshtein ≤ 1 / ≤ 2; name exact (with term
  frequency adjustment: 张伟 is weak evidence, 欧阳翠 strong) / same pinyin (homophone) / same
  loose pinyin / Damerau-Levenshtein ≤ 1 on the characters / Jaro-Winkler ≥ 0.88 on the pinyin;
  birth_date exact / day and month swapped / Damerau-Levenshtein ≤ 1 on the text (one digit);
  village_code exact / same township (a neighbour village, the township's own code); phone
  exact (term frequency adjusted: cadre and household phones). Each also has its null and
  else levels. (A first version also had "same county" on village_code: EM gave it m ≈ 0, and
  Splink warned that the level after it, another county, was never observed and took its
  default m, which made "another county" weigh *for* a match, +1.4 bits; at 100,000 persons
  that version had 54 wrong autos, mostly namesakes born the same day elsewhere. Folding the
  two into "another township" is the fix Splink's warning points to, not one read off labels.)
- Blocking for prediction (pairs in any): id_number; birth_date + village_code; phone;
  name pinyin + county; name pinyin + birth_date; the ID's first 14 characters (region and
  birth date: slips in the last four).
- Training, the Splink 4 flow: λ (probability two random records match) from the
  deterministic rules id_number, or name + birth_date + village_code, with an assumed recall
  of 0.8 (a guess, not measured); u by random sampling (--u-pairs pairs, seed 1); m by EM on
  the blocks id_number (trains name, birth date, place, phone) and birth_date + village_code
  (trains id, name, phone).
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import logging
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from matching.domain.linker.keys import clean_name, loose_pinyin, normal_id, pinyin_of
from shouwang_kit.cells import normalise_phone
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

AUTO_AT = 0.99
REVIEW_AT = 0.5
U_PAIRS = 1e7
ASSUMED_RECALL = 0.8  # of the deterministic rules for λ: a guess, not measured
OUT_COLUMNS = ("warning_id", "person_id", "decision", "match_probability")


def splink_version() -> str:
    """The installed Splink's version."""
    return importlib.metadata.version("splink")


def _iso(text: str) -> str | None:
    try:
        return date.fromisoformat(text.strip()).isoformat() if text.strip() else None
    except ValueError:
        return None


def _record(unique_id: str, row: dict[str, str]) -> dict[str, str | None]:
    """One row in the form Splink compares (None where a field is not given)."""
    id_number = normal_id(row["id_number"])[0]
    name = clean_name(row["name"]) or None
    village = row["village_code"].strip()
    village = village + "000" if len(village) == 9 else village  # a township's own code
    phone = normalise_phone(row["phone"]) or None
    return {
        "unique_id": unique_id,
        "id_number": id_number,
        "id_head": id_number[:14] if id_number and len(id_number) >= 14 else None,
        "name": name,
        "name_pinyin": (pinyin_of(name) or None) if name else None,
        "name_loose": (loose_pinyin(name) or None) if name else None,
        "birth_date": _iso(row["birth_date"]),
        "village_code": village or None,
        "county": village[:6] if len(village) == 12 else None,
        "phone": phone,
    }


FIELDS = (
    "unique_id",
    "id_number",
    "id_head",
    "name",
    "name_pinyin",
    "name_loose",
    "birth_date",
    "village_code",
    "county",
    "phone",
)


def load_table(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, key: str, spill: Path
) -> int:
    """A CSV file, normalised, as a DuckDB table of text columns (NULL where not given)."""
    normalised = spill / f"{table}.csv"
    rows = 0
    with (
        path.open(encoding="utf-8-sig", newline="") as source,
        normalised.open("w", encoding="utf-8", newline="") as target,
    ):
        writer = csv.DictWriter(target, FIELDS)
        writer.writeheader()
        for row in csv.DictReader(source):
            writer.writerow(_record(row[key], row))
            rows += 1
    columns = ", ".join(f"'{f}': 'VARCHAR'" for f in FIELDS)
    con.execute(
        f"create table {table} as select * from read_csv(?, header = true, "
        f"columns = {{{columns}}}, nullstr = '')",
        [str(normalised)],
    )
    return rows


def settings() -> SettingsCreator:
    """The documented model (see the module docstring)."""
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.CustomLevel("name_pinyin_l = name_pinyin_r", "same pinyin"),
            cll.CustomLevel("name_loose_l = name_loose_r", "same loose pinyin"),
            cll.DamerauLevenshteinLevel("name", 1),
            cll.JaroWinklerLevel("name_pinyin", 0.88),
            cll.ElseLevel(),
        ],
    )
    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) "
                "and substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
                "and substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)",
                "day and month swapped",
            ),
            cll.DamerauLevenshteinLevel("birth_date", 1),
            cll.ElseLevel(),
        ],
    )
    place = cl.CustomComparison(
        output_column_name="village_code",
        comparison_levels=[
            cll.NullLevel("village_code"),
            cll.ExactMatchLevel("village_code"),
            cll.CustomLevel(
                "substr(village_code_l, 1, 9) = substr(village_code_r, 1, 9)", "same township"
            ),
            # No "same county" level apart: EM finds no match in another township, so the
            # level after it went untrained and took Splink's default m (see the docstring).
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=1e-5,  # replaced by the estimate below
        comparisons=[
            cl.DamerauLevenshteinAtThresholds("id_number", [1, 2]),
            name,
            birth,
            place,
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("birth_date", "village_code"),
            block_on("phone"),
            block_on("name_pinyin", "county"),
            block_on("name_pinyin", "birth_date"),
            block_on("id_head"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def link(
    registry: Path,
    warnings: Path,
    out: Path,
    *,
    auto_at: float = AUTO_AT,
    review_at: float = REVIEW_AT,
    u_pairs: float = U_PAIRS,
    model: Path | None = None,
) -> dict[str, float]:
    """Train, predict, decide; writes `out` and returns seconds by step and pair counts."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    steps: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="splink-") as tmp:
        spill = Path(tmp)
        started = time.perf_counter()
        con = duckdb.connect(":memory:")
        con.execute(f"SET temp_directory = '{spill}'")  # not a .tmp/ in the working tree
        load_table(con, "registry", registry, "person_id", spill)
        load_table(con, "warnings", warnings, "warning_id", spill)
        steps["prep"] = time.perf_counter() - started
        linker = Linker(
            ["registry", "warnings"],
            settings(),
            db_api=DuckDBAPI(connection=con),
            input_table_aliases=["registry", "warnings"],
            set_up_basic_logging=False,
        )
        mark = time.perf_counter()
        linker.training.estimate_probability_two_random_records_match(
            [block_on("id_number"), block_on("name", "birth_date", "village_code")],
            recall=ASSUMED_RECALL,
        )
        steps["lambda"] = time.perf_counter() - mark
        linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=1)
        steps["u"] = time.perf_counter() - mark - steps["lambda"]
        linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on("birth_date", "village_code")
        )
        steps["em"] = time.perf_counter() - mark - steps["lambda"] - steps["u"]
        if model is not None:
            linker.misc.save_model_to_json(str(model), overwrite=True)
        steps["training"] = time.perf_counter() - mark
        mark = time.perf_counter()
        # A pair below the review threshold decides nothing: the warning is unmatched.
        predicted = linker.inference.predict(threshold_match_probability=review_at)
        best = con.execute(
            f"""
            with pairs as (
                select
                    case when source_dataset_l = 'warnings' then unique_id_l
                         else unique_id_r end as warning_id,
                    case when source_dataset_l = 'warnings' then unique_id_r
                         else unique_id_l end as person_id,
                    match_weight, match_probability
                from {predicted.physical_name}
            )
            select warning_id, person_id, match_probability
            from pairs
            qualify row_number() over (
                partition by warning_id order by match_weight desc, person_id
            ) = 1
            """
        ).fetchall()
        steps["prediction"] = time.perf_counter() - mark
        count = con.execute(f"select count(*) from {predicted.physical_name}").fetchone()
        steps["pairs"] = float(count[0]) if count else 0.0
        order = [str(r[0]) for r in con.execute("select unique_id from warnings").fetchall()]
        con.close()
    chosen: dict[str, tuple[str, float]] = {str(w): (str(p), float(m)) for w, p, m in best}
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(OUT_COLUMNS)
        for warning_id in order:
            person, probability = chosen.get(warning_id, ("", 0.0))
            decision = "auto" if probability >= auto_at else "review" if person else "unmatched"
            writer.writerow([warning_id, person, decision, f"{probability:.6f}"])
    return steps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registry", type=Path, required=True)
    parser.add_argument("--warnings", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--auto-at", type=float, default=AUTO_AT)
    parser.add_argument("--review-at", type=float, default=REVIEW_AT)
    parser.add_argument("--u-pairs", type=float, default=U_PAIRS)
    parser.add_argument("--model", type=Path, help="write the trained model (JSON) here")
    args: Any = parser.parse_args(argv)
    steps = link(
        args.registry,
        args.warnings,
        args.out,
        auto_at=args.auto_at,
        review_at=args.review_at,
        u_pairs=args.u_pairs,
        model=args.model,
    )
    print(
        f"splink: prep {steps['prep']:.1f}s, training {steps['training']:.1f}s "
        f"(λ {steps['lambda']:.1f}s, u {steps['u']:.1f}s, EM {steps['em']:.1f}s), "
        f"prediction {steps['prediction']:.1f}s, "
        f"{steps['pairs']:,.0f} pairs at ≥ {args.review_at}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
