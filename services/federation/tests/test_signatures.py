"""HTTP Signatures: Mastodon's own signed requests (golden), refusals, and a round trip."""

import base64
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import cache

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from federation.signatures import (
    SignatureError,
    body_digest,
    parse_signature,
    sign_headers,
    signature_header,
    verify_request,
)
from services.federation.tests import mastodon_signature_data as mastodon


@cache
def mastodon_key() -> rsa.RSAPrivateKey:
    key = load_pem_private_key(mastodon.PRIVATE_KEY_PEM.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@cache
def fresh_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def verify_mastodon(
    request: mastodon.MastodonSignedRequest,
    *,
    method: str | None = None,
    path_and_query: str | None = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    public_key_pem: str | None = None,
) -> None:
    """Verify one of Mastodon's signed requests, optionally changed on its way to us."""
    verify_request(
        method or request.method.upper(),
        path_and_query or request.path_and_query,
        {**request.headers, "Signature": request.signature, **(headers or {})},
        body,
        public_key_pem=public_key_pem or public_pem(mastodon_key()),
        now=mastodon.NOW,
    )


def refusal(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(SignatureError) as raised:
        call(*args, **kwargs)
    return raised.value.reason


# --- Mastodon's test data -------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    mastodon.SIGNED_REQUESTS,
    ids=["get", "get-query", "bad-date", "two-days-old", "post", "post-digest-unsigned"],
)
def test_signing_reproduces_mastodons_signature_headers(
    request_: mastodon.MastodonSignedRequest,
) -> None:
    # RSA PKCS#1 v1.5 is deterministic: the same key and signing string give Mastodon's bytes.
    assert (
        signature_header(
            request_.method,
            request_.path_and_query,
            request_.headers,
            signed_headers=request_.signed_headers,
            key_id=mastodon.KEY_ID,
            private_key=mastodon_key(),
        )
        == request_.signature
    )


def test_digest_matches_mastodons() -> None:
    assert body_digest(mastodon.BODY) == mastodon.DIGEST
    assert body_digest(mastodon.TAMPERED_BODY) == mastodon.TAMPERED_DIGEST


def test_sign_headers_gives_mastodons_date_digest_and_host() -> None:
    headers = sign_headers(
        "POST",
        f"https://{mastodon.HOST}/activitypub/success",
        key_id=mastodon.KEY_ID,
        private_key=mastodon_key(),
        body=mastodon.BODY,
        now=mastodon.NOW,
    )

    assert headers["Host"] == mastodon.HOST
    assert headers["Date"] == mastodon.DATE
    assert headers["Digest"] == mastodon.DIGEST
    params = parse_signature(headers["Signature"])
    assert params.headers == ["(request-target)", "host", "date", "digest"]
    assert params.algorithm == "rsa-sha256"
    verify_mastodon(mastodon.POST, body=mastodon.BODY, headers=headers)


@pytest.mark.parametrize(
    "request_", [mastodon.GET, mastodon.GET_WITH_QUERY], ids=["plain", "query"]
)
def test_accepts_mastodons_signed_get(request_: mastodon.MastodonSignedRequest) -> None:
    verify_mastodon(request_)


def test_accepts_mastodons_signed_post() -> None:
    verify_mastodon(mastodon.POST, body=mastodon.BODY)


def test_accepts_a_signature_without_the_query_as_mastodon_does() -> None:
    # Mastodon's "compatibility quirk": older Mastodons leave the query out of the target.
    verify_mastodon(mastodon.GET, path_and_query="/activitypub/success?foo=42")


def test_refuses_a_changed_query() -> None:
    reason = refusal(
        verify_mastodon, mastodon.GET_WITH_QUERY, path_and_query="/activitypub/success?foo=43"
    )
    assert reason == "signature does not match the request"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"path_and_query": "/activitypub/alternative-path"}, "signature does not match"),
        ({"method": "POST"}, "digest is not signed"),
        ({"method": "DELETE"}, "signature does not match"),
        ({"public_key_pem": public_pem(fresh_key())}, "signature does not match"),
    ],
    ids=["path", "post", "method", "wrong-key"],
)
def test_refuses_mastodons_get_when_changed(change: dict[str, str], expected: str) -> None:
    assert expected in refusal(verify_mastodon, mastodon.GET, **change)


def test_refuses_a_tampered_body() -> None:
    reason = refusal(verify_mastodon, mastodon.POST, body=mastodon.TAMPERED_BODY)
    assert reason == "Digest does not match the body"


def test_refuses_a_tampered_body_with_its_own_digest() -> None:
    # The attacker recomputes the Digest too: the signature then no longer covers it.
    reason = refusal(
        verify_mastodon,
        mastodon.POST,
        body=mastodon.TAMPERED_BODY,
        headers={"Digest": mastodon.TAMPERED_DIGEST},
    )
    assert reason == "signature does not match the request"


def test_refuses_a_tampered_path_on_post() -> None:
    reason = refusal(
        verify_mastodon,
        mastodon.POST,
        path_and_query="/activitypub/alternative-path",
        body=mastodon.BODY,
    )
    assert reason == "signature does not match the request"


