import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from auth.dependencies import SecretBoxDep, SettingsDep, SignerDep
from auth.sessions.cookies import token_response
from auth.sessions.schemas import TokenRead
from auth.sessions.service import open_session
from auth.users import service
from auth.users.dependencies import CurrentAccount
from auth.users.schemas import (
    AccountUpdate,
    ProfileUpdate,
    ProfileUpdated,
    UserCreate,
    UserPublic,
    UserRead,
    read_user,
)
from common.db import SessionDep
from common.errors import Conflict
from common.openapi import raises

router = APIRouter(tags=["accounts"])


@router.post("/auth/register", status_code=status.HTTP_201_CREATED)
@raises(Conflict)
async def register(
    data: UserCreate,
    request: Request,
    response: Response,
    session: SessionDep,
    signer: SignerDep,
    settings: SettingsDep,
    box: SecretBoxDep,
    accept_language: Annotated[str | None, Header()] = None,
) -> TokenRead:
    user = await service.register(
        session=session, box=box, settings=settings, data=data, accept_language=accept_language
    )
    issued = await open_session(
        session=session,
        signer=signer,
        settings=settings,
        user=user,
        user_agent=request.headers.get("user-agent"),
    )
    return token_response(response, issued, settings)


@router.get("/auth/me")
async def me(user: CurrentAccount) -> UserRead:
    return read_user(user)


@router.patch("/auth/me")
async def update_me(data: AccountUpdate, user: CurrentAccount, session: SessionDep) -> UserRead:
    """Change the account's language (the web app sends it when its language is chosen)."""
    return read_user(await service.update_account(session=session, user=user, data=data))


@router.get("/auth/users/{user_id}")
async def public_user(user_id: uuid.UUID, session: SessionDep) -> UserPublic:
    """A user's public identity: how social learns at once of someone who just registered."""
    user = await service.public_user(session=session, user_id=user_id)
    return UserPublic.model_validate(user)


@router.put("/users/me/profile")
@raises(Conflict)
async def update_profile(
    data: ProfileUpdate, user: CurrentAccount, session: SessionDep
) -> ProfileUpdated:
    user = await service.update_profile(session=session, user=user, data=data)
    return ProfileUpdated(user=read_user(user))
