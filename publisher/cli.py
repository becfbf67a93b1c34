"""The ``publisher`` command line: parses, calls the library, renders its results.

The only module that imports typer and rich. User errors (PublisherError) are printed as
``file:line: message`` with their hints, without a traceback, and exit 1; Ctrl-C exits
130 with a short message; anything else is a bug, reported as error[internal] naming what
was worked on (its traceback with --verbose or PUBLISHER_TRACEBACK=1), exit 1. ``main``,
the console script's entry point, puts that net and the SIGTERM handler around ``app``.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from . import formats as output_formats
from .errors import Problem, PublisherError, grouped
from .signals import INTERRUPTED, NOTHING_WRITTEN, TERMINATED, Terminated, on_sigterm, stopped

if TYPE_CHECKING:
    from .config import Settings
    from .outputs import Editions

app = typer.Typer(
    name="publisher",
    help="E-edition publisher for Chinese newspapers: one issue in; reader EPUB, reading PDF, "
         "print PDF/X pages, a web 数字报 with feeds and an archive package out.\n\n"
         "Example: publisher build editions/xnrb-2019-10-21-xianan --out dist",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # help texts are plain text: rich markup would eat [paper], [issue], [tool.publisher…]
    rich_markup_mode=None,
)
fonts_app = typer.Typer(help="The pinned fonts of fonts/fonts.toml.", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(fonts_app, name="fonts")
import_app = typer.Typer(help="Turn newsroom copy (plain text, a CMS's JSON feed, RSS/Atom, NITF) "
                              "into an edition folder.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(import_app, name="import")

# soft_wrap: a line is never broken at the console's width (80 columns when the output is
# redirected to a log); the terminal wraps long lines itself.
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            out.print(f"publisher {version('publisher')}")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            out.print("publisher (not installed)")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """E-edition publisher for Chinese newspapers."""


class Profile(str, Enum):
    bag = "bag"
    ndnp = "ndnp"


_PROFILE = typer.Option("--profile", help="The archive's layout: bag (default: one BagIt bag per "
                        "issue, OUT/<edition-id>/archive/) or ndnp (each issue as the Library of "
                        "Congress's NDNP takes it, OUT/<edition-id>/ndnp/, and a batch of all of "
                        "them, OUT/batch_<awardee>_<name>_ver01/; docs/archive.md).")
_BATCH_NAME = typer.Option("--batch-name", help="With --profile ndnp: the batch's name (letters and "
                           "digits). Default: the papers and the span of dates.")


class PageSize(str, Enum):
    a4 = "A4"
    phone = "phone"


# --format's choices: publisher.formats names them
Format = Enum("Format", [(name, name) for name in output_formats.ALL], type=str)  # type: ignore[misc]


HOUSE_HELP = ("The house file: the TOML file with publisher's settings (a folder: its "
              "pyproject.toml). Default: $PUBLISHER_HOUSE, else the nearest pyproject.toml with "
              "publisher settings in the working directory or its parents, else the default house.")
_HOUSE = typer.Option("--house", help=HOUSE_HELP, metavar="FILE")
_LOCK_TIMEOUT = typer.Option("--lock-timeout", help="Seconds to wait while another build writes the same output folder (it is named at once). Default: lock_timeout of the house's [tool.publisher.outputs], 600.", metavar="SECONDS")
_SIGN = typer.Option("--sign", help="Sign each archive bag's tag manifest with this OpenSSH key (ssh-keygen -Y sign; a .pub file uses ssh-agent). Default: sign_key of the house's [tool.publisher.archive], else unsigned.", metavar="KEY")


# How a finding is coloured, whatever reported it: a Problem's severity (errors.Severity),
# a preflight finding's (error, warning, ok), an import finding's level (problem, guess,
# note, recognised).
COLOURS = {"error": "red", "problem": "red", "warning": "yellow", "guess": "yellow",
           "note": "cyan", "ok": "green", "recognised": "green"}


def _report(problems: list[Problem]) -> None:
    for p in grouped(problems):
        colour = COLOURS[p.severity.value]
        where = f"{escape(p.where)}: " if p.where else ""
        # the stable code in brackets (as rustc does) lets scripts and tests tell errors apart
        err.print(f"{where}[{colour}]{p.severity.value}[/{colour}]\\[{p.code}]: {escape(p.message)}",
                  markup=True, soft_wrap=True)
        if p.hint:
            err.print(f"    hint: {p.hint}", markup=False, soft_wrap=True)


def _fail(exc: PublisherError) -> NoReturn:
    _report(exc.problems)
    n = len(exc.errors)
    err.print(f"[red]{n} error{'s' if n != 1 else ''}[/red]; nothing was written.", markup=True)
    raise typer.Exit(exc.exit_code)


def _interrupt_in(exc: BaseException) -> KeyboardInterrupt | Terminated | None:
    """The Ctrl-C or SIGTERM inside ``exc``, when a library turned it into an error of its own:
    an extension module interrupted while it initialises (OR-Tools, numpy, imported where a
    build first needs them) raises ImportError from it."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, (KeyboardInterrupt, Terminated)):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def _stopped(exc: KeyboardInterrupt | Terminated, written: bool = False) -> NoReturn:
    """Say the command was stopped, and whether its outputs were written (``written``, or the
    signal held while they were renamed: ``outputs_written``), and exit so."""
    line, code = stopped(exc, "the outputs were written before it stopped"
                         if written or getattr(exc, "outputs_written", False) else NOTHING_WRITTEN)
    err.print(line)
    raise typer.Exit(code) from None


_console = False  # set by ``main``: the process is the command's own


