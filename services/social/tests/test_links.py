"""Image links are written once per expiry bucket, and a link handed out is never one
about to expire: it lives at least TTL_SECONDS, across bucket changes too."""

import time
import uuid
from urllib.parse import parse_qs, urlsplit

from pydantic import SecretStr

from common.image_urls import BUCKET_SECONDS, TTL_SECONDS, is_valid
from social.links import Links

SECRET = SecretStr("internal-token")


def _query(link: str) -> tuple[int, str]:
    query = parse_qs(urlsplit(link).query)
    return int(query["exp"][0]), query["sig"][0]


def test_every_link_handed_out_lives_its_ttl_and_is_media_valid(monkeypatch):
    links = Links("https://photos.example", SECRET)
    media_id = uuid.uuid4()
    start = 1_800_000_000.0
    for step in range(0, 3 * BUCKET_SECONDS, 97):  # across three bucket changes
        now = start + step
        monkeypatch.setattr(time, "time", lambda now=now: now)
        for link, variant in (
            (links.image(media_id), "original"),
            (links.thumbnail(media_id), "thumb_small"),
        ):
            expires, signature = _query(link)
            assert expires - now >= TTL_SECONDS
            assert is_valid(SECRET, media_id, variant, expires=expires, signature=signature)


def test_links_are_the_same_within_a_bucket_and_change_with_it(monkeypatch):
    links = Links("https://photos.example", SECRET)
    media_id = uuid.uuid4()
    bucket_start = 1_800_000_000.0 - 1_800_000_000 % BUCKET_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: bucket_start)
    first = links.avatar(media_id)
    monkeypatch.setattr(time, "time", lambda: bucket_start + BUCKET_SECONDS - 2)
    assert links.avatar(media_id) == first
    monkeypatch.setattr(time, "time", lambda: bucket_start + BUCKET_SECONDS)
    later = links.avatar(media_id)
    assert later != first
    assert _query(later)[0] == _query(first)[0] + BUCKET_SECONDS
    assert links.avatar(None) is None
