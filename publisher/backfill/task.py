"""One edition on a Dask worker: check it, build it if stale, return a small record.

``run_job`` is the task. It never returns the documents, only a ``Record`` of a few hundred
bytes; the outputs are written by ``publish`` itself, atomically, into the output folder
the worker shares with the client. It never raises for an edition: a publisher error is a
``failed`` record with its code, anything unexpected a ``failed`` record with code
``internal`` (and the traceback in the journal), so one bad issue never stops a batch.

Two guards against what Dask users report on long runs of "file in, nothing returned"
tasks:

- **Memory creep** (dask/distributed#2757, #4345): a worker process is recycled after
  ``max_tasks`` editions. Dask's own time-based ``--lifetime`` closes a worker whether or
  not it is mid-edition; here the worker counts its editions and, between two of them,
  takes the same path ``--lifetime-restart`` takes (``Worker.close_gracefully(restart=
  True)``: the scheduler moves its work elsewhere, its nanny starts a fresh process). It
  first waits until the client has collected its last record, which would otherwise be
  lost with the process and built again; editions sent to it meanwhile are handed back
  to the scheduler (``Reschedule``).
- **Stuck workers** (dask/distributed#4193): every edition has a timeout. A thread stuck
  in a C library cannot be interrupted, so at the timeout the worker announces it (an
  event the client counts) and kills its own process; the nanny starts a new one and the
  scheduler runs the edition again (or the client records ``timeout`` once its retries
  are used up). Outputs are written whole or not at all, so a killed build leaves none
  half-written.

The worker checks that its tool and house are the ones the client hashed (a node with
another publisher or other styles would write outputs the journal would call current).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import logging
import os
import resource
import signal
import threading
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from distributed import Reschedule, get_worker

from ..config import Settings
from ..errors import PublisherError
from ..fingerprint import house_hash, input_hash, output_hashes, outputs_verify, sources_hash, tool_version
from ..publish import publish

log = logging.getLogger(__name__)

KILL_GRACE = 0.5  # seconds between announcing a timeout and killing the process
RELEASE_WAIT = 60.0  # seconds a recycled worker waits for its last records to be collected
# A task in these states is running here or holds a record the client has not collected;
# its edition would be lost with the process (the one that triggers the recycling is still
# "executing" when the recycling is scheduled).
_HELD = ("executing", "long-running", "memory", "cancelled", "resumed")


@dataclass(frozen=True)
class Job:
    """What a worker needs for one edition (a few hundred bytes with the settings)."""

    edition: str  # the journal's key: the edition id, or the folder when it has none
    source: str  # the edition folder (the same path on every worker)
    out_dir: str
    formats: tuple[str, ...]
    settings: Settings
    tool: str  # as hashed by the client
    house: str
    topic: str  # the batch's event topic on the scheduler
    timeout: float  # seconds
    max_tasks: int  # recycle the worker process after this many editions (0: never)
    recorded_hash: str | None = None  # the journal's record, to skip a current edition
    recorded_outputs: dict[str, str] = field(default_factory=dict)
    recorded_folders: tuple[str, ...] = ()


@dataclass(frozen=True)
class Record:
    """A worker's answer: never the documents."""

    edition: str
    outcome: str  # built | current | failed | sources-changed
    input_hash: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    folders: tuple[str, ...] = ()
    code: str | None = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    duration: float = 0.0  # seconds, the whole task
    cpu: float = 0.0  # CPU seconds of the worker process during the task
    worker: str | None = None
    pid: int = 0
    rss: int = 0  # the worker process's resident memory after the edition, bytes
    peak_rss: int = 0  # the most it ever held, bytes


# ---------------------------------------------------------------- per process

_lock = threading.Lock()
_finished = 0  # editions this process has finished
_recycling = False


def _count_and_maybe_recycle(worker, job: Job) -> None:
    global _finished, _recycling
    with _lock:
        _finished += 1
        due = job.max_tasks > 0 and _finished >= job.max_tasks and not _recycling
        if due and worker.nanny is None:
            log.warning("worker %s has no nanny: it cannot be restarted after %d editions, and "
                        "keeps running", worker.address, _finished)
            return
        if due:
            _recycling = True
    if due:
        worker.loop.add_callback(_recycle, worker, job.topic, _finished)