def _finished(code: int = 0) -> None:
    """The command's work is done and reported: a Ctrl-C or SIGTERM from now on ends the
    process at once with the command's own status. Python's own handling would say
    "Aborted!" and exit 1 (click), claim nothing was written (``main``), or, once the
    interpreter is shutting down and has put back SIGINT's default action, end the process
    by the signal with no word, after every output was written and listed. Only in the
    command's own process (``main``): a command run inside another program (a test's
    CliRunner) leaves that program's handlers alone."""
    if not _console:
        return

    def done(signum, frame) -> NoReturn:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)

    signal.signal(signal.SIGINT, done)
    signal.signal(signal.SIGTERM, done)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@app.command()
def build(
    editions: Annotated[list[Path], typer.Argument(help="The edition folder(s) (each holds edition.toml).", metavar="EDITION...")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder; files go to OUT/<edition-id>/.")] = Path("dist"),
    formats: Annotated[list[Format] | None, typer.Option("--format", "-f", help="Repeatable. Default: epub and pdf; kepub, print and archive only when asked (archive writes OUT/<edition-id>/archive/).")] = None,
    skip_built: Annotated[bool, typer.Option("--skip-built", help="Skip an edition whose requested outputs are all in OUT already (resumes a batch).")] = False,
    page_size: Annotated[PageSize | None, typer.Option("--page-size", help="The reading PDF's page: A4, or phone (90 x 160 mm). Default: page_size of the house's [tool.publisher.reading].")] = None,
    profile: Annotated[Profile, _PROFILE] = Profile.bag,
    batch_name: Annotated[str | None, _BATCH_NAME] = None,
    house: Annotated[Path | None, _HOUSE] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-j", min=1, max=64, help="Worker processes rendering 版 in parallel, as make -j. Default: workers of the house's [tool.publisher.print], else one per core.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step (and print the traceback of an internal error).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print problems only: no progress, no list of files written.")] = False,
    lock_timeout: Annotated[int | None, _LOCK_TIMEOUT] = None,
    sign: Annotated[Path | None, _SIGN] = None,
) -> None:
    """Build an edition's outputs; several editions build one after the other (a backfill).

    In a batch, an edition that fails is reported and the next one is built; the exit code
    is 1 when any failed. Outputs are written whole or not at all, so a batch stopped midway
    is resumed with --skip-built. Every edition is built with the one house (settings,
    styles, fonts), read once: an edition never brings its own.

    Example: publisher build editions/xnrb-2019-10-21-xianan --out dist --format epub
    Example: publisher build editions/xnrb-2019-* --out archive-2019 --format archive --skip-built
    """
    _setup_logging(verbose)
    _build_all(editions, out_dir, [f.value for f in formats] if formats else list(output_formats.DEFAULT),
               skip_built, house, page_size.value if page_size else None, quiet,
               _Run(verbose, lock_timeout, sign, profile.value, batch_name, workers))


def _house(house: Path | None, editions: Sequence[Path] = ()) -> Settings:
    """The run's house settings, read once (its errors end the run before anything is built)."""
    from .config import load_settings

    try:
        return load_settings(house, editions=editions)
    except PublisherError as exc:
        _fail(exc)


@dataclass(frozen=True)
class _Run:
    """How a build command runs, beside what it builds."""

    verbose: bool = False  # print the traceback of an internal error
    lock_timeout: int | None = None  # overrides the house's
    sign: Path | None = None  # overrides the house's
    profile: str = "bag"  # the archive's layout: the bag, or NDNP issues and their batch
    batch_name: str | None = None  # the NDNP batch's name (default: papers and dates)
    workers: int | None = None  # overrides the house's print workers


def _build_all(editions: list[Path], out_dir: Path, chosen: list[str], skip_built: bool,
               house: Path | None = None, page_size: str | None = None,
               quiet: bool = False, run: _Run = _Run()) -> None:
    """One edition: its errors end the run. Several: each is reported, then a summary. With
    the NDNP profile, the batch of them all is written once every one is built."""
    from .outputs import Editions
    from .publish import built_already

    signal.signal(signal.SIGTERM, on_sigterm)
    settings = _house(house, editions)
    if page_size:
        reading = settings.reading.model_copy(update={"page_size": page_size})
        settings = settings.model_copy(update={"reading": reading})
    if run.lock_timeout is not None:
        outputs = settings.outputs.model_copy(update={"lock_timeout": run.lock_timeout})
        settings = settings.model_copy(update={"outputs": outputs})
    if run.sign is not None:
        signing = settings.archive.model_copy(update={"sign_key": run.sign.resolve()})
        settings = settings.model_copy(update={"archive": signing})
    if run.workers:
        settings = settings.model_copy(
            update={"print": settings.print.model_copy(update={"workers": run.workers})})
    ndnp = run.profile == "ndnp" and "archive" in chosen
    if len(editions) == 1 and not skip_built:
        _build(editions[0], out_dir, chosen, settings, quiet, run=run)
        if ndnp:
            _ndnp_batch(editions, out_dir, settings, run.batch_name)
        _finished()
        return
    everything = Editions(editions)  # outputs land in none of them
    failed: list[Path] = []
    skipped = 0
    for n, edition in enumerate(editions, 1):
        try:
            done = skip_built and built_already(edition, out_dir, chosen, run.profile)
        except Exception:
            done = False
        if done:
            skipped += 1
            continue
        if not quiet:
            err.print(f"[{n}/{len(editions)}] {escape(str(edition))}", highlight=False, markup=False)
        try:
            _build(edition, out_dir, chosen, settings, quiet, batch=everything, run=run)
        except typer.Exit as stop:
            if stop.exit_code in (INTERRUPTED, TERMINATED):  # Ctrl-C or SIGTERM stops the whole batch
                err.print(f"stopped at {edition}: the {n - 1 - len(failed) - skipped} edition(s) "
                          "built before it are complete; resume with --skip-built")
                raise
            failed.append(edition)
    built = len(editions) - len(failed) - skipped
    summary = f"{built} built, {skipped} skipped (already built), {len(failed)} failed"
    if failed:
        err.print(f"[red]{summary}:[/red] " + ", ".join(escape(str(p)) for p in failed), markup=True)
        if ndnp:
            err.print("no NDNP batch was written: it holds every issue asked for")
        _finished(1)
        raise typer.Exit(1)
    out.print(summary)
    if ndnp:
        _ndnp_batch(editions, out_dir, settings, run.batch_name)
    _finished()


def _ndnp_batch(editions: list[Path], out_dir: Path, settings: Settings, name: str | None) -> None:
    from .publish import publish_ndnp_batch

    try:
        batch = publish_ndnp_batch(editions, out_dir, settings, name)
    except PublisherError as exc:
        _fail(exc)
    out.print(f"wrote {batch}/ (NDNP batch of {len(editions)} issue{'s' if len(editions) != 1 else ''})")


def _build(edition: Path, out_dir: Path, chosen: list[str], settings: Settings,
           quiet: bool = False, batch: Editions | None = None, run: _Run = _Run()) -> None:
    from .publish import publish

    # a signal that comes once the outputs are renamed into place, as the output folder's lock
    # is released or publish returns, is raised before this hears of them: ``placed`` says it
    # (it said "nothing was written" of outputs it had just replaced)
    placed: list[Path] = []
    try:
        if err.is_terminal and not quiet:
            # progress as it happens, 版 by 版 for the print pages; on a log, nothing
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task(f"{edition}: reading…", total=None)
                result = publish(edition, out_dir, chosen, settings,
                                 progress=lambda m: bar.update(task, description=f"{edition}: {m}…"),
                                 batch=batch, profile=run.profile, placed=placed)
        else:
            result = publish(edition, out_dir, chosen, settings, batch=batch, profile=run.profile,
                             placed=placed)
    except PublisherError as exc:
        _fail(exc)
    except Exception as exc:
        stop = _interrupt_in(exc)
        if stop is None:
            _fail(_internal(exc, edition, run.verbose))
        _stopped(stop, bool(placed))
    except (KeyboardInterrupt, Terminated) as exc:
        _stopped(exc, bool(placed))
    try:
        _report(result.warnings)
        if quiet:
            return
        for path in result.files:
            if path.is_dir():
                size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
                out.print(f"wrote {path}/ ({size / 1024:.0f} KB)")
            else:
                out.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    except (KeyboardInterrupt, Terminated) as exc:  # while the written outputs are listed
        exc.outputs_written = True  # type: ignore[union-attr]
        _stopped(exc)


@app.command()
def archive(
    editions: Annotated[list[Path], typer.Argument(help="The edition folder(s) (each holds edition.toml).", metavar="EDITION...")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder; the bag goes to OUT/<edition-id>/archive/.")] = Path("dist"),
    skip_built: Annotated[bool, typer.Option("--skip-built", help="Skip an edition whose bag is in OUT already (resumes a backfill).")] = False,
    profile: Annotated[Profile, _PROFILE] = Profile.bag,
    batch_name: Annotated[str | None, _BATCH_NAME] = None,
    house: Annotated[Path | None, _HOUSE] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step (and print the traceback of an internal error).")] = False,
    lock_timeout: Annotated[int | None, _LOCK_TIMEOUT] = None,
    sign: Annotated[Path | None, _SIGN] = None,
) -> None:
    """Build an issue's archive package: a BagIt bag of PDF/A, page PDFs, ALTO, METS with
    MODS and PREMIS, NITF, EPUB and sources (its tag manifest signed with --sign KEY); with
    --profile ndnp, the issues as the Library of Congress's National Digital Newspaper
    Program takes them, and their batch.

    Several editions are archived one after the other, as ``build`` does (a backfill).

    Example: publisher archive editions/xnrb-2019-10-21-xianan --out dist
    Example: publisher archive editions/xnrb-2019-10-2* --out dist --profile ndnp
    """
    _setup_logging(verbose)
    _build_all(editions, out_dir, ["archive"], skip_built, house,
               run=_Run(verbose, lock_timeout, sign, profile.value, batch_name))


@app.command()
def backfill(
    editions: Annotated[list[Path] | None, typer.Argument(help="The edition folders (each holds edition.toml).", metavar="EDITION...", show_default=False)] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder: OUT/<edition-id>/ per edition and the journal OUT/backfill-journal.sqlite.")] = None,
    formats: Annotated[list[Format] | None, typer.Option("--format", "-f", help="Repeatable. Default: epub and pdf.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-j", min=1, help="Local worker processes (default: one per core).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="A running Dask scheduler, tcp://host:port, instead of local workers.")] = None,
    retries: Annotated[int, typer.Option(min=0, help="Retries of an edition whose worker died or that ran past --timeout.")] = 2,
    timeout: Annotated[float, typer.Option(min=0, help="Seconds an edition may take (0: no limit).")] = 1800.0,
    max_tasks: Annotated[int, typer.Option("--max-tasks", min=0, help="Editions a worker process builds before it is restarted (0: never).")] = 20,
    house: Annotated[Path | None, _HOUSE] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Print the journal's summary of an output folder and build nothing.", metavar="DIR")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step (Dask's too).")] = False,
) -> None:
    """Build many editions as Dask tasks, resumably: skip those whose outputs are current.

    A journal in OUT records each edition's input hash (sources, house, formats, tool) and
    its outputs' hashes; run the same command again after a stop, a crash or a change and
    exactly the editions that are not current are built. A publisher error is recorded with
    its code and the batch goes on; a lost worker or a timeout is retried. The exit code is
    1 when any edition failed. See docs/backfill.md.

    Example: publisher backfill editions/xnrb-2019-* --out archive-2019 -f epub -f pdf
    Example: publisher backfill editions/xnrb-20* --out /srv/archive --scheduler tcp://10.0.0.5:8786
    Example: publisher backfill --report archive-2019
    """
    _setup_logging(verbose)
    if report is not None:
        if editions or out_dir:
            err.print("--report DIR prints a journal; give no editions and no --out with it")
            raise typer.Exit(2)
        _backfill_report(report)
        return
    if not editions or out_dir is None:
        err.print("give the edition folders and --out DIR (or --report DIR)")
        raise typer.Exit(2)
    if workers and scheduler:
        err.print("--workers starts local workers; --scheduler uses a running cluster: give one")
        raise typer.Exit(2)
    signal.signal(signal.SIGTERM, on_sigterm)
    _run_backfill(editions, out_dir, [f.value for f in formats] if formats else list(output_formats.DEFAULT),
                  workers, scheduler, retries, timeout, max_tasks, house)


def _run_backfill(editions, out_dir, chosen, workers, scheduler, retries, timeout, max_tasks, house) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .backfill import Cluster, backfill as run

    if not logging.getLogger("publisher").isEnabledFor(logging.INFO):  # without -v: Dask's errors only
        logging.getLogger("distributed").setLevel(logging.ERROR)

    def counts(t) -> str:
        eta = t.eta()
        left = f"ETA {int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}" if eta is not None else "ETA -:--:--"
        return (f"{t.built} built · {t.current} current · {t.failed} failed · {t.retried} retried · "
                f"{t.running} running · {left}")

    cluster = Cluster(workers=workers, scheduler=scheduler, retries=retries, timeout=timeout,
                      max_tasks=max_tasks)
    settings = _house(house, editions)  # one house for the whole batch, checked before any work
    try:
        if err.is_terminal:
            with Progress(TextColumn("backfill"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                          console=err, transient=False) as bar:
                task = bar.add_task("backfill", total=len(editions), counts="starting the workers…")

                def update(t) -> None:
                    bar.update(task, total=t.total, completed=t.finished, counts=counts(t))

                summary = run(editions, out_dir, chosen, settings, cluster, on_update=update)
        else:
            last = [-1]

            def update(t) -> None:
                if t.finished != last[0]:
                    last[0] = t.finished
                    err.print(f"[{t.finished}/{t.total}] {counts(t)}", markup=False, highlight=False)

            summary = run(editions, out_dir, chosen, settings, cluster, on_update=update)
    except PublisherError as exc:
        _fail(exc)
    except (KeyboardInterrupt, Terminated) as exc:
        line, code = stopped(exc, f"the editions finished so far are in {out_dir}/backfill-journal.sqlite: "
                             "run the same command again to resume")
        err.print(line)
        raise typer.Exit(code) from None
    t = summary.tally
    line = (f"{t.total} edition(s): {t.built} built, {t.current} current (skipped), {t.failed} failed, "
            f"{t.retried} retried, in {summary.wall:.1f} s")
    _print_failures({code: [(f.edition, f.source, f.message) for f in group]
                     for code, group in summary.by_code().items()})
    if t.failed:
        err.print(f"[red]{escape(line)}[/red]", markup=True)
        raise typer.Exit(1)
    out.print(line)


def _print_failures(groups: dict[str, list[tuple[str, str, str]]]) -> None:
    for code, group in groups.items():
        err.print(f"[red]error[/red]\\[{code}]: {len(group)} edition{'s' if len(group) != 1 else ''}",
                  markup=True)
        for edition, source, message in group:
            err.print(f"  {edition}  {source}", markup=False, soft_wrap=True)
            if message:
                err.print(f"      {message}", markup=False, soft_wrap=True)


def _backfill_report(folder: Path) -> None:
    from .backfill import Journal, report

    try:
        with Journal.open(folder, write=False) as journal:
            rep = report(journal)
    except PublisherError as exc:
        _fail(exc)
    last = rep.last_batch
    if last:
        state = last["outcome"] or "stopped before it finished"
        out.print(f"last batch: started {last['started']}, {last['editions']} edition(s), {last['cluster']}, "
                  f"formats {last['formats']}: {state}")
    out.print(f"{rep.journal}: {len(rep.done)} edition(s) done, {len(rep.failed)} failed")
    if rep.retried:
        out.print(f"{len(rep.retried)} attempt(s) of the last batch failed and were retried or given up: "
                  + ", ".join(f"{a['edition']} ({a['outcome']})" for a in rep.retried[:20]))
    if rep.interrupted:
        out.print(f"being built when the last batch stopped: {', '.join(rep.interrupted)}")
    for code, eds in rep.warnings_by_code().items():
        shown = ", ".join(eds[:10]) + (f" and {len(eds) - 10} more" if len(eds) > 10 else "")
        out.print(f"warning[{code}]: {len(eds)} edition(s) built with it: {shown}", markup=False)
    _print_failures({code: [(e.edition, e.source, (e.error or "").splitlines()[0] if e.error else "")
                            for e in group] for code, group in rep.by_code().items()})
    if rep.failed:
        raise typer.Exit(1)


@app.command()
def site(
    editions: Annotated[list[Path], typer.Argument(help="The edition folders (each holds edition.toml): issues of one paper.", metavar="EDITION...")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="The site's folder; issues go to SITE/YYYY/MM/DD/.", metavar="SITE")] = Path("site"),
    house: Annotated[Path | None, _HOUSE] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each step.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print problems only.")] = False,
) -> None:
    """Put issues of a paper into one web site (数字报): each issue's pages, 版 images with
    clickable articles, downloads, and the site's calendar, feeds, OPDS catalogs and search.

    An issue already in the site whose sources, house and tool did not change is not built
    again: adding an issue builds that one, then the indexes. Serve the folder with any
    static web server (python -m http.server -d SITE). Addresses: docs/web.md.

    Example: publisher site editions/xnrb-2019-10-* --out site
    """
    from .site import build_site

    _setup_logging(verbose)
    signal.signal(signal.SIGTERM, on_sigterm)
    settings = _house(house, editions)
    try:
        result = build_site(editions, out_dir, settings,
                            progress=None if quiet else lambda m: err.print(escape(m), markup=False))
    except PublisherError as exc:
        _fail(exc)
    except (KeyboardInterrupt, Terminated) as exc:
        line, code = stopped(exc, "the issues built before it are in the site, its indexes were "
                             "not remade: run the command again")
        err.print(line)
        raise typer.Exit(code) from None
    _report(result.warnings)
    for folder, failure in result.failed:
        err.print(f"[red]{escape(str(folder))}: failed[/red]", markup=True)
        _report(failure.problems)
    if not quiet:
        out.print(f"{out_dir}: {len(result.built)} issue(s) built, {len(result.kept)} unchanged, "
                  f"{len(result.failed)} failed; {len(result.indexes)} index file(s) written")
    if result.failed:
        raise typer.Exit(1)


@app.command()
def verify(
    bags: Annotated[list[Path], typer.Argument(help="The archive bag folder(s) (OUT/<edition-id>/archive).", metavar="BAG...")],
    signers: Annotated[Path | None, typer.Option("--signers", help="An OpenSSH allowed signers file: each bag's signed tag manifest is checked against it, and an unsigned bag does not verify.", metavar="FILE")] = None,
) -> None:
    """Check archive bags: fixity of every file, BagIt structure, the signature of the tag
    manifest (with --signers), METS references, ALTO and METS against their schemas, NITF
    against publisher's subset schema, PDF/A declarations and rules, ALTO against its page's
    text and bag-info against METS. Each problem is reported once. Every bag is checked; the
    exit code is 1 when any does not verify.

    Example: publisher verify dist/xnrb-2019-10-21-xianan/archive
    Example: publisher verify --signers archive/allowed_signers bags/*/archive
    """
    from .archive import verified, verify_bag

    _setup_logging(False)
    bad = 0
    for bag in bags:
        try:
            problems = verify_bag(bag, signers)
        except PublisherError as exc:
            problems = exc.problems
        except Exception as exc:
            problems = _internal(exc, bag).problems
        errors = [p for p in problems if p.is_error]
        _report(problems)
        if errors:
            bad += 1
            err.print(f"[red]{escape(str(bag))}: {len(errors)} problem{'s' if len(errors) != 1 else ''}; "
                      "the bag does not verify[/red]", markup=True)
        else:
            out.print(f"{bag}: {verified(bag, signers is not None)}")
    if len(bags) > 1:
        out.print(f"{len(bags) - bad} of {len(bags)} bags verified")
    if bad:
        raise typer.Exit(1)


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="An edition folder, a built .epub or a built .pdf.")],
    typography: Annotated[bool, typer.Option("--typography", help="Insist on the typography counts: PATH must be a PDF.")] = False,
    house: Annotated[Path | None, _HOUSE] = None,
) -> None:
    """Check sources or outputs and report every problem, building nothing.

    An edition folder: its sources are validated and its print make-up is done (every
    problem reported, as `build --format print` would; nothing rendered). An .epub:
    EPUBCheck's verdict. A .pdf: the typography counts of TYPOGRAPHY.md (forbidden line
    starts and ends, ragged justified lines, tofu, wide punctuation pairs, overflow).

    Example: publisher check editions/xnrb-2019-10-21-xianan
    Example: publisher check --typography dist/xnrb-2019-10-21-xianan/xnrb-2019-10-21-xianan.pdf
    """
    _setup_logging(False)
    if typography and not (path.is_file() and path.suffix.lower() == ".pdf"):
        err.print(f"{path}: --typography reads a built PDF; give the .pdf file")
        raise typer.Exit(2)
    if path.is_file() and path.suffix.lower() == ".pdf":
        from .typography import measure

        report = measure(path)
        for detail in report.details[:40]:
            err.print(f"{path}: {detail}", soft_wrap=True)
        out.print(f"{path}: {report.pages} pages, {report.body_lines} body lines, "
                  f"{report.flush_lines}/{report.justified_lines} justified lines flush")
        for name, count in report.counts().items():
            out.print(f"  {name.replace('_', ' '):18} {count}")
        raise typer.Exit(0 if report.ok else 1)
    if path.is_file() and path.suffix.lower() == ".epub":
        from .check import run_epubcheck

        try:
            verdict = run_epubcheck(path)
        except PublisherError as exc:
            _report(exc.problems)
            raise typer.Exit(1) from None
        for message in verdict.messages:
            err.print(message, soft_wrap=True)
        out.print(f"{path}: EPUBCheck {verdict.fatals} fatal, {verdict.errors} errors, "
                  f"{verdict.warnings} warnings")
        raise typer.Exit(0 if verdict.clean else 1)

    from .publish import plan

    settings = _house(house, [path])
    try:
        ed, made, problems = plan(path, settings)
    except PublisherError as exc:
        _report(exc.problems)
        raise typer.Exit(1) from None
    _report(problems.items)
    full = sum(1 for p in made.plans if p.full)
    if problems.errors:
        err.print(f"[red]{len(problems.errors)} error(s)[/red]: the edition does not print as it is",
                  markup=True)
        raise typer.Exit(1)
    out.print(f"{ed.id}: {len(ed.pages)} page(s), {len(ed.articles)} article(s), "
              f"{len(problems.warnings)} warning(s), no errors; print make-up: {full} of "
              f"{len(made.plans)} 版 filled to the foot")


