"""One Pango font description for a font, not one a text layout.

The defect
----------
``weasyprint.text.line_break.Layout.setup`` makes a new ``PangoFontDescription`` for every
Pango layout it sets up (``text.fonts.get_font_description``: a description allocated, its
family string encoded, seven fields set through cffi, a finaliser registered), and it sets
up a layout for every try at a line break and again for every text box drawn: about 35,000
times for the 64-版 reading PDF, with a few dozen distinct fonts among them.

The fix
-------
The description is made once for the fields it is made of (family list, style, stretch,
weight, size, small caps, variations) and kept for the fonts configuration's lifetime
(a table on it, as WeasyPrint keeps its struts). ``pango_layout_set_font_description``
copies the description it is given and ``pango_context_get_metrics`` only reads it, so a
shared one changes nothing: the same layouts, the same bytes. Upstream, ``Layout.setup``
would keep the description with the font configuration.

Touches: the name ``get_font_description`` in ``weasyprint.text.line_break`` (a wrapper;
``Layout.setup`` is its only caller there; the form fields of ``pdf.anchors`` keep theirs).
"""

from __future__ import annotations

from ..patching import Replacement

_replacements: list[Replacement] = []
_TABLE = "publisher_font_descriptions"
_TABLE_MAX = 4096


def get_font_description(style):
    """text.fonts.get_font_description, kept for its fields on the style's font configuration."""
    make = _replacements[0].original
    try:
        key = (tuple(style["font_family"]), style["font_style"], style["font_stretch"],
               style["font_weight"], style["font_size"], style["font_variant_caps"],
               style["font_variation_settings"])
        hash(key)
    except TypeError:  # a value that does not hash: made every time, as before
        return make(style)
    font_config = style.font_config
    table = font_config.__dict__.get(_TABLE)
    if table is None:
        table = {}
        setattr(font_config, _TABLE, table)
    description = table.get(key)
    if description is None:
        if len(table) >= _TABLE_MAX:
            table.clear()
        description = table[key] = make(style)
    return description


def replacements() -> list[Replacement]:
    from weasyprint.text import line_break

    if not _replacements:
        _replacements.append(Replacement(line_break, "get_font_description", get_font_description))
    return _replacements
