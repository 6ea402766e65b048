"""The API's docs pages, Swagger UI at /docs and ReDoc at /redoc, with their scripts and
styles served by the gateway itself from the pinned `fastapi-offline` package: the pages
work with no internet and load nothing from a CDN."""

from importlib.resources import files

from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, Response

TITLE = "Photo platform API"
OPENAPI_URL = "/openapi.json"
ASSETS = "/docs/assets/"
_STATIC = files("fastapi_offline") / "static"
_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
PATHS = frozenset({"/docs", "/redoc", *(ASSETS + name for name in _FILES)})


def docs_response(path: str) -> Response:
    """The page or asset at `path`, one of PATHS."""
    if path == "/docs":
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=TITLE,
            swagger_js_url=ASSETS + "swagger-ui-bundle.js",
            swagger_css_url=ASSETS + "swagger-ui.css",
            swagger_favicon_url=ASSETS + "favicon.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )
    if path == "/redoc":
        return get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=TITLE,
            redoc_js_url=ASSETS + "redoc.standalone.js",
            redoc_favicon_url=ASSETS + "favicon.png",
            with_google_fonts=False,
        )
    # The files change only with the package's pinned version.
    return FileResponse(
        str(_STATIC / path.removeprefix(ASSETS)), headers={"Cache-Control": "public, max-age=86400"}
    )