@app.command()
def layout(
    edition: Annotated[Path, typer.Argument(help="The edition folder (holds edition.toml).")],
    page: Annotated[int | None, typer.Option("--page", "-p", help="Only this 版 (and the pages that jump to it).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Thumbnails go to OUT/<edition-id>/layout/pNN.png.")] = Path("dist"),
    no_png: Annotated[bool, typer.Option("--no-png", help="Write no PNG thumbnails of the plans.")] = False,
    write: Annotated[bool, typer.Option("--write", help="Write the chosen layout into edition.toml ([[pages]] layout), to adjust by hand.")] = False,
    house: Annotated[Path | None, _HOUSE] = None,
) -> None:
    """Show the print make-up of each 版: a grid drawing, its score (white lines per column,
    jumps, tombstones) and a PNG thumbnail; warnings say which columns end short and what
    would fill them. Exits 1 when copy does not fit.

    Example: publisher layout editions/xnrb-2019-10-21-xianan --page 1
    Example: publisher layout editions/xnrb-2019-10-21-xianan --write
    """
    from .makeup.score import drawing, score, thumbnail, write_layout
    from .outputs import Editions, check_target
    from .publish import plan

    _setup_logging(False)
    settings = _house(house, [edition])
    try:
        ed, made, problems = plan(edition, settings, {page} if page else None)
    except PublisherError as exc:
        _fail(exc)
    if page and not made.plans:
        err.print(f"{edition}: no page {page} (pages: {', '.join(str(p.number) for p in ed.pages)})")
        raise typer.Exit(2)
    folder = out_dir / ed.id / "layout"
    if not no_png:
        try:  # thumbnails are outputs: never inside the edition
            check_target(out_dir / ed.id, Editions([edition]))
        except PublisherError as exc:
            _fail(exc)
    for p in made.plans:
        out.print(f"[bold]{ed.id} {p.page.display_label} {p.page.name}[/bold] "
                  f"({p.grid.columns} columns × {p.grid.lines} lines)", markup=True, highlight=False)
        out.print(drawing(p), markup=False, highlight=False)
        out.print(str(score(p)), markup=False, highlight=False)
        if not no_png:
            folder.mkdir(parents=True, exist_ok=True)
            thumbnail(p, folder / f"{p.page.file_label}.png")
    if not no_png and made.plans:
        out.print(f"thumbnails in {folder}/")
    _report(problems.items)
    if problems.errors:
        err.print(f"[red]{len(problems.errors)} error(s)[/red]: the edition does not print as it is",
                  markup=True)
        raise typer.Exit(1)
    if write:
        write_layout(edition / "edition.toml", made.plans, dict(ed.sources)["edition.toml"])
        out.print(f"wrote the layout of {len(made.plans)} 版 into {edition / 'edition.toml'}")


