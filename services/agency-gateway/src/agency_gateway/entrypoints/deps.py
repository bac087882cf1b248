"""Request dependencies: the runtime, the calling agency (API key) and its rate limit."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from shouwang_kit.runtime import ServiceRuntime
from shouwang_kit.web import ApiError

from agency_gateway.adapters.api_keys import ApiKeyStore
from agency_gateway.adapters.limits import RateLimiter


def get_runtime(request: Request) -> ServiceRuntime:
    """The service runtime (database sessions, outbox relay)."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def current_agency(
    request: Request,
    x_api_key: Annotated[
        str | None, Header(description="部门接口密钥（由县乡村振兴局发放）")
    ] = None,
) -> str:
    """The agency whose key is in X-Api-Key (401 otherwise), within its rate limit (429)."""
    store: ApiKeyStore = request.app.state.api_keys
    if not x_api_key:
        raise ApiError(401, "auth.missing_key", "缺少 X-Api-Key 请求头（部门接口密钥）")
    agency = await store.agency_for(x_api_key)
    if agency is None:
        raise ApiError(401, "auth.invalid_key", "接口密钥无效或已停用，请联系县乡村振兴局")
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.check(agency)
    if wait is not None:
        raise ApiError(
            429,
            "rate.limited",
            f"请求过于频繁，每分钟最多{request.app.state.settings.rate_limit_per_minute}次，"
            f"请{int(wait)}秒后重试",
            headers={"Retry-After": str(int(wait))},
        )
    return agency


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]
CurrentAgency = Annotated[str, Depends(current_agency)]
