"""A backfill batch, run from the Dask client: plan, submit, retry, journal, report progress.

``backfill`` takes edition folders and an output folder, starts a ``LocalCluster`` of N
single-threaded worker processes (or connects to a running Dask scheduler), submits one
task per edition (``task.run_job``) and journals each record as it arrives. What a record
means for the journal:

- ``built``: done, with its input hash and its outputs' hashes;
- ``current``: the outputs recorded for the same input hash are on disk, unchanged: skipped;
- ``failed`` with a code: a publisher error (bad sources, a layout that does not fit), never
  retried; ``internal`` for a bug; ``worker-mismatch`` for a node with another tool or house;
- transient failures are retried up to ``retries`` times, then recorded as failed: the
  worker died under the edition (``worker-lost``: Dask runs it again on another worker),
  it ran past ``timeout`` (``timeout``: the worker killed itself and was restarted), or
  the sources changed while it was built (``sources-changed``).

The client counts attempts itself from the workers' "start" events (Dask's own count,
``allowed-failures``, also charges editions merely queued on a worker that died), and it
restarts a worker whose edition outlived its timeout without the worker noticing.

The library logs; ``on_update`` receives the running tally for a progress display.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import queue
import re
import time
import tomllib
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import dask
from distributed import Client, Future, KilledWorker, LocalCluster

from ..config import Settings
from ..errors import Problem, PublisherError
from ..fingerprint import house_hash, tool_version
from ..model import edition_id
from ..outputs import Editions, check_out_dir
from ..sources.files import EditionFiles, Refused
from .journal import Journal
from .task import Job, Record, run_job

log = logging.getLogger(__name__)

RETRIES = 2
TIMEOUT = 1800.0  # seconds: a 16-版 edition in every format takes about 70 s here
MAX_TASKS = 20  # editions per worker process before it is restarted
CONNECT_TIMEOUT = 60.0
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


class BackfillError(PublisherError):
    """The batch cannot run: no scheduler, no workers, an unusable output folder."""


@dataclass(frozen=True)
class Cluster:
    """Where the editions are built: N local worker processes, or a running scheduler."""

    workers: int | None = None  # local worker processes (default: one per core)
    scheduler: str | None = None  # tcp://host:port of a running Dask scheduler
    retries: int = RETRIES
    timeout: float = TIMEOUT  # seconds per edition (0: none)
    max_tasks: int = MAX_TASKS  # editions per worker process (0: never recycled)


@dataclass
class Tally:
    """The running counts a progress display shows."""

    total: int
    built: int = 0
    current: int = 0
    failed: int = 0
    retried: int = 0
    running: int = 0
    first_start: float | None = None  # time.monotonic() of the first edition started
    last_finish: float | None = None  # and of the last one finished

    @property
    def finished(self) -> int:
        return self.built + self.current + self.failed

    def eta(self) -> float | None:
        """Seconds left at the pace of the builds so far (skipped editions take ~nothing)."""
        worked = self.built + self.failed
        if not worked or self.first_start is None:
            return None
        pace = (time.monotonic() - self.first_start) / worked
        return pace * (self.total - self.finished)


@dataclass(frozen=True)
class Failure:
    edition: str
    source: str
    code: str
    message: str


@dataclass
class Summary:
    tally: Tally
    batch: int
    wall: float
    failures: list[Failure] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)  # what the workers answered

    def by_code(self) -> dict[str, list[Failure]]:
        groups: dict[str, list[Failure]] = {}
        for f in sorted(self.failures, key=lambda f: (f.code, f.edition)):
            groups.setdefault(f.code, []).append(f)
        return groups


# ---------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Item:
    edition: str
    source: Path


def peek_id(folder: Path) -> str | None:
    """The edition's id from its edition.toml alone (the build checks everything else)."""
    try:  # read as the build reads it: never through a link, never waiting on a FIFO
        data = tomllib.loads(EditionFiles(Path(folder)).read("edition.toml").decode("utf-8"))
        paper, issue = data["paper"]["id"], data["issue"]
        date, code = issue["date"], issue.get("edition_code")
    except (OSError, Refused, ValueError, RecursionError, KeyError, TypeError):  # ValueError: TOML's
        # and Unicode's decoding errors, and int() refusing a number of 4,300+ digits
        return None
    if not (isinstance(paper, str) and isinstance(date, dt.date) and not isinstance(date, dt.datetime)
            and (code is None or isinstance(code, str))):
        return None
    eid = edition_id(paper, date, code)
    return eid if _ID.match(eid) else None