@app.command()
def preflight(
    pdf: Annotated[Path, typer.Argument(help="The PDF to check (any PDF, not only ours).")],
    ink_limit: Annotated[int | None, typer.Option(help="Total ink limit in % (default: the house's).")] = None,
    house: Annotated[Path | None, _HOUSE] = None,
) -> None:
    """Check a PDF the way a printing plant would: PDF/X key, OutputIntent, no RGB, fonts
    embedded, trim and bleed boxes, image resolution, ink coverage, rich-black text.
    Exits 1 on any error.

    Example: publisher preflight dist/xnrb-2019-10-21-xianan/xnrb-2019-10-21-xianan-print.pdf
    """
    from .printing.preflight import preflight as run

    if ink_limit is None:
        ink_limit = _house(house).print.ink_limit
    report = run(pdf, ink_limit)
    for f in report.findings:
        c = COLOURS[f.severity]
        where = f"page {f.page}: " if f.page else ""
        out.print(f"[{c}]{f.severity:7}[/{c}] {where}{f.message}", markup=True, soft_wrap=True,
                  highlight=False)
    verdict = "[green]passed[/green]" if report.passed else "[red]failed[/red]"
    out.print(f"{pdf}: {verdict} — {len(report.errors)} error(s), {len(report.warnings)} warning(s)",
              markup=True)
    if not report.passed:
        raise typer.Exit(1)


