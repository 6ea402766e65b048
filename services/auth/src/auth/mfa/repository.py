"""SQL for TOTP credentials and recovery codes."""

import uuid
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from auth.mfa.models import RecoveryCode, TotpCredential
from common.db import affected


async def get_totp_for_update(session: AsyncSession, user_id: uuid.UUID) -> TotpCredential | None:
    # Row-locked: two requests with one code are decided one after the other, so the
    # second sees the step the first used.
    result = await session.execute(
        select(TotpCredential).where(TotpCredential.user_id == user_id).with_for_update()
    )
    return result.scalar_one_or_none()


async def put_pending_totp(session: AsyncSession, user_id: uuid.UUID, secret_sealed: bytes) -> None:
    """A new pending secret, replacing any: one statement, so two setups racing for one
    account end with one row (the last), not a duplicate key."""
    await session.execute(
        insert(TotpCredential)
        .values(user_id=user_id, secret_sealed=secret_sealed)
        .on_conflict_do_update(
            index_elements=[TotpCredential.user_id],
            set_={"secret_sealed": secret_sealed, "enabled_at": None, "last_used_step": None},
        )
    )


async def add(session: AsyncSession, row: TotpCredential | RecoveryCode) -> None:
    session.add(row)
    await session.flush()


async def delete_second_factors(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(TotpCredential).where(TotpCredential.user_id == user_id))
    await delete_recovery_codes(session, user_id)


async def delete_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))


async def spend_recovery_code(
    session: AsyncSession, user_id: uuid.UUID, code_hash: bytes, *, at: datetime
) -> bool:
    """Marks the code used; False when it is unknown or already used (one UPDATE, so two
    requests with one code cannot both succeed)."""
    result = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user_id,
            RecoveryCode.code_hash == code_hash,
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=at)
    )
    return affected(result) == 1
