"""`python -m notifier serve|migrate|relay`."""

from shouwang_kit.cli import run_service

from notifier.adapters.tables import outbox
from notifier.bootstrap import MIGRATIONS, SCHEMA, build_app
from notifier.config import get_settings

if __name__ == "__main__":
    run_service(
        service="notifier",
        settings=get_settings(),
        schema=SCHEMA,
        migrations=MIGRATIONS,
        build_app=build_app,
        outbox=outbox,
    )
