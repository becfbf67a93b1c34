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
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import tempfile
from pathlib import Path

from ..config import Settings
from ..fonts import FontSet
from ..model import Edition
from . import plan
from .cache import code_digest, root
from .measure import Measures, style_key
from .records import _Pickler, _Unpickler

log = logging.getLogger(__name__)

FORMAT = 1  # raised when what an entry holds changes shape


def make_up(edition: Edition, settings: Settings, fonts: FontSet, *, workers: int = 1,
            pages: set[int] | None = None, progress=None, front=None) -> plan.MakeUp:
    """``plan.make_up``, from the cache when nothing it reads changed (then nothing is
    measured or solved: ``measures`` is empty, and so are the solve times, and ``front`` is
    not told: every plan is there at once)."""
    if not settings.makeup.cache:
        return plan.make_up(edition, settings, fonts, workers=workers, pages=pages, progress=progress,
                            front=front)
    name = key(edition, settings, fonts, pages)
    path = root() / "plans" / name[:2] / f"{name}.pickle"
    found = _read(path, edition)
    if found is not None:
        plans, problems = found
        if progress:
            progress(f"made up {len(plans)} 版 as before (from the cache: nothing they are "
                     "planned from changed)")
        return plan.MakeUp(plans, problems, Measures())
    made = plan.make_up(edition, settings, fonts, workers=workers, pages=pages, progress=progress,
                        front=front)
    _write(path, edition, (made.plans, made.problems))
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


class _Digest:
    """A file that hashes what is written to it."""

    def __init__(self, h):
        self.h = h

    def write(self, data) -> int:
        self.h.update(data)
        return len(data)


def _read(path: Path, edition: Edition):
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        value = _Unpickler(io.BytesIO(data), edition).load()
        plans, problems = value
        if not (isinstance(plans, list) and isinstance(problems, list)
                and all(isinstance(p, plan.PagePlan) for p in plans)):
            return None
        return plans, problems
    except Exception:  # a damaged or older entry: planned again
        log.info("make-up cache entry %s unreadable; planning again", path, exc_info=True)
        return None


def _write(path: Path, edition: Edition, value) -> None:
    buffer = io.BytesIO()
    _Pickler(buffer, edition).dump(value)
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
