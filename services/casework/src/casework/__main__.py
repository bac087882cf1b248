"""`python -m casework serve|migrate|relay`."""

from shouwang_kit.cli import run_service

from casework.adapters.tables import outbox
from casework.bootstrap import MIGRATIONS, SCHEMA, build_app
from casework.config import get_settings

if __name__ == "__main__":
    run_service(
        service="casework",
        settings=get_settings(),
        schema=SCHEMA,
        migrations=MIGRATIONS,
        build_app=build_app,
        outbox=outbox,
    )
