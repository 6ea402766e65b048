"""The delivery loop, on every replica: due rows are claimed with FOR UPDATE SKIP LOCKED and
a lease (their next_attempt_at pushed past the send's deadline), then each is sent by a
task of its own. A slow or dead server holds only its own tasks, never a batch: the loop
claims more while they run, up to a per-domain bound and a global one that a send stops
counting against once it is slow (a dead server's sends wait out their timeout outside
it). A replica that dies mid-send leaves its rows to come due again when the lease ends:
nothing is lost."""

import asyncio
import json
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.db import transaction
from common.errors import ApiError
from common.loops import BackgroundLoop
from common.remote_fetch import FetchPolicy, RemoteFailed, fetch
from federation.activitypub import ACTIVITY_JSON, Urls
from federation.config import Settings
from federation.delivery.models import Delivery
from federation.domains.repository import blocked_hosts
from federation.keys.service import KeyStore, SigningKey
from federation.signatures import sign_headers

logger = logging.getLogger(__name__)

# What a remote's 4xx means "later", not "never".
RETRYABLE_STATUSES = {408, 429}


@dataclass(frozen=True)
class Claimed:
    """A leased row and what sending it takes."""

    id: uuid.UUID
    host: str
    inbox_url: str
    body: bytes
    key_id: str
    key: SigningKey


