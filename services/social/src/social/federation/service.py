"""Federation rules on social's side: what a local user, post or comment looks like to the
fediverse, and what arrived from it applied as the same rules as local actions (a remote
follow is a follow, a remote like a like, a reply a comment), so feeds, notifications,
blocks and mutes treat remote accounts as they treat anyone."""

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from common.errors import ApiError, Forbidden, NotFound
from common.pagination import PageRequest
from social.accounts import service as accounts
from social.clients.media import MediaClient, MediaInfo
from social.comments import service as comments
from social.federation import repository
from social.federation.schemas import (
    FedImage,
    FedMention,
    FedPeoplePage,
    FedPerson,
    FedPost,
    FedUser,
    FollowAnswer,
    FollowState,
    LocalStats,
    RemoteAccount,
    RemoteFollow,
    RemoteObject,
    RemoteObjectStored,
)
from social.federation_events import repository as federation_events
from social.follows import service as follows
from social.links import Links
from social.mastodon.statuses import content_html
from social.media_deletions import repository as media_deletions
from social.models import (
    ALT_MAX_LENGTH,
    BIO_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    CONTENT_MAX_LENGTH,
    SPOILER_TEXT_MAX_LENGTH,
    Comment,
    Post,
    Profile,
    ReactionKind,
)
from social.posts import repository as posts
from social.posts import service as posts_service
from social.posts.repository import RemoteOrigin
from social.posts.schemas import PostUpdate
from social.profiles.schemas import FollowStatus
from social.reactions import service as reactions

# A Note id of ours: {public_url}/users/{username}/statuses/{post or comment id}.
_NOTE_PATH = re.compile(r"/users/[^/]+/statuses/([0-9a-fA-F-]{36})")
# blurhash is a short string; anything longer is not one (post_image keeps 64).
_BLURHASH_MAX = 64


def note_id(public_url: str, username: str, object_id: uuid.UUID) -> str:
    return f"{public_url}/users/{username}/statuses/{object_id}"


async def _local_user(session: AsyncSession, username: str) -> Profile:
    profile = await repository.local_user(session, username)
    if profile is None:
        raise NotFound("No local user by that name", code="profile_not_found")
    return profile


async def _remote_account(session: AsyncSession, actor_uri: str) -> Profile:
    profile = await repository.remote_account(session, actor_uri)
    if profile is None:
        raise NotFound("No remote account of that actor", code="profile_not_found")
    return profile


# Reads: what federation writes out as actors, Notes and collections.


async def user(*, session: AsyncSession, username: str, links: Links) -> FedUser:
    profile = await _local_user(session, username)
    return FedUser(
        id=profile.id,
        username=profile.username,
        bio=profile.bio,
        avatar_url=links.avatar(profile.avatar_media_id),
        is_private=profile.is_private,
        created_at=profile.created_at,
        posts_count=profile.posts_count,
        followers_count=profile.followers_count,
        following_count=profile.following_count,
    )


async def _fed_posts(
    session: AsyncSession, rows: Sequence[Row[Post, str, bool]], links: Links
) -> list[FedPost]:
    ids = [post.id for post, _, _ in rows]
    images: dict[uuid.UUID, list[FedImage]] = defaultdict(list)
    for image in await repository.images(session, ids):
        images[image.post_id].append(
            FedImage(
                url=links.image(image.media_id),
                media_type=image.media_type,
                alt=image.alt,
                width=image.width,
                height=image.height,
                blurhash=image.blurhash,
            )
        )
    tags: dict[uuid.UUID, list[str]] = defaultdict(list)
    for post_id, tag in await repository.tags(session, ids):
        tags[post_id].append(tag)
    mentioned = await repository.mentions(session, post_ids=ids)
    return [
        FedPost(
            id=post.id,
            kind="post",
            author_username=username,
            created_at=post.created_at,
            edited_at=post.edited_at,
            content_html=content_html(
                post.caption,
                tags=tags[post.id],
                mentions={
                    name.casefold(): id for owner, id, name, _ in mentioned if owner == post.id
                },
                links=links,
            ),
            text=post.caption,
            sensitive=post.sensitive,
            spoiler_text=post.spoiler_text,
            visibility="followers" if is_private else "public",
            images=images[post.id],
            tags=tags[post.id],
            mentions=[
                FedMention(username=name, actor_uri=actor_uri)
                for owner, _, name, actor_uri in mentioned
                if owner == post.id
            ],
            in_reply_to=None,
            post_id=post.id,
        )
        for post, username, is_private in rows
    ]


