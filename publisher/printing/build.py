"""The print edition from the model: convert photos, measure, plan, render pages, join.

Pages are independent documents, so the two WeasyPrint phases (measuring galleys,
rendering pages) run in a pool of ``[tool.publisher.print] workers`` processes (fork: the
workers inherit the edition, settings and fonts; WeasyPrint is imported in each worker).
Planning (placing boxes, cutting jumped articles) runs in between, in order, because a
page's plan decides what a later page receives. The result is one PDF/X file for the
issue and one per 版, all from the same rendered pages.

With ``layout=True`` (the archive asks for it) each worker also records, while it writes
its page, where every line and glyph landed (``engine.Document.write(layout=True)``)
and returns that ``PageLayout`` with the page's PDF: the archive's ALTO needs no second
layout, and the page is laid out and written exactly once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..engine import Sandbox, lay_out, load
from ..errors import Problem, RenderError
from ..fonts import FontSet
from ..model import Edition
from .colour import convert_images
from .geometry import Geometry
from .grid import Item, Measure, PagePlan, items_for, line_mm, plan_page
from .measure import galleys_for, read_measures
from .pages import check_overflow, galley_html, grid_top, image_url, page_html
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

    @property
    def front_page(self) -> bytes:
        """The first 版 alone (the EPUB's cover when the build prints)."""
        return next(iter(self.pages.values()))


@dataclass(frozen=True)
class _Job:
    edition: Edition
    settings: Settings
    fonts: FontSet
    images: dict[Path, Path]
    scratch: Path
    layout: bool = False

    @property
    def root(self) -> Path:
        assert self.edition.root is not None  # an edition read from a folder
        return self.edition.root


_JOB: _Job | None = None  # set in the parent before the pool forks


def _job() -> _Job:
    assert _JOB is not None, "the print job is set before any page is measured or rendered"
    return _JOB


def _sandbox(job: _Job) -> Sandbox:
    roots = (job.root, job.settings.styles_dir, job.settings.fonts_dir,
             job.settings.output_profile)
    aliases = tuple((image_url(src, job.edition), cmyk) for src, cmyk in job.images.items())
    return Sandbox(tuple(Path(r) for r in roots), aliases)


def _stylesheets(job: _Job) -> list[Path]:
    return [job.settings.styles_dir / n for n in ("base.css", "typeset.css", "print.css")]


def _measure(number: int, items: list[Item]) -> dict[tuple[str, int, int], Measure]:
    t0 = time.perf_counter()
    job = _job()
    page = next(p for p in job.edition.pages if p.number == number)
    galleys = galleys_for(items, Geometry.for_page(job.settings.print, number))
    if not galleys:
        return {}
    html = galley_html(job.edition, job.settings, galleys, job.settings.output_profile, job.images)
    doc = lay_out(html, base_dir=job.root, stylesheets=_stylesheets(job),
                  fonts=job.fonts, sandbox=_sandbox(job), what=f"print galleys of page {page.number}")
    measures = read_measures(doc, galleys)
    log.info("page %d: galleys measured in %.2f s (process %d)", number, time.perf_counter() - t0,
             os.getpid())
    return measures


def _render(plan: PagePlan):
    """The page's PDF bytes, and with ``_JOB.layout`` its ``PageLayout`` (a pair)."""
    t0 = time.perf_counter()
    job = _job()
    what = f"print page {plan.page.number}"
    html = page_html(job.edition, job.settings, plan, job.settings.output_profile, job.images)
    doc = lay_out(html, base_dir=job.root, stylesheets=_stylesheets(job),
                  fonts=job.fonts, sandbox=_sandbox(job), what=what)
    check_overflow(doc, plan)
    t1 = time.perf_counter()
    # The engine draws crop marks and slug as marked artifacts the archive can cut out.
    rendered = doc.write(layout=job.layout, pdf_variant="pdf/x-4", uncompressed_pdf=False)
    # K-only overprint and the photos' source names, while still in the worker
    sources = {image_digest(cmyk.read_bytes()): src.relative_to(job.root).as_posix()
               for src, cmyk in job.images.items()}
    pdf = prepare(rendered.pdf, sources)
    data = (pdf, rendered.pages[0]) if job.layout else pdf
    log.info("page %d: laid out in %.2f s, written in %.2f s (process %d)", plan.page.number,
             t1 - t0, time.perf_counter() - t1, os.getpid())
    return data


class _Serial:
    """The pool's interface, in this process (workers = 1)."""

    def map(self, fn, *iterables):
        return map(fn, *iterables)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def build_print(edition: Edition, settings: Settings, fonts: FontSet,
                layout: bool = False, progress=None) -> PrintResult:
    """``progress(message)``: told as each 版 is measured and rendered (the CLI shows it)."""
    global _JOB
    step = progress or (lambda message: None)
    total = len(edition.pages)
    assert edition.root is not None
    ps = settings.print
    line = line_mm(ps.line_height)
    _check_jumps(edition)
    with tempfile.TemporaryDirectory(prefix="publisher-print-") as tmp:
        scratch = Path(tmp).resolve()
        images = convert_images(edition, settings.output_profile, scratch / "images")
        _JOB = _Job(edition, settings, fonts, images, scratch, layout)
        geometries = {p.number: Geometry.for_page(ps, p.number) for p in edition.pages}
        items = {p.number: items_for(p, geometries[p.number]) for p in edition.pages}
        workers = min(ps.workers, len(edition.pages))
        if workers > 1:
            # Load WeasyPrint (and fontconfig, with the pinned fonts) once, before the fork:
            # every worker inherits it instead of paying for the import and font setup.
            load(fonts)
        pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
                if workers > 1 else _Serial())
        try:
            with pool:
                numbers = [p.number for p in edition.pages]
                measures: dict = {}
                for k, m in enumerate(pool.map(_measure, numbers, [items[n] for n in numbers]), 1):
                    measures.update(m)
                    step(f"measured 版 {k} of {total}")
                problems: list[Problem] = []
                carried: dict[int, list[Item]] = {}
                plans = []
                for page in edition.pages:
                    out: list[tuple[int, Item]] = []
                    plan = plan_page(page, geometries[page.number],
                                     grid_top(geometries[page.number], page),
                                     items[page.number] + carried.pop(page.number, []),
                                     measures, line, problems, out)
                    for target, item in out:
                        carried.setdefault(target, []).append(item)
                    plans.append(plan)
                errors = [p for p in problems if p.is_error]
                if errors:
                    raise RenderError(problems)
                rendered = []
                for plan, data in zip(plans, pool.map(_render, plans), strict=True):
                    rendered.append(data)
                    step(f"rendered 版 {len(rendered)} of {total} "
                         f"({plan.page.display_label} {plan.page.name})")
        finally:
            _JOB = None
    layouts: tuple = ()
    if layout:
        layouts = tuple(lay for _, lay in rendered)
        rendered = [data for data, _ in rendered]
    meta = _meta(edition, settings)
    pages = [(data, geometries[p.number]) for data, p in zip(rendered, edition.pages, strict=True)]
    issue = finish(pages, meta)
    single = {}
    for (data, g), page in zip(pages, edition.pages, strict=True):
        m = Meta(f"{meta.key}/{page.file_label}", f"{meta.title} {page.display_label} {page.name}",
                 meta.author, meta.created, meta.pdfx, meta.condition)
        single[page.file_label] = finish([(data, g)], m)
    return PrintResult(issue, single, [p for p in problems if not p.is_error], layouts)


def _check_jumps(edition: Edition) -> None:
    numbers = {p.number for p in edition.pages}
    problems = []
    for page in edition.pages:
        for p in page.placements:
            if p.continued_on is None:
                continue
            if p.continued_on not in numbers or p.continued_on <= page.number:
                problems.append(Problem(
                    f"page {page.number}: article {p.slug!r} is continued on page {p.continued_on}, "
                    "which is not a later page of this issue",
                    edition.root / "edition.toml" if edition.root else None, None,
                    "continued_on must name a later page (下转 runs forward)", code="layout"))
    if problems:
        raise RenderError(problems)


def _meta(edition: Edition, settings: Settings) -> Meta:
    return Meta(f"{edition.id}/print", f"{edition.title} 印刷版", edition.paper.publisher,
                edition.issue.closing_time.isoformat(), settings.print.pdfx,
                settings.print.output_condition)
