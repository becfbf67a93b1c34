"""The make-up's records pickled with the edition's own objects by name: the plan cache's
entries (``plancache``) and the later 版 made up in another process (``plan.make_up``).

The edition, its pages, articles and their body blocks are stored as references, bound to
the edition given when they are read back: what a plan carries of the copy is then that
edition's own objects. Only publisher's own record types (and paths, dates) are read back.
"""

from __future__ import annotations

import io
import pickle

from ..model import Edition

_TRUSTED = ("publisher.", "pathlib", "datetime")  # the modules a record's classes come from


def _references(edition: Edition) -> dict[int, tuple]:
    """id() of each of the edition's own objects -> the name it is stored under."""
    refs: dict[int, tuple] = {id(edition): ("edition",)}
    for i, page in enumerate(edition.pages):
        refs[id(page)] = ("page", i)
        for article in page.articles:
            refs[id(article)] = ("article", article.slug)
            for j, block in enumerate(article.body):
                refs[id(block)] = ("block", article.slug, j)
    return refs


def _objects(edition: Edition) -> dict[tuple, object]:
    out: dict[tuple, object] = {("edition",): edition}
    for i, page in enumerate(edition.pages):
        out[("page", i)] = page
        for article in page.articles:
            out[("article", article.slug)] = article
            for j, block in enumerate(article.body):
                out[("block", article.slug, j)] = block
    return out


class _Pickler(pickle.Pickler):
    """``refs``: the edition's ``_references``, when the caller made them already (a walk over
    every article's blocks: the plan cache writes an entry a 版, 64 walks at 64 版)."""

    def __init__(self, file, edition: Edition, refs: dict[int, tuple] | None = None):
        super().__init__(file, protocol=5)
        self.refs = refs if refs is not None else _references(edition)

    def persistent_id(self, obj):  # pickle's hook
        return self.refs.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, edition: Edition):
        super().__init__(file)
        self.objects = _objects(edition)

    def persistent_load(self, pid):  # pickle's hook
        return self.objects[tuple(pid)]  # KeyError: not this edition's; planned again

    def find_class(self, module: str, name: str):
        if not module.startswith(_TRUSTED):
            raise pickle.UnpicklingError(f"{module}.{name} is not a record of the make-up")
        return super().find_class(module, name)


def dumps(edition: Edition, value) -> bytes:
    """``value`` pickled with the edition's own objects (its pages, articles and blocks) by
    name, as an entry holds them: ``loads`` with the same edition gives them back as that
    edition's objects (the make-up's later 版, made in another process: ``plan.make_up``)."""
    buffer = io.BytesIO()
    _Pickler(buffer, edition).dump(value)
    return buffer.getvalue()


def loads(edition: Edition, data: bytes):
    """What ``dumps`` pickled, bound to ``edition``'s own objects."""
    return _Unpickler(io.BytesIO(data), edition).load()


