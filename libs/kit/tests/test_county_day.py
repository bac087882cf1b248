"""Every service takes "today" in the county's time zone, whatever the server's clock says."""

from datetime import UTC, date, datetime

from shouwang_kit.settings import ServiceSettings


def test_today_is_the_countys_date_not_utcs() -> None:
    settings = ServiceSettings()
    half_past_midnight = datetime(2026, 12, 7, 16, 30, tzinfo=UTC)  # 8 Dec 00:30 in Yunnan
    assert settings.today(half_past_midnight) == date(2026, 12, 8)
    assert ServiceSettings(timezone="UTC").today(half_past_midnight) == date(2026, 12, 7)
    assert settings.tz.key == "Asia/Shanghai"
