"""风险消除: when a monitored household may be marked risk-eliminated (pure; DESIGN §4, seeds/002,
seeds/000 (九), seeds/003 四(三)).

All four indicators must hold — targeted help done; 两不愁三保障 and safe water stable; income
above the line for at least six months; large rigid costs solved — and never when income per
head is under the threshold (configuration: it differs by year and province), the whole
household lacks labour (unless children able to support old parents), or in the month the
household was included. The village proposes it (申报) after the 民主评议 and its 公示
(seeds/002 三(二) 村級初選) and once the household is told and agrees (seeds/000 (九)
告知农户知情同意); the township verifies it (初步验收), the county confirms it (复核确认). A county
may hold proposals to set months (seeds/000 (九): 每季度首月); seeds/002 sets no time
(標注風險消除時間沒有強製要求), so by default any month will do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

INDICATORS = {
    "targeted_help_done": "帮扶措施已落实到位",
    "basic_needs_stable": "“两不愁三保障”及饮水安全持续巩固",
    "income_stable_6_months": "收入持续稳定超过监测线6个月以上",
    "rigid_costs_solved": "大额刚性支出问题已解决",
}


# What the village's proposal must also say (seeds/000 (九): 经民主评议…并告知农户知情同意后).
PROPOSAL_CHECKS = {
    "village_assessed": "已经村民主评议",
    "village_noticed": "已在村内公示",
    "household_consent": "已告知农户并取得知情同意",
}
QUARTER_FIRST_MONTHS = (1, 4, 7, 10)  # seeds/000 (九), for a county that keeps to it
ANY_MONTH = tuple(range(1, 13))


@dataclass(frozen=True)
class RiskRules:
    """The county's settings for 风险消除: the income per head below which it is refused and
    the months in which the village may propose it."""

    income_threshold: float = 10000.0
    proposal_months: tuple[int, ...] = ANY_MONTH


@dataclass(frozen=True)
class RuleFailure:
    """A rule that does not hold: machine code and the reason in Chinese."""

    code: str
    message: str


def check_risk_elimination(
    facts: Mapping[str, Any], *, included_on: date | None, today: date, income_threshold: float
) -> list[RuleFailure]:
    """Every rule that fails (an empty list: the household may be marked)."""
    failures = [
        RuleFailure(f"indicator.{key}", f"未满足：{text}")
        for key, text in INDICATORS.items()
        if facts.get(key) is not True
    ]
    income = facts.get("income_per_head")
    if income is None or income == "":
        failures.append(RuleFailure("income.missing", "请填写家庭人均纯收入"))
    elif not isinstance(income, int | float) or isinstance(income, bool):
        failures.append(
            RuleFailure("income.not_a_number", f"家庭人均纯收入应为数字（元），收到“{income}”")
        )
    elif income < income_threshold:
        failures.append(
            RuleFailure(
                "income.below_threshold",
                f"家庭人均纯收入{income:,.0f}元低于{income_threshold:,.0f}元，不能标注风险消除",
            )
        )
    if (
        facts.get("whole_household_no_labour") is True
        and facts.get("supported_by_children") is not True
    ):
        failures.append(
            RuleFailure(
                "labour.none", "整户无劳动力（子女赡养能力较强的老人户除外），不能标注风险消除"
            )
        )
    if included_on is not None and (included_on.year, included_on.month) == (
        today.year,
        today.month,
    ):
        failures.append(RuleFailure("month.same_as_inclusion", "纳入监测当月不能标注风险消除"))
    return failures


def check_proposal(
    facts: Mapping[str, Any], *, included_on: date | None, today: date, rules: RiskRules
) -> list[RuleFailure]:
    """Every rule a village's proposal (申报风险消除) fails: the marking's rules, the 民主评议,
    the 公示 and the household's consent, and the county's months for proposals."""
    failures = check_risk_elimination(
        facts, included_on=included_on, today=today, income_threshold=rules.income_threshold
    )
    failures += [
        RuleFailure(f"proposal.{key}", f"未满足：{text}")
        for key, text in PROPOSAL_CHECKS.items()
        if facts.get(key) is not True
    ]
    if today.month not in rules.proposal_months:
        months = "、".join(f"{m}月" for m in rules.proposal_months)
        failures.append(
            RuleFailure(
                "proposal.month",
                f"本县风险消除集中在{months}申报，本月（{today.month}月）不能申报",
            )
        )
    return failures
