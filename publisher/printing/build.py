"""The print edition from the model: make up the pages, convert photos, render pages, join.

The make-up (``publisher.makeup``: measured variants, a solver, page plans) decides where
everything goes; this module renders its plans. Pages are independent documents, so they
are rendered in a pool of ``[tool.publisher.print] workers`` processes (fork: the workers
inherit the edition, settings and fonts; WeasyPrint is imported once before the fork), as
the make-up's galleys are measured. The result is one PDF/X file for the issue and one per
版, all from the same rendered pages. A rebuild whose few changed galleys the make-up lays out
in a helper of their own (``measure``'s ``aside``, ``ahead.Helper``) renders its first 版 to
make in that helper, which has WeasyPrint loaded and its first layout done: no pool is forked
for one changed 版, and the build's process does not import WeasyPrint (``_Run.adopt``).

With ``layout=True`` (the archive asks for it) each worker also records, while it writes its
page, where every line and glyph landed (``engine.Document.write(layout=True)``) and returns
that ``PageLayout`` with the page's PDF: the archive's ALTO needs no second layout, and the
page is laid out and written exactly once.

With a ``Derive`` (the web edition's 版 images and hot zones) the worker that rendered a page
also makes those files from its PDF (and from its layout, recorded for that alone when the
``Derive`` asks for it and the archive does not: it is then neither returned nor cached),
while the other workers render theirs; they are kept in the page cache beside the page, so
an unchanged 版 brings them back without a render. It is given the page's photos too
(``Photo``: each CMYK copy the page embeds, by its digest, with the checked photo it was made
from): the web edition draws its 版 images with the photos' sRGB pictures in their place.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import pagecache
from ..ahead import Helper
from ..config import Settings
from ..engine import PageLayout, Sandbox, lay_out, load
from ..errors import Problem, RenderError, Severity
from ..fonts import FontSet
from ..makeup import Geometry, Grid, MakeUp, PagePlan, make_up
from ..model import Edition, Figure, Image
from ..pagecache import PageCache
from ..pdfjoin import Source
from ..workers import Pool, temporary_folder
from .colour import check_profile, convert_images
from .lunar import FIRST as LUNAR_FIRST, LAST as LUNAR_LAST, lunar_date_zh
from .pages import check_furniture, check_plan, image_url, page_html
from .pdfx import Meta, finish, image_digest, prepare

log = logging.getLogger(__name__)


@dataclass
class PrintResult:
    issue: bytes  # the whole issue
    pages: dict[str, bytes]  # file label (p01) -> that 版 alone
    warnings: list[Problem]
    # with ``layout``: per 版, in order, the text lines of its rendered page
    # (``engine.PageLayout``: pt from the trim's top left, the trim's size); else empty
    layouts: tuple = ()
    # with a ``Derive``: per 版, in order, the files it made from the page; else empty
    derived: tuple[dict[str, bytes], ...] = ()
    # the make-up's plan of each 版 rendered, in order (where the articles and their jumps went)
    plans: tuple[PagePlan, ...] = ()

    @property
    def front_page(self) -> bytes:
        """The first 版 alone (the EPUB's cover when the build prints)."""
        return next(iter(self.pages.values()))


@dataclass(frozen=True)
class Photo:
    """A photo as the print pages embed it: the checked photo, and its CMYK copy (the image
    XObject's bytes, WeasyPrint embeds them unchanged)."""

    image: Image
    cmyk: bytes


@dataclass(frozen=True)
class Derive:
    """Files made from each rendered 版 by the worker that rendered it (the web edition's
    版 images and hot zones), kept in the page cache with the page. ``make``: (the page's PDF
    as rendered, its boxes final, before the issue is joined; with ``layout``, its
    ``PageLayout``, else None; the edition's photos by ``pdfx.image_digest`` of their CMYK
    copies) -> files by name; it runs in the pool's forked workers, so it need not pickle
    (its files must). ``key``: what shapes the files besides the page and its photos (the
    page's key holds their CMYK copies, made from the checked photos): their settings, the
    versions of the libraries that make them. ``layout``: ``make`` needs the page's layout
    record; a 版 from the cache without its files and without a record is then rendered again."""

    key: str
    make: Callable[[bytes, PageLayout | None, dict[str, Photo]], dict[str, bytes]]
    layout: bool = False


@dataclass(frozen=True)
class _Job:
    edition: Edition
    settings: Settings
    fonts: FontSet
    images: dict[Path, bytes]  # each photo's path -> its CMYK JPEG, made from its checked bytes
    photos: dict[str, Photo]  # the same by image_digest of the CMYK JPEG, with the checked photo
    layout: bool = False  # return each page's layout record (and keep it in the cache)
    derive: Derive | None = None
    meta: Meta | None = None  # the issue's metadata (each 版's own file is finished in its worker)

    @property
    def record(self) -> bool:
        """Whether a page's layout is recorded while it is written: returned, or for ``derive``."""
        return self.layout or (self.derive is not None and self.derive.layout)

    @property
    def root(self) -> Path:
        assert self.edition.root is not None  # an edition read from a folder
        return self.edition.root


_JOB: _Job | None = None  # set in the parent before the pool forks


def _job() -> _Job:
    assert _JOB is not None, "the print job is set before any page is measured or rendered"
    return _JOB


def _sandbox(job: _Job) -> Sandbox:
    # nothing of the edition is read from disk: its photos are served from memory
    roots = (job.settings.styles_dir, job.settings.fonts_dir, job.settings.output_profile)
    served = {image_url(src, job.edition): cmyk for src, cmyk in job.images.items()}
    return Sandbox(tuple(Path(r) for r in roots), served)


def _stylesheets(job: _Job) -> list[Path]:
    return _sheets(job.settings)


def _sheets(settings: Settings) -> list[Path]:
    return [settings.styles_dir / n for n in ("base.css", "typeset.css", "print.css")]


def _render(work: tuple[PagePlan, str]) -> tuple[bytes, bytes, PageLayout | None, dict[str, bytes] | None]:
    """The page's PDF bytes and its single-版 file (finished), with ``_JOB.layout`` its
    ``PageLayout``, with ``_JOB.derive`` the files made from it, from its plan and HTML.

    The cyclic collector is paused while the 版 is made and runs once after it: its
    automatic collections in the render walked the 版's boxes and styles, alive until the
    render ends, again and again (113 collections a 16-版 run, about a third of the
    collector's CPU in the render), and the garbage they found is the collection's after
    the 版 anyway. It is switched back on however the render ends."""
    paused = gc.isenabled()
    gc.disable()
    try:
        result = _make(work)
    finally:
        if paused:
            gc.enable()
    # A render leaves its boxes, Pango layouts and font copies in reference cycles, which
    # the collector reached only every few 版: a worker grew by about 80 MB a 版 (743 MB
    # after 8 版 of the 16-版 edition). With what the process held before the first render
    # frozen, WeasyPrint loaded (``_Run.flush``), collecting them here takes a few ms and a
    # process holds one 版.
    t = time.perf_counter()
    gc.collect()
    log.info("page %d: collected in %.3f s (process %d)", work[0].page.number, time.perf_counter() - t,
              os.getpid())
    return result


def _make(work: tuple[PagePlan, str]) -> tuple[bytes, bytes, PageLayout | None, dict[str, bytes] | None]:
    """``_render``'s work, the collection apart."""
    t0 = time.perf_counter()
    job = _job()
    plan, html = work
    what = f"print page {plan.page.number}"
    doc = lay_out(html, base_dir=job.root, stylesheets=_stylesheets(job),
                  fonts=job.fonts, sandbox=_sandbox(job), what=what, reuse_fonts=True)
    check_plan(doc, plan)
    check_furniture(doc, plan, job.edition)
    t1 = time.perf_counter()
    # The engine draws crop marks and slug as marked artifacts the archive can cut out.
    rendered = doc.write(layout=job.record, pdf_variant="pdf/x-4", uncompressed_pdf=False)
    # K-only overprint and the photos' source names, while still in the worker
    sources = {digest: photo.image.path.relative_to(job.root).as_posix()
               for digest, photo in job.photos.items()}
    pdf = prepare(rendered.pdf, sources)
    t2 = time.perf_counter()
    layout = rendered.pages[0] if job.record else None
    derived = job.derive.make(pdf, layout, job.photos) if job.derive else None
    # the 版's own file, here rather than after the last render in the build's process
    assert job.meta is not None
    single = finish([(pdf, plan.grid.geometry)], _page_meta(job.meta, plan.page))
    # The record goes back to the parent (pickled) only when the caller asked for it.
    lines = layout if job.layout else None
    t3 = time.perf_counter()
    log.info("page %d: laid out in %.2f s, written in %.2f s%s (process %d)",
             plan.page.number, t1 - t0, t2 - t1,
             f", derived in {t3 - t2:.2f} s" if job.derive else "", os.getpid())
    return pdf, single, lines, derived


def _photos(pages, images: dict[Path, bytes]) -> dict[str, Photo]:
    """The photos of ``pages`` in CMYK (``images``: by their path) as a job holds them: by the
    digest of each CMYK copy, once, not once a page (``prepare`` names the photos by it)."""
    checked = {f.image.path: f.image for page in pages for a in page.articles
               for f in a.body if isinstance(f, Figure) and f.image}
    return {image_digest(cmyk): Photo(checked[src], cmyk) for src, cmyk in images.items()}


class _Helped:
    """A 版 handed to the make-up's galleys' helper (``_Run.adopt``): its result is the helper's."""


_HELPED = _Helped()


def _render_aside(images: dict[Path, bytes], layout: bool, meta: Meta, work: tuple[PagePlan, str]):
    """In the make-up's galleys' helper (``_Run.adopt``): ``_render`` of ``work``, with the
    job of the build it was forked from: its edition, settings and fonts inherited then, the
    photos in CMYK sent (made after the fork). No ``Derive``: that runs in forked workers."""
    global _JOB
    from ..makeup.measure import inherited

    edition, settings, fonts = inherited()
    _JOB = _Job(edition, settings, fonts, images, _photos(edition.pages, images), layout, None, meta)
    return _render(work)


def _derive(page: tuple[bytes, PageLayout | None]) -> dict[str, bytes]:
    """The derived files of a page that came from the cache without them: (its PDF, its
    layout record when the ``Derive`` needs one)."""
    job = _job()
    derive = job.derive
    assert derive is not None
    pdf, layout = page
    return derive.make(pdf, layout if derive.layout else None, job.photos)


def front_page(edition: Edition, settings: Settings, fonts: FontSet) -> bytes:
    """The front 版 as printed, alone: the same PDF as ``build_print(...).front_page``,
    made up and rendered by itself (the EPUB's cover when the build does not print). A
    ``RenderError`` when its copy does not fit."""
    return build_print(edition, settings, fonts, pages={1}).front_page


def build_print(edition: Edition, settings: Settings, fonts: FontSet,
                layout: bool = False, makeup: MakeUp | None = None,
                pages: set[int] | None = None, progress=None,
                derive: Derive | None = None) -> PrintResult:
    """The print pages of ``edition`` (``makeup``: its make-up, when the caller has it;
    ``pages``: only these 版, e.g. {1} for the front page alone: only the pages up to the
    last of them are measured and planned, only these rendered; ``derive``: files each
    worker makes from the pages it rendered, ``PrintResult.derived``). ``progress(message)``:
    told as each 版 is made up and rendered (the CLI shows it).

    With workers, the make-up and the renders overlap: each 版 is handed to a worker as soon
    as its plan is made (``make_up(planned=…)``), while the later 版 are still being solved.
    Each worker also finishes the single-版 file of the 版 it rendered; the issue is joined
    in this process from the pages' PDFs spooled to a temporary folder, not held in memory."""
    global _JOB
    step = progress or (lambda message: None)
    assert edition.root is not None
    ps = settings.print
    workers = min(ps.processes, len(edition.pages))
    store = PageCache() if ps.cache else None
    run = _Run(edition, settings, fonts, layout, derive, store, _meta(edition, settings))
    done = False
    try:
        if makeup is None:
            if workers > 1 and (pages is None or len(pages) > 1):
                planned = [p for p in edition.pages if pages is None or p.number in pages]
                run.prepare(planned, [Grid.for_page(ps, p.number) for p in planned], workers)
                makeup = make_up(edition, settings, fonts, workers=workers, pages=pages, progress=step,
                                 planned=run.add, meanwhile=run.meanwhile,
                                 aside=run.adopt if derive is None else True)
            else:
                makeup = make_up(edition, settings, fonts, workers=workers, pages=pages, progress=step)
        problems = makeup.problems
        if any(p.is_error for p in problems):
            raise RenderError(problems)
        if run.job is None and not run.plans:
            run.prepare([plan.page for plan in makeup.plans], [plan.grid for plan in makeup.plans], workers)
        run.recall(makeup)
        # the plans not handed over as they were made (all of them without workers, or from
        # the plan cache at once), in order after those that were
        handed = len(run.plans)
        assert all(a is b for a, b in zip(run.plans, makeup.plans, strict=False)), \
            "the plans handed out as they were made are the make-up's, in its order"
        for plan in makeup.plans[handed:]:
            run.add(plan, [])
        run.flush(last=True)
        files, derived, layouts = run.collect(step)
        run.remember()
        done = True
    finally:
        run.close(abort=not done)
    issue = files["issue"]
    labels = [plan.page.file_label for plan in makeup.plans]
    single = {label: files[label] for label in labels}
    warnings = [p for p in problems if not p.is_error]
    if settings.print.lunar_date and lunar_date_zh(edition.issue.date) is None:
        warnings.append(Problem(
            f"the masthead prints no lunar date: {edition.issue.date} is outside the lunar "
            f"calendar's tables ({LUNAR_FIRST} to {LUNAR_LAST})",
            edition.root / "edition.toml" if edition.root else None, None,
            "set [tool.publisher.print] lunar_date = false to say so in the house",
            severity=Severity.WARNING, code="lunar-date"))
    return PrintResult(issue, single, warnings, layouts, tuple(derived), tuple(makeup.plans))


@dataclass
class _Slot:
    """One 版 of a build: its plan, its page-cache entries and how its page is made."""

    plan: PagePlan
    key: str  # its page's cache key ("" without the cache)
    extra_key: str  # its derived files' cache key ("" without them)
    hit: tuple[bytes, PageLayout | None] | None  # its page (PDF, record) from the cache
    extra: dict[str, bytes] | None  # its derived files from the cache
    render: bool  # rendered (else from the cache)
    # (function, argument) until handed to the pool, then its Future; None: nothing to make
    work: Any = None

    @property
    def underived(self) -> bool:
        """From the cache, but not its derived files: made from the cached page."""
        return not self.render and self.extra is None and _job().derive is not None


class _Run:
    """The pages of one build: each 版 looked up in the page cache as its plan comes, and
    what is not there handed to a worker (or, with one worker, or a single 版 to make and
    none to come after it, made in this process at the end); then the results in order, the
    issue joined."""

    def __init__(self, edition: Edition, settings: Settings, fonts: FontSet, layout: bool,
                 derive: Derive | None, store: PageCache | None, meta: Meta):
        self.edition, self.settings, self.fonts = edition, settings, fonts
        self.layout, self.derive, self.store, self.meta = layout, derive, store, meta
        self.job: _Job | None = None
        self.workers = 1
        self.plans: list[PagePlan] = []  # the plans added, in order
        self.made: list[_Slot] = []
        self.pending: list[_Slot] = []  # to make, not yet handed out
        self.pool: Pool | None = None
        self.stopped = False  # an error was found: nothing more is handed out
        self.spool: tempfile.TemporaryDirectory | None = None
        self.frozen = False
        self.planned: tuple[list, list[Grid]] = ([], [])
        # The pages' keys as a build before found them, by what they were made from
        # (``recall``); None: each 版's key from its HTML
        self.keys_name = ""
        self.keys: list[str] | None = None
        self.converted = False  # the photos in CMYK (``job.images``, ``job.photos``)
        # the make-up's galleys' helper (``adopt``), and whether a 版 was handed to it
        self.helper: Helper | None = None
        self.helped = False

    def prepare(self, planned: list, grids: list[Grid], workers: int) -> None:
        """The 版 that will be added (their pages, their grids) and the most workers: before
        the first is added."""
        self.planned = (planned, grids)
        self.workers = workers

    def meanwhile(self) -> None:
        """While the make-up's galleys are laid out in its workers, where this process only
        waits: WeasyPrint loaded (``_freeze`` does it before the render workers are forked,
        whichever comes first). Not with a few galleys laid out in a helper of their own
        (``adopt``): the 版 to render then goes to that helper first, and this process loads
        WeasyPrint only if a second 版 is to be rendered (``flush``). It converts the photos
        to CMYK instead, which the 版 to render needs (the job the helper is sent): an
        article changed, so a 版 is most likely made, and the conversion is then off the
        rebuild's critical path (the same images as converted later; unused if no 版 is)."""
        if self.helper is None:
            load(self.fonts)
        elif self.job is None:
            self._start()

    def adopt(self, helper: Helper) -> None:
        """The make-up's helper that lays out the few galleys of a rebuild (``measure``'s
        ``aside``; from its fork on, this run ends it: ``close``). Once they are measured, the
        first 版 to render is handed to it (``flush``): WeasyPrint is loaded there and its
        first layout done, so the rebuild after one change renders its 版 at once, in no
        process forked for it, and this process never imports WeasyPrint."""
        self.helper = helper

    def _start(self) -> _Job:
        """The photos in CMYK, the job set: as the first 版 is added (with workers, while
        the make-up goes on in a process of its own)."""
        global _JOB
        self.job = _JOB = _Job(self.edition, self.settings, self.fonts, {}, {}, self.layout,
                               self.derive, self.meta)
        if self.keys is None or self.derive is not None:
            return self._convert()
        # Every 版's key known (``recall``): the photos are converted only if a 版 is to be
        # made (``_convert``), but their profile is checked as it is in every build.
        check_profile(self.settings.output_profile)
        return self.job

    def _convert(self) -> _Job:
        """The job with the photos in CMYK: before a 版's key is made from its HTML, or a 版
        is made (before the pool is forked: the workers inherit them)."""
        global _JOB
        assert self.job is not None
        if self.converted:
            return self.job
        planned, grids = self.planned
        # the photos in CMYK, in memory, from the bytes the reader checked (nothing read again)
        areas = [grid.geometry.type_area for grid in grids]
        images = convert_images(self.edition, self.settings.output_profile, pages=tuple(planned),
                                room=(max(a.width for a in areas), max(a.height for a in areas))
                                if areas else None)
        assert self.pool is None, "the photos are converted before the workers are forked"
        self.job = _JOB = replace(self.job, images=images, photos=_photos(planned, images))
        self.converted = True
        return self.job

    def recall(self, makeup: MakeUp) -> None:
        """After the make-up: the pages' keys as a build before made them from the same plans
        (the page cache's ``keys`` entry, by the plan cache's key and all else a page's key
        holds besides its HTML and photos: ``_keys_name``). When every plan comes now (from
        the plan cache) and the entry is there, no 版's HTML is rendered for its key and no
        photo converted unless a 版 is to be made (an unchanged rebuild renders no HTML)."""
        if self.store is None or not makeup.key:
            return
        self.keys_name = _keys_name(self.settings, makeup.key, self.layout or bool(self.derive and self.derive.layout))
        if self.plans or self.stopped:
            return  # handed out as they were planned: their keys were made from their HTML
        keys = self.store.get_keys(self.keys_name)
        if keys is not None and len(keys) == len(makeup.plans):
            self.keys = keys

    def remember(self) -> None:
        """The pages' keys kept for ``recall`` (after a build that made them from the HTML)."""
        if self.store is not None and self.keys_name and self.keys is None and not self.stopped:
            self.store.put_keys(self.keys_name, [slot.key for slot in self.made])

    def add(self, plan: PagePlan, problems: list[Problem]) -> None:
        """The next 版's plan (``make_up(planned=…)``): from the cache, or to be made."""
        self.plans.append(plan)
        if any(p.is_error for p in problems):
            self.stopped = True  # the build fails (RenderError): nothing more is rendered
        if self.stopped:
            return
        job = self.job or self._start()
        # Each 版 from the page cache when what it is rendered from is unchanged, else
        # rendered (incremental builds: publisher.pagecache).
        store, derive = self.store, self.derive
        html: str | None = None
        if self.keys is not None:  # known from its plan (``recall``)
            key = self.keys[len(self.plans) - 1]
        else:
            job = self._convert()
            html = page_html(self.edition, self.settings, plan, self.settings.output_profile, job.images)
            key = _cache_key(job, html) if store else ""
        hit = store.get(key, self.layout) if store else None
        # a cached page's derived files, by the page's key and what shapes them
        extra_key = pagecache.key(key, derive.key) if store and derive else ""
        extra = store.get_files(extra_key) if store and derive and hit else None
        if store and derive and derive.layout and not self.layout and hit is not None and extra is None:
            # a page whose derived files are not cached: its record too, where the archive left it
            hit = store.get(key, True) or hit
        # rendered: what the cache does not have, and a page whose derived files are not
        # cached when they need its layout record and the cache has none (a print build filled it)
        render = hit is None or (derive is not None and derive.layout and extra is None and hit[1] is None)
        slot = _Slot(plan, key, extra_key, hit, extra, render)
        self.made.append(slot)
        if render:
            if html is None:  # its key was known, its page is not in the cache
                job = self._convert()
                html = page_html(self.edition, self.settings, plan, self.settings.output_profile, job.images)
            slot.work = (_render, (plan, html))
        elif slot.underived:
            slot.work = (_derive, hit)
        if slot.work is not None:
            self.pending.append(slot)
            self.flush()

    def flush(self, last: bool = False) -> None:
        """Hand the pending 版 to the pool, started once there are two to make, or one while
        later 版 are still to come (it is made while they are planned and looked up: the
        rebuild after one change renders its 版 beside the rest of the build); a single 版
        to make, the last, is made in this process (``last``)."""
        if self.stopped:
            return
        if self.helper is not None and not self.helped and self.pending and self.pending[0].render:
            slot = self.pending.pop(0)  # to the galleys' helper (``adopt``), all else as before
            job = self.job
            assert job is not None and job.derive is None  # a helper only without a Derive
            self.helper.call(_render_aside, job.images, job.layout, job.meta, slot.work[1])
            slot.work = _HELPED
            self.helped = True
        if self.pool is None and self.workers > 1 and (len(self.pending) > 1 or (self.pending and not last
                                                                                 and self._to_come())):
            self._freeze()
            self.pool = Pool(max(1, self.workers - 1) if self.helped else self.workers)  # the helper is one
        if self.pool is not None:
            for slot in self.pending:
                fn, arg = slot.work
                slot.work = self.pool.submit(fn, arg)
            self.pending = []
        elif last and self.pending:
            self._freeze()

    def _to_come(self) -> bool:
        """Whether 版 are still to be added (of those ``prepare`` was told of)."""
        return len(self.plans) < len(self.planned[0])

    def _freeze(self) -> None:
        """WeasyPrint (and fontconfig, with the pinned fonts) loaded before the first render,
        and what exists then frozen: never garbage, the collections after each 版
        (``_render``) skip it. Before the fork, every worker inherits both instead of paying
        for the import and font setup; in one process, the collections skip WeasyPrint's own
        objects too."""
        if not self.frozen:
            load(self.fonts)
            self.frozen = True  # first: a signal between the two must still find it to undo
            gc.freeze()

    def collect(self, step) -> tuple[dict[str, bytes], list[dict[str, bytes]], tuple]:
        """The results in order (the cache filled), then the issue joined: (the files by
        label, the derived files by 版, the layout records by 版 with ``layout``).

        The pages at hand before any result (from the cache, nothing to make of them) are
        spooled, opened for the join and their fonts read (``pdfjoin.Source``), their own
        files read back, before the first result is waited for: the rebuild after one change
        does that for the 15 other 版 while the changed one renders, not after it. Each page
        that comes back from a worker is read so as it comes. The join is the same."""
        store, derive, total = self.store, self.derive, len(self.made)
        try:
            self.spool = temporary_folder("publisher-print-")
        except OSError as exc:
            raise _spool_error(exc, Path(tempfile.gettempdir())) from None
        folder = Path(self.spool.name)
        meta, fonts = self.meta, self.fonts
        # The joined files too, each by what it is joined from (publisher.pagecache): the issue
        # by its pages' keys in order, its metadata and the pages' geometry; each 版 alone by
        # its page's key, its own metadata and geometry (below). A rebuild whose every 版 is
        # unchanged joins nothing again; one changed 版 joins the issue, its own file made by
        # its worker, and the other 版's files are read back.
        joined = (pagecache.key("joined", *(slot.key for slot in self.made), repr(meta),
                                *(repr(slot.plan.grid.geometry) for slot in self.made)) if store else "")
        issue = store.get_joined(joined) if store else None
        # the pages read ahead for the issue's join while workers render (in this process
        # alone, the join opens them as before: none is held open beside a render here)
        joining = issue is None and total > 1 and (self.pool is not None or self.helped)
        sheets: list[tuple[Path, Geometry]] = []
        ahead: dict[int, Source] = {}  # by 版 (1-based): the page opened for the join
        kept: set[int] = set()  # the 版 (1-based) spooled, their own files too
        singles: dict[str, Path | None] = {}  # each 版's own file, as its worker finished it
        alones: dict[str, str] = {}  # each 版's own file's key in the page cache
        derived: list[dict[str, bytes]] = []
        lines_by_page: list = []

        def keep(n: int, slot: _Slot, pdf: bytes, single: bytes | None) -> None:
            """The page's PDF and its own file kept on disk until the issue is joined, not in
            memory beside the join (at 64 版: 80 and 77 MB); the page opened for the join."""
            plan = slot.plan
            kept.add(n)
            _spool(folder / f"{n:04d}.pdf", pdf)
            if joining:
                ahead[n] = Source.read(folder / f"{n:04d}.pdf")
            # the 版's own file: as its worker finished it (kept), else kept from a build before
            alone = (pagecache.key("alone", slot.key, repr(_page_meta(meta, plan.page)),
                                   repr(plan.grid.geometry)) if store else "")
            if single is not None and store:
                store.put_joined(alone, single)
            elif single is None and store:
                single = store.get_joined(alone)
            if single is not None:
                _spool(folder / f"{n:04d}.single.pdf", single)
            singles[plan.page.file_label] = folder / f"{n:04d}.single.pdf" if single is not None else None
            alones[plan.page.file_label] = alone

        try:
            if joining or any(isinstance(slot.work, Future) or slot.work is _HELPED for slot in self.made):
                # workers render meanwhile
                for n, slot in enumerate(self.made, 1):
                    if slot.work is None and slot.hit is not None:  # at hand: from the cache
                        keep(n, slot, slot.hit[0], None)
            for n, slot in enumerate(self.made, 1):
                plan, extra, extra_name = slot.plan, slot.extra, slot.extra_key
                work = slot.work
                result: Any = None
                if work is _HELPED:
                    assert self.helper is not None, "a 版 handed to the helper has it until the run is closed"
                    result = self.helper.result()
                elif work is not None and not isinstance(work, tuple):
                    assert self.pool is not None, "a 版 handed out has its pool until the run is closed"
                    result = self.pool.result(work)
                elif work is not None:
                    fn, arg = work
                    result = fn(arg)
                single = None
                if slot.render:
                    pdf, single, lines, extra = result
                    if store:
                        store.put(slot.key, pdf, lines)
                    how = "rendered"
                else:
                    assert slot.hit is not None
                    pdf, lines = slot.hit
                    how = "unchanged, from the cache:"
                    if derive and extra is None:
                        extra = result
                    else:
                        extra_name = ""  # nothing new to keep
                if derive:
                    assert extra is not None  # made above, by a worker, or from the cache
                    if store and extra_name:
                        store.put_files(extra_name, extra)
                    derived.append(extra)
                if n not in kept:  # not kept ahead
                    keep(n, slot, pdf, single)
                sheets.append((folder / f"{n:04d}.pdf", plan.grid.geometry))
                lines_by_page.append(lines)
                slot.hit = slot.work = None
                del pdf, single, result
                step(f"{how} 版 {n} of {total} ({plan.page.display_label} {plan.page.name})")
            if issue is None:
                parts = [(ahead.pop(n, path), g) for n, (path, g) in enumerate(sheets, 1)]
                issue = finish(parts, meta, fonts)  # closes the pages read ahead
                if store:
                    store.put_joined(joined, issue)
        finally:
            for source in ahead.values():  # not joined: the build stopped
                source.close()
        files = {"issue": issue}
        del issue
        _give_back()  # the join's memory, before the single-版 files are read back
        for (path, g), slot in zip(sheets, self.made, strict=True):
            label = slot.plan.page.file_label
            # finished by the worker that rendered it, or kept; else (a 版 from the cache
            # whose own file is not) here
            made = singles[label]
            if made is not None:
                files[label] = made.read_bytes()
            else:
                files[label] = finish([(path, g)], _page_meta(meta, slot.plan.page))
                if store:
                    store.put_joined(alones[label], files[label])
        layouts: tuple = tuple(lines_by_page) if self.layout else ()
        return files, derived, layouts

    def close(self, abort: bool = False) -> None:
        """The pool shut down (what was not started, cancelled; ``abort``: its workers ended
        at once, whatever they render: an error, Ctrl-C or SIGTERM stops the build), the spool
        removed, the job cleared."""
        global _JOB
        try:
            try:
                if self.pool is not None:
                    self.pool.close(abort)
            finally:
                if self.helper is not None:
                    self.helper.close()
        finally:
            self.pool = self.helper = None
            _JOB = None
            if self.frozen:
                gc.unfreeze()
            if self.spool is not None:
                self.spool.cleanup()
                self.spool = None


def _give_back() -> None:
    """The memory freed since, given back to the system (glibc's ``malloc_trim``; elsewhere
    nothing). The issue's join (pikepdf: at 64 版 about 220 MB) is freed once the issue is
    saved, but glibc keeps the pages: what is allocated next (the single-版 files, 77 MB)
    came on top of them, and the build's process peaked over 500 MB."""
    with contextlib.suppress(OSError, AttributeError):  # AttributeError: not glibc
        ctypes.CDLL(None).malloc_trim(0)


def _spool(path: Path, data: bytes) -> None:
    """``data`` kept in the build's temporary folder until the issue is joined."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise _spool_error(exc, path) from None


def _spool_error(exc: OSError, path: Path) -> RenderError:
    """A full disk (or a limit on file sizes) where the pages wait for the join: the build's
    error, named, not a crash."""
    return RenderError(Problem(f"cannot write the print pages' temporary file: {exc.strerror or exc}",
                               path, hint="free space in the temporary folder, or point TMPDIR at a "
                                          "folder with room", code="io"))


def _page_meta(meta: Meta, page) -> Meta:
    """The metadata of a 版's own file."""
    return Meta(f"{meta.key}/{page.file_label}", f"{meta.title} {page.display_label} {page.name}",
                meta.author, meta.created, meta.pdfx, meta.condition)


def _cache_key(job: _Job, html: str) -> str:
    """What a print page is rendered from (publisher.pagecache): its HTML, the stylesheets,
    the font manifest (each face's checksum), the output profile, the photos it shows (their
    CMYK bytes), the print and typography settings, and whether its layout is recorded (for
    the archive or the web edition: the same key, so that either finds the other's pages; an
    entry without the record, as the web edition alone leaves it, is rendered again for the
    archive)."""
    settings = job.settings
    photos = [cmyk for src, cmyk in sorted(job.images.items())
              if image_url(src, job.edition) in html]
    return pagecache.key(
        "print", html, *(p.read_bytes() for p in _stylesheets(job)), settings.font_manifest.read_bytes(),
        settings.output_profile.read_bytes(), *photos,
        settings.print.model_dump_json(exclude={"workers", "cache"}), settings.typography.model_dump_json(),
        "layout" if job.record else "")


def _keys_name(settings: Settings, plans: str, record: bool) -> str:
    """The page cache's entry of the pages' keys (``_Run.recall``): a page's key (``_cache_key``)
    hashes its HTML and photos besides what this hashes itself. The HTML is made from the
    plan, the edition as read and the settings, all in the plan cache's key ``plans``
    (``makeup.plancache.key``: the model with the photos' bytes, the folder, the settings
    but the print's ``workers`` and ``cache``, the 版 asked for, the code), and from the
    templates and the typeset pass (the code, in every page-cache key) through Jinja and
    MarkupSafe; which photos it shows follows from the HTML, their CMYK copies from their
    bytes, the output profile and the settings, through Pillow (littleCMS, libjpeg). So
    this hashes ``plans``, the rest of ``_cache_key``'s parts, and those libraries' versions."""
    from importlib.metadata import version

    from PIL import features

    libraries = "|".join([*(f"{name} {version(name)}" for name in ("jinja2", "markupsafe", "pillow")),
                          f"jpeg {features.version('jpg')}", f"lcms {features.version('littlecms2')}"])
    return pagecache.key(
        "keys", plans, libraries, *(p.read_bytes() for p in _sheets(settings)),
        settings.font_manifest.read_bytes(), settings.output_profile.read_bytes(),
        settings.print.model_dump_json(exclude={"workers", "cache"}), settings.typography.model_dump_json(),
        "layout" if record else "")


def _meta(edition: Edition, settings: Settings) -> Meta:
    return Meta(f"{edition.id}/print", f"{edition.title} 印刷版", edition.paper.publisher,
                edition.issue.closing_time.isoformat(), settings.print.pdfx,
                settings.print.output_condition)