async def _recycle(worker, topic: str, finished: int) -> None:
    """Restart this worker's process once the client holds every record it computed."""
    deadline = time.monotonic() + RELEASE_WAIT
    while time.monotonic() < deadline and any(
            str(key).startswith(topic) and ts.state in _HELD for key, ts in worker.state.tasks.items()):
        await asyncio.sleep(0.05)
    log.info("worker %s recycled after %d editions", worker.address, finished)
    await worker.close_gracefully(restart=True, reason=f"publisher backfill: recycled after {finished} editions")


def _watchdog(worker, job: Job, expired: threading.Event) -> threading.Timer:
    def expire() -> None:
        expired.set()
        log.error("%s: no result after %.0f s, restarting the worker process", job.edition, job.timeout)
        worker.log_event(job.topic, {"event": "timeout", "edition": job.edition, "pid": os.getpid()})
        time.sleep(KILL_GRACE)  # let the event reach the scheduler
        os.kill(os.getpid(), signal.SIGKILL)

    timer = threading.Timer(job.timeout, expire)
    timer.daemon = True
    timer.start()
    return timer


def _settle() -> None:
    """Give back what the edition left behind before the next one: a full collection (a
    render leaves cycles of boxes behind) and glibc's free pages, which it keeps unless
    asked (the unmanaged memory of dask/distributed#2757). What survives the first
    edition's collection (modules, fonts, caches) is frozen out of later collections:
    measured on the sample, a full collection then takes ~20 ms instead of ~110 ms."""
    gc.collect()
    if not gc.get_freeze_count():
        gc.freeze()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL(None).malloc_trim(0)


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# ---------------------------------------------------------------- the task


def run_job(job: Job) -> Record:
    """The Dask task for one edition."""
    worker = get_worker()
    if _recycling:
        raise Reschedule()  # this process is about to be restarted: run it elsewhere
    worker.log_event(job.topic, {"event": "start", "edition": job.edition, "pid": os.getpid()})
    expired = threading.Event()
    timer = _watchdog(worker, job, expired) if job.timeout > 0 else None
    cpu = time.process_time()
    try:
        record = check_and_build(job)
    finally:
        if timer is not None:
            timer.cancel()
    if expired.is_set():  # too late: the timeout was announced, the kill is coming
        time.sleep(10 * KILL_GRACE)
    _settle()
    record = replace(record, worker=worker.address, pid=os.getpid(), cpu=time.process_time() - cpu,
                     rss=_rss(), peak_rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    _count_and_maybe_recycle(worker, job)
    return record


def check_and_build(job: Job) -> Record:
    """Skip the edition when its recorded outputs are current and on disk, else build it."""
    start = time.perf_counter()

    def record(outcome: str, **kw) -> Record:
        return Record(job.edition, outcome, duration=time.perf_counter() - start, **kw)

    try:
        tool, house = tool_version(), house_hash(job.settings)
        if (tool, house) != (job.tool, job.house):
            what = "publisher" if tool != job.tool else "house (settings, styles, font manifest, profile)"
            return record("failed", code="worker-mismatch", error=(
                f"this worker's {what} differs from the client's: tool {tool} vs {job.tool}, "
                f"house {house[:12]} vs {job.house[:12]}; install the same publisher and house "
                f"on every worker"))
        source, out_dir = Path(job.source), Path(job.out_dir)
        before = input_hash(sources_hash(source), house, tool, job.formats)
        if before == job.recorded_hash and outputs_verify(
                out_dir, job.recorded_outputs, job.recorded_folders) is None:
            return record("current", input_hash=before)
        # One edition per worker process: the cluster is the parallelism, so the print
        # build renders its pages in this process (no pool forked inside a worker).
        settings = job.settings.model_copy(update={
            "print": job.settings.print.model_copy(update={"workers": 1})})
        try:
            result = publish(source, out_dir, job.formats, settings)
        except PublisherError as exc:
            errors = exc.errors or exc.problems
            return record("failed", input_hash=before, code=errors[0].code if errors else "source",
                          error="\n".join(str(p) for p in errors[:50]))
        after = input_hash(sources_hash(source), house, tool, job.formats)
        if after != before:
            return record("sources-changed", input_hash=after,
                          error="the edition's files changed while it was being built")
        files, folders = output_hashes(out_dir, result.files)
        warnings = tuple(f"{p.code}: {p.message}" for p in result.warnings[:100])
        return record("built", input_hash=before, outputs=files, folders=tuple(folders),
                      warnings=warnings)
    except Exception as exc:  # a bug in publisher: this edition fails, the batch goes on
        log.exception("%s: unexpected error", job.edition)
        return record("failed", code="internal",
                      error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=30)}")
