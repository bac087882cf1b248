import uuid
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from notifier.domain.messages import clock_alert_notice
from notifier.domain.routing import (
    DEFAULT_RULES,
    DirectoryError,
    OfficerContact,
    QuietHours,
    channel_plan,
    officer_from,
    plan_deliveries,
    recipients,
    region_at,
)
from shouwang_proto.events import ClockAlertV1

SHANGHAI = ZoneInfo("Asia/Shanghai")
VILLAGE = "532929101001"
DIRECTORY = [
    OfficerContact(
        "v1", "杨村干", "village_cadre", VILLAGE, "13900000001", "yang", ("wecom_app", "sms_aliyun")
    ),
    OfficerContact(
        "v2", "李村干", "village_cadre", "532929101002", "13900000002", None, ("sms_aliyun",)
    ),
    OfficerContact(
        "t1",
        "段乡干",
        "township_officer",
        "532929101000",
        "13900000003",
        "duan",
        ("sms_tencent", "wecom_app"),
    ),
    OfficerContact(
        "t2", "王乡干", "township_officer", "532929102000", "13900000004", None, ("sms_aliyun",)
    ),
    OfficerContact("c1", "县办", "county_office", "532929000000", None, "county", ("wecom_app",)),
]
RULES = {r.event: r for r in DEFAULT_RULES}


def test_region_levels() -> None:
    assert region_at(VILLAGE, 4) == "532929101000"
    assert region_at(VILLAGE, 3) == "532929000000"


def test_a_new_case_goes_to_its_village_cadre_and_township_officer_only() -> None:
    names = [o.officer_id for o in recipients(RULES["case_opened"], VILLAGE, DIRECTORY)]
    assert names == ["v1", "t1"]
    assert [o.officer_id for o in recipients(RULES["list_overdue"], VILLAGE, DIRECTORY)] == ["c1"]


def test_a_step_handed_on_goes_to_the_level_that_acts_next() -> None:
    def who(rule: str) -> list[str]:
        return [o.officer_id for o in recipients(RULES[rule], VILLAGE, DIRECTORY)]

    assert who("case_awaiting_township") == ["t1"]  # the village's own township only
    assert who("case_awaiting_county") == ["c1"]
    assert "v1" in who("case_awaiting_village") and "t1" not in who("case_awaiting_village")


def test_channels_follow_the_officer_and_skip_what_is_off_or_unreachable() -> None:
    v1, v2, t1 = DIRECTORY[0], DIRECTORY[1], DIRECTORY[2]
    assert channel_plan(v1, ["wecom_app", "sms_aliyun"]) == ("wecom_app", "sms_aliyun")
    assert channel_plan(v1, ["sms_aliyun"]) == ("sms_aliyun",)
    assert channel_plan(t1, ["sms_aliyun", "wecom_app"]) == ("wecom_app",)
    assert channel_plan(v2, ["wecom_app"]) == ()


def test_quiet_hours_hold_sms_until_morning_but_not_urgent_ones() -> None:
    quiet = QuietHours(tz=SHANGHAI)
    night = datetime(2026, 11, 24, 23, 30, tzinfo=SHANGHAI)
    morning = datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI)
    assert quiet.send_at(night, channel="sms_aliyun", urgent=False) == morning
    assert quiet.send_at(night, channel="sms_aliyun", urgent=True) == night
    assert quiet.send_at(night, channel="wecom_app", urgent=False) == night
    early = datetime(2026, 11, 25, 5, 0, tzinfo=SHANGHAI)
    assert quiet.send_at(early, channel="sms_tencent", urgent=False) == morning
    day = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert quiet.send_at(day, channel="sms_aliyun", urgent=False) == day
    assert quiet.is_quiet(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai


def test_plans_one_delivery_per_officer_with_failover_order() -> None:
    night = datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI)
    plans = plan_deliveries(
        RULES["case_opened"],
        region_code=VILLAGE,
        directory=DIRECTORY,
        enabled=["sms_aliyun", "sms_tencent", "wecom_app"],
        quiet=QuietHours(tz=SHANGHAI),
        now=night,
    )
    assert [(p.officer.officer_id, p.channels) for p in plans] == [
        ("v1", ("wecom_app", "sms_aliyun")),
        ("t1", ("sms_tencent", "wecom_app")),
    ]
    assert plans[0].not_before == night  # WeChat Work at night is fine
    assert plans[1].not_before.hour == 7  # an SMS waits for the morning


def test_bad_directory_entries_are_refused() -> None:
    with pytest.raises(DirectoryError):
        officer_from({"officer_id": "x", "role": "village_cadre", "region_code": "123"})
    with pytest.raises(DirectoryError):
        officer_from(
            {
                "officer_id": "x",
                "role": "village_cadre",
                "region_code": VILLAGE,
                "channels": ["fax"],
            }
        )


def test_clock_alerts_go_by_level_and_say_what_is_due() -> None:
    def alert(kind: Literal["due_soon", "breached", "escalated"], level: int = 0) -> ClockAlertV1:
        return ClockAlertV1(
            alert=kind,
            level=level,
            case_id=uuid.uuid4(),
            case_number="SW-1",
            household_id=uuid.uuid4(),
            region_code=VILLAGE,
            village_name="诺邓村",
            township_name="诺邓镇",
            masked_name="李*",
            clock_id=uuid.uuid4(),
            clock_kind="accept",
            due_at=datetime(2026, 11, 25, 0, 0, tzinfo=SHANGHAI),
            working_days_late=3,
        )

    breached = clock_alert_notice(alert("breached"), SHANGHAI)
    assert breached.rule == "clock_breached" and "受理已超时" in breached.text
    assert "11月24日24:00" in breached.text and "李*" in breached.text
    assert clock_alert_notice(alert("escalated", 1), SHANGHAI).rule == "escalated_township"
    county = clock_alert_notice(alert("escalated", 2), SHANGHAI)
    assert county.rule == "escalated_county" and "3个工作日" in county.text
    assert [o.officer_id for o in recipients(RULES[county.rule], VILLAGE, DIRECTORY)] == ["c1"]
    assert clock_alert_notice(alert("due_soon"), SHANGHAI).rule == "clock_due_soon"
