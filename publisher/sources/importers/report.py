"""The import report: what an importer recognised, what it guessed, and what it could not do.

Every importer returns an ``ImportResult``: the edition it built and a list of ``Finding``s,
each tied to a source line (plain text) or a feed path (JSON) and, where known, to the
article it concerns. ``format_report`` renders the list as the plain text written beside
the edition as ``import-report.txt``; the CLI renders the same findings with rich.

Levels: RECOGNISED is information (a field and where it came from); NOTE is something the
importer left out or could not use and says so (a feed's unknown fields, a reporter field
holding no names), never a failure; GUESS is a decision the importer made that an editor
should check (``--strict`` turns guesses into failures); PROBLEM means the copy could not be
imported as it is (the import fails).

The same finding over many articles is one line: findings that carry a ``group`` (their
message without what differs from article to article) are merged by ``grouped`` into one
finding naming every place and the count.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import Problem, Severity
from ...model import Article, Brief, Edition, Figure, Subhead


class Level(enum.Enum):
    RECOGNISED = "recognised"
    NOTE = "note"
    GUESS = "guess"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str  # stable short name: "byline", "rejoined", "caption-without-image", …
    message: str
    line: int | None = None  # source line (text) — None for feeds and whole-file findings
    slug: str | None = None  # the article concerned
    where: str | None = None  # a non-line location, e.g. "articles[3].tags" in a feed
    hint: str | None = None  # how to fix it
    group: str | None = None  # the message without what differs between articles

    def to_problem(self, path: Path | None) -> Problem:
        loc = f"{self.where}: " if self.where else ""
        return Problem(f"{loc}{self.message}", path, self.line, hint=self.hint, code=self.code,
                       severity=Severity.ERROR if self.level in (Level.GUESS, Level.PROBLEM)
                       else Severity.WARNING)


GROUP_AT = 3  # this many findings alike (or more) are reported as one line


def grouped(findings: list[Finding]) -> list[Finding]:
    """``findings`` with those alike (same level, code and group) merged into one line each,
    in the place of the first: "articles[0,1,…,28].content: … (29 articles)"."""
    buckets: dict[tuple, list[Finding]] = {}
    for f in findings:
        if f.group is not None:
            buckets.setdefault((f.level, f.code, f.group), []).append(f)
    out: list[Finding] = []
    done: set[tuple] = set()
    for f in findings:
        key = (f.level, f.code, f.group)
        items = buckets.get(key) if f.group is not None else None
        if not items or len(items) < GROUP_AT:
            out.append(f)
            continue
        if key in done:
            continue
        done.add(key)
        out.append(Finding(f.level, f.code, f"{f.group} ({len(items)} articles)",
                           where=_places([x.where or f"line {x.line}" for x in items]), hint=f.hint))
    return out


def _places(wheres: list[str]) -> str:
    """"articles[0].content", "articles[1].content" … -> "articles[0,1,…].content"."""
    import re

    parts = [m for w in wheres if (m := re.fullmatch(r"(\w+)\[(\d+)\](.*)", w))]
    if len(parts) == len(wheres) and len({(m.group(1), m.group(3)) for m in parts}) == 1:
        numbers = [m.group(2) for m in parts]
        shown = ",".join(numbers[:8]) + (",…" if len(numbers) > 8 else "")
        return f"{parts[0].group(1)}[{shown}]{parts[0].group(3)}"
    return ", ".join(wheres[:4]) + (", …" if len(wheres) > 4 else "")


@dataclass
class ImportResult:
    edition: Edition
    report: list[Finding]
    images: dict[str, Path | bytes] = field(default_factory=dict)  # href in the edition -> bytes (or file) to write
    source: Path | None = None

    def of_level(self, level: Level) -> list[Finding]:
        return [f for f in self.report if f.level is level]

    @property
    def guesses(self) -> list[Finding]:
        return self.of_level(Level.GUESS)

    @property
    def problems(self) -> list[Finding]:
        return self.of_level(Level.PROBLEM)


class Reporter:
    """A collector used while importing: ``rep.guess(…)``, ``rep.seen(…)``, ``rep.problem(…)``."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def seen(self, code: str, message: str, line: int | None = None, slug: str | None = None,
             where: str | None = None) -> None:
        self.items.append(Finding(Level.RECOGNISED, code, message, line, slug, where))

    def note(self, code: str, message: str, line: int | None = None, slug: str | None = None,
             where: str | None = None, hint: str | None = None, group: str | None = None) -> None:
        self.items.append(Finding(Level.NOTE, code, message, line, slug, where, hint, group))

    def guess(self, code: str, message: str, line: int | None = None, slug: str | None = None,
              where: str | None = None, hint: str | None = None, group: str | None = None) -> None:
        self.items.append(Finding(Level.GUESS, code, message, line, slug, where, hint, group))

    def problem(self, code: str, message: str, line: int | None = None, slug: str | None = None,
                where: str | None = None, hint: str | None = None,
                group: str | None = None) -> None:
        self.items.append(Finding(Level.PROBLEM, code, message, line, slug, where, hint, group))


