"""A line's strut found by its font's fields, not by their printed form (WeasyPrint ``strut``).

The defect
----------
``weasyprint.text.line_break.strut`` (a line's height and baseline for a style: asked for
every line box, every inline box and every text box split over lines) keeps its answers in
a table on the font configuration, keyed by ``_font_style_cache_key``: the ``str()`` of a
tuple of fourteen style fields, plus the font size and line height printed after it. The
answer is almost always in the table, and making the key was most of the call: on a print
版 (about 500 lines of text a 版) strut cost 3 % of the render (py-spy), more than half of
it building that key.

The fix
-------
The answer is looked up first in a table of its own on the font configuration, keyed by the
tuple of the same sixteen fields (hashable values: WeasyPrint's computed values are tuples,
strings and numbers); on a miss, WeasyPrint's ``strut`` is asked, as before, and its answer
kept. Two styles share an answer only when every field the answer is made from is equal, so
the answers are WeasyPrint's: the same lines, the same bytes. A style with a value that does
not hash is answered by WeasyPrint's ``strut`` alone. Upstream, ``_font_style_cache_key``
would return the tuple.

Touches: the name ``strut`` in ``weasyprint.layout.inline``, ``weasyprint.css.units`` and
``weasyprint.css.computed_values`` (a wrapper; ``line_break.strut`` itself is left alone).
"""

from __future__ import annotations

from ..patching import Replacement

_replacements: list[Replacement] = []
_TABLE = "publisher_struts"
_TABLE_MAX = 4096
# what _font_style_cache_key(style, include_size=True) prints, in its order
_FIELDS = ("font_family", "font_style", "font_stretch", "font_weight", "font_variant_ligatures",
           "font_variant_position", "font_variant_caps", "font_variant_numeric",
           "font_variant_alternates", "font_variant_east_asian", "font_feature_settings",
           "font_variation_settings", "font_language_override", "lang", "font_size", "line_height")


def strut(style):
    """line_break.strut, its answer looked up by the tuple of the fields it is made from."""
    original = _replacements[0].original
    font_config = style.font_config
    table = font_config.__dict__.get(_TABLE)
    if table is None:
        table = {}
        setattr(font_config, _TABLE, table)
    key = tuple([style[name] for name in _FIELDS])
    try:
        answer = table.get(key)
    except TypeError:  # a value that does not hash: asked every time, as before
        return original(style)
    if answer is None:
        if len(table) >= _TABLE_MAX:
            table.clear()
        answer = table[key] = original(style)
    return answer


def replacements() -> list[Replacement]:
    from weasyprint.css import computed_values, units
    from weasyprint.layout import inline

    if not _replacements:
        _replacements.extend(Replacement(module, "strut", strut)
                             for module in (inline, units, computed_values))
    return _replacements
