"""Reading a text/event-stream the way a browser's EventSource does."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Event:
    """A dispatched event, or (with `comment` set) a comment line such as a keep-alive."""

    event: str = "message"
    data: str = ""
    comment: str | None = None

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class _Parser:
    event: str = "message"
    data: list[str] = field(default_factory=list)

    def feed(self, line: str) -> Event | None:
        if line == "":
            found = Event(self.event, "\n".join(self.data)) if self.data else None
            self.event, self.data = "message", []
            return found
        if line.startswith(":"):
            return Event(comment=line[1:].strip())
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self.event = value
        elif name == "data":
            self.data.append(value)
        return None


def parse_events(body: str) -> list[Event]:
    """Every event and comment of a whole stream body."""
    parser = _Parser()
    return [e for line in [*body.splitlines(), ""] if (e := parser.feed(line)) is not None]


async def events(response: httpx.Response) -> AsyncIterator[Event]:
    """Events and comments as they arrive on a streamed response."""
    parser = _Parser()
    async for line in response.aiter_lines():
        if (found := parser.feed(line)) is not None:
            yield found
