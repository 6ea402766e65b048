"""What every fake third party shares: an aiohttp app on its own loop in a daemon thread.

Its own thread, so the fake keeps answering while the code under test blocks or runs on
another event loop (a service in-process, a subprocess calling back, a sync test).
"""

import asyncio
import threading
from typing import Self

from aiohttp import web

from stack.processes import free_port


class ThreadedFake:
    name = "fake"
    # Loopback for tests; deploy/compose-check sets the Docker bridge's address so that
    # containers reach the fake.
    host = "127.0.0.1"

    def __init__(self) -> None:
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"fake-{self.name}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def routes(self, app: web.Application) -> None:
        """Add the fake's endpoints."""
        raise NotImplementedError

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        self.routes(app)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, self.host, self.port).start())
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def start(self) -> Self:
        self._thread.start()
        if not self._started.wait(timeout=10):
            raise RuntimeError(f"fake {self.name} did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
