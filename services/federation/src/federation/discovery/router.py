"""How the fediverse finds us: WebFinger (RFC 7033) and NodeInfo 2.1."""

from importlib.metadata import version
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from common.errors import NotFound
from common.openapi import raises
from federation.activitypub import ACTIVITY_JSON
from federation.dependencies import SocialDep, UrlsDep

router = APIRouter(tags=["federation"])

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
# NodeInfo's software name: lower-case letters, digits and dashes; the repository's name.
SOFTWARE = "photo-platform"


class AccountNotFound(NotFound):
    code, message = "account_not_found", "No such account on this server"


@router.get("/.well-known/webfinger", response_class=JSONResponse)
@raises(AccountNotFound)
async def webfinger(
    resource: Annotated[str, Query(max_length=512)], social: SocialDep, urls: UrlsDep
) -> JSONResponse:
    """`acct:user@host` (our host only), or one of our actor URLs, → its JRD."""
    username = urls.local_username(resource)
    if username is None:
        user_part, _, host = resource.removeprefix("acct:").lstrip("@").rpartition("@")
        if not resource.startswith("acct:") or host.lower() != urls.host.lower():
            raise AccountNotFound()
        username = user_part
    user = await social.user(username) if username else None
    if user is None:
        raise AccountNotFound()
    actor = urls.actor(user["username"])
    body = {
        "subject": f"acct:{user['username']}@{urls.host}",
        "aliases": [actor, urls.profile_page(user["id"])],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": urls.profile_page(user["id"]),
            },
        ],
    }
    return JSONResponse(body, media_type="application/jrd+json")


@router.get("/.well-known/nodeinfo")
async def nodeinfo_links(urls: UrlsDep) -> dict[str, Any]:
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{urls.base}/nodeinfo/2.1"}]}


@router.get("/nodeinfo/2.1", response_class=JSONResponse)
async def nodeinfo(social: SocialDep) -> JSONResponse:
    stats = await social.stats()
    body = {
        "version": "2.1",
        "software": {"name": SOFTWARE, "version": version("federation")},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": True,
        "usage": {"users": {"total": stats["users"]}, "localPosts": stats["posts"]},
        "metadata": {},
    }
    return JSONResponse(body, media_type=f'application/json; profile="{NODEINFO_SCHEMA}#"')
