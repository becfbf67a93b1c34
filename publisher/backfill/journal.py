"""The backfill journal: a SQLite file in the output folder, the record of what was built.

One row per edition (its id, the name of its folder under the output folder): the input
hash its outputs were built from, every output with its sha256, the state (``done`` or
``failed``), the error code and message of a failure, the attempts and the duration of the
last build. One row per attempt (which worker and process ran it, how it ended), so an
operator sees the transient failures that were retried. One row per batch.

Only the process that runs the batch (the Dask client) writes here; workers never open it,
so the output folder may be a network file system. Every change is its own transaction,
written with ``synchronous=FULL`` in SQLite's rollback journal mode (WAL needs shared
memory, which network file systems do not give): a batch killed at any moment leaves the
journal as of its last finished edition. An exclusive lock on a file beside it keeps two
batches from writing into the same folder at once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem, PublisherError

JOURNAL = "backfill-journal.sqlite"
LOCK = ".backfill.lock"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    finished TEXT,
    tool TEXT NOT NULL,
    house TEXT NOT NULL,
    formats TEXT NOT NULL,
    cluster TEXT NOT NULL,
    editions INTEGER NOT NULL,
    outcome TEXT              -- NULL while running or when the batch was killed
);
CREATE TABLE IF NOT EXISTS editions (
    edition TEXT PRIMARY KEY, -- the edition id (its folder under the output folder)
    source TEXT NOT NULL,     -- the edition folder it was built from
    state TEXT NOT NULL CHECK (state IN ('done', 'failed')),
    input_hash TEXT,          -- sources + house + formats + tool (NULL: not known)
    outputs TEXT NOT NULL,    -- JSON {path under the output folder: sha256}
    folders TEXT NOT NULL,    -- JSON [output folders whose listing is exactly those files]
    error_code TEXT,
    error TEXT,
    warnings TEXT NOT NULL,   -- JSON ["code: message", ...]
    attempts INTEGER NOT NULL,
    duration REAL,            -- seconds of the last build
    worker TEXT,
    batch INTEGER NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    batch INTEGER NOT NULL,
    edition TEXT NOT NULL,
    n INTEGER NOT NULL,
    worker TEXT,
    pid INTEGER,
    started TEXT NOT NULL,
    outcome TEXT,             -- built, current, failed, timeout, worker-lost, sources-changed;
                              -- NULL: running, or the batch stopped under it
    code TEXT,
    duration REAL,
    PRIMARY KEY (batch, edition, n)
);
"""


class JournalError(PublisherError):
    """The journal cannot be used: another batch holds it, or it is not a journal."""


