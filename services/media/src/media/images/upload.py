"""Receiving `POST /media`'s multipart body as a stream, into a temporary file, with a cap.

Only one chunk of the body is in memory at a time; the file field goes to disk while its
sha256 is computed, and the upload is refused (413) the moment it passes the limit.
"""

import hashlib
import os
import tempfile
from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

from media.images.exceptions import FileRequired, FileTooLarge

# Room for the multipart boundaries, part headers and small form fields around the file.
ENVELOPE_BYTES = 64 * 1024


@dataclass(frozen=True)
class ReceivedFile:
    path: Path
    size: int
    sha256: str
    # The small text fields asked for (`description`), as sent.
    fields: dict[str, str] = field(default_factory=dict)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class _FileFieldWriter:
    """python-multipart callbacks that write the first part named `field` to `sink`."""

    def __init__(
        self, field: bytes, sink: IO[bytes], max_bytes: int, text_fields: frozenset[bytes]
    ) -> None:
        self.field = field
        self.text_fields = text_fields
        self.texts: dict[bytes, bytearray] = {}
        self._text: bytearray | None = None
        self.sink = sink
        self.max_bytes = max_bytes
        self.size = 0
        self.digest = hashlib.sha256()
        self.found = False
        self._writing = False
        self._headers: dict[bytes, bytes] = {}
        self._name = self._value = b""

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self._headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self._headers[self._name.lower()] = self._value
        self._name = self._value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"")
        self._writing = not self.found and name == self.field
        self.found = self.found or self._writing
        self._text = None
        if name in self.text_fields and b"filename" not in options:
            self._text = self.texts.setdefault(name, bytearray())

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._text is not None:
            self._text += data[start:end]
            # The text fields fit in the envelope; anything bigger is no honest form.
            if len(self._text) > ENVELOPE_BYTES // 2:
                raise FileTooLarge(max_bytes=self.max_bytes)
            return
        if not self._writing:
            return
        chunk = data[start:end]
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise FileTooLarge(max_bytes=self.max_bytes)
        self.digest.update(chunk)
        self.sink.write(chunk)

    def on_part_end(self) -> None:
        self._writing = False


def _boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise FileRequired()
    return boundary


async def receive_file_field(
    body: AsyncIterable[bytes],
    *,
    content_type: str | None,
    content_length: str | None,
    field: str,
    max_bytes: int,
    text_fields: frozenset[str] = frozenset(),
) -> ReceivedFile:
    """The `field` file of a multipart body, spooled to a temporary file, and the
    `text_fields` sent beside it."""
    boundary = _boundary(content_type)
    max_body = max_bytes + ENVELOPE_BYTES
    # An honest Content-Length over the limit is refused before a byte is read.
    if content_length and content_length.isdigit() and int(content_length) > max_body:
        raise FileTooLarge(max_bytes=max_bytes)
    fd, name = tempfile.mkstemp(prefix="media-upload-")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as sink:
            writer = _FileFieldWriter(
                field.encode(), sink, max_bytes, frozenset(f.encode() for f in text_fields)
            )
            parser = MultipartParser(boundary, writer.callbacks())
            received = 0
            async for chunk in body:
                received += len(chunk)
                if received > max_body:
                    raise FileTooLarge(max_bytes=max_bytes)
                parser.write(chunk)
            parser.finalize()
        if not writer.found or writer.size == 0:
            raise FileRequired()
    except BaseException as exc:
        # Unlinking a temporary file is quick enough to do on the event loop.
        os.unlink(path)
        if isinstance(exc, MultipartParseError):
            raise FileRequired("Malformed multipart body") from exc
        raise
    texts = {
        name.decode(): value.decode("utf-8", "replace") for name, value in writer.texts.items()
    }
    return ReceivedFile(path, writer.size, writer.digest.hexdigest(), texts)


def spool_bytes(data: bytes) -> ReceivedFile:
    """Bytes from elsewhere (the AI service) as a file, so they take the upload path."""
    fd, name = tempfile.mkstemp(prefix="media-upload-")
    with os.fdopen(fd, "wb") as sink:
        sink.write(data)
    return ReceivedFile(Path(name), len(data), hashlib.sha256(data).hexdigest())
