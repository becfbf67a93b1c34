"""Search across a site's issues: Pagefind's index of the article pages, served statically.

Pagefind (pagefind.app) reads the built pages and writes an index split in small fragments
and the code that searches it in the browser (``pagefind/``): no server. Chinese has no
spaces between words, so the index is made with Pagefind's *extended* build, which
segments Chinese into words (the plain build silently indexes whole runs of characters);
it is the PyPI package ``pagefind-bin-extended``, pinned in pyproject.toml, and the only
place publisher runs it. Only article pages are indexed (their ``data-pagefind-body``), as
one language (``zh``, which selects the segmenter). The same pages give the same index,
byte for byte.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..errors import Problem, RenderError
from ..workers import temporary_folder
from . import urls

log = logging.getLogger(__name__)

# Seconds Pagefind may take to index: PAGEFIND_TIMEOUT, and PAGEFIND_TIMEOUT_PER_PAGE for each
# article page, since a paper's whole run of issues (``publisher site``) may hold a hundred
# thousand. Measured (2026-12-07, load 14 on 2 cores): 3,000 pages of 1,500 random Han
# characters each (the worst case for the segmenter) took 23.6 s of CPU, 8 ms a page, 103 s
# wall. Past the limit it is hung (or the machine starved), and a hung tool would hang the
# build: it is stopped and the build fails, nothing written.
PAGEFIND_TIMEOUT = 600.0
PAGEFIND_TIMEOUT_PER_PAGE = 0.1
GLOB = "[0-9][0-9][0-9][0-9]/*/*/*/*/index.html"  # the article pages (YYYY/MM/DD/NN/slug/), which carry the body mark
LANGUAGE = "zh"


def _binary() -> Path:
    try:
        from pagefind_bin_extended import get_executable
    except ImportError:
        raise RenderError(Problem(
            "Pagefind's extended build (PyPI pagefind-bin-extended) is not installed: the "
            "web edition's search index cannot be made", hint="install publisher with its "
            "dependencies (pip install publisher), or pip install pagefind-bin-extended",
            code="web-search")) from None
    return Path(get_executable())


def index_site(site: Path) -> dict[str, bytes]:
    """The search bundle for the pages under ``site``: path in the site -> bytes."""
    with temporary_folder("publisher-pagefind-") as tmp:
        out = Path(tmp) / "bundle"
        # Pagefind runs in the temporary folder: a relative site (``--out site``) is made
        # absolute, or Pagefind would look for it there and find no page
        command = [str(_binary()), "--site", str(site.resolve()), "--output-path", str(out), "--glob", GLOB,
                   "--force-language", LANGUAGE, "--silent"]
        limit = PAGEFIND_TIMEOUT + PAGEFIND_TIMEOUT_PER_PAGE * sum(1 for _ in site.glob(GLOB))
        try:
            done = subprocess.run(command, capture_output=True, text=True, cwd=tmp, timeout=limit)
        except subprocess.TimeoutExpired:  # the tool was killed (subprocess.run kills it)
            raise RenderError(Problem(
                f"Pagefind did not finish indexing the site's pages in {limit:g} s "
                "and was stopped", site, hint="run it again on a less loaded machine; if Pagefind "
                "hangs again, report it with the site folder", code="web-search")) from None
        if done.returncode != 0:
            raise RenderError(Problem(
                f"Pagefind could not index the site's pages (exit {done.returncode}): "
                f"{(done.stderr or done.stdout).strip()[-500:]}", site,
                hint="report this with the site folder", code="web-search"))
        files = {f"{urls.PAGEFIND}/{p.relative_to(out).as_posix()}": p.read_bytes()
                 for p in sorted(out.rglob("*")) if p.is_file()}
    log.info("search index: %d files", len(files))
    return files


def index_pages(pages: Mapping[str, bytes]) -> dict[str, bytes]:
    """The search bundle for pages held in memory (path in the site -> HTML)."""
    with temporary_folder("publisher-pages-") as tmp:
        root = Path(tmp)
        for path, data in pages.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return index_site(root)
