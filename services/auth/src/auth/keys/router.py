from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from auth.keys.service import published_jwks
from common.db import SessionDep

router = APIRouter(prefix="/auth", tags=["auth"])


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(request: Request, session: SessionDep) -> Response:
    ttl = timedelta(seconds=request.app.state.settings.access_token_ttl_seconds)
    body = await published_jwks(session=session, access_token_ttl=ttl)
    # Verifiers refetch on an unknown kid anyway, so a short cache is safe.
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})
