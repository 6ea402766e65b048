"""Posts as people post them, through the gateway: albums of 1–10 images in order with alt
text and blurhashes, content warnings, edits, and alt text changed in media."""

import io
import uuid
from urllib.parse import urlsplit

from PIL import Image

from tests.e2e.accounts import png, signed_up
from tests.support.polling import eventually


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def counts(gateway, user_id: str, headers) -> tuple[int, int]:
    """(posts, stored media) of a user."""
    posts = (await gateway.get(f"/users/{user_id}")).json()["posts_count"]
    media = (await gateway.get("/media/quota", headers=headers)).json()["count"]
    return posts, media


async def test_an_album_keeps_its_order_alt_texts_sizes_and_blurhashes(gateway):
    _, headers = await signed_up(gateway)
    colors = [("red", (80, 60)), ("green", (60, 80)), ("blue", (50, 50))]
    files = [("image", (f"{c}.png", png(c, size), "image/png")) for c, size in colors]
    data = {
        "caption": "three",
        "alt": ["a red field", "", "blue 💙"],
        "sensitive": "true",
        "spoiler_text": "colours",
    }
    created = await gateway.post("/posts", data=data, files=files, headers=headers)
    assert created.status_code == 201, created.text
    post = created.json()
    images = post["images"]
    assert [i["alt"] for i in images] == ["a red field", "", "blue 💙"]
    assert [(i["width"], i["height"]) for i in images] == [size for _, size in colors]
    assert all(len(i["blurhash"]) == 28 for i in images)
    assert post["image_url"] == images[0]["url"]
    assert post["thumbnail_url"] == images[0]["thumbnail_url"]
    assert (post["sensitive"], post["spoiler_text"], post["edited_at"]) == (True, "colours", None)

    anonymous_view = (await gateway.get(f"/posts/{post['id']}")).json()
    assert [i["media_id"] for i in anonymous_view["images"]] == [i["media_id"] for i in images]
    for image, (color, _) in zip(images, colors, strict=True):
        served = await gateway.get(path_of(image["url"]))  # the signed link, as handed out
        assert served.status_code == 200
        assert Image.open(io.BytesIO(served.content)).getpixel((0, 0)) == Image.new(
            "RGB", (1, 1), color
        ).getpixel((0, 0))
        assert (await gateway.get(path_of(image["thumbnail_url"]))).status_code == 200
        # Unsigned, a post's image is not served to just anyone.
        unsigned = await gateway.get(f"/media/{image['media_id']}/original")
        assert unsigned.status_code == 404


async def test_a_json_album_takes_each_medias_description_as_its_alt(gateway):
    _, headers = await signed_up(gateway)
    uploaded = []
    for color, alt in (("navy", "the sea at night"), ("gold", "")):
        response = await gateway.post(
            "/media",
            data={"description": alt},
            files={"file": ("p.png", png(color), "image/png")},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["description"] == alt and response.json()["blurhash"]
        uploaded.append(response.json()["id"])
    body = {"media_ids": list(reversed(uploaded)), "caption": "two", "sensitive": False}
    created = await gateway.post("/posts", json=body, headers=headers)
    assert created.status_code == 201, created.text
    images = created.json()["images"]
    assert [i["media_id"] for i in images] == list(reversed(uploaded))
    assert [i["alt"] for i in images] == ["", "the sea at night"]


async def test_eleven_images_or_none_are_422_and_store_nothing(gateway):
    user, headers = await signed_up(gateway)
    before = await counts(gateway, user["id"], headers)
    eleven = [("image", (f"{n}.png", png("red"), "image/png")) for n in range(11)]
    too_many = await gateway.post("/posts", files=eleven, headers=headers)
    assert too_many.status_code == 422, too_many.text
    none = await gateway.post("/posts", data={"caption": "nothing"}, headers=headers)
    assert none.status_code == 422
    ids = [str(uuid.uuid4()) for _ in range(11)]
    assert (
        await gateway.post("/posts", json={"media_ids": ids}, headers=headers)
    ).status_code == 422
    assert (
        await gateway.post("/posts", json={"media_ids": []}, headers=headers)
    ).status_code == 422
    mismatched = await gateway.post(
        "/posts",
        data={"alt": ["one", "two"]},
        files=[("image", ("a.png", png("red"), "image/png"))],
        headers=headers,
    )
    assert mismatched.status_code == 422
    assert await counts(gateway, user["id"], headers) == before


async def test_someone_elses_media_in_an_album_is_403_and_nothing_is_stored(gateway):
    user, headers = await signed_up(gateway)
    _, other_headers = await signed_up(gateway)
    mine = await gateway.post(
        "/media", files={"file": ("m.png", png("olive"), "image/png")}, headers=headers
    )
    theirs = await gateway.post(
        "/media", files={"file": ("t.png", png("teal"), "image/png")}, headers=other_headers
    )
    before = await counts(gateway, user["id"], headers)
    refused = await gateway.post(
        "/posts",
        json={"media_ids": [mine.json()["id"], theirs.json()["id"]]},
        headers=headers,
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "media_not_owned"
    assert await counts(gateway, user["id"], headers) == before
    # Neither was attached: both still open as plain uploads.
    for media in (mine, theirs):
        assert (await gateway.get(f"/media/{media.json()['id']}/original")).status_code == 200


async def test_an_owner_edits_a_post_and_an_alt_text(gateway):
    _, headers = await signed_up(gateway)
    _, other_headers = await signed_up(gateway)
    files = {"image": ("p.png", png("purple"), "image/png")}
    post = (
        await gateway.post("/posts", data={"caption": "before"}, files=files, headers=headers)
    ).json()
    path = f"/posts/{post['id']}"

    refused = await gateway.patch(path, json={"caption": "mine now"}, headers=other_headers)
    assert refused.status_code == 403
    edited = await gateway.patch(
        path,
        json={"caption": "after", "sensitive": True, "spoiler_text": "purple"},
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["caption"], body["sensitive"], body["spoiler_text"]) == ("after", True, "purple")
    assert body["edited_at"] is not None
    assert (await gateway.get(path)).json()["caption"] == "after"
    assert (
        await gateway.patch(path, json={"spoiler_text": "x" * 501}, headers=headers)
    ).status_code == 422

    media_path = f"/media/{post['images'][0]['media_id']}"
    described = await gateway.patch(media_path, json={"description": "a plum"}, headers=headers)
    assert described.status_code == 200 and described.json()["description"] == "a plum"

    async def the_post_says_it() -> bool:
        return (await gateway.get(path)).json()["images"][0]["alt"] == "a plum"

    await eventually(the_post_says_it)  # media passes it on to social after its commit
    stranger = await gateway.patch(media_path, json={"description": "no"}, headers=other_headers)
    assert stranger.status_code in (403, 404)
    assert stranger.status_code != 200
