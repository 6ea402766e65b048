from typing import Annotated

from fastapi import Depends

from auth.users import repository
from auth.users.models import User
from common.db import SessionDep
from common.errors import Unauthorized
from common.tokens import CurrentUser


async def current_account(principal: CurrentUser, session: SessionDep) -> User:
    """The signed-in user's account; a token for a deleted account is refused."""
    user = await repository.get(session, principal.id)
    if user is None:
        raise Unauthorized("Account no longer exists", code="invalid_token")
    return user


CurrentAccount = Annotated[User, Depends(current_account)]
