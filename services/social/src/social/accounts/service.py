"""Account deletion in social: the profile, posts, comments, reactions, follows, blocks,
mutes and notifications of a deleted auth user, every counter they touched made exact
again, in one transaction. Applying it twice changes nothing."""

import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from common import deleted_users
from social.accounts import repository
from social.accounts.models import DeletedUser
from social.notifications import service as notifications
from social.restrictions import repository as restrictions


async def delete_account(
    session: AsyncSession, *, user_id: uuid.UUID, keep_id_for: timedelta
) -> None:
    """Remove everything of the user; keep only its id for `keep_id_for`, so the access
    tokens it still holds cannot make a profile again."""
    await notifications.forget_user(session, user_id=user_id)
    await repository.delete_reactions(session, user_id)
    await repository.delete_comments(session, user_id)
    await repository.delete_follows(session, user_id)
    await restrictions.delete_all_of(session, user_id)
    await repository.delete_posts(session, user_id)
    await repository.delete_profile(session, user_id)
    await deleted_users.remember(session, DeletedUser, user_id=str(user_id), keep_for=keep_id_for)
