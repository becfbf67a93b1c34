"""A document's page numbers starting where its pages will stand in a joined PDF, given
once it is laid out.

The reading PDF can be rendered 版 by 版 and joined (``publisher.reading``, issue 20): each
版 is a document of its own, whose page counter starts at 1, while its folios must say
where its pages stand in the issue, which is known only once every earlier 版 (and the
contents) is laid out. Laying each 版 out twice (count, then number) costs what rendering in
parallel saves, and waiting for the number between the layout and the margin boxes keeps a
worker idle while the 版 before its own (or the contents) are still being laid out.

WeasyPrint 70 lays out every page of a document first (``layout.make_all_pages``) and only
then makes each page's margin boxes (``layout_document`` calls ``make_margin_boxes`` page by
page, with the page's counters), which is where ``counter(page)`` is read. So, within a
``later()`` block, ``make_margin_boxes`` makes nothing and records what it was called with
(the layout context, the page, its page state); ``Later.number(first)`` then makes every
page's margin boxes with the page counter moved by ``first - 1``, lays out their backgrounds
and adds them after the page's other children, where ``layout_document`` puts them:
the boxes ``layout_document`` makes for a render whose counter starts at ``first``, and
nothing else of the layout reads the page counter in those documents (no
``target-counter`` across them, no ``counter(pages)``). The document is laid out once, and
numbered whenever its number is known (``engine.Document.number``).

Touches: ``weasyprint.layout.make_margin_boxes`` (the name ``layout_document`` calls; a
wrapper, inert outside a ``later`` block) and, in ``number``, what ``layout_document``
does after it (``layout.background.layout_box_backgrounds`` on each new box).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .patching import Replacement

_replacements: list[Replacement] = []
_later: list[Later] = []  # the blocks open


class Later:
    """The margin boxes of one laid-out document, made when its first page number is known."""

    def __init__(self) -> None:
        self.pages: list[tuple[Any, Any, Any]] = []  # (context, page box, page state)
        self.first: int | None = None

    def number(self, first: int) -> list[list[Any]]:
        """Every page's margin boxes, its counter starting at ``first``, added to its page
        box (once): the new boxes, page by page."""
        if isinstance(first, bool) or not isinstance(first, int) or first < 1:
            raise ValueError(f"a document's first page number must be a positive integer, not {first!r}")
        if self.first is not None:
            raise RuntimeError("a document's pages are numbered once")
        from weasyprint.layout.background import layout_box_backgrounds

        self.first = first
        make = _replacements[0].original
        made = []
        for index, (context, page, state) in enumerate(self.pages):
            context.current_page = index + 1  # as layout_document sets it, page by page
            margins = list(make(context, page, _moved(state, first - 1)))
            for box in margins:  # layout_backgrounds' walk over the page's children, for these
                layout_box_backgrounds(page, box, context.get_image_from_uri)
            page.children = (*page.children, *margins)
            made.append(margins)
        self.pages = []
        return made


@contextmanager
def later() -> Iterator[Later]:
    """Within the block, a laid-out document's margin boxes wait for ``Later.number``."""
    waiting = Later()
    _later.append(waiting)
    try:
        yield waiting
    finally:
        _later.remove(waiting)


def _moved(state, offset: int):
    """The page state (quote depth, counter values, scopes, page groups), its page counter
    moved by ``offset`` in a copy: the state itself is the page maker's."""
    if not offset:
        return state
    moved = list(state)
    counters = dict(moved[1])
    if "page" in counters:
        counters["page"] = [value + offset for value in counters["page"]]
    moved[1] = counters
    return moved


def make_margin_boxes(context, page, state):
    """layout.make_margin_boxes, or nothing yet within a ``later`` block (recorded)."""
    if not _later:
        return _replacements[0].original(context, page, state)
    _later[-1].pages.append((context, page, state))
    return []


def reset() -> None:
    """No ``later`` block open: for a render that no other render is inside of."""
    _later.clear()


def replacements() -> list[Replacement]:
    from weasyprint import layout

    if not _replacements:
        _replacements.append(Replacement(layout, "make_margin_boxes", make_margin_boxes))
    return _replacements
