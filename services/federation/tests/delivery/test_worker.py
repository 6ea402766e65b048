"""The delivery queue as remote servers see it: signed POSTs, retries with back-off until
the two-day horizon, dead servers holding up nobody else, nothing lost across a restart."""

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, update

from common.db import transaction
from federation.delivery import worker
from federation.delivery.models import Delivery
from federation.delivery.service import enqueue
from federation.domains import repository as domains
from federation.main import create_app
from federation.signatures import verify_request
from services.federation.tests.remote import FakeServer
from tests.support.polling import eventually

AP = {"Accept": "application/activity+json"}


def note_activity() -> dict[str, Any]:
    return {
        "id": f"http://fed.test/activities/{uuid.uuid4()}",
        "type": "Create",
        "actor": "http://fed.test/users/alice",
        "object": {"id": f"http://fed.test/users/alice/statuses/{uuid.uuid4()}", "type": "Note"},
    }


async def queue(db, *inboxes: str, activity: dict[str, Any] | None = None) -> dict[str, Any]:
    activity = activity or note_activity()
    async with transaction(db) as session:
        await enqueue(session, activity=activity, signer="alice", inboxes=inboxes)
    return activity


async def rows(db, server: FakeServer) -> list[Delivery]:
    async with transaction(db) as session:
        query = select(Delivery).where(Delivery.host == server.host)
        return list((await session.scalars(query)).all())


async def settled(db, *servers: FakeServer, timeout: float = 5.0) -> None:
    async def none_left() -> bool:
        for server in servers:
            if await rows(db, server):
                return False
        return True

    await eventually(none_left, timeout=timeout)


async def after_attempt(db, server: FakeServer, attempts: int) -> Delivery:
    async def attempted() -> Delivery | None:
        found = await rows(db, server)
        return found[0] if found and found[0].attempts >= attempts else None

    return await eventually(attempted)


async def make_due(db, server: FakeServer, **values: Any) -> None:
    async with transaction(db) as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.host == server.host)
            .values(next_attempt_at=datetime.now(UTC), **values)
        )


async def test_a_delivery_is_signed_and_then_forgotten(client, db, remote):
    server = await remote()
    activity = await queue(db, f"{server.base}/inbox")
    [received] = await server.wait_for("Create")
    await settled(db, server)
    assert received.activity == activity
    assert received.headers["digest"].startswith("SHA-256=")
    assert received.headers["content-type"] == "application/activity+json"
    # Checked as a remote server checks it: with the key our actor publishes.
    person = (await client.get("/users/alice", headers=AP)).json()
    assert received.headers["signature"].startswith(f'keyId="{person["publicKey"]["id"]}"')
    verify_request(
        "POST",
        received.path,
        received.headers,
        received.body,
        public_key_pem=person["publicKey"]["publicKeyPem"],
    )


async def test_a_failing_inbox_is_retried_with_back_off_for_two_days(client, db, remote, settings):
    server = await remote(inbox_status=500)
    await queue(db, f"{server.base}/inbox")
    base = settings.delivery_retry_base_seconds
    for attempt in (1, 2, 3):
        row = await after_attempt(db, server, attempt)
        delay = (row.next_attempt_at - datetime.now(UTC)).total_seconds()
        # 30 s, 60 s, 120 s (less the moments since it was settled).
        assert base * 2 ** (attempt - 1) - 2 < delay <= base * 2 ** (attempt - 1), attempt
        assert row.last_error == "The remote answered 500"
        await make_due(db, server)
    assert len(server.received) == 3
    # Queued almost two days ago: the next back-off (240 s) would pass the horizon.
    almost_two_days = timedelta(seconds=settings.delivery_give_up_seconds) - timedelta(minutes=2)
    await make_due(db, server, created_at=datetime.now(UTC) - almost_two_days)
    await settled(db, server)
    assert len(server.received) == 4


