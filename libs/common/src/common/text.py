"""Text as the services take it: storable in Postgres, and what counts as blank.

PostgreSQL's text types cannot hold NUL (0x00), so a field that reaches the database
carries NUL_FREE: it refuses NUL with 422, and its schema says so
(`"not": {"pattern": "\\u0000"}`), so a client learns the rule from the API document rather
than from a 500.

Only ASCII whitespace is blank: JSON Schema's, Python's and pydantic's regex engines agree
on that set, so a documented "not blank" pattern and its check never disagree.
"""

from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

BLANK = " \t\n\r\f\v"
# Somewhere in the text, one character that is not blank.
NOT_BLANK_PATTERN = r"[^ \t\n\r\f\v]"


def trimmed(value: str) -> str:
    """The text without blanks at either end (an AfterValidator)."""
    return value.strip(BLANK)


def _refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (U+0000) characters")
    return value


class _NulFree:
    """Annotated[str, Field(...), NUL_FREE]: after the field's own constraints, so the
    schema keeps them."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(_refuse_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["not"] = {"pattern": "\u0000"}
        return json_schema


NUL_FREE = _NulFree()
