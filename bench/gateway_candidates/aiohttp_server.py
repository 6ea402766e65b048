"""Candidate (a): aiohttp's own low-level server in front of its client (a bench prototype).

    python -m gateway_candidates.aiohttp_server --port N [--hello]

One handler on `aiohttp.web.Server` (no router: the gateway's routing table decides),
streaming the caller's body to a pooled `ClientSession` configured as the gateway's, and
the answer back chunk by chunk. `--hello` serves the floor instead: a fixed small JSON
answer on the same server.
"""

import argparse
import asyncio
import time

import aiohttp
import uvloop
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from gateway.config import Settings
from gateway_candidates.essentials import (
    DROPPED_RESPONSE_HEADERS,
    HELLO,
    Essentials,
    forwarded_headers,
    observe,
)


class AiohttpProxy:
    def __init__(self, essentials: Essentials, session: aiohttp.ClientSession) -> None:
        self.essentials = essentials
        self.session = session

    async def __call__(self, request: web.BaseRequest) -> web.StreamResponse:
        started = time.perf_counter()
        method = request.method
        headers = [(k.lower(), v) for k, v in request.raw_headers]
        peer = request.transport.get_extra_info("peername")[0] if request.transport else ""
        raw_path = request.raw_path.encode("latin-1")
        admission = self.essentials.admit(method, raw_path.partition(b"?")[0], headers, peer)
        if admission.error is not None:
            status, body = admission.error
            return web.Response(status=status, body=body, content_type="application/json")
        route, policy = admission.route, admission.policy
        replicas = self.essentials.replicas[route.service]
        replica = replicas.pick()
        replica.outstanding += 1
        status = 502
        try:
            upstream = await self.session.request(
                method,
                URL(str(replica.url) + request.raw_path, encoded=True),
                headers=CIMultiDict(
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in forwarded_headers(headers, peer, admission.request_id)
                ),
                data=request.content.iter_any() if request.body_exists else None,
                allow_redirects=False,
                timeout=policy.timeout,
            )
        except aiohttp.ClientConnectorError:
            replicas.failed(replica)
            replica.outstanding -= 1
            return web.json_response({"code": "upstream_unavailable"}, status=503)
        except TimeoutError:
            replica.outstanding -= 1
            return web.json_response({"code": "upstream_timeout"}, status=504)
        except aiohttp.ClientError:
            replica.outstanding -= 1
            return web.json_response({"code": "bad_gateway"}, status=502)
        try:
            status = upstream.status
            response = web.StreamResponse(
                status=status,
                headers=CIMultiDict(
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in upstream.raw_headers
                    if k.lower() not in DROPPED_RESPONSE_HEADERS
                ),
            )
            response.headers["X-Request-ID"] = admission.request_id
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            while chunk := await upstream.content.readany():
                await response.write(chunk)
            await response.write_eof()
            return response
        finally:
            upstream.release()
            replica.outstanding -= 1
            replicas.answered(replica)
            observe(method, route.prefix, status, started)


async def hello(request: web.BaseRequest) -> web.Response:
    return web.Response(body=HELLO, content_type="application/json")


async def serve(port: int, floor: bool) -> None:
    loop = asyncio.get_running_loop()
    if floor:
        handler = hello
    else:
        settings = Settings()
        essentials = Essentials(settings)
        essentials.limiter.start()
        # The gateway's ClientSession, setting for setting (gateway/main.py).
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=0,
                limit_per_host=settings.max_connections_per_upstream,
                keepalive_timeout=4.0,
            ),
            timeout=aiohttp.ClientTimeout(sock_connect=settings.connect_timeout_seconds),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        handler = AiohttpProxy(essentials, session)
    server = web.Server(handler, access_log=None)
    await loop.create_server(server, "127.0.0.1", port, backlog=2048)
    await asyncio.Event().wait()  # until the bench stops the process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--hello", action="store_true", help="serve the floor, not the proxy")
    args = parser.parse_args()
    uvloop.run(serve(args.port, args.hello))


if __name__ == "__main__":
    main()
