"""Routes' access to what the lifespan put on `app.state` (clients, settings, pools)."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request


def app_state(name: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency returning `app.state.<name>`, typed by the `Annotated` alias it goes in:
    `SignerDep = Annotated[Signer, Depends(app_state("signer"))]`.

    `async def` although nothing is awaited: FastAPI runs a plain `def` dependency on its
    thread pool (tests/services/test_async_dependencies.py)."""

    async def from_app_state(request: Request) -> Any:
        return getattr(request.app.state, name)

    return from_app_state