@dataclass(frozen=True)
class Entry:
    edition: str
    source: str
    state: str
    input_hash: str | None
    outputs: dict[str, str]
    folders: list[str]
    error_code: str | None
    error: str | None
    warnings: list[str]
    attempts: int
    duration: float | None
    worker: str | None
    batch: int
    updated: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Journal:
    def __init__(self, db: sqlite3.Connection, path: Path, lock_fd: int | None):
        self.db = db
        self.path = path
        self._lock_fd = lock_fd

    # ------------------------------------------------------------ opening

    @classmethod
    @contextmanager
    def open(cls, out_dir: Path, write: bool = True) -> Iterator[Journal]:
        """The journal of ``out_dir``; with ``write``, locked for this batch (created if new)."""
        path = Path(out_dir) / JOURNAL
        lock_fd = None
        if write:
            Path(out_dir).mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(Path(out_dir) / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(lock_fd, 64, 0).decode("ascii", "replace").strip()
                os.close(lock_fd)
                raise JournalError(Problem(
                    f"another backfill is writing into {out_dir}" + (f" (process {holder})" if holder else ""),
                    path, hint="wait for it to finish, or stop it; a stopped batch resumes where it was",
                    code="journal-busy")) from None
            os.ftruncate(lock_fd, 0)
            os.pwrite(lock_fd, f"{os.getpid()}\n".encode(), 0)
        elif not path.is_file():
            raise JournalError(Problem(f"no backfill journal in {out_dir}", path,
                                       hint="give the --out folder of a backfill", code="journal"))
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=30)
            try:
                if write:
                    db.execute("PRAGMA journal_mode=DELETE")
                    db.execute("PRAGMA synchronous=FULL")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, SCHEMA_VERSION):
                    raise JournalError(Problem(
                        f"the journal was written by a newer publisher (schema {version})", path,
                        hint="use that publisher, or another --out folder", code="journal"))
                if write:
                    db.executescript(_SCHEMA)
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                journal = cls(db, path, lock_fd)
                yield journal
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise JournalError(Problem(f"the backfill journal cannot be read or written: {exc}", path,
                                       hint="move it aside to start the record anew (every edition "
                                            "is then rebuilt)", code="journal")) from None
        finally:
            if lock_fd is not None:
                os.close(lock_fd)  # releases the lock

    # ------------------------------------------------------------ batches

    def start_batch(self, tool: str, house: str, formats: list[str], cluster: str, editions: int) -> int:
        cur = self.db.execute(
            "INSERT INTO batches (started, tool, house, formats, cluster, editions) VALUES (?,?,?,?,?,?)",
            (_now(), tool, house, " ".join(formats), cluster, editions))
        return int(cur.lastrowid or 0)

    def finish_batch(self, batch: int, outcome: str) -> None:
        self.db.execute("UPDATE batches SET finished=?, outcome=? WHERE id=?", (_now(), outcome, batch))

    # ------------------------------------------------------------ editions

    def entry(self, edition: str) -> Entry | None:
        row = self.db.execute("SELECT * FROM editions WHERE edition=?", (edition,)).fetchone()
        return _entry(row) if row else None

    def entries(self) -> list[Entry]:
        return [_entry(r) for r in self.db.execute("SELECT * FROM editions ORDER BY edition")]

    def done(self, batch: int, edition: str, source: str, input_hash: str, outputs: dict[str, str],
             folders: list[str], warnings: list[str], attempts: int, duration: float | None,
             worker: str | None) -> None:
        self._put(batch, edition, source, "done", input_hash, outputs, folders, None, None,
                  warnings, attempts, duration, worker)

    def failed(self, batch: int, edition: str, source: str, input_hash: str | None, code: str,
               error: str, attempts: int, duration: float | None, worker: str | None) -> None:
        self._put(batch, edition, source, "failed", input_hash, {}, [], code, error, [], attempts,
                  duration, worker)

    def checked(self, batch: int, edition: str, source: str) -> None:
        """A current edition was seen again: note the batch and where it comes from now."""
        self.db.execute("UPDATE editions SET batch=?, source=?, updated=? WHERE edition=?",
                        (batch, source, _now(), edition))

    def _put(self, batch, edition, source, state, input_hash, outputs, folders, code, error,
             warnings, attempts, duration, worker) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO editions (edition, source, state, input_hash, outputs, folders, "
            "error_code, error, warnings, attempts, duration, worker, batch, updated) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (edition, source, state, input_hash, json.dumps(outputs), json.dumps(folders), code,
             error, json.dumps(warnings, ensure_ascii=False), attempts, duration, worker, batch, _now()))

    # ------------------------------------------------------------ attempts

    def attempt_started(self, batch: int, edition: str, n: int, worker: str | None, pid: int | None) -> None:
        self.db.execute("INSERT OR REPLACE INTO attempts (batch, edition, n, worker, pid, started) "
                        "VALUES (?,?,?,?,?,?)", (batch, edition, n, worker, pid, _now()))

    def attempt_ended(self, batch: int, edition: str, n: int, outcome: str, code: str | None = None,
                      duration: float | None = None) -> None:
        self.db.execute("UPDATE attempts SET outcome=?, code=?, duration=? WHERE batch=? AND edition=? AND n=?",
                        (outcome, code, duration, batch, edition, n))

    def attempts(self, edition: str | None = None) -> list[dict]:
        query = "SELECT * FROM attempts" + (" WHERE edition=?" if edition else "") + " ORDER BY batch, edition, n"
        cur = self.db.execute(query, (edition,) if edition else ())
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def batches(self) -> list[dict]:
        cur = self.db.execute("SELECT * FROM batches ORDER BY id")
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]


def _entry(row: tuple) -> Entry:
    (edition, source, state, input_hash, outputs, folders, code, error, warnings, attempts,
     duration, worker, batch, updated) = row
    return Entry(edition, source, state, input_hash, json.loads(outputs), json.loads(folders), code,
                 error, json.loads(warnings), attempts, duration, worker, batch, updated)


@dataclass(frozen=True)
class Report:
    """What the journal says, for people: counts, failures by code, the last batch."""

    journal: Path
    done: list[Entry]
    failed: list[Entry]
    last_batch: dict | None
    retried: list[dict]  # attempts of the last batch that ended in a transient failure
    interrupted: list[str]  # editions the last batch was building when it stopped

    def by_code(self) -> dict[str, list[Entry]]:
        groups: dict[str, list[Entry]] = {}
        for entry in sorted(self.failed, key=lambda e: (e.error_code or "", e.edition)):
            groups.setdefault(entry.error_code or "unknown", []).append(entry)
        return groups

    def warnings_by_code(self) -> dict[str, list[str]]:
        """Editions built with warnings (e.g. ``underfull`` print pages), by warning code."""
        groups: dict[str, set[str]] = {}
        for entry in self.done:
            for warning in entry.warnings:
                groups.setdefault(warning.split(":", 1)[0], set()).add(entry.edition)
        return {code: sorted(eds) for code, eds in sorted(groups.items())}


TRANSIENT = ("timeout", "worker-lost", "sources-changed")


def report(journal: Journal) -> Report:
    entries = journal.entries()
    batches = journal.batches()
    last = batches[-1] if batches else None
    retried: list[dict] = []
    interrupted: list[str] = []
    if last is not None:
        attempts = [a for a in journal.attempts() if a["batch"] == last["id"]]
        retried = [a for a in attempts if a["outcome"] in TRANSIENT]
        settled = {e.edition for e in entries if e.batch == last["id"]}
        interrupted = sorted({a["edition"] for a in attempts
                              if a["outcome"] is None and a["edition"] not in settled})
    return Report(journal.path, [e for e in entries if e.state == "done"],
                  [e for e in entries if e.state == "failed"], last, retried, interrupted)
