"""The print edition from the model: make up the pages, convert photos, render pages, join.

The make-up (``publisher.makeup``: measured variants, a solver, page plans) decides where
everything goes; this module renders its plans. Pages are independent documents, so they
are rendered in a pool of ``[tool.publisher.print] workers`` processes (fork: the workers
inherit the edition, settings and fonts; WeasyPrint is imported once before the fork), as
the make-up's galleys are measured. The result is one PDF/X file for the issue and one per
版, all from the same rendered pages.

With ``layout=True`` (the archive asks for it) each worker also records, while it writes its
page, where every line and glyph landed (``engine.Document.write(layout=True)``) and returns
that ``PageLayout`` with the page's PDF: the archive's ALTO needs no second layout, and the
page is laid out and written exactly once.

With a ``Derive`` (the web edition's 版 images and hot zones) the worker that rendered a page
also makes those files from its PDF (and from its layout, recorded for that alone when the
``Derive`` asks for it and the archive does not: it is then neither returned nor cached),
while the other workers render theirs; they are kept in the page cache beside the page, so
an unchanged 版 brings them back without a render.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .. import pagecache
from ..config import Settings
from ..engine import PageLayout, Sandbox, lay_out, load
from ..errors import Problem, RenderError, Severity
from ..fonts import FontSet
from ..makeup import Geometry, MakeUp, PagePlan, make_up
from ..model import Edition
from ..pagecache import PageCache
from .colour import convert_images
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
class Derive:
    """Files made from each rendered 版 by the worker that rendered it (the web edition's
    版 images and hot zones), kept in the page cache with the page. ``make``: (the page's PDF
    as rendered, its boxes final, before the issue is joined; with ``layout``, its
    ``PageLayout``, else None) -> files by name; it runs in the pool's forked workers, so it
    need not pickle (its files must). ``key``: what shapes the files besides the page (their
    settings, the versions of the libraries that make them). ``layout``: ``make`` needs the
    page's layout record; a 版 from the cache without its files and without a record is then
    rendered again."""

    key: str
    make: Callable[[bytes, PageLayout | None], dict[str, bytes]]
    layout: bool = False


@dataclass(frozen=True)
class _Job:
    edition: Edition
    settings: Settings
    fonts: FontSet
    images: dict[Path, bytes]  # each photo's path -> its CMYK JPEG, made from its checked bytes
    layout: bool = False  # return each page's layout record (and keep it in the cache)
    derive: Derive | None = None

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
    return [job.settings.styles_dir / n for n in ("base.css", "typeset.css", "print.css")]


def _render(work: tuple[PagePlan, str]) -> tuple[bytes, PageLayout | None, dict[str, bytes] | None]:
    """The page's PDF bytes, with ``_JOB.layout`` its ``PageLayout``, with ``_JOB.derive``
    the files made from it, from its plan and HTML."""
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
    sources = {image_digest(cmyk): src.relative_to(job.root).as_posix()
               for src, cmyk in job.images.items()}
    pdf = prepare(rendered.pdf, sources)
    t2 = time.perf_counter()
    layout = rendered.pages[0] if job.record else None
    derived = job.derive.make(pdf, layout) if job.derive else None
    # A render leaves its boxes, Pango layouts and font copies in reference cycles, which
    # the collector reached only every few 版: a worker grew by about 80 MB a 版 (743 MB
    # after 8 版 of the 16-版 edition). With what the parent held before the fork frozen
    # (``build_print``), collecting them here takes tens of ms and a worker holds one 版.
    # The record goes back to the parent (pickled) only when the caller asked for it.
    lines = layout if job.layout else None
    del doc, rendered, layout
    gc.collect()
    log.info("page %d: laid out in %.2f s, written in %.2f s%s (process %d)", plan.page.number,
             t1 - t0, t2 - t1, f", derived in {time.perf_counter() - t2:.2f} s" if job.derive else "",
             os.getpid())
    return pdf, lines, derived


def _derive(page: tuple[bytes, PageLayout | None]) -> dict[str, bytes]:
    """The derived files of a page that came from the cache without them: (its PDF, its
    layout record when the ``Derive`` needs one)."""
    derive = _job().derive
    assert derive is not None
    pdf, layout = page
    return derive.make(pdf, layout if derive.layout else None)


class _Serial:
    """The pool's interface, in this process (workers = 1)."""

    def map(self, fn, *iterables):
        return map(fn, *iterables)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


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
    told as each 版 is made up and rendered (the CLI shows it)."""
    global _JOB
    step = progress or (lambda message: None)
    assert edition.root is not None
    ps = settings.print
    workers = min(ps.processes, len(edition.pages))
    if makeup is None:
        makeup = make_up(edition, settings, fonts, workers=workers, pages=pages, progress=step)
    problems = makeup.problems
    if any(p.is_error for p in problems):
        raise RenderError(problems)
    total = len(makeup.plans)
    # the photos in CMYK, in memory, from the bytes the reader checked (nothing read again)
    areas = [plan.grid.geometry.type_area for plan in makeup.plans]
    images = convert_images(edition, settings.output_profile,
                            pages=tuple(plan.page for plan in makeup.plans),
                            room=(max(a.width for a in areas), max(a.height for a in areas)))
    _JOB = _Job(edition, settings, fonts, images, layout, derive)
    # Each 版 from the page cache when what it is rendered from is unchanged, else
    # rendered (incremental builds: publisher.pagecache).
    htmls = [page_html(edition, settings, plan, settings.output_profile, images)
             for plan in makeup.plans]
    store = PageCache() if settings.print.cache else None
    keys = [_cache_key(_JOB, html) if store else "" for html in htmls]
    found = [store.get(k, layout) if store else None for k in keys]
    # a cached page's derived files, by the page's key and what shapes them
    extra_keys = [pagecache.key(k, derive.key) if store and derive else "" for k in keys]
    extras = [store.get_files(x) if store and derive and hit else None
              for x, hit in zip(extra_keys, found, strict=True)]
    if store and derive and derive.layout and not layout:
        # a page whose derived files are not cached: its record too, where the archive left it
        found = [store.get(k, True) or hit if hit is not None and extra is None else hit
                 for k, hit, extra in zip(keys, found, extras, strict=True)]
    # rendered: what the cache does not have, and a page whose derived files are not
    # cached when they need its layout record and the cache has none (a print build filled it)
    render = [hit is None or (derive is not None and derive.layout and extra is None and hit[1] is None)
              for hit, extra in zip(found, extras, strict=True)]
    todo = [(plan, html) for plan, html, r in zip(makeup.plans, htmls, render, strict=True) if r]
    # pages from the cache whose derived files are not: made from the cached PDF (and record)
    underived = [hit for hit, extra, r in zip(found, extras, render, strict=True)
                 if derive and not r and extra is None]
    workers = min(workers, len(todo) + len(underived))  # a single 版 renders in this process
    if workers > 1:
        # Load WeasyPrint (and fontconfig, with the pinned fonts) once, before the fork:
        # every worker inherits it instead of paying for the import and font setup.
        load(fonts)
    # What exists now is never garbage: the collections after each 版 (``_render``) skip it.
    gc.freeze()
    pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
            if workers > 1 else _Serial())
    try:
        with pool:
            fresh = iter(pool.map(_render, todo))
            more = iter(pool.map(_derive, underived))
            done: list[tuple[bytes, PageLayout | None]] = []
            derived: list[dict[str, bytes]] = []
            for plan, name, extra_name, hit, extra, r in zip(makeup.plans, keys, extra_keys, found,
                                                             extras, render, strict=True):
                if r:
                    pdf, lines, extra = next(fresh)
                    if store:
                        store.put(name, pdf, lines)
                    hit = (pdf, lines)
                    how = "rendered"
                else:
                    how = "unchanged, from the cache:"
                    if derive and extra is None:
                        extra = next(more)
                    else:
                        extra_name = ""  # nothing new to keep
                if derive:
                    assert extra is not None  # made above, by a worker, or from the cache
                    if store and extra_name:
                        store.put_files(extra_name, extra)
                    derived.append(extra)
                done.append(hit)
                step(f"{how} 版 {len(done)} of {total} "
                     f"({plan.page.display_label} {plan.page.name})")
    finally:
        _JOB = None
        gc.unfreeze()
    rendered = [pdf for pdf, _ in done]
    layouts: tuple = tuple(lines for _, lines in done) if layout else ()
    meta = _meta(edition, settings)
    sheets = [(data, plan.grid.geometry) for data, plan in zip(rendered, makeup.plans, strict=True)]
    # The joined files too, each by what it is joined from (publisher.pagecache): the issue
    # by its pages' keys in order, its metadata and the pages' geometry; each 版 alone by
    # its page's key, its own metadata and geometry. A rebuild whose every 版 is unchanged
    # joins nothing again; one changed 版 joins the issue and its own file, and the other
    # 版's files are read back.
    parts: dict[str, tuple[list[tuple[bytes, Geometry]], Meta, FontSet | None]] = {
        "issue": (sheets, meta, fonts)}
    names = {"issue": pagecache.key("joined", *keys, repr(meta), *(repr(g) for _, g in sheets))
             if store else ""}
    for (data, g), page, name in zip(sheets, (plan.page for plan in makeup.plans), keys, strict=True):
        m = Meta(f"{meta.key}/{page.file_label}", f"{meta.title} {page.display_label} {page.name}",
                 meta.author, meta.created, meta.pdfx, meta.condition)
        parts[page.file_label] = ([(data, g)], m, None)
        names[page.file_label] = pagecache.key("alone", name, repr(m), repr(g)) if store else ""
    files: dict[str, bytes] = {}
    for label, (part, m, shared) in parts.items():
        kept = store.get_joined(names[label]) if store else None
        if kept is None:
            kept = finish(part, m, shared)
            if store:
                store.put_joined(names[label], kept)
        files[label] = kept
    issue = files["issue"]
    single = {label: data for label, data in files.items() if label != "issue"}
    warnings = [p for p in problems if not p.is_error]
    if settings.print.lunar_date and lunar_date_zh(edition.issue.date) is None:
        warnings.append(Problem(
            f"the masthead prints no lunar date: {edition.issue.date} is outside the lunar "
            f"calendar's tables ({LUNAR_FIRST} to {LUNAR_LAST})",
            edition.root / "edition.toml" if edition.root else None, None,
            "set [tool.publisher.print] lunar_date = false to say so in the house",
            severity=Severity.WARNING, code="lunar-date"))
    return PrintResult(issue, single, warnings, layouts, tuple(derived), tuple(makeup.plans))


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


def _meta(edition: Edition, settings: Settings) -> Meta:
    return Meta(f"{edition.id}/print", f"{edition.title} 印刷版", edition.paper.publisher,
                edition.issue.closing_time.isoformat(), settings.print.pdfx,
                settings.print.output_condition)
