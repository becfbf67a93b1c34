"""The interruption cases of the catalog: builds killed, interrupted, raced and starved of disk.

Each scenario returns (ok, actual, details). They run the real CLI in a subprocess, because
what they test (signals, a resource limit, two processes and one folder) only exists there.
No assertion depends on timing: a kill may land anywhere, and every place must be safe.
"""

from __future__ import annotations

import random
import resource
import signal
import subprocess
import time
from pathlib import Path

import catalog
from catalog import Case, Run, check_complete, execute, leftovers, prepare

ARTICLE = "articles/one.md"
EDITION_ID = "hostile-2019-10-21"  # the base edition's id: OUT/<id>/ holds its files


def _outputs(run: Run) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in run.outputs}


def _mark(run: Run, marker: str) -> None:
    """Change the article so that a new build's outputs differ from the previous ones."""
    path = run.edition / ARTICLE
    text = path.read_text("utf-8")
    head, sep, body = text.partition("+++\n")[2].partition("+++\n")
    path.write_text("+++\n" + head + sep + f"版本{marker}。\n\n" + body.split("\n\n", 1)[-1], "utf-8")


def _default_signals() -> None:
    # a test started in the background of a shell inherits SIGINT ignored, and Python then
    # installs no Ctrl-C handler: give the build the ordinary disposition
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _popen(run: Run, **kw) -> subprocess.Popen:
    return subprocess.Popen(catalog.command(run.args), cwd=catalog.ROOT, env=catalog.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_signals, **kw)


def _reference(run: Run) -> dict[str, bytes]:
    """A complete build of the edition as it is now, made in a separate folder."""
    ref_out = run.work / f"ref-{time.monotonic_ns()}"
    args = list(run.args)
    args[args.index("--out") + 1] = str(ref_out)
    ref = Run(run.case, run.work, run.edition, ref_out, args)
    execute(ref)
    assert ref.returncode == 0, ref.stderr[-2000:]
    return _outputs(ref)


def _timed_build(run: Run) -> float:
    start = time.monotonic()
    execute(run)
    assert run.returncode == 0, run.stderr[-2000:]
    return time.monotonic() - start


def sigkill(case: Case, tmp: Path, kills: int = 10, seed: int | None = None) -> tuple[bool, str, list[str]]:
    rng = random.Random(seed)
    run = prepare(case, tmp)
    problems: list[str] = []
    duration = _timed_build(run)  # also leaves a first set of complete outputs
    previous = _outputs(run)
    interrupted = 0
    for k in range(kills):
        _mark(run, f"K{k}")
        new = _reference(run)
        delay = rng.uniform(0.0, duration * 1.1)
        proc = _popen(run)
        time.sleep(delay)
        proc.kill()
        proc.communicate()
        interrupted += proc.returncode == -signal.SIGKILL
        now = _outputs(run)
        for name in set(previous) | set(new):
            got = now.get(name)
            if got is None:
                problems.append(f"kill {k} after {delay:.2f} s: {name} is gone")
            elif got not in (previous.get(name), new.get(name)):
                problems.append(f"kill {k} after {delay:.2f} s: {name} is neither the previous "
                                f"nor the new complete file ({len(got)} bytes)")
        for path in run.outputs:
            try:
                check_complete(path)
            except Exception as exc:
                problems.append(f"kill {k}: {path.name} is broken: {exc}")
        previous = {name: now.get(name, b"") for name in now}
    execute(run)
    if run.returncode != 0:
        problems.append(f"the build after the kills failed: {run.stderr[-1000:]}")
    if leftovers(run.out):
        problems.append(f"temporary files left after the next build: {leftovers(run.out)}")
    for path in run.outputs:
        check_complete(path)
    return not problems, f"{kills} kills ({interrupted} mid-build), outputs always complete", problems


