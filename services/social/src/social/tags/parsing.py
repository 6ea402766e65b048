"""Hashtags and mentions as people type them: the one reading of a caption or a comment.

A word is letters, digits, marks and `_` in any script (`#서울`, `#año`, `@min_ji`);
punctuation, spaces and symbols end it. A `#` or `@` counts only at the start of a word:
`a@b.com` is an address, `x/#frag` a link's fragment (and links are skipped whole, so
`https://x.y/@user` mentions nobody). Like Mastodon, `#123` (digits only) is no tag.
"""

import re
import unicodedata
from collections.abc import Iterator

from social.models import TAG_MAX_LENGTH

# Beyond this many a caption's tags are noise, not something people follow or search for.
TAGS_PER_POST = 30
# auth's usernames: 3-30 of [A-Za-z0-9_.]; anything longer names nobody.
MENTION_MAX_LENGTH = 30
MENTIONS_PER_TEXT = 30

# A link, up to the next space: nothing inside it is a tag or a mention.
_LINK = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*|\bwww\.\S+", re.IGNORECASE)


def _is_word_character(character: str) -> bool:
    # Letters (L*), digits (N*) and combining marks (M*, the vowel signs of Hindi or
    # Thai) of any script, and `_`. Python's \w misses the marks.
    return character == "_" or unicodedata.category(character)[0] in "LNM"


def _words_after(text: str, sigil: str, *, also: str = "") -> Iterator[str]:
    """The words right after each `sigil` that starts a word (`also`: extra characters a
    word may hold inside it, such as `.` in usernames; never at its end)."""
    text = _LINK.sub(" ", unicodedata.normalize("NFC", text))
    i = 0
    while (i := text.find(sigil, i)) != -1:
        before = text[i - 1] if i else " "
        start = end = i + 1
        while end < len(text) and (_is_word_character(text[end]) or text[end] in also):
            end += 1
        i = max(end, i + 1)
        # `a#b`, `a@b.com`, `x/#y`, `##y`: the sigil inside a word or a path is no sigil.
        if _is_word_character(before) or before in "/#@" + also:
            continue
        word = text[start:end].rstrip(also)
        if word:
            yield word


def normalize_tag(name: str) -> str | None:
    """A tag as stored and matched (`#Travel` = `#travel`, `Ａ` = `a`), or None when it is
    not a tag at all (empty, digits only, too long, or holding other characters)."""
    name = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    if not name or len(name) > TAG_MAX_LENGTH:
        return None
    if not all(_is_word_character(c) for c in name):
        return None
    if all(unicodedata.category(c) == "Nd" for c in name):
        return None
    return name


def parse_tags(text: str) -> list[str]:
    """The text's hashtags, normalised, each once, in order of first use, at most
    TAGS_PER_POST."""
    tags: list[str] = []
    for word in _words_after(text, "#"):
        tag = normalize_tag(word)
        if tag is not None and tag not in tags:
            tags.append(tag)
            if len(tags) == TAGS_PER_POST:
                break
    return tags


def parse_mentions(text: str) -> list[str]:
    """The usernames the text mentions, lower-cased (usernames match whatever the case),
    each once, in order of first use, at most MENTIONS_PER_TEXT."""
    names: list[str] = []
    for word in _words_after(text, "@", also="."):
        name = word.casefold()
        if len(name) <= MENTION_MAX_LENGTH and name not in names:
            names.append(name)
            if len(names) == MENTIONS_PER_TEXT:
                break
    return names
