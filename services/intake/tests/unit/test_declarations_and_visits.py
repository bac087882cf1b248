from datetime import UTC, date, datetime, timedelta

import pytest
from intake.domain.declarations import (
    ChallengeFailed,
    DeclarationRejected,
    check_declaration,
    issue_challenge,
    receipt_number,
    verify_challenge,
)
from intake.domain.visits import Visit, VisitError, check_visit, coverage

SECRET = b"k" * 32
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
VILLAGES = {"532929101001"}
GOOD = {
    "village_code": "532929101001",
    "name": "李玉蘭",
    "id_number": "53292919680315002４",  # a full-width digit, as phones type them
    "phone": "+86 139 8765 0001",
    "reason": "major_illness",
    "description": "丈夫住院\x07，自付较多",
    "consent": "yes",
}


def test_a_good_declaration_is_normalised() -> None:
    declaration = check_declaration(GOOD, villages=VILLAGES, today=NOW.date())
    assert declaration.name == "李玉兰"
    assert declaration.id_number == "532929196803150024"
    assert declaration.phone == "13987650001"
    assert declaration.description == "丈夫住院，自付较多"  # control characters dropped


def test_every_problem_is_listed_for_the_page() -> None:
    bad = {"village_code": "999", "name": "", "id_number": "123", "phone": "1", "reason": "x"}
    with pytest.raises(DeclarationRejected) as caught:
        check_declaration(bad, villages=VILLAGES, today=NOW.date())
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "village_code",
        "name",
        "id_number",
        "phone",
        "reason",
        "description",
        "consent",
    }
    too_long = {**GOOD, "description": "苦" * 501}
    with pytest.raises(DeclarationRejected):
        check_declaration(too_long, villages=VILLAGES, today=NOW.date())


def test_the_challenge_needs_the_right_answer_a_person_pace_and_a_fresh_page() -> None:
    challenge = issue_challenge(SECRET, now=NOW, nonce="n1", a=3, b=4)
    assert challenge.question == "3 + 4 = ?"
    later = NOW + timedelta(seconds=5)
    assert verify_challenge(SECRET, challenge.token, "７", now=later) == "n1"
    for answer, when, code in [
        ("8", later, "challenge.wrong"),
        ("seven", later, "challenge.wrong"),
        ("7", NOW + timedelta(milliseconds=500), "challenge.too_fast"),
        ("7", NOW + timedelta(hours=1), "challenge.expired"),
    ]:
        with pytest.raises(ChallengeFailed) as caught:
            verify_challenge(SECRET, challenge.token, answer, now=when)
        assert caught.value.code == code
    with pytest.raises(ChallengeFailed):
        verify_challenge(b"other" * 8, challenge.token, "7", now=later)  # forged elsewhere


def test_receipt_numbers_are_readable() -> None:
    assert receipt_number(NOW, "abcdef0123") == "SB20261124ABCDEF"


def test_visits_are_checked() -> None:
    ok = Visit("H1", date(2026, 11, 20), "段志华", "", True, "major_illness")
    assert check_visit(ok, today=date(2026, 11, 24)) == ok
    cases = [
        (Visit("H1", date(2026, 11, 25), "段", "", False), "date.future"),
        (Visit("H1", date(2026, 11, 20), " ", "", False), "field.required"),
        (Visit("H1", date(2026, 11, 20), "段", "", False, "major_illness"), "visit.no_risk"),
        (Visit("H1", date(2026, 11, 20), "段", "", True, "lottery"), "reason.unknown"),
    ]
    for visit, code in cases:
        with pytest.raises(VisitError) as caught:
            check_visit(visit, today=date(2026, 11, 24))
        assert caught.value.code == code


def test_coverage_per_village() -> None:
    households = [
        ("H1", "532929101001", "诺邓镇", "诺邓村"),
        ("H2", "532929101001", "诺邓镇", "诺邓村"),
        ("H3", "532929101002", "诺邓镇", "天池村"),
    ]
    villages = coverage(households, {"H2"})
    assert [(v.village_name, v.households, v.visited, v.not_visited) for v in villages] == [
        ("诺邓村", 2, 1, ("H1",)),
        ("天池村", 1, 0, ("H3",)),
    ]
    assert villages[0].rate == 0.5
