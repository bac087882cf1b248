"""Each resolution rule of the linker, on a small registry."""

from datetime import date
from uuid import UUID

from matching.domain.linker import LinkConfig, LinkIndex
from matching.domain.linker.index import make_query
from matching.domain.linker.keys import (
    id_neighbours,
    loose_pinyin,
    pinyin_of,
    surname_of,
    valid_id,
)
from matching.domain.linker.scoring import _one_digit_off
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


def test_a_character_without_a_reading_is_kept_not_dropped() -> None:
    assert pinyin_of("王𠀋") != pinyin_of("王")  # not a homophone of a one-character name
    assert pinyin_of("王𠀋") != pinyin_of("王乙")


def test_a_single_surname_wei_is_read_wei_and_compound_surnames_are_one_surname() -> None:
    assert pinyin_of("尉缭") == pinyin_of("魏辽") == "wei liao"  # 尉 alone is wèi
    assert pinyin_of("尉迟恭").startswith("yu chi")  # 尉迟 is yùchí
    assert surname_of("司徒雷") == "司徒" and surname_of("长孙无忌") == "长孙"
    assert surname_of("司马光") == "司马" and surname_of("司雷") == "司"


def test_another_compound_surname_is_another_name_not_one_character_off() -> None:
    situ = PersonRecord(
        UUID(int=21), UUID(int=121), _id("53292919800101003"), "司徒明", None,
        date(1980, 1, 1), VILLAGE, None,
    )  # fmt: skip
    index = LinkIndex.build([situ])
    result = index.resolve(PersonRef(name="司马明", birth_date=date(1980, 1, 1)))
    assert "name:one_char_off" not in result.reasons and result.verdict != "auto"
    typo = index.resolve(PersonRef(name="司徒朋", birth_date=date(1980, 1, 1), region_code=VILLAGE))
    assert "name:one_char_off" in typo.reasons  # the given name mistyped, the surname the same


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


def test_an_id_kept_as_text_by_a_spreadsheet_is_the_id_itself() -> None:
    # '5329… and `5329… are how spreadsheets keep an 18-digit number from turning into 5.3E+17
    for marked in (f"'{LI.id_number}", f"`{LI.id_number}", f"＇{LI.id_number}"):
        result = INDEX.resolve(PersonRef(name="李玉兰", id_number=marked))
        assert (result.verdict, result.person_id) == ("auto", LI.person_id)
        assert "id_number:exact" in result.reasons


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


def test_a_phone_is_its_digits_however_clerks_write_it() -> None:
    for typed in (
        "+86 139-8765-0001",
        "0086 13987650001",
        "86 13987650001",
        "(139) 8765 0001",
        "＋８６　１３９８７６５０００１",  # full-width, an ideographic space
    ):
        result = INDEX.resolve(PersonRef(name="李玉兰", birth_date=date(1968, 3, 15), phone=typed))
        assert result.person_id == LI.person_id and "phone:equal" in result.reasons, typed
    landline = LinkIndex.build(
        [PersonRecord(UUID(int=22), UUID(int=122), "", "周强", None, None, VILLAGE, "0871-6123456")]
    )
    result = landline.resolve(PersonRef(name="周强", phone="(0871) 6123456"))
    assert "phone:equal" in result.reasons  # an area code is kept, not taken for +86
    assert "phone:equal" not in INDEX.resolve(PersonRef(name="李玉兰", phone="86139876500")).reasons


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


# --- rules for the messier rows agencies send ---------------------------------------------

HEAD = PersonRecord(
    UUID(int=20),
    UUID(int=200),
    _id("53292219700210001"),
    "王建国",
    "male",
    date(1970, 2, 10),
    VILLAGE,
    "13900000020",
)
SON = PersonRecord(
    UUID(int=21),
    UUID(int=200),
    _id("53292219950612003"),
    "王建伟",
    "male",
    date(1995, 6, 12),
    VILLAGE,
    "13900000020",
)
DAUGHTER = PersonRecord(
    UUID(int=22),
    UUID(int=200),
    _id("53292219980304002"),
    "王丽",
    "female",
    date(1998, 3, 4),
    VILLAGE,
    None,
)
FAMILY = LinkIndex.build([HEAD, SON, DAUGHTER, LI, ZHANG, ZHANG2])


