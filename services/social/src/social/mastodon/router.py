"""The Mastodon client API's accounts and instance, served by social."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel

from common.db import SessionDep
from common.errors import Forbidden, NotFound
from common.mastodon import body_openapi, mastodon_body
from common.openapi import raises
from common.read_routes import read_route
from common.reads import JSONBytes, ReadsDep
from social.clients.media import MediaDep
from social.links import LinksDep
from social.mastodon import notifications, publishing, replies, service, timelines
from social.mastodon import search as search_service
from social.mastodon.dependencies import (
    BookmarkTarget,
    FavouriteTarget,
    MaybeReadAccounts,
    MaybeReadSearch,
    MaybeReadStatuses,
    OwnStatus,
    ReadAccounts,
    ReadFollows,
    ReadNotifications,
    ReadStatuses,
    RedisDep,
    StatusDep,
    WriteBookmarks,
    WriteFavourites,
    WriteFollows,
    WriteNotifications,
    WriteStatuses,
)
from social.mastodon.paging import TimelinePageDep
from social.mastodon.schemas import (
    Account,
    Context,
    CredentialAccount,
    InstanceV1,
    InstanceV2,
    Relationship,
    SearchResults,
    Status,
    StatusCreate,
)
from social.media_deletions.dependencies import FirstRetryAfterDep
from social.profiles import repository as profiles_repository
from social.profiles.dependencies import ProfileDep
from social.tags.parsing import normalize_tag

router = APIRouter(tags=["mastodon"])
NO_NUL = r"^[^\x00]*$"  # Postgres text cannot hold a NUL


@router.get("/api/v1/instance", response_model=InstanceV1)
async def instance_v1(session: SessionDep, links: LinksDep) -> InstanceV1:
    """The instance, as Mastodon's v1 describes it (clients read its version and limits)."""
    return await service.instance_v1(session=session, links=links)


@router.get("/api/v2/instance", response_model=InstanceV2)
async def instance_v2(session: SessionDep, links: LinksDep) -> InstanceV2:
    """The instance, as Mastodon's v2 describes it."""
    return await service.instance_v2(session=session, links=links)


@router.get("/api/v1/accounts/verify_credentials", response_model=CredentialAccount)
async def verify_credentials(
    viewer_id: ReadAccounts, session: SessionDep, links: LinksDep
) -> CredentialAccount:
    """The caller's own account, with `source`."""
    profile = await profiles_repository.get(session, viewer_id)
    assert profile is not None  # app_viewer just made sure of it
    return service.credential_account(profile, links)


STATUS_LIST: dict[int | str, dict[str, Any]] = {
    200: {"description": "Statuses, newest first; `Link` has the next pages"}
}


@router.get("/api/v1/timelines/home", response_model=list[Status], responses=STATUS_LIST)
@read_route
async def home_timeline(
    viewer_id: ReadStatuses,
    page: TimelinePageDep,
    reads: ReadsDep,
    links: LinksDep,
    request: Request,
) -> JSONBytes:
    """The home timeline: the same rows as /feed, as Statuses."""
    return await timelines.home(
        reads=reads, viewer_id=viewer_id, page=page, links=links, request=request
    )


@router.get("/api/v1/timelines/public", response_model=list[Status], responses=STATUS_LIST)
@read_route
async def public_timeline(
    viewer_id: MaybeReadStatuses,
    page: TimelinePageDep,
    reads: ReadsDep,
    links: LinksDep,
    request: Request,
) -> JSONBytes:
    """Everyone's statuses (/feed/global's rows)."""
    return await timelines.public(
        reads=reads, viewer_id=viewer_id, page=page, links=links, request=request
    )


@router.get("/api/v1/timelines/tag/{hashtag}", response_model=list[Status], responses=STATUS_LIST)
@read_route
async def tag_timeline(
    hashtag: str,
    viewer_id: MaybeReadStatuses,
    page: TimelinePageDep,
    reads: ReadsDep,
    links: LinksDep,
    request: Request,
) -> JSONBytes:
    """A hashtag's statuses."""
    return await timelines.tag(
        reads=reads,
        tag=normalize_tag(hashtag) or "",
        viewer_id=viewer_id,
        page=page,
        links=links,
        request=request,
    )


@router.get("/api/v1/accounts/{user_id}/statuses", response_model=list[Status])
@raises(NotFound)
async def account_statuses(
    profile: ProfileDep,
    viewer_id: MaybeReadStatuses,
    page: TimelinePageDep,
    reads: ReadsDep,
    links: LinksDep,
    request: Request,
    session: SessionDep,
) -> JSONBytes:
    """An account's statuses; none of a private account's for who does not follow it."""
    return await service.account_statuses(
        session=session,
        reads=reads,
        author=profile,
        viewer_id=viewer_id,
        page=page,
        links=links,
        request=request,
    )


