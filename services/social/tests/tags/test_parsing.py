"""The one reading of hashtags and mentions in captions and comments."""

import pytest

from social.tags.parsing import (
    TAG_MAX_LENGTH,
    TAGS_PER_POST,
    normalize_tag,
    parse_mentions,
    parse_tags,
)


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("sunset #Travel #travel #TRAVEL", ["travel"]),
        ("#서울 #año #東京 #Москва", ["서울", "año", "東京", "москва"]),
        ("#हिन्दी", ["हिन्दी"]),  # vowel signs are marks, part of the word
        ("#tag, #other. (#third) #end!", ["tag", "other", "third", "end"]),
        ("#snake_case_tag #tag2026", ["snake_case_tag", "tag2026"]),
        ("#123 #2026 #١٢٣", []),  # digits only, as Mastodon
        ("https://x.y/#frag http://a.b/c#d www.x.y/#e", []),
        ("a/#path a#b ##double", []),
        ("#", []),
        ("#Ｆｕｌｌ", ["full"]),  # NFKC: full-width letters are the letters
        ("#Straße #STRASSE", ["strasse"]),  # casefold
        ("#b #a #b", ["b", "a"]),
        ("line\n#start", ["start"]),
    ],
)
def test_tags(text, tags):
    assert parse_tags(text) == tags


def test_decomposed_and_composed_accents_are_one_tag():
    assert parse_tags("#an\u0303o #a\u00f1o") == ["año"]


def test_a_too_long_tag_is_no_tag():
    assert parse_tags("#" + "a" * TAG_MAX_LENGTH) == ["a" * TAG_MAX_LENGTH]
    assert parse_tags("#" + "a" * (TAG_MAX_LENGTH + 1)) == []


def test_tags_per_post_are_capped():
    text = " ".join(f"#t{i}" for i in range(TAGS_PER_POST + 5))
    assert parse_tags(text) == [f"t{i}" for i in range(TAGS_PER_POST)]


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("Travel", "travel"), ("서울", "서울"), ("123", None), ("", None), ("a-b", None)],
)
def test_normalize_tag(name, normalized):
    assert normalize_tag(name) == normalized


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("hi @Alice and @bob_2!", ["alice", "bob_2"]),
        ("@min.ji. said", ["min.ji"]),  # a dot ends a sentence, not a username
        ("mail a@b.com", []),
        ("https://x.y/@user", []),
        ("@alice @ALICE", ["alice"]),
        ("@", []),
        ("@" + "a" * 31, []),
        ("(@서울)", ["서울"]),  # read in any script; only existing usernames link
    ],
)
def test_mentions(text, names):
    assert parse_mentions(text) == names
