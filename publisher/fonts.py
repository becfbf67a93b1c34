"""The pinned faces: manifest, installation, verification, coverage, and EPUB subsets.

``fonts/fonts.toml`` declares every face a build may use (role, family, file, face index,
sha256, licence, the Debian package it comes from). A build uses those files and nothing
else: WeasyPrint sees them through a fontconfig configuration that lists only the fonts
folder, and the EPUB embeds subsets of them. A missing file, a checksum mismatch, or an
undeclared font file in the folder is an error before anything is rendered.

Coverage is per role: each field of an edition is set in one or more typeface roles
(``FIELD_ROLES``: body in 宋, headlines in 黑, captions in 楷 …), and each of its
characters must be in that role's face or in the declared fallback face (BabelStone Han,
for rare characters: CJK Extension B and beyond). Every font-family stack of styles/*.css
is exactly ``FontSet.stack(role)``: the role's face, then the fallback, then a generic
name, so what the check accepts is what renders. The fallback is declared for Han
ideographs only (its ``unicode_range``): an emoji it happens to map is still refused. A
private-use character (U+E000–F8FF, planes 15–16) is refused even where a face maps it:
its glyph is whatever that font's maker put there, so the text is not interchangeable
(the fallback maps 4,637 of them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .errors import ConfigError, Problem, Problems, RenderError
from .model import Brief, Edition, Figure, Paragraph, RunStyle, Subhead, Table
from .tomlfile import key_lines, read_toml

log = logging.getLogger(__name__)

MANIFEST = "fonts.toml"
FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2"}
ROLES = ("song", "hei", "kai")  # 宋 body, 黑 headlines, 楷 kickers/captions/bylines
FALLBACK = "fallback"  # rare characters a role's face lacks; last in every stack; optional
GENERIC = {"song": "serif", "hei": "sans-serif", "kai": "serif"}

# Where each field of an edition is printed, by typeface role, in any output (reading PDF,
# EPUB, print). From styles/*.css and the templates: a headline is 黑 in its article head
# and 宋 in the contents lists and the EPUB's previous/next links; a photo article's title
# is its caption's start. tests/typeset/test_font_roles.py renders an edition with one
# marker character per field and holds this table to the styles and templates.
FIELD_ROLES: dict[str, tuple[str, ...]] = {
    "headline": ("hei", "song"),
    "title": ("hei", "song"),  # an untitled (photo) article's title: the caption's start
    "kicker": ("kai",),
    "subtitle": ("kai",),
    "byline": ("kai",),
    "dateline": ("hei",),
    "paragraph": ("song",),
    "emphasis": ("song",),  # 着重号: dots under the 宋 text
    "strong": ("hei",),
    "subhead": ("hei",),
    "caption": ("kai",),
    "credit": ("kai",),
    "brief": ("song",),
    "attribution": ("kai",),
    "table-head": ("hei",),  # th: 黑
    "table-cell": ("song",),
    "paper": ("hei",),  # masthead, page heads
    "publisher": ("hei",),  # the print masthead's facts
    "edition": ("kai", "hei", "song"),  # 咸安版: print masthead, page heads, issue lines
    "page": ("hei", "song"),  # 版名: page heads, page tags, folios, contents; the EPUB's nav
    "editors": ("song", "hei"),  # under the reading page head; in the print page head
}


@dataclass(frozen=True)
class RoleRule:
    """How one output's stylesheets give an element of its rendered documents a typeface
    role: by element (``tags``: local names) and class (``classes``), the first role that
    matches winning, in the mappings' order (楷 before 黑 in both outputs); an element none matches
    inherits its parent's role. ``own`` decides first where a selector needs more than one
    element (the EPUB's ``ol.contents > li``); ``skip``: elements whose text is never set
    on the page (a skipped element's tail still belongs to its parent)."""

    tags: Mapping[str, frozenset[str]]
    classes: Mapping[str, frozenset[str]]
    skip: frozenset[str] = frozenset()
    own: Callable[[object, str], str | None] | None = None

    @cached_property
    def order(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.tags, *self.classes]))

    def role(self, el, tag: str, inherited: str) -> str:
        if self.own is not None and (own := self.own(el, tag)) is not None:
            return own
        names = set((el.get("class") or "").split())
        for role in self.order:
            if tag in self.tags.get(role, ()) or names & self.classes.get(role, frozenset()):
                return role
        return inherited


