"""One authorization-code round trip with a provider, shared by sign-in and Instagram linking.

`begin` stores our own data (`next`, who is linking) with Authlib's state; `finish`
returns it with the token, or raises FlowError carrying the code the frontend gets.
"""

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.starlette_client import StarletteOAuth2App
from joserfc.errors import JoseError
from starlette.requests import Request

logger = logging.getLogger(__name__)


class FlowError(Exception):
    def __init__(self, code: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.data = data or {}


def safe_next(value: str | None) -> str:
    """A same-site path, or "/": never an open redirect (`//evil`, `/\\evil`, `https:`)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in value):
        return "/"
    return value


def frontend_url(frontend: str, next_path: str, **params: str) -> str:
    """FRONTEND_URL + next, with `params` (e.g. error=...) added to its query."""
    url = frontend.rstrip("/") + safe_next(next_path)
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params)
    return url


def mfa_step_url(frontend: str, mfa_token: str, next_path: str) -> str:
    """The web app's sign-in page with the second step's token and `next` in the fragment
    (`/signin#mfa_token=...&next=...`): browsers never send a fragment to a server."""
    fragment = urlencode({"mfa_token": mfa_token, "next": safe_next(next_path)})
    return f"{frontend.rstrip('/')}/signin#{fragment}"


async def begin(
    *, request: Request, client: StarletteOAuth2App, redirect_uri: str, **data: Any
) -> str:
    """The provider's authorize URL (state, PKCE, nonce); `data` is kept for `finish`."""
    try:
        # Google's URLs come from its discovery document, fetched here the first time.
        authorization = await client.create_authorization_url(redirect_uri)
    except (httpx2.HTTPError, ValueError) as exc:
        logger.warning("provider unreachable: %s", type(exc).__name__)
        raise FlowError("provider_unavailable", data) from exc
    await client.save_authorize_data(request, redirect_uri=redirect_uri, **authorization, **data)
    result: str = authorization["url"]
    return result


async def finish(
    *, request: Request, client: StarletteOAuth2App
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(our data from `begin`, the provider's token) for this callback."""
    state = request.query_params.get("state")
    data = await client.framework.get_state_data(request.session, state) if state else None
    if request.query_params.get("error"):
        denied = request.query_params["error"] == "access_denied"
        raise FlowError("access_denied" if denied else "provider_error", data)
    if data is None:
        raise FlowError("invalid_state")
    try:
        token = await client.authorize_access_token(request)
    except MismatchingStateError as exc:
        raise FlowError("invalid_state", data) from exc
    except OAuthError as exc:
        logger.info("provider refused the code exchange: %s", exc.error)
        raise FlowError("provider_error", data) from exc
    except httpx2.HTTPError as exc:
        logger.warning("provider unreachable: %s", type(exc).__name__)
        raise FlowError("provider_unavailable", data) from exc
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        # A bad id_token (signature, nonce, audience, issuer) or a malformed answer.
        logger.warning("provider answer refused: %s", type(exc).__name__)
        raise FlowError("invalid_provider_response", data) from exc
    return data, token
