"""``word-break: break-all`` as CSS Text 3 defines it (WeasyPrint ``create_layout``).

The defect
----------
CSS Text 3: with ``word-break: break-all`` text may break between any two typographic letter
units. WeasyPrint 70 breaks such text anywhere only once its first line overflows
(``split_first_line``, step 5); otherwise Pango breaks it at its usual opportunities (after
``/`` and ``-`` in a URL), which leaves each line of a URL in a narrow column short by up to a
path segment, too much to justify.

The fix
-------
``create_layout`` sets Pango's wrap mode to ``WRAP_CHAR`` for break-all text given a width,
so Pango fills the line. A second, smaller defect is worked around here as well: WeasyPrint
gives the text of an inline box that does not start the line the width left *before* the
box's left padding (``split_inline_box`` does not subtract it), so a line that Pango fills to
the last character overflows by that padding and the whole box moves to the next line. The
text wraps ``PADDING_ALLOWANCE`` em earlier (the widest left padding publisher puts on such a
box: the CJK–Latin gap of publisher/typeset/spacing.py); justification spreads the
difference. Upstream: the wrap mode belongs in ``create_layout`` as it stands, and the
padding in ``split_inline_box``.

Touches: ``weasyprint.text.line_break.create_layout`` (a wrapper: the layout is made by the
original, then its wrap mode and width are set).
"""

from __future__ import annotations

from typing import Any

from ...typeset.spacing import GAP_EM
from ..patching import Replacement

PADDING_ALLOWANCE = max(GAP_EM.values())  # em
_replacement: Any = None  # the Replacement, bound by replacements()


def create_layout(text, style, context, max_width, justification_spacing):
    """line_break.create_layout, with Pango wrapping at any character for break-all text."""
    layout = _replacement.original(text, style, context, max_width, justification_spacing)
    if style["word_break"] == "break-all" and max_width is not None and 0 < max_width < 2 ** 21:
        from weasyprint.text.constants import PANGO_WRAP_MODE
        from weasyprint.text.ffi import TO_UNITS, pango

        pango.pango_layout_set_wrap(layout.layout, PANGO_WRAP_MODE["WRAP_CHAR"])
        width = max(0.0, max_width - PADDING_ALLOWANCE * style["font_size"])
        pango.pango_layout_set_width(layout.layout, int(width * TO_UNITS))
    return layout


def replacements() -> list[Replacement]:
    global _replacement
    from weasyprint.text import line_break

    _replacement = _replacement or Replacement(line_break, "create_layout", create_layout)
    return [_replacement]
