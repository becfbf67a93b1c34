"""The reading edition: the whole issue as one PDF for screens, tagged, PDF/A-2a and PDF/UA-1.

Its markup is ``render.reading_html`` (one document, 版 by 版, bookmarks 版 → article), its
stylesheets A4's (``base``, ``typeset``, ``reading``) with the phone page's on top when the
house asks for ``[tool.publisher.reading] page_size = "phone"``, and it is rendered through
the engine with only the house's styles and fonts folders readable and the photos served
from the bytes that were checked (by URLs that do not name the edition's folder, so the PDF
is the same wherever the edition lies).
PDF/A-2a (an accessible
logical structure) that also declares PDF/UA-1 in its XMP: one file is both the accessible
reading PDF and an archival issue PDF. Its structure tree is written after the render, from
the engine's record of what each piece of content belongs to (``structure.tag``: one
``Sect`` per 版, one ``Art`` per article, whatever the page breaks); what is decoration
(folios, the contents page's leaders and page numbers) the styles mark as artifacts
(``--pdf-artifact``, see styles/reading.css). WeasyPrint's XMP (title, creator, description,
dates) is completed with what an archive reads (``xmp.issue_properties``) and the PDF/UA
claim. docs/reading.md says what is checked, and how.

With ``[tool.publisher.reading] by_page`` (default off) the contents page and each 版 are
rendered as documents of their own in worker processes and joined (``by_page``, below):
the same pages, folios, links, bookmarks and tree, the same bytes for any number of
workers.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, cast

import pikepdf

from .config import Settings
from .engine import Document, Rendered, Sandbox, Structure, alias_url, lay_out, load, render
from .errors import Problem, PublisherError, RenderError
from .fonts import FontSet
from .model import Edition
from .pdfjoin import Source, append, read_fonts, retarget_links, share
from .photos import for_page
from .render import reading_html
from .structure import tag
from .workers import GRACE, end, forking, started, stopped
from .xmp import complete, issue_properties

log = logging.getLogger(__name__)

STYLES = ("base.css", "typeset.css", "reading.css")
PHONE_STYLES = ("reading-phone.css",)  # the phone page, on top of A4's rules


def reading_styles(settings: Settings) -> list[Path]:
    """The reading PDF's stylesheets: A4, or A4's rules with the phone page on top."""
    names = STYLES + (PHONE_STYLES if settings.reading.page_size == "phone" else ())
    return [settings.styles_dir / name for name in names]


def image_url(source: Path, edition: Edition) -> str:
    """The URL a photo is fetched by: named after its place in the edition, not the folder the
    edition lies in, so that WeasyPrint's image names (hashes of the URL) are the same in
    every build."""
    assert edition.root is not None
    return alias_url("publisher-photo", source.relative_to(edition.root).as_posix())


def reading_pdf(edition: Edition, settings: Settings, fonts: FontSet) -> bytes:
    return reading_render(edition, settings, fonts).pdf


def reading_render(edition: Edition, settings: Settings, fonts: FontSet,
                   layout: bool = False) -> Rendered:
    """The reading PDF (with ``layout``: where every line of it sits): one render of the whole
    issue, or with ``[tool.publisher.reading] by_page`` 版 by 版, joined (``by_page``)."""
    if settings.reading.by_page:
        return by_page(edition, settings, fonts, layout)
    assert edition.root is not None

    def wide(pages: int, anchors: list[tuple[str, int]]) -> None:
        """Stop a render whose contents' numbers need four digits: it is made again so."""
        if _wide_folios(((name, index + 1) for name, index in anchors)):
            raise _Wide

    for wide_folios in (False, True):
        html = reading_html(edition, settings, image_src=lambda fig: image_url(fig.image.path, edition),
                            wide_folios=wide_folios)
        try:
            rendered = render(html, base_dir=edition.root, stylesheets=reading_styles(settings), fonts=fonts,
                              sandbox=_sandbox(edition, settings), what="reading PDF", layout=layout,
                              laid_out=None if wide_folios else wide, **_OPTIONS)
            break
        except _Wide:
            continue
    structure = rendered.structure
    assert structure is not None
    pdf = complete(rendered.pdf, issue_properties(edition), pdfua=1, edit=lambda pdf: tag(pdf, structure))
    return Rendered(pdf, rendered.pages, structure)


