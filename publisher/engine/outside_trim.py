"""What a print page draws outside its trim, marked so that it can be cut out again.

A print page is a press sheet: trim plus bleed plus crop marks and a slug line outside it
(elements of class ``crop`` and ``slug``, ``OUTSIDE_TRIM_CLASSES``). Their drawing is
wrapped in ``/Artifact`` marked content between two PDF comments (``OUTSIDE_TRIM_BEGIN`` …
``OUTSIDE_TRIM_END``), so the archive can cut them out of the page's content stream exactly
(``strip_outside_trim``) instead of leaving them hidden beyond the MediaBox: same layout,
same write, no second render. Other content is drawn as WeasyPrint draws it.

Touches: ``weasyprint.draw.draw_stacking_context`` (a wrapper, applied by
``publisher.engine.install``).
"""

from __future__ import annotations

import re
from typing import Any

from .patching import Replacement

OUTSIDE_TRIM_CLASSES = frozenset({"crop", "slug"})
OUTSIDE_TRIM_BEGIN = b"%publisher:outside-trim{"
OUTSIDE_TRIM_END = b"%publisher:outside-trim}"
_OUTSIDE = re.compile(re.escape(OUTSIDE_TRIM_BEGIN) + rb"\r?\n.*?" + re.escape(OUTSIDE_TRIM_END),
                      re.DOTALL)


def strip_outside_trim(content: bytes) -> tuple[bytes, int]:
    """A page content stream without what was drawn outside the trim, and how many cuts.

    Each cut is a balanced ``q /Artifact BMC … EMC Q`` between the two comments written
    while drawing (PDF comments run to the end of the line; WeasyPrint writes glyphs as
    hex strings, so the markers cannot occur inside text).
    """
    return _OUTSIDE.subn(b"", content)


def _outside_trim(box) -> bool:
    element = getattr(box, "element", None)
    if element is None:
        return False
    return bool(OUTSIDE_TRIM_CLASSES & set((element.get("class") or "").split()))


_replacements: list[Replacement] = []
_pydyf: Any = None  # bound by replacements()


def draw_stacking_context(stream, stacking_context):
    """draw.draw_stacking_context; an element outside the trim is drawn as a marked artifact."""
    draw = _replacements[0].original
    if not _outside_trim(stacking_context.box):
        return draw(stream, stacking_context)
    stream.stream.append(OUTSIDE_TRIM_BEGIN)
    stream.push_state()
    _pydyf.Stream.begin_marked_content(stream, "Artifact")
    try:
        return draw(stream, stacking_context)
    finally:
        _pydyf.Stream.end_marked_content(stream)
        stream.pop_state()
        stream.stream.append(OUTSIDE_TRIM_END)


def replacements() -> list[Replacement]:
    global _pydyf
    import pydyf
    from weasyprint import draw

    _pydyf = pydyf
    if not _replacements:
        _replacements.append(Replacement(draw, "draw_stacking_context", draw_stacking_context))
    return _replacements
