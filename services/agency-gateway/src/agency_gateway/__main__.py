"""`python -m agency_gateway serve|migrate|relay`."""

from shouwang_kit.cli import run_service

from agency_gateway.adapters.tables import outbox
from agency_gateway.bootstrap import MIGRATIONS, SCHEMA, build_app
from agency_gateway.config import get_settings

if __name__ == "__main__":
    run_service(
        service="agency-gateway",
        settings=get_settings(),
        schema=SCHEMA,
        migrations=MIGRATIONS,
        build_app=build_app,
        outbox=outbox,
    )
