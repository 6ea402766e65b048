"""Dependencies every domain of the service uses: the caller, refused (401) when its account
was deleted while its token still lives."""

from typing import Annotated

from fastapi import Depends

from common.deleted_users import live_user
from common.tokens import Principal
from igscraper.accounts.models import DeletedUser

LiveUser = Annotated[Principal, Depends(live_user(DeletedUser))]
