"""Monthly lists are due by the 10th of the next month: on time, late, missing or pending."""

from __future__ import annotations

from datetime import date

import pytest
from agency_gateway.domain.feeds import due_on, list_state, previous_period
from shouwang_proto.catalogue import load_catalogue


def test_lists_sent_in_a_month_cover_the_month_before() -> None:
    assert previous_period(date(2026, 11, 23)) == "2026-10"
    assert previous_period(date(2027, 1, 5)) == "2026-12"


def test_due_by_the_configured_day_of_the_next_month() -> None:
    assert due_on("2026-10", 10) == date(2026, 11, 10)
    assert due_on("2026-12", 10) == date(2027, 1, 10)


@pytest.mark.parametrize(
    ("received", "today", "status"),
    [
        (date(2026, 11, 3), date(2026, 11, 23), "on_time"),
        (date(2026, 11, 10), date(2026, 11, 23), "on_time"),  # the due day itself counts
        (date(2026, 11, 11), date(2026, 11, 23), "late"),
        (None, date(2026, 11, 10), "pending"),
        (None, date(2026, 11, 11), "missing"),
    ],
)
def test_list_states(received: date | None, today: date, status: str) -> None:
    state = list_state("water", "2026-10", 10, received_on=received, today=today)
    assert state.status == status
    assert state.due_on == date(2026, 11, 10)


def test_catalogue_says_who_owes_lists_and_who_answers_which_checks() -> None:
    catalogue = load_catalogue()
    police = catalogue.agency("public_security")
    assert police is not None and set(police.comparisons) == {"hukou", "vehicle"}
    assert police.monthly_list is not None and police.monthly_list.due_day == 10
    assert {c.code for c in catalogue.comparison_checks} >= {"vehicle", "business"}
    for agency in catalogue.agencies:
        assert set(agency.comparisons) <= {c.code for c in catalogue.comparison_checks}