@app.command("house")
def house_cmd(
    house: Annotated[Path | None, _HOUSE] = None,
) -> None:
    """Show the house a command run here would use, and why: its file, styles, fonts and
    papers. The house is trusted: it is named or found from the working directory, never
    brought by an edition. Exits 1 when its settings are invalid.

    Example: publisher house
    """
    from .config import find_house, load_settings

    try:
        path, how = find_house(house)
        settings = load_settings(path)
    except PublisherError as exc:
        _fail(exc)
    fonts = settings.fonts_dir
    out.print(f"house file  {path} ({how})", soft_wrap=True)
    out.print(f"styles      {settings.styles_dir}", soft_wrap=True)
    out.print(f"fonts       {fonts}{'' if fonts.is_dir() else ' (not installed: publisher fonts install)'}",
              soft_wrap=True)
    if settings.font_manifest.parent != fonts:
        out.print(f"            pinned by {settings.font_manifest}", soft_wrap=True)
    out.print(f"papers      {settings.papers_dir}{'' if settings.papers_dir.is_dir() else ' (none)'}",
              soft_wrap=True)
    out.print(f"mappings    {settings.mappings_dir}{'' if settings.mappings_dir.is_dir() else ' (none)'}",
              soft_wrap=True)


@app.command("errors")
def errors_list() -> None:
    """List every error code publisher reports, with what it means.

    Messages print as `file:line: error[code]: what`, then a hint saying how to fix it.

    Example: publisher errors
    """
    from .errors import CODES

    width = max(map(len, CODES))
    for code, meaning in CODES.items():
        out.print(f"{code:{width}}  {meaning}", soft_wrap=True)