def _loc(f: Finding) -> str:
    if f.line:
        return f"line {f.line}"
    return f.where or "-"


def article_summary(article: Article) -> list[str]:
    """One line per recognised field of ``article``, with its source line where known."""
    out = []
    line = article.source.line if article.source else None
    out.append(f"  kind: {article.kind.value}" + (f"  (from line {line})" if line else ""))
    for name in ("kicker", "headline", "subtitle", "dateline"):
        value = getattr(article, name)
        if value:
            out.append(f"  {name}: {value}")
    if article.byline:
        for credit in article.byline.credits:
            out.append(f"  byline: {credit}")
    counts: dict[str, int] = {}
    for b in article.body:
        counts[type(b).__name__] = counts.get(type(b).__name__, 0) + 1
        ref = b.source.line if b.source and b.source.line else None
        at = f" (line {ref})" if ref else ""
        if isinstance(b, Subhead):
            out.append(f"  subhead{at}: {b.text}")
        elif isinstance(b, Figure):
            photo = b.image.href if b.image else "no photo"
            out.append(f"  figure{at}: {b.caption[:30]}… [{b.credit or 'no credit'}; {photo}]")
        elif isinstance(b, Brief):
            out.append(f"  brief{at}: {b.text[:20]}… ({'、'.join(b.attribution) or 'no attribution'})")
    paras = counts.get("Paragraph", 0)
    if paras:
        out.append(f"  paragraphs: {paras}")
    return out


def format_report(result: ImportResult) -> str:
    """The plain-text import report (deterministic: no times, no absolute paths)."""
    ed = result.edition
    lines = [f"import report: {result.source.name if result.source else '-'} -> edition {ed.id}", ""]
    by_slug: dict[str | None, list[Finding]] = {}
    for f in result.report:
        by_slug.setdefault(f.slug, []).append(f)
    for f in by_slug.get(None, []):
        lines.append(f"{f.level.value:>10}  {_loc(f)}: {f.message}")
    if by_slug.get(None):
        lines.append("")
    for page in ed.pages:
        lines.append(f"page {page.number} {page.display_label} {page.name}: "
                     f"{len(page.articles)} articles")
        for art in page.articles:
            lines.append(f"- {art.slug}: {art.title}")
            lines.extend(article_summary(art))
            for f in by_slug.get(art.slug, []):
                if f.level is not Level.RECOGNISED or f.code not in _SUMMARISED:
                    lines.append(f"  {f.level.value:>10}  {_loc(f)}: {f.message}")
        lines.append("")
    known = {a.slug for a in ed.articles} | {None}
    for slug, items in by_slug.items():
        if slug not in known:
            for f in items:
                lines.append(f"{f.level.value:>10}  {_loc(f)}: {f.message}")
    n_g, n_p, n_n = len(result.guesses), len(result.problems), len(result.of_level(Level.NOTE))
    lines.append(f"{len(ed.articles)} articles, {n_g} guesses to check, {n_n} notes, {n_p} problems")
    return "\n".join(lines).rstrip("\n") + "\n"


# Recognised findings already shown by article_summary (kept in the list for the CLI/tests).
_SUMMARISED = {"headline", "kicker", "subtitle", "byline", "dateline", "subhead", "brief", "kind"}