def test_an_old_15_digit_id_is_read_as_its_18_digit_form() -> None:
    old = LI.id_number[:6] + LI.id_number[8:17]
    assert len(old) == 15
    result = INDEX.resolve(PersonRef(name="李玉兰", id_number=old))
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)
    assert "id_number:exact" in result.reasons


def test_a_dropped_or_doubled_digit_is_one_slip() -> None:
    dropped = LI.id_number[:8] + LI.id_number[9:]
    doubled = LI.id_number[:8] + LI.id_number[8] + LI.id_number[8:]
    assert LI.id_number in id_neighbours(dropped) and LI.id_number in id_neighbours(doubled)
    for broken in (dropped, doubled):
        result = INDEX.resolve(PersonRef(name="李玉兰", id_number=broken, region_code=VILLAGE))
        assert (result.verdict, result.person_id) == ("auto", LI.person_id), broken
        assert "id_number:one_slip" in result.reasons


def test_two_slips_are_weak_agreement_not_another_id() -> None:
    twice = _broken(_broken(LI.id_number, 3), 12)
    assert not valid_id(twice)
    result = INDEX.resolve(PersonRef(name="李玉兰", id_number=twice, region_code=VILLAGE))
    assert result.person_id == LI.person_id
    assert "id_number:two_slips" in result.reasons


def test_the_registrys_own_mistyped_or_missing_id_does_not_count_against() -> None:
    mistyped = PersonRecord(
        LI.person_id, LI.household_id, _broken(LI.id_number, 10), LI.name, None,
        LI.birth_date, VILLAGE, None,
    )  # fmt: skip
    result = LinkIndex.build([mistyped]).resolve(PersonRef(name="李玉兰", id_number=LI.id_number))
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)
    assert "id_number:registry_one_slip" in result.reasons
    missing = PersonRecord(LI.person_id, LI.household_id, "", LI.name, None, LI.birth_date)
    result = LinkIndex.build([missing]).resolve(
        PersonRef(name="李玉兰", id_number=LI.id_number, region_code=VILLAGE)
    )
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)
    assert not any(r.startswith("id_number") for r in result.reasons)


def test_a_birth_date_read_from_the_id_is_not_a_second_agreement_with_its_holder() -> None:
    result = INDEX.resolve(PersonRef(name="王大锤", id_number=LI.id_number, region_code=VILLAGE))
    assert result.verdict == "review" and result.reason_code == "name_disagrees"
    assert "birth_date:equal" not in result.reasons
    # The same when the date is given and is the ID's (the gateway fills it in from the ID):
    # the service decides as the CLI does for the row without it.
    filled = INDEX.resolve(
        PersonRef(
            name="王大锤", id_number=LI.id_number, birth_date=LI.birth_date, region_code=VILLAGE
        )
    )
    assert (filled.reasons, filled.score) == (result.reasons, result.score)


def test_a_registered_id_with_someone_elses_name_and_birth_goes_to_review_with_both() -> None:
    # 李玉兰's ID on a row whose name, birth date and village are 张伟's: the two disagree, so
    # neither is auto, and the ID is registered, so it is not "not in the registry" either.
    result = INDEX.resolve(
        PersonRef(
            name="张伟", id_number=LI.id_number, birth_date=ZHANG.birth_date, region_code=VILLAGE
        )
    )
    assert (result.verdict, result.reason_code) == ("review", "id_held_by_another")
    assert {c.person_id for c in result.candidates} >= {LI.person_id, ZHANG.person_id}
    # However low the thresholds are set, the one the name fits is not auto past the ID's holder
    lenient = LinkIndex.build([LI, ZHANG], LinkConfig(auto_at=1, review_at=0, margin=0))
    result = lenient.resolve(
        PersonRef(
            name="张伟", id_number=LI.id_number, birth_date=ZHANG.birth_date, region_code=VILLAGE
        )
    )
    assert result.verdict == "review"


