"""Working days between two dates (the console's "time left") and the precision scorecard."""

from datetime import date

from casework.adapters.calendar_source import published_calendar
from casework.domain.calendar import WorkingDayCalendar
from casework.entrypoints.charts_api import precision_rows

CAL = published_calendar()


def test_working_days_left_skip_national_day_and_count_the_make_up_saturday() -> None:
    # 2026-09-30 (Wed) → 2026-10-10 (Sat, 调休上班): Oct 1–7 off, Oct 8, 9, 10 working.
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == (3, False)
    # A make-up Sunday counts: 2026-09-19 (Sat) → 2026-09-21 (Mon) is Sep 20 and Sep 21.
    assert CAL.working_days_between(date(2026, 9, 19), date(2026, 9, 21)) == (2, False)


def test_no_working_days_when_the_end_is_not_after_the_start() -> None:
    assert CAL.working_days_between(date(2026, 10, 9), date(2026, 10, 9)) == (0, False)
    assert CAL.working_days_between(date(2026, 10, 9), date(2026, 10, 1)) == (0, False)


def test_an_unpublished_year_is_provisional() -> None:
    calendar = WorkingDayCalendar(frozenset(), frozenset(), frozenset({2026}))
    count, provisional = calendar.working_days_between(date(2026, 12, 30), date(2027, 1, 4))
    assert (count, provisional) == (3, True)  # Dec 31, Jan 1 (Mon–Fri assumed), Jan 4


def test_precision_is_confirmed_over_decided_and_open_cases_do_not_count() -> None:
    counts = {
        "medical_insurance": {"total": 10, "confirmed": 3, "dismissed": 1, "open": 6},
        "civil_affairs": {"total": 2, "confirmed": 0, "dismissed": 0, "open": 2},
    }
    assert precision_rows(counts) == [
        ["civil_affairs", 2, 0, 0, 2, None],
        ["medical_insurance", 10, 3, 1, 6, 0.75],
    ]
