"""Block and mute rules. A block ends the follows both ways and withdraws what each was
notified of by the other; a mute withdraws only the muter's notifications from the muted.
What a block then refuses is checked where profiles meet: profiles.service.ensure_not_blocked."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError
from common.pagination import Page, PageRequest
from social.federation_events import service as federation_events
from social.follows import repository as follows
from social.links import Links
from social.models import Profile, RestrictionKind
from social.notifications import service as notifications
from social.profiles import repository as profiles
from social.profiles.schemas import AuthorRead
from social.profiles.service import author_read
from social.restrictions import repository


async def restrict(
    *, session: AsyncSession, owner_id: uuid.UUID, target: Profile, kind: RestrictionKind
) -> None:
    """Block or mute a user; a repeat changes nothing."""
    if owner_id == target.id:
        raise ApiError(f"You cannot {kind.value} yourself", code=f"cannot_{kind.value}_self")
    # The pair's profile rows, as a follow takes them: a follow racing this block either
    # lands first (and is removed below) or sees the block.
    await profiles.lock_pair(session, owner_id, target.id)
    if not await repository.insert_new(session, owner_id=owner_id, target_id=target.id, kind=kind):
        return
    await notifications.withdraw_all_to(session=session, recipient_id=owner_id, actor_id=target.id)
    if kind is RestrictionKind.block:
        await notifications.withdraw_all_to(
            session=session, recipient_id=target.id, actor_id=owner_id
        )
        for follower_id, followee_id in ((owner_id, target.id), (target.id, owner_id)):
            if await follows.delete_edge(session, follower_id=follower_id, followee_id=followee_id):
                await follows.add_counts(
                    session, follower_id=follower_id, followee_id=followee_id, delta=-1
                )
            # A pending request too: approving it later (or going public) would follow.
            await follows.delete_request(session, requester_id=follower_id, target_id=followee_id)
        await federation_events.block_changed(
            session, owner_id=owner_id, target=target, blocked=True
        )
        await session.refresh(target)


async def unrestrict(
    *, session: AsyncSession, owner_id: uuid.UUID, target: Profile, kind: RestrictionKind
) -> None:
    """Unblock or unmute a user; one not blocked or muted changes nothing."""
    removed = await repository.delete_one(
        session, owner_id=owner_id, target_id=target.id, kind=kind
    )
    if removed and kind is RestrictionKind.block:
        await federation_events.block_changed(
            session, owner_id=owner_id, target=target, blocked=False
        )


async def list_restricted(
    *,
    session: AsyncSession,
    owner_id: uuid.UUID,
    kind: RestrictionKind,
    page: PageRequest[uuid.UUID],
    links: Links,
) -> Page[AuthorRead]:
    """The users the owner blocks (or mutes), most recent first."""
    rows = await repository.list_targets(
        session, owner_id=owner_id, kind=kind, after=page.after, limit=page.limit + 1
    )
    return page.page(rows, key=lambda row: row[0], item=lambda row: author_read(row[1], links))
