"""What an edition's outputs are made from, as hashes: what "current" means for the
backfill's journal and for an issue of a web site (``publisher site``).

An edition's **input hash** covers everything its outputs depend on: every byte of its
source folder (edition.toml, articles, images, with their paths), the house (the settings
as the build sees them, every style file, the font manifest, which pins each face by
sha256, and the print output profile), the requested formats (the EPUB's cover is the
printed front page when print is in the build, so the same format's bytes depend on the
set), and the tool (publisher's own files and the versions of the libraries that shape
the outputs). Two builds with the same input hash write the same bytes.

Outputs are recorded by path under the output folder with their sha256 and re-hashed
from disk to verify them: present is not enough, they must be the bytes the journal saw.

Standard library only: the backfill's worker and client, and the site builder, use it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .config import Settings

SCHEME = b"publisher-backfill input v1\n"  # change when what goes into a hash changes
CHUNK = 1 << 20
# The distributions whose code decides output bytes (layout, PDF writing, EPUB packing,
# images, XML); a different version on a worker is a different tool.
OUTPUT_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "ebooklib", "fonttools",
                    "uharfbuzz", "pikepdf", "pypdfium2", "pillow", "lxml", "jinja2",
                    "markdown-it-py", "bagit", "lunardate", "pagefind-bin-extended")


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _tree(root: Path) -> Iterator[tuple[str, Path]]:
    """Every file under ``root`` as (path relative to root, path), sorted, links not followed:
    a symbolic link counts as its target's name (the build refuses links leaving the folder)."""
    entries = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        here = Path(folder)
        entries += [((here / name).relative_to(root).as_posix(), here / name) for name in files]
        entries += [((here / d).relative_to(root).as_posix(), here / d) for d in dirs
                    if (here / d).is_symlink()]
    yield from sorted(entries)


def _update_tree(h, root: Path, label: str) -> None:
    h.update(f"tree {label}\n".encode())
    if root.is_file():
        h.update(f"file {_file_digest(root)}\n".encode())
        return
    if not root.is_dir():
        h.update(b"missing\n")
        return
    for rel, path in _tree(root):
        _update_entry(h, rel, path)


def _update_entry(h, rel: str, path: Path) -> None:
    if path.is_symlink():
        h.update(f"link {rel} -> {os.readlink(path)}\n".encode("utf-8", "surrogateescape"))
    else:
        h.update(f"file {rel} {_file_digest(path)}\n".encode("utf-8", "surrogateescape"))


def sources_hash(edition_dir: Path) -> str:
    """Every file of the edition folder, by relative path and content."""
    h = hashlib.sha256()
    _update_tree(h, Path(edition_dir), "edition")
    return h.hexdigest()


def _house_files(settings: Settings) -> list[tuple[str, Path]]:
    """What a build reads of the house: the styles, the font manifest (it pins every face by
    sha256, and every build checks the faces against it) and the print output profile. Not
    the paper files: only the importers read those."""
    return [("styles", settings.styles_dir), ("fonts", settings.font_manifest),
            ("output-profile", settings.output_profile)]


def _house_signature(settings: Settings) -> tuple:
    """Cheap stand-in for the house's content (sizes and modification times), to know when a
    cached house hash must be computed again."""
    sig: list[tuple] = []
    for label, root in _house_files(settings):
        paths = [p for _, p in _tree(root)] if root.is_dir() else [root]
        for p in paths:
            try:
                st = p.lstat()
                sig.append((label, str(p), st.st_size, st.st_mtime_ns, st.st_ino))
            except OSError:
                sig.append((label, str(p), None))
    return tuple(sig)


_house_cache: dict[tuple, str] = {}


def _without_paths(value):
    """The settings with every path left out: where a house file lies is not what it says
    (the files the paths name are hashed by content)."""
    if isinstance(value, dict):
        return {k: _without_paths(v) for k, v in value.items() if not isinstance(v, Path)}
    if isinstance(value, (list, tuple)):
        return [_without_paths(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 22 and 22.0 mm are one margin (defaults are ints, files may say 22.0)
    return value


def house_hash(settings: Settings) -> str:
    """The house: its settings (all but paths and the print's workers and cache, which shape
    no output), every style, the font manifest and the output profile, by content."""
    signature = (settings.model_dump_json(), _house_signature(settings))
    cached = _house_cache.get(signature)
    if cached:
        return cached
    h = hashlib.sha256(b"house\n")
    # how many processes render and whether rendered 版 are cached change no output's bytes
    shaping = settings.model_dump(exclude={"print": {"workers", "cache"}})
    h.update(json.dumps(_without_paths(shaping), sort_keys=True, ensure_ascii=False,
                        default=str).encode())
    for label, root in _house_files(settings):
        _update_tree(h, root, label)
    _house_cache.clear()
    _house_cache[signature] = h.hexdigest()
    return _house_cache[signature]


@lru_cache(maxsize=1)
def tool_version() -> str:
    """This publisher: its version, a hash of its package files (code, templates, schemas)
    and the versions of the libraries that shape the outputs. Computed once per process:
    the code a process runs is the code it loaded."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(b"tool\n")
    for rel, path in _tree(package):
        if "__pycache__" in rel.split("/") or rel.endswith(".pyc"):
            continue
        _update_entry(h, rel, path)  # the default house's links: the house is hashed apart
    for name in OUTPUT_LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{name} {version}\n".encode())
    try:
        own = metadata.version("publisher")
    except metadata.PackageNotFoundError:
        own = "unknown"
    return f"publisher {own}+{h.hexdigest()[:16]}"


def input_hash(sources: str, house: str, tool: str, formats: Iterable[str]) -> str:
    h = hashlib.sha256(SCHEME)
    for label, value in (("sources", sources), ("house", house), ("tool", tool),
                         ("formats", " ".join(sorted(set(formats))))):
        h.update(f"{label} {value}\n".encode())
    return h.hexdigest()


def output_hashes(out_dir: Path, written: Iterable[Path]) -> tuple[dict[str, str], list[str]]:
    """The sha256 of every written file, read back from disk, by path under ``out_dir``;
    and the written folders (a bag), whose listing must stay exactly these files."""
    files: dict[str, str] = {}
    folders: list[str] = []
    out_dir = Path(out_dir)
    for path in written:
        if path.is_dir():
            folders.append(path.relative_to(out_dir).as_posix())
            for _, inner in _tree(path):
                files[inner.relative_to(out_dir).as_posix()] = _file_digest(inner)
        else:
            files[path.relative_to(out_dir).as_posix()] = _file_digest(path)
    return dict(sorted(files.items())), sorted(folders)


def outputs_verify(out_dir: Path, files: dict[str, str], folders: Iterable[str] = ()) -> str | None:
    """None when every recorded output is on disk with its recorded bytes (and a recorded
    folder holds no other file); else what is wrong, for the log."""
    if not files:
        return "no outputs recorded"
    out_dir = Path(out_dir)
    for rel, digest in files.items():
        path = out_dir / rel
        if not path.is_file() or path.is_symlink():
            return f"{rel} is missing"
        if _file_digest(path) != digest:
            return f"{rel} differs from the recorded bytes"
    for folder in folders:
        root = out_dir / folder
        present = {p.relative_to(out_dir).as_posix() for _, p in _tree(root)} if root.is_dir() else set()
        extra = present - set(files)
        if extra:
            return f"{sorted(extra)[0]} is not among the recorded outputs"
    return None
