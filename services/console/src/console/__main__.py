"""`python -m console serve`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn

from console.app import build_app
from console.config import get_settings


def main() -> int:
    """Serve the console (the only command)."""
    if sys.argv[1:] not in ([], ["serve"]):
        print("usage: python -m console serve", file=sys.stderr)
        return 2
    settings = get_settings()
    ready = os.environ.get("SHOUWANG_READY_FILE")
    if ready:
        Path(ready).touch()
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
