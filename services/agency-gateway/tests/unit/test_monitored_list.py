"""The agencies' monthly list of new monitored households: the month in county time and
its rows."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from agency_gateway.domain.monitored import HEADER, list_rows
from shouwang_kit.deadlines import month_span

TZ = ZoneInfo("Asia/Shanghai")


def test_a_month_runs_from_midnight_to_midnight_in_the_countys_time() -> None:
    assert month_span("2026-12", TZ) == (
        datetime(2026, 11, 30, 16, tzinfo=UTC),
        datetime(2026, 12, 31, 16, tzinfo=UTC),
    )
    assert month_span("2027-02", TZ)[1] == datetime(2027, 2, 28, 16, tzinfo=UTC)
    # A decision at 00:30 on 1 December county time is December's, though UTC says November.
    start, end = month_span("2026-12", TZ)
    assert start <= datetime(2026, 11, 30, 16, 30, tzinfo=UTC) < end


def test_one_row_per_member_and_a_household_without_members_still_listed() -> None:
    household = {
        "household_number": "5329291010020003",
        "township_name": "诺邓镇",
        "village_name": "天池村",
        "monitor_type": "突发严重困难户",
        "included_at": datetime(2026, 11, 30, 17, tzinfo=UTC),  # 1 December, 01:00 in the county
        "case_number": "SW-20261201-000001",
        "members": [
            {"name": "张伟", "relation": "户主", "id_number": "532929198205120510"},
            {"name": "章玮", "relation": "配偶", "id_number": None},
        ],
    }
    rows = list_rows([household, {**household, "case_number": "SW-2", "members": []}], TZ)
    assert len(HEADER) == len(rows[0])
    assert rows[0] == (
        "5329291010020003",
        "诺邓镇",
        "天池村",
        "突发严重困难户",
        "2026-12-01",
        "SW-20261201-000001",
        "张伟",
        "户主",
        "532929198205120510",
    )
    assert rows[1][6:] == ("章玮", "配偶", "")
    assert rows[2][5:] == ("SW-2", "", "", "")
