"""A post as Mastodon's Status, written from the same `posts.repository.viewed()` row as
the platform's PostRead (`posts.service.post_fields`), so both show the same post."""

import html
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from social.links import Links
from social.models import Comment, Post
from social.tags.parsing import normalize_tag

# Mastodon's Account needs an avatar URL: a one-pixel grey image for those without one.
NO_AVATAR = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mN8"
    "+x8AAuMB8DtXNJsAAAAASUVORK5CYII="
)
_TAG_OR_MENTION = re.compile(r"(?<![\w/#@])([#@])(\w[\w.]*\w|\w)")


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat().replace("+00:00", "Z")


def tag_url(links: Links, tag: str) -> str:
    return f"{links.public_url}/explore/tags/{quote(tag)}"


def username_of(acct: str) -> str:
    """Mastodon's `username` is the local part: a remote profile is named `user@host`
    here, which is its `acct`, as Mastodon's own for an account of another server."""
    return acct.split("@", 1)[0]


def profile_url(links: Links, user_id: object) -> str:
    return f"{links.public_url}/people/{user_id}"


def post_url(links: Links, post_id: object) -> str:
    """The web app's page of a post: a Status's `url`, and what search looks up."""
    return f"{links.public_url}/p/{post_id}"


def content_html(
    caption: str, *, tags: list[str], mentions: Mapping[str, object], links: Links
) -> str:
    """The caption as Mastodon's HTML: escaped, its #tags and @mentions linked the way
    Mastodon marks them up (clients recognise the classes)."""

    def link(match: re.Match[str]) -> str:
        sigil, word = match.group(1), match.group(2)
        if sigil == "#":
            tag = normalize_tag(word)
            if tag in tags:
                return (
                    f'<a href="{html.escape(tag_url(links, tag))}" class="mention hashtag" '
                    f'rel="tag">#<span>{html.escape(word)}</span></a>'
                )
        else:
            user_id = mentions.get(word.casefold())
            if user_id is not None:
                return (
                    f'<span class="h-card"><a href="{html.escape(profile_url(links, user_id))}" '
                    f'class="u-url mention">@<span>{html.escape(word)}</span></a></span>'
                )
        return html.escape(match.group(0))

    parts: list[str] = []
    last = 0
    for match in _TAG_OR_MENTION.finditer(caption):
        parts.append(html.escape(caption[last : match.start()]))
        parts.append(link(match))
        last = match.end()
    parts.append(html.escape(caption[last:]))
    body = "".join(parts).replace("\n", "<br>")
    return f"<p>{body}</p>" if body else ""


def media_attachment(image: Mapping[str, Any], links: Links) -> dict[str, Any]:
    """A post's image as Mastodon's MediaAttachment."""
    media_id = image["media_id"]
    width, height = image.get("width"), image.get("height")
    meta: dict[str, Any] = {}
    if width and height:
        size = {"width": width, "height": height, "size": f"{width}x{height}",
                "aspect": width / height}  # fmt: skip
        meta = {"original": size, "small": dict(size)}
    return {
        "id": str(media_id),
        "type": "image",
        "url": links.image(media_id),
        "preview_url": links.thumbnail(media_id),
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": image.get("alt"),
        "blurhash": image.get("blurhash"),
    }


def _mentions(mentioned: Sequence[Mapping[str, Any]], links: Links) -> list[dict[str, Any]]:
    return [
        {
            "id": str(m["id"]),
            "username": username_of(m["username"]),
            "acct": m["username"],
            "url": profile_url(links, m["id"]),
        }
        for m in mentioned
    ]


def _entity(
    *,
    id: object,
    url: str,
    created_at: datetime,
    account: dict[str, Any],
    content: str,
    mentioned: Sequence[Mapping[str, Any]],
    tags: list[str],
    private: bool,
    links: Links,
) -> dict[str, Any]:
    """A Status's fields that posts and replies share, and Mastodon's empties."""
    mentions = {m["username"].casefold(): m["id"] for m in mentioned}
    return {
        "id": str(id),
        "uri": url,
        "url": url,
        "created_at": _iso(created_at),
        "edited_at": None,
        "account": account,
        "content": content_html(content, tags=tags, mentions=mentions, links=links),
        # A private account's posts are for its approved followers: Mastodon's `private`.
        "visibility": "private" if private else "public",
        "sensitive": False,
        "spoiler_text": "",
        "media_attachments": [],
        "application": None,
        "mentions": _mentions(mentioned, links),
        "tags": [{"name": tag, "url": tag_url(links, tag)} for tag in tags],
        "emojis": [],
        "reblogs_count": 0,
        "favourites_count": 0,
        "replies_count": 0,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "poll": None,
        "card": None,
        "language": None,
        "text": None,
        "filtered": [],
    }


def status(row: Mapping[Any, Any], links: Links) -> dict[str, Any]:
    """A `viewed()` row as Mastodon's Status (dislikes stay out: Mastodon has none)."""
    author_id = str(row["author_id"])
    avatar = links.avatar(row["author_avatar_media_id"]) or NO_AVATAR
    private = bool(row["author_is_private"])
    account = {
        "id": author_id,
        "username": username_of(row["author_username"]),
        "acct": row["author_username"],
        "url": profile_url(links, author_id),
        "uri": profile_url(links, author_id),
        "display_name": row["author_username"],
        "note": "",
        "avatar": avatar,
        "avatar_static": avatar,
        "header": NO_AVATAR,
        "header_static": NO_AVATAR,
        "locked": private,
        "fields": [],
        "emojis": [],
        "bot": False,
        "group": False,
        "discoverable": True,
        "created_at": _iso(row["author_created_at"]),
        "last_status_at": None,
        "statuses_count": row["author_posts_count"],
        "followers_count": row["author_followers_count"],
        "following_count": row["author_following_count"],
    }
    return {
        **_entity(
            id=row["id"],
            url=post_url(links, row["id"]),
            created_at=row["created_at"],
            account=account,
            content=row["caption"] or "",
            mentioned=row["mentions"] or (),
            tags=list(row["tags"] or ()),
            private=private,
            links=links,
        ),
        "edited_at": _iso(row["edited_at"]),
        "sensitive": row["sensitive"],
        "spoiler_text": row["spoiler_text"] or "",
        "media_attachments": [media_attachment(image, links) for image in row["images"] or ()],
        "favourites_count": row["like_count"],
        "replies_count": row["comment_count"],
        "favourited": row["viewer_reaction"] == "like",
        "bookmarked": bool(row["bookmarked"]),
    }


def reply_status(
    *,
    comment: Comment,
    account: dict[str, Any],
    mentioned: Sequence[Mapping[str, Any]],
    post: Post,
    private: bool,
    links: Links,
) -> dict[str, Any]:
    """A comment as Mastodon's Status: a reply to its post, as visible as the post (no
    images, tags or favourites: a comment has none here)."""
    return {
        **_entity(
            id=comment.id,
            url=f"{post_url(links, post.id)}#comment-{comment.id}",
            created_at=comment.created_at,
            account=account,
            content=comment.content,
            mentioned=mentioned,
            tags=[],
            private=private,
            links=links,
        ),
        "in_reply_to_id": str(post.id),
        "in_reply_to_account_id": str(post.author_id),
    }
