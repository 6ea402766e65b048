"""Reactions: exclusive, idempotent, removable, and counted exactly under concurrency."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from common.errors import NotFound
from social.models import ReactionKind
from social.posts import repository as posts_repository
from social.posts import service as posts_service
from social.reactions import service as reactions


async def react(client, who, post_id, kind, method="POST"):
    response = await client.request(method, f"/posts/{post_id}/{kind}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_like_replaces_a_dislike_and_repeats_change_nothing(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    for _ in range(2):
        post = await react(client, fan, post_id, "like")
    assert (post["like_count"], post["dislike_count"], post["viewer_reaction"]) == (1, 0, "like")
    post = await react(client, fan, post_id, "dislike")
    assert (post["like_count"], post["dislike_count"], post["viewer_reaction"]) == (
        0,
        1,
        "dislike",
    )
    # Removing a like the user does not have leaves the dislike alone.
    post = await react(client, fan, post_id, "like", method="DELETE")
    assert (post["dislike_count"], post["viewer_reaction"]) == (1, "dislike")
    post = await react(client, fan, post_id, "dislike", method="DELETE")
    assert (post["like_count"], post["dislike_count"], post["viewer_reaction"]) == (0, 0, None)


async def test_viewer_reaction_is_the_viewers_own(client, user, post_by):
    author, fan, other = await user(), await user(), await user()
    post_id = await post_by(author)
    await react(client, fan, post_id, "like")
    seen = (await client.get(f"/posts/{post_id}", headers=other.headers)).json()
    assert (seen["like_count"], seen["viewer_reaction"]) == (1, None)
    anonymous = (await client.get(f"/posts/{post_id}")).json()
    assert anonymous["viewer_reaction"] is None


async def test_100_parallel_likes_from_100_users_count_100(client, user, post_by):
    author = await user()
    post_id = await post_by(author)
    fans = await asyncio.gather(*(user() for _ in range(100)))
    responses = await asyncio.gather(
        *(client.post(f"/posts/{post_id}/like", headers=fan.headers) for fan in fans)
    )
    assert {r.status_code for r in responses} == {200}
    assert (await client.get(f"/posts/{post_id}")).json()["like_count"] == 100


async def test_one_user_racing_like_and_dislike_ends_with_one_reaction(client, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    await asyncio.gather(
        *(
            client.post(f"/posts/{post_id}/{kind}", headers=fan.headers)
            for kind in ["like", "dislike"] * 10
        )
    )
    post = (await client.get(f"/posts/{post_id}", headers=fan.headers)).json()
    assert post["like_count"] + post["dislike_count"] == 1
    assert post[f"{post['viewer_reaction']}_count"] == 1


async def test_reacting_to_a_missing_post_is_404(client, user):
    fan = await user()
    response = await client.post("/posts/not-a-post/like", headers=fan.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "post_not_found"


class _Media:
    """Stands in for media where a test is about Postgres locks, not images."""

    async def delete_unused(self, *, media_id):
        return None


async def _blocked(app, pid: int) -> None:
    """Until backend `pid` waits on a lock another transaction holds."""
    async with app.state.sessionmaker() as probe, asyncio.timeout(10):
        while not await probe.scalar(
            text("SELECT cardinality(pg_blocking_pids(:pid)) > 0"), {"pid": pid}
        ):
            await probe.rollback()
            await asyncio.sleep(0.02)


async def test_a_post_delete_racing_a_reaction_change_does_not_deadlock(
    app, client, user, post_by, monkeypatch
):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    await react(client, fan, post_id, "like")
    # The reaction has taken its locks and is about to count; the delete starts there.
    reaction_locked, delete_blocked = asyncio.Event(), asyncio.Event()
    change = reactions.repository.change

    async def paused_change(session, **kwargs):
        await change(session, **kwargs)
        reaction_locked.set()
        await delete_blocked.wait()

    monkeypatch.setattr(reactions.repository, "change", paused_change)

    async def dislike() -> None:
        async with app.state.sessionmaker() as session:
            post = await posts_repository.get(session, post_id)
            await reactions.react(
                session=session, post=post, user_id=fan.id, kind=ReactionKind.dislike
            )
            await session.commit()

    async def delete() -> None:
        await reaction_locked.wait()
        async with app.state.sessionmaker() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            post = await posts_repository.get(session, post_id)
            waiting = asyncio.create_task(_blocked(app, pid))
            waiting.add_done_callback(lambda _: delete_blocked.set())
            await posts_service.delete_post(
                session=session,
                post=post,
                media=_Media(),
                retry_after=timedelta(0),
            )
            await session.commit()
            await waiting

    await asyncio.gather(dislike(), delete())
    assert (await client.get(f"/posts/{post_id}")).status_code == 404


async def test_reacting_to_a_post_deleted_meanwhile_is_404_not_500(app, user, post_by):
    author, fan = await user(), await user()
    post_id = await post_by(author)
    async with app.state.sessionmaker() as deleting:
        post = await posts_repository.get(deleting, post_id)
        await posts_repository.delete_post(deleting, post)
        async with app.state.sessionmaker() as session:
            pid = await session.scalar(text("SELECT pg_backend_pid()"))
            reacting = asyncio.create_task(
                reactions.react(session=session, post=post, user_id=fan.id, kind=ReactionKind.like)
            )
            await _blocked(app, pid)
            await deleting.commit()
            with pytest.raises(NotFound) as raised:
                await reacting
            assert raised.value.code == "post_not_found"
