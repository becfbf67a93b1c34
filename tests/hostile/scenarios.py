"""The interruption cases of the catalog: builds killed, interrupted, raced and starved of disk.

Each scenario returns (ok, actual, details). They run the real CLI in a subprocess, because
what they test (signals, a resource limit, two processes and one folder) only exists there.
No assertion depends on timing: a kill may land anywhere, and every place must be safe.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import catalog
from catalog import Case, Run, check_complete, execute, leftovers, prepare

from publisher.outputs import unfinished

ARTICLE = "articles/one.md"
EDITION_ID = "hostile-2019-10-21"  # the base edition's id: OUT/<id>/ holds its files


def _outputs(run: Run) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in run.outputs}


def _mark(run: Run, marker: str, article: str = ARTICLE) -> None:
    """Change the article so that a new build's outputs differ from the previous ones."""
    path = run.edition / article
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
        # killed between two renames: some outputs new, some not yet; the list beside them
        # (publisher.outputs.UNFINISHED) names those (``--skip-built`` builds them again)
        changed = {n for n in new if new[n] != previous.get(n)}
        replaced = {n for n in changed if now.get(n) == new[n]}
        if replaced and replaced != changed:
            listed = {Path(p).name for p in unfinished(run.out / EDITION_ID)}
            if not changed - replaced <= listed:
                problems.append(f"kill {k} after {delay:.2f} s: {sorted(replaced)} new, "
                                f"{sorted(changed - replaced)} not, and {catalog.UNFINISHED} names {sorted(listed)}")
        previous = {name: now.get(name, b"") for name in now}
    execute(run)
    if run.returncode != 0:
        problems.append(f"the build after the kills failed: {run.stderr[-1000:]}")
    if leftovers(run.out):
        problems.append(f"temporary files (or the list of outputs half replaced) left after the next "
                        f"build: {leftovers(run.out)}")
    for path in run.outputs:
        check_complete(path)
    return not problems, f"{kills} kills ({interrupted} mid-build), outputs always complete", problems


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


# ---------------------------------------------------------------- read once, never destroy