def plan(editions: Iterable[Path]) -> tuple[list[_Item], list[Failure]]:
    """One item per edition folder, keyed by edition id (the folder path when none can be
    read: its build then reports why). Two folders with one id would write one output
    folder: the later one fails with ``duplicate-edition``."""
    items: list[_Item] = []
    failures: list[Failure] = []
    by_key: dict[str, Path] = {}
    seen: set[Path] = set()
    for folder in editions:
        resolved = Path(folder).resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        key = peek_id(folder) or str(resolved)
        if key in by_key:
            failures.append(Failure(str(resolved), str(folder), "duplicate-edition",
                                    f"{folder} is edition {key}, as {by_key[key]} is: both would "
                                    f"write {key}/; give each issue once"))
            continue
        by_key[key] = Path(folder)
        items.append(_Item(key, resolved))
    return items, failures


def _outside_editions(items: list[_Item], failures: list[Failure],
                      out_dir: Path) -> tuple[list[_Item], list[Failure]]:
    """Items whose outputs (OUT/<edition-id>) would land in an edition folder of the batch
    (``--out editions``, editions named by their ids) fail with ``out-inside-edition``."""
    editions = Editions(item.source for item in items)
    kept = []
    for item in items:
        if Path(item.edition).is_absolute():  # no id could be read: the build says why, and
            kept.append(item)                  # writes nothing (OUT/<folder path> is no target)
            continue
        why = editions.overlap(out_dir / item.edition)
        if why is None:
            kept.append(item)
        else:
            failures.append(Failure(item.edition, str(item.source), "out-inside-edition",
                                    f"the outputs would go to {out_dir / item.edition}, which {why}"))
    return kept, failures


# ---------------------------------------------------------------- the cluster


@contextmanager
def connect(cluster: Cluster) -> Iterator[tuple[Client, str]]:
    """A Dask client on a LocalCluster of single-threaded worker processes, or on the
    scheduler at ``cluster.scheduler``; and a description for the journal."""
    if cluster.scheduler:
        try:
            client = Client(cluster.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise BackfillError(Problem(
                f"cannot reach the Dask scheduler at {cluster.scheduler}: {exc}",
                hint="start one with `dask scheduler` and workers with `dask worker ADDRESS "
                     "--nthreads 1`, or leave out --scheduler to use this machine",
                code="scheduler")) from None
        try:
            try:
                client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            except (TimeoutError, OSError):
                raise BackfillError(Problem(
                    f"the Dask scheduler at {cluster.scheduler} has no worker",
                    hint="start workers with `dask worker ADDRESS --nthreads 1`", code="scheduler")) from None
            workers = client.scheduler_info(n_workers=-1)["workers"]
            threaded = [a for a, w in workers.items() if w.get("nthreads", 1) > 1]
            if threaded:
                log.warning("%d worker(s) run several threads (%s): editions are CPU-bound, start "
                            "workers with --nthreads 1 and one process per core", len(threaded),
                            threaded[0])
            yield client, f"scheduler {cluster.scheduler}"
        finally:
            client.close()
        return
    n = cluster.workers or len(os.sched_getaffinity(0))
    # worker-saturation 1.0: no edition waits on a worker behind another (a worker that dies
    # would take it down with it); allowed-failures: Dask's own count of worker deaths.
    with dask.config.set({"distributed.scheduler.allowed-failures": max(cluster.retries, 0),
                          "distributed.scheduler.worker-saturation": 1.0}):
        local = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                             dashboard_address="127.0.0.1:0",  # any free port, this machine only
                             # Dask's own logs (a heartbeat missed at shutdown…) only with -v:
                             # what matters for an edition is in its record and the journal
                             silence_logs=logging.INFO if log.isEnabledFor(logging.INFO) else logging.CRITICAL)
        try:
            client = Client(local, set_as_default=False)
            try:
                yield client, f"local {n} worker process(es)"
            finally:
                client.close()
        finally:
            local.close()


