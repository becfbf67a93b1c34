"""Real reading engines for the EPUB tests: foliate-js (the engine of the Foliate reader) and
epub.js in Debian's Chromium, driven by Playwright, and MuPDF's ``mutool`` (the engine of
SumatraPDF, zathura and Librera).

The browser is Debian's ``chromium`` (Playwright's ``executable_path``; its own browser
download is never used) with the flags a closed machine needs. foliate-js and epub.js come
from ``node_modules`` (package-lock.json pins them; ``make test-tools`` installs them). Pages
are served by Playwright's request routing from an origin no network knows
(``http://publisher.test``): nothing leaves the machine. foliate-js runs as its own reader
app (``reader.html``), with the stylesheet the Foliate reader applies to every book (it
justifies every ``p``, ``li`` and ``blockquote``), so the book meets what readers meet.

Under ``make test`` (``PUBLISHER_REQUIRE_TEST_TOOLS``) a missing tool fails the tests that
need it; elsewhere they are skipped, saying what to install.
"""

from __future__ import annotations

import io
import mimetypes
import os
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
ORIGIN = "http://publisher.test"
# Debian's chromium on a machine with no network but the package registries
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# What each tool is, for the message when it is missing
TOOLS = {
    "chromium": "Debian's chromium (apt-get install chromium; `make test-tools`)",
    "playwright": "Playwright for Python (pip install '.[test]')",
    "foliate-js": "foliate-js and epub.js from npm (`make test-tools`: npm ci)",
    "mutool": "MuPDF's mutool (apt-get install mupdf-tools; `make test-tools`)",
    "ebook-convert": "calibre (apt-get install calibre: about 950 MB, so `make test-tools` leaves it out)",
}
# Not installed by `make test-tools` (their size): their tests run where they are installed.
OPTIONAL = {"ebook-convert"}


def require(*tools: str) -> None:
    """Skip (or under ``make test``, fail) unless every tool named is installed."""
    missing = [t for t in tools if not _present(t)]
    if not missing:
        return
    what = "; ".join(TOOLS[t] for t in missing)
    if os.environ.get("PUBLISHER_REQUIRE_TEST_TOOLS") and not set(missing) <= OPTIONAL:
        pytest.fail(f"required here (PUBLISHER_REQUIRE_TEST_TOOLS) but not installed: {what}")
    pytest.skip(f"not installed: {what}")


def _present(tool: str) -> bool:
    if tool == "chromium":
        return shutil.which("chromium") is not None
    if tool == "playwright":
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return False
        return True
    if tool == "foliate-js":
        return all((NODE_MODULES / p).is_file() for p in
                   ("foliate-js/reader.html", "epubjs/dist/epub.min.js", "jszip/dist/jszip.min.js"))
    return shutil.which(tool) is not None


# ---------------------------------------------------------------- Chromium


# ms Playwright waits for a page to load, an element, a function (its default: 30 s): a bound
# for a hang, not a measure of Chromium's speed, which at load 24 on two cores is a fraction
# of what it is idle
BROWSER_TIMEOUT = 120_000


class Browser:
    """Debian's Chromium under Playwright, serving test files from ``ORIGIN``."""

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.chromium = self._playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                         args=CHROMIUM_FLAGS)

    def page(self, files: dict[str, bytes], width: int = 420, height: int = 800, scale: float = 1):
        """A new page in a fresh context whose ``ORIGIN`` serves ``files`` (path -> bytes, the
        path without the leading slash) and the npm packages under /node_modules/."""
        context = self.chromium.new_context(viewport={"width": width, "height": height},
                                            device_scale_factor=scale,
                                            bypass_csp=True)  # foliate's reader.html has a CSP

        def serve(route):
            path = route.request.url[len(ORIGIN) + 1:].split("?", 1)[0].split("#", 1)[0]
            data = files.get(path)
            if data is None and path.startswith("node_modules/"):
                file = (ROOT / path).resolve()
                if file.is_relative_to(NODE_MODULES.resolve()) and file.is_file():
                    data = file.read_bytes()
            if data is None:
                return route.fulfill(status=404, body=b"")
            kind = ("text/javascript" if path.endswith((".js", ".mjs")) else
                    "application/xhtml+xml" if path.endswith(".xhtml") else
                    mimetypes.guess_type(path)[0] or "application/octet-stream")
            return route.fulfill(body=data, content_type=kind)

        context.route(f"{ORIGIN}/**", serve)
        context.set_default_timeout(BROWSER_TIMEOUT)
        context.route(lambda url: not url.startswith(ORIGIN) and not url.startswith(("blob:", "data:")),
                      lambda route: route.abort())
        return context.new_page()

    def close(self) -> None:
        self.chromium.close()
        self._playwright.stop()


