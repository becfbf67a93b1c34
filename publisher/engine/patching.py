"""Replacing one attribute of WeasyPrint or pydyf, and putting it back exactly.

Every adaptation of the engine is a list of ``Replacement``s: a module global (a function
WeasyPrint calls by its module's name) or a class attribute, swapped for a wrapper that
calls ``original``. ``apply`` remembers what was there, including whether the attribute was
the owner's own or inherited (``pydyf.Stream.show_text`` is inherited by WeasyPrint's
``Stream``; a module's ``int`` is the builtin), so that once every replacement is reverted
the owner is as it was found: its ``vars()`` compare equal.

Several replacements of one attribute stack (two adaptations wrap
``draw.text.draw_first_line``): each wraps the one below it. Any of them can be reverted
on its own, in any order: one in the middle of the stack is taken out of it (the one above
it then calls the one below), and applied again it goes back to its place under that one,
so a test can switch one adaptation off and on again while the others stay as they were.
"""

from __future__ import annotations

from typing import Any

_ABSENT = object()

# (id of owner, name) -> the applied replacements of that attribute, bottom first
_stacks: dict[tuple[int, str], list[Replacement]] = {}


class Replacement:
    """``owner.name`` replaced by ``new`` while applied; ``original`` is what ``new`` wraps."""

    __slots__ = ("_above", "_own", "name", "new", "original", "owner")

    def __init__(self, owner: Any, name: str, new: Any):
        self.owner, self.name, self.new = owner, name, new
        self.original: Any = None
        self._own: Any = _ABSENT  # what to put back: the owner's own attribute, or _ABSENT
        # the replacement that wrapped this one when it was taken out of the middle of its stack
        self._above: Replacement | None = None

    def _stack(self) -> list[Replacement]:
        return _stacks.setdefault((id(self.owner), self.name), [])

    @property
    def applied(self) -> bool:
        return self in self._stack()

    def apply(self) -> None:
        stack = self._stack()
        if self in stack:
            return
        above, self._above = self._above, None
        if above is not None and above in stack:
            # taken out from under ``above``: put back there, not on top, so that a wrapper
            # applied after it (engine.numbering over patches.margin_boxes, which does not call
            # what it replaces) still wraps it
            self.original, self._own = above.original, above._own
            above.original, above._own = self.new, self.new
            stack.insert(stack.index(above), self)
            return
        self._own = vars(self.owner).get(self.name, _ABSENT)
        self.original = getattr(self.owner, self.name, None)
        setattr(self.owner, self.name, self.new)
        stack.append(self)

    def revert(self) -> None:
        stack = self._stack()
        if self not in stack:
            return
        index = stack.index(self)
        if index + 1 < len(stack):  # something wraps this one: it wraps what this one wrapped
            above = stack[index + 1]
            above.original, above._own = self.original, self._own
            self._above = above
        elif self._own is _ABSENT:
            delattr(self.owner, self.name)  # it was inherited (or a builtin): inherit it again
        else:
            setattr(self.owner, self.name, self._own)
        del stack[index]
        self._own = _ABSENT

    def __repr__(self) -> str:
        owner = getattr(self.owner, "__qualname__", None) or getattr(self.owner, "__name__", "?")
        return f"<Replacement {owner}.{self.name}>"


def apply_all(replacements: list[Replacement]) -> None:
    """Apply an adaptation's replacements, in order (idempotent)."""
    for replacement in replacements:
        replacement.apply()


def revert_all(replacements: list[Replacement]) -> None:
    """Revert an adaptation's replacements, the last applied first."""
    for replacement in reversed(replacements):
        replacement.revert()


def all_applied(replacements: list[Replacement]) -> bool:
    """Whether an adaptation is in place: it has replacements and every one is applied."""
    return bool(replacements) and all(r.applied for r in replacements)
