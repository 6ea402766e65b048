import asyncio

from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import event, func, select, text

from auth.keys.models import SigningKey
from auth.keys.service import ensure_signing_key, rotate_signing_key
from tests.support.polling import eventually


async def _kids(client) -> list[str]:
    return [key["kid"] for key in (await client.get("/auth/.well-known/jwks.json")).json()["keys"]]


async def _has(client, kid: str) -> bool:
    return kid in await _kids(client)


async def _lacks(client, kid: str) -> bool:
    return kid not in await _kids(client)


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
    # Served from memory: the rotations show once the copy is older than its max-age.
    wait = auth_app.state.settings.jwks_max_age_seconds + 10
    await eventually(lambda: _has(client, old.kid), timeout=wait)
    expired = auth_app.state.settings.access_token_ttl_seconds + 120
    async with auth_app.state.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "UPDATE signing_key SET retired_at = retired_at - make_interval(secs => :s)"
                " WHERE kid = :kid"
            ),
            {"s": expired, "kid": old.kid},
        )
    await eventually(lambda: _lacks(client, old.kid), timeout=wait)


async def test_the_jwks_is_served_from_memory_not_read_per_request(client, auth_app):
    await _kids(client)
    reads = []

    def count(_conn, _cursor, statement, *_args):
        if "signing_key" in statement:
            reads.append(statement)

    engine = auth_app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        responses = await asyncio.gather(
            *(client.get("/auth/.well-known/jwks.json") for _ in range(20))
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert all(r.status_code == 200 for r in responses)
    # At most one read, should the copy's max-age end during the burst.
    assert len(reads) <= 1
    max_age = auth_app.state.settings.jwks_max_age_seconds
    assert responses[0].headers["Cache-Control"] == f"public, max-age={max_age}"


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
