"""HTTP Signatures (draft-cavage) as Mastodon and Pixelfed sign and check them.

Outgoing requests sign `(request-target) host date [digest]` with rsa-sha256 and carry
`Digest: SHA-256=<base64>`; incoming ones are refused unless those same parts are signed,
the Date is recent and the Digest matches the body. Every refusal is a `SignatureError`
whose reason is short and safe to log: it never holds key material or signature bytes.
"""

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import load_pem_public_key

_REQUEST_TARGET = "(request-target)"
# What we sign, in Mastodon's order, and what every incoming signature must cover (in any
# order): without the target a signature could be replayed to another path, without host
# to another server, without date forever.
_SIGNED = (_REQUEST_TARGET, "host", "date")
# hs2019 means "the algorithm the key implies"; with the RSA keys the fediverse publishes
# that is rsa-sha256, which is how Mastodon treats it.
_SUPPORTED_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
# A signature without `algorithm` is hs2019 (draft-cavage 12, and Mastodon's default).
_DEFAULT_ALGORITHM = "hs2019"
# A signature without `headers` covers Date only (draft-cavage); it then fails the checks.
_DEFAULT_SIGNED = ("date",)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# RFC 7230 token and quoted-string, as Mastodon's SignatureParser reads them.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PARAM = re.compile(
    rf'\s*(?P<name>{_TOKEN})\s*=\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>{_TOKEN}))\s*'
)
_QUOTED_PAIR = re.compile(r"\\(.)")
_HEADER_NAME = re.compile(rf"\({_TOKEN}\)|{_TOKEN}")


class SignatureError(Exception):
    """A request's signature is missing, malformed or wrong; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignatureParams:
    """The parts of a `Signature` header; `headers` lower-cased in the signed order."""

    key_id: str
    algorithm: str
    headers: list[str]
    signature: bytes


def body_digest(body: bytes) -> str:
    """The `Digest` header value of a body, named `SHA-256` as Pixelfed requires."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def sign_headers(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key: RSAPrivateKey,
    body: bytes | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The Host, Date, Digest (when there is a body) and Signature headers for a request."""
    parts = urlsplit(url)
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": _host(url), "Date": formatdate(_aware(now).timestamp(), usegmt=True)}
    signed = list(_SIGNED)
    if body is not None:
        headers["Digest"] = body_digest(body)
        signed.append("digest")
    headers["Signature"] = signature_header(
        method,
        path_and_query,
        headers,
        signed_headers=signed,
        key_id=key_id,
        private_key=private_key,
    )
    return headers


def signature_header(
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    *,
    signed_headers: Sequence[str],
    key_id: str,
    private_key: RSAPrivateKey,
) -> str:
    """The `Signature` value over `signed_headers` in that order, formatted as Mastodon does."""
    names = [name.lower() for name in signed_headers]
    signing_string = _signing_string(method, path_and_query, _lower_keys(headers), names)
    signature = private_key.sign(signing_string.encode(), PKCS1v15(), SHA256())
    return (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )


def parse_signature(header_value: str) -> SignatureParams:
    """Read a `Signature` header; refuses unparsable ones and algorithms other than RSA."""
    # Old node-http-signature sent the auth-scheme too; Mastodon tolerates it, so do we.
    value = header_value.removeprefix("Signature ")
    params: dict[str, str] = {}
    position = 0
    while True:
        match = _PARAM.match(value, position)
        if match is None:
            raise SignatureError("Signature header cannot be parsed")
        name = match["name"]
        if name in params:
            raise SignatureError("Signature header repeats a parameter")
        quoted = match["quoted"]
        params[name] = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else match["token"]
        position = match.end()
        if position == len(value):
            break
        if value[position] != ",":
            raise SignatureError("Signature header cannot be parsed")
        position += 1

    key_id = params.get("keyId", "")
    encoded = params.get("signature", "")
    if not key_id or not encoded:
        raise SignatureError("Signature header needs keyId and signature")
    algorithm = params.get("algorithm", _DEFAULT_ALGORITHM).lower()
    if algorithm not in _SUPPORTED_ALGORITHMS:
        raise SignatureError("unsupported signature algorithm (only rsa-sha256 and hs2019)")
    names = params["headers"].lower().split() if "headers" in params else list(_DEFAULT_SIGNED)
    if not names or not all(_HEADER_NAME.fullmatch(name) for name in names):
        raise SignatureError("Signature headers list is malformed")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise SignatureError("signature is not valid base64") from None
    return SignatureParams(key_id=key_id, algorithm=algorithm, headers=names, signature=signature)


def verify_request(
    method: str,
    path_and_query: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    public_key_pem: str,
    params: SignatureParams | None = None,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
) -> None:
    """Return if the request is signed by `public_key_pem`'s owner, else raise SignatureError."""
    lowered = _lower_keys(headers)
    if params is None:
        if "signature" not in lowered:
            raise SignatureError("request is not signed")
        params = parse_signature(lowered["signature"])

    signed = params.headers
    for required in _SIGNED:
        if required not in signed:
            raise SignatureError(f"{required} is not signed")
    # Mastodon refuses every unsigned-Digest POST, even an empty one: the body is the activity.
    if (method.upper() == "POST" or body) and "digest" not in signed:
        raise SignatureError("digest is not signed (required for a request with a body)")
    targets = [path_and_query]
    # Older Mastodon versions signed the path without its query, and Mastodon still accepts
    # such signatures; so do we, as a second try.
    if "?" in path_and_query:
        targets.append(path_and_query.split("?", 1)[0])
    # Built first: it refuses a signed header the request lacks before any is read below.
    messages = [_signing_string(method, target, lowered, signed).encode() for target in targets]

    _check_date(lowered["date"], now=_aware(now), max_skew=max_skew)
    if "digest" in signed:
        _check_digest(lowered["digest"], body or b"")

    public_key = _rsa_public_key(public_key_pem)
    for message in messages:
        try:
            public_key.verify(params.signature, message, PKCS1v15(), SHA256())
        except InvalidSignature:
            continue
        return
    raise SignatureError("signature does not match the request")


