"""Write docs/api.md from the gateway's merged OpenAPI document, or check it is current.

The document is built in-process, as web/scripts/api_types.py builds it and as the gateway
builds it from the running services (gateway/src/gateway/openapi.py), so no stack is needed:

    uv run python docs/generate_api.py           # rewrite docs/api.md
    uv run python docs/generate_api.py --check   # exit 1 when docs/api.md is stale

The output depends on the code only (sorted, no dates), so it regenerates byte for byte;
tests/docs/test_docs.py fails while the committed file differs.
"""

import json
import sys
from pathlib import Path
from typing import Any

from gateway.routes import ROUTES
from stack.openapi import SERVICES, merged_document

API_MD = Path(__file__).resolve().parent / "api.md"
COMMAND = "uv run python docs/generate_api.py"
METHOD_ORDER = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
REF_PREFIX = "#/components/schemas/"
ERROR_SCHEMA = "ErrorResponse"

INTRO = f"""\
# API reference

<!-- Generated from the gateway's merged OpenAPI document by `{COMMAND}`.
Do not edit by hand: change the code, then regenerate (tests/docs fails while stale). -->

Every public endpoint of the platform as a client sees it on the gateway (default
`http://localhost:8000`). The running gateway serves the same document at `/openapi.json`,
rendered by `/docs` and `/redoc`.

- **Auth.** *bearer*: `Authorization: Bearer <access token>` (from `/auth/register`,
  `/auth/login` or `/auth/refresh`); without it, 401. *optional bearer*: works signed out,
  and a signed-in caller sees fields about themselves (`is_following`, `viewer_reaction`).
  *none*: public.
- **Errors.** Every error, from a service or the gateway, is JSON of one shape:
  `{{"error": {{"code": "...", "message": "...", "request_id": "..."}}}}` (`{ERROR_SCHEMA}`).
  The gateway itself may answer any operation with 429 (rate limit), 502, 503 or 504 (the
  service failed, is down or timed out), and one with a body with 413 before the service
  sees it; those codes are in the lists below too.
- **Lists** are cursor-paginated: `?limit=` (default 20, at most 100) and `?cursor=` (the
  `next_cursor` of the previous page); the body is `{{"items": [...], "next_cursor": ...}}`.
- Every response carries the request's `X-Request-ID` (sent by the client or made up).

The gateway's own endpoints, not in the merged document (all GET):

- `/health`: each service's replicas with their own checks (Postgres, Redis, S3), the
  igscraper worker's heartbeat and the gateway's Redis; 503 when one is down.
- `/__routes`: the routing table below. `/metrics`: Prometheus metrics.
- `/openapi.json`: this document; `/docs` (Swagger UI) and `/redoc` render it, with every
  asset served by the gateway.
- `/` and every path no prefix claims: the web app (`web/dist`), `index.html` for an app path.
"""


def _schema_name(schema: dict[str, Any] | None) -> str:
    """A short, readable type for a JSON schema: a component's name, or the shape."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return str(schema["$ref"]).removeprefix(REF_PREFIX)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            names = [_schema_name(option) for option in schema[key]]
            return " | ".join(dict.fromkeys(names))
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type")
    if kind is None:
        # A form field FastAPI leaves untyped still says what it is by its constraints.
        text_rules = {"maxLength", "minLength", "pattern"} & schema.keys()
        kind = "string" if text_rules else "object" if "properties" in schema else "any"
    if kind == "array":
        return f"list[{_schema_name(schema.get('items'))}]"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"dict[str, {_schema_name(schema['additionalProperties'])}]"
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else str(kind)


def _auth(operation: dict[str, Any]) -> str:
    security = operation.get("security")
    if not security:
        return "none"
    return "optional bearer" if {} in security else "bearer"


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def _parameter(parameter: dict[str, Any]) -> str:
    schema = parameter.get("schema", {})
    parts = [parameter["in"], _schema_name(schema)]
    if parameter.get("required"):
        parts.append("required")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default {schema['default']}")
    line = f"`{parameter['name']}` ({', '.join(parts)})"
    if description := parameter.get("description"):
        line += f": {_first_paragraph(description)}"
    return line


def _body(operation: dict[str, Any]) -> str:
    body = operation["requestBody"]
    kinds = []
    for content_type, content in body.get("content", {}).items():
        schema = content.get("schema", {})
        if "$ref" not in schema and "properties" in schema:
            # An inline body (a multipart form, a one-off JSON object): its fields.
            kinds.append(f"`{content_type}` {{{_fields(schema)}}}")
        else:
            kinds.append(f"`{content_type}` `{_schema_name(schema)}`")
    required = "" if body.get("required") else " (optional)"
    return " or ".join(kinds) + required


def _response(status: str, response: dict[str, Any]) -> str:
    content = response.get("content", {})
    if not content:
        if status == "204":
            return f"{status} no body"
        if status.startswith("3"):
            return f"{status} redirect"
        description = _first_paragraph(response.get("description", ""))
        if description in ("", "Successful Response"):
            return f"{status} (its content type is not declared)"
        return f"{status} {description}"
    kinds = []
    for content_type, item in content.items():
        if content_type == "application/json":
            kinds.append(f"`{_schema_name(item.get('schema'))}`")
        else:
            kinds.append(f"`{content_type}`")
    line = f"{status} {' or '.join(kinds)}"
    description = _first_paragraph(response.get("description", ""))
    if description and description != "Successful Response":
        line += f": {description}"
    return line


def _is_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref") == REF_PREFIX + ERROR_SCHEMA


def _operation(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    lines = [f"#### `{method.upper()} {path}`", ""]
    summary = operation.get("summary", operation.get("operationId", ""))
    description = operation.get("description")
    lines.append(f"{summary}. {_first_paragraph(description)}" if description else f"{summary}.")
    lines.append("")
    lines.append(f"- Auth: {_auth(operation)}")
    if parameters := operation.get("parameters"):
        lines.append("- Parameters: " + "; ".join(_parameter(p) for p in parameters))
    if "requestBody" in operation:
        lines.append(f"- Body: {_body(operation)}")
    responses = operation.get("responses", {})
    codes = sorted(responses)
    ok = [_response(code, responses[code]) for code in codes if not _is_error(responses[code])]
    errors = [code for code in codes if _is_error(responses[code])]
    lines.append("- Responses: " + "; ".join(ok))
    if errors:
        lines.append(f"- Errors (`{ERROR_SCHEMA}`): " + ", ".join(errors))
    lines.append("")
    return lines


def _fields(schema: dict[str, Any]) -> str:
    """An object's fields, `name?` when it may be left out."""
    required = set(schema.get("required", []))
    return ", ".join(
        f"`{field}{'' if field in required else '?'}`: {_schema_name(value)}"
        for field, value in schema["properties"].items()
    )


