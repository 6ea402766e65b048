"""Real HTTP servers for tests, in this process: an ASGI app under uvicorn on a port."""

import asyncio

import uvicorn
from starlette.types import ASGIApp

from stack.processes import free_port


class RunningServer:
    """`async with RunningServer(app) as url`: the app served on loopback until the block
    ends; its lifespan runs, so startup failures surface here."""

    def __init__(self, app: ASGIApp, *, port: int | None = None, **config: object) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        options: dict = {"log_config": None} | config
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, **options)
        )
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> str:
        self.task = asyncio.create_task(self.server.serve())
        async with asyncio.timeout(60):
            # uvicorn offers no event for this
            while not self.server.started:
                if self.task.done():
                    self.task.result()  # raises what stopped it
                    raise RuntimeError(f"server on {self.url} stopped before it started")
                await asyncio.sleep(0.01)
        return self.url

    async def __aexit__(self, *exc: object) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
