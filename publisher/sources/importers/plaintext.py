"""The plain-text importer: newsroom copy pasted from the editing system, one page per file.

Owns the structure of a page of copy: which lines are the headlines (引题/主题/副题) of
which article, where bylines, dateline leads, subheads, photo captions and briefs columns
are, and which paragraphs a column break cut in two. Markdown ``#`` marks, where the copy
has them, are a hint about level only: a line is classified by what it says (a "——…" line
after a headline is a 副题 whatever its marks; "1 如何破题？ …" is a subhead).

The recognisers for single lines live in ``conventions``; this module decides with the
context (the lines around, blank-line gaps) and records every decision in the report.
It builds the model only; ``publisher.sources.writer`` writes it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...errors import Problem, SourceError
from ...model import (
    Article,
    ArticleKind,
    Block,
    Byline,
    Edition,
    Editor,
    Figure,
    Issue,
    Page,
    Paragraph,
    Run,
    SourceRef,
    Table,
)
from ...papers import PaperFile

# The typeset pass owns punctuation (publisher/typeset/punctuation.py, same signature);
# until it is on main this minimal stand-in does the job. The lead switches the import.
from ...typeset.punctuation import normalize as normalize_punctuation
from ..edition import FIRST_DATE, LAST_DATE, MAX_PAGE_NUMBER
from ..markdown import _brief, _subhead, is_pipe_table, parse_table  # the reader's own

# splitting: imports read back equal
from ..text import invisible_characters, read_text
from . import conventions as cv
from .entries import resolve_paper
from .report import ImportResult, Reporter

_MARK = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?$")


@dataclass
class Unit:
    """One non-empty source line: a paragraph, title or other element of the copy."""

    text: str
    line: int
    level: int  # number of Markdown '#' marks, 0 for none
    gap: int  # blank lines before it


@dataclass
class _Block:
    kind: str  # "p", "sub", "fig", "brief"
    text: str
    line: int
    credit: str | None = None
    lines: list[int] = field(default_factory=list)  # every source line merged into it


@dataclass
class _Draft:
    line: int
    headline: str | None = None
    kicker: str | None = None
    subtitle: str | None = None
    byline: Byline | None = None
    dateline: str | None = None
    kind: ArticleKind | None = None
    blocks: list[_Block] = field(default_factory=list)
    briefs: bool = False

    @property
    def has_content(self) -> bool:
        return bool(self.blocks or self.byline or self.dateline)


# ---------------------------------------------------------------- entry points


def import_text(path: Path, *, date: dt.date | str, paper: Any = None,
                page_label: str | None = None, encoding: str = "utf-8",
                page_name: str | None = None, number: int | None = None,
                settings=None) -> ImportResult:
    """Import one page of plain-text copy from ``path`` (strictly decoded in ``encoding``).

    ``paper``: a house paper name (``--paper xnrb``), a paper file, a PaperFile or a Paper;
    plain copy never names its paper, so it is required."""
    from ...config import load_settings

    path = Path(path)
    settings = settings or load_settings()
    the_paper = resolve_paper(paper, settings, where=path)
    text, problem = read_text(path, encoding)
    if problem:
        raise SourceError([problem])
    assert text is not None  # read_text gives the text or a problem
    return parse_copy(text, path, date=date, paper=the_paper, page_label=page_label,
                      page_name=page_name, number=number)


def parse_copy(text: str, path: Path, *, date: dt.date | str, paper: Any,
               page_label: str | None = None, page_name: str | None = None,
               number: int | None = None) -> ImportResult:
    if not isinstance(paper, PaperFile):
        from ...config import load_settings

        paper = resolve_paper(paper, load_settings(), where=Path(path))
    rep = Reporter()
    units = read_units(text, rep)
    parser = _PageParser(units, Path(path), rep)
    parser.run()
    page_no, label = page_number(page_label or parser.page_label, rep)
    name = page_name or parser.page_name or paper.pages.get(page_no)
    if parser.page_name is None and not page_name and name:
        rep.seen("page-name", f"版名 {name!r} from the paper file")
    if not name:
        name = f"第{page_no}版"
        rep.guess("page-name", f"no 版名 in the copy or the paper file: named the page {name!r}",
                  hint="set pages.name in edition.toml, or the paper file's [pages]")
    articles = parser.articles(page_no)
    page = Page(number=page_no, name=name, label=label, articles=tuple(articles),
                editors=tuple(parser.editors))
    issue = Issue(date=parse_date(date), number=number, edition=paper.edition,
                  edition_code=paper.edition_code)
    if number is None:
        rep.note("issue-number", "no issue number (总第…期): it is not printed",
                 hint="pass --number N")
    edition = Edition(paper=paper.paper, pages=(page,), issue=issue)
    return ImportResult(edition=edition, report=rep.items, source=Path(path))


# ---------------------------------------------------------------- issue, page


def parse_date(date: dt.date | str) -> dt.date:
    if isinstance(date, dt.date):
        return date
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date).strip()):
        raise SourceError(Problem(f"date {date!r} is not YYYY-MM-DD", code="date",
                                  hint="give the issue date as --date 2019-10-21"))
    try:
        day = dt.date.fromisoformat(str(date).strip())
    except ValueError as exc:
        raise SourceError(Problem(f"{date} is not a valid date ({exc})", code="date",
                                  hint="give a real date, YYYY-MM-DD")) from None
    if not FIRST_DATE <= day <= LAST_DATE:  # what the reader takes (README, Limits)
        raise SourceError(Problem(f"{day} is not an issue date publisher takes (from {FIRST_DATE} "
                                  f"to {LAST_DATE})", code="date",
                                  hint="a typo in the year? give the issue date, YYYY-MM-DD"))
    return day


def page_number(label: str | None, rep: Reporter) -> tuple[int, str | None]:
    """"3" -> (3, None); "A03" -> (3, "A03"); "第3版" -> (3, "第3版")."""
    if not label:
        rep.guess("page-number", "no page given (--page): the copy is page 1")
        return 1, None
    label = label.strip()
    m = re.search(r"\d+", label)
    digits = m.group().lstrip("0") if m else ""
    if not digits:
        raise SourceError(f"page label {label[:40]!r} has no page number in it (e.g. 3, A03, 第3版)")
    # measured by its digits first: int() of a 5,000-digit number raises
    if len(digits) > len(str(MAX_PAGE_NUMBER)) or int(digits) > MAX_PAGE_NUMBER:
        raise SourceError(f"page label {label[:40]!r}: a 版 number is at most {MAX_PAGE_NUMBER}")
    n = int(digits)
    return n, (None if label.isdigit() or label == f"第{n}版" else label)


# ---------------------------------------------------------------- lines


def read_units(text: str, rep: Reporter) -> list[Unit]:
    units: list[Unit] = []
    gap = 0
    changed: list[int] = []
    for no, raw in enumerate(text.split("\n"), 1):
        s = raw.strip().strip("\u3000").strip()
        if not s:
            gap += 1
            continue
        level = 0
        m = _MARK.match(s)
        if m:
            level, s = len(m.group(1)), m.group(2).strip()
            if not s:
                gap += 1
                continue
        # A line ending in "digit." may be a decimal cut by a column ("增长10." + "5%"):
        # keep that dot ASCII so the rejoin below can see the number continues. A row of a
        # pipe table is kept as written: its cells are made full width when it is read.
        if s.startswith("|"):
            norm = s
        elif len(s) > 1 and s.endswith(".") and s[-2].isdigit():
            norm = normalize_punctuation(s[:-1]) + "."
        else:
            norm = normalize_punctuation(s)
        if norm != s:
            changed.append(no)
        if bad := invisible_characters(norm):
            # the reader refuses them in titles (spoofing); in copy they are paste debris
            rep.problem("invisible-characters", "invisible or direction-changing characters "
                        f"{', '.join(f'U+{ord(c):04X}' for c in bad)}: delete them and import again",
                        no)
        units.append(Unit(norm, no, level, gap))
        gap = 0
    if changed:
        shown = ", ".join(map(str, changed[:12])) + (" …" if len(changed) > 12 else "")
        rep.seen("punctuation", f"ASCII punctuation in Chinese text made full-width on "
                                f"{len(changed)} lines ({shown})")
    return units


def classify(u: Unit) -> str:
    t = u.text
    if t.startswith("|") and t.endswith("|") and len(t) > 1:
        return "tablerow"
    if cv.EDITOR.match(t):
        return "editor"
    if cv.PAGE_HEAD.match(t):
        return "pagehead"
    if cv.match_lead(t):
        return "dateline"
    if cv.match_credit_line(t):
        return "credit"
    if cv.match_byline_line(t):
        return "byline"
    if t.startswith("—") and len(t) <= 60 and "。" not in t:
        return "subtitle"
    if cv.numbered_subhead(t):
        return "numbered"
    if u.level in (1, 2) or cv.is_title_like(t):
        return "title"
    if u.level >= 3 and len(t) <= 60:
        return "title"
    return "body"


# ---------------------------------------------------------------- the page


class _PageParser:
    def __init__(self, units: list[Unit], path: Path, rep: Reporter):
        self.units = units
        self.kinds = [classify(u) for u in units]
        self.path = path
        self.rep = rep
        self.drafts: list[_Draft] = []
        self.cur: _Draft | None = None
        self.editors: list[Editor] = []
        self.page_label: str | None = None
        self.page_name: str | None = None
        gaps = Counter(u.gap for u in units[1:])
        self.normal_gap = gaps.most_common(1)[0][0] if gaps else 1
        # findings about an article are tied to its slug once slugs are known
        self._pending: list[tuple[_Draft | None, str, str, str, int | None]] = []

    # -- findings, attached to drafts until slugs exist
    def note(self, level: str, draft: _Draft | None, code: str, message: str, line: int | None):
        self._pending.append((draft, level, code, message, line))

    def run(self) -> None:
        i, n = 0, len(self.units)
        while i < n:
            u, kind = self.units[i], self.kinds[i]
            if kind == "pagehead" and not self.drafts:
                m = cv.PAGE_HEAD.match(u.text)
                assert m  # what made it a page head
                self.page_label, self.page_name = m.group(1).replace(" ", ""), m.group(4)
                self.note("seen", None, "page", f"page head {u.text!r}", u.line)
                i += 1
                continue
            if kind == "editor":
                m = cv.EDITOR.match(u.text)
                assert m  # what made it an editor line
                role = {"责编": "责任编辑", "美编": "美术编辑"}.get(m.group(1), m.group(1))
                for name in re.split(r"[\s、]+", m.group(2).strip()):
                    self.editors.append(Editor(role, name))
                self.note("seen", None, "editor", f"{role}: {m.group(2)}", u.line)
                i += 1
                continue
            if kind == "tablerow":
                i = self._table(i)
                continue
            if self._starts_article(i):
                i = self._title_group(i)
                continue
            self._element(i)
            i += 1

    def _table(self, i: int) -> int:
        """A GFM pipe table: its rows, one line each, with no blank line between them."""
        j = i + 1
        while j < len(self.units) and self.kinds[j] == "tablerow" and self.units[j].gap == 0:
            j += 1
        rows = [u.text for u in self.units[i:j]]
        u = self.units[i]
        if not is_pipe_table(rows):
            self.note("problem", self.cur, "table", "lines of | cells that are not a table: a "
                      "header row, then the alignment row (| --- | --: |), then the rows", u.line)
            return j
        if self.cur is None:
            self.note("problem", None, "table", "a table before any headline", u.line)
            return j
        self.cur.blocks.append(_Block("table", "\n".join(rows), u.line, lines=[x.line for x in self.units[i:j]]))
        self.note("seen", self.cur, "table", f"table of {len(rows) - 2} rows", u.line)
        return j

    def _starts_article(self, i: int) -> bool:
        u, kind = self.units[i], self.kinds[i]
        cur = self.cur
        if kind == "title":
            if u.level >= 3 and cur is not None and cur.has_content:
                # a ### line inside an article is its subhead, unless a bigger title follows
                # it at once: then it is the 引题 of the next article
                nxt = i + 1 < len(self.units) and self.units[i + 1]
                return bool(nxt and self.kinds[i + 1] == "title" and nxt.level in (1, 2)
                            and nxt.gap <= self.normal_gap)
            return not (u.level == 0 and self._continues(i) and cur is not None  # it continues cur
                        and (cur.briefs or cv.cannot_start_title(u.text)))
        if kind == "numbered":
            return cur is None or not cur.has_content
        return False

    def _continues(self, i: int) -> bool:
        """Is unit ``i`` the rest of the previous paragraph, cut off by a column break?"""
        u = self.units[i]
        cur = self.cur
        if cur is None or not cur.blocks or u.level or u.gap > self.normal_gap:
            return False
        last = cur.blocks[-1]
        if last.kind not in ("p", "brief", "fig") or last.credit:
            return False
        return cv.unterminated(last.text) and self.kinds[i] in ("body", "title", "subtitle")

    def _title_group(self, i: int) -> int:
        group: list[Unit] = [self.units[i]]
        j = i + 1
        while j < len(self.units) and len(group) < 4:
            k, u = self.kinds[j], self.units[j]
            if u.gap > self.normal_gap and u.level == 0:
                break
            if k == "subtitle" or (k == "title" and u.level < 3) or \
                    (k == "title" and u.level >= 3 and group[-1].level >= 3):
                group.append(u)
                j += 1
                if k == "subtitle":
                    break  # a 副题 closes the title block
                continue
            break
        d = _Draft(line=group[0].line)
        self._resolve_titles(d, group)
        if d.headline and cv.is_briefs_name(d.headline):
            d.briefs = True
            d.kind = ArticleKind.BRIEFS
            self.note("seen", d, "kind", f"briefs column {d.headline!r}", group[0].line)
        self.drafts.append(d)
        self.cur = d
        return j

    def _resolve_titles(self, d: _Draft, group: list[Unit]) -> None:
        texts = [u.text for u in group]
        dashed = [u for u in group if u.text.startswith("—")]
        rest = [u for u in group if not u.text.startswith("—")]
        if dashed:
            # Stored without the dash that introduces a 副题 in print: the template sets it.
            d.subtitle = " ".join(u.text.lstrip("—－- ") for u in dashed)
            self.note("seen", d, "subtitle", f"副题 {d.subtitle!r}", dashed[0].line)
        if not rest:
            d.headline = d.subtitle
            d.subtitle = None
            self.note("problem", d, "no-headline", f"a 副题 {texts[0]!r} with no headline above it",
                      group[0].line)
            return
        if len(rest) == 1:
            head = rest[0]
        else:
            levels = {u.level for u in rest}
            if len(levels) > 1 and 0 not in levels:
                head = min(rest, key=lambda u: u.level)  # the biggest mark is the 主题
                how = "by its Markdown level"
            else:
                head = rest[1]  # 引题 above 主题 is the usual order
                how = "the first line taken as 引题"
            before = [u for u in rest if u.line < head.line]
            after = [u for u in rest if u.line > head.line]
            if before:
                d.kicker = " ".join(u.text for u in before)
                self.note("guess", d, "kicker", f"two title lines: 主题 {head.text!r}, 引题 "
                                                f"{d.kicker!r} ({how})", before[0].line)
            if after:
                extra = " ".join(u.text for u in after)
                d.subtitle = f"{d.subtitle} {extra}" if d.subtitle else extra
                self.note("guess", d, "subtitle", f"title line {extra!r} taken as 副题", after[0].line)
        d.headline = head.text
        self.note("seen", d, "headline", f"主题 {head.text!r}", head.line)

    # -- one element of an article
    def _element(self, i: int) -> None:
        u, kind = self.units[i], self.kinds[i]
        cur = self.cur
        if kind in ("body", "title", "subtitle") and cur is not None and self._continues(i):
            last = cur.blocks[-1]
            self.note("guess", cur, "rejoined", f"line {last.lines[-1]} ends without end punctuation "
                      f"and line {u.line} continues it: rejoined as one paragraph "
                      f"(…{last.text[-6:]}|{u.text[:6]}…)", u.line)
            last.text = cv.join_broken(last.text, u.text)
            last.lines.append(u.line)
            if last.kind == "brief":
                self._split_joined_brief(cur)
            return
        if kind == "dateline":
            self._dateline(u)
            return
        if kind == "credit":
            self._credit(u)
            return
        if kind == "byline":
            self._byline(u)
            return
        if cur is not None and cur.has_content and (kind == "numbered" or
                                                   (kind == "title" and u.level >= 3)):
            cur.blocks.append(_Block("sub", u.text, u.line, lines=[u.line]))
            self.note("seen", cur, "subhead", f"subhead {u.text!r}", u.line)
            return
        if cur is not None and cur.blocks and self._isolated(i):
            # A paragraph standing alone between wide gaps, with no headline: the caption of
            # a photo that the text copy does not carry.
            cur = self._new_headless(u, "an isolated paragraph between wide gaps")
        if cur is None:
            cur = self._new_headless(u, "text before any headline")
        self._body(cur, u)

    def _isolated(self, i: int) -> bool:
        u = self.units[i]
        if u.gap <= self.normal_gap or u.level:
            return False
        if i + 1 == len(self.units):
            return True
        nxt, nk = self.units[i + 1], self.kinds[i + 1]
        return nxt.gap > self.normal_gap or nk in ("title", "credit") or nxt.level in (1, 2)

    def _new_headless(self, u: Unit, why: str) -> _Draft:
        d = _Draft(line=u.line, kind=ArticleKind.PHOTO)
        self.note("guess", d, "photo", f"{why}: taken as the caption of a photo news item "
                                       "without headline", u.line)
        self.drafts.append(d)
        self.cur = d
        return d

    def _body(self, d: _Draft, u: Unit) -> None:
        text = u.text
        if d.briefs:
            for item in cv.split_brief_items(text):
                bullet = cv.BULLET.match(item)
                if bullet:
                    item = item[bullet.end():]
                d.blocks.append(_Block("brief", item, u.line, lines=[u.line]))
            return
        if cv.is_caption_start(text) or (d.kind is ArticleKind.PHOTO and not d.blocks):
            caption, credit = cv.split_credit_tail(text)
            d.blocks.append(_Block("fig", caption, u.line, credit, lines=[u.line]))
            return
        caption, credit = cv.split_credit_tail(text)
        if credit:
            d.blocks.append(_Block("fig", caption, u.line, credit, lines=[u.line]))
            self.note("guess", d, "caption", f"paragraph ending in a photo credit ({credit}) "
                                             "taken as a caption", u.line)
            return
        d.blocks.append(_Block("p", text, u.line, lines=[u.line]))

    def _split_joined_brief(self, d: _Draft) -> None:
        last = d.blocks.pop()
        for k, item in enumerate(cv.split_brief_items(last.text)):
            d.blocks.append(_Block("brief", item, last.line if k == 0 else last.lines[-1],
                                   lines=list(last.lines)))

    def _dateline(self, u: Unit) -> None:
        lead = cv.match_lead(u.text)
        assert lead is not None  # what made it a dateline
        d = self.cur
        if d is None or d.dateline or any(b.kind != "fig" for b in d.blocks) or d.briefs:
            d = _Draft(line=u.line, kind=ArticleKind.NEWS)
            self.note("problem", d, "no-headline", f"the lead {lead.dateline!r} starts an article "
                      "with no headline before it", u.line)
            self.drafts.append(d)
            self.cur = d
        d.dateline = lead.dateline
        self.note("seen", d, "dateline", f"dateline lead {lead.dateline!r}", u.line)
        if lead.byline:
            self._set_byline(d, lead.byline, u.line, "from the lead")
        if lead.note:
            self.note("guess", d, "byline-uncertain", lead.note, u.line)
        if lead.rest:
            self._body(d, Unit(lead.rest, u.line, 0, 0))

    def _byline(self, u: Unit) -> None:
        d = self.cur
        byline = cv.match_byline_line(u.text)
        assert byline is not None  # what made it a byline line
        if d is None:
            self.note("problem", None, "byline", f"byline {u.text!r} before any headline", u.line)
            return
        where = "at the end of the article" if d.blocks else "under the headline"
        self._set_byline(d, byline, u.line, where)

    def _set_byline(self, d: _Draft, byline: Byline, line: int, where: str) -> None:
        if d.byline is None:
            d.byline = byline
            self.note("seen", d, "byline", f"byline {byline} ({where})", line)
        elif d.byline != byline:
            merged = Byline(d.byline.credits + tuple(c for c in byline.credits
                                                     if c not in d.byline.credits))
            self.note("guess", d, "byline-merged", f"second byline {byline} merged into {d.byline}",
                      line)
            d.byline = merged
        odd = cv.uncertain_names(byline)
        if odd:
            self.note("guess", d, "byline-uncertain", f"uncertain name(s) in the byline: "
                      f"{'、'.join(odd)} (two names run together, or a typo?)", line)

    def _credit(self, u: Unit) -> None:
        credit = cv.match_credit_line(u.text)
        d = self.cur
        if d is None or not d.blocks:
            self.note("problem", d, "credit", f"photo credit {u.text!r} with no caption before it",
                      u.line)
            return
        last = d.blocks[-1]
        if last.kind == "fig" and not last.credit:
            last.credit = credit
            self.note("seen", d, "credit", f"photo credit {credit!r}", u.line)
            return
        if d.dateline is None and not d.briefs and all(b.kind == "p" for b in d.blocks):
            first = d.blocks[0]
            first.kind, first.credit = "fig", credit
            d.kind = ArticleKind.PHOTO
            self.note("guess", d, "photo", f"picture news: the article ends with the credit "
                      f"{credit!r} and has no lead; its first paragraph (line {first.line}) "
                      "taken as the photo caption", u.line)
            return
        if last.kind == "p":
            last.kind, last.credit = "fig", credit
            self.note("guess", d, "caption", f"photo credit {credit!r}: the paragraph above it "
                      f"(line {last.line}) taken as the caption", u.line)
            return
        self.note("problem", d, "credit", f"photo credit {u.text!r} after a {last.kind}", u.line)

    # -- the model
    def articles(self, page: int) -> list[Article]:
        slugs: dict[int, str] = {}
        for k, d in enumerate(self.drafts, 1):
            slugs[id(d)] = f"p{page:02d}-a{k:02d}"
        for draft, level, code, message, line in self._pending:
            slug = slugs.get(id(draft)) if draft is not None else None
            getattr(self.rep, {"seen": "seen", "guess": "guess", "problem": "problem"}[level])(
                code, message, line, slug)
        return [self._article(d, slugs[id(d)]) for d in self.drafts]

    def _article(self, d: _Draft, slug: str) -> Article:
        rep, path = self.rep, self.path
        body: list[Block] = []
        for b in d.blocks:
            ref = SourceRef(path, b.line)
            text = b.text.strip()
            for word in cv.foreign_fragments(text):
                rep.guess("foreign", f"foreign fragment {word!r} inside Chinese text kept as written "
                                     "(a translation slip?)", b.line, slug)
            if b.kind == "table":
                table = parse_table(b.text.split("\n"), ref)
                if table is not None:
                    body.append(Table(tuple(normalize_punctuation(c) for c in table.header),
                                      tuple(tuple(normalize_punctuation(c) for c in r) for r in table.rows),
                                      table.align, ref))
                continue
            if b.kind == "p":
                body.append(Paragraph((Run(text),), ref))
            elif b.kind == "sub":
                body.append(_subhead(text, ref))
            elif b.kind == "brief":
                brief = _brief(text, ref)
                body.append(brief)
                if not brief.attribution:
                    rep.guess("brief-attribution", "brief item without a (name) attribution",
                              b.line, slug)
            elif b.kind == "fig":
                body.append(Figure(caption=text, credit=b.credit, source=ref))
                rep.guess("caption-without-image", "photo caption without the photo: add it to "
                          "images/ and link it in the figure" + ("" if b.credit else
                                                                 "; the caption has no credit"),
                          b.line, slug)
            unfinished = b.kind in ("p", "brief") and cv.unterminated(text)
            if unfinished and not (b.kind == "brief" and _brief(text, ref).attribution):
                rep.guess("unterminated", "paragraph ends without end punctuation "
                                          f"(…{text[-8:]})", b.lines[-1], slug)
        kind = d.kind
        if kind is None:
            kind = ArticleKind.FEATURE if any(b.kind == "sub" for b in d.blocks) else ArticleKind.NEWS
        if kind is ArticleKind.PHOTO and not any(isinstance(b, Figure) for b in body):
            kind = ArticleKind.NEWS
        if d.headline is None and kind is not ArticleKind.PHOTO:
            rep.problem("no-headline", "article without a headline", d.line, slug)
        if not body:
            rep.problem("empty-body", f"article {d.headline or slug!r} has no text", d.line, slug)
        if d.headline and len(d.headline) > 120:
            rep.problem("headline-too-long", "headline longer than 120 characters", d.line, slug)
        if kind is ArticleKind.FEATURE:
            rep.seen("kind", f"feature with {sum(b.kind == 'sub' for b in d.blocks)} subheads",
                     d.line, slug)
        if d.briefs:
            rep.seen("brief", f"{len(body)} brief items", d.line, slug)
        return Article(slug=slug, kind=kind, headline=d.headline, kicker=d.kicker,
                       subtitle=d.subtitle, byline=d.byline, dateline=d.dateline,
                       body=tuple(body), source=SourceRef(path, d.line))


__all__ = ["Unit", "classify", "import_text", "parse_copy", "read_units"]
