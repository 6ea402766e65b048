"""Accounts for the e2e tests, registered through the gateway as a frontend registers them.

Every password and refresh token handed out is kept in CREDENTIALS, so the log check in
test_auth.py can prove none of them ever reached a log.
"""

import io
import secrets
import uuid

import asyncpg
import httpx
from PIL import Image

PASSWORD = "e2e-Pa55word-" + secrets.token_hex(4)
CREDENTIALS: list[str] = [PASSWORD]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, prefix: str = "u") -> dict:
    """A new account: the register response (`user`, `access_token`, `refresh_token`, ...)."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    response = await client.post(
        "/auth/register",
        json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    CREDENTIALS.append(body["refresh_token"])
    return body


async def signed_up(gateway: httpx.AsyncClient) -> tuple[dict, dict[str, str]]:
    """A new account: (user, headers carrying its access token)."""
    body = await register(gateway)
    return body["user"], bearer(body["access_token"])


def png(color: str = "red", size: tuple[int, int] = (80, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


async def dump_database(url: str) -> str:
    """Every row of every table of a database, as text: what a test proves a secret is
    not in (bytea columns show as hex)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        rows = [
            await conn.fetchval(
                # Table names come from pg_tables, not from input.
                f"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM \"{t[0]}\" t"  # noqa: S608
            )
            for t in tables
        ]
    finally:
        await conn.close()
    return "\n".join(rows)
