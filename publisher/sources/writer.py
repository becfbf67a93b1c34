"""Writing the native edition format: the model back to ``edition.toml`` + ``articles/`` + ``images/``.

Owns the inverse of ``publisher.sources.edition``: whatever ``write_edition`` writes,
``read_edition`` reads back as an equal model. Importers build a model and hand it here;
nothing else writes edition sources.

Guarantees:
- atomic: the edition is written into a temporary folder beside ``out``, read back and
  compared with the model, and only then renamed into place, so a failure never leaves a
  half-written edition; what a killed import left is cleaned by the next one;
- careful: an existing folder is replaced only with ``force=True``, and only when it is an
  edition folder an import wrote (never a repository, the working directory or the folder
  holding the copy: ``check_target``);
- deterministic: the same model gives byte-identical files (keys in a fixed order, TOML
  and Markdown written by hand here, LF line ends, UTF-8 without BOM);
- faithful: text is escaped so Markdown does not reinterpret it; what the body grammar
  cannot express (e.g. a plain paragraph inside a briefs column) is refused with a clear
  error instead of being written differently.

It must not fetch or invent content: images are copied from the ``images`` mapping or from
``Image.path`` as given, never downloaded.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePosixPath

from ..errors import Problem, PublisherError, SourceError
from ..model import Article, ArticleKind, Block, Brief, Edition, Figure, Paragraph, RunStyle, Subhead, Table
from .edition import EDITION_FILE, SLUG, read_edition

log = logging.getLogger(__name__)

ImageSource = bytes | Path


class WriteError(PublisherError):
    """The model cannot be written as a native edition (or the target is in the way)."""


# ---------------------------------------------------------------- public entry


def write_edition(edition: Edition, out: Path, images: Mapping[str, ImageSource] | None = None, *,
                  force: bool = False, extra_files: dict[str, str] | None = None,
                  inputs: Sequence[Path] = ()) -> None:
    """Write ``edition`` as a native edition folder at ``out``.

    ``images`` maps an href as figures use it (``images/x.jpg``) to the bytes or the file
    to copy there; a figure whose href is not in the mapping is copied from its
    ``Image.path``. ``extra_files`` are small UTF-8 text files written at the top of the
    folder (the importers' ``import-report.txt``). An existing non-empty ``out`` is only
    replaced with ``force=True``, and only when it is an edition folder an import wrote
    (``check_target``; ``inputs``: the files imported, which it must not hold).
    """
    out = Path(out)
    check_target(out, force, inputs)
    files = render_files(edition)
    blobs = _image_blobs(edition, images or {})
    out.parent.mkdir(parents=True, exist_ok=True)
    with _target_locked(out):
        check_target(out, force, inputs)  # again, now that no other import can change it
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=TMP_SUFFIX, dir=out.parent))
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; an edition folder is an ordinary folder
        try:
            for rel, text in {**files, **(extra_files or {})}.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(text.encode("utf-8"))
            for rel, blob in blobs.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(blob, bytes):
                    target.write_bytes(blob)
                else:
                    shutil.copyfile(blob, target)
            _verify(edition, tmp)
            if out.exists():
                # Move the old folder aside first so a crash between the two renames leaves
                # either the old or the new edition in place, never a mix (and the next
                # import puts the old one back: _recover).
                old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=OLD_SUFFIX, dir=out.parent))
                os.replace(out, old / "edition")
                os.replace(tmp, out)
                shutil.rmtree(old)
            else:
                os.replace(tmp, out)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp)
    log.info("wrote edition %s to %s", edition.id, out)


# What a written edition folder holds (render_files, the images, the import report): the
# only entries ``--force`` may find in a folder it replaces.
EDITION_ENTRIES = frozenset({EDITION_FILE, "articles", "images", "import-report.txt"})
TMP_SUFFIX, OLD_SUFFIX = ".tmp", ".old"  # beside the target: .<name>.<random>.tmp / .old
IMPORT_LOCK_TIMEOUT = 120  # s: writing an edition takes a second; a stuck import is named


def check_target(out: Path, force: bool, inputs: Sequence[Path] = ()) -> None:
    """Refuse a target the import would destroy: a file; a non-empty folder without
    ``force``; with ``force``, anything but an edition folder an import wrote (edition.toml,
    articles/, images/, import-report.txt and nothing else: never a git repository, a home
    folder or the folder holding the copy), the working directory or a folder holding it,
    and a folder holding an input file."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise WriteError(Problem("the output path is a file", out,
                                 hint="give a folder path for the edition", code="write-target"))
    if not out.is_dir():
        return
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    if not force:
        raise WriteError(Problem("the output folder exists and is not empty", out,
                                 hint="choose another --out, or pass --force to replace an "
                                      "edition an import wrote there", code="write-target"))
    real = out.resolve()
    here = Path.cwd().resolve()
    if here == real or here.is_relative_to(real):
        raise WriteError(Problem("--force would replace the working directory (or a folder "
                                 "holding it)", out, hint="give the edition's own folder, e.g. "
                                 "--out editions/<id>", code="write-target"))
    for source in inputs:
        if Path(source).resolve().is_relative_to(real):
            raise WriteError(Problem(f"--force would replace the folder holding the copy "
                                     f"{source}", out, hint="import into a folder of its own, "
                                     "e.g. --out editions/<id>", code="write-target"))
    foreign = [name for name in entries if name not in EDITION_ENTRIES]
    if foreign or EDITION_FILE not in entries:
        shown = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
        why = f"it holds {shown}, which" if foreign else "it has no edition.toml: it"
        raise WriteError(Problem(f"--force replaces only an edition folder an import wrote; "
                                 f"{why} no import writes", out,
                                 hint="move those files away, or import into another folder",
                                 code="write-target"))


