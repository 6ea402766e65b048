import uuid
from typing import Annotated

from fastapi import Depends

from auth.passkeys import repository
from auth.passkeys.models import Passkey
from auth.users.dependencies import CurrentAccount
from common.db import SessionDep
from common.errors import NotFound
from common.openapi import raises


@raises(NotFound)
async def owned_passkey(
    passkey_id: uuid.UUID, user: CurrentAccount, session: SessionDep
) -> Passkey:
    """One of the signed-in user's passkeys; anyone else's is a 404, as a missing one."""
    passkey = await repository.get_owned(session, passkey_id, user.id)
    if passkey is None:
        raise NotFound("No such passkey", code="passkey_not_found")
    return passkey


PasskeyDep = Annotated[Passkey, Depends(owned_passkey)]
