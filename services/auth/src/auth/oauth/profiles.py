"""Each provider's user, read from its own API shape into one ProviderProfile."""

from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.starlette_client import StarletteOAuth2App

from auth.config import Settings


@dataclass(frozen=True)
class ProviderProfile:
    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    picture: str | None
    raw: dict[str, Any] = field(repr=False)


async def _kakao(
    client: StarletteOAuth2App, token: dict[str, Any], settings: Settings
) -> ProviderProfile:
    response = await client.get(settings.kakao_userinfo_url, token=token)
    response.raise_for_status()
    data = response.json()
    account = data.get("kakao_account") or {}
    profile = account.get("profile") or {}
    return ProviderProfile(
        provider="kakao",
        subject=str(data["id"]),
        email=account.get("email"),
        email_verified=bool(account.get("is_email_valid") and account.get("is_email_verified")),
        name=profile.get("nickname"),
        picture=profile.get("profile_image_url"),
        raw={"nickname": profile.get("nickname"), "connected_at": data.get("connected_at")},
    )


async def _google(
    client: StarletteOAuth2App, token: dict[str, Any], settings: Settings
) -> ProviderProfile:
    # Authlib already verified the id_token: signature, iss, aud, exp and our nonce.
    claims = token["userinfo"]
    return ProviderProfile(
        provider="google",
        subject=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=bool(claims.get("email_verified")),
        name=claims.get("name"),
        picture=claims.get("picture"),
        raw={"name": claims.get("name"), "locale": claims.get("locale")},
    )


async def _meta(
    client: StarletteOAuth2App, token: dict[str, Any], settings: Settings
) -> ProviderProfile:
    # The token goes in the Authorization header, never in a URL that could be logged.
    response = await client.get(
        f"{settings.meta_graph_url}/me", params={"fields": "id,name,email,picture"}, token=token
    )
    response.raise_for_status()
    data = response.json()
    picture = ((data.get("picture") or {}).get("data") or {}).get("url")
    return ProviderProfile(
        provider="meta",
        subject=str(data["id"]),
        email=data.get("email"),
        # Graph returns only an address the person confirmed with Facebook.
        email_verified=data.get("email") is not None,
        name=data.get("name"),
        picture=picture,
        raw={"name": data.get("name")},
    )


FETCHERS = {"kakao": _kakao, "google": _google, "meta": _meta}


async def fetch_profile(
    *, provider: str, client: StarletteOAuth2App, token: dict[str, Any], settings: Settings
) -> ProviderProfile:
    """The signed-in provider user, from the provider's userinfo API or id_token."""
    return await FETCHERS[provider](client, token, settings)
