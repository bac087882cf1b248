"""The console's pure view logic: time left in working days, queue filters, the timeline,
bars and the trend chart."""

from datetime import date

from console.views import (
    action_details,
    case_params,
    comparison_findings,
    percent,
    ranked_bars,
    region_filter,
    timeline,
    trend_chart,
    working_days_phrase,
)


def test_working_days_phrase() -> None:
    today = date(2026, 9, 30)
    assert working_days_phrase(date(2026, 10, 10), today, 3) == "还剩3个工作日"
    assert working_days_phrase(today, today, 0) == "今日到期"
    assert working_days_phrase(date(2026, 9, 28), today, 2) == "已超时2个工作日"
    assert working_days_phrase(date(2026, 10, 3), today, 0) == "下一工作日前到期"


def test_a_village_narrows_the_township_and_bad_codes_are_ignored() -> None:
    assert region_filter("532929101000", "") == "532929101"
    assert region_filter("532929101000", "532929101002") == "532929101002"
    assert region_filter("5329'; drop", "") is None


def test_case_params_carry_every_filter_and_only_known_clocks() -> None:
    filters = {
        "township": "532929102000",
        "agency": "medical_insurance",
        "signal_type": "high_out_of_pocket",
        "assignee": "town-gongguoqiao",
        "clock": "bogus",
    }
    params = case_params(filters, offset=50, limit=50)
    assert params == {
        "is_open": "true",
        "limit": "50",
        "offset": "50",
        "region_code": "532929102",
        "agency": "medical_insurance",
        "signal_type": "high_out_of_pocket",
        "assignee": "town-gongguoqiao",
    }
    assert case_params({"clock": "overdue"}, offset=-5, limit=10)["offset"] == "0"
    mine = case_params({"clock": "mine"}, offset=0, limit=10)
    assert mine["actionable"] == "true" and "clock" not in mine


def test_timeline_merges_actions_notifications_and_views_in_time_order() -> None:
    entries = timeline(
        [
            {
                "action": "accept",
                "actor": "town-nuodeng",
                "at": "2026-11-21T02:00:00+00:00",
                "reason": "已电话联系",
            }
        ],
        [
            {
                "created_at": "2026-11-21T01:00:00+00:00",
                "recipient": "138****5678",
                "channel": "sms",
                "message": "新预警",
                "status": "delivered",
            }
        ],
        [
            {
                "at": "2026-11-21T03:00:00+00:00",
                "actor": "county-office",
                "detail": {"reason": "入户前联系"},
            }
        ],
        action_names={"accept": "受理"},
        delivery_status={"delivered": "已送达"},
    )
    assert [e.kind for e in entries] == ["notification", "action", "view"]
    assert entries[0].text == "sms：新预警（已送达）" and entries[0].who == "138****5678"
    assert entries[1].text == "受理 已电话联系"
    assert "入户前联系" in entries[2].text


def test_an_action_in_the_timeline_carries_its_details_in_words() -> None:
    (entry,) = timeline(
        [
            {
                "action": "record_comparison",
                "actor": "town-nuodeng",
                "at": "2026-11-21T02:00:00+00:00",
                "reason": "",
                "details_zh": ["比对或核查情况：无车辆"],
            }
        ],
        [],
        [],
        action_names={"record_comparison": "录入比对结果"},
        delivery_status={},
        actor_names={"town-nuodeng": "段志华（town-nuodeng）"},
    )
    assert (entry.who, entry.text) == (
        "段志华（town-nuodeng）",
        "录入比对结果；比对或核查情况：无车辆",
    )
    # A note that only repeats the step's name (none was written) is not shown twice.
    (repeat,) = timeline(
        [
            {
                "action": "accept",
                "actor": "x",
                "at": "2026-11-21T02:00:00+00:00",
                "reason": "受理",
                "name_zh": "受理",
            }
        ],
        [],
        [],
        action_names={"accept": "受理"},
        delivery_status={},
    )
    assert repeat.text == "受理"
    # A message to an officer reads with their name and the channel in words.
    (sent,) = timeline(
        [],
        [
            {
                "created_at": "2026-11-21T01:00:00+00:00",
                "recipient": "139****1001",
                "officer_id": "cadre-nuodeng",
                "channel": "sms_aliyun",
                "message": "新预警",
                "status": "sent",
            }
        ],
        [],
        action_names={},
        delivery_status={"sent": "已发送"},
        actor_names={"cadre-nuodeng": "杨春梅（cadre-nuodeng）"},
        channel_names={"sms_aliyun": "短信"},
    )
    assert (sent.who, sent.text) == ("杨春梅（cadre-nuodeng）", "短信：新预警（已发送）")