def _signal(case: Case, tmp: Path, sig: signal.Signals, want_exit: int, word: str,
            tries: int = 6, seed: int | None = None) -> tuple[bool, str, list[str]]:
    rng = random.Random(seed)
    run = prepare(case, tmp)
    problems: list[str] = []
    duration = _timed_build(run)
    before = _outputs(run)
    hits = early = 0
    lo, hi = duration * 0.35, duration * 0.85
    for k in range(tries):
        _mark(run, f"S{k}")
        # after Python has started and the CLI set its handlers (a signal before that ends the
        # process before it wrote anything), and before the build ends; a build that finished
        # first (the machine got faster) makes the next delay shorter
        delay = rng.uniform(lo, hi)
        proc = _popen(run)
        time.sleep(delay)
        proc.send_signal(sig)
        out, err = proc.communicate()
        if proc.returncode == 0 or "wrote " in out:
            # it finished first (a signal during interpreter shutdown ends it with -2 after the
            # outputs were written): the new outputs are the previous ones now
            for path in run.outputs:
                check_complete(path)
            before = _outputs(run)
            lo, hi = lo * 0.6, hi * 0.6
            continue
        if proc.returncode in (-sig, want_exit) and not err.strip():
            # it landed while Python was starting or typer was parsing, before the build
            # command ran: the process ended without doing anything (checked below)
            early += 1
        else:
            hits += 1
            # a shell reports both as 128 + signal: exit 130, or killed by SIGINT (CPython ends
            # itself with the signal when it saw a KeyboardInterrupt, in rare timings even handled)
            if proc.returncode not in (want_exit, -sig):
                problems.append(f"{sig.name} after {delay:.2f} s: exit {proc.returncode}, "
                                f"expected {want_exit}: {err[-800:]}")
            if word not in err.lower():
                problems.append(f"{sig.name}: the message lacks {word!r}: {err[-800:]}")
            if "Traceback" in err or len(err) > 500:
                problems.append(f"{sig.name}: not a short message: {err[-800:]}")
        if leftovers(run.out):
            problems.append(f"{sig.name}: temporary files left: {leftovers(run.out)}")
        now = _outputs(run)
        if now != before and now != _reference(run):
            problems.append(f"{sig.name}: the outputs changed and are not the new complete ones")
        before = now
    if hits == 0:
        problems.append(f"no {sig.name} landed during a build in {tries} tries")
    return (not problems, f"{hits} of {tries} builds interrupted mid-build ({early} before it began): "
            f"exit {want_exit}, no temporary file", problems)


def concurrent(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    run = prepare(case, tmp)
    reference = _reference(run)
    procs = [_popen(run) for _ in range(2)]
    results = [(*p.communicate(), p.returncode) for p in procs]
    problems = [f"build {i} exit {rc}: {err[-800:]}" for i, (_o, err, rc) in enumerate(results) if rc != 0]
    now = _outputs(run)
    if now != reference:
        problems.append(f"the outputs differ from a lone build: {sorted(now)} vs {sorted(reference)}")
    if leftovers(run.out):
        problems.append(f"temporary files left: {leftovers(run.out)}")
    return not problems, "both exit 0; one complete output, byte-identical to a lone build", problems


def fsize(case: Case, tmp: Path, limit: int = 64 * 1024) -> tuple[bool, str, list[str]]:
    run = prepare(case, tmp)
    _timed_build(run)
    before = _outputs(run)
    _mark(run, "F")

    def starve():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    execute(run, preexec_fn=starve)
    expect = dict(case.expect, outcome="error")
    problems = catalog.check(run, expect) if run.returncode != 0 else [f"exit 0 under a {limit}-byte file limit"]
    # check() demands an empty output folder on error; here the previous outputs must stay
    problems = [p for p in problems if not p.startswith("files were written on error")]
    if _outputs(run) != before:
        problems.append("the previous outputs changed")
    return not problems, catalog.actual(run) + "; previous outputs intact", problems


def stale_temp(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    run = prepare(case, tmp)
    folder = run.out / EDITION_ID
    folder.mkdir(parents=True)
    (folder / ".publisher-tmp-killed1").write_bytes(b"PK\x03\x04 half an epub")
    (folder / "sub").mkdir()
    (folder / "sub" / ".publisher-tmp-killed2").write_bytes(b"%PDF-1.7 half a pdf")
    execute(run)
    problems = catalog.check(run, dict(case.expect, outcome="builds"))
    return not problems, "builds; stale temporary files removed", problems


def run(case: Case, tmp: Path) -> tuple[bool, str]:
    ok, act, problems = dispatch(case, tmp)
    for p in problems:
        print(f"  {case.name}: {p}")
    return ok, act


def dispatch(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    exp = case.expect
    if case.scenario == "sigkill":
        return sigkill(case, tmp, kills=exp.get("kills", 10))
    if case.scenario == "sigint":
        return _signal(case, tmp, signal.SIGINT, exp["exit"], "interrupted")
    if case.scenario == "sigterm":
        return _signal(case, tmp, signal.SIGTERM, exp["exit"], "terminated")
    if case.scenario == "concurrent":
        return concurrent(case, tmp)
    if case.scenario == "fsize":
        return fsize(case, tmp)
    if case.scenario == "stale-temp":
        return stale_temp(case, tmp)
    raise ValueError(f"{case.name}: unknown scenario {case.scenario!r}")