def test_an_id_with_a_neighbours_name_lists_the_neighbour_beside_the_holder() -> None:
    # 李玉兰's ID on 张伟's row, 张伟 registered in the same village: the ID's holder is the
    # best candidate, but the shortlist also holds the one whose name it is, to choose
    result = INDEX.resolve(PersonRef(name="张伟", id_number=LI.id_number, region_code=VILLAGE))
    assert (result.verdict, result.reason_code) == ("review", "name_disagrees")
    assert [c.person_id for c in result.candidates] == [LI.person_id, ZHANG.person_id]


def test_a_relatives_id_with_another_members_name_goes_to_review() -> None:
    # the daughter's name with her brother's ID, the household phone and village agreeing
    result = FAMILY.resolve(
        PersonRef(name="王丽", id_number=SON.id_number, region_code=VILLAGE, phone=SON.phone)
    )
    assert (result.verdict, result.reason_code) == ("review", "id_of_household_member")
    assert DAUGHTER.person_id in {c.person_id for c in result.candidates}
    # a brother sharing the generation character: one character off, yet his ID
    result = FAMILY.resolve(
        PersonRef(name="王建国", id_number=SON.id_number, region_code=VILLAGE, phone=SON.phone)
    )
    assert (result.verdict, result.reason_code) == ("review", "id_of_household_member")
    assert {c.person_id for c in result.candidates} >= {SON.person_id, HEAD.person_id}
    own = FAMILY.resolve(PersonRef(name="王建伟", id_number=SON.id_number, region_code=VILLAGE))
    assert (own.verdict, own.person_id) == ("auto", SON.person_id)


def test_two_characters_of_the_given_name_swapped_is_a_near_name() -> None:
    # 李兰玉 for 李玉兰 (a transcription slip): near, as one character off is
    result = INDEX.resolve(PersonRef(name="李兰玉", birth_date=LI.birth_date, region_code=VILLAGE))
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)
    assert "name:chars_swapped" in result.reasons
    # the surname is not part of it: 玉李兰 is another name
    other = INDEX.resolve(PersonRef(name="玉李兰", birth_date=LI.birth_date, region_code=VILLAGE))
    assert other.verdict != "auto"


def test_a_near_name_and_a_birth_date_alone_are_not_enough() -> None:
    homophone = FAMILY.resolve(PersonRef(name="李玉岚", birth_date=LI.birth_date))
    assert (homophone.verdict, homophone.reason_code) == ("review", "uncorroborated")
    placed = FAMILY.resolve(PersonRef(name="李玉岚", birth_date=LI.birth_date, region_code=VILLAGE))
    assert (placed.verdict, placed.person_id) == ("auto", LI.person_id)
    same = FAMILY.resolve(PersonRef(name="李玉兰", birth_date=LI.birth_date))
    assert (same.verdict, same.person_id) == ("auto", LI.person_id)


def test_day_month_swapped_or_one_digit_off_birth_dates_agree_in_part() -> None:
    for shown, reason in (
        (date(1968, 3, 16), "birth_date:one_digit"),
        (date(1986, 3, 15), "birth_date:digits_swapped"),  # 1968 keyed 1986
        (date(1968, 3, 15), "birth_date:equal"),
    ):
        result = INDEX.resolve(PersonRef(name="李玉兰", birth_date=shown, region_code=VILLAGE))
        assert reason in result.reasons
    swapped = LinkIndex.build([HEAD]).resolve(
        PersonRef(name="王建国", birth_date=date(1970, 10, 2), region_code=VILLAGE)
    )
    assert "birth_date:day_month_swapped" in swapped.reasons
    assert (swapped.verdict, swapped.person_id) == ("auto", HEAD.person_id)
    unplaced = LinkIndex.build([HEAD]).resolve(
        PersonRef(name="王建国", birth_date=date(1970, 10, 2))
    )
    assert (unplaced.verdict, unplaced.reason_code) == ("review", "uncorroborated")
    other = INDEX.resolve(
        PersonRef(name="李玉兰", birth_date=date(1972, 9, 1), region_code=VILLAGE)
    )
    assert other.verdict == "unmatched"  # name and village, another birth date: not her