# ---------------------------------------------------------------- the batch


def backfill(editions: Sequence[Path], out_dir: Path, formats: Sequence[str], settings: Settings,
             cluster: Cluster = Cluster(),
             on_update: Callable[[Tally], None] | None = None) -> Summary:
    """Build every edition that is not current in ``out_dir``; journal everything."""
    started = time.monotonic()
    formats = tuple(dict.fromkeys(formats))
    out_dir = Path(out_dir)
    if editions:  # usable at all (each edition's build checks it is not inside that edition)
        check_out_dir(out_dir, Path(editions[0]))
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(update={"print": settings.print.model_copy(update={"workers": 1})})
    tool, house = tool_version(), house_hash(settings)
    with Journal.open(out_dir) as journal:
        items, duplicates = plan(editions)
        items, duplicates = _outside_editions(items, duplicates, out_dir)
        tally = Tally(total=len(items) + len(duplicates), failed=len(duplicates))
        batch = journal.start_batch(tool, house, list(formats),
                                    f"scheduler {cluster.scheduler}" if cluster.scheduler
                                    else f"local {cluster.workers or len(os.sched_getaffinity(0))}",
                                    tally.total)
        for d in duplicates:
            journal.failed(batch, d.edition, d.source, None, d.code, d.message, 0, None, None)
        outcome = "stopped"
        try:
            with connect(cluster) as (client, _):
                topic = f"publisher-backfill-{uuid.uuid4().hex[:12]}"

                def job(item: _Item) -> Job:  # made when submitted: a bag's record is large
                    entry = journal.entry(item.edition)
                    done = entry if entry is not None and entry.state == "done" else None
                    return Job(
                        edition=item.edition, source=str(item.source), out_dir=str(out_dir.resolve()),
                        formats=formats, settings=settings, tool=tool, house=house, topic=topic,
                        timeout=cluster.timeout, max_tasks=cluster.max_tasks,
                        recorded_hash=done.input_hash if done else None,
                        recorded_outputs=done.outputs if done else {},
                        recorded_folders=tuple(done.folders) if done else ())

                runner = _Runner(client, journal, batch, cluster, tally, on_update, topic, items, job)
                try:
                    runner.run()
                except (OSError, TimeoutError) as exc:  # CommClosedError is an OSError
                    raise BackfillError(Problem(
                        f"lost the Dask scheduler: {exc}",
                        hint="every edition finished so far is in the journal: run the same "
                             "command again once the cluster is back", code="scheduler")) from None
            outcome = "finished"
        finally:
            journal.finish_batch(batch, outcome)
        return Summary(tally, batch, time.monotonic() - started,
                       failures=duplicates + runner.failures, records=runner.records)


@dataclass
class _State:
    index: int
    item: _Item
    job: Job | None = None
    future: Future | None = None
    submissions: int = 0
    attempts: int = 0  # starts seen
    open_attempt: bool = False
    since: float = 0.0  # monotonic time of the open attempt's start
    worker: str | None = None
    last_failure: str = "worker-lost"
    finished: bool = False


