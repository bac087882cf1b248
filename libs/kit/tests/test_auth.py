from datetime import UTC, datetime, timedelta

import pytest
from shouwang_kit.auth import (
    AuthError,
    Officer,
    issue_token,
    read_token,
    region_prefix,
    require_role,
    require_scope,
)
from shouwang_kit.web import ApiError

NOW = datetime.now(UTC)
SECRET = "a-test-signing-key-of-at-least-32-bytes"
TOWNSHIP = Officer("o-1", "段志华", "township_officer", "532929101000")


def test_scopes_follow_the_region_level() -> None:
    assert region_prefix("532929000000") == "532929"
    assert region_prefix("532929101000") == "532929101"
    assert region_prefix("532929101001") == "532929101001"
    assert region_prefix("530000000000") == "53"
    assert TOWNSHIP.may_see("532929101002")
    assert not TOWNSHIP.may_see("532929102001")


def test_a_token_round_trips_and_a_forged_or_expired_one_is_refused() -> None:
    token = issue_token(TOWNSHIP, SECRET, now=NOW, ttl=timedelta(hours=8))
    assert read_token(token, SECRET) == TOWNSHIP
    with pytest.raises(AuthError) as forged:
        read_token(token, SECRET[::-1])
    assert forged.value.code == "auth.invalid" and forged.value.status == 401
    old = issue_token(TOWNSHIP, SECRET, now=NOW - timedelta(days=2), ttl=timedelta(hours=8))
    with pytest.raises(AuthError) as expired:
        read_token(old, SECRET)
    assert expired.value.code == "auth.expired"


def test_a_role_not_allowed_is_refused_with_the_code_and_message_given() -> None:
    county = Officer("c1", "王科长", "county_office", "532929000000")
    township = Officer("t1", "李干部", "township_officer", "532929101000")
    assert require_role(county, {"county_office"}, "只有县乡村振兴局可以") is county
    with pytest.raises(ApiError) as refused:
        require_role(township, {"county_office"}, "只有县乡村振兴局可以")
    assert (refused.value.status, refused.value.code) == (403, "role.forbidden")
    with pytest.raises(ApiError) as named:
        require_role(township, {"county_office"}, "m", code="review.forbidden")
    assert named.value.code == "review.forbidden"


def test_require_scope_refuses_a_region_outside_the_officers() -> None:
    township = Officer("t-1", "乡镇干部", "township_officer", "532929101000")
    assert require_scope(township, "532929101001", "该农户不在您负责的区域内") is township
    with pytest.raises(ApiError) as refused:
        require_scope(township, "532929102003", "该农户不在您负责的区域内")
    assert (refused.value.status, refused.value.code) == (403, "scope.forbidden")
    assert refused.value.message == "该农户不在您负责的区域内"
