"""fediverse-pasture's actor verification, run against one of our actors.

Serves pasture's six test actors (alice ... frank: signed or unsigned fetches and inbox
posts) on a free loopback port, lets its ActorVerifier fetch our actor and post to its
inbox as each of them, checks WebFinger, and prints the result as one JSON line.

    uv run --project tests/e2e/pasture python tests/e2e/pasture/verify_actor.py acct:u@host
"""

import asyncio
import json
import socket
import sys

import uvicorn
from fediverse_pasture.data_provider import DataProvider
from fediverse_pasture.server import BlueprintForActors
from fediverse_pasture.server.verify_actor import ActorVerifier
from fediverse_pasture.types import Message
from quart import Quart


async def verify(remote_uri: str) -> dict:
    data = DataProvider.generate(with_possible_actors=True)
    actors = [*data.possible_actors, data.one_actor]
    app = Quart(__name__)
    app.register_blueprint(BlueprintForActors(actors).blueprint)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        message = Message()
        verifier = ActorVerifier(
            actor_list=actors,
            remote_uri=remote_uri,
            message=message,
            domain=f"localhost:{port}",
            timeout=20,
        )
        result = await verifier.verify()
        return {"result": result, "steps": message.steps}
    finally:
        server.should_exit = True
        await serving


if __name__ == "__main__":
    print(json.dumps(asyncio.run(verify(sys.argv[1]))))
