"""What a user has stored and may still store."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from media.quota import repository
from media.quota.schemas import QuotaRead


async def get_quota(*, session: AsyncSession, owner_id: UserId, limit_bytes: int) -> QuotaRead:
    """The owner's usage against the limit (zero for someone who never uploaded)."""
    usage = await repository.get(session, owner_id)
    return QuotaRead(
        used_bytes=usage.used_bytes if usage else 0,
        limit_bytes=limit_bytes,
        count=usage.media_count if usage else 0,
    )
