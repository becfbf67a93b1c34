"""Output paths and writing them safely: all or nothing, never a half file.

A build renders every output in memory first, then ``write_outputs`` puts them in place:
each file is written to a temporary name in its target folder, flushed to disk, and renamed
over the old one, under an exclusive lock so two builds into the same folder never
interleave. A build killed at any moment leaves the previous complete files (or none),
and the temporary files of a killed build are removed by the next one.
"""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from .errors import Problem, PublisherError

TMP_PREFIX = ".publisher-tmp-"


class OutputError(PublisherError):
    """The output folder cannot be used (inside the edition, not writable, disk full)."""


def check_out_dir(out_dir: Path, edition_dir: Path) -> None:
    out, src = out_dir.resolve(), edition_dir.resolve()
    if out == src or out.is_relative_to(src):
        raise OutputError(Problem(f"the output folder {out_dir} is inside the edition folder",
                                  out_dir, hint="write outputs elsewhere, e.g. --out dist",
                                  code="out-inside-edition"))
    if out.exists() and not out.is_dir():
        raise OutputError(Problem(f"the output path {out_dir} is a file", out_dir,
                                  hint="give a folder", code="out-not-dir"))
    # Find out before rendering whether the folder can be made and written, by trying it
    # (permissions say little when pipelines run as root); the probe leaves nothing behind.
    existing = out
    while not existing.exists():
        existing = existing.parent
    try:
        if not existing.is_dir():
            raise OSError(f"{existing} is a file, not a folder")
        fd, probe = tempfile.mkstemp(prefix=TMP_PREFIX, dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        why = f"{exc.strerror} in {existing}" if exc.strerror else str(exc)
        raise OutputError(Problem(f"cannot create the output folder {out_dir}: {why}", out_dir,
                                  hint="choose a folder you can write to, e.g. --out dist",
                                  code="out-unwritable")) from None


@contextmanager
def _locked(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".publisher.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _signals_deferred():
    """Hold Ctrl-C and SIGTERM while the files are renamed into place, so that an
    interrupted build replaces its outputs all together or not at all. A signal that came
    meanwhile is raised when this ends, marked ``outputs_written`` for the message."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)  # runs a pending handler here
        except (KeyboardInterrupt, SystemExit) as exc:  # Ctrl-C, or the CLI's SIGTERM handler
            exc.outputs_written = True  # type: ignore[attr-defined]
            raise


def _clean_stale(folder: Path) -> None:
    for tmp in folder.rglob(TMP_PREFIX + "*"):
        try:
            tmp.unlink()
        except OSError:
            pass


def write_outputs(root: Path, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` (relative path -> bytes) under ``root`` atomically, all or nothing."""
    written: list[Path] = []
    temps: list[tuple[Path, Path]] = []
    try:
        with _locked(root):
            _clean_stale(root)
            for rel, data in files.items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=target.parent)
                temps.append((Path(tmp), target))
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(tmp, 0o644)
            with _signals_deferred():
                for tmp, target in temps:
                    os.replace(tmp, target)
                    written.append(target)
                dir_fd = os.open(root, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)
    except OSError as exc:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise OutputError(Problem(f"cannot write outputs: {exc.strerror or exc}",
                                  Path(exc.filename) if exc.filename else root,
                                  hint="check the folder's permissions and free disk space",
                                  code="io")) from None
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        raise
    return written
