"""A box's used margins, paddings and sizes in one pass (WeasyPrint ``resolve_percentages``).

The defect
----------
``weasyprint.layout.percent.resolve_percentages`` sets a box's used margins, paddings,
widths and heights from their computed values with two calls a property
(``resolve_one_percentage``, which calls ``percentage``), fourteen properties a box, and
every block, line and inline box goes through it at least once, again at every try of a
line: about 1,100 calls a print 版, some 30,000 Python calls that do no more than copy a
length or take a percentage of one. It was 5-8 % of a print 版's render (py-spy, cProfile).

The fix
-------
The same function with the common case done in place: a computed value that is a length
(a ``Dimension`` with a unit) gives ``refer_to * value / 100`` for a percentage and its
value for any other unit, as ``percentage`` does; anything else (``auto``, ``None``, a math
function) goes to WeasyPrint's own ``percentage``. The properties are read and set in the
same order, ``min-width`` and ``min-height`` ``auto`` become 0 as before, and the rest (the
height against an ``auto`` containing block, the border widths, ``box-sizing``) is
WeasyPrint's code unchanged: the same used values, so the same boxes and bytes.
``resolve_position_percentages`` likewise. Upstream, ``resolve_one_percentage`` could take
the same short cut.

Touches: ``resolve_percentages`` and ``resolve_position_percentages`` in
``weasyprint.layout.percent`` and in each layout module that imported them by name
(``absolute``, ``block``, ``column``, ``float``, ``grid``, ``inline``, ``page``, ``table``;
``flex`` calls them through ``percent``). Each is replaced, not wrapped: the replacement
never calls the original.
"""

from __future__ import annotations

from math import inf
from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}

# the modules that call the two functions by a name of their own
_MODULES = ("percent", "absolute", "block", "column", "float", "grid", "inline", "page", "table")


def resolve_percentages(box, containing_block):
    """WeasyPrint's ``resolve_percentages``: the used values set as attributes of the box."""
    dimension, percentage = _wp["Dimension"], _wp["percentage"]
    if isinstance(containing_block, _wp["Box"]):
        cb_width = containing_block.width
        cb_height = containing_block.height
    else:
        cb_width, cb_height = containing_block
    maybe_height = cb_height if isinstance(box, _wp["PageBox"]) else cb_width
    style = box.style
    for name, refer_to in (("margin_left", cb_width), ("margin_right", cb_width),
                           ("margin_top", maybe_height), ("margin_bottom", maybe_height),
                           ("padding_left", cb_width), ("padding_right", cb_width),
                           ("padding_top", maybe_height), ("padding_bottom", maybe_height),
                           ("width", cb_width), ("min_width", cb_width), ("max_width", cb_width)):
        value = style[name]
        if value.__class__ is dimension and value.unit is not None:
            used = refer_to * value.value / 100 if value.unit == "%" else value.value
        else:
            used = percentage(value, style, refer_to)
            if used == "auto" and name == "min_width":
                used = 0
        setattr(box, name, used)

    if cb_height == "auto":
        # the height of the containing block depends on its content (WeasyPrint's words)
        height = style["height"]
        if height == "auto" or _wp["check_math"](height) or height.unit == "%":
            box.height = "auto"
        else:
            assert height.unit.lower() == "px"
            box.height = height.value
        heights: tuple[tuple[str, Any], ...] = (("min_height", 0), ("max_height", inf))
    else:
        heights = (("height", cb_height), ("min_height", cb_height), ("max_height", cb_height))
    for name, refer_to in heights:
        value = style[name]
        if value.__class__ is dimension and value.unit is not None:
            used = refer_to * value.value / 100 if value.unit == "%" else value.value
        else:
            used = percentage(value, style, refer_to)
            if used == "auto" and name == "min_height":
                used = 0
        setattr(box, name, used)

    collapse = style["border_collapse"] == "collapse"
    # used value == computed value; a collapsed border's was set by the border conflict resolution
    for prop in ("border_top_width", "border_right_width", "border_bottom_width", "border_left_width"):
        if not (collapse and hasattr(box, prop)):
            setattr(box, prop, style[prop])

    adjust = _wp["adjust_box_sizing"]
    adjust(box, "width")
    adjust(box, "height")


def resolve_position_percentages(box, containing_block):
    """WeasyPrint's ``resolve_position_percentages``: ``left``, ``right``, ``top``, ``bottom``."""
    dimension = _wp["Dimension"]
    cb_width, cb_height = containing_block
    style = box.style
    for name, refer_to in (("left", cb_width), ("right", cb_width), ("top", cb_height),
                           ("bottom", cb_height)):
        value = style[name]
        if value.__class__ is dimension and value.unit is not None:
            used = refer_to * value.value / 100 if value.unit == "%" else value.value
        else:
            used = _wp["percentage"](value, style, refer_to)
        setattr(box, name, used)


def replacements() -> list[Replacement]:
    import importlib

    from weasyprint.css.functions import check_math
    from weasyprint.css.properties import Dimension
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import percent

    if not _replacements:
        _wp.update(Dimension=Dimension, percentage=percent.percentage, Box=boxes.Box,
                   PageBox=boxes.PageBox, check_math=check_math,
                   adjust_box_sizing=percent.adjust_box_sizing)
        for name in _MODULES:
            module = importlib.import_module(f"weasyprint.layout.{name}")
            for function in (resolve_percentages, resolve_position_percentages):
                if function.__name__ in vars(module):
                    _replacements.append(Replacement(module, function.__name__, function))
    return _replacements
