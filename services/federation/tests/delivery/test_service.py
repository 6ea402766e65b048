"""Queued deliveries and domain blocks made after they were queued."""

from sqlalchemy import select

from federation.delivery.models import Delivery
from federation.delivery.service import drop_blocked, enqueue
from federation.domains import repository as domains
from services.federation.tests.delivery.test_worker import note_activity


async def test_a_block_drops_what_was_queued_for_the_domain_and_its_subdomains(db):
    inboxes = [
        "http://blocked.test/inbox",
        "http://a.blocked.test:8080/users/x/inbox",
        "http://notblocked.test/inbox",
    ]
    # One transaction, rolled back: the delivery loop never sees these rows.
    async with db() as session:
        await enqueue(session, activity=note_activity(), signer="alice", inboxes=inboxes)
        await domains.block(session, domain="blocked.test")
        assert await drop_blocked(session) == 2
        left = await session.scalars(select(Delivery.inbox_url).where(Delivery.host.like("%.test")))
        assert list(left) == ["http://notblocked.test/inbox"]
        await session.rollback()
