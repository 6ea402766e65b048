"""Regenerate src/lib/api/schema.d.ts from the gateway's merged OpenAPI, or check it is current.

The merged document is built in-process, exactly as the gateway builds it from the running
services (gateway/src/gateway/openapi.py), so no stack is needed:

    uv run python web/scripts/api_types.py           # rewrite the committed types
    uv run python web/scripts/api_types.py --check   # exit 1 when they are stale
"""

import json
import sys
import tempfile
from pathlib import Path

from auth.main import create_app as auth_app
from gateway.openapi import merge
from gateway.routes import RoutingTable
from igscraper.main import create_app as igscraper_app
from media.main import create_app as media_app
from social.main import create_app as social_app
from stack.web import npm

WEB = Path(__file__).resolve().parent.parent
TYPES = WEB / "src" / "lib" / "api" / "schema.d.ts"
# The gateway's upstream order: it decides which service's schema keeps a shared name.
SERVICES = {
    "auth": auth_app,
    "social": social_app,
    "media": media_app,
    "igscraper": igscraper_app,
}


def merged_document() -> dict:
    documents = {name: create_app().openapi() for name, create_app in SERVICES.items()}
    return merge(documents, RoutingTable())


def generate() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "openapi.json", Path(tmp) / "schema.d.ts"
        spec.write_text(json.dumps(merged_document()))
        npm("exec", "--no", "--", "openapi-typescript", str(spec), "-o", str(out))
        return out.read_text()


def main() -> int:
    fresh = generate()
    if "--check" in sys.argv:
        if not TYPES.exists() or TYPES.read_text() != fresh:
            print(f"{TYPES} is stale: run `uv run python web/scripts/api_types.py`")
            return 1
        return 0
    TYPES.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
