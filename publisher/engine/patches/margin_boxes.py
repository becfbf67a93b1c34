"""A page's margin boxes made only where one of them has content.

The defect
----------
``weasyprint.layout.page.make_margin_boxes`` makes all sixteen margin boxes of every page
(``make_box``: the box, its style's counters standardised, its percentages resolved
against the page) before it looks whether any of them is generated, and then drops every
side whose three boxes have no content and every corner without content. A reading PDF's
page has one margin box with content, its folio at the bottom centre: thirteen of the
sixteen boxes are made for nothing, on every page (467 pages at 64 版, 1.5 s of CPU for the
margin boxes in all).

The fix
-------
Whether a margin box is generated is read from its style alone (``content`` other than
``normal``, ``inhibit`` and ``none``, what ``make_box`` itself tests): a side none of whose
three boxes is generated, and a corner that is not, are skipped before their boxes are made.
Every other box is made, laid out and placed by WeasyPrint's code as before (below, with
those two tests added), so the margin boxes and the pages are the same. Upstream,
``make_margin_boxes`` would test the styles before making the boxes.

Touches: ``weasyprint.layout.make_margin_boxes`` (the name ``layout_document`` calls;
replaced: WeasyPrint's code from ``layout.page`` with the two tests added;
engine/numbering.py wraps it).
"""

from __future__ import annotations

import copy
from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}


def _generated(context, page, at_keyword: str) -> bool:
    """Whether the margin box ``at_keyword`` of ``page`` has content (``make_box``'s test)."""
    style = context.style_for(page.page_type, at_keyword)
    if style is None:
        style = page.style.anonymous_style
    return style['content'] not in ('normal', 'inhibit', 'none')


def make_margin_boxes(context, page, state):
    """Yield laid-out margin boxes for this page (WeasyPrint's ``layout.page.make_margin_boxes``,
    the boxes of a side or corner without content not made)."""
    boxes, build, page_module = _wp["boxes"], _wp["build"], _wp["page"]

    # This is a closure only to make calls shorter
    def make_box(at_keyword, containing_block):
        style = context.style_for(page.page_type, at_keyword)
        if style is None:
            # doesn't affect counters
            style = page.style.anonymous_style
        page_module._standardize_page_based_counters(style, at_keyword)
        box = boxes.MarginBox(at_keyword, style)
        # Empty boxes should not be generated, but they may be needed for
        # the layout of their neighbors.
        # TODO: should be the computed value.
        box.is_generated = style['content'] not in (
            'normal', 'inhibit', 'none')
        # TODO: get actual counter values at the time of the last page break
        if box.is_generated:
            # @margins mustn't manipulate page-context counters
            margin_state = copy.deepcopy(state)
            quote_depth, counter_values, counter_scopes, _page_groups = margin_state
            # TODO: check this, probably useless
            counter_scopes.append(set())
            build.update_counters(margin_state, box.style)
            box.children = build.content_to_boxes(
                box.style, box, quote_depth, counter_values,
                context.get_image_from_uri, context.target_collector,
                context.counter_style, context, page)
            box.process_whitespace()
            box.process_text_transform()
            box = build.create_anonymous_boxes(box)
        page_module.resolve_percentages(box, containing_block)
        if not box.is_generated:
            box.width = box.height = 0
            for side in ('top', 'right', 'bottom', 'left'):
                box._reset_spacing(side)
        return box

    margin_top = page.margin_top
    margin_bottom = page.margin_bottom
    margin_left = page.margin_left
    margin_right = page.margin_right
    max_box_width = page.border_width()
    max_box_height = page.border_height()

    # bottom right corner of the border box
    page_end_x = margin_left + max_box_width
    page_end_y = margin_top + max_box_height

    # Margin box dimensions, described in
    # https://drafts.csswg.org/css-page-3/#margin-box-dimensions
    generated_boxes = []

    for prefix, vertical, containing_block, position_x, position_y in (
        ('top', False, (max_box_width, margin_top),
            margin_left, 0),
        ('bottom', False, (max_box_width, margin_bottom),
            margin_left, page_end_y),
        ('left', True, (margin_left, max_box_height),
            0, margin_top),
        ('right', True, (margin_right, max_box_height),
            page_end_x, margin_top),
    ):
        if vertical:
            suffixes = ['top', 'middle', 'bottom']
            fixed_outer, variable_outer = containing_block
        else:
            suffixes = ['left', 'center', 'right']
            variable_outer, fixed_outer = containing_block
        if not any(_generated(context, page, f'@{prefix}-{suffix}') for suffix in suffixes):
            continue  # publisher: no box of this side has content, none is made
        side_boxes = [
            make_box(f'@{prefix}-{suffix}', containing_block)
            for suffix in suffixes]
        if not any(box.is_generated for box in side_boxes):
            continue
        # We need the three boxes together for the variable dimension:
        page_module.compute_variable_dimension(
            context, side_boxes, vertical, variable_outer)
        for box, offset in zip(side_boxes, [0, 0.5, 1], strict=True):
            if not box.is_generated:
                continue
            box.position_x = position_x
            box.position_y = position_y
            if vertical:
                box.position_y += offset * (
                    variable_outer - box.margin_height())
            else:
                box.position_x += offset * (
                    variable_outer - box.margin_width())
            page_module.compute_fixed_dimension(
                context, box, fixed_outer, not vertical,
                prefix in ('top', 'left'))
            generated_boxes.append(box)

    # Corner boxes

    for at_keyword, cb_width, cb_height, position_x, position_y in (
        ('@top-left-corner', margin_left, margin_top, 0, 0),
        ('@top-right-corner', margin_right, margin_top, page_end_x, 0),
        ('@bottom-left-corner', margin_left, margin_bottom, 0, page_end_y),
        ('@bottom-right-corner', margin_right, margin_bottom,
            page_end_x, page_end_y),
    ):
        if not _generated(context, page, at_keyword):
            continue  # publisher: no content, the box is not made
        box = make_box(at_keyword, (cb_width, cb_height))
        if not box.is_generated:
            continue
        box.position_x = position_x
        box.position_y = position_y
        page_module.compute_fixed_dimension(
            context, box, cb_height, True, 'top' in at_keyword)
        page_module.compute_fixed_dimension(
            context, box, cb_width, False, 'left' in at_keyword)
        generated_boxes.append(box)

    for box in generated_boxes:
        yield page_module.margin_box_content_layout(context, page, box)


def replacements() -> list[Replacement]:
    from weasyprint import layout
    from weasyprint.formatting_structure import boxes, build
    from weasyprint.layout import page

    if not _replacements:
        _wp.update(boxes=boxes, build=build, page=page)
        _replacements.append(Replacement(layout, "make_margin_boxes", make_margin_boxes))
    return _replacements
