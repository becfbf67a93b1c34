"""``publisher site``: a paper's run of issues as one web site, built issue by issue.

Each edition is built (``publish.make``: the print pages, the EPUB, the reading PDFs on A4
and on the phone page, the web edition made from them) into its own folder of the site,
``YYYY/MM/DD/``, replaced whole. An issue whose inputs did not change since it was put in
the site (the hash of its sources, the house and the tool, kept in its ``issue.json``) is
not built again: adding an issue builds that issue only. Then the site's indexes — home,
calendars, the steps between issues, feeds, catalogs — are made from every issue's record,
and only the files that changed are written; the search index is made again over every
article page. No other issue's folder is touched.

A site holds one paper (one regional edition of it): an edition of another, or two of one
date, is refused before anything is built. An edition that fails is reported and the
others go on (exit 1 at the end, as a batch build); the indexes then list the issues the
site holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings, ensure_outside
from .errors import Problem, Problems, PublisherError
from .fingerprint import house_hash, input_hash, sources_hash, tool_version
from .formats import EPUB, PDF, PHONE, WEB
from .model import Edition
from .outputs import check_out_dir, locked, write_outputs
from .publish import make
from .sources import read_edition
from .web import IssueRecord, index_files, index_site, urls

log = logging.getLogger(__name__)

# What every issue of a site offers: the EPUB, the reading PDF on A4 (the house's page) and
# on the phone page, and the web edition (with the print PDFs it is made from).
FORMATS = (EPUB, PDF, PHONE, WEB)
LOCK = ".publisher-site.lock"


class SiteError(PublisherError):
    """The editions cannot make one site (another paper, two of one date)."""


@dataclass
class SiteResult:
    built: list[str] = field(default_factory=list)  # the issues built, by folder
    kept: list[str] = field(default_factory=list)  # unchanged since they were put in the site
    failed: list[tuple[Path, PublisherError]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)  # index files written (changed)


def _told(step: Callable[[str], None], prefix: str) -> Callable[[str], None]:
    """``step`` with each message after ``prefix`` (which issue a build's step is of)."""
    return lambda message: step(prefix + message)


def build_site(editions: Sequence[Path], site: Path, settings: Settings,
               progress: Callable[[str], None] | None = None) -> SiteResult:
    step = progress or log.info
    site = Path(site)
    for folder in editions:
        check_out_dir(site, folder)
        ensure_outside(settings, folder)
    site.mkdir(parents=True, exist_ok=True)
    result = SiteResult()
    # one site build at a time (its own lock file: each write below locks the folder too)
    with locked(site, settings.outputs.lock_timeout, LOCK):
        models = _read(editions, _records(site), result)
        for n, (folder, edition) in enumerate(models, 1):
            where = urls.issue_dir(edition.issue.date)
            inputs = inputs_hash(folder, settings)
            if _current(site / where / urls.ISSUE_RECORD, inputs):
                result.kept.append(where)
                continue
            step(f"[{n}/{len(models)}] {folder}")
            try:
                made = make(folder, FORMATS, settings, site=True, inputs=inputs,
                            progress=_told(step, f"{folder}: "))
            except PublisherError as exc:
                result.failed.append((folder, exc))
                continue
            except Exception as exc:  # a bug in publisher: this issue fails, the others go on
                log.exception("%s: unexpected error", folder)
                result.failed.append((folder, PublisherError(Problem(
                    f"unexpected error while building this issue: {type(exc).__name__}: {exc}",
                    folder / "edition.toml", hint="a bug in publisher: please report it with "
                    "this edition (run with -v for the traceback)", code="internal"))))
                continue
            assert made.web is not None
            result.warnings.extend(made.warnings)
            files = {path.removeprefix(where): data for path, data in made.web.files.items()}
            write_outputs(site, {}, {where.rstrip("/"): files})
            result.built.append(where)
        records = _records(site)
        if records:
            try:
                step("making the indexes")
                result.indexes = _write_changed(site, index_files(records, settings, _fonts(settings)))
                step("indexing for search")
                bundle = {p.removeprefix(urls.PAGEFIND + "/"): d for p, d in index_site(site).items()}
                if _differs(site / urls.PAGEFIND, bundle):
                    write_outputs(site, {}, {urls.PAGEFIND: bundle})
                    result.indexes.append(urls.PAGEFIND + "/")
            except PublisherError as exc:
                # the issues built above are in the site: a failure of its indexes is the
                # run's failure, reported beside them, not "nothing was written"
                result.failed.append((site, exc))
    return result


def _fonts(settings: Settings):
    from .fonts import load_fonts

    return load_fonts(settings.fonts_dir, settings.font_manifest)


def _read(editions: Sequence[Path], present: list[IssueRecord],
          result: SiteResult) -> list[tuple[Path, Edition]]:
    """Each edition's model (one that cannot be read is a failure of the run, the others go
    on), checked to belong in one site with the others and with the issues the site holds."""
    problems = Problems()
    models = []
    for folder in editions:
        try:
            models.append((Path(folder), read_edition(Path(folder), Problems())))
        except PublisherError as exc:
            result.failed.append((Path(folder), exc))
    key = None
    if present:
        key = (present[0].paper_id, present[0].edition_code)
    dates: dict = {}
    for folder, edition in models:
        mine = (edition.paper.id, edition.issue.edition_code)
        key = key or mine
        if mine != key:
            problems.add(f"{edition.id} is of {edition.paper.id}"
                         f"{'-' + mine[1] if mine[1] else ''}, but the site holds "
                         f"{key[0]}{'-' + key[1] if key[1] else ''}", folder / "edition.toml",
                         hint="a site holds one paper (one regional edition): give it its own "
                              "--out", code="site-paper")
        if edition.issue.date in dates:
            problems.add(f"{folder} and {dates[edition.issue.date]} are both the issue of "
                         f"{edition.issue.date}", folder / "edition.toml",
                         hint="a site has one issue a day: give one of them", code="site-date")
        dates.setdefault(edition.issue.date, folder)
    problems.raise_if_errors(SiteError)
    return models


def _records(site: Path) -> list[IssueRecord]:
    """The records of the issues the site holds (YYYY/MM/DD/issue.json)."""
    out = []
    for path in sorted(site.glob(f"[0-9]*/[0-9]*/[0-9]*/{urls.ISSUE_RECORD}")):
        try:
            out.append(IssueRecord.from_json(path.read_bytes()))
        except (OSError, ValueError) as exc:
            log.warning("%s is not an issue record (%s): left out of the indexes", path, exc)
    return out


def _current(record: Path, inputs: str) -> bool:
    try:
        return IssueRecord.from_json(record.read_bytes()).inputs == inputs
    except (OSError, ValueError):
        return False


def _write_changed(site: Path, files: dict[str, bytes]) -> list[str]:
    """Write the files whose bytes differ from what the site has; their paths."""
    changed = {}
    for path, data in files.items():
        try:
            if (site / path).read_bytes() == data:
                continue
        except OSError:
            pass
        changed[path] = data
    if changed:
        write_outputs(site, changed)
    return sorted(changed)


def _differs(folder: Path, files: dict[str, bytes]) -> bool:
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} \
        if folder.is_dir() else set()
    if present != set(files):
        return True
    return any((folder / name).read_bytes() != data for name, data in files.items())


def inputs_hash(edition: Path, settings: Settings, formats: Iterable[str] = FORMATS) -> str:
    """What an issue's outputs are made from (``publisher.fingerprint``: the edition folder,
    the house, the tool and the formats), as the backfill's journal hashes it."""
    return input_hash(sources_hash(edition), house_hash(settings), tool_version(), formats)


__all__ = ["FORMATS", "SiteError", "SiteResult", "build_site", "inputs_hash"]
