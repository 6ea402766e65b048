"""Auth verifies its own access tokens from its database rather than over HTTP."""

import time
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.keys.service import Signer
from common.db import transaction
from common.tokens import TokenVerifier


class LocalTokenVerifier(TokenVerifier):
    """common's verifier (same algorithm pin and claim checks), keys read from the db."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        signer: Signer,
        access_token_ttl: timedelta,
    ) -> None:
        super().__init__(jwks_url="", issuer=issuer, audience=audience)
        self.sessionmaker = sessionmaker
        self.signer = signer
        self.access_token_ttl = access_token_ttl

    async def _fetch(self) -> None:
        async with transaction(self.sessionmaker) as session:
            self._keys = await self.signer.public_keys(
                session=session, access_token_ttl=self.access_token_ttl
            )
        self._fetched_at = time.monotonic()
