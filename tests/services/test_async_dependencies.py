"""Every dependency of every route is `async def`: FastAPI runs a plain `def` dependency on
its thread pool, a hop that cost `/feed` about 0.25 ms each (bench/feed.py), for accessors
of `app.state` that never block. A dependency that really blocks belongs on a thread of its
own making (as media's S3 calls are), not here."""

import importlib
import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant

from stack.platform import SERVICES


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)


def _sync_dependencies(dependant: Dependant) -> Iterator[str]:
    for sub in dependant.dependencies:
        call = sub.call
        if not (
            inspect.iscoroutinefunction(call)
            or inspect.isasyncgenfunction(call)
            or inspect.iscoroutinefunction(type(call).__call__)  # e.g. OAuth2PasswordBearer
        ):
            yield f"{getattr(call, '__module__', '')}.{getattr(call, '__qualname__', call)}"
        yield from _sync_dependencies(sub)


@pytest.mark.parametrize("service", SERVICES)
def test_no_route_depends_on_a_plain_function(service: str):
    app = importlib.import_module(f"{service}.main").create_app()
    found = {
        name
        for route in _routes(app.routes)
        if hasattr(route, "dependant")
        for name in _sync_dependencies(route.dependant)
    }
    assert not found, f"make these async def: {sorted(found)}"
