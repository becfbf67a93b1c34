"""A document's page numbers starting where its pages will stand in a joined PDF.

The reading PDF can be rendered 版 by 版 and joined (``publisher.reading``, issue 20): each
版 is a document of its own, whose page counter starts at 1, while its folios must say
where its pages stand in the issue, which is known only once every earlier 版 is laid out.
Laying each 版 out twice (count, then number) costs what rendering in parallel saves.

WeasyPrint 70 lays out every page of a document first (``layout.make_all_pages``) and only
then makes each page's margin boxes (``layout_document`` calls ``make_margin_boxes`` page by
page, with the page's counters), which is where ``counter(page)`` is read. So, while a
``first_page(ask)`` block is open, the first ``make_margin_boxes`` of a render calls
``ask(page_count)``, the number of pages laid out, and gets the number the document's first
page stands at; every margin box of that render is then made with the page counter moved
by that much. Nothing else of the layout reads the page counter in those documents (no
``target-counter`` across them, no ``counter(pages)``), so the pages are exactly those of a
render whose counter started there, laid out once. ``ask`` may block (a worker waiting for
the 版s before its own to be counted).

Touches: ``weasyprint.layout.make_margin_boxes`` (the name ``layout_document`` calls; a
wrapper, inert outside a ``first_page`` block).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .patching import Replacement

_replacements: list[Replacement] = []
# While a block is open: what to ask, and the offset once asked (None: not yet).
_asking: list[Callable[[int], int]] = []
_offset: list[int | None] = []


@contextmanager
def first_page(ask: Callable[[int], int]) -> Iterator[None]:
    """Within the block, the page counter of the document laid out starts at ``ask(pages)``."""
    _asking.append(ask)
    _offset.append(None)
    try:
        yield
    finally:
        _asking.pop()
        _offset.pop()


def make_margin_boxes(context, page, state):
    """layout.make_margin_boxes, with the page counter moved while a ``first_page`` is open."""
    make = _replacements[0].original
    if not _asking:
        return make(context, page, state)
    if _offset[-1] is None:
        # the first page's margin boxes: every page is laid out (page_maker: one entry more)
        first = _asking[-1](len(context.page_maker) - 1)
        if isinstance(first, bool) or not isinstance(first, int) or first < 1:
            raise ValueError(f"a document's first page number must be a positive integer, not {first!r}")
        _offset[-1] = first - 1
    offset = _offset[-1]
    # the page state (quote depth, counter values, scopes, page groups), its page counter
    # moved in a copy: the state itself is the page maker's, kept for a re-layout
    moved = list(state)
    counters = dict(moved[1])
    if "page" in counters:
        counters["page"] = [value + offset for value in counters["page"]]
    moved[1] = counters
    return make(context, page, moved)


def reset() -> None:
    """No ``first_page`` block open: for a render that no other render is inside of."""
    _asking.clear()
    _offset.clear()


def replacements() -> list[Replacement]:
    from weasyprint import layout

    if not _replacements:
        _replacements.append(Replacement(layout, "make_margin_boxes", make_margin_boxes))
    return _replacements
