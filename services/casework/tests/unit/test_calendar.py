"""The working-day calendar on the real 2026 schedule, an unpublished 2027, a loaded 2027, and
administrator overrides."""

from datetime import date

import pytest
from casework.adapters.calendar_source import published_calendar
from casework.domain.calendar import CalendarError, Override, parse_year

CAL = published_calendar()

NEW_YEAR = {"name": "元旦", "date": "2027-01-01", "isOffDay": True}
YEAR_2027: dict[str, object] = {
    "year": 2027,
    "papers": ["https://www.gov.cn/zhengce/content/2026-11/xx.htm"],
    "days": [
        NEW_YEAR,
        {"name": "春节", "date": "2027-02-06", "isOffDay": True},
        {"name": "春节", "date": "2027-02-07", "isOffDay": True},
        {"name": "春节", "date": "2027-02-08", "isOffDay": True},
        {"name": "春节", "date": "2027-02-09", "isOffDay": True},
        {"name": "春节", "date": "2027-02-10", "isOffDay": True},
        {"name": "春节", "date": "2027-02-11", "isOffDay": True},
        {"name": "春节", "date": "2027-02-12", "isOffDay": True},
        {"name": "春节", "date": "2027-02-20", "isOffDay": False},
    ],
}


def test_2026_spring_festival_and_its_make_up_saturdays() -> None:
    assert not CAL.is_working_day(date(2026, 2, 17))  # 春节
    assert CAL.day_info(date(2026, 2, 17)).name == "春节"
    saturday = CAL.day_info(date(2026, 2, 14))
    assert saturday.working and not saturday.provisional and "调休" in (saturday.name or "")
    assert CAL.is_working_day(date(2026, 2, 28))
    assert not CAL.is_working_day(date(2026, 2, 21))  # an ordinary Saturday
    assert CAL.is_working_day(date(2026, 11, 24)) and not CAL.day_info(date(2026, 11, 24)).name


def test_adding_working_days_skips_holidays_and_counts_make_up_days() -> None:
    # From Friday 2026-02-13: Sat 14th is a make-up working day.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == (date(2026, 2, 14), False)
    # From the 14th, two working days: the holiday runs to the 23rd.
    assert CAL.add_working_days(date(2026, 2, 14), 1) == (date(2026, 2, 24), False)
    assert CAL.add_working_days(date(2026, 2, 14), 3) == (date(2026, 2, 26), False)
    assert CAL.add_working_days(date(2026, 11, 24), 0) == (date(2026, 11, 24), False)
    assert CAL.add_working_days(date(2026, 11, 28), 0) == (date(2026, 11, 30), False)
    with pytest.raises(CalendarError):
        CAL.add_working_days(date(2026, 11, 24), -1)


def test_an_unpublished_year_counts_monday_to_friday_and_says_so() -> None:
    info = CAL.day_info(date(2027, 1, 1))
    assert info.working and info.provisional  # New Year not known yet
    due, provisional = CAL.add_working_days(date(2026, 12, 30), 3)
    assert (due, provisional) == (date(2027, 1, 4), True)
    assert CAL.add_working_days(date(2026, 12, 28), 2) == (date(2026, 12, 30), False)


def test_loading_a_year_makes_it_final() -> None:
    loaded = CAL.with_year(parse_year(2027, YEAR_2027))
    info = loaded.day_info(date(2027, 1, 1))
    assert (info.working, info.name, info.provisional) == (False, "元旦", False)
    assert loaded.add_working_days(date(2026, 12, 30), 3) == (date(2027, 1, 5), False)
    assert loaded.is_working_day(date(2027, 2, 20))  # make-up Saturday
    assert loaded.add_working_days(date(2027, 2, 5), 1) == (date(2027, 2, 15), False)


def test_bad_year_documents_are_refused_with_the_reason() -> None:
    cases = [
        ({**YEAR_2027, "year": 2028}, "calendar.year"),
        ({**YEAR_2027, "days": []}, "calendar.format"),
        (
            {**YEAR_2027, "days": [{"name": "x", "date": "2027-02-30", "isOffDay": True}]},
            "calendar.date",
        ),
        (
            {**YEAR_2027, "days": [{"name": "x", "date": "2026-12-31", "isOffDay": True}]},
            "calendar.date_year",
        ),
        ({**YEAR_2027, "days": [NEW_YEAR, NEW_YEAR]}, "calendar.duplicate"),
        (
            {**YEAR_2027, "days": [{"name": "x", "date": "2027-03-03", "isOffDay": False}]},
            "calendar.make_up_weekday",
        ),
        ({**YEAR_2027, "days": [{"name": "x", "date": "2027-03-03"}]}, "calendar.day"),
    ]
    for document, code in cases:
        with pytest.raises(CalendarError) as caught:
            parse_year(2027, document)
        assert caught.value.code == code and caught.value.message


def test_overrides_win_and_are_final() -> None:
    flood = CAL.with_overrides({date(2026, 11, 25): Override(False, "洪灾停工")})
    info = flood.day_info(date(2026, 11, 25))
    assert (info.working, info.name) == (False, "洪灾停工")
    assert flood.add_working_days(date(2026, 11, 24), 1) == (date(2026, 11, 26), False)
    early = CAL.with_overrides({date(2027, 1, 1): Override(False, "元旦（已通知）")})
    assert not early.day_info(date(2027, 1, 1)).provisional