class Deliverer:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        *,
        settings: Settings,
        keys: KeyStore,
        urls: Urls,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.http = http
        self.keys = keys
        self.urls = urls
        self.settings = settings
        self.policy = FetchPolicy(
            allow_private=settings.allow_private_peers,
            # A remote inbox's answer is read and dropped; a small cap is enough.
            max_bytes=65_536,
            timeout=settings.delivery_timeout_seconds,
        )
        # Past the send's own deadline, so a live send is never claimed twice.
        self.lease = timedelta(seconds=settings.delivery_timeout_seconds * 3)
        self.in_flight: dict[asyncio.Task[None], str] = {}
        self.row_of: dict[asyncio.Task[None], uuid.UUID] = {}
        self.started_at: dict[asyncio.Task[None], float] = {}

    def loop(self) -> BackgroundLoop:
        return _DeliveryLoop(self)

    async def step(self) -> bool:
        """Claim what the bounds allow and start sending it; True when there may be more."""
        slow_after = self.settings.delivery_slow_after_seconds
        now = time.monotonic()
        fast = sum(1 for started in self.started_at.values() if now - started < slow_after)
        free = min(
            self.settings.delivery_concurrency - fast,
            self.settings.delivery_max_in_flight - len(self.in_flight),
        )
        if free <= 0:
            # Full: the next send that ends (or turns slow) frees a slot, and the loop claims
            # again then, not a whole interval later.
            await asyncio.wait(
                self.in_flight, timeout=slow_after, return_when=asyncio.FIRST_COMPLETED
            )
            return True
        busy = Counter(self.in_flight.values())
        per_domain = self.settings.delivery_concurrency_per_domain
        saturated = [host for host, count in busy.items() if count >= per_domain]
        rows = await self._claim(limit=min(free, self.settings.delivery_batch_size), skip=saturated)
        for row in rows:
            task = asyncio.create_task(self._send(row))
            self.in_flight[task] = row.host
            self.row_of[task] = row.id
            self.started_at[task] = now
            task.add_done_callback(self._forget)
        return len(rows) == min(free, self.settings.delivery_batch_size) and len(rows) > 0

    async def _claim(self, *, limit: int, skip: list[str]) -> list[Claimed]:
        """Due rows, leased, with what sending them needs: read here in one transaction so
        that a send touches the database once more only, to settle."""
        now = datetime.now(UTC)
        # The oldest due rows, at most per_domain of each host, locked so that another
        # replica claiming at the same moment skips them.
        ranked = (
            select(
                Delivery.id,
                func.row_number()
                .over(partition_by=Delivery.host, order_by=Delivery.next_attempt_at)
                .label("rank"),
            )
            .where(Delivery.next_attempt_at <= now, Delivery.host.not_in(skip))
            .order_by(Delivery.next_attempt_at)
            .limit(limit * 4)
            .subquery()
        )
        due = (
            select(Delivery.id)
            .where(
                Delivery.id.in_(
                    select(ranked.c.id).where(
                        ranked.c.rank <= self.settings.delivery_concurrency_per_domain
                    )
                )
            )
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with transaction(self.sessionmaker) as session:
            result = await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + self.lease)
                .returning(
                    Delivery.id,
                    Delivery.host,
                    Delivery.inbox_url,
                    Delivery.activity,
                    Delivery.signer,
                )
            )
            rows = result.all()
            # Blocked since it was queued: dropped, never sent.
            blocked = await blocked_hosts(session, {row.host for row in rows})
            if blocked:
                await session.execute(
                    delete(Delivery).where(
                        Delivery.id.in_([row.id for row in rows if row.host in blocked])
                    )
                )
            keys = {
                signer: await self.keys.key(session, signer) for signer in {r.signer for r in rows}
            }
            return [
                Claimed(
                    id=row.id,
                    host=row.host,
                    inbox_url=row.inbox_url,
                    body=json.dumps(row.activity).encode(),
                    key_id=self.urls.key_id(row.signer),
                    key=keys[row.signer],
                )
                for row in rows
                if row.host not in blocked
            ]

    async def _send(self, row: Claimed) -> None:
        try:
            try:
                error, permanent = await self._post(row)
            except Exception as exc:
                # A surprise (a bug, a library's own error): a failed attempt like any other,
                # backed off and given up at the horizon, not a row that comes due again at
                # every lease for ever. Only its type is kept: its message may quote the
                # signed request.
                logger.warning("a delivery failed unexpectedly (%s)", type(exc).__name__)
                error, permanent = f"unexpected {type(exc).__name__}", False
            await self._settle(row.id, error=error, permanent=permanent)
        except Exception as exc:
            # The database is out of reach: the lease runs out and the row is sent again.
            logger.warning("a delivery could not be settled (%s)", type(exc).__name__)

    async def _post(self, row: Claimed) -> tuple[str | None, bool]:
        """POST the activity, signed: (the error if it failed, whether that is final)."""
        headers = sign_headers(
            "POST",
            row.inbox_url,
            key_id=row.key_id,
            private_key=row.key.private_key,
            body=row.body,
        ) | {"Content-Type": ACTIVITY_JSON, "Accept": ACTIVITY_JSON}
        try:
            await fetch(
                self.http,
                "POST",
                row.inbox_url,
                policy=self.policy,
                headers=headers,
                content=row.body,
            )
        except RemoteFailed as exc:
            status = exc.upstream_status
            return exc.message, (
                status is not None and 400 <= status < 500 and status not in RETRYABLE_STATUSES
            )
        except ApiError as exc:
            # Refused by our own rules (a private address, a bad URL): it never will pass.
            return exc.message, True
        return None, False

    async def _settle(self, row_id: uuid.UUID, *, error: str | None, permanent: bool) -> None:
        async with transaction(self.sessionmaker) as session:
            row = await session.get(Delivery, row_id)
            if row is None:
                return
            if error is None:
                await session.delete(row)
                return
            row.attempts += 1
            row.last_error = error
            age = datetime.now(UTC) - row.created_at
            delay = min(
                self.settings.delivery_retry_base_seconds * 2 ** (row.attempts - 1),
                self.settings.delivery_retry_max_seconds,
            )
            if permanent or age + timedelta(seconds=delay) > timedelta(
                seconds=self.settings.delivery_give_up_seconds
            ):
                logger.warning(
                    "delivery to %s given up after %d attempts: %s", row.host, row.attempts, error
                )
                await session.delete(row)
                return
            row.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self.in_flight.pop(task, None)
        self.row_of.pop(task, None)
        self.started_at.pop(task, None)

    async def stop(self) -> None:
        """Cancel the sends in flight and hand their rows back at once (due now), so a
        restart resends them without waiting for the lease. One that had arrived just
        before may be sent twice: receivers drop an activity id they already have."""
        rows = list(self.row_of.values())
        tasks = list(self.in_flight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        if rows:
            async with transaction(self.sessionmaker) as session:
                await session.execute(
                    update(Delivery).where(Delivery.id.in_(rows)).values(next_attempt_at=func.now())
                )


class _DeliveryLoop(BackgroundLoop):
    def __init__(self, deliverer: Deliverer) -> None:
        super().__init__(
            "federation delivery",
            deliverer.step,
            interval_seconds=deliverer.settings.delivery_interval_seconds,
        )
        self.deliverer = deliverer

    async def stop(self) -> None:
        await super().stop()
        await self.deliverer.stop()
