"""Account deletion in media: every object under the user's prefix in S3, then every row
and the quota. Objects go first: a failure after them leaves rows that a redelivered
event deletes, never objects that no row names. Applying it twice changes nothing."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.ids import UserId
from media.images import repository as images
from media.images.service import owner_prefix
from media.quota import repository as quota
from media.storage import ObjectStore


async def delete_account(*, session: AsyncSession, objects: ObjectStore, owner_id: UserId) -> None:
    """Remove the user's images and usage (common.deleted_users remembers its id)."""
    # Every key under the prefix, not only those rows name: an upload cut short by a crash
    # leaves objects without a row.
    keys = await objects.list_keys(owner_prefix(owner_id))
    if keys:
        await objects.remove(keys)
    await images.delete_all_of(session, owner_id)
    await quota.delete_usage(session, owner_id)
