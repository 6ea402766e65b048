"""People search: a username prefix, any case, paged, served by its index."""

import uuid

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from social.profiles.repository import search_query


def tag() -> str:
    """A username stem no other test's users share."""
    return f"s{uuid.uuid4().hex[:8]}"


async def search(client, q: str, headers=None, **params) -> dict:
    response = await client.get("/users/search", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_prefix_finds_usernames_in_any_case_in_name_order(client, user):
    stem = tag()
    bo, anna, ann = await user(f"{stem}_Bo"), await user(f"{stem}anna"), await user(f"{stem}Ann")
    found = await search(client, stem.upper() + "AN")
    assert [item["username"] for item in found["items"]] == [ann.username, anna.username]
    assert found["next_cursor"] is None
    everyone = await search(client, f"@{stem}")  # as typed after an "@"
    assert {item["id"] for item in everyone["items"]} == {str(bo.id), str(anna.id), str(ann.id)}


async def test_wildcard_characters_are_only_themselves(client, user):
    stem = tag()
    await user(f"{stem}ab")
    assert (await search(client, f"{stem}_"))["items"] == []
    assert (await search(client, f"{stem}%"))["items"] == []
    underscored = await user(f"{stem}_x")
    assert [i["id"] for i in (await search(client, f"{stem}_"))["items"]] == [str(underscored.id)]


async def test_items_carry_bio_avatar_and_whether_the_viewer_follows(client, user):
    stem = tag()
    me, followed, other = await user(), await user(f"{stem}a"), await user(f"{stem}b")
    await client.patch("/users/me", json={"bio": "hello"}, headers=followed.headers)
    await client.post(f"/users/{followed.id}/follow", headers=me.headers)
    items = (await search(client, stem, headers=me.headers))["items"]
    assert items == [
        {
            "id": str(followed.id),
            "username": followed.username,
            "avatar_url": None,
            "bio": "hello",
            "is_following": True,
        },
        {
            "id": str(other.id),
            "username": other.username,
            "avatar_url": None,
            "bio": "",
            "is_following": False,
        },
    ]
    anonymous = (await search(client, stem))["items"]
    assert [item["is_following"] for item in anonymous] == [False, False]


async def test_pages_follow_the_cursor_without_repeats_or_gaps(client, user):
    stem = tag()
    names = sorted(f"{stem}{letter}" for letter in "edcba")
    for name in names:
        await user(name)
    seen, cursor = [], None
    for _ in range(3):
        page = await search(client, stem, limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["username"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert seen == names
    assert cursor is None


async def test_bad_queries_are_422(client):
    for params in (
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "@"},
        {"q": "a" * 65},
        {"q": "a", "limit": 0},
    ):
        response = await client.get("/users/search", params=params)
        assert response.status_code == 422, params
        assert "error" in response.json()


async def test_the_search_reads_one_index_range_already_in_order(app):
    query = search_query(prefix="Ab_", viewer_id=uuid.uuid4(), after=uuid.uuid4(), limit=21)
    sql = query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    async with app.state.sessionmaker() as session, session.begin():
        # A test table is small enough that a scan would win; this asks whether the index can
        # serve the query at all, as it will once the table is big.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join((await session.execute(text(f"EXPLAIN {sql}"))).scalars())
    assert "ix_profile_username_search" in plan, plan
    assert "Sort" not in plan, plan
