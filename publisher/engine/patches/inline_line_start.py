"""A text box inside an inline box knows whether it starts the line (WeasyPrint
``split_inline_box`` / ``split_inline_level``).

The defect
----------
WeasyPrint 70 decides that a text box starts its line when ``line_children`` is empty
(``split_inline_level``: ``is_line_start = len(line_children) == 0``), and that list only
gets the line box's own children once each is done. So every text box inside the line's
first inline box is taken for the line's start: a brief is ``<li><span
class="brief-text">…``, and publisher's halt and gap spans split its text into several
boxes. At a line's start ``overflow-wrap: anywhere`` lets ``split_first_line`` break a box
at any character when its first unbreakable piece does not fit the rest of the line,
instead of going back to the previous break opportunity: after ``超载<span
class="halt">、</span>``, the box ``“四好农村路…`` was cut after “ (a line ending with an
opening quote, forbidden), and a box starting ``好，`` would be cut before ， (a line starting
with a pause mark). CSS Text 3 allows ``anywhere`` only "if there are no
otherwise-acceptable break points in the line", which is what WeasyPrint means by its test.

The fix
-------
``split_inline_box`` keeps, while it lays out one line box, where text or an atomic box was
placed on it; ``split_inline_level`` gives a text box that has content before it a
non-empty ``line_children`` (the only thing WeasyPrint reads in that list for a text box),
so the line breaks where Pango allows (before 载). Upstream, ``split_inline_box`` would pass
the fact down instead of the list.

Touches: ``weasyprint.layout.inline.split_inline_box`` and ``split_inline_level`` (wrappers;
both pass every argument through unchanged, but the one list).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

# Per line being laid out (keyed by the id of WeasyPrint's ``line_children`` list, one per
# attempt at a line and alive while it is laid out): where text or an atomic box was placed.
_line_content: dict[int, list[float]] = {}

# Where split_inline_box and split_inline_level take ``position_x`` and ``line_children`` among
# the arguments after ``context`` and ``box`` (WeasyPrint passes them all by position).
_POSITION_X, _LINE_CHILDREN = 0, 9

_replacements: list[Replacement] = []
_boxes: Any = None  # weasyprint.formatting_structure.boxes, bound by replacements()


def split_inline_box(context, box, *args):
    """inline.split_inline_box, opening (and closing) the record of a line's content."""
    box_split = _replacements[0].original
    if not isinstance(box, _boxes.LineBox):
        return box_split(context, box, *args)
    key = id(args[_LINE_CHILDREN])
    _line_content[key] = []
    try:
        return box_split(context, box, *args)
    finally:
        _line_content.pop(key, None)


def split_inline_level(context, box, *args):
    """inline.split_inline_level, telling a text box inside an inline box that it does not
    start the line when something was placed before it."""
    level_split = _replacements[1].original
    placed = _line_content.get(id(args[_LINE_CHILDREN]))
    if placed is None:
        return level_split(context, box, *args)
    position_x = args[_POSITION_X]
    if (placed and not args[_LINE_CHILDREN] and isinstance(box, _boxes.TextBox)
            and any(x < position_x - 1e-3 for x in placed)):
        args = (*args[:_LINE_CHILDREN], [None], *args[_LINE_CHILDREN + 1:])
    result = level_split(context, box, *args)
    if result[0] is not None and not isinstance(box, _boxes.InlineBox):
        placed.append(position_x)
    return result


def reset() -> None:
    """No line being laid out (keys are ids, which a later list could take)."""
    _line_content.clear()


def replacements() -> list[Replacement]:
    global _boxes
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline

    _boxes = boxes
    if not _replacements:
        _replacements.extend([Replacement(inline, "split_inline_box", split_inline_box),
                              Replacement(inline, "split_inline_level", split_inline_level)])
    return _replacements