async def posts_of(
    *, session: AsyncSession, username: str, page: PageRequest[uuid.UUID], links: Links
) -> tuple[list[FedPost], str | None]:
    """A public local user's posts, newest first (a private one's: 404, its outbox is
    for nobody to page through)."""
    profile = await _local_user(session, username)
    if profile.is_private:
        raise NotFound("No public user by that name", code="profile_not_found")
    rows = await repository.posts(
        session, author_id=profile.id, before=page.after, limit=page.limit + 1
    )
    shown, next_cursor = page.cut(rows, key=lambda row: row[0].id)
    return await _fed_posts(session, shown, links), next_cursor


async def local_object(
    *, session: AsyncSession, object_id: uuid.UUID, public_url: str, links: Links
) -> FedPost:
    """A local post or a local user's comment, as its Note."""
    rows = await repository.posts(session, post_id=object_id)
    if rows and rows[0][0].uri is None:
        (found,) = await _fed_posts(session, rows[:1], links)
        return found
    row = await repository.comment(session, object_id)
    if row is None:
        raise NotFound("No local post or comment by that id", code="object_not_found")
    comment, author, post_uri, post_author, post_private = row
    mentioned = await repository.mentions(session, comment_id=comment.id)
    return FedPost(
        id=comment.id,
        kind="comment",
        author_username=author,
        created_at=comment.created_at,
        edited_at=None,
        content_html=content_html(
            comment.content,
            tags=[],
            mentions={name.casefold(): id for _, id, name, _ in mentioned},
            links=links,
        ),
        text=comment.content,
        sensitive=False,
        spoiler_text="",
        visibility="followers" if post_private else "public",
        images=[],
        tags=[],
        mentions=[FedMention(username=name, actor_uri=uri) for _, _, name, uri in mentioned],
        in_reply_to=post_uri or note_id(public_url, post_author, comment.post_id),
        post_id=comment.post_id,
    )


async def people(
    *,
    session: AsyncSession,
    username: str,
    side: Literal["followers", "following"],
    page: PageRequest[uuid.UUID],
) -> FedPeoplePage:
    """A local user's followers or followees, local and remote, newest first."""
    profile = await _local_user(session, username)
    rows = await repository.people(
        session, user_id=profile.id, side=side, after=page.after, limit=page.limit + 1
    )
    shown, next_cursor = page.cut(rows, key=lambda row: row[0])
    total = profile.followers_count if side == "followers" else profile.following_count
    return FedPeoplePage(
        items=[FedPerson(actor_uri=uri, username=name) for _, uri, name in shown],
        total=total,
        next_cursor=next_cursor,
    )


async def stats(*, session: AsyncSession) -> LocalStats:
    users, local_posts = await repository.local_counts(session)
    return LocalStats(users=users, posts=local_posts)


async def remote_followers(*, session: AsyncSession, username: str) -> list[str]:
    profile = await _local_user(session, username)
    return await federation_events.remote_followers(session, profile.id)


# Writes: what arrived from other servers.


async def store_remote_account(*, session: AsyncSession, account: RemoteAccount) -> uuid.UUID:
    """Create or refresh the profile of a remote actor."""
    return await repository.upsert_remote_account(
        session,
        actor_uri=account.actor_uri,
        username=account.username,
        bio=account.bio[:BIO_MAX_LENGTH],
        avatar_media_id=account.avatar_media_id,
        is_private=account.manually_approves,
    )