@fonts_app.command("install")
def fonts_install(
    folder: Annotated[Path | None, typer.Option(help="A fonts folder holding its own fonts.toml (default: the house's fonts).")] = None,
    house: Annotated[Path | None, _HOUSE] = None,
) -> None:
    """Copy the pinned faces from their Debian packages into the house's fonts folder and
    verify their checksums. The default house's faces go to the user's font folder
    (~/.local/share/publisher/fonts, or under $XDG_DATA_HOME).

    Example: publisher fonts install
    """
    from .fonts import install_fonts

    try:
        if folder:
            target, done = folder, install_fonts(folder)
        else:
            settings = _house(house)
            target, done = settings.fonts_dir, install_fonts(settings.fonts_dir, settings.font_manifest)
    except PublisherError as exc:
        _fail(exc)
    out.print(f"installed {', '.join(done)} in {target}" if done
              else f"all pinned fonts present and verified in {target}")


@fonts_app.command("verify")
def fonts_verify(
    folder: Annotated[Path | None, typer.Option(help="A fonts folder holding its own fonts.toml (default: the house's fonts).")] = None,
    house: Annotated[Path | None, _HOUSE] = None,
) -> None:
    """Check every declared face against its checksum.

    Example: publisher fonts verify
    """
    from .fonts import load_fonts

    try:
        if folder:
            fonts = load_fonts(folder)
        else:
            settings = _house(house)
            fonts = load_fonts(settings.fonts_dir, settings.font_manifest)
    except PublisherError as exc:
        _fail(exc)
    for face in fonts.faces:
        out.print(f"ok  {face.role:5} {face.family} {face.weight}  {face.file.name}")


