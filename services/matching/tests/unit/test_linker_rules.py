"""Each resolution rule of the linker, on a small registry."""

from datetime import date
from uuid import UUID

from matching.domain.linker import LinkIndex
from matching.domain.linker.keys import id_neighbours, loose_pinyin, pinyin_of, valid_id
from matching.domain.resolution import PersonRecord
from shouwang_kit.idnumber import check_char
from shouwang_proto.events import PersonRef

VILLAGE = "532929101001"
NEIGHBOUR_VILLAGE = "532929101002"


def _id(first17: str) -> str:
    return first17 + check_char(first17)


LI = PersonRecord(
    UUID(int=1),
    UUID(int=101),
    _id("53292919680315002"),
    "李玉兰",
    "female",
    date(1968, 3, 15),
    VILLAGE,
    "13987650001",
)
ZHANG = PersonRecord(
    UUID(int=2),
    UUID(int=102),
    _id("53292919900101001"),
    "张伟",
    "male",
    date(1990, 1, 1),
    VILLAGE,
    None,
)
ZHANG2 = PersonRecord(
    UUID(int=3),
    UUID(int=103),
    _id("53292919900101002"),
    "张伟",
    "male",
    date(1990, 1, 1),
    NEIGHBOUR_VILLAGE,
    None,
)
ZENG = PersonRecord(
    UUID(int=4),
    UUID(int=104),
    _id("53292919750505003"),
    "曾小贤",
    "male",
    date(1975, 5, 5),
    VILLAGE,
    None,
)
INDEX = LinkIndex.build([LI, ZHANG, ZHANG2, ZENG])


def _broken(id_number: str, position: int) -> str:
    digit = "5" if id_number[position] != "5" else "6"
    return id_number[:position] + digit + id_number[position + 1 :]


def test_pinyin_keys_fold_homophones_and_read_surnames_as_surnames() -> None:
    assert pinyin_of("张伟") == pinyin_of("章玮") == "zhang wei"
    assert pinyin_of("曾小贤").startswith("zeng")
    assert loose_pinyin("张三") == loose_pinyin("赞三")  # zh/z folded
    assert loose_pinyin("刘宁") == loose_pinyin("牛林")  # l/n and -ng/-n folded


def test_id_neighbours_find_one_wrong_digit_and_swaps_only() -> None:
    broken = _broken(LI.id_number, 9)
    assert not valid_id(broken)
    assert LI.id_number in id_neighbours(broken)
    swapped = LI.id_number[:3] + LI.id_number[4] + LI.id_number[3] + LI.id_number[5:]
    if not valid_id(swapped):
        assert LI.id_number in id_neighbours(swapped)
    assert all(valid_id(n) for n in id_neighbours(broken))


def test_exact_id_and_name_is_auto() -> None:
    result = INDEX.resolve(PersonRef(name="李玉兰", id_number=LI.id_number))
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)
    assert "id_number:exact" in result.reasons and "name:equal" in result.reasons


def test_lower_case_x_and_full_width_digits_are_the_same_id() -> None:
    person = PersonRecord(
        UUID(int=9), UUID(int=109), _id("11010519491231002"), "赵六", None, None, VILLAGE, None
    )
    index = LinkIndex.build([person])
    raw = person.id_number.lower().translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert index.resolve(PersonRef(name="赵六", id_number=raw)).person_id == person.person_id


def test_traditional_characters_match_the_simplified_registry() -> None:
    result = INDEX.resolve(PersonRef(name="李玉蘭", id_number=LI.id_number))
    assert result.verdict == "auto" and "name:equal" in result.reasons


def test_exact_id_with_a_homophone_name_is_auto() -> None:
    result = INDEX.resolve(PersonRef(name="章玮", id_number=ZHANG.id_number))
    assert (result.verdict, result.person_id) == ("auto", ZHANG.person_id)


def test_exact_id_with_a_contradicting_name_goes_to_review() -> None:
    result = INDEX.resolve(PersonRef(name="王大锤", id_number=LI.id_number))
    assert result.verdict == "review"
    assert [c.person_id for c in result.candidates] == [LI.person_id]


def test_one_wrong_digit_with_agreeing_name_and_birth_is_found() -> None:
    for position in (2, 9, 15):
        broken = _broken(LI.id_number, position)
        result = INDEX.resolve(PersonRef(name="李玉兰", id_number=broken, birth_date=LI.birth_date))
        assert (result.verdict, result.person_id) == ("auto", LI.person_id), position
        assert "id_number:one_slip" in result.reasons


def test_a_transposition_is_found() -> None:
    i = next(i for i in range(16) if LI.id_number[i] != LI.id_number[i + 1])
    swapped = LI.id_number[:i] + LI.id_number[i + 1] + LI.id_number[i] + LI.id_number[i + 2 :]
    result = INDEX.resolve(PersonRef(name="李玉兰", id_number=swapped, region_code=VILLAGE))
    assert result.person_id == LI.person_id


def test_missing_id_name_birth_and_village_is_auto() -> None:
    result = INDEX.resolve(
        PersonRef(name="李玉兰", birth_date=date(1968, 3, 15), region_code=VILLAGE)
    )
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)


def test_missing_id_with_a_phone_instead_of_a_village() -> None:
    result = INDEX.resolve(
        PersonRef(name="李玉兰", birth_date=date(1968, 3, 15), phone="139 8765 0001")
    )
    assert result.person_id == LI.person_id


def test_namesakes_born_the_same_day_without_id_or_village_go_to_review() -> None:
    result = INDEX.resolve(PersonRef(name="张伟", birth_date=date(1990, 1, 1)))
    assert result.verdict == "review"
    assert {c.person_id for c in result.candidates} == {ZHANG.person_id, ZHANG2.person_id}
    placed = INDEX.resolve(
        PersonRef(name="张伟", birth_date=date(1990, 1, 1), region_code=NEIGHBOUR_VILLAGE)
    )
    assert placed.person_id == ZHANG2.person_id or placed.verdict == "review"


def test_someone_not_in_the_registry_is_unmatched_never_dropped() -> None:
    stranger = _id("53292919850606007")
    result = INDEX.resolve(PersonRef(name="陌生人", id_number=stranger))
    assert (result.verdict, result.reason_code) == ("unmatched", "not_in_registry")
    namesake = INDEX.resolve(PersonRef(name="李玉兰", id_number=stranger, region_code=VILLAGE))
    assert namesake.verdict != "auto"  # same name, different valid ID: not her
    nothing = INDEX.resolve(PersonRef(name="某某"))
    assert (nothing.verdict, nothing.reason_code) == ("unmatched", "not_found")


def test_surname_reading_and_removal() -> None:
    result = INDEX.resolve(
        PersonRef(name="增小贤", birth_date=date(1975, 5, 5), region_code=VILLAGE)
    )
    assert result.person_id == ZENG.person_id  # 曾 read zeng as a surname
    index = LinkIndex.build([LI])
    index.remove(LI.person_id)
    assert index.resolve(PersonRef(name="李玉兰", id_number=LI.id_number)).verdict == "unmatched"
    assert len(index) == 0