def _signing_string(
    method: str, path_and_query: str, lowered: Mapping[str, str], names: Sequence[str]
) -> str:
    lines = []
    for name in names:
        if name == _REQUEST_TARGET:
            lines.append(f"{_REQUEST_TARGET}: {method.lower()} {path_and_query}")
        elif name.startswith("("):
            # (created) and (expires) need parameters neither Mastodon nor Pixelfed sends.
            raise SignatureError(f"unsupported pseudo-header {name}")
        elif name in lowered:
            lines.append(f"{name}: {lowered[name].strip()}")
        else:
            raise SignatureError(f"signed header {name} is missing from the request")
    return "\n".join(lines)


def _check_date(value: str, *, now: datetime, max_skew: timedelta) -> None:
    try:
        sent = parsedate_to_datetime(value)
    except ValueError:
        raise SignatureError("Date header is not an HTTP date") from None
    # HTTP dates are GMT; email.utils leaves one written with "-0000" without a zone.
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if sent < now - max_skew:
        raise SignatureError("Date is too old")
    if sent > now + max_skew:
        raise SignatureError("Date is too far in the future")


def _check_digest(value: str, body: bytes) -> None:
    # A Digest may offer several algorithms ("SHA-512=…,SHA-256=…"); names are
    # case-insensitive (RFC 3230), and SHA-256 is the one Mastodon and Pixelfed use.
    offered: dict[str, str] = {}
    for item in value.split(","):
        name, _, encoded = item.strip().partition("=")
        offered[name.lower()] = encoded
    if "sha-256" not in offered:
        raise SignatureError("Digest does not name SHA-256")
    if "SHA-256=" + offered["sha-256"] != body_digest(body):
        raise SignatureError("Digest does not match the body")


def _rsa_public_key(pem: str) -> RSAPublicKey:
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm):
        raise SignatureError("public key is not a PEM public key") from None
    if not isinstance(key, RSAPublicKey):
        raise SignatureError("public key is not an RSA key")
    return key


def _host(url: str) -> str:
    """The Host header an HTTP client sends for `url`: the port only when not the default."""
    parts = urlsplit(url)
    if parts.hostname is None:
        raise ValueError("url has no host")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        # A naive time would be read as local time and shift the Date by the UTC offset.
        raise ValueError("now must be timezone-aware")
    return now


def _lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}
