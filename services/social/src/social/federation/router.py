"""/internal/federation/...: what the federation service reads of local users, posts and
comments, and what it writes of remote accounts, posts, replies, follows and likes."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.internal import InternalCaller
from common.openapi import raises
from common.pagination import IdPageDep, Page
from social.clients.media import MediaDep
from social.federation import service
from social.federation.schemas import (
    FedPeoplePage,
    FedPost,
    FedUser,
    FollowAnswer,
    FollowState,
    LocalStats,
    RemoteAccount,
    RemoteAccountStored,
    RemoteFollow,
    RemoteFollowers,
    RemoteLike,
    RemoteObject,
    RemoteObjectStored,
)
from social.links import LinksDep
from social.media_deletions.dependencies import FirstRetryAfterDep

router = APIRouter(prefix="/internal/federation", tags=["internal"], dependencies=[InternalCaller])

ActorUri = Annotated[str, Query(min_length=1)]


def _public_url(request: Request) -> str:
    return str(request.app.state.settings.public_url).rstrip("/")


@router.get("/users/{username}")
@raises(NotFound)
async def get_user(username: str, session: SessionDep, links: LinksDep) -> FedUser:
    """A local user, for its actor (404 `profile_not_found` for a remote or unknown one)."""
    return await service.user(session=session, username=username, links=links)


@router.get("/users/{username}/posts")
@raises(NotFound)
async def get_posts(
    username: str, page: IdPageDep, session: SessionDep, links: LinksDep
) -> Page[FedPost]:
    """A public local user's posts, newest first, for its outbox."""
    items, next_cursor = await service.posts_of(
        session=session, username=username, page=page, links=links
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/objects/{object_id}")
@raises(NotFound)
async def get_object(
    object_id: uuid.UUID, request: Request, session: SessionDep, links: LinksDep
) -> FedPost:
    """A local post or a local user's comment, for its Note."""
    return await service.local_object(
        session=session, object_id=object_id, public_url=_public_url(request), links=links
    )


@router.get("/users/{username}/followers")
@raises(NotFound)
async def get_followers(username: str, page: IdPageDep, session: SessionDep) -> FedPeoplePage:
    return await service.people(session=session, username=username, side="followers", page=page)


@router.get("/users/{username}/following")
@raises(NotFound)
async def get_following(username: str, page: IdPageDep, session: SessionDep) -> FedPeoplePage:
    return await service.people(session=session, username=username, side="following", page=page)


@router.get("/stats")
async def get_stats(session: SessionDep) -> LocalStats:
    """Local users and local posts, for NodeInfo's usage."""
    return await service.stats(session=session)


@router.get("/users/{username}/remote-followers")
@raises(NotFound)
async def get_remote_followers(username: str, session: SessionDep) -> RemoteFollowers:
    """Where a local user's posts go: the actors of its accepted remote followers."""
    uris = await service.remote_followers(session=session, username=username)
    return RemoteFollowers(actor_uris=uris)


@router.put("/remote-accounts")
async def put_remote_account(account: RemoteAccount, session: SessionDep) -> RemoteAccountStored:
    """Create or refresh a remote account's profile (by its actor_uri)."""
    return RemoteAccountStored(
        id=await service.store_remote_account(session=session, account=account)
    )


@router.delete("/remote-accounts", status_code=204)
async def delete_remote_account(actor_uri: ActorUri, session: SessionDep) -> Response:
    """A remote account was deleted: its profile and everything it made go."""
    await service.delete_remote_account(session=session, actor_uri=actor_uri)
    return Response(status_code=204)


@router.put("/remote-objects")
@raises(Forbidden, NotFound, 422)
async def put_remote_object(
    note: RemoteObject, request: Request, session: SessionDep, media: MediaDep
) -> RemoteObjectStored:
    """A remote Note: a post, a reply (a comment), or an edit of either."""
    return await service.store_remote_object(
        session=session, note=note, public_url=_public_url(request), media=media
    )


@router.delete("/remote-objects", status_code=204)
@raises(NotFound)
async def delete_remote_object(
    uri: ActorUri, session: SessionDep, media: MediaDep, retry_after: FirstRetryAfterDep
) -> Response:
    await service.delete_remote_object(
        session=session, uri=uri, media=media, retry_after=retry_after
    )
    return Response(status_code=204)


@router.post("/follows")
@raises(Forbidden, NotFound)
async def post_follow(follow: RemoteFollow, session: SessionDep) -> FollowState:
    """A remote actor follows a local user (accepted at once, or pending approval)."""
    return await service.remote_follow(session=session, follow=follow)


@router.delete("/follows", status_code=204)
@raises(NotFound)
async def delete_follow(actor_uri: ActorUri, username: str, session: SessionDep) -> Response:
    """A remote actor's Undo of its Follow."""
    await service.remote_unfollow(session=session, actor_uri=actor_uri, username=username)
    return Response(status_code=204)


@router.post("/follow-answers", status_code=204)
@raises(NotFound)
async def post_follow_answer(answer: FollowAnswer, session: SessionDep) -> Response:
    """A remote account accepted or rejected a local user's Follow."""
    await service.follow_answer(session=session, answer=answer)
    return Response(status_code=204)


@router.put("/likes", status_code=204)
@raises(Forbidden, NotFound)
async def put_like(like: RemoteLike, session: SessionDep) -> Response:
    await service.remote_like(
        session=session, actor_uri=like.actor_uri, object_id=like.object_id, liked=True
    )
    return Response(status_code=204)


@router.delete("/likes", status_code=204)
@raises(NotFound)
async def delete_like(actor_uri: ActorUri, object_id: uuid.UUID, session: SessionDep) -> Response:
    await service.remote_like(
        session=session, actor_uri=actor_uri, object_id=object_id, liked=False
    )
    return Response(status_code=204)
