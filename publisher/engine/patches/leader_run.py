"""A leader drawn as one text box, not one box per repetition (WeasyPrint ``handle_leader``).

The defect
----------
CSS Generated Content 3's ``leader(". ")`` fills the rest of a line with its string.
WeasyPrint 70's ``layout.leader.handle_leader`` does it by copying the string's text box once
per repetition: a contents entry's dot leader of 40 copies of ". " is 40 text boxes, each
drawn as a text object of its own (``BT``, colour, font, matrix, a two-glyph ``TJ``, ``ET``:
about 70 bytes of content stream and a Pango layout reactivated each time), and, in a tagged
PDF, each one marked content of its own. On publisher's reading PDF of 16 版, the contents
page's 160 entries were 6,607 of the 9,958 text boxes drawn (two thirds; body lines are
drawn as one box each), a cost paid in drawing and in pydyf's serialisation and growing with
the issue.

The fix
-------
After WeasyPrint has placed the copies, they are replaced by one text box at the leftmost
copy's position, whose text is the string repeated as many times: the same glyphs at the same
positions (the copies sit one string's width apart, with nothing between them, and Pango sets
the repeated string with the same advances, as text with ``white-space: pre`` and no
justification), drawn in one text object. Copy and extraction give the same characters.
Where a leader's string would not shape the same repeated (a string whose last and first
characters could form a ligature or kern, which ". " and the usual leader strings cannot),
the copies are kept: the joined box is used only when Pango's width of the repeated string is
the copies' total width. Upstream, ``handle_leader`` would make the one box itself.

Touches: ``weasyprint.layout.inline.handle_leader`` (imported there by name from
``layout.leader``; a wrapper: the original places the copies, then they are joined).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}

# How far (in CSS px) Pango's width of the repeated string may be from the copies' total:
# Pango works in 1/1024 px, and the copies' positions are sums of one copy's width.
_TOLERANCE = 1 / 256


def handle_leader(context, line, containing_block):
    """inline.handle_leader, then the leader's copies joined into one text box."""
    _replacements[0].original(context, line, containing_block)
    _index, leader_box = _wp["leader_index"](line)
    if leader_box is None or len(leader_box.children) < 2:
        return
    copies = leader_box.children
    if not all(isinstance(copy, _wp["TextBox"]) for copy in copies):
        return
    # handle_leader adds the copies from the right: the leftmost is the last.
    first = min(copies, key=lambda copy: copy.position_x)
    width = copies[0].width
    text = first.text * len(copies)
    layout = _wp["line_break"].create_layout(text, first.style, context, max_width=None,
                                             justification_spacing=0)
    _line, _ = layout.get_first_line()
    measured, _height = _wp["line_break"].line_size(_line, first.style)
    if abs(measured - width * len(copies)) > _TOLERANCE:
        layout.deactivate()
        return
    joined = first.copy()
    joined.text = text
    joined.width = width * len(copies)
    joined.pango_layout = layout
    layout.deactivate()
    leader_box.children = (joined,)


def replacements() -> list[Replacement]:
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline, leader
    from weasyprint.text import line_break

    if not _replacements:
        _wp.update(leader_index=leader.leader_index, TextBox=boxes.TextBox, line_break=line_break)
        _replacements.append(Replacement(inline, "handle_leader", handle_leader))
    return _replacements
