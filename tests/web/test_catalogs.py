"""The web app speaks English, Korean and Spanish from message catalogs (web/messages/,
compiled by Paraglide): every catalog has every key, with the same placeholders, and no
screen shows a sentence written outside them."""

import json
import re
from pathlib import Path

import pytest

from stack import web
from stack.web import WEB

MESSAGES = WEB / "messages"
LOCALES = ("en", "ko", "es")
SOURCE = WEB / "src"
GENERATED = WEB / web.GENERATED
# Names that are the same in every language: the brand.
UNTRANSLATED = {"Photogram"}
# Attributes (and component props) whose value a person reads or hears.
VISIBLE_ATTRIBUTES = (
    "aria-label",
    "aria-valuetext",
    "placeholder",
    "title",
    "alt",
    "label",
    "empty",
    "text",
)
LETTER = re.compile(r"[^\W\d_]")


def catalog(locale: str) -> dict:
    messages = json.loads((MESSAGES / f"{locale}.json").read_text(encoding="utf-8"))
    messages.pop("$schema", None)
    return messages


def texts(message: str | list) -> list[str]:
    """A message's sentences: the string, or each variant of a plural."""
    if isinstance(message, str):
        return [message]
    return [text for variant in message for text in variant["match"].values()]


def placeholders(message: str | list) -> set[str]:
    return {name for text in texts(message) for name in re.findall(r"\{(\w+)\}", text)}


def test_every_catalog_has_the_same_keys_and_placeholders():
    english = catalog("en")
    assert english, "web/messages/en.json is empty"
    for locale in LOCALES[1:]:
        other = catalog(locale)
        assert sorted(set(english) - set(other)) == [], f"missing in {locale}.json"
        assert sorted(set(other) - set(english)) == [], f"only in {locale}.json"
        for key, message in english.items():
            assert placeholders(other[key]) == placeholders(message), f"{locale}.json: {key}"
            assert all(text.strip() for text in texts(other[key])), f"{locale}.json: {key} is empty"


def sources(*suffixes: str) -> list[Path]:
    return sorted(
        path
        for suffix in suffixes
        for path in SOURCE.rglob(f"*{suffix}")
        if not path.is_relative_to(GENERATED)
    )


def test_every_message_the_app_uses_is_in_the_catalogs_and_every_message_is_used():
    used = {
        key
        for path in sources(".svelte", ".ts")
        for key in re.findall(r"\bm\.(\w+)\b", path.read_text(encoding="utf-8"))
    }
    known = set(catalog("en"))
    assert sorted(used - known) == [], "used but not in web/messages/en.json"
    assert sorted(known - used) == [], "in the catalogs but never used"


def template(source: str) -> str:
    """A component's markup without its script, style, comments and {expressions}."""
    source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
    source = re.sub(r"<!--.*?-->", "", source, flags=re.S)
    out, depth = [], 0
    for char in source:
        if char == "{":
            depth += 1
        elif char == "}" and depth:
            depth -= 1
        elif not depth:
            out.append(char)
    return "".join(out)


def bare_strings(source: str) -> list[str]:
    """Text and visible attribute values written into a component instead of a catalog."""
    markup = template(source)
    found = []
    attributes = "|".join(re.escape(name) for name in VISIBLE_ATTRIBUTES)
    for match in re.finditer(rf"\s(?:{attributes})=\"([^\"]*)\"", markup):
        if LETTER.search(match.group(1)):
            found.append(match.group(0).strip())
    for text in re.split(r"<[^<>]*>", markup):
        words = text.strip()
        if LETTER.search(words) and words not in UNTRANSLATED:
            found.append(words)
    return found


@pytest.mark.parametrize("path", sources(".svelte"), ids=lambda path: str(path.relative_to(SOURCE)))
def test_no_screen_shows_a_string_written_outside_the_catalogs(path: Path):
    assert bare_strings(path.read_text(encoding="utf-8")) == []


def test_the_scan_finds_bare_strings():
    """The check itself: it sees literal text and labels, and lets messages through."""
    source = """<script>const a = "Not shown";</script>
<h1>Hello</h1><p>{m.ok()} <strong>{name}</strong> · 3</p>
<button aria-label="Close" title={m.close()}>×</button><Bar label="Progress" />
<input placeholder="Username" /><img alt="" /><a href="/x" class="button">{m.go()}</a>"""
    assert bare_strings(source) == [
        'aria-label="Close"',
        'label="Progress"',
        'placeholder="Username"',
        "Hello",
    ]


def test_confirm_and_alert_dialogs_come_from_the_catalogs():
    for path in sources(".svelte", ".ts"):
        literal = re.findall(r"\b(?:confirm|alert|prompt)\(\s*[\"'`]", path.read_text("utf-8"))
        assert literal == [], path
