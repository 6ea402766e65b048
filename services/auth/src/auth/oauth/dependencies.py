from typing import Annotated

from fastapi import Depends, Request

from auth.sessions.cookies import REFRESH_COOKIE
from auth.sessions.service import signed_in_user
from auth.users import repository as users_repository
from auth.users.models import User
from common.db import SessionDep
from common.tokens import OptionalUser


async def linking_account(
    request: Request, principal: OptionalUser, session: SessionDep
) -> User | None:
    """Who starts a provider flow: a signed-in caller (bearer, or the refresh cookie a
    browser sends to /auth) links the identity to their account; nobody signs in."""
    if principal is not None:
        return await users_repository.get(session, principal.id)
    if cookie := request.cookies.get(REFRESH_COOKIE):
        return await signed_in_user(session=session, refresh_token=cookie)
    return None


LinkingAccount = Annotated[User | None, Depends(linking_account)]
