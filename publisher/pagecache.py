"""Rendered 版 on disk, by the content of what they were rendered from: incremental builds.

A 版 is rendered from its page's HTML (the make-up's plan of it with the articles' copy, the
page furniture and the issue's date), the house's stylesheets, the pinned fonts, the output
profile, the photos it shows, and the code that renders it. ``key`` hashes all of them (the
photos by their bytes, the code by the bytes of publisher's own modules and the pinned
WeasyPrint version), so an entry is found again exactly when rendering would give the same
bytes: an unchanged 版 is neither laid out nor rendered again, and the issue joined from
cached and fresh 版 is byte for byte the clean build's (tests/print/test_incremental.py).

Where: ``pages/`` in the make-up's cache folder (``$PUBLISHER_CACHE``, else
``$XDG_CACHE_HOME/publisher/makeup``: ``publisher.makeup.cache.root``). An entry is the
page's PDF (``KEY.pdf``) and, once the archive asked for it, where its text lines landed
(``KEY.layout.json``: ``engine.PageLayout`` as JSON); files made from a page by the worker
that rendered it (the web edition's 版 images: ``printing.build.Derive``) are one more
entry, a stored zip (``KEY.zip``, its own key). The files joined from a build's pages are
kept too (``KEY.joined.pdf``), each by its own key: the issue by its pages' keys in order, its
metadata and the pages' geometry; each 版 alone by its page's key, its metadata and
geometry. So a rebuild whose every 版 is unchanged joins nothing again, and one with a
changed 版 joins the issue and that 版's own file, not the others'. The pages' keys of a
build are kept too (``KEY.keys.json``, a list of names), by the plan cache's key of the
issue's planning and what else a page's key holds besides its HTML and photos
(``printing.build._keys_name``): a rebuild whose plans all come from the plan cache finds its
pages' keys there, and renders no page's HTML and converts no photo to find them. Entries are written
whole (a temporary file, then a rename); one that cannot be read is rendered again, and a
cache that cannot be written is skipped with a warning: the cache only saves time, it never
changes an output.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tempfile
import zipfile
from dataclasses import fields
from pathlib import Path

from .engine import Glyph, PageLayout, Picture, TextLine, TextRun
from .makeup.cache import code_digest, root

log = logging.getLogger(__name__)

# Raised when what an entry holds changes shape.
FORMAT = 1

_NAME = re.compile(r"[0-9a-f]{64}")  # an entry's name (``key``)


def key(*parts: str | bytes) -> str:
    """The entry's name: a hash of the code (an edited checkout, whose version number does not
    move, never reads an older build's pages) and of every part (in order, length-prefixed)."""
    h = hashlib.sha256(f"{FORMAT}|{code_digest()}".encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


class PageCache:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or root() / "pages"
        self.writable = True

    def _path(self, name: str, suffix: str) -> Path:
        return self.folder / name[:2] / f"{name}{suffix}"

    def get(self, name: str, layout: bool) -> tuple[bytes, PageLayout | None] | None:
        """The page's PDF (and, with ``layout``, its text lines), or None: render it."""
        try:
            pdf = self._path(name, ".pdf").read_bytes()
            lines = None
            if layout:
                lines = _layout(json.loads(self._path(name, ".layout.json").read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return pdf, lines

    def put(self, name: str, pdf: bytes, layout: PageLayout | None) -> None:
        if not self.writable:
            return
        try:
            self._write(self._path(name, ".pdf"), pdf)
            if layout is not None:
                self._write(self._path(name, ".layout.json"), _encode(layout).encode("utf-8"))
        except OSError as exc:
            self.writable = False
            log.warning("page cache %s not written (%s); rendering without it", self.folder, exc)

    def get_files(self, name: str) -> dict[str, bytes] | None:
        """Files kept together (``put_files``), by name, or None: make them."""
        try:
            with zipfile.ZipFile(self._path(name, ".zip")) as z:
                return {info.filename: z.read(info) for info in z.infolist()}
        except (OSError, zipfile.BadZipFile, KeyError, ValueError):
            return None

    def put_files(self, name: str, files: dict[str, bytes]) -> None:
        if not self.writable:
            return
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:  # images: compressed already
            for file, data in sorted(files.items()):
                z.writestr(zipfile.ZipInfo(file, (1980, 1, 1, 0, 0, 0)), data)
        try:
            self._write(self._path(name, ".zip"), buf.getvalue())
        except OSError as exc:
            self.writable = False
            log.warning("page cache %s not written (%s); rendering without it", self.folder, exc)

    def get_joined(self, name: str) -> bytes | None:
        """A file joined from pages (the issue, or a 版 alone), or None: join it."""
        try:
            return self._path(name, ".joined.pdf").read_bytes()
        except OSError:
            return None

    def put_joined(self, name: str, data: bytes) -> None:
        if not self.writable:
            return
        try:
            self._write(self._path(name, ".joined.pdf"), data)
        except OSError as exc:
            self.writable = False
            log.warning("page cache %s not written (%s); rendering without it", self.folder, exc)

    def get_keys(self, name: str) -> list[str] | None:
        """The pages' keys kept by ``put_keys`` (a list of entry names), or None."""
        try:
            keys = json.loads(self._path(name, ".keys.json").read_bytes())
        except (OSError, ValueError):
            return None
        if not isinstance(keys, list) or not all(isinstance(k, str) and _NAME.fullmatch(k) for k in keys):
            return None
        return keys

    def put_keys(self, name: str, keys: list[str]) -> None:
        if not self.writable:
            return
        try:
            self._write(self._path(name, ".keys.json"), json.dumps(keys).encode("ascii"))
        except OSError as exc:
            self.writable = False
            log.warning("page cache %s not written (%s); rendering without it", self.folder, exc)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


# The fields of each record, in order: an entry is written and read by these alone.
_RUN = tuple(f.name for f in fields(TextRun))
_PICTURE = tuple(f.name for f in fields(Picture))
_LINE = ("x", "y", "width", "height", "runs")
_PAGE = ("index", "width", "height", "lines", "anchors", "pictures")


def _encode(layout: PageLayout) -> str:
    """The layout as JSON: ``dataclasses.asdict``'s form (glyphs as lists), built directly
    (asdict deep-copies every one of an issue's 100,000 glyphs: 1.2 s of a 16-版 build)."""
    plain = {
        "index": layout.index, "width": layout.width, "height": layout.height,
        "lines": [{"x": ln.x, "y": ln.y, "width": ln.width, "height": ln.height,
                   "runs": [{k: getattr(run, k) for k in _RUN} for run in ln.runs]}
                  for ln in layout.lines],
        "anchors": layout.anchors,
        "pictures": [{k: getattr(p, k) for k in _PICTURE} for p in layout.pictures]}
    return json.dumps(plain, ensure_ascii=False)


def _layout(data: dict) -> PageLayout:
    """A ``PageLayout`` from its JSON form (``_encode``), read whole or not at all: a field
    the decoder does not know (a newer record) would otherwise be lost and the archive made
    from it differ, so any other set of fields is a KeyError (the page is rendered again)."""
    _fields(data, _PAGE)
    for line in data["lines"]:
        _fields(line, _LINE)
        for run in line["runs"]:
            _fields(run, _RUN)
    for picture in data["pictures"]:
        _fields(picture, _PICTURE)
    return PageLayout(
        index=data["index"], width=data["width"], height=data["height"],
        anchors=tuple(data["anchors"]),
        pictures=tuple(Picture(**p) for p in data["pictures"]),
        lines=tuple(TextLine(x=ln["x"], y=ln["y"], width=ln["width"], height=ln["height"],
                             runs=tuple(TextRun(**{**run, "glyphs": tuple(Glyph(*g) for g in run["glyphs"])})
                                        for run in ln["runs"]))
                    for ln in data["lines"]))


def _fields(record: dict, names: tuple[str, ...]) -> None:
    if len(record) != len(names) or not all(name in record for name in names):
        raise KeyError(f"a page layout record with fields {sorted(record)}, not {names}")
