"""Font programs left out of a render whose fonts are embedded again after a join.

A PDF joined from several renders (the reading PDF rendered 版 by 版, ``publisher.reading``)
gets one font program per face over the glyphs of every part (``pdfjoin.share``: the pinned
face subset again over the union of the glyph ids in the parts' width arrays and ToUnicode
maps). What each part embedded is then thrown away, yet WeasyPrint subsets every face for
every document (HarfBuzz over a CJK face of 65,000 glyphs) and compresses the result: on the
16-版 edition rendered 版 by 版 that was a third of the renders' time. While a
``placeholders()`` block is open, each face is embedded as its subset to glyph 0 alone (its
``name`` table kept, by which ``pdfjoin.share`` finds the pinned face); the font
dictionaries (widths, ToUnicode, descriptor) are written as ever. Such a PDF is only good
for the join: ``pdfjoin.share`` must replace every program (it says which it could not).

Touches: ``weasyprint.pdf.fonts.Font.clean`` (a wrapper, inert outside the block).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .patching import Replacement

_replacements: list[Replacement] = []
_open: list[bool] = []


@contextmanager
def placeholders() -> Iterator[None]:
    """Within the block, every embedded font program is a placeholder (glyph 0 alone)."""
    _open.append(True)
    try:
        yield
    finally:
        _open.pop()


def clean(self, to_unicode, hinting):
    """Font.clean; inside a ``placeholders`` block, the face subset to glyph 0 alone."""
    if not _open:
        return _replacements[0].original(self, to_unicode, hinting)
    return self.subset({0: ""}, hinting)


def reset() -> None:
    """No ``placeholders`` block open: for a render that no other render is inside of."""
    _open.clear()


def replacements() -> list[Replacement]:
    from weasyprint.pdf import fonts

    if not _replacements:
        _replacements.append(Replacement(fonts.Font, "clean", clean))
    return _replacements
