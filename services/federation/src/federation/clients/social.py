"""The one place that talks to social's /internal/federation/ endpoints (fed-design.md)."""

from typing import Any
from urllib.parse import quote

from common.pagination import InvalidCursor
from federation.clients.internal import InternalClient, Refused


def _user(username: str) -> str:
    """A user's internal path. The name comes from a URL anyone can ask for: quoted whole,
    whatever it holds (a slash, a control character) stays one path segment."""
    return f"/internal/federation/users/{quote(username, safe='')}"


class SocialClient(InternalClient):
    service = "social"

    # Reads: the documents we serve and the audiences we deliver to.
    async def user(self, username: str) -> dict[str, Any] | None:
        """A local user, or None for a remote or unknown one."""
        result: dict[str, Any] | None = await self.request("GET", _user(username))
        return result

    async def posts(
        self, username: str, *, cursor: str | None, limit: int
    ) -> dict[str, Any] | None:
        """A page of a public user's posts, newest first; None if private or unknown."""
        try:
            return await self._page(f"{_user(username)}/posts", cursor=cursor, limit=limit)
        except Refused as exc:
            if exc.upstream_status == 403:
                return None
            raise

    async def relations(
        self, username: str, which: str, *, cursor: str | None, limit: int
    ) -> dict[str, Any] | None:
        """A page of a user's `followers` or `following`, with their total."""
        return await self._page(f"{_user(username)}/{which}", cursor=cursor, limit=limit)

    async def _page(self, path: str, *, cursor: str | None, limit: int) -> dict[str, Any] | None:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        try:
            result: dict[str, Any] | None = await self.request("GET", path, params=params)
        except Refused as exc:
            # A cursor social did not give out is the asker's mistake (400), not a fault.
            if exc.upstream_code == InvalidCursor.code:
                raise InvalidCursor() from exc
            raise
        return result

    async def remote_followers(self, username: str) -> list[str]:
        body = await self.request("GET", f"{_user(username)}/remote-followers")
        return list(body["actor_uris"]) if body else []

    async def object(self, object_id: str) -> dict[str, Any] | None:
        """A local post or comment as a FedPost."""
        result: dict[str, Any] | None = await self.request(
            "GET", f"/internal/federation/objects/{quote(object_id, safe='')}"
        )
        return result

    async def stats(self) -> dict[str, Any]:
        """`{users, posts}`: local users and local posts, for NodeInfo."""
        body = await self.request("GET", "/internal/federation/stats")
        return body or {"users": 0, "posts": 0}

    # Writes: what arrived from the fediverse.
    async def put_remote_account(self, account: dict[str, Any]) -> str:
        body = await self.request("PUT", "/internal/federation/remote-accounts", json=account)
        return str(body["id"])

    async def delete_remote_account(self, actor_uri: str) -> None:
        await self.request(
            "DELETE", "/internal/federation/remote-accounts", params={"actor_uri": actor_uri}
        )

    async def put_remote_object(self, note: dict[str, Any]) -> dict[str, Any] | None:
        """The stored post or comment; None when social takes no such Note (a text-only
        post: social's posts are photos)."""
        try:
            result: dict[str, Any] | None = await self.request(
                "PUT", "/internal/federation/remote-objects", json=note
            )
        except Refused as exc:
            if exc.upstream_code == "no_images":
                return None
            raise
        return result

    async def delete_remote_object(self, uri: str) -> None:
        await self.request("DELETE", "/internal/federation/remote-objects", params={"uri": uri})

    async def follow(self, *, actor_uri: str, username: str) -> str | None:
        """`accepted` or `pending`; None when the user is not ours."""
        body = await self.request(
            "POST",
            "/internal/federation/follows",
            json={"actor_uri": actor_uri, "username": username},
        )
        return str(body["state"]) if body else None

    async def unfollow(self, *, actor_uri: str, username: str) -> None:
        await self.request(
            "DELETE",
            "/internal/federation/follows",
            params={"actor_uri": actor_uri, "username": username},
        )

    async def follow_answer(self, *, username: str, actor_uri: str, accepted: bool) -> None:
        await self.request(
            "POST",
            "/internal/federation/follow-answers",
            json={"username": username, "actor_uri": actor_uri, "accepted": accepted},
        )

    async def like(self, *, actor_uri: str, object_id: str) -> None:
        await self.request(
            "PUT",
            "/internal/federation/likes",
            json={"actor_uri": actor_uri, "object_id": object_id},
        )

    async def unlike(self, *, actor_uri: str, object_id: str) -> None:
        await self.request(
            "DELETE",
            "/internal/federation/likes",
            params={"actor_uri": actor_uri, "object_id": object_id},
        )
