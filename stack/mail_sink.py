"""A development mail sink: a real SMTP server (aiosmtpd) that keeps every message it
receives as a file, and a small page listing them.

`python -m stack.mail_sink --dir DIR --smtp-port P --http-port Q` serves SMTP on P and
the page on Q (http://HOST:Q/: newest first, each with its links; /<name>.eml is the
raw message). `uv run stack up` runs it on free ports and points AUTH_SMTP_URL at it;
compose runs the same module as its `mail` service. Nothing is ever relayed onward: it
is for development only, and holds whatever links the mail carried, in clear.
"""

import argparse
import asyncio
import contextlib
import email
import email.policy
import html
import logging
import os
import re
import threading
import time
import uuid
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

logger = logging.getLogger("mail_sink")

LINK = re.compile(r"https?://[^\s<>\"')]+")
# Kept on the page; the directory keeps everything.
PAGE_SIZE = 50


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return str(part.get_content()) if part is not None else ""


def links_of(message: EmailMessage) -> list[str]:
    return LINK.findall(text_of(message))


def newest(mail_dir: Path, count: int) -> list[Path]:
    files = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    return files[:count]


class NewMail:
    """For the console of `stack up`: a line per message that arrived since the last call,
    with its links, so a developer can follow a verification or reset link at once."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir
        self.seen = {path.name for path in mail_dir.glob("*.eml")}

    def lines(self) -> list[str]:
        found = []
        for path in sorted(self.mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime):
            if path.name in self.seen:
                continue
            self.seen.add(path.name)
            message = parse(path.read_bytes())
            found.append(f"mail to {message['To']}: {message['Subject']}")
            found += [f"  {link}" for link in links_of(message)]
        return found


class KeepInDirectory:
    """aiosmtpd's handler: each accepted message becomes DIR/<time>-<id>.eml, written
    under a temporary name and renamed, so a reader never sees half a message."""

    def __init__(self, mail_dir: Path) -> None:
        self.mail_dir = mail_dir

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        name = f"{time.time():.6f}-{uuid.uuid4().hex[:8]}.eml"
        temporary = self.mail_dir / f".{name}.tmp"
        temporary.write_bytes(content)
        os.replace(temporary, self.mail_dir / name)
        # Who and what, never the links: the log is not the mailbox.
        logger.info("received %s for %d recipient(s)", name, len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def page(mail_dir: Path) -> str:
    rows = []
    for path in newest(mail_dir, PAGE_SIZE):
        message = parse(path.read_bytes())
        links = "".join(
            f'<li><a href="{html.escape(link)}">{html.escape(link)}</a></li>'
            for link in links_of(message)
        )
        rows.append(
            "<article>"
            f"<h2>{html.escape(str(message['Subject']))}</h2>"
            f"<p>To {html.escape(str(message['To']))}, {html.escape(str(message['Date']))}"
            f' (<a href="/{html.escape(path.name)}">raw</a>)</p>'
            f"<ul>{links}</ul><pre>{html.escape(text_of(message))}</pre></article>"
        )
    body = "".join(rows) or "<p>No mail yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Development mail</title></head>"
        f"<body><h1>Development mail (newest first)</h1>{body}</body></html>"
    )


def page_handler(mail_dir: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health":  # the image's HEALTHCHECK
                self._send(200, "text/plain", b"ok")
                return
            if self.path in ("/", ""):
                self._send(200, "text/html; charset=utf-8", page(mail_dir).encode())
                return
            name = self.path.lstrip("/")
            path = mail_dir / name
            if "/" in name or not name.endswith(".eml") or not path.is_file():
                self._send(404, "text/plain", b"not found")
                return
            self._send(200, "message/rfc822", path.read_bytes())

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the page's URLs say nothing worth a log line

    return Handler


async def serve(mail_dir: Path, *, host: str, smtp_port: int, http_port: int) -> None:
    web = ThreadingHTTPServer((host, http_port), page_handler(mail_dir))
    threading.Thread(target=web.serve_forever, name="mail page", daemon=True).start()
    handler = KeepInDirectory(mail_dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="mail-sink"), host=host, port=smtp_port
    )
    logger.info("SMTP on %s:%d, page on http://%s:%d/", host, smtp_port, host, http_port)
    try:
        await server.serve_forever()
    finally:
        web.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stack.mail_sink", description=__doc__)
    parser.add_argument("--dir", type=Path, required=True, help="where messages are kept")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # aiosmtpd logs every command it reads at INFO, an AUTH line's credentials included.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    args.dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(args.dir, host=args.host, smtp_port=args.smtp_port, http_port=args.http_port)
        )


if __name__ == "__main__":
    main()
