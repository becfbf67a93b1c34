"""Opening source files: once, as plain files, and only inside the edition.

Every byte of an edition that a build uses is read here, once: the model carries the bytes
(``Image.data``, ``Edition.sources``) and no later stage opens a path again, so a file
swapped while a build runs cannot reach an output. ``EditionFiles`` opens the edition
folder once and each file relative to it, one path component at a time, never following a
symbolic link (``O_NOFOLLOW`` on every component: a link swapped in after a check is not
followed either). What it opens must be:

- a regular file: a FIFO, a device (``/dev/zero``) or a socket is refused before a byte
  is read (opened with ``O_NONBLOCK``, so opening a FIFO never waits for a writer);
- not a hard link to a file elsewhere: a file with several links is read only when every
  link lies inside the edition (a hard link would publish whatever file it shares);
- at most ``limit`` bytes long (read as far as ``limit + 1``, so an endless file ends).

``read_file`` applies the same rules, but the last, to a file a person names on the command
line (the importers' input): it follows links there, since the person chose the file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

# Documented limits (README, "Limits"): a source text file (edition.toml, an article) and
# an imported file. A day's longest article is about 30 KB; a whole feed a few MB.
MAX_TEXT_BYTES = 16 * 1024 * 1024
MAX_INPUT_BYTES = 256 * 1024 * 1024

_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0)


class Refused(Exception):
    """A source file that cannot be read as one; ``kind`` says why, for the caller's code:
    missing, link, outside, not-a-file, hard-link, too-large or unreadable."""

    def __init__(self, kind: str, message: str, path: Path):
        super().__init__(message)
        self.kind, self.message, self.path = kind, message, path


def _kind_of(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe): publisher reads files, it never waits on a pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    return "not a regular file"


def _read_fd(fd: int, path: Path, limit: int, name: str | None = None) -> bytes:
    name = name or str(path)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not-a-file", f"{name} is {_kind_of(info.st_mode)}", path)
    if info.st_size > limit:
        raise Refused("too-large", f"{name} is {info.st_size:,} bytes (at most {limit:,})", path)
    os.set_blocking(fd, True)
    chunks, size = [], 0
    while size <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:  # it grew while being read
        raise Refused("too-large", f"{name} is larger than {limit:,} bytes", path)
    return b"".join(chunks)


def read_file(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a file named by a person (an import's input): a regular file, at most
    ``limit`` bytes; links are followed. Raises ``Refused``."""
    try:
        fd = os.open(path, _READ)
    except OSError as exc:
        kind = "missing" if exc.errno == errno.ENOENT else "unreadable"
        raise Refused(kind, f"cannot open {path}: {exc.strerror or exc}", path) from None
    try:
        return _read_fd(fd, path, limit)
    except OSError as exc:
        raise Refused("unreadable", f"cannot read {path}: {exc.strerror or exc}", path) from None
    finally:
        os.close(fd)


class EditionFiles:
    """The files of one edition folder (``root``, resolved), each opened relative to it."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self._links: dict[tuple[int, int], int] | None = None  # (dev, inode) -> links inside
        # a photo's bytes -> what checking them found (``edition.check_image``, when it passed):
        # a photo linked from several articles is decoded once
        self.checked: dict[bytes, Any] = {}

    def read(self, rel: str | PurePosixPath, limit: int = MAX_TEXT_BYTES) -> bytes:
        """The bytes of ``rel`` (a relative POSIX path inside the edition). Raises ``Refused``."""
        parts = PurePosixPath(rel).parts
        path = self.root.joinpath(*parts)
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            raise Refused("outside", f"{rel} is not a path inside the edition", path)
        fds: list[int] = []
        try:
            try:
                fds.append(os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC))
                for name in parts[:-1]:
                    fds.append(os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                                       | os.O_CLOEXEC, dir_fd=fds[-1]))
                fd = os.open(parts[-1], _READ | os.O_NOFOLLOW, dir_fd=fds[-1])
            except OSError as exc:
                raise self._refusal(exc, path) from None
            fds.append(fd)
            info = os.fstat(fd)
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1 and not self._all_links_inside(info):
                raise Refused("hard-link", f"{rel} is a hard link to a file outside the edition "
                              f"folder ({info.st_nlink} links)", path)
            try:
                return _read_fd(fd, path, limit, str(rel))
            except OSError as exc:
                raise Refused("unreadable", f"cannot read {rel}: {exc.strerror or exc}", path) from None
        finally:
            for fd in reversed(fds):
                os.close(fd)

    def _refusal(self, exc: OSError, path: Path) -> Refused:
        rel = path.relative_to(self.root).as_posix()
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            link = next((p for p in [*reversed(path.parents), path]
                         if p.is_relative_to(self.root) and p.is_symlink()), None)
            if link is not None:
                try:
                    target = link.resolve()
                except (OSError, RuntimeError):
                    target = None
                if target is None or not target.is_relative_to(self.root):
                    return Refused("outside", f"{rel}: {link.relative_to(self.root).as_posix()} "
                                   "is a link to a place outside the edition folder", path)
                return Refused("link", f"{rel}: {link.relative_to(self.root).as_posix()} is a "
                               "symbolic link (sources are read as plain files, never through links)",
                               path)
            if exc.errno == errno.ENOTDIR:
                return Refused("missing", f"{rel} does not exist (a part of the path is a file)", path)
        if exc.errno == errno.ENOENT:
            return Refused("missing", f"{rel} does not exist", path)
        if exc.errno == errno.ENAMETOOLONG:
            return Refused("unreadable", f"{rel[:80]}…: the name is too long", path)
        if exc.errno == errno.EISDIR:
            return Refused("not-a-file", f"{rel} is a folder, not a file", path)
        return Refused("unreadable", f"cannot open {rel}: {exc.strerror or exc}", path)

    def _all_links_inside(self, info: os.stat_result) -> bool:
        """Whether the edition folder holds every link of the file (walked once, lazily)."""
        if self._links is None:
            self._links = {}
            for folder, _dirs, files in os.walk(self.root):
                for name in files:
                    try:
                        st = os.lstat(os.path.join(folder, name))
                    except OSError:
                        continue
                    if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                        key = (st.st_dev, st.st_ino)
                        self._links[key] = self._links.get(key, 0) + 1
        return self._links.get((info.st_dev, info.st_ino), 0) >= info.st_nlink
