"""What every service's Alembic env.py does, written once."""

import asyncio

from alembic import context
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# Any constant works: each service migrates its own database, so keys never collide.
MIGRATION_LOCK_KEY = 2026112201


def _run(connection: Connection, metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        # Replicas starting together queue here; the later ones then find head applied.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


async def _run_online(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run, metadata)
    finally:
        await engine.dispose()


def run_env(metadata: MetaData, default_url: str) -> None:
    """Entry point for env.py: online only; the URL comes from the service, or its settings
    when run from the alembic CLI."""
    url = context.config.get_main_option("sqlalchemy.url") or default_url
    asyncio.run(_run_online(url, metadata))
