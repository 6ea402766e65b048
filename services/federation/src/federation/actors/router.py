"""Our actors and their collections and Notes, as ActivityPub documents."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from common.db import SessionDep
from common.openapi import raises
from common.pagination import CURSOR_PATTERN, MAX_CURSOR_LENGTH, InvalidCursor
from federation.activitypub import INSTANCE
from federation.actors import documents
from federation.dependencies import KeysDep, SettingsDep, SocialDep, UrlsDep
from federation.responses import ActivityResponse, ObjectNotFound, activity_json

router = APIRouter(tags=["federation"])

# The shape social's cursors have; one social did not give out is social's 400, passed on.
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH, pattern=CURSOR_PATTERN)]


def _wants_activity(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/activity+json" in accept or "application/ld+json" in accept


async def _user(social: SocialDep, username: str) -> dict[str, Any]:
    user = await social.user(username)
    if user is None:
        raise ObjectNotFound()
    return user


@router.get("/users/{username}", response_class=ActivityResponse)
@raises(ObjectNotFound)
async def actor(
    username: str,
    request: Request,
    session: SessionDep,
    social: SocialDep,
    keys: KeysDep,
    urls: UrlsDep,
) -> Response:
    """The Person; a browser (no ActivityPub type in Accept) goes to the profile screen."""
    user = await _user(social, username)
    if not _wants_activity(request):
        return RedirectResponse(urls.profile_page(user["id"]), status_code=302)
    key = await keys.key(session, user["username"])
    return activity_json(documents.person(user, public_key_pem=key.public_key_pem, urls=urls))


@router.get("/actor", response_class=ActivityResponse)
async def instance_actor(session: SessionDep, keys: KeysDep, urls: UrlsDep) -> Response:
    key = await keys.key(session, INSTANCE)
    return activity_json(documents.instance_actor(public_key_pem=key.public_key_pem, urls=urls))


@router.get("/users/{username}/outbox", response_class=ActivityResponse)
@raises(ObjectNotFound, InvalidCursor)
async def outbox(
    username: str, social: SocialDep, urls: UrlsDep, settings: SettingsDep, cursor: Cursor = None
) -> Response:
    """Public posts' Creates, newest first: the collection with its first page inline, or,
    with `cursor`, a later page. A private account's shows its count only."""
    user = await _user(social, username)
    collection = f"{urls.actor(user['username'])}/outbox"
    page = await social.posts(user["username"], cursor=cursor, limit=settings.page_size)
    items = [documents.create(post, urls) for post in page["items"]] if page else []
    first = _page(collection, cursor, items, page["next_cursor"] if page else None)
    if cursor:
        return activity_json(documents.with_context(first))
    body: dict[str, Any] = {
        "id": collection,
        "type": "OrderedCollection",
        "totalItems": user["posts_count"],
    }
    if page is not None:
        body["first"] = first
    return activity_json(documents.with_context(body))


def _page(
    collection: str, cursor: str | None, items: list[Any], next_cursor: str | None
) -> dict[str, Any]:
    page: dict[str, Any] = {
        "id": f"{collection}?cursor={cursor}" if cursor else f"{collection}?page=true",
        "type": "OrderedCollectionPage",
        "partOf": collection,
        "orderedItems": items,
    }
    if next_cursor:
        page["next"] = f"{collection}?cursor={next_cursor}"
    return page


async def _relations(
    which: str,
    username: str,
    social: SocialDep,
    urls: UrlsDep,
    settings: SettingsDep,
    cursor: str | None,
) -> Response:
    """Followers or following: the count for anyone, the accounts only of a public one."""
    user = await _user(social, username)
    collection = f"{urls.actor(user['username'])}/{which}"
    body: dict[str, Any] = {
        "id": collection,
        "type": "OrderedCollection",
        "totalItems": user[f"{which}_count"],
    }
    if user["is_private"]:
        return activity_json(documents.with_context(body))
    page = await social.relations(user["username"], which, cursor=cursor, limit=settings.page_size)
    items = [r["actor_uri"] or urls.actor(r["username"]) for r in (page or {}).get("items", [])]
    first = _page(collection, cursor, items, (page or {}).get("next_cursor"))
    if cursor:
        return activity_json(documents.with_context(first))
    return activity_json(documents.with_context(body | {"first": first}))


@router.get("/users/{username}/followers", response_class=ActivityResponse)
@raises(ObjectNotFound, InvalidCursor)
async def followers(
    username: str, social: SocialDep, urls: UrlsDep, settings: SettingsDep, cursor: Cursor = None
) -> Response:
    return await _relations("followers", username, social, urls, settings, cursor)


@router.get("/users/{username}/following", response_class=ActivityResponse)
@raises(ObjectNotFound, InvalidCursor)
async def following(
    username: str, social: SocialDep, urls: UrlsDep, settings: SettingsDep, cursor: Cursor = None
) -> Response:
    return await _relations("following", username, social, urls, settings, cursor)


@router.get("/users/{username}/statuses/{object_id}", response_class=ActivityResponse)
@raises(ObjectNotFound)
async def status(username: str, object_id: str, social: SocialDep, urls: UrlsDep) -> Response:
    """A public post's or comment's Note; anything else is not here (404), not forbidden."""
    post = await social.object(object_id) if _is_uuid(object_id) else None
    if post is None or post["author_username"] != username or post["visibility"] != "public":
        raise ObjectNotFound()
    return activity_json(documents.with_context(documents.note(post, urls)))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
