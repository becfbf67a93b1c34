"""Text written into a laid-out document's boxes of a fixed width, before it is drawn.

The reading PDF rendered 版 by 版 (``publisher.reading``, issue 20) lays its contents page
out before any article's page number is known: each number stands right-aligned in the
``::after`` box of an element of its own, an inline block of a fixed width
(styles/reading.css: ``ol.contents ol a .folio::after``), laid out around a placeholder
narrower than that width. Once the numbers are known they are written into those boxes
(``fill``): each text box gets its new text and the width Pango gives it, and stands at
the box's right edge, as ``text-align: right`` would have put it. Nothing else moves: the
box keeps its width, so the line (its leader, the entry's title, the page's breaks) is the
one a layout with the real numbers makes, as long as each number is no wider than the box
and the placeholder was narrower (so that a box of a least width, too, has that width, not
the placeholder's); otherwise ``fill`` writes nothing and says so, and the caller lays the
document out again with the numbers.

Touches: WeasyPrint's laid-out boxes (``InlineBlockBox``, its ``LineBox`` and ``TextBox``)
and ``text.line_break.Layout``/``line_size`` (a text box's Pango layout, set up again for
the new text, measured and let go, as drawing does).
"""

from __future__ import annotations

from collections.abc import Mapping

# how much narrower than its box the placeholder must be, in CSS px, for the box's width to
# be its least width (the comparison of two widths that come from the same float arithmetic)
_EPSILON = 1e-6


def fill(document, cls: str, attribute: str, texts: Mapping[str, str]) -> bool:
    """Write ``texts[element.get(attribute)]`` into the ``::after`` inline block of every
    element of class ``cls`` in the laid-out WeasyPrint ``document``; False, with nothing
    written, if a text would not leave its line as it is (see the module's docstring)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import line_size

    edits = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if not (isinstance(box, boxes.InlineBlockBox) and box.element_tag.endswith("::after")
                    and box.element is not None and cls in (box.element.get("class") or "").split()):
                continue
            key = box.element.get(attribute)
            text_boxes = [b for b in box.descendants() if isinstance(b, boxes.TextBox)]
            if key not in texts or len(text_boxes) != 1:
                return False
            (text_box,) = text_boxes
            layout = text_box.pango_layout
            layout.text = texts[key]
            layout.reactivate(text_box.style)
            width, _ = line_size(layout.get_first_line()[0], text_box.style)
            layout.text = text_box.text  # as it was, until every box is known to fit
            layout.deactivate()
            if text_box.width >= box.width - _EPSILON or width > box.width + _EPSILON:
                return False
            edits.append((box, text_box, texts[key], width))
    if len(edits) != len({*texts}):
        return False
    for box, text_box, text, width in edits:
        text_box.text = text_box.pango_layout.text = text
        text_box.width = width
        text_box.position_x = box.content_box_x() + box.width - width
    return True