@router.get("/api/v1/statuses/{id}", response_model=Status)
async def get_status(
    thread: StatusDep, viewer_id: MaybeReadStatuses, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """One status: a post, or a comment (a reply to its post)."""
    return await replies.view(session=session, thread=thread, viewer_id=viewer_id, links=links)


@router.delete("/api/v1/statuses/{id}", response_model=Status)
async def delete_status(
    thread: OwnStatus,
    session: SessionDep,
    links: LinksDep,
    media: MediaDep,
    retry_after: FirstRetryAfterDep,
) -> dict[str, Any]:
    """Delete one's own status (a post, or a comment); the answer is it as it was."""
    if thread.comment is not None:
        return await replies.delete(
            session=session, comment=thread.comment, post=thread.post, links=links
        )
    return await service.delete_status(
        session=session,
        post=thread.post,
        viewer_id=thread.post.author_id,
        links=links,
        media=media,
        retry_after=retry_after,
    )


@router.post("/api/v1/statuses/{id}/favourite", response_model=Status)
@raises(Forbidden)  # one of you blocks the other
async def favourite(
    post: FavouriteTarget, viewer_id: WriteFavourites, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """Favourite: the platform's like."""
    return await service.favourite(
        session=session, post=post, viewer_id=viewer_id, on=True, links=links
    )


@router.post("/api/v1/statuses/{id}/unfavourite", response_model=Status)
async def unfavourite(
    post: FavouriteTarget, viewer_id: WriteFavourites, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """Take the favourite back."""
    return await service.favourite(
        session=session, post=post, viewer_id=viewer_id, on=False, links=links
    )


@router.post("/api/v1/statuses/{id}/bookmark", response_model=Status)
async def bookmark(
    post: BookmarkTarget, viewer_id: WriteBookmarks, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """Bookmark."""
    return await service.bookmark(
        session=session, post=post, viewer_id=viewer_id, on=True, links=links
    )


@router.post("/api/v1/statuses/{id}/unbookmark", response_model=Status)
async def unbookmark(
    post: BookmarkTarget, viewer_id: WriteBookmarks, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """Take the bookmark back."""
    return await service.bookmark(
        session=session, post=post, viewer_id=viewer_id, on=False, links=links
    )


@router.post("/api/v1/statuses", response_model=Status, openapi_extra=body_openapi(StatusCreate))
@raises(Forbidden, NotFound, 422)
async def post_status(
    viewer_id: WriteStatuses,
    data: Annotated[StatusCreate, Depends(mastodon_body(StatusCreate))],
    session: SessionDep,
    redis: RedisDep,
    media: MediaDep,
    links: LinksDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", max_length=256, pattern=NO_NUL)
    ] = None,
) -> dict[str, Any]:
    """Publish a status of 1 to 10 uploaded images (`media_ids`), `status` its caption; or,
    with `in_reply_to_id`, a reply: a comment on that post. A retry with the same
    `Idempotency-Key` within an hour answers the first status."""
    return await publishing.publish(
        session=session,
        redis=redis,
        author_id=viewer_id,
        data=data,
        idempotency_key=idempotency_key,
        media=media,
        links=links,
    )


@router.get("/api/v1/accounts/relationships", response_model=list[Relationship])
async def relationships(
    viewer_id: ReadFollows,
    session: SessionDep,
    ids: Annotated[list[str], Query(alias="id[]", max_length=40)] = [],  # noqa: B006
    id: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006
) -> list[Relationship]:
    """Where the caller stands with each account of `id[]`."""
    return await service.relationships(session=session, viewer_id=viewer_id, ids=[*ids, *id])


@router.get("/api/v1/accounts/lookup", response_model=Account)
@raises(NotFound)
async def lookup(
    acct: Annotated[str, Query(min_length=1, max_length=200, pattern=NO_NUL)],
    session: SessionDep,
    links: LinksDep,
) -> Account:
    """An account by its username."""
    return await service.lookup(session=session, acct=acct, links=links)


@router.get("/api/v1/accounts/search", response_model=list[Account])
async def search_accounts(
    viewer_id: MaybeReadAccounts,
    session: SessionDep,
    links: LinksDep,
    q: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
    limit: Annotated[int, Query(ge=1, le=80)] = 40,
) -> list[Account]:
    """Accounts whose username starts with `q`."""
    return await search_service.search_accounts(
        session=session, query=q, viewer_id=viewer_id, limit=limit, links=links
    )


@router.post("/api/v1/accounts/{user_id}/follow", response_model=Relationship)
@raises(Forbidden, 400)  # blocked; yourself
async def follow(profile: ProfileDep, viewer_id: WriteFollows, session: SessionDep) -> Relationship:
    """Follow, or ask to follow a private account: the platform's follow."""
    return await service.follow(session=session, viewer_id=viewer_id, followee=profile, on=True)


@router.post("/api/v1/accounts/{user_id}/unfollow", response_model=Relationship)
async def unfollow(
    profile: ProfileDep, viewer_id: WriteFollows, session: SessionDep
) -> Relationship:
    """Stop following (or withdraw the request)."""
    return await service.follow(session=session, viewer_id=viewer_id, followee=profile, on=False)


class NotificationEntity(BaseModel):
    """Mastodon's Notification."""

    id: str
    type: str
    created_at: str
    account: Account
    status: Status | None = None
    group_key: str


@router.get("/api/v1/notifications", response_model=list[NotificationEntity], responses=STATUS_LIST)
async def notifications_list(
    viewer_id: ReadNotifications,
    paging: TimelinePageDep,
    session: SessionDep,
    links: LinksDep,
    request: Request,
) -> JSONBytes:
    """The caller's notifications, newest first (favourites, mentions, follows, requests)."""
    return await notifications.page(
        session=session, recipient_id=viewer_id, paging=paging, links=links, request=request
    )


@router.get("/api/v1/notifications/{notification_id}", response_model=NotificationEntity)
@raises(NotFound)
async def notification(
    notification_id: str, viewer_id: ReadNotifications, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """One notification."""
    return await notifications.one(
        session=session, recipient_id=viewer_id, notification_id=notification_id, links=links
    )


@router.post("/api/v1/notifications/clear")
async def clear_notifications(viewer_id: WriteNotifications, session: SessionDep) -> dict[str, Any]:
    """Dismiss every notification."""
    await notifications.clear(session=session, recipient_id=viewer_id)
    return {}


@router.get("/api/v1/statuses/{id}/context", response_model=Context)
async def status_context(
    thread: StatusDep, viewer_id: MaybeReadStatuses, session: SessionDep, links: LinksDep
) -> dict[str, Any]:
    """A status's thread: a post's comments (oldest first), or a comment's post."""
    return await replies.context(session=session, thread=thread, viewer_id=viewer_id, links=links)


@router.get("/api/v2/search", response_model=SearchResults)
async def search(
    viewer_id: MaybeReadSearch,
    session: SessionDep,
    links: LinksDep,
    q: Annotated[str, Query(max_length=200, pattern=NO_NUL)] = "",
    type: Annotated[Literal["accounts", "hashtags", "statuses"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=40)] = 20,
) -> SearchResults:
    """The status a URL of ours names; else accounts and hashtags matching `q` (statuses
    are not searched by their words)."""
    return await search_service.search(
        session=session, query=q, kind=type, viewer_id=viewer_id, limit=limit, links=links
    )


ACCOUNT_LIST: dict[int | str, dict[str, Any]] = {
    200: {"description": "Accounts, the newest follow first; `Link` has the next pages"}
}


def _people_route(side: Literal["followers", "following"], who: str) -> None:
    """`GET /api/v1/accounts/{id}/followers` or `/following` (one body, two paths)."""

    async def people(
        profile: ProfileDep,
        viewer_id: MaybeReadAccounts,
        page: TimelinePageDep,
        session: SessionDep,
        links: LinksDep,
        request: Request,
    ) -> JSONBytes:
        return await service.account_people(
            session=session,
            user=profile,
            side=side,
            viewer_id=viewer_id,
            page=page,
            links=links,
            request=request,
        )

    router.get(
        f"/api/v1/accounts/{{user_id}}/{side}",
        response_model=list[Account],
        responses=ACCOUNT_LIST,
        name=side,
        summary=side.capitalize(),
        description=f"{who}; none of a private account's for who does not follow it.",
    )(raises(NotFound)(people))


_people_route("followers", "Who follows the account")
_people_route("following", "Whom the account follows")


# Last: its `{user_id}` would otherwise take `relationships`, `lookup` and `search`.
@router.get("/api/v1/accounts/{user_id}", response_model=Account)
@raises(NotFound)
async def account(profile: ProfileDep, links: LinksDep) -> Account:
    """An account (public: a private account's Account is public, its posts are not)."""
    return service.account(profile, links)