class _Wide(Exception):
    """The contents' page numbers need boxes for four digits (``WIDE_FROM``)."""


def _wide_folios(folios: Iterable[tuple[str, int]]) -> bool:
    """Whether an article's page number (id -> number) is ``WIDE_FROM`` or more."""
    return any(page >= WIDE_FROM for name, page in folios if name.startswith("a-"))


def _sandbox(edition: Edition, settings: Settings) -> Sandbox:
    return Sandbox((settings.styles_dir, settings.fonts_dir), _PagePhotos(edition))


class _PagePhotos(Mapping[str, bytes]):
    """The photos by URL as they were checked (Image.data): nothing of the edition is read
    again. A huge one is decoded no larger than the page needs (``photos.for_page``:
    WeasyPrint would embed it whole, and decode it whole to turn it upright), only when a
    render asks for it and once: rendered 版 by 版, a part asks for its own photos alone."""

    def __init__(self, edition: Edition) -> None:
        assert edition.root is not None
        self._images = {image_url(fig.image.path, edition): fig.image
                        for article in edition.articles for fig in article.figures if fig.image}
        self._made: dict[str, bytes] = {}

    def __getitem__(self, url: str) -> bytes:
        if url not in self._made:
            self._made[url] = for_page(self._images[url])
        return self._made[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._images)

    def __len__(self) -> int:
        return len(self._images)


# ---------------------------------------------------------------- 版 by 版, joined
#
# The contents page and each 版 are documents of their own, rendered in a pool of workers
# (``[tool.publisher.print] workers``, ``--workers``) and joined. What refers across them:
# - page numbers: a 版 alone would count from 1. Each part is laid out with its margin
#   boxes (the folios) left for later (``engine.lay_out(number_later=True)``,
#   engine/numbering.py) and kept; it is numbered, drawn and written once its first page
#   number is known (``Document.number``): after the contents and every earlier 版, as soon
#   as those are laid out. A worker does not wait for that number: it is sent the next
#   parts to lay out meanwhile (``_AHEAD`` at the start, more in a larger issue, while the
#   contents' length is still being laid out here; one ahead after that; the last ones all
#   at once, ``_HOLD`` held at most), and the number when it is known (``_serve``,
#   ``_Pool``). Each document is laid out once;
# - the contents page: laid out once, with placeholder numbers, in this process while the
#   workers lay out the first 版 (its length numbers them). Each article's page number
#   stands right-aligned in a box of a fixed width (styles/reading.css), so the real
#   numbers, read from the 版' layouts (the anchors WeasyPrint makes their named
#   destinations of), are written into that layout as soon as every 版 is laid out
#   (``engine.filling``), and it is drawn here while the last 版 are being drawn: the same
#   file as a layout with the numbers would give. Only a number wider than its box, or of
#   ``WIDE_FROM`` and more (boxes for four digits, as the one document then has), has it
#   laid out again with the numbers, by the first free worker; should that change its
#   length, the 版 are numbered again after the new one;
# - links: the contents links to the other documents by ``TARGET`` URIs, made links to the
#   joined named destinations after the join (``pdfjoin.retarget_links``); bookmarks and
#   destinations are merged in order (``pdfjoin.append``); the structure records joined
#   (``Structure.join``) and the tree written once (``structure.tag``);
# - shared resources: one font program per face, each distinct object once
#   (``pdfjoin.share``: the parts are rendered with placeholder programs,
#   engine/placeholder_fonts.py); one output intent and the XMP: the contents document's,
#   completed;
# - what a document costs on its own: the renders of a process share one font map
#   (``reuse_fonts``), and each render's garbage is collected before the next.
# The bytes depend on the edition and the settings, never on the number of workers.

TARGET = "publisher-part:"  # the URI a contents link names an id of another part by
PLACEHOLDER = 0  # the contents' page numbers while it is laid out: narrower than their box
WIDE_FROM = 1000  # an article's page number from which the contents' number boxes take four digits
FOLIO = "folio"  # the class of a contents entry's page number (its ::after box)
PART_STYLES = ("reading-part.css",)  # a 版 alone: a folio on its first page too
_ROUNDS = 4  # contents lengths tried before giving up (each round renders every 版)
_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/a-2a", "pdf_tags": True}  # WeasyPrint's, every part


