"""ActivityPub vocabulary and our URL scheme: every id we mint or recognise comes from here."""

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from federation.config import Settings

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
# What a remote server may answer an object fetch with.
ACTIVITY_TYPES = ("application/activity+json", "application/ld+json", "application/json")
# Security v1 for publicKey; Mastodon's terms for the fields Mastodon and Pixelfed read.
CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    "https://w3id.org/security/v1",
    {
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "toot": "http://joinmastodon.org/ns#",
        "blurhash": "toot:blurhash",
        "discoverable": "toot:discoverable",
    },
]
# The key owner name of the instance actor: a colon is in no username.
INSTANCE = ":instance"


def ref(value: Any) -> str | None:
    """The id an ActivityPub property names, whether it holds a URI or an embedded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def refs(value: Any) -> list[str]:
    """The ids a property names: one, a list, or none."""
    items = value if isinstance(value, list) else [value]
    return [uri for item in items if (uri := ref(item)) is not None]


def host_of(uri: str) -> str:
    """The host (with its port) of a URI, lower-cased: what domain blocks and rate limits name."""
    return urlsplit(uri).netloc.lower()


@dataclass(frozen=True)
class Urls:
    """Our ids, under FEDERATION_PUBLIC_URL."""

    base: str
    host: str

    @classmethod
    def of(cls, settings: Settings) -> "Urls":
        return cls(base=settings.base_url, host=settings.host)

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, owner: str) -> str:
        return (
            f"{self.instance_actor}#main-key"
            if owner == INSTANCE
            else f"{self.actor(owner)}#main-key"
        )

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    def note(self, username: str, object_id: str) -> str:
        return f"{self.base}/users/{username}/statuses/{object_id}"

    def activity(self, activity_id: str) -> str:
        return f"{self.base}/activities/{activity_id}"

    def profile_page(self, user_id: str) -> str:
        """The web app's profile screen (web/src/routes/people/[id])."""
        return f"{self.base}/people/{user_id}"

    def post_page(self, post_id: str) -> str:
        """The web app's post screen (web/src/routes/p/[id])."""
        return f"{self.base}/p/{post_id}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def local_username(self, actor_uri: str) -> str | None:
        """The username of one of our actors' ids, else None."""
        match = re.fullmatch(re.escape(self.base) + r"/users/([^/?#]+)", actor_uri)
        return match.group(1) if match else None

    def local_note(self, uri: str) -> tuple[str, str] | None:
        """(username, object id) of one of our Notes' ids, else None."""
        pattern = re.escape(self.base) + r"/users/([^/?#]+)/statuses/([0-9a-fA-F-]{36})"
        match = re.fullmatch(pattern, uri)
        return (match.group(1), match.group(2)) if match else None
