"""A font's whole file copied only when it is read (WeasyPrint ``Font.__init__``).

The defect
----------
``weasyprint.pdf.fonts.Font.__init__`` copies the whole file of every face a document draws
with into a Python ``bytes`` (``file_content = get_hb_object_data(hb_face)``: the face's
HarfBuzz blob, unpacked). When the document is written, the subset of the face replaces it
(``Font.subset``) before anything reads it, so for a subsetted face the copy is never used:
four CJK faces of 16 to 26 MB a print 版, 80 MB copied and dropped, 2.7 % of a 版's render
CPU (and as much memory while the 版 is drawn). It is read only where the whole face is
needed: ``full_fonts``, a variable face instantiated, a bitmap face, the fontTools subset.

The fix
-------
``Font.file_content`` is a property on the class; the name ``get_hb_object_data`` in
``weasyprint.pdf.fonts`` gives, for a whole face (no colour glyph asked), a ``Deferred``
that holds a reference to the face, and the property copies the face's bytes from it the
first time they are read: the same bytes, from the same immutable face, only later and
only where they are used. Anything that tests a ``Deferred`` for truth (the original
``_harfbuzz_subset`` does, with a subset face) gets the bytes' truth. Upstream,
``Font`` would read its file lazily.

Touches: the name ``get_hb_object_data`` in ``weasyprint.pdf.fonts`` (a wrapper), and
``weasyprint.pdf.fonts.Font.file_content`` (a property added to the class; the instance's
value is kept under ``_file_content``).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}


class Deferred:
    """A face's whole bytes, not copied yet: a reference to the HarfBuzz face."""

    __slots__ = ("data", "face", "read")

    def __init__(self, face: Any, read: Any):
        self.face, self.read, self.data = face, read, None

    def value(self) -> bytes | None:
        """The bytes, copied the first time they are asked for."""
        if self.face is not None:
            self.data, self.face = self.read(self.face), None
        return self.data

    def __bool__(self) -> bool:
        return bool(self.value())


def _get_hb_object_data(hb_object, ot_color=None, glyph=None):
    """weasyprint.pdf.fonts' get_hb_object_data: a whole face's bytes deferred."""
    original = _replacements[0].original
    if ot_color is None and glyph is None:
        face = _wp["ffi"].gc(_wp["harfbuzz"].hb_face_reference(hb_object), _wp["harfbuzz"].hb_face_destroy)
        return Deferred(face, original)
    return original(hb_object, ot_color, glyph)


def _file_content(self):
    value = self.__dict__.get("_file_content")
    if isinstance(value, Deferred):
        value = self.__dict__["_file_content"] = value.value()
    return value


def _set_file_content(self, value) -> None:
    self.__dict__["_file_content"] = value


def replacements() -> list[Replacement]:
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi

    if not _replacements:
        _wp.update(ffi=ffi.ffi, harfbuzz=ffi.harfbuzz)
        _replacements.append(Replacement(fonts, "get_hb_object_data", _get_hb_object_data))
        _replacements.append(Replacement(fonts.Font, "file_content", property(_file_content, _set_file_content)))
    return _replacements
