"""The compiled linker (`matching.native`): used only when built from the sources beside it,
and deciding exactly as the interpreted one."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from matching import native

from bench.linkage_data import LINK_ARGUMENTS, link_arguments, write_county

CLI = [sys.executable, *LINK_ARGUMENTS]
NOT_BUILT = native.why_interpreted({})  # why not, or None when built
needs_build = pytest.mark.skipif(
    NOT_BUILT is not None, reason=f"linker not compiled here: {NOT_BUILT}"
)


def _in_use(src: Path, **env: str) -> str:
    """`native.in_use()` in a fresh interpreter importing matching from `src`."""
    done = subprocess.run(
        [sys.executable, "-c", "from matching import native; print(native.in_use())"],
        env={**os.environ, "PYTHONPATH": str(src), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@needs_build
def test_the_service_runs_the_compiled_linker_when_built() -> None:
    assert _in_use(native.SRC) == "compiled (mypyc)"
    assert _in_use(native.SRC, MATCHING_NATIVE="0") == "interpreted (MATCHING_NATIVE=0)"


def _built_copy(tmp_path: Path) -> Path:
    """A copy of the built package (sources, compiled modules, manifest, mypyc's library)."""
    src = tmp_path / "src"
    shutil.copytree(native.SRC / "matching", src / "matching")
    for shared in native.SRC.glob("*__mypyc*"):
        shutil.copy(shared, src)
    return src


@needs_build
def test_an_edited_source_wins_over_its_compiled_module(tmp_path: Path) -> None:
    src = _built_copy(tmp_path)
    assert _in_use(src) == "compiled (mypyc)"
    keys = src / "matching" / "domain" / "linker" / "keys.py"
    keys.write_text(keys.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert _in_use(src) == (
        "interpreted (matching.domain.linker.keys changed since it was compiled"
        " (python -m matching.native build))"
    )


@needs_build
def test_a_compiled_linker_that_cannot_load_is_not_used(tmp_path: Path) -> None:
    src = _built_copy(tmp_path)
    for shared in src.glob("*__mypyc*"):
        shared.write_bytes(b"not a shared library")  # e.g. built on another machine
    assert _in_use(src).startswith("interpreted (the compiled linker cannot be loaded")


@needs_build
def test_compiled_and_interpreted_linkers_decide_alike(tmp_path: Path) -> None:
    write_county(tmp_path, 4_000, 1_500, seeds=(7, 8))
    outputs = []
    for setting in ("1", "0"):
        out = f"OUT-{setting}.csv"
        subprocess.run(
            [*CLI, *link_arguments(tmp_path, out)],
            env={**os.environ, "MATCHING_NATIVE": setting},
            capture_output=True,
            check=True,
        )
        outputs.append((tmp_path / out).read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    assert outputs[0].count("\n") == 1_501  # header and every warning
