"""A route gets what the lifespan put on app.state through `app_state`, typed by its alias."""

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI

from common.state import app_state

GreetingDep = Annotated[str, Depends(app_state("greeting"))]


async def test_a_route_reads_what_the_app_holds():
    app = FastAPI()
    app.state.greeting = "hello"

    @app.get("/")
    async def greet(greeting: GreetingDep) -> str:
        return greeting

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/")).json() == "hello"
        app.state.greeting = "hi"  # read per request, not captured when the app is built
        assert (await client.get("/")).json() == "hi"
