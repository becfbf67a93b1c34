"""A broken line measured on the layout that broke it, not laid out again (WeasyPrint
``first_line_metrics``).

The defect
----------
``weasyprint.text.line_break.split_first_line`` lays out a draft of the text with the line's
width and takes Pango's first line. ``first_line_metrics`` then, for every line followed by
another (``resume_at``), sets the layout's text to that first line's text alone, with no
width, and has Pango itemize, shape and break it again only to measure it (its width, height
and the layout's baseline) and count its bytes; the layout is dropped right after
(``deactivate``), and the drawing makes its own. For a column of Chinese a line is a dozen
characters and most text boxes are broken into many: this second layout of every broken line
was about 2 % of a print 版's render (py-spy).

The fix
-------
Where the draft's first line is, by Pango's rules, laid out exactly as the same text alone,
its measure is taken from the draft (its logical extents: width and height as ``line_size``
computes them, and its ascent, which is the layout's baseline for a first line), and the
``Layout`` is given the line's text as ``set_text`` would keep it (``text``, which the drawing
lays out again) without setting it on the Pango layout, which ``deactivate`` drops next: for
WeasyPrint's ``Layout`` and a subclass that says its ``set_text`` keeps nothing else for a
prefix of its text (``measured_text_only``: engine.typeset's); any other subclass's
``set_text`` is called as before.

Pango 1.50 treats a line that ends at a wrap apart from one that ends with the text in two
ways only (``pango_layout_line_postprocess``): it zeroes the width of a white
space character the line was broken after (``zero_line_final_space``), and it adds a hyphen
glyph where the break inserts one (``add_missing_hyphens``). So the draft is used only when

- the line does not end with white space of any kind (the ASCII space WeasyPrint strips, an
  ideographic or no-break space, a tab), nor with a soft hyphen, nor holds a line or
  paragraph separator, a tab or a control character, and the second line begins right
  after its last byte (nothing skipped between them);
- no hyphen can be inserted at the break: the text has ``overflow-wrap: anywhere`` or
  ``break-word`` (WeasyPrint then sets Pango's ``insert_hyphens`` off over the whole text),
  or the line's last character is one after which Pango never inserts one (Han, kana,
  Hangul, and the CJK and full-width punctuation and digits of the Common script: Pango's
  ``break_inserts_hyphen`` is false after them);
- the line is not hyphenated by WeasyPrint (``hyphenated``: its own path, left alone).

Everything else (a line that ends in a Latin letter without ``overflow-wrap``, or in a space)
is laid out again as before. The width, height, baseline and length are then the same
numbers, so the same lines and bytes: ``tests/test_engine.py`` takes both measures of every
broken line of a text made to hit each case (and shows that a line ending at an ideographic
or an ASCII space would not be), and so were the 13,027 broken lines the draft stands for in
the reading, phone and print PDFs of the sample and the 16-版 edition, all equal. Upstream,
``split_first_line`` would keep the draft's measure in the same cases.

Touches: the name ``first_line_metrics`` in ``weasyprint.text.line_break`` (a wrapper; the
original is called whenever the draft cannot stand for the line).
"""

from __future__ import annotations

import re
from typing import Any

from ..patching import Replacement

_replacement: Any = None  # the Replacement, bound by replacements()
_set_text: Any = None  # WeasyPrint's Layout.set_text, bound by replacements()

# The draft is not used for a line that holds a control character, a line or paragraph
# separator or a tab, nor for one that ends in white space Pango would zero at a wrap
# (Unicode White_Space, which Pango's is_white follows) or in a soft hyphen.
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]|[\\s\u00ad\u180e\u200b-\u200d\u2060\ufeff]\\Z")
# After these Pango 1.50 never inserts a hyphen (break.c: none after Han, Hangul, Hiragana,
# Katakana; after the Common script only after a soft hyphen): CJK punctuation, kana, Han,
# Hangul, and the full-width forms but the Latin letters among them.
_NO_HYPHEN_AFTER = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3190-\u319f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff01-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\U00020000-\U0003134f]\\Z")


def draft_stands(first_line, text, layout, resume_at, style, hyphenated) -> str | None:
    """The line's text if the draft's first line is laid out as that text alone, else None."""
    if not resume_at or hyphenated or first_line is None:
        return None
    length = first_line.length
    if length <= 0 or resume_at != length:
        return None
    encoded = text.encode()
    if length >= len(encoded):
        return None
    try:
        line_text = encoded[:length].decode()
    except UnicodeDecodeError:
        return None
    if _REFUSED.search(line_text):
        return None
    if style["overflow_wrap"] not in ("anywhere", "break-word") and not _NO_HYPHEN_AFTER.search(line_text):
        return None
    return line_text


def draft_measure(first_line, style) -> tuple[int, float, float, float]:
    """The draft's first line's length, width and height (``line_size``'s arithmetic) and
    baseline (the first line's logical top is the layout's: its baseline is its ascent)."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    logical = ffi.new("PangoRectangle *")
    pango.pango_layout_line_get_extents(first_line, ffi.NULL, logical)
    width, height = logical.width * FROM_UNITS, logical.height * FROM_UNITS
    baseline = -logical.y * FROM_UNITS
    ffi.release(logical)
    if style["letter_spacing"] != "normal":
        width += style["letter_spacing"]
    return first_line.length, width, height, baseline


def _text_only(cls) -> bool:
    """Whether ``cls.set_text`` given a prefix of the text already set (no ``justify``) keeps
    nothing on the Python object but ``text``: WeasyPrint's own (the rest is the Pango
    layout's, dropped at once), and a subclass's that says so by ``measured_text_only`` in its
    own namespace (engine.typeset's)."""
    for klass in cls.__mro__:
        if "set_text" in vars(klass):
            if vars(klass)["set_text"] is _set_text:
                return True
            if not vars(klass).get("measured_text_only"):
                return False
    return False


def first_line_metrics(first_line, text, layout, resume_at, space_collapse, style,
                       hyphenated=False, hyphenation_character=None):
    """line_break.first_line_metrics, measuring the draft's first line where it stands for the
    line's text alone (see the module docstring)."""
    line_text = draft_stands(first_line, text, layout, resume_at, style, hyphenated)
    if line_text is None:
        return _replacement.original(first_line, text, layout, resume_at, space_collapse, style,
                                     hyphenated, hyphenation_character)
    length, width, height, baseline = draft_measure(first_line, style)
    if _text_only(type(layout)):
        layout.text = line_text  # what set_text keeps; the Pango layout goes next
    else:
        from weasyprint.text.ffi import pango

        pango.pango_layout_set_width(layout.layout, -1)
        layout.set_text(line_text)  # as the original does; Pango lays nothing out until asked
    layout.deactivate()
    return layout, length, resume_at, width, height, baseline


def replacements() -> list[Replacement]:
    global _replacement, _set_text
    from weasyprint.text import line_break

    _set_text = _set_text or line_break.Layout.set_text  # WeasyPrint's: installed before engine.typeset
    _replacement = _replacement or Replacement(line_break, "first_line_metrics", first_line_metrics)
    return [_replacement]
