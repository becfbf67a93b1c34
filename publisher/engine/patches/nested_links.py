"""One link annotation for a link, not one more for each inline box inside it.

The defect
----------
``weasyprint.anchors.gather_anchors`` passes a link down to every box inside the link's box
(``link = box.link or parent_link``) and makes an annotation for each that is not text: an
``<a>`` holding a ``<strong>``, or with a ``::after`` pseudo-element, gets an annotation for
the link and one more, on the same line, for each inline box inside it. A contents entry
``<a>title</a>`` with ``a::after { content: leader(".") target-counter(…) }`` got three
overlapping annotations to the same place: three stops for keyboard and screen-reader users
where there is one link.

The fix
-------
An inline box that has no link of its own lies on its link ancestor's line, inside the area
that ancestor's annotation covers: the annotations gathered for it and its descendants that
go where the ancestor's goes are dropped. A link of its own below (another target) keeps its
annotation. Upstream, ``gather_anchors`` would make the annotation only for the box that
carries the link (``box.link``) and for blocks and atomic inlines inside it.

Touches: ``weasyprint.anchors.gather_anchors`` (a wrapper; WeasyPrint's own recursion goes
through the module's name, so it wraps every level below a page).
"""

from __future__ import annotations

from ..patching import Replacement

_replacements: list[Replacement] = []
_InlineBox = None  # bound by replacements()


def gather_anchors(box, anchors, links, bookmarks, forms, parent_matrix=None, parent_form=None,
                   parent_link=None):
    """anchors.gather_anchors; an inline box inside a link adds no annotation of its own."""
    gather = _replacements[0].original
    inherited = parent_link is not None and box.link is None and type(box) is _InlineBox
    count = len(links)
    gather(box, anchors, links, bookmarks, forms, parent_matrix, parent_form, parent_link)
    if inherited:
        target = tuple(parent_link[1])
        links[count:] = [link for link in links[count:] if tuple(link[:2]) != target]


def replacements() -> list[Replacement]:
    global _InlineBox
    from weasyprint import anchors
    from weasyprint.formatting_structure.boxes import InlineBox

    _InlineBox = InlineBox
    if not _replacements:
        _replacements.append(Replacement(anchors, "gather_anchors", gather_anchors))
    return _replacements