def test_ranked_bars_are_relative_to_the_largest() -> None:
    bars = ranked_bars([("诺邓镇", 5, ""), ("功果桥镇", 10, "")])
    assert [(b.label, b.percent) for b in bars] == [("功果桥镇", 100.0), ("诺邓镇", 50.0)]
    assert ranked_bars([("诺邓镇", 0, "")])[0].percent == 0.0


def test_trend_chart_fills_missing_months_with_zero() -> None:
    rows = [
        ["2026-10", "civil_affairs", 4],
        ["2026-11", "civil_affairs", 2],
        ["2026-11", "housing", 1],
    ]
    months, series, top = trend_chart(rows, {"civil_affairs": "县民政局"}, width=100, height=100)
    assert months == ["2026-10", "2026-11"] and top == 4
    assert series[0].name == "县民政局" and series[0].points == "0.0,0.0 100.0,50.0"
    assert series[1].values == (0, 1)


def test_percent() -> None:
    assert percent(0.8571) == "85.7%" and percent(None) == "—"


def test_the_trail_names_the_system_and_agencies_in_words() -> None:
    entries = timeline(
        [
            {"action": "opened", "actor": "system", "at": "2026-11-21T01:00:00+00:00"},
            {
                "action": "comparison_answered",
                "actor": "agency:public_security",
                "at": "2026-11-21T02:00:00+00:00",
                "reason": "县公安局比对结果：户籍信息 有",
            },
            {"action": "accept", "actor": "town-nuodeng", "at": "2026-11-21T03:00:00+00:00"},
        ],
        [],
        [],
        action_names={"opened": "立案", "comparison_answered": "比对结果", "accept": "受理"},
        delivery_status={},
        actor_names={"system": "系统", "agency:public_security": "县公安局"},
    )
    assert [e.who for e in entries] == ["系统", "县公安局", "town-nuodeng"]


def test_action_details_are_read_from_the_forms_inputs_by_kind() -> None:
    form = [
        ("reason", "e2e"),
        ("d_findings", "  无车辆  "),
        ("b_targeted_help_done", "true"),
        ("n_income_per_head", "12,500"),
        ("n_share", "0.5"),
        ("n_typo", "一万"),
        ("n_odd", "nan"),
        ("d_", "no name"),
    ]
    assert action_details(form) == {
        "findings": "无车辆",
        "targeted_help_done": True,
        "income_per_head": 12500,
        "share": 0.5,
        "typo": "一万",
        "odd": "nan",
    }


def test_the_comparison_form_starts_from_the_agencies_answers() -> None:
    trail = [
        {"action": "accept", "actor": "town-nuodeng", "reason": "受理"},
        {"action": "comparison_requested", "actor": "system", "reason": "已向县公安局发送"},
        {
            "action": "comparison_answered",
            "actor": "agency:public_security",
            "reason": "家庭成员名下车辆 无",
        },
        {"action": "comparison_answered", "actor": "agency:tax", "reason": "不动产 有（商铺一间）"},
    ]
    names = {"public_security": "县公安局"}
    assert (
        comparison_findings(trail, names)
        == "县公安局：家庭成员名下车辆 无\ntax：不动产 有（商铺一间）"
    )
    assert comparison_findings(trail[:2], names) == ""


def test_service_timestamps_show_in_the_countys_time() -> None:
    from zoneinfo import ZoneInfo

    from console.views import local_minute

    county = ZoneInfo("Asia/Shanghai")
    assert local_minute("2026-12-08T02:39:41.123456+00:00", county) == "2026-12-08 10:39"
    assert local_minute("2026-12-31T16:30:00Z", county) == "2027-01-01 00:30"  # the next day
    assert local_minute("2026-12-08T02:39:00", county) == "2026-12-08 10:39"  # naive: UTC
    assert local_minute(None, county) == "" and local_minute("未知", county) == "未知"
