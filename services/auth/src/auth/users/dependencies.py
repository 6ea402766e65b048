from typing import Annotated

from fastapi import Depends, Request

from auth.users import repository
from auth.users.models import User
from common.db import SessionDep
from common.errors import Unauthorized
from common.tokens import CurrentUser


async def current_account(principal: CurrentUser, session: SessionDep, request: Request) -> User:
    """The signed-in user's account; a token for a deleted account, or one revoked (signed
    out, a password reset: common.tokens.Revocations, in memory), is refused."""
    if request.app.state.revocations.refuses(principal.claims):
        raise Unauthorized("Access token revoked", code="token_revoked")
    user = await repository.get(session, principal.id)
    if user is None:
        raise Unauthorized("Account no longer exists", code="invalid_token")
    return user


CurrentAccount = Annotated[User, Depends(current_account)]
