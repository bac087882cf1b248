"""The exact-ID resolver: a valid ID number in the registry is a match when the name agrees."""

from uuid import UUID

from matching.domain.resolution import ExactIdResolver, PersonRecord
from shouwang_proto.events import PersonRef

PERSON = PersonRecord(
    person_id=UUID(int=1),
    household_id=UUID(int=2),
    id_number="532929196803150024",
    name="李玉兰",
)


def _resolver() -> ExactIdResolver:
    resolver = ExactIdResolver()
    resolver.upsert(PERSON)
    return resolver


def test_exact_id_and_name_is_auto() -> None:
    result = _resolver().resolve(PersonRef(name="李玉兰", id_number="532929196803150024"))
    assert result.verdict == "auto" and result.person_id == PERSON.person_id
    assert result.household_id == PERSON.household_id and result.score == 1.0


def test_exact_id_with_another_name_goes_to_review() -> None:
    result = _resolver().resolve(PersonRef(name="李雨兰", id_number="532929196803150024"))
    assert result.verdict == "review" and result.person_id is None
    assert [c.person_id for c in result.candidates] == [PERSON.person_id]
    assert result.reason_zh


def test_unknown_or_missing_id_is_unmatched_never_dropped() -> None:
    resolver = _resolver()
    unknown = resolver.resolve(PersonRef(name="李玉兰", id_number="532929196803150016"))
    assert unknown.verdict == "unmatched" and unknown.reason_code == "not_in_registry"
    missing = resolver.resolve(PersonRef(name="李玉兰"))
    assert missing.verdict == "unmatched" and missing.reason_code == "no_id_number"


def test_a_removed_or_moved_person_is_forgotten_under_the_old_id() -> None:
    resolver = _resolver()
    resolver.remove(PERSON.person_id)
    assert resolver.resolve(PersonRef(name="李玉兰", id_number=PERSON.id_number)).verdict == (
        "unmatched"
    )
    resolver.upsert(PERSON)
    moved = PersonRecord(PERSON.person_id, UUID(int=3), PERSON.id_number, PERSON.name)
    resolver.upsert(moved)
    assert resolver.resolve(PersonRef(name="李玉兰", id_number=PERSON.id_number)).household_id == (
        UUID(int=3)
    )
