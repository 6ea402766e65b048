"""Service-to-service endpoints: guarded by the shared secret every service is given as
its settings' `internal_token`, sent as X-Internal-Token."""

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request

from common.errors import Forbidden, Unauthorized
from common.openapi import raises


@raises(Unauthorized, Forbidden)
async def require_internal_token(
    request: Request,
    token: Annotated[str | None, Header(alias="X-Internal-Token", include_in_schema=False)] = None,
) -> None:
    """Service-to-service calls carry the shared secret; an unset secret admits nobody."""
    if not token:
        raise Unauthorized("Internal endpoint", code="internal_token_required")
    expected = request.app.state.settings.internal_token.get_secret_value().encode()
    if not expected or not hmac.compare_digest(token.encode(), expected):
        raise Forbidden("Invalid internal token", code="invalid_internal_token")


InternalCaller = Depends(require_internal_token)