def test_refuses_a_post_whose_digest_is_not_signed() -> None:
    reason = refusal(verify_mastodon, mastodon.POST_DIGEST_UNSIGNED, body=mastodon.BODY)
    assert reason == "digest is not signed (required for a request with a body)"


def test_refuses_a_post_without_a_digest_header() -> None:
    request = mastodon.POST
    without_digest = {"Host": mastodon.HOST, "Date": mastodon.DATE}
    reason = refusal(
        verify_request,
        "POST",
        request.path_and_query,
        {**without_digest, "Signature": request.signature},
        mastodon.BODY,
        public_key_pem=public_pem(mastodon_key()),
        now=mastodon.NOW,
    )
    assert reason == "signed header digest is missing from the request"


def test_refuses_mastodons_unparsable_date() -> None:
    assert (
        refusal(verify_mastodon, mastodon.GET_UNPARSABLE_DATE) == "Date header is not an HTTP date"
    )


def test_refuses_mastodons_two_day_old_request() -> None:
    assert refusal(verify_mastodon, mastodon.GET_TWO_DAYS_OLD) == "Date is too old"


# --- Our own signatures ---------------------------------------------------------------


def signed(
    method: str,
    url: str,
    body: bytes | None = None,
    *,
    minutes_ago: int = 0,
) -> dict[str, str]:
    return sign_headers(
        method,
        url,
        key_id="https://a.example/users/alice#main-key",
        private_key=fresh_key(),
        body=body,
        now=mastodon.NOW - timedelta(minutes=minutes_ago),
    )


def verify(
    method: str, path_and_query: str, headers: Mapping[str, str], body: bytes | None = None
) -> None:
    verify_request(
        method,
        path_and_query,
        headers,
        body,
        public_key_pem=public_pem(fresh_key()),
        now=mastodon.NOW,
    )


def test_round_trip_post_and_get_with_a_fresh_key() -> None:
    body = b'{"type":"Follow"}'
    post = signed("POST", "https://b.example/users/bob/inbox", body)
    get = signed("GET", "https://b.example/users/bob/outbox?page=true")

    assert post["Digest"] == body_digest(body)
    assert post["Digest"].startswith("SHA-256=")
    assert "Digest" not in get
    assert parse_signature(get["Signature"]).headers == ["(request-target)", "host", "date"]
    verify("POST", "/users/bob/inbox", post, body)
    verify("GET", "/users/bob/outbox?page=true", get)


def test_host_carries_the_port_only_when_not_the_default() -> None:
    assert signed("GET", "https://b.example:443/actor")["Host"] == "b.example"
    assert signed("GET", "http://b.example:80/actor")["Host"] == "b.example"
    assert signed("GET", "http://localhost:8123/actor")["Host"] == "localhost:8123"
    assert signed("GET", "http://[::1]:8123/actor")["Host"] == "[::1]:8123"


def test_header_names_are_case_insensitive() -> None:
    headers = signed("POST", "https://b.example/inbox", b"{}")
    shouted = {name.upper(): value for name, value in headers.items()}
    lowered = {name.lower(): value for name, value in headers.items()}
    verify("POST", "/inbox", shouted, b"{}")
    verify("POST", "/inbox", lowered, b"{}")

    # Names in the signature's own headers list may be in any case too.
    upper_list = headers["Signature"].replace(
        'headers="(request-target) host date digest"', 'headers="(Request-Target) Host Date Digest"'
    )
    verify("POST", "/inbox", {**headers, "Signature": upper_list}, b"{}")


@pytest.mark.parametrize(
    "algorithm",
    ['algorithm="hs2019",', 'algorithm="RSA-SHA256",', ""],
    ids=["hs2019", "case", "absent"],
)
def test_hs2019_and_absent_algorithm_are_rsa_sha256(algorithm: str) -> None:
    headers = signed("POST", "https://b.example/inbox", b"{}")
    header = headers["Signature"].replace('algorithm="rsa-sha256",', algorithm)
    verify("POST", "/inbox", {**headers, "Signature": header}, b"{}")


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "ed25519", "rsa-sha512"])
def test_refuses_an_unknown_algorithm(algorithm: str) -> None:
    headers = signed("GET", "https://b.example/actor")
    header = headers["Signature"].replace("rsa-sha256", algorithm)
    reason = refusal(verify, "GET", "/actor", {**headers, "Signature": header})
    assert reason == "unsupported signature algorithm (only rsa-sha256 and hs2019)"


def test_digest_name_is_read_in_any_case_and_among_others() -> None:
    body = b"{}"
    digest_value = body_digest(body).removeprefix("SHA-256=")
    for digest in (f"sha-256={digest_value}", f"SHA-512=AAAA,SHA-256={digest_value}"):
        # Signed over the Digest as given, so that only its form is under test.
        headers = {"Host": "b.example", "Date": mastodon.DATE, "Digest": digest}
        headers["Signature"] = signature_header(
            "POST",
            "/inbox",
            headers,
            signed_headers=["(request-target)", "host", "date", "digest"],
            key_id="k",
            private_key=fresh_key(),
        )
        verify("POST", "/inbox", headers, body)


