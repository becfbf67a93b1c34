"""A page's margin-box styles found without a walk over every element's style.

The defect
----------
``weasyprint.layout.page.set_page_type_computed_styles`` computes, for each page it lays out,
the styles of the page's margin boxes (``@bottom-center``…): it looks for them among
*every* cascaded style of the document (``style_for.get_cascaded_styles()``: one entry
per element and pseudo-element of the HTML, plus the pages'), keeping those whose element
is this page's type. Each page walks the whole document's styles, so the time grows with
the pages times the elements: 0.7 s of CPU for the 467 pages of the 64-版 reading PDF
(≈ 40,000 styles each), where its margin boxes are one folio a page.

The fix
-------
The cascaded styles of a page type's pseudo-elements are made only by
``StyleFor.add_page_declarations``, under the pseudo-types its ``@page`` rules name
(``@bottom-center``, ``@footnote``…): those few are looked up for the page by their key
instead. Each is computed from the page's style alone (it inherits from the page), so the
order they are computed in changes nothing: the same styles, the same pages. Upstream,
``StyleFor`` would keep the pseudo-types of its page rules (or the page types' cascaded
styles apart from the elements').

Touches: ``weasyprint.layout.page.set_page_type_computed_styles`` (replaced: the name
``remake_page`` calls; WeasyPrint's code with the lookup changed).
"""

from __future__ import annotations

from ..patching import Replacement

_replacements: list[Replacement] = []


def page_pseudo_types(style_for) -> tuple:
    """The pseudo-types the ``@page`` rules of ``style_for``'s stylesheets name, in order
    (``None``, the page itself, left out)."""
    found: dict = {}
    for sheet, _origin, _specificity in style_for._sheets:
        for _rule, selector_list, _declarations in sheet.page_rules:
            for selector in selector_list:
                pseudo_type = selector[1]  # (specificity, pseudo_type, page selector)
                if pseudo_type:
                    found[pseudo_type] = None
    return tuple(found)


def set_page_type_computed_styles(page_type, html, style_for):
    """Set style for page types and pseudo-types matching ``page_type`` (WeasyPrint's, the
    pseudo-types looked up by key)."""
    style_for.add_page_declarations(page_type)

    # Apply style for page
    style_for.set_computed_styles(
        page_type,
        # @page inherits from the root element:
        # https://lists.w3.org/Archives/Public/www-style/2012Jan/1164.html
        root=html.etree_element, parent=html.etree_element,
        base_url=html.base_url)

    # Apply style for page pseudo-elements (margin boxes)
    cascaded = style_for.get_cascaded_styles()
    for pseudo_type in page_pseudo_types(style_for):
        if (page_type, pseudo_type) in cascaded:
            style_for.set_computed_styles(
                page_type, pseudo_type=pseudo_type,
                # The pseudo-element inherits from the element.
                root=html.etree_element, parent=page_type,
                base_url=html.base_url)


def replacements() -> list[Replacement]:
    from weasyprint.layout import page

    if not _replacements:
        _replacements.append(Replacement(page, "set_page_type_computed_styles",
                                         set_page_type_computed_styles))
    return _replacements
