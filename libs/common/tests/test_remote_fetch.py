"""Fetching from the fediverse against real servers on loopback: what the policy refuses
before a byte is sent, what it cuts while reading, and the pinned TLS connection."""

import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from common import remote_fetch
from common.remote_fetch import (
    FetchPolicy,
    RemoteFailed,
    RemoteInvalid,
    RemoteRefused,
    RemoteTooLarge,
    check_url,
    fetch,
    is_public_address,
    load_json,
)
from stack.processes import free_port

LAN = FetchPolicy(allow_private=True, max_bytes=1000, timeout=5)
INTERNET = FetchPolicy(allow_private=False, max_bytes=1000, timeout=5)
# The name the TLS server answers for; the tests resolve it to loopback. Another name
# resolves to a private address.
PUBLIC_NAME = "peer.example"
PRIVATE_NAME = "intranet.example"


async def chunked(request: web.Request) -> web.StreamResponse:
    # No Content-Length: only counting the bytes as they come can cut this one.
    response = web.StreamResponse(headers={"Content-Type": "application/activity+json"})
    await response.prepare(request)
    for _ in range(30):
        await response.write(b"x" * 100)
    return response


def static(
    body: bytes, content_type: str, status: int = 200, headers: dict[str, str] | None = None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(
            body=body, status=status, headers={"Content-Type": content_type, **(headers or {})}
        )

    return handler


async def echo(request: web.Request) -> web.Response:
    return web.json_response(
        {"host": request.host, "method": request.method, "body": await request.text()}
    )


async def redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.query["to"])


async def hops(request: web.Request) -> web.Response:
    left = int(request.match_info["n"])
    if left == 0:
        return web.json_response({"ok": True})
    raise web.HTTPFound(f"/hops/{left - 1}")


def routes(app: web.Application) -> None:
    actor = static(b'{"type": "Person"}', 'application/activity+json; charset="utf-8"')
    app.router.add_get("/actor", actor)
    app.router.add_get("/page", static(b"<html></html>", "text/html"))
    app.router.add_get("/big", static(b"x" * 2000, "application/activity+json"))
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/gone", static(b"", "text/plain", status=410))
    app.router.add_route("*", "/echo", echo)
    app.router.add_route("*", "/redirect", redirect)
    app.router.add_route("*", "/see-other", static(b"", "text/plain", 303, {"Location": "/echo"}))
    app.router.add_get("/hops/{n}", hops)