def test_refuses_a_digest_not_named_sha_256() -> None:
    headers = signed("POST", "https://b.example/inbox", b"{}")
    headers["Digest"] = "SHA-512=" + base64.b64encode(b"x" * 64).decode()
    assert refusal(verify, "POST", "/inbox", headers, b"{}") == "Digest does not name SHA-256"


def test_date_within_an_hour_either_way() -> None:
    verify("GET", "/actor", signed("GET", "https://b.example/actor", minutes_ago=59))
    verify("GET", "/actor", signed("GET", "https://b.example/actor", minutes_ago=-59))

    stale = signed("GET", "https://b.example/actor", minutes_ago=61)
    assert refusal(verify, "GET", "/actor", stale) == "Date is too old"
    future = signed("GET", "https://b.example/actor", minutes_ago=-61)
    assert refusal(verify, "GET", "/actor", future) == "Date is too far in the future"


@pytest.mark.parametrize("left_out", ["(request-target)", "host", "date"])
def test_refuses_a_signature_that_leaves_out_a_required_header(left_out: str) -> None:
    headers = signed("GET", "https://b.example/actor")
    headers["Signature"] = signature_header(
        "GET",
        "/actor",
        headers,
        signed_headers=[name for name in ("(request-target)", "host", "date") if name != left_out],
        key_id="k",
        private_key=fresh_key(),
    )
    assert refusal(verify, "GET", "/actor", headers) == f"{left_out} is not signed"


def test_refuses_an_unsigned_request() -> None:
    headers = signed("GET", "https://b.example/actor")
    del headers["Signature"]
    assert refusal(verify, "GET", "/actor", headers) == "request is not signed"


def test_refuses_a_public_key_that_is_not_rsa() -> None:
    headers = signed("GET", "https://b.example/actor")
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    reason = refusal(
        verify_request, "GET", "/actor", headers, None, public_key_pem=ec_pem, now=mastodon.NOW
    )
    assert reason == "public key is not an RSA key"
    reason = refusal(
        verify_request, "GET", "/actor", headers, None, public_key_pem="garbage", now=mastodon.NOW
    )
    assert reason == "public key is not a PEM public key"


def test_reasons_never_hold_key_material_or_signature_bytes() -> None:
    secret_parts = [
        public_pem(mastodon_key()).splitlines()[1],
        mastodon.PRIVATE_KEY_PEM.splitlines()[1],
        mastodon.POST.signature.split('signature="')[1][:24],
        "BEGIN",
    ]
    reasons = [
        refusal(verify_mastodon, mastodon.POST, body=mastodon.TAMPERED_BODY),
        refusal(verify_mastodon, mastodon.POST, path_and_query="/elsewhere", body=mastodon.BODY),
        refusal(verify_mastodon, mastodon.GET, public_key_pem=public_pem(fresh_key())),
        refusal(verify_mastodon, mastodon.GET, public_key_pem="-----BEGIN PUBLIC KEY-----\nxyz"),
        refusal(verify_mastodon, mastodon.GET_TWO_DAYS_OLD),
        refusal(parse_signature, mastodon.POST.signature.replace('signature="', 'signature="%')),
    ]
    for reason in reasons:
        assert not any(part in reason for part in secret_parts), reason


# --- Parsing the Signature header -----------------------------------------------------


def test_parse_reads_mastodons_header() -> None:
    params = parse_signature(mastodon.POST.signature)
    assert params.key_id == mastodon.KEY_ID
    assert params.algorithm == "rsa-sha256"
    assert params.headers == ["host", "date", "digest", "(request-target)"]
    assert len(params.signature) == 256


def test_parse_tolerates_spaces_tokens_and_the_old_scheme_prefix() -> None:
    header = 'Signature keyId="k" , algorithm=hs2019 ,headers="date",signature="AAAA"'
    params = parse_signature(header)
    assert (params.key_id, params.algorithm, params.headers, params.signature) == (
        "k",
        "hs2019",
        ["date"],
        b"\0\0\0",
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "Signature header cannot be parsed"),
        ("keyId=k signature=AAAA", "Signature header cannot be parsed"),
        ('keyId="k",signature="AAAA",', "Signature header cannot be parsed"),
        ('keyId="k",keyId="j",signature="AAAA"', "Signature header repeats a parameter"),
        ('algorithm="rsa-sha256",signature="AAAA"', "Signature header needs keyId and signature"),
        ('keyId="k",signature=""', "Signature header needs keyId and signature"),
        ('keyId="k",signature="not base64!"', "signature is not valid base64"),
        (
            'keyId="k",headers="date ho\\"st",signature="AAAA"',
            "Signature headers list is malformed",
        ),
    ],
)
def test_parse_refuses_malformed_headers(header: str, expected: str) -> None:
    assert refusal(parse_signature, header) == expected


def test_refuses_pseudo_headers_we_do_not_support() -> None:
    headers = signed("GET", "https://b.example/actor")
    header = headers["Signature"].replace('headers="', 'headers="(created) ')
    reason = refusal(verify, "GET", "/actor", {**headers, "Signature": header})
    assert reason == "unsupported pseudo-header (created)"
