"""A box with nothing to paint behind it, known once a style (WeasyPrint ``layout_box_backgrounds``).

The defect
----------
``weasyprint.layout.background.layout_box_backgrounds`` runs for every box of a page once
it is laid out: it resolves the four border radii (a property name printed and looked up a
corner), looks at the border and mask images, the visibility, the background images and
colour and the box shadow, and then, for nearly every box, finds nothing to paint and sets
``box.background = None``. A print 版 has about 1,300 boxes, most of them line and text
boxes that share their element's style: the same answer worked out again for each (about
2.7 % of a print 版's render, py-spy).

The fix
-------
Within one ``layout_backgrounds`` (a page), a style's answer is kept: a style whose four
radii are zero (``(0, 'px')`` for either radius, the test ``resolve_radii_percentages``
makes first), with no border or mask image, visible, without a background image, with a
transparent background colour (``currentcolor`` followed, as ``get_color`` does) and no box
shadow is *plain*. A box of a plain style, not the page, gets what WeasyPrint would give it:
its four radii ``(0, 0)``, its children laid out (as WeasyPrint does, before its own
background), ``background`` None. Every other box, and every call with a ``style`` of its
own (the canvas background), is WeasyPrint's own function. The answers are dropped when the
page is done: a style is never judged after it could change. The same backgrounds, boxes and
bytes.

Touches: ``weasyprint.layout.background.layout_box_backgrounds`` (the name it recurses by,
and by which ``layout_backgrounds`` and ``engine.numbering`` call it: a wrapper, the original
for any box that is not plain) and ``weasyprint.layout.layout_backgrounds`` (the name
``layout_document`` calls: a wrapper that keeps the answers for the page).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}
# id(style) -> (style, plain) while a page's backgrounds are laid out; None outside
_answers: dict[int, tuple[Any, bool]] | None = None

_CORNERS = ("border_top_left_radius", "border_top_right_radius", "border_bottom_right_radius",
            "border_bottom_left_radius")


def _plain(style) -> bool:
    """Whether a box of ``style`` has nothing to paint behind it and zero radii."""
    for corner in _CORNERS:
        if (0, "px") not in style[corner]:
            return False
    if style["border_image_source"][0] != "none" or style["mask_border_source"][0] != "none":
        return False
    if style["visibility"] == "hidden":
        return False
    style["image_orientation"]  # read as WeasyPrint reads it: every property it reads, computed
    if any(type_ == "url" or value for type_, value in style["background_image"]):
        return False
    return _wp["get_color"](style, "background_color").alpha == 0 and not style["box_shadow"]


def layout_box_backgrounds(page, box, get_image_from_uri, layout_children=True, style=None):
    """WeasyPrint's ``layout_box_backgrounds``, a box of a plain style done at once."""
    answers = _answers
    if answers is not None and style is None and box is not page:
        own = box.style
        answer = answers.get(id(own))
        if answer is None or answer[0] is not own:
            answer = answers[id(own)] = (own, _plain(own))
        if answer[1]:
            box.border_top_left_radius = (0, 0)
            box.border_top_right_radius = (0, 0)
            box.border_bottom_right_radius = (0, 0)
            box.border_bottom_left_radius = (0, 0)
            if layout_children:
                lay_out = _wp["background"].layout_box_backgrounds
                for child in box.all_children():
                    lay_out(page, child, get_image_from_uri)
            box.background = None
            return None
    return _replacements[0].original(page, box, get_image_from_uri, layout_children, style)


def layout_backgrounds(page, get_image_from_uri):
    """WeasyPrint's ``layout_backgrounds``, with the styles' answers kept for the page."""
    global _answers
    outer, _answers = _answers, {}
    try:
        return _replacements[1].original(page, get_image_from_uri)
    finally:
        _answers = outer


def replacements() -> list[Replacement]:
    from weasyprint import layout
    from weasyprint.draw.color import get_color
    from weasyprint.layout import background

    if not _replacements:
        _wp.update(background=background, get_color=get_color)
        _replacements.append(Replacement(background, "layout_box_backgrounds", layout_box_backgrounds))
        _replacements.append(Replacement(layout, "layout_backgrounds", layout_backgrounds))
    return _replacements
