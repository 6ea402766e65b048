"""A user.deleted event takes everything of the user out of social, keeps every other
user's counters exact, is reported done, and changes nothing when applied again."""

import asyncio

from sqlalchemy import text

from social.models import DeletedUser


async def deletion_reported(app, user_id, *, after="0") -> str:
    """The id of the social's done report for the user, waiting for it."""
    redis, stream = app.state.redis, app.state.settings.deletions_stream
    async with asyncio.timeout(10):
        while True:
            for entry_id, fields in await redis.xrange(stream, min=after):
                if fields["user_id"] == str(user_id) and fields["service"] == "social":
                    return entry_id
            await asyncio.sleep(0.05)


async def delete_account(app, user_id, after="0") -> str:
    await app.state.redis.xadd(
        app.state.settings.users_stream, {"type": "user.deleted", "user_id": str(user_id)}
    )
    return await deletion_reported(app, user_id, after=after)


async def rows_naming(app, user_id) -> dict[str, int]:
    """Rows of every social table that name the user in any column (tombstone aside)."""
    async with app.state.sessionmaker() as session:
        tables = (
            await session.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns"
                    " WHERE table_schema = 'public' AND data_type IN ('uuid', 'character varying')"
                    " AND table_name NOT IN ('alembic_version', :tombstones)"
                ),
                {"tombstones": DeletedUser.__tablename__},
            )
        ).all()
        found = {}
        for table, column in tables:
            count = await session.scalar(
                text(f'SELECT count(*) FROM "{table}" WHERE "{column}"::text = :id'),  # noqa: S608 (names from the catalogue)
                {"id": str(user_id)},
            )
            if count:
                found[f"{table}.{column}"] = count
        return found


async def test_a_deleted_account_leaves_nothing_and_every_counter_exact(app, client, user, post_by):
    gone, b, c = await user(), await user(), await user()
    b_post, gone_post = await post_by(b), await post_by(gone)
    await client.post(f"/posts/{b_post}/like", headers=gone.headers)
    await client.post(f"/posts/{b_post}/like", headers=c.headers)
    for _ in range(2):
        await client.post(f"/posts/{b_post}/comments", json={"content": "x"}, headers=gone.headers)
    await client.post(f"/posts/{b_post}/comments", json={"content": "y"}, headers=c.headers)
    await client.post(f"/posts/{gone_post}/like", headers=b.headers)
    await client.post(f"/posts/{gone_post}/comments", json={"content": "z"}, headers=b.headers)
    await client.post(f"/users/{b.id}/follow", headers=gone.headers)
    await client.post(f"/users/{gone.id}/follow", headers=b.headers)
    await client.post(f"/users/{gone.id}/follow", headers=c.headers)
    await client.post(f"/users/{c.id}/mute", headers=gone.headers)
    await client.post(f"/users/{gone.id}/block", headers=(await user()).headers)

    first = await delete_account(app, gone.id)

    post = (await client.get(f"/posts/{b_post}")).json()
    assert (post["like_count"], post["comment_count"]) == (1, 1)
    assert (await client.get(f"/posts/{gone_post}")).status_code == 404
    for who, following in ((b, 0), (c, 0)):
        profile = (await client.get(f"/users/{who.id}")).json()
        assert (profile["followers_count"], profile["following_count"]) == (0, following)
    assert (await client.get(f"/users/{b.id}/stats")).json()["likes_received"] == 1
    notified = (await client.get("/notifications", headers=b.headers)).json()["items"]
    assert [(n["kind"], n["actors_count"]) for n in notified] == [("comment", 1), ("like", 1)]
    assert (await client.get(f"/users/{gone.id}")).status_code == 404
    assert await rows_naming(app, gone.id) == {}

    # Its still-valid token cannot bring a profile back.
    refused = await client.get("/feed", headers=gone.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "account_deleted")

    # Applied again (a redelivery): nothing changes, done is reported again.
    await delete_account(app, gone.id, after=f"({first}")
    assert (await client.get(f"/posts/{b_post}")).json()["like_count"] == 1
    assert await rows_naming(app, gone.id) == {}
