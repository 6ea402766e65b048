"""The media deletion outbox as a request sees it."""

from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request


async def get_first_retry_after(request: Request) -> timedelta:
    """How long the relay leaves a new row alone while the request makes the first attempt."""
    return timedelta(seconds=request.app.state.settings.media_deletion_retry_base_seconds)


FirstRetryAfterDep = Annotated[timedelta, Depends(get_first_retry_after)]
