"""HTML to PDF through WeasyPrint, with the engine installed: render, lay out, write.

What this module adds around WeasyPrint:
- hermetic fonts: FONTCONFIG_FILE points at a configuration that sees only the pinned
  fonts folder, set before WeasyPrint (and so Pango and fontconfig) first load, and the
  engine's adaptations installed then (``publisher.engine.install``);
- the confined URL fetcher (``engine.fetcher``): only files inside the edition, styles and
  fonts folders are read, anything else stops the build;
- WeasyPrint's warnings (an image it could not load, a font it subset with fontTools, a
  CSS declaration it ignored) become build errors instead of log lines nobody reads, but
  those of CSS the house uses on purpose (``_IGNORED``);
- reproducible metadata: dates come from the document's dcterms meta, fixed by render.

``render`` lays a document out and writes it in one go (the reading PDF); ``lay_out`` gives a
``Document`` to read blocks from (``find``) before or instead of writing it (the print
galleys and pages). Either gives the text of each page (``records.PageLayout``) when asked
for ``layout``, recorded while the PDF is written: one layout, one write.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack, contextmanager, nullcontext, redirect_stdout
from pathlib import Path

from ..errors import Problem, RenderError
from ..fonts import FontSet
from ..signals import held
from . import filling, numbering, placeholder_fonts as placeholder_fonts_, tagging
from .fetcher import Sandbox, fetcher_class
from .layout import blocks, recording, text_pages
from .records import Block, Rendered

log = logging.getLogger(__name__)

_weasyprint = None


def load(fonts: FontSet):
    """WeasyPrint, imported with fontconfig limited to the pinned fonts and the engine
    installed (once per process: a process that forks workers calls it first, so that
    they inherit it)."""
    global _weasyprint
    conf = str(fonts.fontconfig_file())
    with _loading:
        if _weasyprint is None:
            os.environ["FONTCONFIG_FILE"] = conf
            _weasyprint = _imported_and_installed()
        elif os.environ.get("FONTCONFIG_FILE") != conf:
            raise RuntimeError("WeasyPrint was already loaded with another fonts folder in this process")
    return _weasyprint


_loading = threading.Lock()  # one load at a time (threads of a Dask worker)

# The C types a print page's first render asks cffi for by name (WeasyPrint's bindings of
# Pango, HarfBuzz and fontconfig: a cast, ``ffi.new``), each parsed by pycparser the first
# time in a process (about 0.04 s of CPU in all)
_FIRST_TYPES = ("PangoFcFontMap *", "char[]", "PangoRectangle *", "PangoLogAttr[]", "unsigned int *",
                "hb_tag_t[100]", "char[4]", "hb_codepoint_t[]")


def ahead(fonts: FontSet, output_profile: Path) -> None:
    """What a process's first print page would do itself, done in this one for a process
    forked after it to inherit (the EPUB's cover, forked once the front 版 is planned, whose
    render is the EPUB-only build's last work): WeasyPrint loaded, the types of ``_FIRST_TYPES``
    parsed, and the output profile compressed as pydyf compresses it (``compressed_once``).
    The same bytes: only work done earlier."""
    load(fonts)
    from weasyprint.text.ffi import ffi

    from .patches import compressed_once

    for name in _FIRST_TYPES:
        ffi.typeof(name)
    compressed_once.ahead(output_profile.read_bytes())


def _imported_and_installed():
    """WeasyPrint imported and the engine installed, or, if that did not finish (a signal
    handler that raised, any error), nothing of it left behind: the next ``load`` starts
    again from the start.

    An import stopped half way leaves the modules it finished in ``sys.modules`` and drops
    the package it was in: imported again, ``weasyprint`` would lack those submodules'
    attributes (``module 'weasyprint' has no attribute 'urls'``) and mix two copies of its
    modules (two cffi bindings of Pango, the engine's adaptations on the first). So every
    module the attempt added is dropped (but one still being imported by another thread).
    An install that did not finish is undone (``uninstall``); both run with signals held
    (``signals.held``), so only an error can stop them half way."""
    before = set(sys.modules)
    try:
        try:  # WeasyPrint prints its advice on a library it cannot load: kept for the retry
            with _libraries_looked_up_once(), redirect_stdout(io.StringIO()):
                import weasyprint as wp
        except OSError:  # a library the loader's cache does not know: looked for as ctypes does
            _drop_imported(before)
            import weasyprint as wp
    except BaseException:
        _drop_imported(before)
        raise
    from .adaptations import install, uninstall

    try:
        install()
    except BaseException:
        uninstall()
        raise
    return wp


def _drop_imported(before: set[str]) -> None:
    """Every module imported since ``before`` dropped (but one another thread is importing)."""
    with held():
        for name in [name for name in sys.modules if name not in before]:
            spec = getattr(sys.modules.get(name), "__spec__", None)
            if not getattr(spec, "_initializing", False):
                sys.modules.pop(name, None)


@contextmanager
def _libraries_looked_up_once():
    """While WeasyPrint is imported: ``ctypes.util.find_library`` answered from one reading of
    the dynamic loader's cache (``ldconfig -p``), as its own first step answers.

    WeasyPrint's import finds Pango, GObject, HarfBuzz and fontconfig through cffi by several
    names each (Windows' and macOS' too); cffi asks ``find_library`` for each, and on Linux
    that runs ``ldconfig -p`` every time and, for a name the cache does not hold, gcc and ld
    as well: 22 look-ups, 14 of them misses, each miss a compiler and a linker started (0.25 s
    of CPU in those processes, 0.8 s of wall at load 13; paid by every build before its first
    layout). A name the cache does not hold is taken as not there, as gcc and ld would find
    it only in a folder the cache leaves out; where the library search is moved
    (LD_LIBRARY_PATH, LIBRARY_PATH), off Linux, or without ldconfig, ``find_library`` is left
    as it is, and an import that fails for a library not found is done again with it
    (``_imported_and_installed``): the same libraries either way."""
    import ctypes.util

    cache = None
    if sys.platform.startswith("linux") and not (os.environ.get("LD_LIBRARY_PATH")
                                                 or os.environ.get("LIBRARY_PATH")):
        cache = _loader_cache()
    if cache is None:
        yield
        return
    abi, listing = cache
    original = ctypes.util.find_library

    def find_library(name: str) -> str | None:  # ctypes.util._findSoname_ldconfig's search
        found = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), listing)
        return os.fsdecode(found.group(1)) if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def _loader_cache() -> tuple[str, bytes] | None:
    """(the ABI's tag in ``ldconfig -p``, its output) as ``ctypes.util`` reads them, or None
    when ldconfig cannot be run."""
    import struct
    import subprocess

    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}.get(machine, "libc6")
    try:
        done = subprocess.run(["/sbin/ldconfig", "-p"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, env={"LC_ALL": "C", "LANG": "C"}, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode or not done.stdout:
        return None
    return abi, done.stdout


def render(html: str, *, base_dir: Path, stylesheets: list[Path], fonts: FontSet,
           sandbox: Sandbox, what: str, layout: bool = False,
           placeholder_fonts: bool = False, reuse_fonts: bool = False,
           laid_out: Callable[[int, list[tuple[str, int]]], None] | None = None,
           **options) -> Rendered:
    """Lay ``html`` (whose relative URLs resolve in ``base_dir``) out and write it once: the
    PDF bytes and, with ``layout``, each page's text lines (``Rendered.pages``).

    ``options`` go to WeasyPrint's render and write (``pdf_variant``, ``pdf_tags``…). With
    ``pdf_tags=True`` the PDF's content is marked but it has no structure tree yet:
    ``Rendered.structure`` says what each marked piece belongs to, and
    ``publisher.structure.tag`` writes the tree from it (``engine.tagging``).

    ``placeholder_fonts``: each face
    embedded as a placeholder, for a part whose fonts ``pdfjoin.share`` embeds after the
    join (``engine.placeholder_fonts``). ``reuse_fonts``: the process's one fontconfig and
    Pango font map, kept from render to render (many small documents, such as the 版 of a
    joined PDF, would each open and measure the CJK faces again), rather than one of the
    document's own. ``laid_out(pages, anchors)``: called once the document is laid out,
    before it is drawn, with its number of pages and each id a named destination will be
    made of, with the index of the page it stands on (the first page its id is on; sorted by
    id, as the PDF's name tree): a joined PDF's contents can be numbered while the last
    part is being drawn.
    """
    with _rendering(fonts, sandbox, what) as (wp, fetcher), \
            (placeholder_fonts_.placeholders() if placeholder_fonts else nullcontext()):
        source = wp.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher)
        css = [_stylesheet(wp, p, fetcher, None) for p in stylesheets]
        font_config = _font_config(wp) if reuse_fonts else None
        document = source.render(stylesheets=css, font_config=font_config, **options)
        if laid_out is not None:
            laid_out(len(document.pages), anchors(document))
        # Written once: each page's boxes dropped once it is drawn (engine.tagging). The
        # reading PDF of 64 版 peaked at 458 MB (406 MB laid out), now ~435 MB. A collection
        # of the layout's garbage here (boxes tried and dropped, in reference cycles) took
        # it to ~417 MB but cost 1.37 s of CPU (~4 %): not made (docs/performance.md).
        return _write(document, source.etree_element, layout, options, free=not layout)


def anchors(document) -> list[tuple[str, int]]:
    """The named destinations WeasyPrint will write for a laid-out ``document``: each anchor
    with the index of the first page it stands on, sorted by name (``pdf.anchors``'s
    ``resolve_links`` and the name tree ``generate_pdf`` writes)."""
    first: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            first.setdefault(name, index)
    return sorted(first.items())


_font_configs: dict[int, object] = {}  # process id -> its font configuration


def _font_config(wp):
    """This process's font configuration for ``render(reuse_fonts=True)`` (a forked worker
    makes its own: a Pango font map is not shared across processes)."""
    pid = os.getpid()
    if pid not in _font_configs:
        _font_configs.clear()
        _font_configs[pid] = wp.text.fonts.FontConfiguration()
    return _font_configs[pid]


# (process id, stylesheet's path, digest of its bytes) -> (its parsed CSS, the warnings its parse
# logged): see _stylesheet
_sheets: dict[tuple[int, str, bytes], tuple[object, tuple[str, ...]]] = {}


def _stylesheet(wp, path: Path, fetcher, profiles: dict | None):
    """The house stylesheet at ``path`` parsed, once a process for the same bytes.

    WeasyPrint parses a stylesheet and compiles each of its selectors for every document it
    is given to (3-4 % of a print 版's render); a parsed ``CSS`` holds no state of the
    document it was applied to (WeasyPrint shares its user-agent stylesheets across documents
    the same way), so a process rendering many 版 parses each house stylesheet once. Kept
    only when the parse fetched nothing (no ``@import``, ``@color-profile`` or ``@font-face``
    that a sandbox must allow for each render) and added no colour profile; the warnings the
    parse logged are logged again at each use, so that ``_confined`` finds them every time."""
    data = path.read_bytes()
    key = (os.getpid(), str(path), hashlib.blake2b(data, digest_size=16).digest())
    logger = logging.getLogger("weasyprint")
    if key in _sheets:
        css, messages = _sheets[key]
        for message in messages:
            logger.warning("%s", message)
        return css
    if len(_sheets) > 64 or any(k[0] != key[0] for k in _sheets):
        _sheets.clear()  # a forked worker's own; an edited house's stylesheets in a long process
    handler = _Collect()
    logger.addHandler(handler)
    fetches, known = fetcher.fetches, dict(profiles or {})
    try:
        css = wp.CSS(filename=str(path), url_fetcher=fetcher, color_profiles=profiles)
    finally:
        logger.removeHandler(handler)
    if fetcher.fetches == fetches and (profiles is None or profiles == known):
        _sheets[key] = css, tuple(handler.messages)
    return css


def lay_out(html: str, *, base_dir: Path, stylesheets: list[Path], fonts: FontSet,
            sandbox: Sandbox, what: str, reuse_fonts: bool = False, number_later: bool = False,
            **options) -> Document:
    """Lay ``html`` out without writing it: a ``Document`` to measure, then maybe write.

    Stylesheets share one colour-profile table with the document, so an
    ``@color-profile device-cmyk`` rule in them becomes the PDF's OutputIntent when the
    Document is written. ``reuse_fonts`` as ``render``'s. ``number_later``: the pages'
    margin boxes (folios) are made by ``Document.number``, once the number the document's
    first page stands at is known (a part of a joined PDF, ``engine.numbering``), and must
    be before it is written.
    """
    with _rendering(fonts, sandbox, what) as (wp, fetcher), \
            (numbering.later() if number_later else nullcontext()) as later:
        profiles: dict = {}
        source = wp.HTML(string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher)
        css = [_stylesheet(wp, p, fetcher, profiles) for p in stylesheets]
        font_config = _font_config(wp) if reuse_fonts else None
        document = source.render(stylesheets=css, color_profiles=profiles, font_config=font_config,
                                 **options)
    return Document(document, source.etree_element, fonts, sandbox, what, later)


class Document:
    """A laid-out document, its WeasyPrint objects kept inside the engine."""

    def __init__(self, document, root, fonts: FontSet, sandbox: Sandbox, what: str,
                 later: numbering.Later | None = None):
        self._document, self._root, self._later = document, root, later
        self._fonts, self._sandbox, self._what = fonts, sandbox, what
        self._found: dict[str, tuple[Block, ...]] = {}  # find's answers, until the write

    @property
    def page_count(self) -> int:
        return len(self._document.pages)

    def find(self, cls: str) -> tuple[Block, ...]:
        """The blocks of the elements with class ``cls``, on every page in document order
        (none below a match): where each landed, its lines and its block children, in mm.
        Asked again for the same class (the print checks ask for "box" twice), the same blocks."""
        if cls not in self._found:
            self._found[cls] = blocks(self._document, cls)
        return self._found[cls]

    def anchors(self) -> list[tuple[str, int]]:
        """The named destinations its PDF will have, each with its page (``anchors``)."""
        return anchors(self._document)

    def fill(self, cls: str, attribute: str, texts: Mapping[str, str]) -> bool:
        """Write ``texts`` (by the value of ``attribute``) into the fixed-width ``::after``
        boxes of the elements of class ``cls``, the layout left as it is; False, with nothing
        written, where that would not be the layout of those texts (``engine.filling``)."""
        self._found.clear()
        return filling.fill(self._document, cls, attribute, texts)

    def number(self, first: int) -> None:
        """Its pages numbered from ``first`` (laid out with ``number_later``): each page's
        margin boxes made (``engine.numbering``), where links, anchors and bookmarks of
        theirs are found as WeasyPrint finds them on the page."""
        if self._later is None:
            raise RuntimeError("a document is numbered after its layout only if laid out with number_later")
        from weasyprint.anchors import gather_anchors

        self._found.clear()
        with _rendering(self._fonts, self._sandbox, self._what):
            made = self._later.number(first)
        for page, margins in zip(self._document.pages, made, strict=True):
            for box in margins:
                gather_anchors(box, page.anchors, page.links, page.bookmarks, page.forms)

    def write(self, *, layout: bool = False, placeholder_fonts: bool = False, **options) -> Rendered:
        """The PDF bytes (``options`` go to WeasyPrint's write_pdf) and, with ``layout``, each
        page's text lines, recorded while it is written; ``placeholder_fonts`` as ``render``'s."""
        if self._later is not None and self._later.first is None:
            raise RuntimeError("a document laid out with number_later is numbered before it is written")
        self._found.clear()
        with _rendering(self._fonts, self._sandbox, self._what), \
                (placeholder_fonts_.placeholders() if placeholder_fonts else nullcontext()):
            return _write(self._document, self._root, layout, options)


def _write(document, root, layout: bool, options: dict, free: bool = False) -> Rendered:
    """Write a laid-out document: the PDF, its text lines with ``layout``, its structure with
    ``pdf_tags`` (``free``: a tagged document's page boxes dropped as each page is drawn; it
    cannot be written again)."""
    out = io.BytesIO()
    with ExitStack() as stack:
        glyphs = stack.enter_context(recording()) if layout else None
        tagged = stack.enter_context(tagging.recording(root, free)) if options.get("pdf_tags") else None
        document.write_pdf(out, **options)
        pages = text_pages(document, root, glyphs) if layout else ()
    return Rendered(out.getvalue(), pages, tagged.structure if tagged else None)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# WeasyPrint warnings that are harmless for us: CSS the house styles use on purpose for other
# renderers (reading systems) that WeasyPrint does not know.
_IGNORED = ("Ignored `text-emphasis", "Ignored `text-emphasis-position", "Ignored `text-underline-offset",
            "Ignored `hyphens", "Ignored `line-break", "Ignored `hanging-punctuation",
            "Ignored `text-spacing", "Ignored `font-variant-east-asian")


_depth = 0  # renders (lay-outs, writes) running in this process, one inside another


@contextmanager
def _rendering(fonts: FontSet, sandbox: Sandbox, what: str):
    """WeasyPrint with the confined fetcher; its warnings checked when the block ends.

    A render may be stopped anywhere: a signal handler that raises (the CLI's on SIGTERM,
    Ctrl-C, a timer), an error from a callback (``laid_out``), MemoryError.
    So a render that no other render is inside of starts from the adaptations' state as no
    render left it (``adaptations.reset``), and one that did not finish drops what this
    process keeps for the next renders (the font configuration, the parsed stylesheets):
    the next one builds them anew rather than trust what a render stopped half way may have
    been building."""
    global _depth
    wp = load(fonts)
    if _depth == 0:
        from .adaptations import reset

        reset()
    _depth += 1
    try:
        with _young_collections_every(GC_YOUNG_THRESHOLD), _confined(wp, sandbox, what) as rendering:
            try:
                yield rendering
            except BaseException:
                _forget()
                raise
    finally:
        _depth -= 1


def _forget() -> None:
    """What this process keeps across renders dropped (see ``_rendering``)."""
    _font_configs.clear()
    _sheets.clear()


# WeasyPrint allocates millions of small, mostly short-lived objects per render (boxes, style
# dicts, Pango handles): with Python's default of a young collection every 700 allocations,
# a fifth of a render was the garbage collector, mostly walking objects that were still in
# use. Every 10,000 the 16-page build is 7-11 % faster (benchmarks/typography_cost.py), with
# the same collections otherwise and no measurable change in peak memory.
GC_YOUNG_THRESHOLD = 10_000


@contextmanager
def _young_collections_every(allocations: int):
    threshold = gc.get_threshold()
    gc.set_threshold(allocations, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@contextmanager
def _confined(wp, sandbox: Sandbox, what: str):
    refused: list[str] = []
    fetcher = fetcher_class(wp)(sandbox, refused)
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # we re-log what matters below
    try:
        yield wp, fetcher
    except wp.urls.FatalURLFetchingError as exc:
        raise RenderError(Problem(f"{what}: refused to fetch {refused[-1] if refused else exc}",
                                  hint="only files inside the edition, styles/ and fonts/ are read",
                                  code="url-refused")) from None
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    # Every warning is an error: an image WeasyPrint could not load, a font it subset with
    # fontTools, a CSS declaration of the house it ignored (a typo in a stylesheet) would
    # each make a wrong output that nobody reads about in a log.
    problems = list(dict.fromkeys(m for m in handler.messages if not m.startswith(_IGNORED)))
    if problems:
        raise RenderError([Problem(f"{what}: WeasyPrint: {m[:300]}", code="render",
                                   hint="a house stylesheet WeasyPrint does not understand, or a "
                                        "file it cannot read: fix it in the house")
                           for m in problems])
