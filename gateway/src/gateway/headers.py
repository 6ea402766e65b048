"""Reading request headers straight from the ASGI scope, without building a Headers object."""

from starlette.types import Scope


def header(scope: Scope, name: bytes) -> str:
    """The first value of a header (`name` in lower case), or ""."""
    for key, value in scope["headers"]:
        if key == name:
            result: str = value.decode("latin-1")
            return result
    return ""


def qualities(value: str) -> list[tuple[str, float]]:
    """The items of an Accept-style header in order, lower-cased, with their q values;
    those the caller refuses (q=0, or a q that is no number) are left out."""
    items = []
    for item in value.split(","):
        name, *params = item.split(";")
        quality = 1.0
        for param in params:
            key, _, number = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if (name := name.strip().lower()) and quality > 0:
            items.append((name, quality))
    return items
