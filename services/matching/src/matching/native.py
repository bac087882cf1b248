"""The linker compiled with mypyc, used only when it was built from these very sources.

Resolving a warning is pure Python on the consumer's one thread; compiled, the linker takes a
third less time (bench/matching_consumer.py, docs/matching.md). `make setup` (so `make run`
and `make test`) builds it: `python -m matching.native build`, which writes the compiled
modules beside their sources and a manifest of the sources' SHA-256.

A compiled module beside its source is what Python imports, even after the source is edited.
So `matching.domain` calls `guard()` first: unless every compiled module's source is the one
in the manifest, all of them are imported from source (they call each other directly once
compiled, so it is all or none). `MATCHING_NATIVE=0` imports them from source regardless.
Without a C compiler the build says so and the service runs the same linker, interpreted.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType

# Leaves first: what each one imports of the others is compiled with it.
COMPILED = (
    "matching.domain.resolution",
    "matching.domain.linker.keys",
    "matching.domain.linker.scoring",
    "matching.domain.linker.index",
)
SRC = Path(__file__).resolve().parent.parent  # services/matching/src
MANIFEST = Path(__file__).resolve().parent / "native.json"
_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def source_of(module: str) -> Path:
    """The .py file of a module of this package."""
    return SRC.joinpath(*module.split(".")).with_suffix(".py")


def compiled_of(module: str) -> Path:
    """Where its compiled form is (this interpreter's extension suffix)."""
    return SRC.joinpath(*module.split(".")).with_suffix(_SUFFIX)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def why_interpreted(environ: Mapping[str, str] = os.environ) -> str | None:
    """Why the linker runs interpreted (None: the compiled modules are used)."""
    if environ.get("MATCHING_NATIVE", "1") == "0":
        return "MATCHING_NATIVE=0"
    if not MANIFEST.exists():
        return "not built (python -m matching.native build)"
    try:
        manifest = json.loads(MANIFEST.read_text())
        built, shared = manifest["sources"], manifest["library"]
    except (ValueError, KeyError, TypeError):
        return f"unreadable manifest {MANIFEST.name}"
    for module in COMPILED:
        if not compiled_of(module).exists():
            return f"{module} is not compiled for this Python"
        if built.get(module) != _digest(source_of(module)):
            return f"{module} changed since it was compiled (python -m matching.native build)"
    try:  # mypyc's library holds the compiled code: one that cannot load is not used
        if not shared:
            raise ImportError("no library in the manifest")
        importlib.import_module(shared)
    except ImportError as exc:
        return f"the compiled linker cannot be loaded ({exc})"
    return None


class _FromSource(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' sources ahead of the compiled files beside them."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED:
            return None
        return importlib.util.spec_from_file_location(fullname, source_of(fullname))


@cache  # once per process: the first call decides, later ones say what it decided
def guard() -> str | None:
    """Make the compiled modules' sources win unless the build is theirs; returns why the
    linker runs interpreted, or None."""
    reason = why_interpreted()
    if reason is not None:
        sys.meta_path.insert(0, _FromSource())
    return reason


def in_use() -> str:
    """'compiled' or 'interpreted (why)', for start-up logs and benchmarks."""
    import matching.domain.linker.index as index  # after the guard

    if index.__file__ and index.__file__.endswith(_SUFFIX):
        return "compiled (mypyc)"
    return f"interpreted ({guard() or 'compiled modules not loaded'})"


def clean() -> None:
    """Remove compiled modules, mypyc's shared library and the manifest."""
    MANIFEST.unlink(missing_ok=True)
    for module in COMPILED:
        compiled_of(module).unlink(missing_ok=True)
    for shared in SRC.glob(f"*__mypyc{_SUFFIX}"):
        shared.unlink()
    _drop_build_files()


def _drop_build_files() -> None:
    """mypyc's C sources and its type-check cache (kept nowhere: a build starts afresh)."""
    shutil.rmtree(SRC / "build", ignore_errors=True)
    shutil.rmtree(SRC / ".mypy_cache", ignore_errors=True)


def build() -> int:
    """Compile the linker; 0 also when it cannot be (the interpreted linker is used)."""
    clean()
    sources = {module: _digest(source_of(module)) for module in COMPILED}
    paths = [str(source_of(m).relative_to(SRC)) for m in COMPILED]
    roots = []  # where mypy finds the contracts and the kit the linker imports
    for name in ("shouwang_proto", "shouwang_kit"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            roots.append(str(Path(spec.origin).parent.parent))
    done = subprocess.run(
        [sys.executable, "-m", "mypyc", *paths],
        cwd=SRC,
        env={**os.environ, "MYPYPATH": os.pathsep.join(roots)},
        capture_output=True,
        text=True,
        check=False,
    )
    _drop_build_files()
    libraries = [p.name.split(".")[0] for p in SRC.glob(f"*__mypyc{_SUFFIX}")]
    if (
        done.returncode != 0
        or len(libraries) != 1
        or not all(compiled_of(m).exists() for m in COMPILED)
    ):
        clean()
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        print(
            "matching: the linker could not be compiled with mypyc; the service and the CLI "
            f"run it interpreted (same results, slower).\n{tail}",
            file=sys.stderr,
        )
        return 0
    manifest = {"sources": sources, "library": libraries[0]}
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"matching: linker compiled with mypyc ({len(COMPILED)} modules)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m matching.native build | clean | status`."""
    command = (list(argv) if argv is not None else sys.argv[1:]) or ["status"]
    if command[0] == "build":
        return build()
    if command[0] == "clean":
        clean()
        return 0
    if command[0] == "status":
        guard()
        print(f"matching linker: {in_use()}")
        return 0
    print("usage: python -m matching.native build | clean | status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
