"""The operator's domain blocks: `uv run python -m federation.domain_blocks block|unblock|list
[domain]`. A block drops the domain's inbound activities (403) and its queued deliveries.
A command beside main, not inside `domains/`: it drives both `domains` and `delivery`,
and `delivery` sits above `domains` (it checks blocks when it queues and sends)."""

import argparse
import asyncio

from common.db import create_engine, create_sessionmaker, transaction
from federation.config import get_settings
from federation.delivery.service import drop_blocked
from federation.domains import repository


async def run(command: str, domain: str | None) -> str:
    engine = create_engine(get_settings().database_url, pool_size=1)
    try:
        async with transaction(create_sessionmaker(engine)) as session:
            if command == "list":
                return "\n".join(b.domain for b in await repository.blocked_domains(session))
            assert domain
            if command == "block":
                await repository.block(session, domain=domain)
                # What was queued for it goes too: nothing is delivered to a blocked domain.
                dropped = await drop_blocked(session)
                name = repository.normalize(domain)
                return f"blocked {name}, {dropped} queued deliveries dropped"
            removed = await repository.unblock(session, domain=domain)
            return f"unblocked {domain}" if removed else f"{domain} was not blocked"
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m federation.domain_blocks")
    parser.add_argument("command", choices=["block", "unblock", "list"])
    parser.add_argument("domain", nargs="?")
    args = parser.parse_args()
    if args.command != "list" and not args.domain:
        parser.error("block and unblock name a domain")
    print(asyncio.run(run(args.command, args.domain)))


if __name__ == "__main__":
    main()
