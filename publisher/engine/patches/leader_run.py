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
The leader is filled as WeasyPrint fills it (its code, below: the same repetitions at the same
places, counted from the line's end), but the copies are not made: one text box stands at the
leftmost repetition's place, whose text is the string repeated as many times: the same
glyphs at the same positions (the copies sit one string's width apart, with nothing between
them, and Pango sets the repeated string with the same advances, as text with ``white-space:
pre`` and no justification), drawn in one text object. Copy and extraction give the same
characters. Where a leader's string would not shape the same repeated (a string whose last
and first characters could form a ligature or kern, which ". " and the usual leader strings
cannot), the copies are made as before: the joined box is used only when Pango's width of
the repeated string is the copies' total width. That width is measured once for a string,
its count and its font (kept with the document's font configuration, as WeasyPrint keeps
its struts), not again for every entry of a contents page and every pass of its layout.
Upstream, ``handle_leader`` would make the one box itself.

Touches: ``weasyprint.layout.inline.handle_leader`` (imported there by name from
``layout.leader``; replaced: WeasyPrint's code, placing one box where the copies would
stand).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}

# How far (in CSS px) Pango's width of the repeated string may be from the copies' total:
# Pango works in 1/1024 px, and the copies' positions are sums of one copy's width.
_TOLERANCE = 1 / 256
# Widths measured, a table a font configuration (a document's, or a process's shared one).
_MEASURED = "publisher_leader_widths"
_MEASURED_MAX = 4096


def handle_leader(context, line, containing_block):
    """Find a leader box in ``line`` and handle its text and its position (WeasyPrint's
    ``layout.leader.handle_leader``, one text box for the repetitions)."""
    index, leader_box = _wp["leader_index"](line)
    extra_width = 0
    if index is not None and leader_box.children:
        text_box, = leader_box.children

        # Abort if the leader text has no width
        if text_box.width <= 0:
            return

        # Extra width is the additional width taken by the leader box
        extra_width = containing_block.width - sum(
            child.margin_width() for child in line.children
            if child.is_in_normal_flow())

        # Take care of excluded shapes
        for shape in context.excluded_shapes:
            if shape.position_y + shape.height > line.position_y:
                extra_width -= shape.width

        # Available width is the width available for the leader box
        available_width = extra_width + text_box.width
        line.width = containing_block.width

        # Where the copies would stand, from the right
        number_of_leaders = int(line.width // text_box.width)
        position_x = line.position_x + line.width
        positions = []
        for _ in range(number_of_leaders):
            position_x -= text_box.width
            if position_x < leader_box.position_x:
                # Don’t add leaders behind the text on the left
                continue
            elif (position_x + text_box.width >
                    leader_box.position_x + available_width):
                # Don’t add leaders behind the text on the right
                continue
            positions.append(position_x)
        leader_box.children = _placed(context, text_box, positions)

        if line.style['direction'] == 'rtl':
            leader_box.translate(dx=-extra_width)

    # Widen leader parent boxes and translate following boxes
    box = line
    while index is not None:
        for child in box.children[index[0] + 1:]:
            if child.is_in_normal_flow():
                if line.style['direction'] == 'ltr':
                    child.translate(dx=extra_width)
                else:
                    child.translate(dx=-extra_width)
        box = box.children[index[0]]
        box.width += extra_width
        index = index[1]


def _placed(context, text_box, positions: list[float]) -> tuple:
    """The leader's children: one box for the repetitions at ``positions`` (from the right),
    or a copy of ``text_box`` at each where the repeated string would not be as wide."""
    if len(positions) >= 2:
        count, width, style = len(positions), text_box.width, text_box.style
        text = text_box.text * count
        line_break = _wp["line_break"]
        layout = line_break.create_layout(text, style, context, max_width=None,
                                          justification_spacing=0)
        key = (text, width, line_break._font_style_cache_key(style, include_size=True),
               style["font_kerning"], style["letter_spacing"], style["word_spacing"],
               style["direction"], style["overflow_wrap"])
        widths = _widths(style.font_config)
        measured = widths.get(key)
        if measured is None:
            _line, _ = layout.get_first_line()
            measured, _height = line_break.line_size(_line, style)
            if len(widths) >= _MEASURED_MAX:
                widths.clear()
            widths[key] = measured
        layout.deactivate()
        if abs(measured - width * count) <= _TOLERANCE:
            joined = text_box.copy()
            joined.position_x = positions[-1]  # the leftmost
            joined.text = text
            joined.width = width * count
            joined.pango_layout = layout
            return (joined,)
    children = []
    for position_x in positions:
        copy = text_box.copy()
        copy.position_x = position_x
        children.append(copy)
    return tuple(children)


def _widths(font_config) -> dict:
    widths = font_config.__dict__.get(_MEASURED)
    if widths is None:
        widths = {}
        setattr(font_config, _MEASURED, widths)
    return widths


def replacements() -> list[Replacement]:
    from weasyprint.layout import inline, leader
    from weasyprint.text import line_break

    if not _replacements:
        _wp.update(leader_index=leader.leader_index, line_break=line_break)
        _replacements.append(Replacement(inline, "handle_leader", handle_leader))
    return _replacements
