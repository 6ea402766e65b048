"""The Mastodon client API's accounts and instance, served by social."""

from fastapi import APIRouter

from common.db import SessionDep
from common.errors import NotFound
from common.openapi import raises
from social.links import LinksDep
from social.mastodon import service
from social.mastodon.dependencies import ReadAccounts
from social.mastodon.schemas import Account, CredentialAccount, InstanceV1, InstanceV2
from social.profiles import repository as profiles_repository
from social.profiles.dependencies import ProfileDep

router = APIRouter(tags=["mastodon"])


@router.get("/api/v1/instance", response_model=InstanceV1)
async def instance_v1(session: SessionDep, links: LinksDep) -> InstanceV1:
    """The instance, as Mastodon's v1 describes it (clients read its version and limits)."""
    return await service.instance_v1(session=session, links=links)


@router.get("/api/v2/instance", response_model=InstanceV2)
async def instance_v2(session: SessionDep, links: LinksDep) -> InstanceV2:
    """The instance, as Mastodon's v2 describes it."""
    return await service.instance_v2(session=session, links=links)


@router.get("/api/v1/accounts/verify_credentials", response_model=CredentialAccount)
async def verify_credentials(
    viewer_id: ReadAccounts, session: SessionDep, links: LinksDep
) -> CredentialAccount:
    """The caller's own account, with `source`."""
    profile = await profiles_repository.get(session, viewer_id)
    assert profile is not None  # app_viewer just made sure of it
    return service.credential_account(profile, links)


@router.get("/api/v1/accounts/{user_id}", response_model=Account)
@raises(NotFound)
async def account(profile: ProfileDep, links: LinksDep) -> Account:
    """An account (public: a private account's Account is public, its posts are not)."""
    return service.account(profile, links)
