"""The service's thresholds are checked when it starts."""

import pytest
from matching.config import Settings
from matching.domain.linker.config import LinkConfig
from pydantic import ValidationError


def test_thresholds_that_cannot_work_stop_the_service_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MATCHING_AUTO_AT", "5")
    monkeypatch.setenv("MATCHING_REVIEW_AT", "8")
    with pytest.raises(ValidationError, match="MATCHING_REVIEW_AT"):
        Settings()
    monkeypatch.setenv("MATCHING_REVIEW_AT", "4")
    assert Settings().review_at == 4.0  # a working pair is taken as given


def test_the_linker_refuses_thresholds_that_cannot_work() -> None:
    with pytest.raises(ValueError, match="margin"):
        LinkConfig(margin=-0.5)
    assert LinkConfig(auto_at=7, review_at=7, margin=0).auto_at == 7
