"""The issue's make-up on disk, by everything it is planned from: a rebuild whose copy, pins,
house and code are unchanged takes its page plans from here instead of measuring and solving.

``make_up`` wraps the issue's planning (``plan.make_up``: every 版 measured and solved, the
rests of jumps carried across 版) whole, not a solver call, so what the planning does inside
may change without the cache knowing. Its key hashes all that planning reads:

- the edition's model as read and checked (every page, its articles, pins and editors, the
  photos' sizes and bytes) and the folder it lies in (the problems name its files);
- the house's settings (all but the print's ``workers`` and page ``cache``, which change no
  plan) and the measurements' style key (stylesheets, templates, the font manifest:
  ``measure.style_key``);
- the 版 asked for (``pages``), and the code (``cache.code_digest``: publisher's modules,
  its version, the pinned WeasyPrint).

An entry holds the plans and the problems, pickled with the edition's own objects (the
edition, its pages, articles and their body blocks) as references, which are bound to the
edition being built when the entry is read: what a plan carries of the copy is this
build's, and a plan read back equals a fresh solve's (tests/makeup/test_plancache.py). Only
publisher's own record types (and paths, dates) are read back. Where: ``plans/`` in the
make-up's cache folder (``cache.root``). Entries are written whole (a temporary file, then
a rename); one that cannot be read is planned again, and a cache that cannot be written is
skipped with a warning: the cache saves time, it never changes a plan. ``[tool.publisher
.makeup] cache = false`` turns it off with the measurement cache.

Beneath the issue's entry, each 版's plan is cached by what its own solve reads (``Pages``,
in ``plans/pages/``): when the issue's key misses (an article changed), the planning
measures as before but solves only the 版 whose inputs changed — the 版 of the changed
copy, and a later 版 only if the rests carried to it (or, under ``jumps = "later"``, the
room the rests took on the 版 after it) changed — and reads the others back
(tests/makeup/test_plancache.py: an edit without a jump solves its 版 alone; one that
makes a jump solves that 版 and the 版 the rest lands on).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..config import Settings
from ..fonts import FontSet
from ..model import Edition
from . import plan
from .cache import code_digest, root
from .measure import Measures, style_key
from .records import _Pickler, _references, _Unpickler
from .variants import Item

log = logging.getLogger(__name__)

FORMAT = 1  # raised when what an entry holds changes shape


def make_up(edition: Edition, settings: Settings, fonts: FontSet, *, workers: int = 1,
            pages: set[int] | None = None, progress=None, front=None, planned=None,
            meanwhile=None, aside: bool | Callable = False) -> plan.MakeUp:
    """``plan.make_up``, from the cache when nothing it reads changed (then nothing is
    measured or solved: ``measures`` is empty, and so are the solve times, and neither
    ``front`` nor ``planned`` is told: every plan is there at once)."""
    if not settings.makeup.cache:
        return plan.make_up(edition, settings, fonts, workers=workers, pages=pages, progress=progress,
                            front=front, planned=planned, meanwhile=meanwhile, aside=aside)
    name = key(edition, settings, fonts, pages)
    path = root() / "plans" / name[:2] / f"{name}.pickle"
    found = _read(path, edition)
    if found is not None:
        plans, problems = found
        if progress:
            progress(f"made up {len(plans)} 版 as before (from the cache: nothing they are "
                     "planned from changed)")
        return plan.MakeUp(plans, problems, Measures(), key=name)
    made = plan.make_up(edition, settings, fonts, workers=workers, pages=pages, progress=progress,
                        front=front, cache=Pages(edition, settings, fonts), planned=planned,
                        meanwhile=meanwhile, aside=aside)
    _write(path, edition, (made.plans, made.problems))
    made.key = name
    return made


def key(edition: Edition, settings: Settings, fonts: FontSet, pages: set[int] | None) -> str:
    # The model pickled whole: a field added to it is in the key without a word here. (A set
    # of strings in the model would pickle in a different order in each process, so the key
    # would miss, never wrongly hit: benchmarks/scale_bench.py's unchanged rebuild shows it.)
    h = hashlib.sha256(f"plans|{FORMAT}|{code_digest()}|{style_key(settings, fonts)}".encode())
    for part in (
        settings.model_dump_json(exclude={"print": {"workers", "cache"}}).encode(),
        repr(sorted(pages) if pages is not None else None).encode(),
    ):
        h.update(len(part).to_bytes(8, "big") + part)
    # streamed into the hash (a pickle ends itself): the photos' bytes are not copied
    pickle.Pickler(_Digest(h), protocol=5).dump((edition, str(edition.root)))
    return h.hexdigest()


class Pages:
    """The plans of single 版, each by what its solve reads (``plan._solve_pages``): a
    rebuild whose issue changed in one 版 solves that 版 again (and the later ones whose
    incoming rests changed), and reads the others back.

    A 版's key hashes what ``plan.plan_page`` reads for it, beside what every 版 shares (the
    code, the measurements' style key, the settings less the print's ``workers`` and
    ``cache``, the edition's folder, the numbers and 版名 of its pages, which say where a
    rest may go): the 版 itself as read (its articles with their copy and photos, its pins
    and editors) and its own items; the rests carried to it from the 版 before (each with
    its article and the line it starts at); and, where rests may go to any later 版
    (``jumps = "later"``), the room they weigh: the later 版 as read (their own copy is what
    the room is measured from) and the area the rests sent before took of it on each. An
    entry holds the plan, the rests the 版 sent on (where to), its problems and the area its
    rests took on each later 版, so that a 版 read back leaves the planning of the next one
    as its solve would."""

    def __init__(self, edition: Edition, settings: Settings, fonts: FontSet):
        self.edition = edition
        self.later = settings.makeup.jumps == "later"
        h = hashlib.sha256(f"page|{FORMAT}|{code_digest()}|{style_key(settings, fonts)}".encode())
        for part in (
            settings.model_dump_json(exclude={"print": {"workers", "cache"}}).encode(),
            str(edition.root).encode(),
            repr([(p.number, p.name) for p in edition.pages]).encode(),
        ):
            h.update(len(part).to_bytes(8, "big") + part)
        self.base = h.digest()
        self.own: dict[int, bytes] = {}
        self.refs: dict[int, tuple] | None = None  # the edition's objects by name, once (records)

    def _own(self, page, items: dict) -> bytes:
        if page.number not in self.own:
            h = hashlib.sha256()
            pickle.Pickler(_Digest(h), protocol=5).dump((page, items[page.number]))
            self.own[page.number] = h.digest()
        return self.own[page.number]

    def key(self, page, items: dict, brought: list, jumps) -> str:
        h = hashlib.sha256(self.base)
        h.update(self._own(page, items))
        if self.later:
            for other in self.edition.pages:
                if other.number > page.number:
                    h.update(self._own(other, items))
        sent = sorted((n, s) for n, s in jumps.sent.items() if n > page.number)
        pickle.Pickler(_Digest(h), protocol=5).dump((page.number, brought, sent))
        return h.hexdigest()

    def _path(self, name: str) -> Path:
        return root() / "plans" / "pages" / name[:2] / f"{name}.pickle"

    def get(self, name: str):
        """(plan, rests, problems, sent) of the 版 keyed ``name``, or None."""
        found = _read(self._path(name), self.edition, _page_entry)
        return found

    def put(self, name: str, value) -> None:
        if self.refs is None:
            self.refs = _references(self.edition)
        _write(self._path(name), self.edition, value, self.refs)


def _page_entry(value) -> bool:
    planned, rests, problems, sent = value
    return (isinstance(planned, plan.PagePlan) and isinstance(rests, list)
            and all(isinstance(t, int) and isinstance(r, Item) for t, r in rests)
            and isinstance(problems, list)
            and all(isinstance(n, int) and isinstance(a, int) for n, a in sent))


def _issue_entry(value) -> bool:
    plans, problems = value
    return (isinstance(plans, list) and isinstance(problems, list)
            and all(isinstance(p, plan.PagePlan) for p in plans))


class _Digest:
    """A file that hashes what is written to it."""

    def __init__(self, h):
        self.h = h

    def write(self, data) -> int:
        self.h.update(data)
        return len(data)


def _read(path: Path, edition: Edition, check=_issue_entry):
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        value = _Unpickler(io.BytesIO(data), edition).load()
        return value if check(value) else None
    except Exception:  # a damaged or older entry: planned again
        log.info("make-up cache entry %s unreadable; planning again", path, exc_info=True)
        return None


def _write(path: Path, edition: Edition, value, refs: dict[int, tuple] | None = None) -> None:
    buffer = io.BytesIO()
    _Pickler(buffer, edition, refs).dump(value)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(buffer.getvalue())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("make-up plans not cached in %s (%s); planning without it", path.parent, exc)