def local_name(el) -> str | None:
    """An element's tag without its namespace; None for a comment or processing
    instruction (lxml gives those a function as ``tag``)."""
    return el.tag.rpartition("}")[2] if isinstance(el.tag, str) else None


def role_runs(root, rule: RoleRule, role: str = "song") -> Iterator[tuple[str, str]]:
    """(role, text) for every text node under ``root`` (an lxml element, HTML or XHTML), in
    document order, each in the role ``rule`` gives the innermost element holding it, else
    宋. The one walk the EPUB's and the web edition's subsets (and their tests) read."""
    tag = local_name(root)
    if tag is None or tag in rule.skip:
        return
    role = rule.role(root, tag, role)
    if root.text:
        yield role, root.text
    for child in root:
        yield from role_runs(child, rule, role)
        if child.tail:
            yield role, child.tail


PRIVATE_USE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def is_private_use(cp: int) -> bool:
    """U+E000–F8FF and the supplementary private-use planes 15 and 16."""
    return any(lo <= cp <= hi for lo, hi in PRIVATE_USE)


@dataclass(frozen=True)
class Face:
    role: str
    family: str
    file: Path  # absolute
    sha256: str
    licence: str
    index: int = 0
    weight: int = 400
    package: str | None = None
    source: Path | None = None  # where `publisher fonts install` copies it from
    # `unicode_range` in the manifest: the only code points this face may set (None: all).
    # The fallback is limited to Han ideographs: it also maps emoji, kana and symbols the
    # house does not want drawn in it.
    ranges: tuple[tuple[int, int], ...] | None = None

    @cached_property
    def _hb_face(self):
        import uharfbuzz as hb

        return hb.Face(hb.Blob.from_file_path(str(self.file)), self.index)

    @cached_property
    def codepoints(self) -> frozenset[int]:
        """The characters this face may set: its cmap within its declared ranges, without
        private-use code points."""
        # set operations over ranges, not a test per code point: a CJK face maps ~65,000,
        # and this ran on every build (the check of the edition's characters)
        cps = set(self._hb_face.unicodes)
        if self.ranges is not None:
            cps.intersection_update(set().union(*(range(lo, hi + 1) for lo, hi in self.ranges)))
        for lo, hi in PRIVATE_USE:
            cps.difference_update(range(lo, hi + 1))
        return frozenset(cps)

    @cached_property
    def postscript_name(self) -> str:
        """The face's PostScript name (name ID 6): how an embedded subset of it is recognised."""
        import uharfbuzz as hb

        return self._hb_face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or ""

    # What a PDF's embedded font program leaves out, as WeasyPrint leaves it out when it
    # subsets (weasyprint.pdf.fonts.Font._harfbuzz_subset): layout and bitmap tables.
    _PDF_DROPPED = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH",
                    "PCLT", "SVG ")

    def subset_glyphs(self, gids) -> bytes:
        """A font program of this face with just the glyphs ``gids``, each at its own glyph
        id (a PDF's CID font with /CIDToGIDMap /Identity draws by glyph id): the program an
        issue PDF's pages share (``publisher.pdfjoin``), made as WeasyPrint makes a page's."""
        import uharfbuzz as hb

        inp = hb.SubsetInput()
        inp.glyph_set.update(gids)
        inp.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                     | hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NO_HINTING
                     | hb.SubsetFlags.NO_LAYOUT_CLOSURE)
        inp.drop_table_tag_set.update(int.from_bytes(t.encode(), "big") for t in self._PDF_DROPPED)
        return hb.subset(self._hb_face, inp).blob.data

    def subset(self, text: str) -> bytes:
        """An OpenType subset with just the glyphs of ``text`` (harfbuzz: ~0.02 s).

        OTF (CFF) rather than WOFF2: every reading system we target takes OTF, and the zip
        compresses it; older Kobo and Kindle conversions do not all take WOFF2.
        """
        import uharfbuzz as hb

        inp = hb.SubsetInput()
        inp.unicode_set.update(ord(c) for c in set(text) if ord(c) in self.codepoints)
        inp.flags = hb.SubsetFlags.NO_HINTING
        # Keep the copyright, licence and licence URL names (0, 13, 14) with the default ones:
        # an embedded subset travels on its own, and the Arphic licence of the fallback face
        # asks that copies and derivatives carry it.
        inp.name_id_set.update({0, 13, 14})
        # keep the features the house CSS uses: half-width marks and vertical forms
        inp.layout_feature_tag_set.update(
            int.from_bytes(tag.encode(), "big") for tag in ("halt", "vhal", "palt", "vpal", "chws"))
        return hb.subset(self._hb_face, inp).blob.data