_Laid = tuple[int, tuple[tuple[str, int], ...]]  # a laid-out part: its pages, its anchors


@dataclass(frozen=True)
class _Task:
    part: int | None  # the 版's index in the edition, None for the front page (contents)
    folios: tuple[tuple[str, int], ...] = ()  # the contents: article id -> its page number


@dataclass(frozen=True)
class _Result:
    rendered: Rendered
    page_count: int
    first_page: int  # the number its first page stands at
    anchors: tuple[tuple[str, int], ...]  # id -> index of the page its box starts on


@dataclass(frozen=True)
class _Job:
    edition: Edition
    settings: Settings
    fonts: FontSet
    layout: bool


_JOB: _Job | None = None  # set in the parent before the workers fork


def _lay_out_part(task: _Task) -> Document:
    """One part laid out, its folios not yet made: they wait for its first page number
    (``Document.number``)."""
    job = _JOB
    assert job is not None and job.edition.root is not None
    edition, settings, root = job.edition, job.settings, job.edition.root
    src = lambda fig: image_url(fig.image.path, edition)  # noqa: E731
    styles = reading_styles(settings)
    if task.part is None:  # the contents with its numbers, laid out with them
        html = reading_html(edition, settings, image_src=src, parts=(), target=lambda i: TARGET + i,
                            folios=dict(task.folios), wide_folios=_wide_folios(task.folios))
        what = "reading PDF: the contents"
    else:
        page = edition.pages[task.part]
        html = reading_html(edition, settings, image_src=src, front=False, parts=(page,))
        styles += [settings.styles_dir / name for name in PART_STYLES]
        what = f"reading PDF: {page.display_label}"
    start = time.perf_counter()
    document = lay_out(html, base_dir=root, stylesheets=styles, fonts=job.fonts,
                       sandbox=_sandbox(edition, settings), what=what, reuse_fonts=True,
                       number_later=True, **_OPTIONS)
    log.info("%s: laid out in %.2f s (process %d)", what, time.perf_counter() - start, os.getpid())
    return document


def _finish(document: Document, first: int) -> _Result:
    """A part laid out (``_lay_out_part``), its pages numbered from ``first``, drawn and
    written."""
    job = _JOB
    assert job is not None
    start = time.perf_counter()
    document.number(first)
    rendered = document.write(layout=job.layout, placeholder_fonts=True, **_OPTIONS)
    count, ids = document.page_count, tuple(document.anchors())
    # A render leaves its boxes, Pango layouts and font copies in reference cycles; with the
    # objects from before the renders frozen (``by_page``), collecting them takes tens of
    # ms, and a worker's memory stays that of one render (without it: 795 MB after the
    # 16-版 edition's renders in one process, 308 MB with it).
    del document
    gc.collect()
    log.info("reading PDF: pages from %d drawn and written in %.2f s (process %d)", first,
             time.perf_counter() - start, os.getpid())
    return _Result(rendered, count, first, ids)


def _run(task: _Task, ask: Callable[[int], int],
         laid: Callable[[_Laid], None] = lambda laid: None) -> _Result:
    """Render one part in this process: laid out, ``laid`` told its number of pages and
    anchors (id -> index of its page), ``ask(pages)`` gives the number its first page stands
    at, then it is numbered and drawn."""
    held = [_lay_out_part(task)]
    told = (held[0].page_count, tuple(held[0].anchors()))
    laid(told)
    return _finish(held.pop(), ask(told[0]))  # _finish holds the only reference: collected there


def _contents_laid_out() -> Document:
    """The contents laid out, not drawn, with every page number a placeholder in its box of
    a fixed width (styles/reading.css), in this process: its length, and the layout its
    numbers are written into (``_contents``)."""
    job = _JOB
    assert job is not None and job.edition.root is not None
    edition, settings = job.edition, job.settings
    html = reading_html(edition, settings, image_src=lambda fig: image_url(fig.image.path, edition),
                        parts=(), target=lambda i: TARGET + i,
                        folios={f"a-{a.slug}": PLACEHOLDER for a in edition.articles})
    return lay_out(html, base_dir=job.edition.root, stylesheets=reading_styles(settings), fonts=job.fonts,
                   sandbox=_sandbox(edition, settings), what="reading PDF: the contents",
                   reuse_fonts=True, **_OPTIONS)