# ---------------------------------------------------------------- import

_DATE = typer.Option("--date", help="The issue date, YYYY-MM-DD.")
_OUT = typer.Option("--out", "-o", help="The edition folder to write, e.g. editions/<id>.")
_PAPER = typer.Option("--paper", help="The paper: a name from the house's papers/ folder (xnrb), or a paper file (.toml).")
_NUMBER = typer.Option("--number", min=1, help="The issue number (总第…期); without it none is printed.")
_FORCE = typer.Option("--force", help="Replace an existing non-empty --out folder.")
_STRICT = typer.Option("--strict", help="Fail on any guess (not on notes such as unknown fields).")
_VERBOSE = typer.Option("--verbose", "-v", help="Also list everything recognised.")
_QUIET = typer.Option("--quiet", "-q", help="Print problems only.")
_CHANNELS = typer.Option("--channel-map", help="Channels to pages: \"要闻=1,证券=A03\". Default: the mapping's, then one page per channel in feed order.")


def _run_import(kind: str, file, **options) -> None:
    from .sources.importers import REPORT_FILE, Level, grouped, run_import

    verbose, quiet = options.pop("verbose"), options.pop("quiet")
    _setup_logging(False)
    settings = _house(options.pop("house"))
    source = file[0] if isinstance(file, list) else file
    try:
        result = run_import(kind, file, settings=settings, **options)
    except PublisherError as exc:
        _fail(exc)
    except Exception as exc:  # a bug, whatever the copy: named by the input, no traceback
        _fail(_internal(exc, Path(source), verbose))
    shown = [f for f in result.report
             if not quiet and (verbose or f.level is not Level.RECOGNISED)]
    for f in grouped(shown):
        where = f"line {f.line}" if f.line else (f.where or "")
        head = ":".join(x for x in (str(source), where.removeprefix("line ")) if x)
        slug = escape(f" [{f.slug}]") if f.slug else ""
        c = COLOURS[f.level.value]
        err.print(f"{escape(head)}:{slug} [{c}]{f.level.value}[/{c}]: {escape(f.message)}",
                  markup=True, soft_wrap=True, highlight=False)
    ed = result.edition
    n_notes = len(result.of_level(Level.NOTE))
    if not quiet:
        out.print(f"imported {len(ed.articles)} article(s) on {len(ed.pages)} page(s) of "
                  f"{ed.title} into {options['out']} ({ed.id}); {len(result.guesses)} guess(es) to "
                  f"check, {n_notes} note(s), listed in {Path(options['out']) / REPORT_FILE}",
                  soft_wrap=True)
        out.print(f"next: publisher build {options['out']} --out dist", soft_wrap=True)


def _channel_map(text: str | None):
    from .sources.importers import parse_channel_map

    try:
        return parse_channel_map(text) if text else None
    except PublisherError as exc:
        _fail(exc)


