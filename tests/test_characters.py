"""Invisible characters are refused in every field of an edition and in its text.

The list of format characters in publisher/sources/text.py is written by range; here it is
checked against Python's own Unicode tables, so a new Unicode version cannot widen the gap
unseen. Then each kind of field (front matter, edition.toml strings, captions, credits,
attributions, subheads, table cells, body text) refuses each kind of invisible character.
"""

from __future__ import annotations

import sys
import unicodedata

import pytest

from publisher.errors import Problems, SourceError
from publisher.sources import read_edition
from publisher.sources.text import BLANK_LETTERS, LEFTOVERS, SEPARATORS, invisible_characters

INVISIBLE = ["\u2028", "\u2029", "\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\u200b",
             "\u200d", "\u2060", "\ufeff", "\u00ad", "\u202e", "\U000e0041", "\u034f", "\ufffc"]


def test_every_format_character_is_invisible_and_nothing_else_is():
    format_chars = {chr(cp) for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"}
    found = set(invisible_characters("".join(chr(cp) for cp in range(sys.maxunicode + 1)
                                             if not 0xD800 <= cp <= 0xDFFF)))
    newer = {c for c in found if unicodedata.category(c) == "Cn"}  # format characters of a newer Unicode
    assert found - format_chars - newer == set(SEPARATORS) | set(BLANK_LETTERS) | set(LEFTOVERS)
    assert format_chars - found == set(), sorted(f"U+{ord(c):04X}" for c in format_chars - found)


def test_ordinary_text_has_none():
    assert invisible_characters("咸宁日报 2019年10月21日，“昆仑5号”行动 ㄅ Ａ a\u3000b 🀄 é") == []


FIELDS = {
    "headline": lambda c: (f'+++\nheadline = "标{c}题"\n+++\n正文。\n', None),
    "byline": lambda c: (f'+++\nheadline = "标题"\nbyline = "记者 张{c}三"\n+++\n正文。\n', None),
    "body": lambda c: (f'+++\nheadline = "标题"\n+++\n正{c}文。\n', None),
    "body as an entity": lambda c: (f'+++\nheadline = "标题"\n+++\n正&#x{ord(c):x};文。\n', None),
    "caption": lambda c: (f'+++\nheadline = "标题"\n+++\n![图](images/p.jpg)\n说{c}明。\n', None),
    "credit": lambda c: (f'+++\nheadline = "标题"\n+++\n![图](images/p.jpg "记者 张{c}三 摄")\n说明。\n', None),
    "alt text": lambda c: (f'+++\nheadline = "标题"\n+++\n![图{c}片](images/p.jpg)\n说明。\n', None),
    "attribution": lambda c: (f'+++\nkind = "briefs"\nheadline = "简讯"\n+++\n- 一条简讯。（刘{c}琼）\n', None),
    "subhead": lambda c: (f'+++\nheadline = "标题"\n+++\n正文。\n\n## 小{c}标题\n\n正文。\n', None),
    "table cell": lambda c: (f'+++\nheadline = "标题"\n+++\n| 名称 | 值 |\n| --- | --: |\n| 甲{c} | 1 |\n', None),
    "paper name": lambda c: (None, f'name = "测试{c}日报"'),
    "page name": lambda c: (None, f'name = "要{c}闻"'),
}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("char", ["\u2028", "\u3164", "\u200b", "\u2800", "\ufffc"])
def test_refused_in_every_field(make_edition, field, char):
    article, toml_line = FIELDS[field](char)
    files = {"articles/one.md": article} if article else {}
    edition = make_edition(files)
    if toml_line:
        toml = edition / "edition.toml"
        key = "name = \"测试日报\"" if "测试" in toml_line else "name = \"要闻\""
        toml.write_text(toml.read_text("utf-8").replace(key, toml_line, 1), "utf-8")
    from PIL import Image

    (edition / "images").mkdir(exist_ok=True)
    Image.new("RGB", (64, 48), (90, 120, 150)).save(edition / "images" / "p.jpg", "JPEG")
    with pytest.raises(SourceError) as info:
        read_edition(edition, Problems())
    codes = {p.code for p in info.value.problems}
    assert "invisible-characters" in codes, [str(p) for p in info.value.problems]
    assert any(f"U+{ord(char):04X}" in p.message for p in info.value.problems)


def test_markup_in_edition_toml_is_refused(make_edition):
    edition = make_edition()
    toml = edition / "edition.toml"
    toml.write_text(toml.read_text("utf-8").replace('name = "要闻"', 'name = "<i>要闻</i>"'), "utf-8")
    with pytest.raises(SourceError) as info:
        read_edition(edition, Problems())
    assert [p.code for p in info.value.problems] == ["raw-html"]


def test_character_classes_match_the_same_with_or_without_characters_beyond_the_bmp():
    """The classes that hold characters beyond U+FFFF are searched with their BMP part alone
    in text without such a character (``text.CharacterClass``, for speed): the same matches
    as the whole class, whatever the text holds (an astral character anywhere switches to
    the whole class; a lone surrogate is a BMP code point)."""
    import random
    import re

    from publisher.sources import edition as edition_module, text

    classes = [text._CONTROL, text._INVISIBLE, edition_module._UNSEEN]
    wholes = [re.compile(c.whole.pattern) for c in classes]
    rng = random.Random(19)
    pool = (["中", "，", "a", "\n", "\x01", "\x9f", "\ufdd0", "\uffff", "\u2028", "\u200b", "\ufeff",
             "\u3164", "\ufffc", "\ud800", "\U0001f004", "\U00020000", "\U000e0041", "\U000110bd",
             "\U0001fffe", "\U0010ffff"]
            + [chr(rng.randrange(0x110000)) for _ in range(200)])
    for _ in range(3000):
        s = "".join(rng.choice(pool) for _ in range(rng.randrange(12)))
        for cls, whole in zip(classes, wholes, strict=True):
            assert [m.span() for m in cls.of(s).finditer(s)] == [m.span() for m in whole.finditer(s)], repr(s)
        assert text.hidden_characters(s) == (sorted(set(wholes[1].findall(s))),
                                             sorted(set(wholes[0].findall(s)) | {"\x00", "\r"} & set(s))), repr(s)
    assert text.invisible_characters("中\U000e0041文\u200b") == ["\u200b", "\U000e0041"]
    assert text.control_characters("中\U0001fffe文\x01") == ["\x01", "\U0001fffe"]
    assert text.beyond_bmp("中\U00020000") and not text.beyond_bmp("中\ud800文") and not text.beyond_bmp("")
