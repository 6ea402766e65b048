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

from stack.openapi import merged_document
from stack.web import npm

WEB = Path(__file__).resolve().parent.parent
TYPES = WEB / "src" / "lib" / "api" / "schema.d.ts"


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