def _contents(laid: Document, folios: tuple[tuple[str, int], ...]) -> _Result | None:
    """The contents laid out with placeholders, its page numbers written in and drawn; None
    if a number would not leave its line as it is, or needs the boxes for four digits (then
    it is laid out again with them)."""
    job = _JOB
    assert job is not None
    if _wide_folios(folios) or not laid.fill(FOLIO, "data-target",
                                             {f"#{name}": str(page) for name, page in folios}):
        log.info("reading PDF: the contents' page numbers do not fit their boxes: laid out again")
        return None
    rendered = laid.write(layout=job.layout, placeholder_fonts=True, **_OPTIONS)
    return _Result(rendered, laid.page_count, 1, tuple(laid.anchors()))


@dataclass(frozen=True)
class _Front:
    folios: tuple[tuple[str, int], ...]
    result: _Result


_Then = Callable[[list[tuple[int, tuple[tuple[str, int], ...]]]], "_Task | None"]


class _Serial:
    """The renders one after the other, in this process."""

    def run(self, tasks: list[_Task], before: Callable[[], int] = lambda: 0,
            then: _Then | None = None,
            came: Callable[[int, _Result], None] = lambda task, result: None) -> tuple[list[_Result], _Result | None]:
        results: list[_Result] = []
        pages_before = before()
        for task in tasks:
            first = 1 + pages_before + sum(r.page_count for r in results)

            def ask(pages: int, first: int = first) -> int:
                return first

            results.append(_run(task, ask))
            came(len(results) - 1, results[-1])
        front = then([(r.first_page, r.anchors) for r in results]) if then else None
        return results, (_run(front, lambda pages: 1) if front is not None else None)

    def stop(self) -> None:
        pass

    def close(self, abort: bool = False) -> None:
        pass


def _serve(conn) -> None:
    """A worker: lays out each part it is sent and keeps it (``("lay", index, task)``:
    answered with its number of pages and anchors), numbers, draws and writes a part it
    holds once sent its first page number (``("draw", index, first)``: answered with the
    result); None ends it. It never waits for a number while it has a part to lay out."""
    started()
    _roomy(conn)
    held: dict[int, Document] = {}
    while (message := conn.recv()) is not None:
        kind, index, value = message
        reply: tuple[str, int, Any]
        try:
            if kind == "lay":
                held[index] = _lay_out_part(value)
                reply = ("laid", index, (held[index].page_count, tuple(held[index].anchors())))
            else:
                reply = ("done", index, _finish(held.pop(index), value))
        except PublisherError as exc:  # its problems, which pickle: the parent raises it again
            reply = ("error", index, (type(exc), exc.problems))
        except BaseException as exc:
            reply = ("error", index, exc)
        try:
            conn.send(reply)
        except Exception:  # an exception that does not pickle
            conn.send(("error", index, RuntimeError(f"{type(reply[2]).__name__}: {reply[2]}")))


_AHEAD = 3  # parts a worker is sent to lay out at the start, while the contents is laid out here, at least
_AHEAD_SHARE = 8  # and one for every this many parts: the contents grows with the issue (see ``run``)
_HOLD = 4  # parts a worker holds laid out and not yet drawn, at most (each holds its boxes)
_SEND_BUFFER = 1 << 20  # bytes a worker's results may wait in its pipe while the parent is busy
_POLL = 30.0  # seconds between looks at whether every worker is alive while none answers


def _roomy(conn: Connection) -> None:
    """A worker's pipe made to hold several results (a 版's is about 130 KB; the socket's
    default about 200 KB): while the parent draws the contents, a worker that has drawn a
    part goes on with the next instead of waiting for the parent to read. Best effort."""
    with suppress(OSError), socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)