def swap(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """The photo is replaced by the secret photo right after the edition was read (publish's
    progress callback runs between reading and rendering): every output must hold the photo
    that was read and checked, none the secret."""
    run = prepare(case, tmp)
    script = (
        "import shutil, sys\n"
        "from pathlib import Path\n"
        "from publisher.publish import publish\n"
        "edition, out, secret = map(Path, sys.argv[1:4])\n"
        "done = []\n"
        "def step(message):\n"
        "    if message != 'reading the edition' and not done:\n"
        "        done.append(1)\n"
        "        photo = edition / 'images' / 'photo.jpg'\n"
        "        photo.unlink()\n"
        "        photo.symlink_to(secret)\n"
        "publish(edition, out, sys.argv[4:], progress=step)\n"
        "assert done\n")
    proc = subprocess.run([catalog.PYTHON, "-c", script, str(run.edition), str(run.out),
                           str(run.work / "secret" / "secret.jpg"), *case.formats(catalog.available_formats())],
                          cwd=catalog.ROOT, env=catalog.env(), capture_output=True, text=True, timeout=600)
    run.returncode, run.stderr = proc.returncode, proc.stderr
    problems = catalog.check(run, dict(case.expect, outcome="builds"))
    return (not problems, "the photo swapped for a link to a secret after the reading: outputs hold the photo "
            "that was read", problems)


def _snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: a file's bytes, a link's target, a folder's mark."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        elif path.is_file():
            found[rel] = path.read_bytes()
        else:
            found[rel] = "special"
    return found


def untouched(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """A command that would destroy data is refused with its code, and nothing in the work
    folder (the edition, the input, the target) changed, was added or went missing."""
    run = prepare(case, tmp)
    for rel, content in case.spec.get("target", {}).items():  # what lies in the way
        path = run.work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, "utf-8")
    before = _snapshot(run.work)
    execute(run)
    problems = []
    exp = case.expect
    if "Traceback" in run.stderr:
        problems.append("crashed with a traceback:\n" + run.stderr[-2000:])
    if run.returncode != exp.get("exit", 1):
        problems.append(f"exit {run.returncode}, expected {exp.get('exit', 1)}: {run.stderr[-800:]}")
    if exp.get("code") and f"error[{exp['code']}]" not in run.stderr:
        problems.append(f"no error[{exp['code']}] in stderr: {run.stderr[-800:]}")
    for word in exp.get("contains", []):
        if word.lower() not in run.stderr.lower():
            problems.append(f"stderr lacks {word!r}")
    after = _snapshot(run.work)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        problems.append(f"files changed, appeared or went missing: {changed[:10]}")
    return not problems, catalog.actual(run) + "; nothing changed", problems


def batch(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """Two editions in one run, the second lying where the first's outputs would go (OUT/<id>
    of the first): the first is refused, the second is built, the summary says so, and the
    second edition's own files are untouched."""
    run = prepare(case, tmp)
    other = run.work / "dist" / EDITION_ID  # the second edition's folder: the first's target
    shutil.copytree(catalog.BASE, other)
    toml = other / "edition.toml"
    toml.write_text(toml.read_text("utf-8").replace("2019-10-21", "2019-10-22"), "utf-8")
    before = _snapshot(other)
    run.args = ["build", str(run.edition), str(other), "--out", str(run.work / "dist"), "--format", "epub"]
    run.out = run.work / "dist"
    execute(run)
    problems = []
    if "Traceback" in run.stderr:
        problems.append("crashed with a traceback:\n" + run.stderr[-2000:])
    if run.returncode != 1 or "error[out-inside-edition]" not in run.stderr:
        problems.append(f"exit {run.returncode}, expected 1 with error[out-inside-edition]: {run.stderr[-800:]}")
    if "1 built" not in run.stdout + run.stderr or "1 failed" not in run.stdout + run.stderr:
        problems.append(f"no summary of 1 built, 1 failed: {run.stdout[-400:]} {run.stderr[-400:]}")
    if not (run.work / "dist" / "hostile-2019-10-22" / "hostile-2019-10-22.epub").is_file():
        problems.append("the second edition was not built")
    if _snapshot(other) != before:
        problems.append("the second edition's files changed")
    return not problems, "first refused (its outputs would land in the second edition), second built, summary", problems


def lock(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """Another process holds the output folder's lock: the build says at once who (pid,
    host, since when) and gives up after --lock-timeout with error[locked]."""
    run = prepare(case, tmp)
    folder = run.out / EDITION_ID
    folder.mkdir(parents=True)
    holder = subprocess.Popen([catalog.PYTHON, "-c", (
        "import fcntl, os, socket, sys, time\n"
        f"f = open({str(folder / '.publisher.lock')!r}, 'a+')\n"
        "fcntl.flock(f, fcntl.LOCK_EX)\n"
        "f.seek(0); f.truncate(); f.write(f'pid {os.getpid()} on {socket.gethostname()} since now\\n'); f.flush()\n"
        "print('held', flush=True)\n"
        "time.sleep(300)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        run.args += ["--lock-timeout", "2"]
        execute(run, timeout=300)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:  # the pipe, closed (filterwarnings = error sees a leak)
            holder.stdout.close()
    problems = catalog.check(run, dict(case.expect, outcome="error"))
    problems = [p for p in problems if not p.startswith("files were written on error")]
    if f"pid {holder.pid}" not in run.stderr:
        problems.append(f"the holder (pid {holder.pid}) is not named: {run.stderr[-600:]}")
    if [p for p in run.outputs if p.name != ".publisher.lock"]:
        problems.append(f"files were written: {run.outputs}")
    return not problems, catalog.actual(run) + "; names the holder, gave up after 2 s", problems


def reimport(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """An edition an import wrote is replaced by the next import with --force."""
    run = prepare(case, tmp)
    execute(run)
    first = run.returncode
    copy = run.work / "input" / case.spec["input"]
    copy.write_text(copy.read_text("utf-8").replace("第一段", "新的第一段"), "utf-8")
    run.args += ["--force"]
    assert run.imported is not None
    run.out = run.imported
    execute(run)
    problems = catalog.check(run, dict(case.expect, outcome="builds"))
    if first != 0:
        problems.append(f"the first import failed (exit {first})")
    return not problems, "replaced by the next import with --force; builds", problems


def import_sigkill(case: Case, tmp: Path, kills: int = 6, seed: int | None = None) -> tuple[bool, str, list[str]]:
    """Imports killed at random moments: the target is afterwards absent, or a complete
    edition (it reads back); the next import leaves no half edition behind."""
    from publisher.errors import PublisherError
    from publisher.sources import read_edition

    rng = random.Random(seed)
    run = prepare(case, tmp)
    target = run.imported
    assert target is not None
    run.args += ["--force"]
    start = time.monotonic()
    execute(run)
    duration = time.monotonic() - start
    problems = [] if run.returncode == 0 else [f"the first import failed: {run.stderr[-800:]}"]
    landed = 0
    for k in range(kills):
        proc = subprocess.Popen(catalog.command(run.args), cwd=catalog.ROOT, env=catalog.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_default_signals)
        time.sleep(rng.uniform(duration * 0.3, duration * 1.05))
        proc.kill()
        proc.communicate()
        landed += proc.returncode == -signal.SIGKILL
        if target.exists():
            try:
                read_edition(target)
            except PublisherError as exc:
                problems.append(f"kill {k}: the target is a half edition: {exc}")
    execute(run)
    if run.returncode != 0:
        problems.append(f"the import after the kills failed: {run.stderr[-800:]}")
    left = sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".imported."))
    if left:
        problems.append(f"hidden half editions left: {left}")
    return not problems, f"{kills} kills ({landed} mid-import): the target always whole, no half edition left", problems


def elsewhere(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """The same edition copied to another folder (another name, deeper) builds byte-identical
    outputs in every format."""
    run = prepare(case, tmp)
    execute(run)
    problems = [] if run.returncode == 0 else [f"build failed: {run.stderr[-800:]}"]
    first = {p.relative_to(run.out).as_posix(): p.read_bytes() for p in run.outputs}
    copy = run.work / "a" / "much" / "deeper" / "other-name"
    shutil.copytree(run.edition, copy, symlinks=True)
    second_out = run.work / "out2"
    args = list(run.args)
    args[1], args[args.index("--out") + 1] = str(copy), str(second_out)
    again = Run(case, run.work, copy, second_out, args)
    execute(again)
    second = {p.relative_to(second_out).as_posix(): p.read_bytes() for p in again.outputs}
    differ = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
    if differ:
        problems.append(f"outputs differ between the two folders: {differ[:10]}")
    return not problems, f"{len(first)} files, byte-identical wherever the edition lies", problems


# ---------------------------------------------------------------- archive bags (verify)

_BAGS: dict[bool, Path] = {}


def _bag(signed: bool) -> Path:
    """A two-page archive bag (signed with a key made for the test run, or not), built once."""
    if signed not in _BAGS:
        import tempfile

        root = Path(tempfile.mkdtemp(prefix="hostile-bag-"))
        atexit.register(shutil.rmtree, root, True)  # the session's bags, gone with it
        edition = root / "edition"
        shutil.copytree(catalog.BASE, edition)
        (edition / "articles" / "two.md").write_text(
            '+++\nheadline = "第二版的标题"\n+++\n第二版的正文，和第一版不同。\n', "utf-8")
        toml = edition / "edition.toml"
        toml.write_text(toml.read_text("utf-8") + '\n[[pages]]\nnumber = 2\nname = "综合"\n'
                        'articles = ["two"]\n', "utf-8")
        args = ["build", str(edition), "--out", str(root / "out"), "--format", "archive"]
        if signed:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "archive@hostile",
                            "-f", str(root / "key")], check=True)
            public = (root / "key.pub").read_text().split()
            (root / "allowed_signers").write_text(f"archive@hostile {public[0]} {public[1]}\n")
            args += ["--sign", str(root / "key")]
        proc = subprocess.run(catalog.command(args), cwd=catalog.ROOT, env=catalog.env(),
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        _BAGS[signed] = root
    return _BAGS[signed]


def _recompute(bag: Path) -> None:
    """What a forger does after changing a file: METS's sizes and checksums, then every
    manifest and the Payload-Oxum (bagit), recomputed."""
    import hashlib
    import logging
    import re

    import bagit

    logging.getLogger("bagit").setLevel(logging.CRITICAL)
    data = bag / "data"
    mets = (data / "mets.xml").read_text("utf-8")

    def fix(m: re.Match) -> str:
        content = (data / m.group(4)).read_bytes()
        return (f'{m.group(1)}SIZE="{len(content)}"{m.group(2)}{hashlib.sha256(content).hexdigest()}'
                f'{m.group(3)}{m.group(4)}"')

    mets = re.sub(r'(<mets:file [^>]*?)SIZE="\d+"([^>]*?CHECKSUM=")[0-9a-f]+'
                  r'("[^>]*>\s*<mets:FLocat[^>]*?href=")([^"]+)"', fix, mets)
    (data / "mets.xml").write_text(mets, "utf-8")
    bagit.Bag(str(bag)).save(manifests=True)


def _pdf_change(path: Path, change) -> None:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(path.read_bytes())) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
    path.write_bytes(out.getvalue())


def _tamper(kind: str, bag: Path) -> None:
    import pikepdf

    data = bag / "data"
    page = data / "pages" / "p01.pdf"
    if kind == "tag-not-utf8":
        with open(bag / "bag-info.txt", "ab") as f:
            f.write(b"Note: \xff\xfe\n")
    elif kind == "truncated-manifest":
        manifest = bag / "tagmanifest-sha256.txt"
        manifest.write_bytes(manifest.read_bytes()[:100])
    elif kind == "alto-not-utf8":
        with open(data / "alto" / "p01.xml", "ab") as f:
            f.write(b"\xff")
    elif kind == "one-byte-append":
        with open(page, "ab") as f:
            f.write(b"x")
    elif kind == "javascript":
        _pdf_change(page, lambda pdf: setattr(pdf.Root, "OpenAction", pdf.make_indirect(
            pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))))
    elif kind == "devicergb":
        _pdf_change(page, lambda pdf: pdf.pages[0].contents_add(
            pdf.make_stream(b"q 1 0 0 rg 0 0 10 10 re f Q"), prepend=False))
    elif kind == "info-xmp":
        _pdf_change(page, lambda pdf: pdf.docinfo.__setitem__("/Title", pikepdf.String("另一份报纸")))
    elif kind == "embedded-file":
        _pdf_change(page, lambda pdf: pdf.attachments.__setitem__(
            "notes.txt", pikepdf.AttachedFileSpec(pdf, b"not PDF/A", mime_type="text/plain")))
    elif kind == "pages-swapped":
        other = data / "pages" / "p02.pdf"
        a, b = page.read_bytes(), other.read_bytes()
        page.write_bytes(b)
        other.write_bytes(a)
    elif kind == "bag-info-vs-mets":
        info = bag / "bag-info.txt"
        info.write_text(info.read_text("utf-8").replace("Issue-Date: 2019-10-21", "Issue-Date: 2019-10-22"), "utf-8")
    elif kind == "mets-size-superscript":  # "²".isdigit() is True, int("²") raises
        mets = data / "mets.xml"
        mets.write_text(re.sub(r'(ID="PDF_p01"[^>]*SIZE=")[0-9]+"', r'\1²"', mets.read_text("utf-8"),
                               count=1), "utf-8")
    elif kind == "fifo":
        target = data / "nitf" / "one.xml"
        target.unlink()
        os.mkfifo(target)
    elif kind == "symlink":
        target = data / "sources" / "articles" / "one.md"
        target.unlink()
        target.symlink_to("/etc/passwd")
    elif kind != "none":
        raise ValueError(f"unknown tamper {kind!r}")


def verify(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """A bag changed as the case says (its checksums recomputed when a forger would), then
    ``publisher verify``: the expected code, no traceback, and exactly ``problems`` problems
    where the case counts them (each problem once: no cascade)."""
    spec = case.spec
    source = _bag(spec.get("signed", False))
    bag = tmp / case.name / "bag"
    shutil.copytree(source / "out" / EDITION_ID / "archive", bag, symlinks=True)
    _tamper(spec["tamper"], bag)
    if spec.get("recompute"):
        _recompute(bag)
    args = ["verify", str(bag)]
    if spec.get("signers"):
        args += ["--signers", str(_bag(True) / "allowed_signers")]
    proc = subprocess.run(catalog.command(args), cwd=catalog.ROOT, env=catalog.env(),
                          capture_output=True, text=True, timeout=600)
    exp = case.expect
    problems = []
    if "Traceback" in proc.stderr:
        problems.append("crashed with a traceback:\n" + proc.stderr[-2000:])
    if proc.returncode != exp.get("exit", 1):
        problems.append(f"exit {proc.returncode}, expected {exp.get('exit', 1)}: {proc.stderr[-800:]}")
    if exp.get("code") and f"error[{exp['code']}]" not in proc.stderr:
        problems.append(f"no error[{exp['code']}]: {proc.stderr[-800:]}")
    found = re.findall(r"error\[([a-z0-9-]+)\]", proc.stderr)
    if "problems" in exp and len(found) != exp["problems"]:
        problems.append(f"{len(found)} problems reported, expected {exp['problems']}: {found}")
    codes = ", ".join(sorted(set(found)))
    shown = f"exit {proc.returncode}" + (f" error[{codes}]" if codes else "") + f", {len(found)} problem(s)"
    return not problems, shown, problems


def run(case: Case, tmp: Path) -> tuple[bool, str]:
    ok, act, problems = dispatch(case, tmp)
    for p in problems:
        print(f"  {case.name}: {p}")
    return ok, act


def dispatch(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    exp = case.expect
    if case.scenario == "sigkill":
        return sigkill(case, tmp, kills=exp.get("kills", 10))
    if case.scenario == "stop":
        return stops(case, tmp)
    if case.scenario == "concurrent":
        return concurrent(case, tmp)
    if case.scenario == "fsize":
        return fsize(case, tmp)
    if case.scenario == "stale-temp":
        return stale_temp(case, tmp)
    named = {"swap": swap, "untouched": untouched, "batch": batch, "lock": lock,
             "reimport": reimport, "import-sigkill": import_sigkill, "elsewhere": elsewhere,
             "verify": verify}
    if case.scenario in named:
        return named[case.scenario](case, tmp)
    raise ValueError(f"{case.name}: unknown scenario {case.scenario!r}")


# ---------------------------------------------------------------- stopped as users stop a build

# The edition the stop scenarios build: three 版 of the sample's copy (a few articles each,
# placed by the make-up: CP-SAT solves), built as the reading PDF by 版 and the print pages,
# each with 2 workers, caches off (every build does every step).
_STOP_ARTICLES = ["rencai-dasai", "mingchu-liangzao", "hesheng-minjing", "yaozui-daqiao"]
_STOP_PAGES = 3
# How a build is stopped: Ctrl-C in a terminal signals the foreground process group; systemd's
# stop (KillMode=control-group) the whole cgroup, here the session the build leads; ``kill
# PID`` the build's process alone. ``workers``: systemd's stop as it reaches the build's
# workers first (it signals the processes of the cgroup one after another), the build's own
# signal late (here: never); the build must say it was terminated, not fail on a dead worker.
WAYS = {"terminal": (signal.SIGINT, "group"), "service": (signal.SIGTERM, "group"),
        "kill": (signal.SIGTERM, "pid"), "kill-int": (signal.SIGINT, "pid"),
        "workers": (signal.SIGTERM, "workers")}
# When: the first line of --verbose's log that says the build is there (the step goes on
# after it for a while: a signal sent then lands in it), the formats built (the work before
# that moment is all the build does that the moment needs) and, for the two moments too short
# to be hit by chance, where the build waits for the signal (_HOOKED).
MOMENTS = {
    # the other worker renders its 版
    "reading": (r"publisher\.reading: reading PDF: \S+: laid out", ["pdf"], ""),
    # a galley worker forked, its start made late (held until the signal is pending there)
    "galleys-born": (r"hostile: a galley worker is being born", ["print"], "born:galley"),
    # 版 2 and 3 being solved (CP-SAT)
    "make-up": (r"print pages: made up 版 1 of", ["print"], ""),
    # a print worker forked as 版 1 is handed out, its start made late likewise
    "print-born": (r"hostile: a print worker is being born", ["print"], "born:print"),
    # the two print workers render
    "print": (rf"print pages: made up 版 {_STOP_PAGES} of", ["print"], ""),
    # the temporary files written (the outputs' folder locked)
    "writing": (r"publisher\.publish: writing the outputs", ["print"], ""),
    # between the first rename and the last (Ctrl-C and SIGTERM held): all or nothing
    "renaming": (r"hostile: renaming", ["print"], "renaming"),
    # every output written and listed, the command returning
    "done": (r"hostile: the build is done", ["print"], "done"),
}
# The build's command with a hook that waits for the signal at one moment (HOSTILE_HOLD):
# in the renames, until the signal is pending (held there), or once the build is done,
# until the signal's handler acts; or in a pool's worker (the galleys', the print 版'), just
# forked, before it puts its own handlers in place (``workers.started``), until the signal is
# pending or its handler acts. Always at most two minutes; nothing else changes. Then the
# exit status of every process the build forked (a -9: one that did not end when asked, and
# was killed after the grace).
_HOOKED = """\
import multiprocessing.process, os, runpy, signal, sys, time
forked = []
start = multiprocessing.process.BaseProcess.start
def recorded(process):
    start(process)
    forked.append(process)
multiprocessing.process.BaseProcess.start = recorded
def wait(what, held):
    sys.stderr.write(f"INFO hostile: {what}\\n")
    sys.stderr.flush()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if held and signal.sigpending() & {signal.SIGINT, signal.SIGTERM}:
            return
        time.sleep(0.01)
hold = os.environ.get("HOSTILE_HOLD")
if hold == "renaming":
    from publisher import outputs
    mark, marked = outputs._mark_unfinished, []
    def held(root, paths):
        mark(root, paths)
        if paths and not marked:
            marked.append(root)
            wait("renaming the outputs into place", True)
    outputs._mark_unfinished = held
elif hold == "done":
    from publisher import cli
    build_all = cli._build_all
    def done(*args, **kwargs):
        build_all(*args, **kwargs)
        wait("the build is done", False)
    cli._build_all = done
elif hold.startswith("born:"):
    from publisher import workers
    from publisher.makeup import measure
    from publisher.printing import build
    started = workers.started
    def late():
        caller = sys._getframe(1).f_code.co_name  # a pool's worker: concurrent.futures'
        pool = "print" if build._JOB is not None else "galley" if measure._JOB is not None else ""
        if caller == "_process_worker" and hold == f"born:{pool}":
            wait(f"a {pool} worker is being born", True)
        started()
    for module in (workers, measure, build):  # where a pool takes it from
        if getattr(module, "started", None) is started:
            module.started = late
sys.argv[0] = "publisher"
said = []
def ended():  # once: after the command, or from its exit handlers (cli.leave ends the
    if said:  # process with os._exit once they have run: no finally after it)
        return
    said.append(True)
    ends = " ".join(str(p.exitcode) for p in forked)
    sys.stderr.write(f"INFO hostile: the processes forked ended: [{ends}]\\n")
    sys.stderr.flush()
import atexit
atexit.register(ended)
try:
    runpy.run_module("publisher", run_name="__main__", alter_sys=True)
finally:
    ended()
"""
_LOG = re.compile(r"^(DEBUG|INFO|WARNING|ERROR) [\w.]+: ")
_WARNING = re.compile(r"^(\S.*: )?warning\[[\w-]+\]: ")
GONE_WITHIN = 60.0  # seconds the build's processes have to end after the build's process did


def _said(err: str) -> list[str]:
    """What the build said to its user besides the log and the warnings it reports once the
    outputs are written (``underfull`` print pages and their hints): a signal that reaches the
    build only after the writing, as it can on a loaded machine, follows those warnings."""
    said: list[str] = []
    warning = False
    for line in err.splitlines():
        if not line.strip() or _LOG.match(line):
            continue
        if _WARNING.match(line) or (warning and line.startswith("    hint: ")):
            warning = True
            continue
        warning = False
        said.append(line)
    return said


def _stop_edition(run: Run) -> None:
    """The scenario's edition in place of the case's, its house beside it (caches off,
    the reading PDF by 版, 2 workers)."""
    import importlib.util

    shutil.rmtree(run.edition)
    big = catalog.ROOT / "benchmarks" / "make_big_edition.py"
    spec = importlib.util.spec_from_file_location("make_big_edition", big)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make(run.edition, pages=_STOP_PAGES, layout=False)
    toml = run.edition / "edition.toml"
    text = re.sub(r'^articles = \["(p\d+-)[^\n]*\]$',
                  lambda m: "articles = [" + ", ".join(f'"{m.group(1)}{a}"' for a in _STOP_ARTICLES) + "]",
                  toml.read_text("utf-8"), flags=re.M)
    toml.write_text(text, "utf-8")
    for path in (run.edition / "articles").glob("*.md"):
        if path.stem.split("-", 1)[1] not in _STOP_ARTICLES:
            path.unlink()  # on no page: a warning at every build
    root = catalog.ROOT
    house = (root / "pyproject.toml").read_text("utf-8")
    house = house[house.index("[tool.publisher]\n"):]
    for key in ("styles", "fonts", "output_profile"):  # the house's paths, from its folder
        house = re.sub(rf'^({key}) = "([^"]+)"', lambda m: f'{m.group(1)} = "{root / m.group(2)}"', house,
                       count=1, flags=re.M)
    house = house.replace("[tool.publisher.reading]\n", "[tool.publisher.reading]\nby_page = true\n")
    house = house.replace("[tool.publisher.print]\n", "[tool.publisher.print]\ncache = false\n")
    house = re.sub(r"^workers = \d+", "workers = 2", house, flags=re.M)
    house += "\n[tool.publisher.makeup]\ncache = false\n"
    (run.work / "house.toml").write_text(house, "utf-8")
    run.args = ["build", str(run.edition), "--out", str(run.out), "--house", str(run.work / "house.toml"),
                "--verbose"]


def _group(pgid: int) -> list[str]:
    """The processes of process group ``pgid``: "pid command line" each."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rpartition(")")[2].split()[2]) != pgid:
                continue
            state = stat.rpartition(")")[2].split()[0]
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, ValueError, IndexError):
            continue
        if state != "Z":
            found.append(f"{entry.name} {cmd[:120]}")
    return found


def _stopped_build(run: Run, tmpdir: Path, moment: str | None, sig: signal.Signals, how: str,
                   timeout: float = 600) -> tuple[int, str, str, list[str], int | None]:
    """The build started in a session of its own (a process group, as a terminal's job or a
    service's cgroup), ``sig`` sent to the group or to the build's process alone when the
    log reaches ``moment``: (exit status, stdout, stderr, the processes of the build left
    after it ended, how many processes the group had when signalled; None: never sent)."""
    import threading

    trigger, formats, hold = MOMENTS[moment] if moment else ("(?!)", [], "")
    env = dict(catalog.env(), TMPDIR=str(tmpdir), PUBLISHER_CACHE=str(run.work / "cache"), HOSTILE_HOLD=hold)
    args = [*run.args, *(a for f in formats for a in ("--format", f))]
    proc = subprocess.Popen([catalog.PYTHON, "-c", _HOOKED, *args], cwd=catalog.ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_signals,
                            start_new_session=True)
    pattern = re.compile(trigger)
    lines: list[str] = []
    out: list[str] = []
    sent: list[int] = []

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if how in ("group", "pid", "workers") and not sent and pattern.search(line):
                group = _group(proc.pid)
                sent.append(len(group))
                # the build's process is not reaped before this thread is done (below): ended,
                # it is a zombie still, and its group is there to be signalled
                if how == "group":
                    os.killpg(proc.pid, sig)
                elif how == "workers":  # every process of the build but its own
                    for pid in (int(p.split()[0]) for p in group):
                        if pid != proc.pid:
                            with contextlib.suppress(ProcessLookupError):
                                os.kill(pid, sig)
                else:
                    os.kill(proc.pid, sig)

    def read_out() -> None:
        assert proc.stdout is not None
        out.append(proc.stdout.read())

    readers = [threading.Thread(target=read_err, daemon=True), threading.Thread(target=read_out, daemon=True)]
    for t in readers:
        t.start()
    # The build's process is waited for, not reaped (WNOWAIT), until the reader threads are
    # done: the stderr reader may come to the moment's line only after the build ended (a
    # loaded machine runs it late; the line was the build's last words), and then signals a
    # zombie's group, not a pid already reaped (ProcessLookupError in the thread, seen at
    # load 20; or a process that took the pid over). A signal come so late is one the build
    # never saw: exit 0, "done", as for a signal after the writing.
    deadline = time.monotonic() + timeout
    while os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        if time.monotonic() >= deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.05)
    deadline = time.monotonic() + GONE_WITHIN
    left = _group(proc.pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _group(proc.pid)
    if left:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the test leaves nothing running either
    for t in readers:  # the pipes close once every process holding them ended
        t.join(GONE_WITHIN)
    proc.wait(GONE_WITHIN)  # ended above: reaped now
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
    return proc.returncode, "".join(out), "".join(lines), left, sent[0] if sent else None


def stops(case: Case, tmp: Path) -> tuple[bool, str, list[str]]:
    """The case's ways of stopping a build (``ways``: WAYS' names), each at every moment of
    MOMENTS (or those ``moments`` names for it): exit 128 + the signal with one line saying
    so, or 0 once the build was done; no process of the build left, nothing left in TMPDIR
    or the output folder, the previous outputs intact or replaced all together."""
    run = prepare(case, tmp)
    _stop_edition(run)
    tmpdir = run.work / "tmp"
    tmpdir.mkdir()
    problems: list[str] = []
    run.args += ["--format", "pdf", "--format", "print"]
    rc, _out, err, left, _ = _stopped_build(run, tmpdir, None, signal.SIGINT, "none")
    run.args = run.args[:-4]
    if rc != 0:
        return False, "the first build failed", [f"exit {rc}: {err[-2000:]}"]
    before = _outputs(run)
    seen: dict[str, list[str]] = {}  # way -> what each moment gave
    k = 0
    for way in case.spec["ways"]:
        hits = seen.setdefault(way, [])
        sig, how = WAYS[way]
        want, word = (130, "interrupted") if sig == signal.SIGINT else (143, "terminated")
        for moment in case.spec.get("moments", {}).get(way, MOMENTS):
            k += 1
            marker = "停" + "".join("零一二三四五六七八九"[int(d)] for d in str(k))  # no space in the text
            _mark(run, marker, f"articles/p01-{_STOP_ARTICLES[0]}.md")
            whom = {"group": "group", "pid": "build", "workers": "build's workers alone"}[how]
            what = f"{way} ({sig.name} to the {whom}) at {moment}"
            rc, out, err, left, group = _stopped_build(run, tmpdir, moment, sig, how)
            said = _said(err)
            if group is None:
                problems.append(f"{what}: the log never reached {moment!r} (exit {rc}): {err[-1500:]}")
                continue
            if how == "workers" and group < 2:
                problems.append(f"{what}: the build had no worker then")
            killed = [ln for ln in err.splitlines() if "hostile: the processes forked ended" in ln
                      and str(-signal.SIGKILL) in ln.partition("[")[2].split("]")[0].split()]
            if killed:
                problems.append(f"{what}: a process of the build was killed (it did not end when "
                                f"asked, within the grace): {killed}")
            # the files this build makes that show the changed article
            printed = [p for p in run.outputs if p.name.endswith("-print.pdf") or p.name == "p01.pdf"]
            reading = [p for p in run.outputs if p.suffix == ".pdf" and p not in printed and p.parent.name != "print"]
            formats = MOMENTS[moment][1]
            built = (printed if "print" in formats else []) + (reading if "pdf" in formats else [])
            now = _outputs(run)
            if rc == 0 and "wrote " in out:
                hits.append(f"{moment} 0 (done)")
                written = True
            else:
                hits.append(f"{moment} {rc}" + (f" ({group} processes)" if group > 1 else "")
                            + (" written" if "outputs were written" in err else ""))
                if rc != want:
                    problems.append(f"{what}: exit {rc}, expected {want}: {said[-10:]}")
                if len(said) != 1 or word not in said[0]:
                    problems.append(f"{what}: not the one line saying {word!r}: {said[-10:]}")
                written = "outputs were written" in err
            if moment == "done" and rc != 0:
                problems.append(f"{what}: the build was done, and it ends with exit {rc}: {said[-10:]}")
            if moment == "renaming" and not written:
                problems.append(f"{what}: the signal came while the outputs were renamed (held), "
                                f"and the build does not say they were written: {said[-10:]}")
            if written:
                for path in run.outputs:
                    check_complete(path)
                if not built or any(f"版本{marker}" not in catalog.pdf_text(p) for p in built):
                    problems.append(f"{what}: the outputs are not all the new ones: {[p.name for p in built]}")
                before = now
            elif now != before:
                problems.append(f"{what}: said nothing was written, and the outputs changed")
            if left:
                problems.append(f"{what}: processes of the build left {GONE_WITHIN:.0f} s after it ended: {left}")
            if leftovers(run.out):
                problems.append(f"{what}: temporary files left: {leftovers(run.out)}")
            temps = sorted(p.name for p in tmpdir.iterdir())
            if temps:
                problems.append(f"{what}: left in TMPDIR: {temps}")
                for p in tmpdir.iterdir():
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()
    shown = "; ".join(f"{way}: " + ", ".join(hits) for way, hits in seen.items())
    return (not problems, f"{shown}; one line each, no process, TMPDIR or temporary file left, outputs old "
            "or all new", problems)
