"""The short way in (common.read_routes) answers a marked route exactly as FastAPI's own
way does (the same dependencies, validation, errors and bytes) while skipping FastAPI's
layers, and refuses, when the app is built, a route it could not answer the same way."""

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer

from common.errors import Unauthorized, install_error_handlers
from common.observability import REQUESTS
from common.read_routes import ReadRoutes, read_route
from common.reads import JSONBytes, json_bytes
from common.service_layer import ServiceLayer

scheme = OAuth2PasswordBearer(tokenUrl="/login", auto_error=False)
calls: list[str] = []


async def caller(token: Annotated[str | None, Depends(scheme)]) -> str:
    calls.append("caller")
    if token is None:
        raise Unauthorized("Sign in first", code="not_signed_in")
    return token


async def paging(
    caller: Annotated[str, Depends(caller)],
    limit: Annotated[int, Query(ge=1, le=10)] = 5,
    cursor: Annotated[str | None, Query(max_length=8, pattern="^[a-z]+$")] = None,
) -> dict[str, object]:
    return {"caller": caller, "limit": limit, "cursor": cursor}


Caller = Annotated[str, Depends(caller)]
Paging = Annotated[dict[str, object], Depends(paging)]


def build() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.middleware("http")
    async def fastapis_way(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers["x-way"] = "fastapi"
        return response

    @app.get("/items/mine")
    async def mine() -> dict[str, str]:
        """Declared first: /items/{item_id} must not answer this path."""
        return {"route": "mine"}

    @app.get("/items/{item_id}")
    @read_route
    async def item(
        item_id: Annotated[uuid.UUID, Path()],
        who: Caller,
        page: Paging,
        request: Request,
    ) -> JSONBytes:
        return JSONBytes(
            json_bytes({"item": item_id, "who": who, "page": page, "path": request.url.path})
        )

    @app.get("/items")
    @read_route
    async def items(page: Paging) -> JSONBytes:
        return JSONBytes(json_bytes({"items": [], "page": page}))

    return app


@pytest.fixture
async def clients() -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """(the short way, FastAPI's way): the same app, with and without its read routes."""
    short, long = build(), build()
    short.add_middleware(ServiceLayer, service="test-short", read_routes=ReadRoutes.of(short))
    long.add_middleware(ServiceLayer, service="test-long")
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(short), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(long), base_url="http://t") as b,
    ):
        yield a, b


ITEM = uuid.UUID(int=7)
REQUESTS_TO_COMPARE = [
    ("/items", {"Authorization": "Bearer abc"}),
    ("/items?limit=10&cursor=next", {"Authorization": "Bearer abc"}),
    (f"/items/{ITEM}?limit=2", {"Authorization": "Bearer abc"}),
    # Invalid parameters, one and several, in the query and the path.
    ("/items?limit=0", {"Authorization": "Bearer abc"}),
    ("/items?limit=x&cursor=NOT-OURS-AT-ALL", {"Authorization": "Bearer abc"}),
    ("/items/not-a-uuid?limit=99", {"Authorization": "Bearer abc"}),
    # A dependency's own error, before and together with invalid parameters.
    ("/items", {}),
    ("/items?limit=0", {}),
    (f"/items/{ITEM}", {"Authorization": "Basic abc"}),
]


@pytest.mark.parametrize(("url", "headers"), REQUESTS_TO_COMPARE)
async def test_a_marked_route_answers_as_fastapi_does_without_fastapis_layers(
    clients, url, headers
):
    short, long = clients
    headers = {**headers, "X-Request-ID": "req-compared"}  # errors carry it
    calls.clear()
    quick = await short.get(url, headers=headers)
    quick_calls = list(calls)
    calls.clear()
    slow = await long.get(url, headers=headers)

    assert (quick.status_code, quick.content) == (slow.status_code, slow.content)
    assert {k: v for k, v in quick.headers.items() if k != "x-way"} == {
        k: v for k, v in slow.headers.items() if k != "x-way"
    }
    # Each dependency solved once a request, even where two ask for it.
    assert quick_calls == calls == ["caller"]
    assert "x-way" not in quick.headers  # FastAPI's middleware never saw it
    assert slow.headers["x-way"] == "fastapi"


async def test_other_methods_and_paths_an_earlier_route_takes_go_fastapis_way(clients):
    short, _ = clients
    mine = await short.get("/items/mine")
    assert (mine.json(), mine.headers["x-way"]) == ({"route": "mine"}, "fastapi")
    posted = await short.post("/items", headers={"Authorization": "Bearer abc"})
    assert (posted.status_code, posted.headers["x-way"]) == (405, "fastapi")
    trailing = await short.get("/items/", follow_redirects=False)
    assert trailing.headers["x-way"] == "fastapi"


async def test_the_metrics_name_the_route_not_the_path(clients):
    short, _ = clients
    counted = REQUESTS.labels("test-short", "GET", "/items/{item_id}", "200")
    before = counted._value.get()
    for _ in range(3):
        response = await short.get(f"/items/{uuid.uuid4()}", headers={"Authorization": "Bearer a"})
        assert response.status_code == 200
    assert counted._value.get() == before + 3


def test_a_route_the_short_way_cannot_answer_alike_is_refused_when_the_app_is_built():
    async def streamed() -> AsyncIterator[str]:
        yield "a session"

    def blocking() -> str:
        return "runs in a thread"

    async def with_header(x_tenant: Annotated[str, Header()]) -> str:
        return x_tenant

    for dependency in (streamed, blocking, with_header):
        app = FastAPI()

        @app.get("/x")
        @read_route
        async def endpoint(value: Annotated[str, Depends(dependency)]) -> JSONBytes:
            return JSONBytes(b"{}")

        with pytest.raises(TypeError, match="/x: a read route's"):
            ReadRoutes.of(app)

    app = FastAPI()

    @app.api_route("/x", methods=["GET", "POST"])
    @read_route
    async def both() -> JSONBytes:
        return JSONBytes(b"{}")

    with pytest.raises(TypeError, match="GET only"):
        ReadRoutes.of(app)
