from typing import Annotated

from fastapi import Depends, Request

from common.app_tokens import app_scope
from common.errors import Unauthorized
from common.openapi import raises
from common.tokens import Principal

any_app_token = app_scope(None, user=False)


@raises(Unauthorized)
async def current_app(
    request: Request, principal: Annotated[Principal, Depends(any_app_token)]
) -> Principal:
    """An app's token, any scope, user or not; auth's own verifier reads no revocations,
    so they are checked here (as `CurrentAccount` does)."""
    if request.app.state.revocations.refuses(principal.claims):
        raise Unauthorized("The access token was revoked", code="token_revoked")
    return principal


CurrentApp = Annotated[Principal, Depends(current_app)]
