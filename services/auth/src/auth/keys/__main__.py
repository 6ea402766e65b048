"""Operator commands for signing keys, with the service's own settings:

uv run python -m auth.keys rotate
"""

import argparse
import asyncio

from auth.config import get_settings
from auth.crypto import SecretBox
from auth.keys.service import rotate_signing_key
from auth.main import MIGRATIONS
from common.db import create_engine, create_sessionmaker, migrate, transaction


async def rotate() -> str:
    settings = get_settings()
    # Same schema the service would run with, even before its first start.
    await migrate(settings.database_url, MIGRATIONS)
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            key = await rotate_signing_key(
                session=session, box=SecretBox(settings.encryption_key.get_secret_value())
            )
            return key.kid
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m auth.keys", description=__doc__)
    parser.add_argument("command", choices=["rotate"])
    parser.parse_args()
    print(f"new signing key: {asyncio.run(rotate())}")


if __name__ == "__main__":
    main()