class _Runner:
    """Keeps about two editions per worker thread submitted (the rest wait here, so the
    scheduler and the client hold a few jobs, not thousands), and settles each one."""

    def __init__(self, client: Client, journal: Journal, batch: int, cluster: Cluster, tally: Tally,
                 on_update: Callable[[Tally], None] | None, topic: str, items: list[_Item],
                 job: Callable[[_Item], Job]):
        self.client, self.journal, self.batch, self.cluster = client, journal, batch, cluster
        self.tally, self.on_update, self.topic, self.job = tally, on_update, topic, job
        self.states = {item.edition: _State(i, item) for i, item in enumerate(items)}
        self.waiting = deque(self.states.values())
        self.active: dict[str, _State] = {}
        self.failures: list[Failure] = []
        self.records: list[Record] = []
        self.events: queue.Queue = queue.Queue()
        self.max_attempts = max(cluster.retries, 0) + 1
        self.window = 4
        self._window_checked = 0.0

    # ------------------------------------------------------------ loop

    def run(self) -> None:
        self.client.subscribe_topic(self.topic, lambda event: self.events.put(("event", event[1])))
        try:
            self._fill()
            self._update()
            while self.active or self.waiting:
                try:
                    kind, *payload = self.events.get(timeout=1.0)
                except queue.Empty:
                    self._check_deadlines()
                    self._fill()
                    continue
                if kind == "event":
                    self._on_event(payload[0])
                else:
                    self._on_done(*payload)
                self._fill()
                self._update()
        finally:
            pending = [s.future for s in self.active.values() if s.future is not None]
            if pending:
                self.client.cancel(pending)
            with contextlib.suppress(ValueError):  # never subscribed
                self.client.unsubscribe_topic(self.topic)

    def _fill(self) -> None:
        """Submit waiting editions up to two per worker thread (looked up again every 10 s:
        workers may join or leave a cluster)."""
        if time.monotonic() - self._window_checked > 10:
            self._window_checked = time.monotonic()
            self.window = max(4, 2 * sum(self.client.nthreads().values()))
        while self.waiting and len(self.active) < self.window:
            state = self.waiting.popleft()
            state.job = self.job(state.item)
            self.active[state.item.edition] = state
            self._submit(state)

    def _update(self) -> None:
        self.tally.running = sum(1 for s in self.active.values() if s.open_attempt)
        if self.on_update:
            self.on_update(self.tally)

    def _submit(self, state: _State) -> None:
        state.submissions += 1
        future = self.client.submit(run_job, state.job, pure=False,
                                    key=f"{self.topic}-{state.index}-{state.submissions}")
        state.future = future
        future.add_done_callback(lambda f, e=state.item.edition: self.events.put(("done", e, f)))

    # ------------------------------------------------------------ events

    def _on_event(self, msg: dict) -> None:
        state = self.states.get(msg.get("edition", ""))
        if state is None or state.finished:
            return
        if msg.get("event") == "start":
            if state.open_attempt:  # started again without an answer: its worker was lost
                self._end_attempt(state, "worker-lost")
                self.tally.retried += 1
            state.attempts += 1
            state.open_attempt, state.since, state.worker = True, time.monotonic(), msg.get("worker")
            if self.tally.first_start is None:
                self.tally.first_start = state.since
            self.journal.attempt_started(self.batch, state.item.edition, state.attempts,
                                         state.worker, msg.get("pid"))
            if state.attempts > self.max_attempts:
                self._give_up(state)
        elif msg.get("event") == "timeout" and state.open_attempt:
            self._end_attempt(state, "timeout")
            if state.attempts >= self.max_attempts:
                self._give_up(state)

    def _end_attempt(self, state: _State, outcome: str, code: str | None = None,
                     duration: float | None = None) -> None:
        self.journal.attempt_ended(self.batch, state.item.edition, state.attempts, outcome, code,
                                   duration if duration is not None else time.monotonic() - state.since)
        state.open_attempt = False
        if outcome in ("timeout", "worker-lost", "sources-changed"):
            state.last_failure = outcome

    def _check_deadlines(self) -> None:
        """A worker past an edition's timeout by a margin did not kill itself: restart it
        from here (its nanny starts a new process; dask/distributed#4193)."""
        if self.cluster.timeout <= 0:
            return
        margin = max(30.0, 0.25 * self.cluster.timeout)
        now = time.monotonic()
        for state in self.states.values():
            if state.finished or not state.open_attempt or now - state.since < self.cluster.timeout + margin:
                continue
            log.error("%s: no answer from %s after %.0f s; restarting that worker", state.item.edition,
                      state.worker, now - state.since)
            self._end_attempt(state, "timeout")
            if state.attempts >= self.max_attempts:
                self._give_up(state)
            if state.worker:
                try:
                    self.client.restart_workers([state.worker], timeout=30, raise_for_error=False)
                except Exception as exc:  # the restart is best effort: the scheduler may drop it
                    log.warning("could not restart %s: %s", state.worker, exc)

    def _on_done(self, edition: str, future: Future) -> None:
        state = self.states[edition]
        if state.future is not future or state.finished:
            return
        status = future.status
        if status == "cancelled":
            self._transient(state, "worker-lost")  # not ours: e.g. the scheduler restarted
            return
        if status == "finished":
            record = future.result()
            state.future = None
            future.release()
            self._on_record(state, record)
            return
        exc = future.exception()
        state.future = None
        future.release()
        if isinstance(exc, (KilledWorker, OSError, TimeoutError)):
            self._transient(state, state.last_failure)
        else:  # the task itself broke (a bug in the backfill): this edition fails, the rest go on
            self._finish(state, "failed", "internal", f"{type(exc).__name__}: {exc}")

    def _on_record(self, state: _State, record: Record) -> None:
        if not state.open_attempt:  # its start event is still on its way (or was lost)
            state.attempts += 1
            self.journal.attempt_started(self.batch, state.item.edition, state.attempts,
                                         record.worker, record.pid)
            state.open_attempt = True
        self._end_attempt(state, record.outcome, record.code, record.duration)
        self.records.append(replace(record, outputs={}, folders=()))  # those are in the journal
        self.tally.last_finish = time.monotonic()
        edition, source = state.item.edition, str(state.item.source)
        if record.outcome == "sources-changed":
            self._transient(state, "sources-changed")
        elif record.outcome == "built":
            self.journal.done(self.batch, edition, source, record.input_hash or "", record.outputs,
                              list(record.folders), list(record.warnings), state.attempts,
                              record.duration, record.worker)
            self.tally.built += 1
            self._settled(state)
        elif record.outcome == "current":
            self.journal.checked(self.batch, edition, source)
            self.tally.current += 1
            self._settled(state)
        else:
            self._finish(state, "failed", record.code or "internal", record.error or "",
                         input_hash=record.input_hash, duration=record.duration, worker=record.worker)

    def _transient(self, state: _State, reason: str) -> None:
        if state.open_attempt:
            self._end_attempt(state, reason)
        state.last_failure = reason
        if state.attempts < self.max_attempts:
            self.tally.retried += 1
            self._submit(state)
        else:
            self._give_up(state)

    def _give_up(self, state: _State) -> None:
        if state.future is not None:
            self.client.cancel([state.future])
            state.future = None
        reason = state.last_failure
        what = {"timeout": f"ran past the timeout of {self.cluster.timeout:.0f} s",
                "worker-lost": "its worker process died",
                "sources-changed": "its files changed while it was being built"}.get(reason, reason)
        self._finish(state, "failed", reason, f"{what}, on each of {state.attempts} attempt(s)")

    def _finish(self, state: _State, outcome: str, code: str, message: str, input_hash: str | None = None,
                duration: float | None = None, worker: str | None = None) -> None:
        if state.open_attempt:
            self._end_attempt(state, outcome, code)
        self.journal.failed(self.batch, state.item.edition, str(state.item.source), input_hash, code,
                            message, state.attempts, duration, worker or state.worker)
        self.failures.append(Failure(state.item.edition, str(state.item.source), code,
                                     message.splitlines()[0] if message else ""))
        self.tally.failed += 1
        self._settled(state)

    def _settled(self, state: _State) -> None:
        state.finished, state.job = True, None
        self.active.pop(state.item.edition, None)