@contextmanager
def _target_locked(out: Path):
    """One import at a time into ``out``'s parent folder, and what a killed import left
    there put right first (``_recover``): while the lock is held, no other import's
    temporary folders exist."""
    fd = os.open(out.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)  # the folder's own lock
    try:
        deadline = time.monotonic() + IMPORT_LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriteError(Problem(
                        f"another import has been writing into {out.parent} for "
                        f"{IMPORT_LOCK_TIMEOUT} s", out, hint="wait for it to end and import "
                        "again", code="write-target")) from None
                if deadline - time.monotonic() > IMPORT_LOCK_TIMEOUT - 0.3:
                    log.warning("another import is writing into %s: waiting", out.parent)
                time.sleep(0.3)
        _recover(out.parent)
        yield
    finally:
        os.close(fd)  # releases the lock


def _recover(parent: Path) -> None:
    """Clean up after imports killed in ``parent``: a half-written edition (``.<name>.*.tmp``)
    is removed; an old edition moved aside (``.<name>.*.old/edition``) goes back to its
    place if the new one never arrived, else it is removed."""
    for folder in sorted(parent.iterdir()):
        name = folder.name
        if not (_LEFTOVER.match(name) and folder.is_dir() and not folder.is_symlink()):
            continue
        inside = {p.name for p in folder.iterdir()}
        if name.endswith(TMP_SUFFIX) and inside <= EDITION_ENTRIES:
            shutil.rmtree(folder, ignore_errors=True)
        elif name.endswith(OLD_SUFFIX) and inside <= {"edition"}:
            target = parent / name[1:].rsplit(".", 2)[0]
            kept = folder / "edition"
            if kept.is_dir() and not target.exists():
                os.replace(kept, target)
                log.warning("put back %s, which a killed import had moved aside", target)
            shutil.rmtree(folder, ignore_errors=True)


# .<target name>.<mkdtemp's 8 random characters>.tmp (or .old)
_LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.(tmp|old)$")


def render_files(edition: Edition) -> dict[str, str]:
    """Every text file of the edition, by path relative to the folder (no I/O)."""
    problems: list[Problem] = []
    files = {EDITION_FILE: edition_toml(edition)}
    for page in edition.pages:
        for article in page.articles:
            if not SLUG.match(article.slug):
                problems.append(Problem(f"article slug {article.slug!r} is not a lower-case ASCII name",
                                        code="slug"))
                continue
            try:
                files[f"articles/{article.slug}.md"] = article_markdown(article)
            except WriteError as exc:
                problems.extend(exc.problems)
    if problems:
        raise WriteError(problems)
    return files


# ---------------------------------------------------------------- TOML


def toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_pairs(pairs: list[tuple[str, object]]) -> list[str]:
    return [f"{k} = {_toml_value(v)}" for k, v in pairs if v is not None]


def edition_toml(edition: Edition) -> str:
    p, i = edition.paper, edition.issue
    lines = ["[paper]"]
    lines += _toml_pairs([("id", p.id), ("name", p.name), ("publisher", p.publisher), ("cn", p.cn),
                          ("issn", p.issn), ("language", p.language), ("url", p.url)])
    lines += ["", "[issue]"]
    lines += _toml_pairs([("date", i.date), ("number", i.number), ("edition", i.edition),
                          ("edition_code", i.edition_code), ("note", i.note)])
    for page in edition.pages:
        lines += ["", "[[pages]]"]
        editors = [{"role": e.role, "name": e.name} for e in page.editors]
        lines += _toml_pairs([("number", page.number), ("name", page.name), ("label", page.label),
                              ("editors", editors or None),
                              ("articles", [a.slug for a in page.articles])])
        for pl in page.placements:
            lines += ["", "[[pages.layout]]"]
            lines += _toml_pairs([("article", pl.slug), ("columns", pl.columns),
                                  ("continued_on", pl.continued_on), ("column", pl.column),
                                  ("text_columns", pl.text_columns)])
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- Markdown


# Characters that mean something inline anywhere in a line.
_INLINE_SPECIAL = set("\\`*_[]<>&!")
# Block constructs recognised at the start of a line (after up to 3 spaces).
_LINE_START = re.compile(r"^([#>+\-=~|]|\d{1,9}(?=[.)]))")


def escape_markdown(text: str) -> str:
    """Escape ``text`` so the CommonMark reader gives it back unchanged (one line)."""
    if "\n" in text or "\r" in text:
        raise ValueError("a line break inside a text block")
    out = "".join("\\" + ch if ch in _INLINE_SPECIAL else ch for ch in text)
    m = _LINE_START.match(out)
    if m:
        if m.group(1)[0].isdigit():
            end = m.end()
            out = out[:end] + "\\" + out[end:]
        else:
            out = "\\" + out
    return out


def _title_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def article_markdown(article: Article) -> str:
    front = _toml_pairs([("kind", article.kind.value), ("headline", article.headline),
                         ("kicker", article.kicker), ("subtitle", article.subtitle),
                         ("byline", str(article.byline) if article.byline else None),
                         ("dateline", article.dateline)])
    parts = ["+++", *front, "+++", ""]
    blocks = [_block_markdown(b, article) for b in article.body]
    return "\n".join(parts) + "\n\n".join(blocks) + "\n"


def _block_markdown(block: Block, article: Article) -> str:
    where = f"article {article.slug}"
    briefs = article.kind is ArticleKind.BRIEFS
    if isinstance(block, Paragraph):
        if briefs:
            raise WriteError(Problem(f"{where}: a plain paragraph inside a briefs column cannot be "
                                     "written (the reader makes every paragraph a brief)",
                                     hint="make it a Brief, or the article kind news",
                                     code="write-grammar"))
        out: list[str] = []
        for run in block.runs:
            text = escape_markdown(run.text) if not out else _escape_inline(run.text)
            if run.style is RunStyle.STRONG:
                text = f"**{text}**"
            elif run.style is RunStyle.EMPHASIS:
                text = f"*{text}*"
            out.append(text)
        return "".join(out)
    if isinstance(block, Subhead):
        return "## " + _escape_inline(block.text)
    if isinstance(block, Brief):
        if not briefs:
            raise WriteError(Problem(f"{where}: a brief outside a briefs column cannot be written",
                                     hint="set the article kind to briefs", code="write-grammar"))
        text = block.text
        if block.attribution:
            text += "（" + "、".join(block.attribution) + "）"
        return escape_markdown(text)
    if isinstance(block, Figure):
        src = block.image.href if block.image else ""
        alt = _escape_inline(block.alt or "")
        if block.credit:
            dest = f'<{src}> "{_title_escape(block.credit)}"'
        else:
            dest = src if re.fullmatch(r"[A-Za-z0-9._/\-]*", src) else f"<{src}>"
        return f"![{alt}]({dest})\n" + escape_markdown(block.caption)
    if isinstance(block, Table):
        if briefs:
            raise WriteError(Problem(f"{where}: a table inside a briefs column cannot be written",
                                     hint="put the table in a news article", code="write-grammar"))
        return table_markdown(block)
    raise TypeError(f"unknown block {type(block).__name__}")


