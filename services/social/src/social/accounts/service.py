"""Account deletion in social: the profile, posts, comments, reactions, follows, blocks,
mutes and notifications of a deleted auth user, every counter they touched made exact
again, in one transaction. Applying it twice changes nothing."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from social.accounts import repository
from social.federation_events import service as federation_events
from social.notifications import service as notifications
from social.restrictions import repository as restrictions


async def delete_account(*, session: AsyncSession, user_id: uuid.UUID) -> None:
    """Remove everything of the user (common.deleted_users remembers its id meanwhile),
    a local user's remote followers told first, while the follows are there to read. A
    remote account federation said is gone goes the same way."""
    await federation_events.account_deleted(session, user_id=user_id)
    await notifications.forget_user(session=session, user_id=user_id)
    await repository.delete_reactions(session, user_id)
    await repository.delete_comments(session, user_id)
    await repository.delete_follows(session, user_id)
    await restrictions.delete_all_of(session, user_id)
    await repository.delete_posts(session, user_id)
    await repository.delete_profile(session, user_id)