class _Pool:
    """Worker processes, started once (forked: they inherit the job and WeasyPrint), each
    sent parts to lay out in order and, as soon as every earlier part is laid out, a part's
    first page number to draw it with: a worker lays out the next part while the parts
    before its own are still being laid out (``_serve``)."""

    def __init__(self) -> None:
        self.conns: list[Connection] = []
        self.processes: list[BaseProcess] = []

    def start(self, workers: int) -> None:
        """Fork the workers; each is recorded as it starts (``workers.forking``: no signal
        between its fork and its record), so that ``close`` ends every one started, whatever
        stops this."""
        context = multiprocessing.get_context("fork")
        for _ in range(workers):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child,), daemon=True)
            with forking():
                process.start()
                self.processes.append(process)
                self.conns.append(parent)
            child.close()

    def run(self, tasks: list[_Task], before: Callable[[], int] = lambda: 0,
            then: _Then | None = None,
            came: Callable[[int, _Result], None] = lambda task, result: None) -> tuple[list[_Result], _Result | None]:
        """The results of ``tasks``, numbered from ``before() + 1``: ``before`` is called in
        this process once the first tasks are handed out (the workers lay them out
        meanwhile). ``then``: told each task's first page number and anchors as soon as every
        task is laid out (the last ones are still being drawn), it gives one more task, whose
        pages are numbered from 1 (the contents), or None; its result comes second. ``came``:
        told each of ``tasks``' results as it comes back (while the workers go on)."""
        parts = len(tasks)
        tasks = list(tasks)
        results: list[_Result | None] = [None] * parts
        laid: list[_Laid | None] = [None] * parts
        drawing = [False] * parts  # its first page number sent
        owner: dict[int, Connection] = {}  # task -> the worker that lays it out and draws it
        sent = dict.fromkeys(self.conns, 0)  # messages sent to a worker and not yet answered
        laying = dict.fromkeys(self.conns, 0)  # tasks sent to lay out, not yet laid out
        held = dict.fromkeys(self.conns, 0)  # tasks laid out there, their number not yet sent
        handed = 0
        pages_before: int | None = None

        def send(conn: Connection, message: tuple) -> None:
            try:
                conn.send(message)
            except OSError:  # EPIPE: the worker died
                raise stopped(self.processes, RuntimeError("a reading PDF worker died")) from None
            sent[conn] += 1

        def hand_out(depth: int, hold: int = _HOLD) -> None:
            """Each worker sent tasks to lay out until ``depth`` wait in its pipe (or ``hold``
            would be held): in order, one a worker a round, the least busy first."""
            nonlocal handed
            for round_ in range(1, depth + 1):
                for conn in sorted(self.conns, key=lambda c: sent[c]):
                    if handed < len(tasks) and laying[conn] < round_ and held[conn] + laying[conn] < hold:
                        owner[handed] = conn
                        send(conn, ("lay", handed, tasks[handed]))
                        laying[conn] += 1
                        handed += 1

        def number() -> None:
            """The first page number sent for every laid-out task whose earlier ones are."""
            if pages_before is None:
                return
            first = 1 + pages_before
            for task in range(parts):
                if laid[task] is None:
                    return
                if not drawing[task]:
                    drawing[task] = True
                    held[owner[task]] -= 1
                    send(owner[task], ("draw", task, first))
                first += cast(_Laid, laid[task])[0]

        # While ``before`` lays the contents out here, no part can be drawn and none handed
        # out: each worker is given more to lay out meanwhile in a larger issue, as the
        # contents' layout grows with it (its entries are the parts' articles): 0.7 s of CPU
        # at 16 版, about three parts' layouts; 2.2-2.7 s at 64 版, about ten, where three
        # left both workers idle over a second. Not quite that many: a part held laid out
        # costs about 3 MB, and each collection after a drawing (``_finish``) goes through
        # every part held, about 4 ms each (thirteen held at the start cost about 0.4 s of
        # CPU a worker at 64 版, eight about 0.13 s).
        ahead = max(_AHEAD, -(-parts // _AHEAD_SHARE))
        hand_out(ahead, hold=max(_HOLD, ahead))
        pages_before = before()
        number()
        # At the end as many held as at the start: the contents' numbers are written in and
        # it is drawn here once every part is laid out (about 0.014 s of CPU a part, 0.9 s
        # at 64 版), and each worker should still have that much to draw meanwhile (a part
        # about 0.13 s): with four held at 64 版 the workers drew their last four and the
        # fill went on alone for about 0.4 s, then the join.
        last = max(_HOLD, ahead)
        while any(r is None for r in results):
            # One part ahead a worker; the last ones all at once (``last`` a worker), laid
            # out before the parts held are drawn (their numbers are sent after them): every
            # part is laid out sooner, so the contents' numbers are written in and drawn here
            # while the workers still draw, not after them.
            end = len(tasks) - handed <= len(self.conns) * (last - 1)
            hand_out(last if end else 1, hold=last if end else _HOLD)
            busy = [conn for conn in self.conns if sent[conn]]
            if not busy:
                raise RuntimeError("reading PDF: no worker has anything to do, and parts are not done")
            ready_ones = wait(busy, _POLL)
            if not ready_ones and not all(p.is_alive() for p in self.processes):
                raise stopped(self.processes, RuntimeError("a reading PDF worker died"))
            for ready in ready_ones:
                conn = cast(Connection, ready)  # wait() gives back what it was given
                try:
                    kind, task, value = conn.recv()
                except (EOFError, OSError):  # ECONNRESET too: the worker died
                    raise stopped(self.processes, RuntimeError("a reading PDF worker died")) from None
                sent[conn] -= 1
                if kind == "laid":
                    laying[conn] -= 1
                    if task >= parts:  # the task ``then`` gave: numbered from 1
                        send(conn, ("draw", task, 1))
                        continue
                    laid[task] = value
                    held[conn] += 1
                    number()
                    if then is not None and all(ids is not None for ids in laid):
                        assert pages_before is not None
                        known = cast(list[_Laid], laid)
                        firsts = [1 + pages_before + sum(n for n, _ in known[:i]) for i in range(parts)]
                        extra = then([(first, ids) for first, (_, ids) in zip(firsts, known, strict=True)])
                        then = None
                        if extra is not None:
                            tasks.append(extra)
                            results.append(None)
                elif kind == "done":
                    results[task] = value
                    if task < parts:
                        came(task, value)
                elif isinstance(value, tuple):
                    cls, problems = value
                    raise cls(problems)
                else:
                    raise value
        done = cast(list[_Result], results)
        return done[:parts], (done[parts] if len(done) > parts else None)

    def stop(self) -> None:
        """Tell the workers, done, to end, without waiting for them (``close`` does)."""
        for conn in self.conns:
            with suppress(OSError):  # a worker that died
                conn.send(None)
        self.conns = []

    def close(self, abort: bool = False) -> None:
        """Stop the workers: when they are done, or at once (``abort``: after an error, some
        may still be laying out a part, or waiting for a message that will not come)."""
        if not abort:
            self.stop()
            for process in self.processes:
                process.join(GRACE)
        for process in self.processes:
            end(process)


def by_page(edition: Edition, settings: Settings, fonts: FontSet, layout: bool = False) -> Rendered:
    """The reading PDF rendered 版 by 版 in ``[tool.publisher.print] workers`` processes and
    joined (see above): the same bytes whatever the number of workers."""
    global _JOB
    parts = [_Task(i) for i in range(len(edition.pages))]
    workers = min(settings.print.processes, len(parts) + 1)
    pool: _Serial | _Pool = _Pool() if workers > 1 else _Serial()
    opened: dict[int, tuple[_Result, Source]] = {}  # a 版's result, and its PDF read for the join
    failed = True
    # Everything from here in the try: whatever stops it (an error, Ctrl-C, SIGTERM), the
    # collector is unfrozen and every worker started is ended.
    try:
        _JOB = _Job(edition, settings, fonts, layout)
        load(fonts)  # WeasyPrint and fontconfig set up once, before the fork
        gc.freeze()  # what exists now is never garbage: collections after each render skip it
        if isinstance(pool, _Pool):
            pool.start(workers)
        # The contents laid out here with placeholder numbers while the workers lay out the
        # first 版 (its length numbers them), its numbers written in and drawn here while the
        # last 版 are drawn; laid out again with the numbers only where one does not fit its
        # box, in a worker, and the 版 numbered again should that change its length.
        length: int | None = None
        last: _Front | None = None
        for _ in range(_ROUNDS):
            used: list[int] = []
            held: list[Document] = []
            filled: list[_Result] = []
            _close(opened)

            def before(length: int | None = length, used: list[int] = used,
                       held: list[Document] = held) -> int:
                if length is None:
                    held.append(_contents_laid_out())
                    length = held[-1].page_count
                used.append(length)
                return length

            def then(laid: list[tuple[int, tuple[tuple[str, int], ...]]], last: _Front | None = last,
                     held: list[Document] = held, filled: list[_Result] = filled) -> _Task | None:
                """The contents with the real numbers, written into its layout here, or else a
                task that lays it out with them; none if the last round's was rendered with
                these very numbers."""
                folios = _folios(laid)
                if last is not None and last.folios == folios:
                    return None
                if held and (front := _contents(held.pop(), folios)) is not None:
                    filled.append(front)
                    return None
                return _Task(None, folios)

            def came(task: int, result: _Result) -> None:
                """A 版's PDF opened and read for the join as it comes back (``pdfjoin.Source``):
                while the workers draw the rest, not after the last."""
                opened[task] = (result, Source.read(result.rendered.pdf))

            done, result = pool.run(parts, before=before, then=then, came=came)
            held.clear()
            if filled:
                result = filled[0]
            folios = _folios([(r.first_page, r.anchors) for r in done])
            if result is None:
                assert last is not None and last.folios == folios
                front = last.result  # rendered with these very numbers, and as long as assumed
                break
            if result.page_count == used[0]:
                front = result
                break
            length, last = result.page_count, _Front(folios, result)
        else:
            raise RenderError(Problem(
                "reading PDF: the contents page's length does not settle when rendered 版 by 版",
                hint="set [tool.publisher.reading] by_page = false to render it as one document",
                code="render"))
        pool.stop()  # the workers end while the parts are joined here, not before
        joined = _join(edition, fonts, front, done, opened)
        failed = False
    finally:
        _close(opened)
        pool.close(abort=failed)
        gc.unfreeze()
        _JOB = None
    return joined


def _folios(laid: list[tuple[int, tuple[tuple[str, int], ...]]]) -> tuple[tuple[str, int], ...]:
    """Each article's page number, from each 版's first page number and anchors."""
    return tuple((name, first + index) for first, ids in laid for name, index in ids
                 if name.startswith("a-"))


def _close(opened: dict[int, tuple[_Result, Source]]) -> None:
    for _, source in opened.values():
        source.close()
    opened.clear()


def _join(edition: Edition, fonts: FontSet, front: _Result, parts: list[_Result],
          opened: Mapping[int, tuple[_Result, Source]] | None = None) -> Rendered:
    """The parts joined after the front (the contents), each part's PDF read as it came back
    where ``opened`` has it (that very result), else here."""
    renders = [front, *parts]
    structures = [(r.rendered.structure, r.first_page - 1) for r in renders]
    structure = Structure.join((s, first) for s, first in structures if s is not None)
    pages = tuple(replace(p, index=p.index + r.first_page - 1) for r in renders for p in r.rendered.pages)
    opened = opened or {}
    with ExitStack() as stack:
        sources = []
        for i, r in enumerate(parts):
            if i in opened and opened[i][0] is r:
                sources.append(opened[i][1])
            else:
                source = Source.read(r.rendered.pdf)
                stack.callback(source.close)
                sources.append(source)

        def edit(pdf: pikepdf.Pdf) -> None:
            starts = append(pdf, sources)
            assert starts == [r.first_page - 1 for r in parts], "the parts stand where they were numbered"
            retarget_links(pdf, TARGET)
            kept = share(pdf, fonts, read_fonts(pdf, sources))
            if kept:  # the parts' placeholders must all be replaced (engine.placeholder_fonts)
                raise RenderError(Problem(f"reading PDF: the fonts {', '.join(kept)} of the 版 "
                                          "could not be embedded once for the issue", code="render",
                                          hint="set [tool.publisher.reading] by_page = false"))
            tag(pdf, structure)

        pdf = complete(front.rendered.pdf, issue_properties(edition), pdfua=1, edit=edit)
    return Rendered(pdf, pages, structure)
