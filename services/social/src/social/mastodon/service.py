"""The Mastodon client API's view of social: its entities made from the same rows the
platform's own routes read (a profile is an Account), and the instance's description."""

import html
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from social.links import Links
from social.mastodon import repository
from social.mastodon.schemas import (
    Account,
    AccountSource,
    CredentialAccount,
    InstanceStats,
    InstanceV1,
    InstanceV2,
)
from social.models import Profile

# Mastodon's API version this subset follows; clients read it to pick features.
MASTODON_VERSION = "4.3.0 (compatible; Photogram 0.1)"
TITLE = "Photogram"
DESCRIPTION = "A social photo platform."
# Mastodon's Account needs an avatar URL: a one-pixel grey image for those without one.
NO_AVATAR = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mN8"
    "+x8AAuMB8DtXNJsAAAAASUVORK5CYII="
)
MAX_STATUS_CHARACTERS = 2200  # the caption's limit
MAX_MEDIA_ATTACHMENTS = 10


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def account(profile: Profile, links: Links) -> Account:
    """A profile as Mastodon's Account."""
    avatar = links.avatar(profile.avatar_media_id) or NO_AVATAR
    profile_url = f"{links.public_url}/people/{profile.id}"
    return Account(
        id=str(profile.id),
        username=profile.username,
        acct=profile.username,
        url=profile_url,
        uri=profile_url,
        display_name=profile.username,
        note=f"<p>{html.escape(profile.bio)}</p>" if profile.bio else "",
        avatar=avatar,
        avatar_static=avatar,
        header=NO_AVATAR,
        header_static=NO_AVATAR,
        locked=profile.is_private,
        created_at=_iso(profile.created_at),
        statuses_count=profile.posts_count,
        followers_count=profile.followers_count,
        following_count=profile.following_count,
    )


def credential_account(profile: Profile, links: Links) -> CredentialAccount:
    """The caller's own Account, with `source`."""
    return CredentialAccount(
        **account(profile, links).model_dump(),
        source=AccountSource(
            privacy="private" if profile.is_private else "public", note=profile.bio
        ),
    )


def _configuration() -> dict[str, object]:
    return {
        "urls": {"streaming": ""},
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
        "statuses": {
            "max_characters": MAX_STATUS_CHARACTERS,
            "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/webp", "image/gif"],
            "image_size_limit": 10 * 1024 * 1024,
            "image_matrix_limit": 16_777_216,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 0,
            "max_expiration": 0,
        },
        "translation": {"enabled": False},
    }


async def instance_v1(*, session: AsyncSession, links: Links) -> InstanceV1:
    """`GET /api/v1/instance`."""
    users, statuses = await repository.counts(session)
    domain = urlsplit(links.public_url).netloc
    return InstanceV1(
        uri=domain,
        title=TITLE,
        short_description=DESCRIPTION,
        description=DESCRIPTION,
        email="",
        version=MASTODON_VERSION,
        urls={"streaming_api": ""},
        stats=InstanceStats(user_count=users, status_count=statuses, domain_count=0),
        thumbnail=None,
        languages=["en", "ko", "es"],
        registrations=True,
        approval_required=False,
        invites_enabled=False,
        configuration=_configuration(),
    )


async def instance_v2(*, session: AsyncSession, links: Links) -> InstanceV2:
    """`GET /api/v2/instance`."""
    users, _statuses = await repository.counts(session)
    return InstanceV2(
        domain=urlsplit(links.public_url).netloc,
        title=TITLE,
        version=MASTODON_VERSION,
        source_url="",
        description=DESCRIPTION,
        usage={"users": {"active_month": users}},
        thumbnail={"url": NO_AVATAR},
        languages=["en", "ko", "es"],
        configuration=_configuration(),
        registrations={"enabled": True, "approval_required": False, "message": None},
        api_versions={"mastodon": 2},
        contact={"email": "", "account": None},
    )
