"""The web app at /: files of the build, index.html for every other non-API path,
long-lived caching for hashed assets only, compressed bodies, and no 500 without a build."""

import gzip

import brotli
import httpx

from gateway.tests.conftest import APP_JS, INDEX_HTML

ASSET = "/_app/immutable/entry/start.AbC123xy.js"


async def test_the_root_is_index_html_revalidated_on_every_visit(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert response.text == INDEX_HTML
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"]


async def test_every_other_non_api_path_falls_back_to_index_html(client):
    for path in ("/people/42", "/settings", "/analyses/1?tab=fans", "/index.html", "/a/b/c/"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX_HTML, path
        assert response.headers["cache-control"] == "no-cache", path


async def test_api_prefixes_still_reach_their_service(client):
    response = await client.get("/users/42")
    assert response.json()["path"] == "/users/42"
    assert (await client.get("/auth/me")).headers["content-type"] == "application/json"


async def test_hashed_assets_are_cached_for_a_year(client):
    response = await client.get(ASSET)
    assert response.status_code == 200
    assert response.text == APP_JS
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    icon = await client.get("/favicon.svg")  # not hashed: revalidated
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.headers["cache-control"] == "no-cache"


async def test_a_missing_hashed_asset_is_404_not_index_html(client):
    response = await client.get("/_app/immutable/entry/start.OldBuild.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_bodies_are_compressed_as_the_browser_accepts(gateway):
    # Raw bytes as sent: a client that does not decode for us.
    async with httpx.AsyncClient(base_url=gateway) as client:
        for accept, encoding, decode in (
            ("gzip, deflate, br, zstd", "br", brotli.decompress),
            ("gzip, deflate", "gzip", gzip.decompress),
            ("br;q=0, gzip", "gzip", gzip.decompress),
        ):
            request = client.build_request("GET", ASSET, headers={"Accept-Encoding": accept})
            response = await client.send(request, stream=True)
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
            assert response.headers["content-encoding"] == encoding, accept
            assert "Accept-Encoding" in response.headers["vary"]
            assert int(response.headers["content-length"]) == len(raw) < len(APP_JS) / 3
            assert decode(raw).decode() == APP_JS
        plain = await client.get(ASSET, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.text == APP_JS


async def test_head_answers_the_headers_of_get(client):
    get = await client.get("/", headers={"Accept-Encoding": "identity"})
    head = await client.head("/", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["etag"] == get.headers["etag"]


async def test_a_known_etag_is_304(client):
    first = await client.get(ASSET)
    again = await client.get(ASSET, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_nothing_outside_the_build_or_hidden_is_served(client):
    for path in ("/..%2fsecret.txt", "/%2e%2e/secret.txt", "/_app/..%2f..%2fsecret.txt", "/.env"):
        response = await client.get(path)
        assert "beside the build" not in response.text, path
        assert "NOT=public" not in response.text, path


async def test_a_new_build_is_served_at_once(start_gateway, tmp_path):
    (tmp_path / "index.html").write_text("<p>first</p>")
    async with start_gateway(web_dir=tmp_path) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/")).text == "<p>first</p>"
        (tmp_path / "index.html").write_text("<p>second build</p>")
        assert (await client.get("/people")).text == "<p>second build</p>"


async def test_without_a_build_the_page_says_how_to_make_one(start_gateway, tmp_path):
    async with (
        start_gateway(web_dir=tmp_path / "dist") as url,
        httpx.AsyncClient(base_url=url) as client,
    ):
        page = await client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 503
        assert "The web app is not built" in page.text
        assert "npm run build" in page.text
        api_client = await client.get("/settings", headers={"Accept": "application/json"})
        assert api_client.status_code == 503
        assert api_client.json()["error"]["code"] == "web_app_not_built"
        assert (await client.get("/health")).status_code in (200, 503)  # its own paths stay
