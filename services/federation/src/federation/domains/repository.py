"""Domain blocks: a blocked domain covers its subdomains too, as in Mastodon."""

from collections.abc import Collection, Sequence

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from common.db import affected
from federation.domains.models import DomainBlock


def normalize(domain: str) -> str:
    """A domain as blocks name it: lower-case, no port, no trailing dot."""
    return domain.strip().lower().rsplit(":", 1)[0].rstrip(".") if domain else ""


def _suffixes(host: str) -> list[str]:
    """`a.b.example` → a.b.example, b.example, example."""
    labels = normalize(host).split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


async def is_blocked(session: AsyncSession, host: str) -> bool:
    query = select(exists().where(DomainBlock.domain.in_(_suffixes(host))))
    return bool(await session.scalar(query))


async def blocked_hosts(session: AsyncSession, hosts: Collection[str]) -> set[str]:
    """Those of `hosts` that a block covers, in one query (a fan-out names a thousand)."""
    suffixes = {host: _suffixes(host) for host in hosts}
    wanted = {suffix for names in suffixes.values() for suffix in names}
    if not wanted:
        return set()
    query = select(DomainBlock.domain).where(DomainBlock.domain.in_(wanted))
    blocked = set(await session.scalars(query))
    return {host for host, names in suffixes.items() if blocked.intersection(names)}


async def block(session: AsyncSession, *, domain: str) -> None:
    await session.execute(
        insert(DomainBlock).values(domain=normalize(domain)).on_conflict_do_nothing()
    )


async def unblock(session: AsyncSession, *, domain: str) -> bool:
    result = await session.execute(
        delete(DomainBlock).where(DomainBlock.domain == normalize(domain))
    )
    return affected(result) > 0


async def blocked_domains(session: AsyncSession) -> Sequence[DomainBlock]:
    return (await session.scalars(select(DomainBlock).order_by(DomainBlock.domain))).all()
