"""The reasons a decision lists (which fields agreed), in words for county staff.

The codes (`name:pinyin`, ...) stay what machines read: events, the API's `reasons`, the CLI.
People read these texts: the review queue's candidates and a review's reason.
"""

from __future__ import annotations

from collections.abc import Iterable

REASON_TEXT = {
    "id_number:exact": "身份证号码一致",
    "id_number:differs": "身份证号码不同",
    "id_number:one_slip": "身份证号码差一处（报送的号码疑有录入错误）",
    "id_number:two_slips": "身份证号码差两处（报送的号码疑有录入错误）",
    "id_number:registry_one_slip": "身份证号码差一处（库内号码疑有录入错误）",
    "id_number:registry_two_slips": "身份证号码差两处（库内号码疑有录入错误）",
    "name:equal": "姓名一致",
    "name:pinyin": "姓名同音",
    "name:sounds_alike": "姓名读音相近",
    "name:one_char_off": "姓名差一个字",
    "name:chars_swapped": "姓名中两个字前后颠倒",
    "name:given_differs": "同姓不同名",
    "name:differs": "姓名不符",
    "name:missing": "未报送姓名",
    "birth_date:equal": "出生日期一致",
    "birth_date:day_month_swapped": "出生日期月、日颠倒",
    "birth_date:one_digit": "出生日期差一位数字",
    "birth_date:digits_swapped": "出生日期两位数字前后颠倒",
    "birth_date:differs": "出生日期不符",
    "village:equal": "同一行政村",
    "township:equal": "同一乡镇",
    "county:equal": "同一县",
    "county:differs": "不在同一县",
    "phone:equal": "电话一致",
    "phone:shared": "电话一致（多户共用的号码）",
    "phone:differs": "电话不同",
    "candidates:none": "库内没有可比对的人员",
    "candidates:too_weak": "候选人员相符的信息不足",
    "review:confirm": "人工核对确认",
    "review:choose": "人工核对改选",
}


def reason_text(code: str) -> str:
    """The words for a reason code (an unknown code as it is)."""
    return REASON_TEXT.get(code, code)


def reasons_text(codes: Iterable[str]) -> str:
    """Reasons in words, joined as a Chinese list (、)."""
    return "、".join(reason_text(code) for code in codes)
