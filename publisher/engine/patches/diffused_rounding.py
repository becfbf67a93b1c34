"""Glyph adjustments rounded with their remainder carried (WeasyPrint ``draw_first_line``).

The defect
----------
``weasyprint.draw.text.draw_first_line`` writes each glyph's adjustment in a TJ array (its
letter or word spacing, in thousandths of an em) as ``int(kerning)``: truncated. Where
every glyph of a line gets the same spacing (justified CJK text, letter-spacing), the same
fraction is cut off every glyph, and the loss adds up along the line: a 40-character line
ended 0.2–0.4 pt short of its column (measured on publisher's reading PDF).

The fix
-------
Inside that module ``int`` is ``diffused_int``: each value is rounded with the remainder of
the previous ones added, so a glyph is never more than half a thousandth of an em from
where Pango put it and a line ends where its layout says (within 0.03 pt on the sample's
reading PDF). The remainder restarts at each TJ array (``show_text`` clears it), so what is
written does not depend on what was drawn before. ``int`` is called in that module only for
these adjustments and for an ellipsis width in Pango units, which this rounds instead of
truncating (1/1024 px). Upstream, draw_first_line would carry the remainder itself.

Touches: the name ``int`` in ``weasyprint.draw.text`` (absent there before: the builtin) and
``weasyprint.pdf.stream.Stream.show_text`` (a wrapper that clears the remainder).
"""

from __future__ import annotations

from ..patching import Replacement

_remainder = [0.0]  # what rounding left over in the TJ array being written
_replacements: list[Replacement] = []


def diffused_int(value):
    """``int`` for weasyprint.draw.text: floats rounded with the running remainder."""
    if not isinstance(value, float):
        return int(value)
    value += _remainder[0]
    rounded = round(value)
    _remainder[0] = value - rounded
    return rounded


def show_text(self, text):
    """The end of a TJ array: the next one starts with no remainder."""
    _remainder[0] = 0.0
    return _replacements[1].original(self, text)


def reset() -> None:
    """No remainder: what a TJ array cut off by an exception (a signal handler that raised
    while it was written) left would round the next render's first array otherwise."""
    _remainder[0] = 0.0


def replacements() -> list[Replacement]:
    from weasyprint.draw import text as draw_text
    from weasyprint.pdf import stream

    if not _replacements:
        _replacements.extend([Replacement(draw_text, "int", diffused_int),
                              Replacement(stream.Stream, "show_text", show_text)])
    return _replacements
