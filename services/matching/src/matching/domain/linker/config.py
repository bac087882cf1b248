"""The linker's thresholds (configuration, not constants).

Kept out of the modules compiled with mypyc (`matching.native`): the CLI reads the defaults
off the class (`LinkConfig.auto_at`), which a compiled class does not offer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LinkConfig:
    """Thresholds (configuration, not constants)."""

    auto_at: float = 9.0
    review_at: float = 6.0
    margin: float = 3.0

    def __post_init__(self) -> None:
        problem = threshold_problem(self.auto_at, self.review_at, self.margin)
        if problem:
            raise ValueError(problem)


def threshold_problem(auto_at: float, review_at: float, margin: float) -> str | None:
    """Why these thresholds cannot work (in Chinese, for whoever set them), or None."""
    if not all(math.isfinite(v) for v in (auto_at, review_at, margin)):
        return "阈值必须是有限的数（auto_at、review_at、margin）"
    if review_at > auto_at:
        return (
            f"review_at（{review_at:g} 分，低于此分为未找到）不能高于 auto_at"
            f"（{auto_at:g} 分，达到此分自动匹配）"
        )
    if margin < 0:
        return f"margin（领先第二候选人的分数，{margin:g}）不能为负数"
    return None
