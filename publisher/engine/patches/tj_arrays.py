"""TJ arrays without empty strings (WeasyPrint ``draw_first_line``, through pydyf ``Stream.show_text``).

The defect
----------
``weasyprint.draw.text.draw_first_line`` writes a glyph that carries an x offset as
``<>-39.6<25dc>``: it closes the hex string, writes the offset and reopens it, which leaves
an empty string ``<>`` in the TJ array before every such glyph (with CJK justification,
every glyph: Pango puts half of each letter-spacing share there). By the PDF specification
an empty string shows nothing, and poppler draws such arrays right; but pdfium (the Chromium
and Edge viewer, pypdfium2) drops the *last* adjustment of an array that holds one. That
adjustment is about 0 where a text box ends, which hides the bug, but not where the font
changes inside a box: a character only a fallback face has (𪚥 among Noto Serif CJK SC) is a
Pango run of its own, so draw_first_line ends the array before it and after it, each time on
a glyph's half share. pdfium drew every glyph after the change half a share to the left (a
justified line ``…四个龙字合成的𪚥`` ended 1.74 pt short).

The fix
-------
``show_text`` replaces each ``<>`` by a space before the array is written: the same array by
the specification, drawn the same by every reader. ``<>`` can only be an empty string there:
glyph strings are hex, at least two digits. Upstream, draw_first_line would not write the
empty string in the first place (open the string only before a glyph).

Touches: ``weasyprint.pdf.stream.Stream.show_text`` (inherited from ``pydyf.Stream``; the
replacement is WeasyPrint's subclass's own attribute, removed again on revert).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacement: Any = None  # the Replacement, bound by replacements()


def show_text(self, text):
    """pydyf's Stream.show_text, with the TJ array's empty strings written as spaces."""
    if isinstance(text, str) and "<>" in text:
        text = text.replace("<>", " ").strip()
    return _replacement.original(self, text)


def replacements() -> list[Replacement]:
    global _replacement
    from weasyprint.pdf import stream

    _replacement = _replacement or Replacement(stream.Stream, "show_text", show_text)
    return [_replacement]
