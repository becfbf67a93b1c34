"""A font subset made in one HarfBuzz pass, not two (WeasyPrint ``Font._harfbuzz_subset``).

The defect
----------
``weasyprint.pdf.fonts.Font._harfbuzz_subset`` subsets each embedded face twice: first the
glyphs the document uses, with ``HB_SUBSET_FLAGS_RETAIN_GIDS`` (glyph ids kept, which the
content streams and the width arrays use), then that subset again with every glyph id up to
the last used, "to drop the empty glyphs after the last one used", and the hinting flag.
A subset with retained glyph ids already ends at the last glyph kept, so the second pass
keeps every glyph of the first and only does its work again: a CJK face's CFF is
desubroutinized twice. On a print 版 (four faces, up to 63,000 glyph ids each) that was
0.15 s of CPU of about 1.1 s of render, the second pass two thirds of it.

The fix
-------
One ``hb_subset_or_fail`` with the first pass's glyphs, tables dropped and flags, and the
second pass's ``NO_HINTING`` when hinting is not kept: the same font program, byte for byte
(compared on every face of the sample's and the 16-版 edition's print pages and reading PDF),
in a third of the time. Where HarfBuzz fails, WeasyPrint's own two passes run (and warn as
they do). Upstream, the second pass would go.

The glyph ids are handed to HarfBuzz in an array of the open type ``hb_codepoint_t[]``, as
long as the list it is made from: the same array as WeasyPrint's ``hb_codepoint_t[N]``, but
one C type that cffi parses once a process, where each length was a type of its own, parsed
by pycparser the first time it was seen (about 5 ms each: four faces a 版).

Touches: ``weasyprint.pdf.fonts.Font._harfbuzz_subset`` (replaced; the original is called
only where the one pass fails).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}

# The tables WeasyPrint's first pass drops (the second one keeps what the first left).
_DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH",
            b"PCLT", b"SVG ")


def _harfbuzz_subset(self, to_unicode, hinting):
    """Font._harfbuzz_subset in one pass (see the module docstring)."""
    ffi, harfbuzz, hb = _wp["ffi"], _wp["harfbuzz"], _wp["harfbuzz_subset"]
    subset_input = ffi.gc(hb.hb_subset_input_create_or_fail(), hb.hb_subset_input_destroy)
    glyphs = hb.hb_subset_input_glyph_set(subset_input)
    gids = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(glyphs, ffi.new("hb_codepoint_t[]", gids), len(gids))
    flags = (hb.HB_SUBSET_FLAGS_RETAIN_GIDS | hb.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
             | hb.HB_SUBSET_FLAGS_DESUBROUTINIZE)
    if not hinting:
        flags |= hb.HB_SUBSET_FLAGS_NO_HINTING
    if self.missing:
        flags |= hb.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    hb.hb_subset_input_set_flags(subset_input, flags)
    dropped = hb.hb_subset_input_set(subset_input, hb.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = [harfbuzz.hb_tag_from_string(name, -1) for name in _DROPPED]
    harfbuzz.hb_set_add_sorted_array(dropped, ffi.new("hb_codepoint_t[]", tags), len(tags))
    face = ffi.gc(hb.hb_subset_or_fail(self.hb_face, subset_input), harfbuzz.hb_face_destroy)
    content = _wp["get_hb_object_data"](face) if face else None
    if not content:
        return _replacements[0].original(self, to_unicode, hinting)
    self.file_content = content
    return None


def replacements() -> list[Replacement]:
    from weasyprint.pdf import fonts
    from weasyprint.text import ffi
    from weasyprint.text.fonts import get_hb_object_data

    if not _replacements:
        _wp.update(ffi=ffi.ffi, harfbuzz=ffi.harfbuzz, harfbuzz_subset=ffi.harfbuzz_subset,
                   get_hb_object_data=get_hb_object_data)
        _replacements.append(Replacement(fonts.Font, "_harfbuzz_subset", _harfbuzz_subset))
    return _replacements
