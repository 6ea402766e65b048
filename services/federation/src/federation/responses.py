"""ActivityPub answers: JSON under the ActivityStreams media type."""

from typing import Any

from fastapi.responses import JSONResponse

from common.errors import NotFound
from federation.activitypub import ACTIVITY_JSON


class ActivityResponse(JSONResponse):
    media_type = ACTIVITY_JSON


class ObjectNotFound(NotFound):
    code, message = "object_not_found", "No such actor or object here"


def activity_json(document: dict[str, Any]) -> ActivityResponse:
    return ActivityResponse(document)
