"""Who calls the Mastodon client API: an app's token, of the scope the route needs."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from common.app_tokens import app_scope
from common.db import SessionDep
from common.tokens import Principal
from social.profiles import service as profiles


def app_viewer(needed: str) -> Callable[..., Awaitable[uuid.UUID]]:
    """A dependency: the caller's user id from an app token covering `needed`, with the
    profile made if this is its first request (as the platform's own routes do)."""
    scoped = app_scope(needed)

    async def dependency(
        request: Request, session: SessionDep, principal: Annotated[Principal, Depends(scoped)]
    ) -> uuid.UUID:
        return await profiles.ensure_profile(
            session=session, known=request.app.state.known_profiles, principal=principal
        )

    return dependency


ReadAccounts = Annotated[uuid.UUID, Depends(app_viewer("read:accounts"))]