async def test_an_unexpected_error_is_a_failed_attempt(
    client, db, remote, settings, monkeypatch, caplog
):
    server = await remote()
    post = worker.fetch

    async def failing_for_server(http: Any, method: str, url: str, **options: Any) -> Any:
        if url.startswith(server.base):
            raise RuntimeError("Signature: keyId=secret-in-the-message")
        return await post(http, method, url, **options)

    monkeypatch.setattr(worker, "fetch", failing_for_server)
    await queue(db, f"{server.base}/inbox")
    row = await after_attempt(db, server, 1)
    # Backed off as any failure is, not left to come due again when its lease ends.
    delay = (row.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert settings.delivery_retry_base_seconds - 2 < delay <= settings.delivery_retry_base_seconds
    assert row.last_error == "unexpected RuntimeError"
    assert "RuntimeError" in caplog.text
    assert "secret" not in caplog.text
    # And given up at the horizon: queued so long ago that the next back-off (60 s) passes it.
    almost_two_days = timedelta(seconds=settings.delivery_give_up_seconds - 30)
    await make_due(db, server, created_at=datetime.now(UTC) - almost_two_days)
    await settled(db, server)
    assert "secret" not in caplog.text


async def test_a_domain_blocked_after_queueing_is_sent_nothing(client, db, remote):
    # Another loopback address: a block names a host without its port.
    server = await remote(address="127.0.0.3")
    # Queued, then blocked in the same transaction: due before the loop can send it.
    async with transaction(db) as session:
        await enqueue(
            session, activity=note_activity(), signer="alice", inboxes=[f"{server.base}/inbox"]
        )
        await domains.block(session, domain="127.0.0.3")
    try:
        await settled(db, server)
        assert server.received == []
    finally:
        async with transaction(db) as session:
            await domains.unblock(session, domain="127.0.0.3")


async def test_a_refusal_is_final_but_429_is_retried(client, db, remote):
    refusing, busy = await remote(inbox_status=403), await remote(inbox_status=429)
    await queue(db, f"{refusing.base}/inbox", f"{busy.base}/inbox")
    await settled(db, refusing)
    assert len(refusing.received) == 1
    row = await after_attempt(db, busy, 1)
    assert row.next_attempt_at > datetime.now(UTC)
    assert len(busy.received) == 1


async def test_dead_servers_hold_up_no_live_one(client, db, remote, settings):
    # More hanging servers than the loop sends at once, queued first: the worst case.
    hanging = [await remote(hang=True) for _ in range(settings.delivery_concurrency + 4)]
    refusing = FakeServer()  # never started: its port refuses connections
    await queue(db, *(f"{server.base}/inbox" for server in hanging), f"{refusing.base}/inbox")
    # Every send the loop may have in flight is stuck on a dead server.
    await eventually(lambda: _received_by(hanging, settings.delivery_concurrency))
    live = await remote()
    started = time.monotonic()
    await queue(db, f"{live.base}/inbox")
    await live.wait_for("Create", timeout=1.0)
    assert time.monotonic() - started < 1.0
    # The dead ones are retried later, not dropped.
    refused = await after_attempt(db, refusing, 1)
    assert refused.last_error and "failed to answer" in refused.last_error
    timed_out = await after_attempt(db, hanging[0], 1)
    assert timed_out.last_error == "The remote server took too long to answer"


async def _received_by(servers: list[FakeServer], count: int) -> bool:
    return sum(1 for server in servers if server.received) >= count


async def test_nothing_is_lost_when_the_service_stops_mid_delivery(
    settings, fresh_database, client_for, remote
):
    own = settings.model_copy(
        update={
            "database_url": await fresh_database("test_federation_restart"),
            "encryption_key": SecretStr(Fernet.generate_key().decode()),
        }
    )
    servers = [await remote(delay=0.3) for _ in range(6)]
    activities = [note_activity() for _ in range(5)]
    app = create_app(own)
    async with client_for(app):
        for activity in activities:
            await queue(
                app.state.sessionmaker, *(f"{s.base}/inbox" for s in servers), activity=activity
            )
        # Stopped while sends are in flight and most of the queue waits.
        await eventually(lambda: _some_received(servers, 4))
    assert sum(len(s.received) for s in servers) < len(servers) * len(activities)
    restarted = create_app(own)
    async with client_for(restarted):
        await eventually(lambda: _every_activity_arrived(servers, activities), timeout=15)
        await settled(restarted.state.sessionmaker, *servers)
    for server in servers:
        ids = [r.activity["id"] for r in server.received]
        assert set(ids) == {a["id"] for a in activities}


async def _some_received(servers: list[FakeServer], count: int) -> bool:
    await asyncio.sleep(0)
    return sum(len(s.received) for s in servers) >= count


async def _every_activity_arrived(
    servers: list[FakeServer], activities: list[dict[str, Any]]
) -> bool:
    wanted = {a["id"] for a in activities}
    return all({r.activity["id"] for r in s.received} >= wanted for s in servers)