_RULE = {None: "---", "left": ":--", "right": "--:", "center": ":-:"}


def table_markdown(table: Table) -> str:
    """A GFM pipe table; ``|`` in a cell is escaped, cells are one line each."""
    def row(cells) -> str:
        return "| " + " | ".join(_escape_inline(c).replace("|", "\\|") for c in cells) + " |"

    align = list(table.align) + [None] * (table.columns - len(table.align))
    lines = [row(table.header), "| " + " | ".join(_RULE[a] for a in align) + " |"]
    lines += [row(r) for r in table.rows]
    return "\n".join(lines)


def _escape_inline(text: str) -> str:
    return "".join("\\" + ch if ch in _INLINE_SPECIAL else ch for ch in text)


# ---------------------------------------------------------------- images and checking


def _image_blobs(edition: Edition, images: Mapping[str, ImageSource]) -> dict[str, ImageSource]:
    blobs: dict[str, ImageSource] = {}
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is None:
                continue
            href = fig.image.href
            rel = PurePosixPath(href)
            if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] != "images":
                raise WriteError(Problem(f"article {article.slug}: image href {href!r} is not under images/",
                                         hint="name images images/<file>", code="write-image"))
            blob = images.get(href, fig.image.path)
            if blob == fig.image.path and fig.image.data:
                blob = fig.image.data  # the bytes that were checked, not the file read again
            if isinstance(blob, Path) and not blob.is_file():
                raise WriteError(Problem(f"article {article.slug}: no file for image {href!r}", blob,
                                         hint="pass the image in images={href: path or bytes}",
                                         code="write-image"))
            blobs[href] = blob
    for href, blob in images.items():  # images given but used by no figure are still copied
        blobs.setdefault(href, blob)
    return blobs


def _comparable(edition: Edition) -> Edition:
    """The edition with image paths made relative, so two folders can be compared."""
    def fix_block(b: Block) -> Block:
        if isinstance(b, Figure) and b.image is not None:
            return replace(b, image=replace(b.image, path=Path(b.image.href)))
        return b

    pages = tuple(replace(p, articles=tuple(replace(a, body=tuple(fix_block(b) for b in a.body))
                                            for a in p.articles)) for p in edition.pages)
    return replace(edition, pages=pages)


def _verify(edition: Edition, folder: Path) -> None:
    """Read the written folder back; refuse to publish it if it differs from the model."""
    try:
        back = read_edition(folder)
    except SourceError as exc:
        raise WriteError([Problem(f"the written edition does not read back: {p.message}",
                                  code="write-roundtrip") for p in exc.errors]) from None
    want, got = _comparable(edition), _comparable(back)
    if want == got:
        return
    problems = []
    # a page or article more or less is the message below; these name what differs in the rest
    for pw, pg in zip(want.pages, got.pages, strict=False):
        for aw, ag in zip(pw.articles, pg.articles, strict=False):
            if aw != ag:
                problems.append(Problem(f"article {aw.slug} would not read back as written: "
                                        f"{_first_difference(aw, ag)}",
                                        hint="the Markdown body grammar cannot express it",
                                        code="write-roundtrip"))
    if not problems:
        problems.append(Problem("the written edition differs from the model", code="write-roundtrip"))
    raise WriteError(problems)


def _first_difference(a: Article, b: Article) -> str:
    for name in ("kind", "headline", "kicker", "subtitle", "byline", "dateline"):
        if getattr(a, name) != getattr(b, name):
            return f"{name} {getattr(a, name)!r} reads back as {getattr(b, name)!r}"
    for i, (x, y) in enumerate(zip(a.body, b.body, strict=False)):  # a block more: said below
        if x != y:
            return f"block {i + 1} {x!r} reads back as {y!r}"
    return f"{len(a.body)} blocks read back as {len(b.body)}"


__all__ = [
    "WriteError",
    "article_markdown",
    "edition_toml",
    "escape_markdown",
    "render_files",
    "write_edition",
]