class Foliate:
    """One EPUB open in foliate-js's reader app."""

    def __init__(self, browser: Browser, epub: bytes, width: int = 420, height: int = 800):
        self.page = browser.page({"book.epub": epub}, width, height, scale=2)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(f"{ORIGIN}/node_modules/foliate-js/reader.html?url={ORIGIN}/book.epub")
        # reader.js opens the book, then turns to the first page of the reading order and
        # shows its progress slider when it gets there (its 'relocate' handler)
        self.page.wait_for_function(
            "document.querySelector('#progress-slider')?.style.visibility === 'visible'",
            timeout=BROWSER_TIMEOUT)
        self._cdp: Any = None  # a CDP session, made when first needed

    @property
    def page_list(self) -> list[dict]:
        """The print page list as foliate-js read it (label, href)."""
        return self.page.evaluate(
            "() => (reader.view.book.pageList ?? []).map(({label, href}) => ({label, href}))")

    def show(self, href: str) -> None:
        """Go to a document (its href from the package folder's parent, e.g. EPUB/text/p01.xhtml)
        and wait until its fonts and images are loaded."""
        # The paginator ignores a goTo while it is still turning a page (its private lock,
        # held a moment after each turn): ask again until the section is there (for up to two
        # minutes: a hundred tries were ten seconds, which a loaded machine's moment can pass).
        index = self.page.evaluate("""async href => {
            for (const until = performance.now() + 120000; performance.now() < until;) {
                const { index } = await reader.view.goTo(href)
                const shown = reader.view.renderer.getContents().find(c => c.index === index)
                if (shown?.doc?.readyState === 'complete') {
                    await shown.doc.fonts.ready
                    await Promise.all([...shown.doc.images].map(img => img.decode().catch(() => null)))
                    return index
                }
                await new Promise(resolve => setTimeout(resolve, 100))
            }
            return null }""", href)
        assert index is not None, f"foliate-js cannot go to {href}: {self.errors}"
        self._doc = f"reader.view.renderer.getContents().find(c => c.index === {index}).doc"

    def evaluate(self, function: str, arg=None):
        """Run ``function(doc, arg)`` on the document shown."""
        return self.page.evaluate(f"([arg]) => ({function})({self._doc}, arg)", [arg])

    def font_faces(self) -> list[dict]:
        """The document's @font-face faces (document.fonts): family, weight, status."""
        return self.evaluate("doc => [...doc.fonts].map(f => ({family: f.family.replace(/\"/g, ''), "
                             "weight: f.weight, status: f.status}))")

    def fonts_of(self, selector: str) -> list[dict]:
        """The fonts Chromium drew the text of the first element matching ``selector`` with
        (CDP CSS.getPlatformFontsForNode): familyName, postScriptName, isCustomFont (a web
        font, i.e. the book's embedded face), glyphCount."""
        cdp = self._session()
        found = cdp.send("Runtime.evaluate", {"expression": f"{self._doc}.querySelector({selector!r})"})
        object_id = found["result"].get("objectId")
        assert object_id, f"no element {selector!r} in the document shown"
        node = cdp.send("DOM.requestNode", {"objectId": object_id})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]

    def _session(self):
        if self._cdp is None:
            self._cdp = self.page.context.new_cdp_session(self.page)
            self._cdp.send("DOM.enable")
            self._cdp.send("CSS.enable")
        self._cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})
        return self._cdp

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))


# In the document: each element's text, line by line, against its content box: centred
# when the space left and right of every line differs by at most a pixel.
LINES_JS = """(doc, selector) => [...doc.querySelectorAll(selector)].map(el => {
    const cs = doc.defaultView.getComputedStyle(el), box = el.getBoundingClientRect()
    const left = box.left + parseFloat(cs.paddingLeft) + parseFloat(cs.borderLeftWidth)
    const right = box.right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth)
    const range = doc.createRange()
    range.selectNodeContents(el)
    const lines = new Map()
    for (const r of range.getClientRects()) {
        if (!r.width) continue
        const key = Math.round(r.top + r.height / 2)
        const line = [...lines.keys()].find(k => Math.abs(k - key) < r.height / 2)
        const [l, ri] = lines.get(line ?? key) ?? [Infinity, -Infinity]
        lines.set(line ?? key, [Math.min(l, r.left), Math.max(ri, r.right)])
    }
    return { cls: el.className, text: el.textContent.trim(), textAlign: cs.textAlign,
             lines: [...lines.values()].map(([l, r]) => ({ before: l - left, after: right - r })) }
})"""

# Each photo's drawn size against the image's own pixels.
PHOTOS_JS = """doc => [...doc.querySelectorAll('img')].map(img => {
    const r = img.getBoundingClientRect()
    return { src: img.getAttribute('src'), width: r.width, height: r.height,
             naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight }
})"""


