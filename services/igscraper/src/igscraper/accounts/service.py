"""Account deletion in igscraper: every analysis of the user, running ones cancelled,
their Instagram credentials wiped, their queued steps taken off the queue, their results
deleted. Applying it twice changes nothing."""

import uuid

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from igscraper.analyses import repository
from igscraper.analyses.jobs import remove_jobs
from igscraper.credentials.service import CredentialVault


async def delete_account(
    *,
    session: AsyncSession,
    redis: Redis,
    queue_name: str,
    vault: CredentialVault | None,
    owner_id: UserId,
) -> None:
    """A running step finds its analysis gone at its next checkpoint and stops there."""
    analysis_ids: list[uuid.UUID] = await repository.delete_all_of(session, owner_id)
    for analysis_id in analysis_ids:
        if vault is not None:
            await vault.wipe(analysis_id)
        await remove_jobs(redis, queue_name, analysis_id)
