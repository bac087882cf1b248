"""A deadline at midnight reads as 24:00 of the day before, everywhere."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from shouwang_kit.deadlines import deadline_parts, deadline_text, deadline_zh

TZ = ZoneInfo("Asia/Shanghai")


def test_midnight_is_the_end_of_the_day_before_in_the_countys_time() -> None:
    midnight = datetime(2026, 12, 8, 16, 0, tzinfo=UTC)  # 12-09 00:00 in the county
    assert deadline_parts(midnight, TZ) == (date(2026, 12, 8), "24:00")
    assert deadline_text(midnight, TZ) == "2026-12-08 24:00"
    assert deadline_zh(midnight, TZ) == "12月8日24:00"
    assert deadline_zh(datetime(2027, 1, 1, tzinfo=TZ), TZ) == "12月31日24:00"


def test_any_other_time_is_itself() -> None:
    assert deadline_parts(datetime(2026, 12, 9, 0, 1, tzinfo=TZ), TZ) == (
        date(2026, 12, 9),
        "00:01",
    )
    assert deadline_text(datetime(2026, 12, 9, 17, 30, tzinfo=TZ), TZ) == "2026-12-09 17:30"
    assert deadline_zh(datetime(2026, 11, 24, 17, 30, tzinfo=TZ), TZ) == "11月24日17:30"
