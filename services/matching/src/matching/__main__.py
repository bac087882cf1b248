"""`python -m matching serve|migrate|relay`."""

from shouwang_kit.cli import run_service

from matching.adapters.tables import outbox
from matching.bootstrap import MIGRATIONS, SCHEMA, build_app
from matching.config import get_settings

if __name__ == "__main__":
    run_service(
        service="matching",
        settings=get_settings(),
        schema=SCHEMA,
        migrations=MIGRATIONS,
        build_app=build_app,
        outbox=outbox,
    )
