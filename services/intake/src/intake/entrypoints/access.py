"""Who may use intake's API (DESIGN §5: officers see and act only inside their region).

The registry is the county office's: it loads and corrects households, imports exports and
region codes (and the services, as `system`, read it). Every officer reads households of
their own region (masked). Home visits (一月一排查) are recorded by the village cadres, work
teams and township officers of the household's region, and the county office; the coverage
of a region is for those inside it. The household's own declaration form and its QR code stay
open: households have no account.
"""

from __future__ import annotations

from shouwang_kit.auth import Officer, require_role, require_scope

REGISTRY_KEEPERS = frozenset({"county_office", "system"})
VISITORS = frozenset({"village_cadre", "work_team", "township_officer", "county_office"})
CASE_WORKERS = VISITORS | {"system"}  # who reads a declaration (and its photos)


def registry_keeper(officer: Officer) -> Officer:
    """The officer, when they may change the registry; else 403."""
    return require_role(officer, REGISTRY_KEEPERS, "只有县乡村振兴局可以维护农户信息库")


def visitor(officer: Officer) -> Officer:
    """The officer, when they may record home visits; else 403."""
    return require_role(
        officer, VISITORS, "只有村干部、驻村工作队、乡镇干部和县乡村振兴局可以登记走访"
    )


def case_worker(officer: Officer) -> Officer:
    """The officer, when they may read households' declarations; else 403."""
    return require_role(officer, CASE_WORKERS, "只有办理案件的干部可以查看农户的申报")


def in_scope(officer: Officer, region_code: str, what: str = "该农户") -> None:
    """403 unless `region_code` lies inside the officer's region (`what`: 该农户, 该区域, …)."""
    require_scope(officer, region_code, f"{what}不在您负责的区域内")