async def delete_remote_account(*, session: AsyncSession, actor_uri: str) -> None:
    """A remote account is gone: its profile and all it made go as a deleted local
    account's do; the images media holds for it are queued for deletion (no users event
    will tell media). An unknown actor is already gone."""
    profile = await repository.remote_account(session, actor_uri)
    if profile is None:
        return
    media_ids = await repository.media_of(session, profile.id)
    if profile.avatar_media_id is not None:
        media_ids.append(profile.avatar_media_id)
    await accounts.delete_account(session=session, user_id=profile.id)
    for media_id in dict.fromkeys(media_ids):
        await media_deletions.add(
            session, media_id=media_id, owner_id=profile.id, delay=timedelta(0)
        )


async def _replied_post(session: AsyncSession, in_reply_to: str, public_url: str) -> Post | None:
    """The post a reply answers: ours by its Note id, or a remote one by its uri; a reply
    to a comment answers the comment's post."""
    own = in_reply_to.startswith(f"{public_url}/") and _NOTE_PATH.fullmatch(
        in_reply_to.removeprefix(public_url)
    )
    if own:
        object_id = uuid.UUID(own.group(1))
        post = await session.get(Post, object_id)
        comment = None if post is not None else await session.get(Comment, object_id)
    else:
        post = await repository.post_by_uri(session, in_reply_to)
        comment = (
            None if post is not None else await repository.comment_by_uri(session, in_reply_to)
        )
    if comment is not None:
        post = await session.get(Post, comment.post_id)
    return post


async def store_remote_object(
    *,
    session: AsyncSession,
    note: RemoteObject,
    public_url: str,
    media: MediaClient,
) -> RemoteObjectStored:
    """A remote Note: the same uri again is an edit; a reply to a post we know is a
    comment on it; anything else a post, which needs an image (posts here are photos)."""
    author = await _remote_account(session, note.actor_uri)
    if (post := await repository.post_by_uri(session, note.uri)) is not None:
        _ensure_author(post.author_id, author)
        await _edit_remote_post(session=session, post=post, note=note)
        return RemoteObjectStored(kind="post", id=post.id)
    if (comment := await repository.comment_by_uri(session, note.uri)) is not None:
        _ensure_author(comment.author_id, author)
        comment.content = _comment_text(note)
        await session.flush()
        return RemoteObjectStored(kind="comment", id=comment.id)
    parent = note.in_reply_to and await _replied_post(session, note.in_reply_to, public_url)
    if parent:
        # A followers-only post is not there for a remote account that does not follow.
        if not await posts.may_see(session, author.id, parent):
            raise NotFound("Post not found", code="post_not_found")
        comment = await comments.write_comment(
            session=session,
            post=parent,
            author_id=author.id,
            content=_comment_text(note),
            uri=note.uri,
        )
        return RemoteObjectStored(kind="comment", id=comment.id)
    if not note.images:
        raise ApiError("A post needs at least one image", status=422, code="no_images")
    post = await posts_service.publish(
        session=session,
        author_id=author.id,
        images=[
            MediaInfo(
                id=image.media_id,
                owner_id=author.id,
                width=image.width or 0,
                height=image.height or 0,
                blurhash=image.blurhash if len(image.blurhash or "") <= _BLURHASH_MAX else None,
                description=image.alt[:ALT_MAX_LENGTH],
                media_type=image.media_type,
            )
            for image in note.images
        ],
        caption=note.text[:CAPTION_MAX_LENGTH],
        sensitive=note.sensitive,
        spoiler_text=note.spoiler_text[:SPOILER_TEXT_MAX_LENGTH],
        media=media,
        remote=RemoteOrigin(uri=note.uri, url=note.url, published=note.published),
    )
    return RemoteObjectStored(kind="post", id=post.id)


