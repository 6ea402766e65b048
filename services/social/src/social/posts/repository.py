"""Post SQL, and the one query that turns a page of post ids into what a viewer sees."""

import uuid
from collections.abc import Sequence

from sqlalchemy import ARRAY, Row, Uuid, and_, any_, bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from social.posts.models import Post
from social.profiles.models import Profile
from social.reactions.models import Reaction

# Columns, not entities: a feed page is read-only and ORM identity tracking would cost
# more than the query itself.
VIEW_COLUMNS = (
    Post.id,
    Post.caption,
    Post.media_id,
    Post.created_at,
    Post.like_count,
    Post.dislike_count,
    Post.comment_count,
    Post.author_id,
    Profile.username.label("author_username"),
    Profile.avatar_media_id.label("author_avatar_media_id"),
    Reaction.kind.label("viewer_reaction"),
)

# One array parameter, so every page size shares one prepared statement.
IDS = bindparam("ids", type_=ARRAY(Uuid))
VIEWER = bindparam("viewer", type_=Uuid)

VIEW_QUERY = (
    select(*VIEW_COLUMNS)
    .join(Profile, Profile.id == Post.author_id)
    .outerjoin(Reaction, and_(Reaction.post_id == Post.id, Reaction.user_id == VIEWER))
    .where(Post.id == any_(IDS))
    .order_by(Post.id.desc())
)


async def view(
    session: AsyncSession, *, ids: Sequence[uuid.UUID], viewer_id: uuid.UUID | None
) -> Sequence[Row]:
    """Posts with author and the viewer's reaction, newest first: one query per page."""
    if not ids:
        return []
    result = await session.execute(VIEW_QUERY, {"ids": list(ids), "viewer": viewer_id})
    return result.all()


async def create(
    session: AsyncSession, *, author_id: uuid.UUID, media_id: uuid.UUID, caption: str
) -> Post:
    post = Post(author_id=author_id, media_id=media_id, caption=caption)
    session.add(post)
    await session.flush()
    return post


async def get(session: AsyncSession, post_id: uuid.UUID) -> Post | None:
    return await session.get(Post, post_id)


async def delete_post(session: AsyncSession, post: Post) -> None:
    # Reactions and comments go with it (ON DELETE CASCADE).
    await session.execute(delete(Post).where(Post.id == post.id))


async def media_in_use(session: AsyncSession, media_id: uuid.UUID) -> bool:
    """Whether another post or an avatar still shows this media."""
    in_post = exists().where(Post.media_id == media_id)
    as_avatar = exists().where(Profile.avatar_media_id == media_id)
    return bool(await session.scalar(select(in_post | as_avatar)))


async def add_counts(session: AsyncSession, *, post_id: uuid.UUID, **deltas: int) -> None:
    """Relative counter update (`like_count=+1`); the row lock it takes serialises writers."""
    values = {name: getattr(Post, name) + delta for name, delta in deltas.items() if delta}
    if values:
        await session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(values)
            .execution_options(synchronize_session=False)
        )
