"""The workflow table: every legal step, refusals with reasons, and the risk-elimination rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from casework.domain.risk_elimination import (
    INDICATORS,
    PROPOSAL_CHECKS,
    QUARTER_FIRST_MONTHS,
    RiskRules,
    check_proposal,
    check_risk_elimination,
)
from casework.domain.workflow import (
    BY_ACTION,
    MONITOR_TYPES,
    WORKFLOW,
    CaseTransitionError,
    available,
    decide,
    details_in_words,
    fields_needed,
    states_for_role,
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
    ("propose_risk_elimination", "village_cadre", {}),
    ("township_verify_risk", "township_officer", {"verification": "入户验收，收入稳定"}),
    ("county_confirm_risk", "county_office", {}),
    ("propose_rollback", "village_cadre", {"reason_detail": "回头看发现收入不稳"}),
    ("township_verify_rollback", "township_officer", {"verification": "核实收入下滑"}),
    ("county_confirm_rollback", "county_office", {}),
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
    assert seen[-4] == ("risk_eliminated", True, False)  # closed
    assert seen[-3] == ("rollback_proposed", False, True)  # open again while it is decided
    assert seen[-1] == ("helping", False, False)
    # Sent back, a rollback closes the case again.
    back = decide(
        "return_rollback_proposal",
        state="rollback_verified",
        role="county_office",
        details={"reason_detail": "收入稳定，不予回退"},
        running_clocks={},
        now=NOW,
    )
    assert (back.target, back.closes) == ("risk_eliminated", True)
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
        ("county_confirm_risk", "helping", "county_office", {}, "case.transition"),
        ("propose_risk_elimination", "helping", "township_officer", {}, "role.forbidden"),
        ("township_verify_risk", "risk_proposed", "township_officer", {}, "details.required"),
        ("county_confirm_risk", "risk_verified", "township_officer", {}, "role.forbidden"),
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


def test_a_missing_detail_is_named_in_words_and_every_form_asks_for_what_its_action_needs() -> None:
    with pytest.raises(CaseTransitionError) as caught:
        decide(
            "record_comparison",
            state="accepted",
            role="township_officer",
            details={"findings": "  "},
            running_clocks={},
            now=NOW,
        )
    assert caught.value.message == "录入比对结果需要填写：比对或核查情况（findings）"
    assert [f.name for f in fields_needed("county_review", "county_include")] == ["monitor_type"]
    (kind,) = fields_needed("county_review", "county_include")
    assert [value for value, _label in kind.choices] == list(MONITOR_TYPES)
    (result,) = fields_needed("visited", "village_assessment")
    assert [value for value, _label in result.choices] == ["propose", "reject"]
    assert fields_needed("accepted", "accept") == []  # not an action of that state
    assert fields_needed("awaiting_acceptance", "accept") == []  # needs nothing but a note
    # Each action's form asks for every detail `decide` requires of it.
    for transition in WORKFLOW:
        for state in transition.sources:
            asked = {f.name for f in fields_needed(state, transition.action) if f.required}
            assert asked >= set(transition.needs)


def test_the_risk_elimination_form_asks_for_what_its_rules_check() -> None:
    fields = {f.name: f for f in fields_needed("helping", "propose_risk_elimination")}
    assert {n for n, f in fields.items() if f.kind == "check" and f.required} == (
        set(INDICATORS) | set(PROPOSAL_CHECKS)
    )
    assert fields["income_per_head"].kind == "number"
    assert not fields["supported_by_children"].required
    # What the form sends when filled in as the rules want passes them; a text income is told.
    sent: dict[str, object] = {n: True for n in INDICATORS} | {"income_per_head": 12500.0}
    assert (
        check_risk_elimination(sent, included_on=None, today=NOW.date(), income_threshold=1e4) == []
    )
    sent["income_per_head"] = "一万二"
    (failure,) = check_risk_elimination(
        sent, included_on=None, today=NOW.date(), income_threshold=1e4
    )
    assert failure.code == "income.not_a_number" and "一万二" in failure.message
    assert details_in_words({"targeted_help_done": True, "income_per_head": 12500.0}) == [
        "帮扶措施已落实到位：是",
        "家庭人均纯收入（元/年）：12500.0",
    ]


def test_details_read_in_words_in_the_trail() -> None:
    assert details_in_words({"result": "propose"}) == ["评议结果：拟纳入监测"]
    assert details_in_words({"findings": "无车辆", "phone_checked": True}) == [
        "比对或核查情况：无车辆",
        "phone_checked：True",
    ]
    assert details_in_words({"monitor_type": "边缘易致贫户"}) == ["监测对象类型：边缘易致贫户"]
    assert details_in_words({}) == []


def test_the_village_proposes_after_assessment_notice_and_consent_in_the_countys_months() -> None:
    """seeds/000 (九): 每季度首月…经民主评议…并告知农户知情同意后 (a county that keeps to the
    quarter's first month sets it); seeds/002: 村級初選…公示, 標注風險消除時間沒有強製要求."""
    proposal = {
        **GOOD,
        "village_assessed": True,
        "village_noticed": True,
        "household_consent": True,
    }
    included, rules = date(2026, 5, 10), RiskRules(proposal_months=QUARTER_FIRST_MONTHS)

    def codes(facts: dict[str, object], today: date, months: RiskRules = rules) -> set[str]:
        failures = check_proposal(facts, included_on=included, today=today, rules=months)
        return {f.code for f in failures}

    assert codes(proposal, date(2026, 10, 9)) == set()
    assert codes(proposal, date(2027, 1, 31)) == set()
    assert codes(proposal, date(2026, 11, 2)) == {"proposal.month"}
    (month,) = check_proposal(proposal, included_on=included, today=date(2026, 11, 2), rules=rules)
    assert "1月、4月、7月、10月" in month.message and "11月" in month.message
    assert codes(proposal, date(2026, 11, 2), RiskRules(proposal_months=(11,))) == set()
    assert codes(proposal, date(2026, 11, 2), RiskRules()) == set()  # any month by default
    assert codes({**proposal, "household_consent": False}, date(2026, 10, 9)) == {
        "proposal.household_consent"
    }
    assert codes(GOOD, date(2026, 10, 9)) == {
        "proposal.village_assessed",
        "proposal.village_noticed",
        "proposal.household_consent",
    }
    # The marking's own rules hold for the proposal too.
    assert codes({**proposal, "income_per_head": 9000}, date(2026, 10, 9)) == {
        "income.below_threshold"
    }
    assert "return_risk_proposal" in available("risk_verified", "county_office")
    assert available("risk_proposed", "village_cadre") == []


def test_the_proposal_months_are_configuration() -> None:
    from casework.config import Settings
    from pydantic import ValidationError

    assert Settings().risk_rules().proposal_months == tuple(range(1, 13))
    assert Settings(risk_proposal_months="10, 1,4").risk_rules().proposal_months == (1, 4, 10)
    for wrong in ("13", "一月", "1,,4", ""):
        with pytest.raises(ValidationError):
            Settings(risk_proposal_months=wrong)


def test_each_role_has_its_own_steps_to_take() -> None:
    assert "awaiting_acceptance" in states_for_role("village_cadre")
    assert "risk_proposed" in states_for_role("township_officer")
    assert "risk_verified" not in states_for_role("township_officer")
    assert "risk_verified" in states_for_role("county_office")
    assert "county_review" in states_for_role("county_office")
    assert "county_review" not in states_for_role("village_cadre")
    # Not waiting for the county just because it could dismiss it, nor a case sent back up.
    assert "village_notice" not in states_for_role("county_office")
    assert "risk_eliminated" not in states_for_role("township_officer")
    assert states_for_role("agency_staff") == []
    for role in ("village_cadre", "township_officer", "county_office"):
        for state in states_for_role(role):
            assert available(state, role), (role, state)
