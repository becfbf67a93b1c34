"""A page number by ``target-counter(attr(href), page)`` laid out twice, not three times.

The defect
----------
``weasyprint.formatting_structure.build.compute_content_list`` records, while the box tree
is built, what a ``content`` waits for: the counters it reads on its own page
(``missing_counters``) and those it reads at each target (``missing_target_counters``, by
anchor name), for ``layout.page.make_page`` and ``css.targets.cache_target_page_counters``
to lay its page out again once they are known. In the ``target-counter()`` branch it gets
two things wrong:

- it names the target by ``targets.anchor_name_from_token`` of the token as written, so a
  target given as ``attr(href)`` (the usual way: ``a::after { content: target-counter(
  attr(href), page) }``) is recorded under the name ``None``: when the target's page is laid
  out, ``cache_target_page_counters`` finds no box waiting for it;
- it binds the target's list to the name ``missing_counters``, the local list's: the
  target's counters (``page``) are recorded as read on the box's own page too.

Such a page number works only through the second: each time the page holding it is laid
out with page counters other than the time before, its content is parsed again, *after* that
layout, and the page marked for another pass. The page counters of a document's first pass
differ from its second's (``pages``, the page count, is known only after the first), so a
contents page was laid out three times: in the first pass and the second with every number
``0`` (the targets had not been laid out when its content was last parsed), and in the
third with the numbers. At 64 版 the reading PDF's contents is 19 pages with 576 entries,
their leaders and links: a third of its layout, about 4 % of the render, for nothing.

The fix
-------
After the original has recorded what a content waits for (its ``CounterLookupItem``, made
once for a box and a property), the record is put right: a target given by ``attr()`` is
named as ``TargetCollector.lookup_target`` resolves it (the attribute's value), and the
local list is the content's own ``counter()`` and ``counters()`` that were not known where
the box is. Then the target's page, when laid out, parses the content again and marks its
page for the next pass (``cache_target_page_counters``, as designed), and the page count
changing between passes lays out nothing again: two passes, the second with the numbers.
The pages are those of the third pass before (the same content, laid out the same way).
Upstream, ``compute_content_list`` would resolve the anchor (``lookup_target`` does) and
use a name of its own for the target's list.

Touches: ``weasyprint.formatting_structure.build.compute_content_list`` (a wrapper; every
caller in ``build`` calls it by the module's name).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}

_TARGET_COUNTERS = ("target-counter()", "target-counters()")
_COUNTERS = ("counter()", "counters()")


def compute_content_list(content_list, parent_box, counter_values, css_token, parse_again,
                         target_collector, *args, **kwargs):
    """build.compute_content_list, then what the content waits for recorded right."""
    key = (parent_box, css_token)
    recorded = key in target_collector.counter_lookup_items
    result = _replacements[0].original(content_list, parent_box, counter_values, css_token,
                                       parse_again, target_collector, *args, **kwargs)
    if not recorded and (item := target_collector.counter_lookup_items.get(key)) is not None:
        _repair(item, content_list, parent_box, counter_values)
    return result


def _repair(item, content_list, parent_box, counter_values) -> None:
    """Name the targets given by ``attr()``, and give the local counters a list of their own."""
    targets = item.missing_target_counters
    if any(item.missing_counters is names for names in targets.values()):
        local: list[str] = []
        for type_, value in content_list:
            if type_ in _COUNTERS and value[-1] != "none":
                name = value[0]
                if name not in counter_values and name not in local:
                    local.append(name)
        item.missing_counters = local
    if None in targets:
        names = {_anchor_name(value[0], parent_box) for type_, value in content_list
                 if type_ in _TARGET_COUNTERS and _wp["anchor_name"](value[0]) is None}
        if len(names) == 1 and None not in names:  # else as WeasyPrint had it
            (name,) = names
            waiting = targets.setdefault(name, [])
            for counter in targets.pop(None):
                if counter not in waiting:
                    waiting.append(counter)


def _anchor_name(anchor_token, source_box) -> str | None:
    """The anchor a token names, resolved as ``TargetCollector.lookup_target`` does."""
    if anchor_token[0] == "attr()":
        attr_name, type_, fallback = anchor_token[1]
        value = source_box.element.get(attr_name, fallback)
        if type_ == "string":
            anchor_token = ("string", value)
        elif type_ == "url":
            url = _wp["get_url_tuple"](value, source_box.style.base_url)
            if url is None:
                return None
            anchor_token = ("url", url)
        else:
            return None
    return _wp["anchor_name"](anchor_token)


def replacements() -> list[Replacement]:
    from weasyprint.css import targets
    from weasyprint.formatting_structure import build
    from weasyprint.urls import get_url_tuple

    if not _replacements:
        _wp.update(anchor_name=targets.anchor_name_from_token, get_url_tuple=get_url_tuple)
        _replacements.append(Replacement(build, "compute_content_list", compute_content_list))
    return _replacements
