"""Feeds: newest first, cursor paged without repeats or gaps, viewer fields per page."""

import asyncio
from contextlib import contextmanager

from sqlalchemy import event

from common.pagination import encode_cursor


async def page_through(client, path, *, headers=None, limit=5, between=None, stop=None):
    """Every id of a feed, page by page; `between()` runs after each page."""
    seen, cursor = [], None
    while True:
        params = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None or (stop and stop(seen)):
            return seen
        if between:
            await between()


async def test_paging_global_while_others_post_returns_each_old_post_once(client, user, post_by):
    author, newcomer = await user(), await user()
    old = [str(await post_by(author)) for _ in range(12)]

    async def someone_posts():
        await post_by(newcomer)

    seen = await page_through(
        client, "/feed/global", between=someone_posts, stop=lambda ids: old[0] in ids
    )
    ours = [post_id for post_id in seen if post_id in old]
    assert ours == old[::-1]  # each exactly once, newest first
    assert len(seen) == len(set(seen))


async def test_home_feed_has_followed_and_own_posts_only(client, user, post_by):
    me, friend, stranger = await user(), await user(), await user()
    await client.post(f"/users/{friend.id}/follow", headers=me.headers)
    expected = [
        str(await post_by(friend)),
        str(await post_by(me)),
        str(await post_by(stranger)),
        str(await post_by(friend)),
    ]
    del expected[2]
    seen = await page_through(client, "/feed", headers=me.headers, limit=2)
    assert seen == expected[::-1]


async def test_home_feed_needs_a_signed_in_user(client):
    assert (await client.get("/feed")).status_code == 401


async def test_user_posts_are_that_users_newest_first(client, user, post_by):
    author, other = await user(), await user()
    mine = [str(await post_by(author)) for _ in range(3)]
    await post_by(other)
    assert await page_through(client, f"/users/{author.id}/posts", limit=2) == mine[::-1]


async def test_bad_paging_parameters_are_clear_errors(client):
    # Well-formed, but no key of this list: 400; outside the cursor alphabet: 422.
    foreign = await client.get("/feed/global", params={"cursor": encode_cursor(("a", 1))})
    assert foreign.status_code == 400
    assert foreign.json()["error"]["code"] == "invalid_cursor"
    assert (await client.get("/feed/global", params={"cursor": "!!"})).status_code == 422
    assert (await client.get("/feed/global", params={"limit": 101})).status_code == 422


BACKGROUND_LOOPS = {"media deletion relay", "user events consumer"}


@contextmanager
def counting_queries(app):
    statements = []

    def count(*_args):
        # The app's background loops (the media deletion relay) share the engine: not ours.
        if asyncio.current_task().get_name() not in BACKGROUND_LOOPS:
            statements.append(1)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@contextmanager
def counting_reads(app):
    """Statements sent on the read path (common.reads), which the engine never sees."""
    reads, statements = app.state.reads, []
    fetch = reads.fetch

    async def counted(query, **params):
        statements.append(query)
        return await fetch(query, **params)

    reads.fetch = counted
    try:
        yield statements
    finally:
        del reads.fetch


async def test_viewer_fields_cost_one_query_per_page_not_per_post(app, client, user, post_by):
    author, fan = await user(), await user()
    for _ in range(20):
        post_id = await post_by(author)
        await client.post(f"/posts/{post_id}/like", headers=fan.headers)
    await client.post(f"/users/{author.id}/follow", headers=fan.headers)
    counts = {}
    for limit in (2, 20):
        with counting_queries(app) as orm, counting_reads(app) as reads:
            body = (await client.get("/feed", params={"limit": limit}, headers=fan.headers)).json()
        assert all(item["viewer_reaction"] == "like" for item in body["items"])
        counts[limit] = (len(orm), len(reads))
    # No unit of work for a read; one statement a page: the followees, the plan and the
    # page with every viewer field.
    assert counts[2] == counts[20] == (0, 1)
