"""Mail that is never lost: queued in the transaction that causes it, relayed by a loop.

`queue_mail` writes a `mail_message` row, its content encrypted (it carries a secret
link), in the caller's transaction: the mail exists exactly when the change does. The
relay (`relay_pending`, a BackgroundLoop on every replica) takes waiting rows with SKIP
LOCKED, sends each over SMTP and deletes its row (no address outlives its mail). While the server
is down the step fails and the loop backs off and retries; a row leaves the outbox only
once the server accepted it, or refused its recipient for good (a 5xx: never retried).
A crash between the server's acceptance and the commit sends that mail twice, never none.
"""

import json
import logging
from datetime import UTC, datetime

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.crypto import SecretBox
from auth.mail import repository
from auth.mail.models import MailMessage
from auth.mail.sender import SmtpNotConfigured, SmtpServer, build_message, send
from auth.mail.templates import MailKind, Rendered, render
from common.db import transaction

logger = logging.getLogger(__name__)

BATCH = 20


async def queue_mail(
    *,
    session: AsyncSession,
    box: SecretBox,
    to: str,
    kind: MailKind,
    language: str,
    username: str,
    email: str = "",
    link: str | None = None,
) -> None:
    """Queue one mail in the caller's transaction (sent after it commits)."""
    rendered = render(kind, language=language, username=username, email=email, link=link)
    sealed = box.encrypt(
        json.dumps({"subject": rendered.subject, "text": rendered.text, "html": rendered.html})
    )
    await repository.add(session, MailMessage(to_address=to, sealed=sealed))


class MailRelay:
    """The relay's step, with what it needs: the database, the key and the server."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        box: SecretBox,
        smtp_url: str,
        sender: str,
        timeout: float,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.box = box
        self.server = SmtpServer.from_url(smtp_url) if smtp_url else None
        self.sender = sender
        self.timeout = timeout

    async def relay_pending(self) -> bool:
        """Send one batch of waiting mail; True when the batch was full (more may wait).
        Raises while the server is unreachable, so the loop backs off."""
        failure: Exception | None = None
        async with transaction(self.sessionmaker) as session:
            messages = await repository.claim_pending(session, limit=BATCH)
            if not messages:
                return False
            if self.server is None:
                raise SmtpNotConfigured("AUTH_SMTP_URL is empty: mail waits in the outbox")
            for message in messages:
                try:
                    if await self._send_one(message):
                        await repository.remove(session, message)
                except (OSError, aiosmtplib.SMTPException) as exc:
                    # Commit what was sent before raising: it must not be sent again.
                    failure = exc
                    break
        if failure is not None:
            raise failure
        return len(messages) == BATCH

    async def _send_one(self, message: MailMessage) -> bool:
        """True once the server took it; False when it refused the recipient for good."""
        assert self.server is not None and message.sealed is not None
        content = json.loads(self.box.decrypt(message.sealed))
        email = build_message(
            sender=self.sender,
            to=message.to_address,
            rendered=Rendered(content["subject"], content["text"], content["html"]),
        )
        message.attempts += 1
        try:
            await send(self.server, email, timeout=self.timeout)
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException) as exc:
            if not _permanent(exc):
                raise
            # The address, not the content: neither the link nor the server's echo of it.
            logger.warning(
                "mail refused for good",
                extra={"mail_id": str(message.id), "error": type(exc).__name__},
            )
            message.failed_at = datetime.now(UTC)
            message.sealed = None
            return False
        logger.info("mail sent", extra={"mail_id": str(message.id)})
        return True


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(error.code >= 500 for error in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500