@dataclass(frozen=True)
class FontSet:
    folder: Path
    faces: tuple[Face, ...]

    def by_role(self, role: str) -> list[Face]:
        return [f for f in self.faces if f.role == role]

    def families(self, role: str) -> list[str]:
        return list(dict.fromkeys(f.family for f in self.by_role(role)))

    def stack(self, role: str) -> list[str]:
        """The font-family stack of a role: its faces, the fallback, a generic family."""
        return [*self.families(role), *self.families(FALLBACK), GENERIC[role]]

    @cached_property
    def _main(self) -> dict[str, frozenset[int]]:
        return {role: frozenset().union(*(f.codepoints for f in self.by_role(role))) for role in ROLES}

    @cached_property
    def _fallback(self) -> frozenset[int]:
        return frozenset().union(*(f.codepoints for f in self.by_role(FALLBACK)))

    @cached_property
    def in_every_role_face(self) -> frozenset[str]:
        """The characters every role's own face sets (none of them needs the fallback)."""
        return frozenset(map(chr, frozenset.intersection(*self._main.values())))

    def in_role_face(self, role: str, cp: int) -> bool:
        """Set in the role's own face (no fallback needed)."""
        return cp in self._main[role]

    def covers(self, role: str, cp: int) -> bool:
        """Set in the role's face or, failing that, in the fallback."""
        return cp in self._main[role] or cp in self._fallback

    def fontconfig_file(self, cache_dir: Path | None = None) -> Path:
        """Write (once) a fontconfig file that sees only the pinned folder; return its path."""
        cache = cache_dir or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "publisher"
        cache.mkdir(parents=True, exist_ok=True)
        conf = cache / f"fonts-{hashlib.sha256(str(self.folder).encode()).hexdigest()[:12]}.conf"
        text = (
            '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
            "<!-- Generated by publisher: only the pinned fonts folder, no system fonts. -->\n"
            f"<fontconfig>\n  <dir>{_xml(str(self.folder))}</dir>\n"
            f"  <cachedir>{_xml(str(cache / 'fontconfig'))}</cachedir>\n</fontconfig>\n")
        if not conf.exists() or conf.read_text() != text:
            tmp = conf.with_suffix(f".tmp{os.getpid()}")
            tmp.write_text(text)
            os.replace(tmp, conf)
        return conf


