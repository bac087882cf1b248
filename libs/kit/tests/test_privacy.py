"""Personal data never reaches logs or screens in clear."""

from __future__ import annotations

import json

import structlog
from shouwang_kit.logs import configure_logging, redact
from shouwang_kit.pii import keyed_hash, mask_id_number, mask_name, mask_phone


def test_masks() -> None:
    assert mask_name("李玉兰") == "李**"
    assert mask_name("张三") == "张*"
    assert mask_id_number("532929196803150024") == "532929***********4"
    assert mask_phone("13987650001") == "139****0001"


def test_keyed_hash_is_stable_and_depends_on_the_secret() -> None:
    assert keyed_hash("k1", "532929196803150024") == keyed_hash("k1", "532929196803150024")
    assert keyed_hash("k1", "532929196803150024") != keyed_hash("k2", "532929196803150024")
    assert "532929196803150024" not in keyed_hash("k1", "532929196803150024")


def test_redact_masks_id_numbers_and_mobiles_inside_text() -> None:
    text = redact("person 53292919680315002X called from 13987650001 about 2026-11-23")
    assert "53292919680315002X" not in text
    assert "13987650001" not in text
    assert "2026-11-23" in text


def test_log_lines_never_carry_raw_id_or_phone(capsys: object) -> None:
    configure_logging("test", "INFO")
    structlog.get_logger("t").info(
        "warning.received", detail="id 532929196803150024", phones=["13987650001"]
    )
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    line = json.loads(out.strip().splitlines()[-1])
    assert line["event"] == "warning.received"
    assert "532929196803150024" not in out
    assert "13987650001" not in out
