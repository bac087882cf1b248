"""The workflow table: every legal step, refusals with reasons, and the risk-elimination rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from casework.domain.risk_elimination import check_risk_elimination
from casework.domain.workflow import (
    BY_ACTION,
    CaseTransitionError,
    available,
    decide,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
PATH = [
    ("accept", "village_cadre", {}),
    ("record_comparison", "township_officer", {"findings": "无车辆、无公职人员"}),
    ("record_visit", "village_cadre", {"findings": "住院，家中无劳动力"}),
    ("village_assessment", "work_team", {"result": "propose"}),
    ("start_village_notice", "village_cadre", {}),
    ("end_village_notice", "village_cadre", {"objections": "无异议"}),
    ("township_approve", "township_officer", {}),
    ("county_include", "county_office", {"monitor_type": "突发严重困难户"}),
    ("name_officer", "township_officer", {"officer": "段志华"}),
    ("record_plan", "village_cadre", {"plan": "医疗救助+公益岗位"}),
    ("start_help", "village_cadre", {"measures": "临时救助已发放"}),
    ("eliminate_risk", "county_office", {}),
    ("rollback", "county_office", {"reason_detail": "回头看发现收入不稳"}),
]


PLAN_STEPS = ("name_officer", "record_plan", "start_help")


def test_the_visit_may_come_before_the_comparison_answer() -> None:
    """A screening's household is visited the same day; the agencies answer within 2 working
    days: visit, then comparison, both stopping their clocks, end where the usual order does."""
    state, stops = "accepted", []
    for action, role in (("record_visit", "village_cadre"), ("record_comparison", "county_office")):
        decision = decide(
            action, state=state, role=role, details={"findings": "x"}, running_clocks={}, now=NOW
        )
        state = decision.target
        stops.append((state, decision.transition.stops, decision.transition.starts))
    assert stops == [("visit_done", ("visit",), ()), ("visited", ("compare",), ())]
    assert "county_dismiss" in available("visit_done", "county_office")
    with pytest.raises(CaseTransitionError) as refused:  # not twice
        decide(
            "record_visit",
            state="visit_done",
            role="village_cadre",
            details={"findings": "x"},
            running_clocks={},
            now=NOW,
        )
    assert refused.value.code == "case.transition"
    assert "已入户核查，待比对结果" in refused.value.message


def test_the_whole_path_from_acceptance_to_rollback() -> None:
    state = "awaiting_acceptance"
    seen = []
    for action, role, details in PATH:
        decision = decide(
            action, state=state, role=role, details=details, running_clocks={}, now=NOW
        )
        state = decision.target
        seen.append((state, decision.closes, decision.reopens))
    assert seen[-2] == ("risk_eliminated", True, False)
    assert seen[-1] == ("helping", False, True)
    assert BY_ACTION["accept"].starts == (("compare", "working_days:2"),)


def test_the_officer_plan_and_help_clocks_all_count_from_the_inclusion() -> None:
    """seeds/002: officer and plan within 10 days 公告之日起; seeds/000: help within 1 month of
    being listed — a late step does not move the next step's deadline."""
    assert BY_ACTION["county_include"].starts == (
        ("officer", "calendar_days:10"),
        ("plan", "calendar_days:10"),
        ("help", "calendar_month:1"),
    )
    assert [(a, BY_ACTION[a].stops, BY_ACTION[a].starts) for a in PLAN_STEPS] == [
        ("name_officer", ("officer",), ()),
        ("record_plan", ("plan",), ()),
        ("start_help", ("help",), ()),
    ]


@pytest.mark.parametrize(
    ("action", "state", "role", "details", "code"),
    [
        ("accept", "accepted", "village_cadre", {}, "case.transition"),
        (
            "county_include",
            "county_review",
            "township_officer",
            {"monitor_type": "边缘易致贫户"},
            "role.forbidden",
        ),
        (
            "county_include",
            "county_review",
            "county_office",
            {"monitor_type": "穷"},
            "monitor_type.unknown",
        ),
        ("record_visit", "compared", "village_cadre", {}, "details.required"),
        ("county_dismiss", "county_review", "county_office", {}, "details.required"),
        ("county_dismiss", "helping", "county_office", {"explanation": "x"}, "case.transition"),
        ("eliminate_risk", "planned", "county_office", {}, "case.transition"),
        ("fly", "accepted", "county_office", {}, "action.unknown"),
    ],
)
def test_illegal_steps_are_refused_with_a_reason(
    action: str, state: str, role: str, details: dict[str, str], code: str
) -> None:
    with pytest.raises(CaseTransitionError) as caught:
        decide(action, state=state, role=role, details=details, running_clocks={}, now=NOW)
    assert caught.value.code == code and caught.value.message


def test_a_notice_must_run_its_five_days() -> None:
    running = {"village_notice": NOW + timedelta(days=2)}
    with pytest.raises(CaseTransitionError) as caught:
        decide(
            "end_village_notice",
            state="village_notice",
            role="village_cadre",
            details={"objections": "无"},
            running_clocks=running,
            now=NOW,
        )
    assert caught.value.code == "notice.running"
    later = NOW + timedelta(days=3)
    assert decide(
        "end_village_notice",
        state="village_notice",
        role="village_cadre",
        details={"objections": "无"},
        running_clocks=running,
        now=later,
    ).target == ("township_review")


def test_dismissal_is_possible_at_any_stage_before_the_decision() -> None:
    for state in ("accepted", "visited", "county_review"):
        decision = decide(
            "county_dismiss",
            state=state,
            role="county_office",
            details={"explanation": "经比对家庭有车辆，不符合条件"},
            running_clocks={},
            now=NOW,
        )
        assert decision.target == "dismissed" and decision.closes
    assert "county_dismiss" in available("accepted", "county_office")
    assert available("accepted", "village_cadre") == ["record_visit"]  # no county_dismiss


GOOD: dict[str, object] = {
    "targeted_help_done": True,
    "basic_needs_stable": True,
    "income_stable_6_months": True,
    "rigid_costs_solved": True,
    "income_per_head": 12500,
}


def test_risk_elimination_rules() -> None:
    today, included = date(2026, 11, 24), date(2026, 5, 10)
    assert (
        check_risk_elimination(GOOD, included_on=included, today=today, income_threshold=10000)
        == []
    )

    def codes(facts: dict[str, object], included_on: date = included) -> set[str]:
        failures = check_risk_elimination(
            facts, included_on=included_on, today=today, income_threshold=10000
        )
        return {f.code for f in failures}

    assert codes({**GOOD, "income_per_head": 9800}) == {"income.below_threshold"}
    assert codes({**GOOD, "whole_household_no_labour": True}) == {"labour.none"}
    assert (
        codes({**GOOD, "whole_household_no_labour": True, "supported_by_children": True}) == set()
    )
    assert codes(GOOD, included_on=date(2026, 11, 2)) == {"month.same_as_inclusion"}
    assert codes({**GOOD, "rigid_costs_solved": False}) == {"indicator.rigid_costs_solved"}
    assert "income.missing" in codes({k: v for k, v in GOOD.items() if k != "income_per_head"})
    lower = check_risk_elimination(GOOD, included_on=included, today=today, income_threshold=7500)
    assert lower == []  # thresholds are configuration: 7,500 in seeds/002
