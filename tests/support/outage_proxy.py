"""A TCP proxy in front of a real server that a test can cut, freeze and restore: the
service under test sees a real outage (refused connections, dropped ones, or silence)
while the server itself keeps serving every other test."""

import asyncio
import contextlib
import socket

from stack.processes import free_port


class OutageProxy:
    """`await proxy.start()`; point the service at `proxy.port`; then `cut()`, `freeze()`
    and `restore()` (the same port every time, as a restarted server would be)."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._thawed = asyncio.Event()
        self._thawed.set()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(65536):
                # A frozen server reads nothing and answers nothing.
                await self._thawed.wait()
                writer.write(chunk)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}

    async def cut(self) -> None:
        """The server is gone: open connections drop, new ones are refused."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            # RST rather than FIN, as when the server's process dies.
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            writer.close()
        self._writers.clear()
        await asyncio.sleep(0)

    def freeze(self) -> None:
        """The server hangs (SIGSTOP): connections open, nothing answers."""
        self._thawed.clear()

    async def restore(self) -> None:
        self._thawed.set()
        if self._server is None:
            await self.start()

    async def stop(self) -> None:
        await self.cut()
