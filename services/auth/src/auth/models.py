"""Every auth table, imported once so Alembic's metadata sees them all."""

from auth.deletions.models import AccountDeletion
from auth.instagram.models import InstagramAccount, MetaConnection
from auth.keys.models import SigningKey
from auth.mail.models import MailMessage
from auth.mfa.models import RecoveryCode, TotpCredential
from auth.outbox.models import OutboxEvent
from auth.passkeys.models import Passkey
from auth.sessions.models import RefreshToken
from auth.users.models import EmailToken, Identity, User

__all__ = [
    "AccountDeletion",
    "EmailToken",
    "Identity",
    "InstagramAccount",
    "MailMessage",
    "MetaConnection",
    "OutboxEvent",
    "Passkey",
    "RecoveryCode",
    "RefreshToken",
    "SigningKey",
    "TotpCredential",
    "User",
]
