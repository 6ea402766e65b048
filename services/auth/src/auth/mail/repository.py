"""SQL for the mail outbox."""

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.mail.models import MailMessage


async def add(session: AsyncSession, message: MailMessage) -> None:
    session.add(message)
    await session.flush()


async def claim_pending(session: AsyncSession, *, limit: int) -> list[MailMessage]:
    """Oldest waiting mail, locked; rows another replica holds are skipped."""
    result = await session.execute(
        select(MailMessage)
        .where(MailMessage.failed_at.is_(None))
        .order_by(MailMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars())


async def remove(session: AsyncSession, message: MailMessage) -> None:
    await session.delete(message)


async def forget_address(session: AsyncSession, address: str) -> None:
    """Drop every mail to `address`, sent or not (its account is being deleted)."""
    await session.execute(
        delete(MailMessage).where(func.lower(MailMessage.to_address) == address.lower())
    )
