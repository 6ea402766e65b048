"""The ActivityPub documents of our actors and posts, built from what social says."""

from html import escape
from typing import Any

from federation.activitypub import CONTEXT, INSTANCE, PUBLIC, Urls

# What Pixelfed takes as an attachment (its rules): JPEG or PNG, no side over 5000 px.
ATTACHMENT_TYPES = {"image/jpeg", "image/png"}
MAX_SIDE = 5000
BLURHASH_LENGTHS = range(6, 165)


def person(user: dict[str, Any], *, public_key_pem: str, urls: Urls) -> dict[str, Any]:
    actor = urls.actor(user["username"])
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": actor,
        "type": "Person",
        "preferredUsername": user["username"],
        "name": user["username"],
        "summary": _paragraphs(user.get("bio") or ""),
        "url": urls.profile_page(user["id"]),
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "following": f"{actor}/following",
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": bool(user.get("is_private")),
        "discoverable": True,
        "published": user["created_at"],
        "publicKey": {
            "id": urls.key_id(user["username"]),
            "owner": actor,
            "publicKeyPem": public_key_pem,
        },
    }
    if user.get("avatar_url"):
        document["icon"] = {"type": "Image", "url": user["avatar_url"]}
    return document


def instance_actor(*, public_key_pem: str, urls: Urls) -> dict[str, Any]:
    """The server itself (Mastodon's instance actor): it signs our fetches."""
    actor = urls.instance_actor
    return {
        "@context": CONTEXT,
        "id": actor,
        "type": "Application",
        "preferredUsername": urls.host,
        "name": urls.host,
        "inbox": urls.shared_inbox,
        "outbox": f"{actor}/outbox",
        "endpoints": {"sharedInbox": urls.shared_inbox},
        "manuallyApprovesFollowers": True,
        "url": urls.base,
        "publicKey": {"id": urls.key_id(INSTANCE), "owner": actor, "publicKeyPem": public_key_pem},
    }


def _paragraphs(text: str) -> str:
    """Social's plain-text bio as the HTML `summary` is."""
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n") if p)


def audience(post: dict[str, Any], urls: Urls) -> tuple[list[str], list[str]]:
    """(to, cc): public posts to Public with followers and the mentioned in cc; followers-only
    ones to the followers alone."""
    followers = f"{urls.actor(post['author_username'])}/followers"
    if post["visibility"] == "public":
        mentioned = [_mention_href(m, urls) for m in post.get("mentions") or []]
        return [PUBLIC], [followers, *mentioned]
    return [followers], []


def _mention_href(mention: dict[str, Any], urls: Urls) -> str:
    return str(mention.get("actor_uri") or urls.actor(mention["username"]))


def _mention_name(mention: dict[str, Any], urls: Urls) -> str:
    username = str(mention["username"])
    return f"@{username}" if "@" in username else f"@{username}@{urls.host}"


def attachment(image: dict[str, Any]) -> dict[str, Any] | None:
    """An image as Pixelfed and Mastodon take it, or None when Pixelfed would refuse it."""
    width, height = image.get("width"), image.get("height")
    if image.get("media_type") not in ATTACHMENT_TYPES:
        return None
    if isinstance(width, int) and isinstance(height, int) and max(width, height) > MAX_SIDE:
        return None
    document: dict[str, Any] = {
        "type": "Image",
        "mediaType": image["media_type"],
        "url": image["url"],
        "name": image.get("alt") or None,
        "width": width,
        "height": height,
    }
    if isinstance(image.get("blurhash"), str) and len(image["blurhash"]) in BLURHASH_LENGTHS:
        document["blurhash"] = image["blurhash"]
    return document


def note(post: dict[str, Any], urls: Urls) -> dict[str, Any]:
    to, cc = audience(post, urls)
    page_of = post["post_id"] if post["kind"] == "comment" else post["id"]
    tags: list[dict[str, Any]] = [
        {"type": "Hashtag", "href": urls.tag(name), "name": f"#{name}"}
        for name in post.get("tags") or []
    ]
    tags += [
        {"type": "Mention", "href": _mention_href(m, urls), "name": _mention_name(m, urls)}
        for m in post.get("mentions") or []
    ]
    document: dict[str, Any] = {
        "id": urls.note(post["author_username"], post["id"]),
        "type": "Note",
        "attributedTo": urls.actor(post["author_username"]),
        "content": post["content_html"],
        "published": post["created_at"],
        "to": to,
        "cc": cc,
        "sensitive": bool(post.get("sensitive")),
        "summary": post.get("spoiler_text") or None,
        "inReplyTo": post.get("in_reply_to"),
        "url": urls.post_page(page_of),
        "tag": tags,
        "attachment": [a for image in post.get("images") or [] if (a := attachment(image))],
    }
    if post.get("edited_at"):
        document["updated"] = post["edited_at"]
    return document


def create(post: dict[str, Any], urls: Urls) -> dict[str, Any]:
    """The Create of a post, with the id Mastodon gives one: the Note's id + /activity."""
    document = note(post, urls)
    return {
        "id": f"{document['id']}/activity",
        "type": "Create",
        "actor": document["attributedTo"],
        "published": document["published"],
        "to": document["to"],
        "cc": document["cc"],
        "object": document,
    }


def with_context(document: dict[str, Any]) -> dict[str, Any]:
    return {"@context": CONTEXT, **document}