def _xml(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _FaceEntry(BaseModel):
    """One ``[[face]]`` of fonts.toml. Strict: a misspelt key (``unicode_rang``) would
    otherwise be a silently dropped limit."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    role: str
    family: str
    file: str
    index: int = Field(default=0, ge=0)
    weight: int = Field(default=400, ge=100, le=900)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    licence: str
    package: str | None = None
    source: str | None = None  # where `publisher fonts install` copies the file from
    unicode_range: list[str] | None = None

    @field_validator("role")
    @classmethod
    def _known_role(cls, role: str) -> str:
        if role not in (*ROLES, FALLBACK):
            raise ValueError(f"unknown role {role!r} (one of {', '.join(ROLES)}, {FALLBACK})")
        return role


class _Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    face: list[_FaceEntry] = []


def read_manifest(folder: Path, manifest: Path | None = None) -> FontSet:
    """Parse the manifest (``folder``/fonts.toml unless given: the default house's is shipped
    with publisher) without touching the font files, which are in ``folder``."""
    path = manifest or folder / MANIFEST
    if not path.is_file():
        raise ConfigError(Problem(f"no font manifest {path}", path, code="fonts",
                                  hint="the fonts folder must declare its faces in fonts.toml"))
    data = read_toml(path, _Manifest, code="fonts",
                     hint="declare each face as a [[face]] table (see this repository's fonts/fonts.toml)")
    faces = []
    problems = Problems()
    for i, entry in enumerate(data.face):
        try:
            ranges = _ranges(entry.unicode_range) if entry.unicode_range is not None else None
        except ValueError as exc:
            line = key_lines(path.read_text("utf-8-sig")).get(("face", i, "unicode_range"))
            problems.add(f"face {i + 1}: {exc}", path, line, code="fonts",
                         hint='write each range as in CSS unicode-range: "U+3400-4DBF" or "U+3007"')
            continue
        faces.append(Face(role=entry.role, family=entry.family, file=(folder / entry.file).resolve(),
                          sha256=entry.sha256.lower(), licence=entry.licence, index=entry.index,
                          weight=entry.weight, package=entry.package,
                          source=Path(entry.source) if entry.source else None, ranges=ranges))
    for role in ROLES:
        if not any(f.role == role for f in faces):
            problems.add(f"no face declared for role {role!r}", path, code="fonts")
    problems.raise_if_errors(ConfigError)
    return FontSet(folder.resolve(), tuple(faces))


def _ranges(items: list[str]) -> tuple[tuple[int, int], ...]:
    """["U+3400-4DBF", "U+3007"] -> ((0x3400, 0x4DBF), (0x3007, 0x3007))."""
    out = []
    for item in items:
        m = re.fullmatch(r"U\+([0-9A-Fa-f]{1,6})(?:-([0-9A-Fa-f]{1,6}))?", str(item).strip())
        if not m or int(m.group(2) or m.group(1), 16) < int(m.group(1), 16):
            raise ValueError(f"invalid unicode_range item {item!r}")
        out.append((int(m.group(1), 16), int(m.group(2) or m.group(1), 16)))
    return tuple(out)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_ahead(folder: Path, manifest: Path | None = None,
               known: Path | None = None) -> Callable[[], dict[Path, str]]:
    """Start hashing the declared faces' files in a thread of its own; the returned call
    waits for it and gives each file's sha256 (``load_fonts``'s ``digests``). hashlib lets go
    of the GIL while it hashes, so on a second core the 130 MB of the pinned faces are
    hashed while the caller reads the edition. A file the thread could not hash (missing,
    unreadable, a manifest it could not read) is left out: ``load_fonts`` then hashes it
    itself and reports what it finds, as without this. Join it (call it) before any fork.

    ``known``: a file in the house's cache of the checksums found before (``_Known``), each
    with its file's device, inode, size and modification and change times: a face whose
    file is the same by all five is not hashed again (any write to a file moves its change
    time, which no one can set back; a file put in its place is another inode)."""
    digests: dict[Path, str] = {}

    def run() -> None:
        try:
            memo = _Known(known) if known is not None else None
            for face in read_manifest(folder, manifest).faces:
                if face.file not in digests and face.file.is_file():
                    digests[face.file] = memo.sha256(face.file) if memo else sha256_file(face.file)
            if memo is not None:
                memo.save()
        except Exception:  # load_fonts finds it again and reports it
            pass

    thread = threading.Thread(target=run, name="publisher: font checksums", daemon=True)
    thread.start()

    def result() -> dict[Path, str]:
        thread.join()
        return digests

    return result


class _Known:
    """The faces' checksums kept from a build before (``hash_ahead``'s ``known``): JSON, by
    the file's path, its stamp (device, inode, size, modification and change times in ns)
    and its sha256. A file changed in the last seconds is not kept (a file system's times
    may be too coarse to tell a second write from the first: git's "racy" files), nor one
    that changed while it was hashed."""

    SETTLED = 2_000_000_000  # ns: older than this, a file's times tell any later write

    def __init__(self, path: Path):
        self.path = path
        self.changed = False
        try:
            entries = json.loads(path.read_bytes())
        except (OSError, ValueError):
            entries = {}
        self.entries: dict = entries if isinstance(entries, dict) else {}

    @staticmethod
    def _stamp(file: Path) -> list[int]:
        st = file.stat()
        return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]

    def sha256(self, file: Path) -> str:
        stamp = self._stamp(file)
        entry = self.entries.get(str(file))
        if (isinstance(entry, dict) and entry.get("stamp") == stamp
                and isinstance(digest := entry.get("sha256"), str) and _SHA256.fullmatch(digest)):
            return digest
        digest = sha256_file(file)
        if time.time_ns() - max(stamp[3], stamp[4]) > self.SETTLED and self._stamp(file) == stamp:
            self.entries[str(file)] = {"stamp": stamp, "sha256": digest}
            self.changed = True
        return digest

    def save(self) -> None:
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(self.entries, f, sort_keys=True)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("font checksums not kept in %s (%s)", self.path, exc)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def load_fonts(folder: Path, manifest: Path | None = None,
               digests: Mapping[Path, str] | None = None) -> FontSet:
    """The manifest, with every declared file present and matching its checksum
    (``digests``: files' sha256 already known, ``hash_ahead``; the others are hashed here)."""
    fonts = read_manifest(folder, manifest)
    digests = digests or {}
    problems = Problems()
    declared = {f.file for f in fonts.faces}
    for face in fonts.faces:
        if not face.file.is_file():
            problems.add(f"font file {face.file.name} ({face.family}) is missing", face.file,
                         hint="run `make fonts` (or `publisher fonts install`) to install the pinned fonts",
                         code="font-missing")
        elif (digest := digests.get(face.file) or sha256_file(face.file)) != face.sha256:
            problems.add(f"font file {face.file.name} differs from its pinned checksum "
                         f"(sha256 {digest[:16]}…, expected {face.sha256[:16]}…)", face.file,
                         hint="reinstall it with `publisher fonts install`, or pin the new file "
                              "deliberately in fonts/fonts.toml", code="font-checksum")
    for extra in sorted(folder.iterdir()) if folder.is_dir() else ():
        if extra.suffix.lower() in FONT_SUFFIXES and extra.resolve() not in declared:
            problems.add(f"undeclared font file {extra.name} in the fonts folder", extra,
                         hint="declare it in fonts.toml or remove it: builds must only see pinned faces",
                         code="font-undeclared")
    problems.raise_if_errors(ConfigError)
    return fonts


def install_fonts(folder: Path, manifest: Path | None = None) -> list[str]:
    """Copy each declared face from its Debian package location and verify it."""
    fonts = read_manifest(folder, manifest)
    manifest = manifest or folder / MANIFEST
    done = []
    problems = Problems()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(Problem(f"cannot create the fonts folder: {exc.strerror or exc}", folder,
                                  code="font-missing")) from None
    for face in fonts.faces:
        if face.file.is_file() and sha256_file(face.file) == face.sha256:
            continue
        if face.source is None or not face.source.is_file():
            problems.add(f"cannot install {face.file.name}: {face.source} not found", manifest,
                         hint=f"apt-get install {face.package}" if face.package else None,
                         code="font-missing")
            continue
        tmp = face.file.with_name(face.file.name + ".part")
        shutil.copyfile(face.source, tmp)
        if sha256_file(tmp) != face.sha256:
            tmp.unlink()
            problems.add(f"{face.source} does not match the pinned checksum of {face.file.name}",
                         manifest, hint="the Debian package changed; review and re-pin",
                         code="font-checksum")
            continue
        os.replace(tmp, face.file)
        done.append(face.file.name)
    problems.raise_if_errors(ConfigError)
    return done


def field_texts(edition: Edition) -> Iterator[tuple[str, str, Path | None, int | None]]:
    """(field, text, source file, line where known) for every printed text of the edition.

    The field names are the keys of FIELD_ROLES."""
    toml = edition.root / "edition.toml" if edition.root else None
    for field, text in (("paper", edition.paper.name), ("publisher", edition.paper.publisher),
                        ("edition", edition.issue.edition or "")):
        yield field, text, toml, None
    for page in edition.pages:
        yield "page", page.name, toml, None
        for e in page.editors:
            yield "editors", e.role + e.name, toml, None
    for a in edition.articles:
        path = a.source.path if a.source else None
        for field in ("headline", "kicker", "subtitle", "dateline"):
            yield field, getattr(a, field) or "", path, None
        if a.byline:
            yield "byline", str(a.byline), path, None
        if not a.headline:
            yield "title", a.title, path, None
        for b in a.body:
            line = b.source.line if b.source else None
            if isinstance(b, Paragraph):
                for run in b.runs:
                    field = {RunStyle.STRONG: "strong", RunStyle.EMPHASIS: "emphasis"}.get(run.style, "paragraph")
                    yield field, run.text, path, line
            elif isinstance(b, Subhead):
                yield "subhead", b.text, path, line
            elif isinstance(b, Figure):
                yield "caption", b.caption, path, line
                yield "credit", b.credit or "", path, line
            elif isinstance(b, Brief):
                yield "brief", b.text, path, line
                for who in b.attribution:
                    yield "attribution", who, path, line
            elif isinstance(b, Table):
                for cell in b.header:
                    yield "table-head", cell, path, line
                for row in b.rows:
                    for cell in row:
                        yield "table-cell", cell, path, line


def check_coverage(edition: Edition, fonts: FontSet, problems: Problems) -> None:
    """Every printed character must be in the face of each role it is set in, or in the
    fallback face; a private-use character is refused. One problem per file, line and
    character, naming the article file, line, character, code point, fields and roles."""
    slugs = {a.source.path: a.slug for a in edition.articles if a.source}
    found: dict[tuple, dict[tuple[str, str], None]] = {}  # (path, line, char) -> {(field, role)}
    known: dict[tuple[str, str], tuple[str, ...]] = {}  # (field, char) -> roles lacking it; marks excepted
    # by field, the characters found set by every role already (and whitespace): a text of
    # those alone adds nothing, so it is not gone through character by character (most
    # texts, once the first articles are read: 0.25 s at 64 版 before the first layout)
    fine: dict[str, set[str]] = {}
    for field, text, path, line in field_texts(edition):
        settled = fine.setdefault(field, set())
        if settled.issuperset(text):
            continue
        for i, ch in enumerate(text):
            if ch.isspace():
                settled.add(ch)
                continue
            roles = known.get((field, ch))
            if roles is None:
                cp = ord(ch)
                roles = ("private-use",) if is_private_use(cp) else \
                    tuple(r for r in FIELD_ROLES[field] if not _set_by(fonts.covers, r, text, i))
                if not unicodedata.category(ch).startswith("M"):  # a mark depends on the character before
                    known[(field, ch)] = roles
                    if not roles:
                        settled.add(ch)
            if roles:
                key = (path, _line_of_char(path, ch, line), ch)
                found.setdefault(key, {}).update(dict.fromkeys((field, r) for r in roles))
    for (path, line, ch), uses in found.items():
        where = f"article {slugs[path]!r}" if path in slugs else (path.name if path else "the edition")
        fields = ", ".join(dict.fromkeys(f for f, _ in uses))
        cp = ord(ch)
        if is_private_use(cp):
            problems.add(f"{where}: character U+{cp:04X} in the {fields} is a private-use code point: "
                         "what it shows depends on the font, so the text cannot be read back, searched "
                         "or archived", path, line,
                         hint="replace it with the standard Unicode character (or describe it, e.g. "
                              "with an ideographic description sequence such as ⿰亻尔)",
                         code="uncovered-character")
            continue
        used = list(dict.fromkeys(r for _, r in uses))
        faces = "; ".join(f"{r}: {' or '.join(fonts.families(r) + fonts.families(FALLBACK))}" for r in used)
        problems.add(f"{where}: character {ch!r} (U+{cp:04X}) in the {fields}, set in the "
                     f"{' and '.join(used)} role{'s' if len(used) > 1 else ''}, is in no face "
                     f"of {'those roles' if len(used) > 1 else 'that role'} ({faces})", path, line,
                     hint="declare a face that covers it in fonts/fonts.toml, or replace it",
                     code="uncovered-character")


def needs_fallback(edition: Edition, fonts: FontSet) -> str:
    """The characters that only the fallback face sets (in field order, each once)."""
    out: dict[str, None] = {}
    known: dict[tuple[str, str], bool] = {}  # (field, character) -> needs it; marks excepted
    for field, text, _path, _line in field_texts(edition):
        for i, ch in enumerate(text):
            needed = known.get((field, ch))
            if needed is None:
                needed = not ch.isspace() and not is_private_use(ord(ch)) and any(
                    not _set_by(fonts.in_role_face, role, text, i) for role in FIELD_ROLES[field])
                if not unicodedata.category(ch).startswith("M"):  # a mark depends on the character before
                    known[(field, ch)] = needed
            if needed:
                out[ch] = None
    return "".join(out)


def is_variation_selector(cp: int) -> bool:
    """U+FE00–FE0F and U+E0100–E01EF: they ask for a variant of the character before them."""
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def _set_by(has, role: str, text: str, i: int) -> bool:
    """Whether ``has(role, cp)`` holds for ``text[i]``; a combining mark the face lacks
    counts when it composes with the character before it into one the face has, as
    HarfBuzz does when shaping (é as e + U+0301). Only checked, never rewritten.

    A variation selector after a character counts: no face need map it. The face that sets
    the character draws the variant where it has the sequence (the CJK faces map
    standardized and ideographic variants, 中 U+FE00, in their cmap format 14) and the
    character as it is otherwise, the selector drawing nothing (HarfBuzz, and browsers
    alike): 晴☀️ is 晴☀. The character itself is checked on its own (✔️: U+2714 is named)."""
    ch = text[i]
    if has(role, ord(ch)):
        return True
    if i and is_variation_selector(ord(ch)):
        return not is_variation_selector(ord(text[i - 1]))
    if i and unicodedata.category(ch).startswith("M"):
        composed = unicodedata.normalize("NFC", text[i - 1] + ch)
        return len(composed) == 1 and has(role, ord(composed))
    return False


def _line_of_char(path: Path | None, ch: str, start: int | None = None) -> int | None:
    """The first line holding ``ch``, searching from the block's own line where known."""
    if path is None:
        return start
    try:
        lines = path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return start
    first = (start or 1) - 1
    for i in (*range(first, len(lines)), *range(0, first)):
        if ch in lines[i]:
            return i + 1
    return start


def ensure_covered(edition: Edition, fonts: FontSet) -> None:
    problems = Problems()
    check_coverage(edition, fonts, problems)
    problems.raise_if_errors(RenderError)
