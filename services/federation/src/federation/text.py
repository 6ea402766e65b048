"""Remote HTML (a Note's content, an actor's summary) as the plain text social keeps."""

import html
import re

import nh3

# Line structure survives as newlines; everything else is text only. nh3 (ammonia) does
# the parsing: these patterns only mark where lines break before it.
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)


def html_to_text(content: str) -> str:
    marked = _PARAGRAPH_END.sub("\n\n", _BREAK.sub("\n", content))
    # With no tag allowed, nh3 keeps the text of every element and drops the markup, and
    # the contents of script/style entirely; it escapes what it keeps, hence the unescape.
    return html.unescape(nh3.clean(marked, tags=set())).strip()
