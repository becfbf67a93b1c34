"""A pseudo-element's computed style made when it is first asked for (WeasyPrint ``StyleFor``).

The defect
----------
``weasyprint.css.StyleFor`` computes, when the document's styles are applied, a computed
style for every pseudo-element that has a cascaded style: with WeasyPrint's user-agent
stylesheet that is six of them for *every* element of the HTML (``::marker``,
``::footnote-call``, ``::footnote-marker``, ``::note-call``, ``::note-marker``,
``::note-callback``: its rules name no element), each a ``ComputedStyle`` with its own
attribute dictionary, its ``specified`` dictionary and its own copy of the same cascaded
declarations. Almost none is ever asked for (a marker only for a list item, a footnote call
only for a footnote), yet all of them stay alive for the whole layout: on the 16-版 reading
PDF 14,784 of the document's 18,303 computed styles. The 64-版 reading PDF laid out took
406 MB, 348 MB with the fix (its peak, once written: 436 MB, 376 MB).

The fix
-------
While ``StyleFor`` is made, the computed style of an element's pseudo-element is not made:
its cascaded declarations are kept (one dictionary for all the pseudo-elements whose
declarations are the same objects with the same weights, in the same order: a cascaded
style is only read) and the style is computed, by WeasyPrint's ``set_computed_styles``
with the same arguments, the first time ``StyleFor.__call__`` asks for it. A computed style
holds no more than its cascaded declarations, its parent's style and the document's
settings at the moment it is made (every property is computed when first read, made early
or late), so the styles asked for are the same and the pages the same bytes. A
pseudo-element that declares an ``anchor`` (collected by the target collector as its style
is made, in document order) is computed as before.

Upstream, ``StyleFor`` would compute pseudo-elements' styles on demand, or keep the
user-agent's universal pseudo-element rules out of the per-element cascade.

Touches: ``weasyprint.css.StyleFor.__init__`` (a wrapper: the pseudo-elements' computation
deferred while it runs), ``StyleFor.set_computed_styles`` (a wrapper: defers) and
``StyleFor.__call__`` (a wrapper: computes a deferred style first).
"""

from __future__ import annotations

from ..patching import Replacement

_replacements: list[Replacement] = []

# attributes on the StyleFor instance
_DEFERRED = "_publisher_deferred"  # (element, pseudo type) -> its cascaded declarations
_ARGUMENTS = "_publisher_deferred_arguments"  # (root, base_url, target_collector) they are made with
_SHARED = "_publisher_cascaded"  # while __init__ runs: the same declarations -> one dict


def __init__(self, html, *args, **kwargs):
    """StyleFor.__init__, its elements' pseudo-element styles deferred (``__call__``)."""
    self.__dict__[_DEFERRED] = {}
    self.__dict__[_SHARED] = {}
    try:
        _replacements[0].original(self, html, *args, **kwargs)
    finally:
        self.__dict__.pop(_SHARED, None)


def set_computed_styles(self, element, parent, root=None, pseudo_type=None, base_url=None,
                        target_collector=None):
    """StyleFor.set_computed_styles; while StyleFor is made, an element's pseudo-element
    style that declares no anchor is kept, to be made when asked for."""
    shared = self.__dict__.get(_SHARED)
    if shared is not None and pseudo_type is not None and parent is element:
        cascaded = self._cascaded_styles.get((element, pseudo_type))
        arguments = (root, base_url, target_collector)
        if (cascaded is not None and "anchor" not in cascaded
                and self.__dict__.setdefault(_ARGUMENTS, arguments) == arguments):
            key = tuple([(name, id(values), weight) for name, (values, weight) in cascaded.items()])
            self.__dict__[_DEFERRED][element, pseudo_type] = shared.setdefault(key, cascaded)
            return None
    return _replacements[1].original(self, element, parent, root=root, pseudo_type=pseudo_type,
                                     base_url=base_url, target_collector=target_collector)


def __call__(self, element, pseudo_type=None):
    """StyleFor.__call__; a deferred pseudo-element style made first."""
    if pseudo_type is not None:
        deferred = self.__dict__.get(_DEFERRED)
        if deferred and (element, pseudo_type) in deferred:
            cascaded = deferred.pop((element, pseudo_type))
            root, base_url, target_collector = self.__dict__[_ARGUMENTS]
            cascaded_styles = self._cascaded_styles  # what get_cascaded_styles returns
            cascaded_styles[element, pseudo_type] = cascaded
            try:
                _replacements[1].original(self, element, parent=element, root=root,
                                          pseudo_type=pseudo_type, base_url=base_url,
                                          target_collector=target_collector)
            finally:
                cascaded_styles.pop((element, pseudo_type), None)
    return _replacements[2].original(self, element, pseudo_type)


def replacements() -> list[Replacement]:
    from weasyprint.css import StyleFor

    if not _replacements:
        _replacements.append(Replacement(StyleFor, "__init__", __init__))
        _replacements.append(Replacement(StyleFor, "set_computed_styles", set_computed_styles))
        _replacements.append(Replacement(StyleFor, "__call__", __call__))
    return _replacements