def epubjs_page_list(browser: Browser, epub: bytes) -> list[dict]:
    """The print page list as epub.js reads it: [{href, page}], page a number (NaN -> None)."""
    page = browser.page({"book.epub": epub, "index.html": b"<!DOCTYPE html><title>epub.js</title>"})
    page.goto(f"{ORIGIN}/index.html")
    page.add_script_tag(url=f"{ORIGIN}/node_modules/jszip/dist/jszip.min.js")
    page.add_script_tag(url=f"{ORIGIN}/node_modules/epubjs/dist/epub.min.js")
    return page.evaluate("""async url => {
        const book = ePub(url, { openAs: 'epub' })
        await book.loaded.navigation  // the page list is read with the nav (loaded.pageList
                                      // resolves before that, empty)
        return (book.pageList?.pageList ?? []).map(  // its items: {href, page: parseInt(label)}
            ({ href, page }) => ({ href, page: Number.isNaN(page) ? null : page }))
    }""", f"{ORIGIN}/book.epub")


def calibre_round_trip(epub_file: Path, folder: Path) -> dict[str, bytes]:
    """The EPUB as calibre converts it for Kindle (``ebook-convert`` to AZW3), read back as
    an EPUB (the files of the AZW3, with the stylesheet calibre flattened the book's CSS
    into)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    azw3, back = folder / "book.azw3", folder / "back.epub"
    for src, dst in ((epub_file, azw3), (azw3, back)):
        subprocess.run(["ebook-convert", str(src), str(dst)], capture_output=True, check=True,
                       timeout=600, env=env)
    return unpacked(back.read_bytes())


def unpacked(epub: bytes) -> dict[str, bytes]:
    """The EPUB's files by name, to serve one of its documents alone."""
    with zipfile.ZipFile(io.BytesIO(epub)) as z:
        return {name: z.read(name) for name in z.namelist()}


# ---------------------------------------------------------------- MuPDF


@dataclass
class Char:
    c: str
    x0: float
    y0: float
    x1: float
    y1: float
    font: str
    color: str


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    chars: list[Char] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c.c for c in self.chars)


def mupdf_lines(epub_file: Path, width: float, height: float = 600, em: float = 11) -> list[list[Line]]:
    """The EPUB laid out by MuPDF on pages ``width`` x ``height`` pt with ``em`` pt type
    (``mutool draw -F stext``): each page's text lines, each character with its font and
    colour."""
    out = _mutool_draw("stext", epub_file, width, height, em)
    pages = []
    for p in etree.fromstring(out, etree.XMLParser(huge_tree=True)).iter("page"):
        lines = []
        for ln in p.iter("line"):
            x0, y0, x1, y1 = (float(v) for v in ln.get("bbox").split())
            line = Line(x0, y0, x1, y1)
            for font in ln.iter("font"):
                for ch in font.iter("char"):
                    q = [float(v) for v in ch.get("quad").split()]
                    line.chars.append(Char(ch.get("c"), q[0], q[1], q[6], q[7], font.get("name"),
                                           ch.get("color", "#000000")))
            lines.append(line)
        pages.append(lines)
    return pages


def mupdf_images(epub_file: Path, width: float, height: float = 600, em: float = 11) -> list[dict]:
    """Every image MuPDF drew (``mutool draw -F trace``): its size in pixels and the size it
    was drawn at, in pt."""
    out = _mutool_draw("trace", epub_file, width, height, em)
    images = []
    for el in etree.fromstring(out, etree.XMLParser(huge_tree=True)).iter("fill_image"):
        a, b, c, d, _, _ = (float(v) for v in el.get("transform").split())
        images.append({"pixels": (int(el.get("width")), int(el.get("height"))),
                       "drawn": (abs(a) + abs(c), abs(b) + abs(d))})
    return images


def _mutool_draw(fmt: str, epub_file: Path, width: float, height: float, em: float) -> bytes:
    return subprocess.run(["mutool", "draw", "-q", "-F", fmt, "-W", str(width), "-H", str(height),
                           "-S", str(em), "-o", "-", str(epub_file)],
                          capture_output=True, check=True, timeout=300).stdout


def mupdf_pdf_fonts(epub_file: Path, out: Path, width: float = 400, height: float = 600) -> dict[str, bytes]:
    """The EPUB converted to PDF by MuPDF (``mutool convert``): each font it drew with, by
    its PostScript name, with the font program MuPDF embedded (empty when it embedded none:
    a reading system's own font)."""
    import pikepdf

    subprocess.run(["mutool", "convert", "-W", str(width), "-H", str(height), "-o", str(out),
                    str(epub_file)], capture_output=True, check=True, timeout=300)
    fonts: dict[str, bytes] = {}
    with pikepdf.open(out) as pdf:
        for page in pdf.pages:
            for font in page.resources.get("/Font", {}).values():
                descriptor = (font.DescendantFonts[0] if "/DescendantFonts" in font else font).get(
                    "/FontDescriptor")
                program = b""
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if descriptor is not None and key in descriptor:
                        program = descriptor[key].read_bytes()
                fonts[str(font.BaseFont).lstrip("/")] = program
    return fonts