@import_app.command("text")
def import_text_cmd(
    file: Annotated[Path, typer.Argument(help="The copy: plain text, one page, with or without # marks.")],
    date: Annotated[str, _DATE],
    out_dir: Annotated[Path, _OUT],
    paper: Annotated[str | None, _PAPER] = None,
    page: Annotated[str | None, typer.Option("--page", help="The page: 3, A03 or 第3版.")] = None,
    number: Annotated[int | None, _NUMBER] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="utf-8 (default) or gb18030 for legacy files.")] = "utf-8",
    force: Annotated[bool, _FORCE] = False,
    strict: Annotated[bool, _STRICT] = False,
    house: Annotated[Path | None, _HOUSE] = None,
    verbose: Annotated[bool, _VERBOSE] = False,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Import a page of plain-text copy.

    Example: publisher import text page3.txt --date 2019-10-21 --paper xnrb --page 3 --out editions/xnrb-2019-10-21
    """
    _run_import("text", file, out=out_dir, date=date, paper=paper, page=page, number=number,
                encoding=encoding, force=force, strict=strict, house=house, verbose=verbose,
                quiet=quiet)


@import_app.command("json")
def import_json_cmd(
    file: Annotated[Path, typer.Argument(help="The CMS's JSON feed, as it comes.")],
    out_dir: Annotated[Path, _OUT],
    date: Annotated[str | None, typer.Option("--date", help="The issue date, YYYY-MM-DD (default: the feed's date field).")] = None,
    paper: Annotated[str | None, _PAPER] = None,
    mapping: Annotated[str | None, typer.Option("--map", help="A feed mapping: a name from the house's mappings/ folder, or a .toml file (docs/importing.md).")] = None,
    number: Annotated[int | None, _NUMBER] = None,
    channel_map: Annotated[str | None, _CHANNELS] = None,
    encoding: Annotated[str, typer.Option("--encoding", help="The feed's encoding (JSON is UTF-8).")] = "utf-8",
    force: Annotated[bool, _FORCE] = False,
    strict: Annotated[bool, _STRICT] = False,
    house: Annotated[Path | None, _HOUSE] = None,
    verbose: Annotated[bool, _VERBOSE] = False,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Import a CMS's JSON feed: articles at the top level or under articles/items/data,
    bodies as text, paragraphs or HTML; a mapping (--map) names the fields of other shapes.

    Example: publisher import json feed.json --date 2026-06-12 --out editions/jjrb-2026-06-12
    Example: publisher import json feed.json --map mymap.toml --paper xnrb --date 2019-10-21 --out editions/xnrb-2019-10-21
    """
    _run_import("json", file, out=out_dir, date=date, paper=paper, mapping=mapping, number=number,
                channel_map=_channel_map(channel_map), encoding=encoding, force=force,
                strict=strict, house=house, verbose=verbose, quiet=quiet)


@import_app.command("rss")
def import_rss_cmd(
    file: Annotated[Path, typer.Argument(help="An RSS 2.0 or Atom feed file (never a URL: nothing is fetched).")],
    date: Annotated[str, _DATE],
    out_dir: Annotated[Path, _OUT],
    paper: Annotated[str | None, _PAPER] = None,
    number: Annotated[int | None, _NUMBER] = None,
    channel_map: Annotated[str | None, _CHANNELS] = None,
    force: Annotated[bool, _FORCE] = False,
    strict: Annotated[bool, _STRICT] = False,
    house: Annotated[Path | None, _HOUSE] = None,
    verbose: Annotated[bool, _VERBOSE] = False,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Import an RSS 2.0 or Atom feed: one article per item, categories as channels.

    Example: publisher import rss news.xml --date 2019-10-21 --paper xnrb --out editions/xnrb-2019-10-21
    """
    _run_import("rss", file, out=out_dir, date=date, paper=paper, number=number,
                channel_map=_channel_map(channel_map), force=force, strict=strict, house=house,
                verbose=verbose, quiet=quiet)


@import_app.command("nitf")
def import_nitf_cmd(
    files: Annotated[list[Path], typer.Argument(help="NITF 3.x files, or folders holding them (one article per file).", metavar="NITF...")],
    out_dir: Annotated[Path, _OUT],
    date: Annotated[str | None, typer.Option("--date", help="The issue date, YYYY-MM-DD (default: the files' date.issue).")] = None,
    paper: Annotated[str | None, _PAPER] = None,
    number: Annotated[int | None, _NUMBER] = None,
    force: Annotated[bool, _FORCE] = False,
    strict: Annotated[bool, _STRICT] = False,
    house: Annotated[Path | None, _HOUSE] = None,
    verbose: Annotated[bool, _VERBOSE] = False,
    quiet: Annotated[bool, _QUIET] = False,
) -> None:
    """Import NITF 3.x articles (an agency's files, or an archive bag's nitf/ folder).

    Example: publisher import nitf dist/xnrb-2019-10-21-xianan/archive/data --paper xnrb --out editions/again
    """
    _run_import("nitf", files, out=out_dir, date=date, paper=paper, number=number, force=force,
                strict=strict, house=house, verbose=verbose, quiet=quiet)


def _internal(exc: Exception, where: Path | None, verbose: bool = False) -> PublisherError:
    """An exception publisher did not expect (a bug, whatever the input): error[internal],
    naming what was being worked on; the traceback only with --verbose."""
    if verbose:
        err.print_exception()
    return PublisherError(Problem(
        f"publisher failed on this with an unexpected {type(exc).__name__}: {str(exc)[:300]}",
        where, hint="a bug in publisher, not in your files: please report it with this message "
                    "(--verbose prints the traceback)", code="internal"))


def main() -> None:  # pragma: no cover - console entry
    try:
        _command()
    except SystemExit as exc:
        leave(exc.code)
    leave(0)


def _command() -> None:  # pragma: no cover - console entry
    global _console
    _console = True
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        app()
    except Terminated as exc:  # before or after a command ran
        line, code = stopped(exc)
        err.print(line)
        sys.exit(code)
    except Exception as exc:
        try:
            _fail(_internal(exc, None, os.environ.get("PUBLISHER_TRACEBACK") == "1"))
        except typer.Exit as stop:
            sys.exit(stop.exit_code)


def leave(code: str | int | None) -> NoReturn:
    """The command's process ends with ``code`` (``sys.exit``'s), without the interpreter's
    teardown: Python's exit handlers run (``atexit``: temporary folders, logging, the
    forked processes' ends), the standard streams are flushed, and the process exits
    (``os._exit``) rather than freeing every object it made one by one: the modules, the
    edition, the engine's and the make-up's objects, 0.25 s of CPU after an EPUB-only build
    of 64 版, the last thing the build did, alone (docs/performance.md). Where a thread
    other than this one still runs (Dask's), or the code is not a number, Python exits as
    it would (``sys.exit``)."""
    if threading.active_count() > 1 or not (code is None or isinstance(code, int)):
        sys.exit(code)
    status = code or 0
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): Python's own status then
            status = status or 120
    os._exit(status)
