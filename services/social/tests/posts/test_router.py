"""Posts with real images: uploaded through social to the real media service, shown by
gateway links, deleted with their media, and never showing someone else's media."""

import io
import uuid
from datetime import timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.errors import NotFound
from social.posts import repository as posts_repository
from social.posts import service as posts_service
from social.profiles import repository as profiles_repository
from stack.processes import free_port


def png(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    return buffer.getvalue()


async def upload_post(client, who, caption="hello", image=None):
    files = {"image": ("photo.png", image or png(), "image/png")}
    return await client.post("/posts", data={"caption": caption}, files=files, headers=who.headers)


@pytest.fixture
async def media_http(media):
    async with httpx.AsyncClient(base_url=media) as client:
        yield client


async def test_an_uploaded_image_becomes_a_post_with_gateway_links(client, user, media_http):
    me = await user()
    response = await upload_post(client, me, caption="sunset", image=png("orange"))
    assert response.status_code == 201, response.text
    post = response.json()
    media_id = post["image_url"].split("/")[-2]
    # Signed links (common.image_urls): media serves a post's image on them only.
    assert post["image_url"].startswith(f"http://gateway.test/media/{media_id}/original?exp=")
    assert post["thumbnail_url"].startswith(
        f"http://gateway.test/media/{media_id}/thumb?size=small&exp="
    )
    assert [image["url"] for image in post["images"]] == [post["image_url"]]
    assert (post["caption"], post["author"]["username"]) == ("sunset", me.username)
    stored = (await media_http.get(f"/media/{media_id}", headers=me.headers)).json()
    assert stored["owner_id"] == str(me.id)
    assert (await client.get(f"/users/{me.id}")).json()["posts_count"] == 1


async def test_a_post_of_my_own_media_by_id(client, user, media_http):
    me = await user()
    uploaded = await media_http.post(
        "/media", files={"file": ("a.png", png("blue"), "image/png")}, headers=me.headers
    )
    media_id = uploaded.json()["id"]
    response = await client.post(
        "/posts", json={"media_id": media_id, "caption": "by id"}, headers=me.headers
    )
    assert response.status_code == 201, response.text
    assert media_id in response.json()["image_url"]


async def test_someone_elses_media_is_403(client, user, media_http):
    owner, thief = await user(), await user()
    uploaded = await media_http.post(
        "/media", files={"file": ("a.png", png("green"), "image/png")}, headers=owner.headers
    )
    response = await client.post(
        "/posts", json={"media_id": uploaded.json()["id"]}, headers=thief.headers
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "media_not_owned"
    assert (await client.get(f"/users/{thief.id}")).json()["posts_count"] == 0


async def test_unknown_media_is_404(client, user, media):
    me = await user()
    response = await client.post("/posts", json={"media_id": str(uuid.uuid4())}, headers=me.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "media_not_found"


async def test_a_caption_of_2201_characters_is_422_either_way(client, user):
    me = await user()
    as_json = await client.post(
        "/posts", json={"media_id": str(uuid.uuid4()), "caption": "c" * 2201}, headers=me.headers
    )
    as_form = await upload_post(client, me, caption="c" * 2201)
    for response in (as_json, as_form):
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["field"] == "caption"
    assert (await client.get(f"/users/{me.id}")).json()["posts_count"] == 0


async def test_not_an_image_is_refused_with_medias_415(client, user, media):
    me = await user()
    response = await upload_post(client, me, image=b"plain text, not a picture")
    assert response.status_code == 415
    assert (await client.get(f"/users/{me.id}")).json()["posts_count"] == 0


async def test_a_multipart_post_needs_an_image(client, user):
    me = await user()
    response = await client.post(
        "/posts", data={"caption": "no picture"}, files={"x": ("", b"")}, headers=me.headers
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "image"


async def test_only_the_author_deletes_a_post_and_its_media_goes_with_it(client, user, media_http):
    author, other = await user(), await user()
    post = (await upload_post(client, author, image=png("purple"))).json()
    media_id = post["image_url"].split("/")[-2]
    refused = await client.delete(f"/posts/{post['id']}", headers=other.headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_post_author"
    assert (await client.delete(f"/posts/{post['id']}", headers=author.headers)).status_code == 204
    assert (await client.get(f"/posts/{post['id']}")).status_code == 404
    assert (await media_http.get(f"/media/{media_id}", headers=author.headers)).status_code == 404
    assert (await client.get(f"/users/{author.id}")).json()["posts_count"] == 0


async def test_media_shared_by_two_posts_stays_until_the_last_goes(client, user, media_http):
    me = await user()
    image = png("teal")
    first = (await upload_post(client, me, image=image)).json()
    second = (await upload_post(client, me, image=image)).json()  # media deduplicates
    media_id = first["image_url"].split("/")[-2]
    assert media_id in second["image_url"]
    await client.delete(f"/posts/{first['id']}", headers=me.headers)
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 200
    await client.delete(f"/posts/{second['id']}", headers=me.headers)
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 404


async def test_media_down_after_the_commit_still_deletes_the_post(
    app, client, user, post_by, monkeypatch, caplog
):
    me = await user()
    post_id = await post_by(me)
    monkeypatch.setattr(app.state.media.http, "base_url", f"http://127.0.0.1:{free_port()}")
    response = await client.delete(f"/posts/{post_id}", headers=me.headers)
    assert response.status_code == 204
    assert (await client.get(f"/posts/{post_id}")).status_code == 404
    assert (await client.get(f"/users/{me.id}")).json()["posts_count"] == 0
    (left_behind,) = [r for r in caplog.records if r.name == "social.posts.service"]
    assert left_behind.post_id == str(post_id)
    assert "Bearer" not in left_behind.getMessage()


class CommitFails(AsyncSession):
    async def commit(self) -> None:
        raise OperationalError("COMMIT", {}, ConnectionError("connection lost"))


async def test_a_failed_commit_keeps_the_post_and_its_media(app, user, media_http):
    me = await user()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://test"
    ) as client:
        post = (await upload_post(client, me, image=png("olive"))).json()
        media_id = post["image_url"].split("/")[-2]
        sessionmaker = app.state.sessionmaker
        app.state.sessionmaker = async_sessionmaker(
            app.state.engine, class_=CommitFails, expire_on_commit=False
        )
        try:
            response = await client.delete(f"/posts/{post['id']}", headers=me.headers)
        finally:
            app.state.sessionmaker = sessionmaker
        assert response.status_code == 500
        assert (await client.get(f"/posts/{post['id']}")).status_code == 200
    assert (await media_http.get(f"/media/{media_id}", headers=me.headers)).status_code == 200


async def test_the_loser_of_two_racing_deletes_is_404_and_counts_nothing(app, user, post_by, media):
    me = await user()
    post_id = await post_by(me)
    async with app.state.sessionmaker() as first, app.state.sessionmaker() as second:
        post = await posts_repository.get(first, post_id)
        await posts_service.delete_post(
            session=first,
            post=post,
            media=app.state.media,
            retry_after=timedelta(0),
        )
        await first.commit()
        # The second still holds the post it loaded before the first deleted it.
        with pytest.raises(NotFound):
            await posts_service.delete_post(
                session=second,
                post=post,
                media=app.state.media,
                retry_after=timedelta(0),
            )
    async with app.state.sessionmaker() as session:
        assert (await profiles_repository.get(session, me.id)).posts_count == 0


async def test_an_avatar_must_be_my_own_media(client, user, media_http):
    me, other = await user(), await user()
    mine = await media_http.post(
        "/media", files={"file": ("me.png", png("yellow"), "image/png")}, headers=me.headers
    )
    media_id = mine.json()["id"]
    refused = await client.patch(
        "/users/me", json={"avatar_media_id": media_id}, headers=other.headers
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "media_not_owned"
    accepted = await client.patch(
        "/users/me", json={"avatar_media_id": media_id}, headers=me.headers
    )
    avatar = f"http://gateway.test/media/{media_id}/thumb?size=small&exp="
    assert accepted.json()["avatar_url"].startswith(avatar)
    cleared = await client.patch("/users/me", json={"avatar_media_id": None}, headers=me.headers)
    assert cleared.json()["avatar_url"] is None
