"""`python -m common.migrate SERVICE`: create SERVICE's database if it is missing, upgrade
it to head, and exit. A Kubernetes migration Job runs it, so that the service's replicas
(started with <PREFIX>_MIGRATE_ON_START=false) never migrate, only wait for head."""

import asyncio
import importlib
import sys

from common.db import migrate
from common.logging import configure_logging


def main(argv: list[str]) -> None:
    (service,) = argv
    settings = importlib.import_module(f"{service}.config").Settings()
    migrations = importlib.import_module(f"{service}.main").MIGRATIONS
    configure_logging(f"{service}-migrate", settings.log_level)
    asyncio.run(migrate(settings.database_url, migrations))


if __name__ == "__main__":
    main(sys.argv[1:])