def _ensure_author(author_id: uuid.UUID, actor: Profile) -> None:
    if author_id != actor.id:
        raise Forbidden("Only its author can change that", code="not_object_author")


def _comment_text(note: RemoteObject) -> str:
    text = note.text.strip()[:CONTENT_MAX_LENGTH]
    if not text:
        raise ApiError("A reply needs some text", status=422, code="no_text")
    return text


async def _edit_remote_post(*, session: AsyncSession, post: Post, note: RemoteObject) -> None:
    """Take what changed of the caption, the warning and the alt texts (a Create
    delivered again changes nothing and does not read as an edit)."""
    wanted = {
        "caption": note.text[:CAPTION_MAX_LENGTH],
        "sensitive": note.sensitive,
        "spoiler_text": note.spoiler_text[:SPOILER_TEXT_MAX_LENGTH],
    }
    changes = {name: value for name, value in wanted.items() if getattr(post, name) != value}
    if changes:
        await posts_service.update_post(session=session, post=post, changes=PostUpdate(**changes))
    alts = {image.media_id: image.alt[:ALT_MAX_LENGTH] for image in note.images}
    for media_id, alt in await repository.image_alts(session, post.id):
        if media_id in alts and alts[media_id] != alt:
            await posts_service.set_alt(session=session, media_id=media_id, alt=alts[media_id])


async def delete_remote_object(
    *, session: AsyncSession, uri: str, media: MediaClient, retry_after: timedelta
) -> None:
    """A remote post or reply is gone (404 when we never had it)."""
    if (post := await repository.post_by_uri(session, uri)) is not None:
        await posts_service.delete_post(
            session=session, post=post, media=media, retry_after=retry_after
        )
    elif (comment := await repository.comment_by_uri(session, uri)) is not None:
        await comments.delete_comment(session=session, comment=comment)
    else:
        raise NotFound("No remote post or reply by that uri", code="object_not_found")


async def remote_follow(*, session: AsyncSession, follow: RemoteFollow) -> FollowState:
    """A remote actor follows a local user: at once for a public account, else a
    request its owner answers (follow.approved / follow.rejected)."""
    follower = await _remote_account(session, follow.actor_uri)
    followee = await _local_user(session, follow.username)
    status = await follows.follow(session=session, follower_id=follower.id, followee=followee)
    return FollowState(state="accepted" if status is FollowStatus.following else "pending")


async def remote_unfollow(*, session: AsyncSession, actor_uri: str, username: str) -> None:
    """A remote actor's Undo of its Follow (or of its request)."""
    follower = await _remote_account(session, actor_uri)
    followee = await _local_user(session, username)
    await follows.unfollow(session=session, follower_id=follower.id, followee=followee)


async def follow_answer(*, session: AsyncSession, answer: FollowAnswer) -> None:
    """A remote account accepted a local user's request (a follow now, the user told) or
    rejected it (or ended an accepted follow): the request or the follow goes."""
    follower = await _local_user(session, answer.username)
    followee = await _remote_account(session, answer.actor_uri)
    if not answer.accepted:
        await follows.unfollow(
            session=session, follower_id=follower.id, followee=followee, tell_federation=False
        )
        return
    try:
        await follows.answer_request(
            session=session, owner_id=followee.id, requester=follower, approve=True
        )
    except NotFound:
        # Accepted again, or after the user withdrew (an Undo is on its way): nothing waits.
        return


async def remote_like(
    *, session: AsyncSession, actor_uri: str, object_id: uuid.UUID, liked: bool
) -> None:
    """A remote actor likes a local post (its author is notified), or takes it back."""
    actor = await _remote_account(session, actor_uri)
    post = await posts.get(session, object_id)
    if post is None or not await posts.may_see(session, actor.id, post):
        raise NotFound("Post not found", code="post_not_found")
    change = reactions.react if liked else reactions.unreact
    await change(session=session, post=post, user_id=actor.id, kind=ReactionKind.like)
