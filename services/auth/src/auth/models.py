"""Every auth table, imported once so Alembic's metadata sees them all."""

from auth.apps.models import AuthorizationCode, OAuthApp
from auth.credentials.models import PasswordResetRequest
from auth.deletions.models import AccountDeletion
from auth.instagram.models import InstagramAccount, MetaConnection
from auth.keys.models import SigningKey
from auth.mail.models import MailMessage
from auth.mfa.models import RecoveryCode, TotpCredential
from auth.outbox.models import OutboxEvent
from auth.passkeys.models import Passkey
from auth.sessions.models import AppToken, RefreshToken
from auth.users.models import EmailToken, Identity, User

__all__ = [
    "AccountDeletion",
    "AppToken",
    "AuthorizationCode",
    "EmailToken",
    "Identity",
    "InstagramAccount",
    "MailMessage",
    "MetaConnection",
    "OAuthApp",
    "OutboxEvent",
    "Passkey",
    "PasswordResetRequest",
    "RecoveryCode",
    "RefreshToken",
    "SigningKey",
    "TotpCredential",
    "User",
]
