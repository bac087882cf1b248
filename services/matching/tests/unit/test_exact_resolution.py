"""The skeleton's resolution rule: an exact, valid ID number in the registry is a match."""

from __future__ import annotations

import uuid

from matching.domain.resolution import RegisteredPerson, decide
from shouwang_proto.events import PersonRef

FOUND = RegisteredPerson(
    person_id=uuid.UUID(int=1),
    household_id=uuid.UUID(int=2),
    household_number="5329291010010001",
    name="李玉兰",
    region_code="532929101001",
    village_name="诺邓村",
    township_name="诺邓镇",
)


def test_exact_id_with_agreeing_name_is_a_full_match() -> None:
    decision = decide(PersonRef(name="李玉兰", id_number="532929196803150024"), FOUND)
    assert decision.outcome == "matched"
    assert decision.person == FOUND
    assert decision.score == 1.0
    assert decision.reasons == ("id_number exact", "name agrees")


def test_exact_id_with_another_name_still_matches_but_says_so() -> None:
    decision = decide(PersonRef(name="李雨兰", id_number="532929196803150024"), FOUND)
    assert decision.outcome == "matched"
    assert decision.score < 1.0
    assert "name differs" in decision.reasons


def test_person_not_in_registry_is_reported_not_dropped() -> None:
    decision = decide(PersonRef(name="赵六", id_number="11010519491231002X"), None)
    assert decision.outcome == "unmatched"
    assert decision.reason_code == "not_in_registry"
    assert decision.reason_zh


def test_without_id_number_it_is_unmatched_for_now() -> None:
    decision = decide(PersonRef(name="李玉兰"), None)
    assert (decision.outcome, decision.reason_code) == ("unmatched", "no_id_number")
