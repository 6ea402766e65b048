from datetime import datetime

from pydantic import AnyHttpUrl, BaseModel

from media.avatars.models import IgAvatar


class AvatarCache(BaseModel):
    url: AnyHttpUrl


class AvatarRead(BaseModel):
    ig_user_id: str
    url: str
    content_type: str
    bytes: int
    fetched_at: datetime
    # False when the cached copy was fresh enough and Instagram was not asked.
    refreshed: bool

    @classmethod
    def build(cls, avatar: IgAvatar, *, public_url: str, refreshed: bool) -> "AvatarRead":
        return cls(
            ig_user_id=avatar.ig_user_id,
            url=f"{public_url.rstrip('/')}/media/ig-avatars/{avatar.ig_user_id}",
            content_type=avatar.content_type,
            bytes=avatar.bytes,
            fetched_at=avatar.fetched_at,
            refreshed=refreshed,
        )
