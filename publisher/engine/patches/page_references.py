"""``pydyf.PDF.page_references`` computed once per page count, not once per call.

The defect
----------
WeasyPrint's PDF/UA tagging (``weasyprint.pdf.tags``) asks for ``pdf.page_references[n]``
once per tagged box, and pydyf builds the tuple of every page's reference anew on each call:
O(boxes × pages). On publisher's 16-版 benchmark edition (117 A4 pages, ~14,000 tagged
boxes) that was 2 s of a 15 s render.

The fix
-------
The tuple only changes when a page is added (``Kids`` grows), so it is kept on the PDF
object with the number of kids it was made for, and made again when that number changes.
Same result, byte for byte. Upstream, pydyf would keep the list as pages are added (or
WeasyPrint would read it once per document).

Touches: ``pydyf.PDF.page_references`` (a property, replaced by a caching property).
"""

from __future__ import annotations

from ..patching import Replacement

_replacement: Replacement | None = None


def _page_references(self):
    kids = self.pages["Kids"]
    cached = self.__dict__.get("_page_refs")
    if cached is None or cached[0] != len(kids):
        cached = (len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
        self.__dict__["_page_refs"] = cached
    return cached[1]


page_references = property(_page_references)


def replacements() -> list[Replacement]:
    global _replacement
    import pydyf

    _replacement = _replacement or Replacement(pydyf.PDF, "page_references", page_references)
    return [_replacement]
