"""SQL for the mail outbox."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.mail.models import MailMessage


async def add(session: AsyncSession, message: MailMessage) -> None:
    session.add(message)
    await session.flush()


async def claim_pending(session: AsyncSession, *, limit: int) -> list[MailMessage]:
    """Oldest unsent mail, locked; rows another replica holds are skipped."""
    result = await session.execute(
        select(MailMessage)
        .where(MailMessage.sent_at.is_(None), MailMessage.failed_at.is_(None))
        .order_by(MailMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars())
