"""Reasons in words for county staff: every code the linker writes has its text."""

import re
from datetime import date
from pathlib import Path
from uuid import UUID

import matching.domain.linker as linker
from matching.domain.linker import LinkIndex
from matching.domain.reasons import REASON_TEXT, reason_text, reasons_text
from matching.domain.resolution import PersonRecord
from shouwang_kit.idnumber import check_char
from shouwang_proto.events import PersonRef

SOURCES = Path(linker.__file__).parent
# A code in the linker's source: "field:outcome" (the f-strings' codes are listed below).
_CODE = re.compile(r'"([a-z_]+:[a-z_]+)"')
VILLAGE = "532929101001"
LI_ID = "53292919680315002" + check_char("53292919680315002")
LI = PersonRecord(
    UUID(int=1), UUID(int=101), LI_ID, "李玉兰", "female", date(1968, 3, 15), VILLAGE, None
)


def _codes_in_source() -> set[str]:
    codes = set()
    for path in SOURCES.glob("*.py"):
        codes |= set(_CODE.findall(path.read_text(encoding="utf-8")))
    # `f"id_number:{side}one_slip"` and `two_slips`, side "" or "registry_"
    sides, slips = ("", "registry_"), ("one_slip", "two_slips")
    codes |= {f"id_number:{side}{n}" for side in sides for n in slips}
    return codes


def test_every_reason_code_the_linker_writes_has_words() -> None:
    codes = _codes_in_source()
    assert "name:pinyin" in codes and "id_number:exact" in codes  # the scan finds them
    missing = sorted(code for code in codes if code not in REASON_TEXT)
    assert not missing, f"reason codes without words for county staff: {missing}"


def test_a_reviews_reason_is_written_in_words_not_codes() -> None:
    index = LinkIndex.build([LI])
    result = index.resolve(PersonRef(name="王大锤", id_number=LI_ID, region_code=VILLAGE))
    assert result.verdict == "review" and result.reason_zh is not None
    assert "姓名不符" in result.reason_zh and "身份证号码一致" in result.reason_zh
    assert not re.search(r"[a-z_]+:[a-z_]+", result.reason_zh)
    assert "name:differs" in result.reasons  # the codes themselves unchanged


def test_unknown_codes_stay_as_they_are() -> None:
    assert reason_text("new_field:agrees") == "new_field:agrees"
    assert reasons_text(["name:equal", "phone:shared"]) == "姓名一致、电话一致（多户共用的号码）"
