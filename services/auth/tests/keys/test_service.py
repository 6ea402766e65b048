import asyncio

from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import func, select, text

from auth.keys.models import SigningKey
from auth.keys.service import ensure_signing_key, rotate_signing_key


async def _kids(client) -> list[str]:
    return [key["kid"] for key in (await client.get("/auth/.well-known/jwks.json")).json()["keys"]]


async def test_rotation_signs_with_the_new_key_and_still_accepts_the_old(
    client, make_user, bearer, auth_app
):
    before = await make_user()
    async with auth_app.state.sessionmaker() as session, session.begin():
        new = await rotate_signing_key(session=session, box=auth_app.state.secret_box)
    after = await make_user()
    assert (
        jwt.decode(after["access_token"], ECKey.import_key(new.public_jwk)).header["kid"] == new.kid
    )
    kids = await _kids(client)
    assert kids[0] == new.kid and len(kids) >= 2
    for account in (before, after):
        assert (await client.get("/auth/me", headers=bearer(account))).status_code == 200


async def test_a_retired_key_leaves_the_jwks_once_its_tokens_have_expired(client, auth_app):
    async with auth_app.state.sessionmaker() as session, session.begin():
        old = await rotate_signing_key(session=session, box=auth_app.state.secret_box)
        await rotate_signing_key(session=session, box=auth_app.state.secret_box)
    assert old.kid in await _kids(client)
    expired = auth_app.state.settings.access_token_ttl_seconds + 120
    async with auth_app.state.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE signing_key SET retired_at = retired_at - make_interval(secs => :s)"
                " WHERE kid = :kid"
            ),
            {"s": expired, "kid": old.kid},
        )
    assert old.kid not in await _kids(client)


async def test_replicas_starting_together_create_one_key(auth_app):
    async with auth_app.state.sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE signing_key SET retired_at = now()"))

    async def start_replica() -> str:
        async with auth_app.state.sessionmaker() as session, session.begin():
            key = await ensure_signing_key(session=session, box=auth_app.state.secret_box)
            return key.kid

    kids = await asyncio.gather(*(start_replica() for _ in range(4)))
    assert len(set(kids)) == 1
    async with auth_app.state.sessionmaker() as session:
        active = await session.scalar(
            select(func.count()).select_from(SigningKey).where(SigningKey.retired_at.is_(None))
        )
    assert active == 1


async def test_private_keys_are_stored_encrypted(auth_app):
    async with auth_app.state.sessionmaker() as session:
        stored = (await session.scalars(select(SigningKey.private_key_encrypted))).all()
    assert stored and not any(b"PRIVATE KEY" in blob for blob in stored)


async def test_unsigned_and_foreign_tokens_are_refused(client, make_user):
    account = await make_user()
    claims = account["access_token"].split(".")[1]
    unsigned = f"eyJhbGciOiJub25lIn0.{claims}."  # {"alg": "none"}
    foreign = jwt.encode(
        {"alg": "ES256", "kid": "foreign"},
        {
            "sub": account["user"]["id"],
            "iss": "photo-platform",
            "aud": "photo-platform",
            "exp": 9_999_999_999,
        },
        ECKey.generate_key("P-256"),
    )
    for token in (unsigned, foreign):
        response = await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
