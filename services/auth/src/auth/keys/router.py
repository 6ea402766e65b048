from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

router = APIRouter(prefix="/auth", tags=["auth"])


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(request: Request) -> Response:
    keys = request.app.state.published_keys
    # No longer than the in-memory copy: verifiers refetch on an unknown kid, and a cache
    # in between must not hide a rotation from them for long.
    return JSONResponse(
        await keys.get(), headers={"Cache-Control": f"public, max-age={int(keys.max_age)}"}
    )