def _schema_row(name: str, schema: dict[str, Any]) -> str:
    if "enum" in schema:
        shape = "one of " + ", ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    elif "properties" in schema:
        shape = _fields(schema)
    else:
        shape = _schema_name(schema)
    return f"| `{name}` | {shape.replace('|', '&#124;')} |"


def render(document: dict[str, Any]) -> str:
    # service → domain tag → [(path, method, operation)]
    groups: dict[str, dict[str, list[tuple[str, str, dict[str, Any]]]]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHOD_ORDER:
                continue
            service, *rest = operation.get("tags", ["other"])
            domain = rest[0] if rest and rest[0] != service else service
            groups.setdefault(service, {}).setdefault(domain, []).append((path, method, operation))

    services = [s for s in SERVICES if s in groups] + sorted(set(groups) - set(SERVICES))
    lines = [INTRO]
    lines += [
        "## Routing",
        "",
        "The gateway sends a path to the service that owns its "
        "longest matching prefix (whole segments only):",
        "",
    ]
    lines += ["| prefix | service |", "| --- | --- |"]
    lines += [f"| `{prefix}` | {service} |" for prefix, service in sorted(ROUTES.items())]
    lines += [
        "",
        "Under `/users`, which the API shares with each user's ActivityPub actor "
        "(`/users/{username}`) and its collections, the request decides: one whose `Accept` "
        "names `application/activity+json` or `application/ld+json`, any `POST` to "
        "`/users/{username}/inbox`, and a browser's `GET /users/{username}` (`text/html` "
        "preferred; federation redirects it to the web app's profile) go to federation; "
        "every other request to social.",
        "",
    ]
    lines += ["## Contents", ""]
    for service in services:
        count = sum(len(ops) for ops in groups[service].values())
        domains = ", ".join(f"[{d}](#{_anchor(service, d)})" for d in sorted(groups[service]))
        lines.append(f"- **{service}** ({count} operations): {domains}")
    lines.append("- [Schemas](#schemas)")
    lines.append("")
    for service in services:
        lines += [f"## {service}", ""]
        for domain in sorted(groups[service]):
            lines += [f"### {service}: {domain}", ""]
            operations = sorted(
                groups[service][domain], key=lambda o: (o[0], METHOD_ORDER.index(o[1]))
            )
            for path, method, operation in operations:
                lines += _operation(path, method, operation)
    schemas = document.get("components", {}).get("schemas", {})
    lines += [
        "## Schemas",
        "",
        "Fields marked `?` may be left out of a request body, or are absent or null in an "
        "answer; `T | null` may be null.",
        "",
        "| schema | fields |",
        "| --- | --- |",
    ]
    lines += [_schema_row(name, schemas[name]) for name in sorted(schemas)]
    return "\n".join(lines).rstrip("\n") + "\n"


def _anchor(service: str, domain: str) -> str:
    """GitHub's heading anchor for `### service: domain`."""
    text = f"{service}: {domain}".lower()
    return "".join(c for c in text if c.isalnum() or c in " -_").replace(" ", "-")


def generate() -> str:
    return render(merged_document())


def main() -> int:
    fresh = generate()
    if "--check" in sys.argv:
        if not API_MD.exists() or API_MD.read_text() != fresh:
            print(f"{API_MD} is stale: run `{COMMAND}`")
            return 1
        return 0
    API_MD.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
