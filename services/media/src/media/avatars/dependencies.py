from typing import Annotated

from fastapi import Depends, Path

from common.db import SessionDep
from media.avatars import repository
from media.avatars.exceptions import AvatarNotCached
from media.avatars.models import IgAvatar

IgUserId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


async def get_avatar(ig_user_id: IgUserId, session: SessionDep) -> IgAvatar:
    avatar = await repository.get(session, ig_user_id)
    if avatar is None:
        raise AvatarNotCached()
    return avatar


AvatarDep = Annotated[IgAvatar, Depends(get_avatar)]
