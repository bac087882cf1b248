"""Officers and their scope: who is asking, and which regions they may see and act in.

Officers carry a signed bearer token (JWT, HS256, `SHOUWANG_AUTH_KEY`) naming their id, role and
region; a service checks it without calling anyone. A county office sees its county, a township
officer their township, a village cadre their village (DESIGN §5).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal, get_args

import jwt
from fastapi import Depends, Request

from shouwang_kit.web import ApiError

Role = Literal[
    "village_cadre", "work_team", "township_officer", "county_office", "agency_staff", "system"
]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_NAMES = {
    "village_cadre": "村干部",
    "work_team": "驻村工作队",
    "township_officer": "乡镇干部",
    "county_office": "县乡村振兴局",
    "agency_staff": "部门工作人员",
    "system": "系统",
}
# Who may see a household's ID numbers and phones unmasked (each time with a reason, audited):
# the township and county officers who decide and contact; village cadres and agency staff see
# them masked (PIPL: only the roles that need them).
REVEAL_ROLES = frozenset({"township_officer", "county_office"})
_SPANS = (2, 4, 6, 9, 12)  # province, city, county, township, village


def region_prefix(code: str) -> str:
    """The leading digits shared by every division inside `code` (530000000000 → 53)."""
    for start, end in reversed(list(zip((0, *_SPANS[:-1]), _SPANS, strict=True))):
        if set(code[start:end]) != {"0"}:
            return code[:end]
    return ""


class AuthError(ApiError):
    """401: no token, or a token that is expired, forged or malformed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(401, code, message, headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class Officer:
    """A person using the system, with the region they answer for."""

    officer_id: str
    name: str
    role: Role
    region_code: str

    @property
    def scope(self) -> str:
        """Region prefix of everything this officer may see."""
        return region_prefix(self.region_code)

    def may_see(self, region_code: str) -> bool:
        """True when `region_code` lies inside the officer's region."""
        return region_code.startswith(self.scope)

    @property
    def may_reveal(self) -> bool:
        """True when the role may ask to see sensitive fields unmasked (with a reason)."""
        return self.role in REVEAL_ROLES


def issue_token(officer: Officer, secret: str, *, now: datetime, ttl: timedelta) -> str:
    """A signed bearer token for an officer, valid for `ttl`."""
    claims = {
        "sub": officer.officer_id,
        "name": officer.name,
        "role": officer.role,
        "region": officer.region_code,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, secret: str) -> Officer:
    """The officer a token names; AuthError if it is expired, forged or malformed."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp"]})
    except jwt.ExpiredSignatureError:
        raise AuthError("auth.expired", "登录已过期，请重新登录") from None
    except jwt.PyJWTError:
        raise AuthError("auth.invalid", "身份凭证无效，请重新登录") from None
    role, region = claims.get("role"), str(claims.get("region", ""))
    if role not in ROLES or len(region) != 12 or not region.isdigit():
        raise AuthError("auth.invalid", "身份凭证无效，请重新登录")
    return Officer(str(claims["sub"]), str(claims.get("name", "")), role, region)


def officer_from_request(request: Request) -> Officer:
    """The calling officer (FastAPI dependency); 401 without a valid bearer token."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthError("auth.required", "请先登录（缺少 Authorization: Bearer 身份凭证）")
    secret: str = request.app.state.runtime.settings.auth_key
    return read_token(token.strip(), secret)


CurrentOfficer = Annotated[Officer, Depends(officer_from_request)]


def require_role(
    officer: Officer, roles: Collection[str], message: str, *, code: str = "role.forbidden"
) -> Officer:
    """The officer, when their role is one of `roles`; else 403 with `code` and the Chinese
    `message` saying who may."""
    if officer.role not in roles:
        raise ApiError(403, code, message)
    return officer


def require_scope(
    officer: Officer, region_code: str, message: str, *, code: str = "scope.forbidden"
) -> Officer:
    """The officer, when `region_code` lies inside their region; else 403 with `code` and the
    Chinese `message` (该案件不在您负责的区域内)."""
    if not officer.may_see(region_code):
        raise ApiError(403, code, message)
    return officer
