"""The read path (common.reads) writes feed pages straight to JSON: each page must read as
the documented `Page[PostRead]`, and a post in it exactly as the post's own route (built
through the ORM and the response model) shows it."""

import uuid

from common.pagination import Page
from common.read_routes import ReadRoutes
from social.models import PostImage
from social.posts.schemas import PostRead


async def test_every_list_of_posts_shows_a_post_as_its_own_route_does(app, client, user, captioned):
    author, fan = await user(), await user()
    post_id = await captioned(author, f"#ReadPath #서울 with @{fan.username}")
    album = [uuid.uuid4(), uuid.uuid4()]
    async with app.state.sessionmaker() as session, session.begin():
        session.add_all(
            PostImage(
                post_id=uuid.UUID(post_id),
                position=position,
                media_id=media_id,
                alt=f"picture {position} — ünïcödé",
                width=640,
                height=480 + position,
                blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
            )
            for position, media_id in enumerate(album)
        )
    await client.post(f"/users/{author.id}/follow", headers=fan.headers)
    await client.post(f"/posts/{post_id}/like", headers=fan.headers)
    await client.post(f"/posts/{post_id}/bookmark", headers=fan.headers)

    own = await client.get(f"/posts/{post_id}", headers=fan.headers)
    assert own.status_code == 200, own.text
    expected = own.json()
    assert [image["media_id"] for image in expected["images"]] == [str(m) for m in album]
    assert expected["tags"] == ["readpath", "서울"]
    assert expected["mentions"] == [{"id": str(fan.id), "username": fan.username}]
    assert (expected["viewer_reaction"], expected["bookmarked"]) == ("like", True)

    for path in (
        "/feed",
        "/feed/global",
        f"/users/{author.id}/posts",
        "/tags/readpath/posts",
        "/users/me/bookmarks",
    ):
        response = await client.get(path, headers=fan.headers)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"] == "application/json"
        Page[PostRead].model_validate_json(response.content)  # the documented shape
        (shown,) = [item for item in response.json()["items"] if item["id"] == post_id]
        assert shown == expected, path


def test_the_feeds_and_the_timelines_come_the_short_way(app):
    """common.read_routes: past FastAPI's layers, as the most frequent requests."""
    short = ReadRoutes.of(app)
    someone = uuid.uuid4()
    for path in (
        "/feed",
        "/feed/global",
        "/posts",
        f"/users/{someone}/posts",
        "/tags/travel/posts",
        "/api/v1/timelines/home",
        "/api/v1/timelines/public",
        "/api/v1/timelines/tag/travel",
    ):
        assert short.app_for({"method": "GET", "path": path}) is not None, path
    for method, path in (("HEAD", "/feed"), ("POST", "/posts"), ("GET", f"/posts/{someone}")):
        assert short.app_for({"method": method, "path": path}) is None, (method, path)