def test_one_character_off_in_a_longer_name_is_close_but_not_in_a_short_one() -> None:
    index = LinkIndex.build([HEAD, DAUGHTER])
    typo = index.resolve(PersonRef(name="王建华", birth_date=HEAD.birth_date, region_code=VILLAGE))
    assert (typo.verdict, typo.person_id) == ("auto", HEAD.person_id)
    assert "name:one_char_off" in typo.reasons
    dropped = index.resolve(PersonRef(name="王国", birth_date=HEAD.birth_date, region_code=VILLAGE))
    assert "name:one_char_off" in dropped.reasons
    short = index.resolve(
        PersonRef(name="王芳", birth_date=DAUGHTER.birth_date, region_code=VILLAGE)
    )
    assert "name:given_differs" in short.reasons and short.verdict != "auto"


def test_a_phone_several_households_give_counts_less() -> None:
    cadre = "13800000099"
    elders = [
        PersonRecord(UUID(int=30 + n), UUID(int=300 + n), _id(f"5329221940010{n}00{n}"),
                     name, None, None, VILLAGE, cadre)
        for n, name in enumerate(("赵大山", "钱二河", "孙三林"))
    ]  # fmt: skip
    own = PersonRecord(UUID(int=40), UUID(int=400), _id("53292219500101004"), "周四海", None,
                       None, VILLAGE, "13800000040")  # fmt: skip
    index = LinkIndex.build([*elders, own])
    shared = index.resolve(PersonRef(name="赵大山", phone=cadre))
    assert "phone:shared" in shared.reasons
    alone = index.resolve(PersonRef(name="周四海", phone=own.phone))
    assert "phone:equal" in alone.reasons


def test_a_township_code_agrees_less_than_the_village() -> None:
    township = VILLAGE[:9] + "000"
    result = INDEX.resolve(PersonRef(name="李玉兰", birth_date=LI.birth_date, region_code=township))
    assert "township:equal" in result.reasons
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)


def test_an_id_alone_without_a_name() -> None:
    result = INDEX.decide(make_query(name=None, id_number=LI.id_number))
    assert (result.verdict, result.person_id) == ("auto", LI.person_id)
    broken = INDEX.decide(make_query(name=None, id_number=_broken(LI.id_number, 9)))
    assert broken.verdict != "auto"


def test_a_broken_id_whose_birth_year_reads_below_1000_is_still_compared() -> None:
    # 1968 → 0968 by one slipped digit: the date read from it has a three-digit year.
    slipped = LI.id_number[:6] + "0" + LI.id_number[7:]
    assert _one_digit_off(date(968, 3, 15), date(1968, 3, 15))
    result = INDEX.resolve(PersonRef(name="李玉兰", id_number=slipped, region_code=VILLAGE))
    assert result.person_id == LI.person_id


def test_an_id_the_registry_gives_two_persons_brings_up_both() -> None:
    # 身份证号码重复: a record entered twice, or a clerk's slip giving 王强 李玉兰's ID
    twice = PersonRecord(
        UUID(int=21), UUID(int=121), LI.id_number, "王强", None, date(1975, 5, 5), VILLAGE, None
    )
    index = LinkIndex.build([LI, twice])
    alone = index.decide(make_query(name=None, id_number=LI.id_number))
    assert alone.verdict == "review"  # the ID alone cannot say which of them
    assert {c.person_id for c in alone.candidates} == {LI.person_id, twice.person_id}
    named = index.resolve(PersonRef(name="王强", id_number=LI.id_number))
    assert (named.verdict, named.person_id) == ("auto", twice.person_id)  # the name can
    index.remove(LI.person_id)  # either one gone, the other is still found by the ID
    found = index.decide(make_query(name=None, id_number=LI.id_number))
    assert (found.verdict, found.person_id) == ("auto", twice.person_id)
    index = LinkIndex.build([LI, twice])
    index.remove(twice.person_id)
    found = index.decide(make_query(name=None, id_number=LI.id_number))
    assert (found.verdict, found.person_id) == ("auto", LI.person_id)
    index.remove(LI.person_id)
    assert index.decide(make_query(name=None, id_number=LI.id_number)).verdict == "unmatched"