@asynccontextmanager
async def serving(ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    app = web.Application()
    routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ssl_context).start()
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
async def peer() -> AsyncIterator[str]:
    async with serving() as url:
        yield url


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for PUBLIC_NAME: (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PUBLIC_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(PUBLIC_NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
async def tls_peer(certificate: tuple[Path, Path]) -> AsyncIterator[str]:
    """The same routes over TLS, as PUBLIC_NAME: https://peer.example:PORT."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    async with serving(context) as url:
        yield url.replace("127.0.0.1", PUBLIC_NAME)


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """PUBLIC_NAME resolves to 127.0.0.1 and that one address counts as public, and
    PRIVATE_NAME resolves to 10.0.0.1: the internet's rules, tried on a server this test
    can run."""
    stand_in = ipaddress.ip_address("127.0.0.1")
    real_check, real_resolve = remote_fetch.is_public_address, remote_fetch._resolve
    names = {PUBLIC_NAME: [stand_in], PRIVATE_NAME: [ipaddress.ip_address("10.0.0.1")]}

    async def resolve(host: str, port: int) -> list[remote_fetch.IPAddress]:
        return names.get(host) or await real_resolve(host, port)

    monkeypatch.setattr(remote_fetch, "_resolve", resolve)
    monkeypatch.setattr(remote_fetch, "is_public_address", lambda a: a == stand_in or real_check(a))
    yield


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
async def tls_client(certificate: tuple[Path, Path]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=certificate[0])) as http:
        yield http


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # carrier-grade NAT
        "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # v4-mapped
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo for 10.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    ],
)
def test_private_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822"]
)
def test_internet_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/actor", "https://localhost/actor", "https://[::1]/x", "https://10.0.0.1/"],
)
async def test_private_addresses_are_refused_without_allow_private(
    client: httpx.AsyncClient, url: str
) -> None:
    with pytest.raises(RemoteRefused, match="not a public internet address"):
        await fetch(client, "GET", url, policy=INTERNET)


async def test_private_addresses_are_fetched_with_allow_private(
    client: httpx.AsyncClient, peer: str
) -> None:
    response, body = await fetch(
        client, "GET", f"{peer}/actor", policy=LAN, accept_types=["application/activity+json"]
    )
    assert response.status_code == 200 and load_json(body) == {"type": "Person"}
    await check_url(f"{peer}/actor", LAN)


@pytest.mark.parametrize("url", ["http://example.com/actor", "ftp://example.com/x", "/actor", "x"])
async def test_only_https_without_allow_private(client: httpx.AsyncClient, url: str) -> None:
    with pytest.raises(RemoteRefused):
        await check_url(url, INTERNET)
    with pytest.raises(RemoteRefused):
        await fetch(client, "GET", url, policy=INTERNET)


async def test_a_public_name_is_fetched_on_the_address_that_was_checked(
    tls_client: httpx.AsyncClient, tls_peer: str, loopback_is_public: None
) -> None:
    """The connection goes to the checked address while TLS verifies the name and the
    Host header carries it; the caller sees the URL it asked for."""
    response, body = await fetch(
        tls_client, "POST", f"{tls_peer}/echo", policy=INTERNET, content=b"hello"
    )
    assert load_json(body) == {
        "host": tls_peer.removeprefix("https://"),
        "method": "POST",
        "body": "hello",
    }
    assert response.url == f"{tls_peer}/echo"


async def test_a_redirect_to_a_private_address_is_refused(
    tls_client: httpx.AsyncClient, tls_peer: str, loopback_is_public: None
) -> None:
    for target in ("https://10.0.0.1/", f"https://{PRIVATE_NAME}/", "http://example.com/"):
        with pytest.raises(RemoteRefused):
            await fetch(tls_client, "GET", f"{tls_peer}/redirect?to={target}", policy=INTERNET)


async def test_redirects_are_followed_three_times_at_most(
    client: httpx.AsyncClient, peer: str
) -> None:
    response, body = await fetch(client, "GET", f"{peer}/hops/3", policy=LAN)
    assert load_json(body) == {"ok": True} and response.url == f"{peer}/hops/0"
    with pytest.raises(RemoteFailed, match="more than 3"):
        await fetch(client, "GET", f"{peer}/hops/4", policy=LAN)


async def test_a_redirect_keeps_no_signature_on_another_origin_and_a_303_becomes_a_get(
    client: httpx.AsyncClient, peer: str
) -> None:
    other = peer.replace("127.0.0.1", "localhost")
    response, body = await fetch(
        client,
        "POST",
        f"{peer}/redirect?to={other}/echo",
        policy=LAN,
        headers={"Signature": "made-for-the-first-url"},
        content=b"activity",
    )
    assert "signature" not in response.request.headers
    assert load_json(body)["method"] == "GET"  # a 302 after a POST, as browsers do
    _, body = await fetch(client, "POST", f"{peer}/see-other", policy=LAN, content=b"x")
    assert load_json(body) == {"host": peer.removeprefix("http://"), "method": "GET", "body": ""}


@pytest.mark.parametrize("path", ["/big", "/chunked"])
async def test_an_oversized_body_is_cut(client: httpx.AsyncClient, peer: str, path: str) -> None:
    with pytest.raises(RemoteTooLarge) as refused:
        await fetch(client, "GET", f"{peer}{path}", policy=LAN)
    assert refused.value.status == 422


async def test_another_content_type_than_asked_for_is_refused(
    client: httpx.AsyncClient, peer: str
) -> None:
    with pytest.raises(RemoteFailed, match="text/html"):
        await fetch(
            client,
            "GET",
            f"{peer}/page",
            policy=LAN,
            accept_types=["application/activity+json", "application/ld+json"],
        )


async def test_a_failure_answer_or_a_dead_server_is_remote_failed(
    client: httpx.AsyncClient, peer: str
) -> None:
    with pytest.raises(RemoteFailed) as gone:
        await fetch(client, "GET", f"{peer}/gone", policy=LAN)
    assert gone.value.status == 502 and gone.value.upstream_status == 410
    with pytest.raises(RemoteFailed) as down:
        await fetch(client, "GET", f"http://127.0.0.1:{free_port()}/", policy=LAN)
    assert down.value.upstream_status is None


def test_json_nested_too_deep_is_refused() -> None:
    assert isinstance(load_json(b"[" * 32 + b"]" * 32, max_depth=32), list)
    with pytest.raises(RemoteInvalid):
        load_json(b'{"a": ' * 33 + b"1" + b"}" * 33, max_depth=32)
    # Deep enough to exhaust Python's own parser: refused, not a crash.
    with pytest.raises(RemoteInvalid):
        load_json(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize("body", [b"<html>", b"", b'{"a": NaN}', b"\xff\xfe"])
def test_what_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(RemoteInvalid) as refused:
        load_json(body)
    assert refused.value.status == 422 and refused.value.code == "remote_invalid"
