"""SQL for the password reset requests waiting for their answer."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from auth.credentials.models import PasswordResetRequest


async def add_reset_request(session: AsyncSession, request: PasswordResetRequest) -> None:
    session.add(request)
    await session.flush()


async def claim_reset_requests(session: AsyncSession, *, limit: int) -> list[PasswordResetRequest]:
    """Oldest requests, locked; rows another replica holds are skipped."""
    result = await session.execute(
        select(PasswordResetRequest)
        .order_by(PasswordResetRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(result.scalars())


async def remove(session: AsyncSession, request: PasswordResetRequest) -> None:
    await session.delete(request)
    await session.flush()
