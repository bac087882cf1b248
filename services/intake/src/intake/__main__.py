"""`python -m intake serve|migrate|relay`."""

from shouwang_kit.cli import run_service

from intake.adapters.tables import outbox
from intake.bootstrap import MIGRATIONS, SCHEMA, build_app
from intake.config import get_settings

if __name__ == "__main__":
    run_service(
        service="intake",
        settings=get_settings(),
        schema=SCHEMA,
        migrations=MIGRATIONS,
        build_app=build_app,
        outbox=outbox,
    )
