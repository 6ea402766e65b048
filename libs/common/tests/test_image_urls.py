import uuid
from urllib.parse import parse_qs

from pydantic import SecretStr

from common.image_urls import BUCKET_SECONDS, TTL_SECONDS, is_valid, signed_query

SECRET = SecretStr("internal-token")
MEDIA = uuid.UUID("0193a5a4-0000-7000-8000-000000000001")


def _parts(query: str) -> tuple[int, str]:
    values = parse_qs(query)
    return int(values["exp"][0]), values["sig"][0]


def test_a_link_checks_out_for_its_media_and_variant_only_until_it_expires():
    expires, signature = _parts(signed_query(SECRET, MEDIA, "original", now=1_000))
    assert TTL_SECONDS <= expires - 1_000 < TTL_SECONDS + BUCKET_SECONDS
    assert is_valid(SECRET, MEDIA, "original", expires=expires, signature=signature, now=1_000)
    assert not is_valid(SECRET, MEDIA, "thumb_small", expires=expires, signature=signature)
    other = uuid.UUID("0193a5a4-0000-7000-8000-000000000002")
    assert not is_valid(SECRET, other, "original", expires=expires, signature=signature, now=0)
    assert not is_valid(
        SECRET, MEDIA, "original", expires=expires, signature=signature, now=expires + 1
    )
    assert not is_valid(
        SECRET, MEDIA, "original", expires=expires + 1, signature=signature, now=1_000
    )
    assert not is_valid(
        SecretStr("other"), MEDIA, "original", expires=expires, signature=signature, now=1_000
    )


def test_links_stay_the_same_within_a_bucket_and_an_unset_secret_signs_nothing_valid():
    assert signed_query(SECRET, MEDIA, "original", now=1) == signed_query(
        SECRET, MEDIA, "original", now=BUCKET_SECONDS
    )
    expires, signature = _parts(signed_query(SecretStr(""), MEDIA, "original", now=0))
    assert not is_valid(
        SecretStr(""), MEDIA, "original", expires=expires, signature=signature, now=0
    )
    assert not is_valid(SECRET, MEDIA, "original", expires=None, signature=None)
