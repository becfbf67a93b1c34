"""A property no rule sets, computed without the cascade's steps (WeasyPrint ``ComputedStyle``).

The defect
----------
``weasyprint.css.ComputedStyle.__missing__`` works out each property of an element's style
on first use, by the same steps whatever the property: it looks the property up in the
cascaded declarations, prints its name with hyphens, looks for a logical twin, checks for
``var()`` and for a math function, and only then finds that nothing set it, so that its
value is the parent's (an inherited property) or the initial value. Nearly every property
of every element is of that kind: a print 版 of about 250 elements asks for some 22,000
properties, nine in ten of them set by no rule, and ``__missing__`` was 5-9 % of the
render's CPU (py-spy), most of it those steps.

The fix
-------
A property that is not in the cascaded declarations, and is none of those the steps treat
apart (``float``, ``display``, ``position`` and ``page``, the ``text_decoration_*`` ones,
a physical property whose logical twin is declared), is given what the steps would give it:
the parent's computed value for an inherited property or a custom one (not on the root
element), else the initial value, computed by WeasyPrint's own function where the initial
value needs computing, and stored as ``__missing__`` stores it. A parent's value holding a
math function (a percentage left in a ``calc()``) goes to the original steps, which may
warn about it. Which of these a property takes depends on its name alone (WeasyPrint's
constant tables), so it is worked out once a process, as is a physical property's logical
twin for its name and direction; an inherited value of a plain type (a string, a number,
None) is not given to the math check, which answers no for it without looking.
Everything else, and every declared property, takes WeasyPrint's own
``__missing__``: the same values, so the same boxes and bytes. Upstream, the same test
would open ``__missing__``.

Touches: ``weasyprint.css.ComputedStyle.__missing__`` (a wrapper; the original is called for
everything but the undeclared properties).
"""

from __future__ import annotations

from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_wp: dict[str, Any] = {}

# The properties whose steps do more than find a value (see the module docstring).
_APART = frozenset(("float", "display", "position", "page"))

# What an undeclared property takes, by its name alone (WeasyPrint's tables, which never change):
# the original steps, the parent's value (inherited), the parent's value or [] (custom), the
# initial value, or the initial value computed by WeasyPrint's function.
_ORIGINAL, _INHERITED, _CUSTOM, _INITIAL, _COMPUTED = range(5)
# key -> (route, the physical property's logical-twin function or None), made on first sight
_routes: dict[str, tuple[int, Any]] = {}
# Values check_math answers no for without looking (it asks a value for its ``type``
# attribute, which these types do not have, or walks a tuple): skipped for them.
_PLAIN = frozenset((str, int, float, bool, type(None)))
# (key, direction) -> the logical twin's name (the twin functions are pure: the same answer)
_twins: dict[tuple[str, str], str] = {}


def _route(key: str) -> tuple[int, Any]:
    if key in _APART or key[:16] == "text_decoration_":
        route = _ORIGINAL
    elif key in _wp["inherited"]:
        route = _INHERITED
    elif key[:2] == "__":
        route = _CUSTOM
    elif key in _wp["not_computed"] and _wp["computers"].get(key) is not None:
        route = _COMPUTED
    else:
        route = _INITIAL
    answer = _routes[key] = (route, _wp["physical"].get(key))
    return answer


def _missing(self, key):
    """ComputedStyle.__missing__, an undeclared property's value found directly."""
    route, logical = _routes.get(key) or _route(key)
    if route == _ORIGINAL or key in self.cascaded:
        return _replacements[0].original(self, key)
    if logical is not None:
        direction = self["direction"]
        twin = _twins.get((key, direction))
        if twin is None:
            twin = _twins[key, direction] = logical(block="ttb", inline=direction)
        if twin in self.cascaded:
            return _replacements[0].original(self, key)
    if route <= _CUSTOM:  # inherited or custom
        parent = self.parent_style
        if parent is not None:
            value = parent[key]
            if type(value) not in _PLAIN and _wp["check_math"](value):
                return _replacements[0].original(self, key)
            self[key] = value
            return value
        if route == _CUSTOM:
            value = self[key] = []
            return value
    value = _wp["initial"][key]
    if route == _COMPUTED:
        value = _wp["computers"][key](self, key, value)
    self[key] = value
    return value


def replacements() -> list[Replacement]:
    from weasyprint import css
    from weasyprint.css.computed_values import COMPUTER_FUNCTIONS, PHYSICAL_FUNCTIONS
    from weasyprint.css.functions import check_math
    from weasyprint.css.properties import INHERITED, INITIAL_NOT_COMPUTED, INITIAL_VALUES

    if not _replacements:
        _wp.update(physical=PHYSICAL_FUNCTIONS, inherited=INHERITED, initial=INITIAL_VALUES,
                   not_computed=INITIAL_NOT_COMPUTED, computers=COMPUTER_FUNCTIONS,
                   check_math=check_math)
        _replacements.append(Replacement(css.ComputedStyle, "__missing__", _missing))
    return _replacements
