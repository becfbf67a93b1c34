"""The markup of a printed 版, from its make-up plan, and the proof that it was set as planned.

The page comes from ``publisher/templates/print/page.html.j2`` with the shared article
macros, the units macros the galleys were measured with, and ``styles/print.css``: page
head (版头), masthead (报头) on page 1, each article's box with its head zone and its text
columns (the units, or parts of units, the plan gives each column), the rules between
articles and between text columns, the folio.

``check_plan`` reads the laid-out page back: every text column must hold exactly the lines
the plan gave it, within its box. The make-up measured the very units the page sets, so
this never fails for a valid edition; if it ever did, the page is not printed wrong: the
build stops with an internal error to report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..engine import Document, alias_url
from ..errors import Problem, RenderError
from ..makeup import PagePlan
from ..makeup.geometry import BAND_GAP, MASTHEAD, PAGE_HEAD
from ..model import ArticleKind, Edition, Figure
from ..render import render
from .lunar import lunar_date_zh


@dataclass(frozen=True)
class Rule:
    kind: str  # "v" between articles side by side, "h" between stacked ones, "t" between text columns
    x: float
    y: float
    length: float


@dataclass(frozen=True)
class Masthead:
    y: float
    height: float
    edition_x: float


def _mm(value: float) -> str:
    return f"{value:.3f}mm"


def _built(edition: Edition) -> str:
    # The slug's "build time" is the issue's closing time, not the clock: builds stay
    # reproducible, and the plant sees which issue the plate belongs to. To the minute.
    return edition.issue.closing_time.isoformat(timespec="minutes")


def image_url(source: Path, edition: Edition) -> str:
    """The URL a CMYK copy is fetched by: named after the source, not the scratch folder, so
    that WeasyPrint's image names (hashes of the URL) are the same in every build."""
    assert edition.root is not None
    return alias_url("publisher-cmyk", source.relative_to(edition.root).as_posix())


# Kinds whose head draws a rule along the box's top (styles/print.css: the 简讯 headline's
# red border-top): no column rule above them, or the two rules would double.
TOP_RULED = {ArticleKind.BRIEFS}


def rules_for(plan: PagePlan) -> list[Rule]:
    """Column rules: in the gutter left of each box not at the grid's left edge, in the gap
    line above each box not at the grid's top (unless the box rules its own top), and
    between an article's text columns."""
    g = plan.grid.geometry
    area = g.type_area
    line = plan.grid.line
    rules = []
    for p in plan.placed:
        if p.box.x > area.x + 0.01:
            rules.append(Rule("v", p.box.x - g.gutter / 2, p.box.y, p.box.height))
        ruled = p.article.kind in TOP_RULED and not p.continued_from
        if p.line > 0 and not ruled:
            rules.append(Rule("h", p.box.x, p.box.y - line / 2, p.box.width))
        for c in p.columns[1:]:
            rules.append(Rule("t", p.box.x + c.x - g.gutter / 2, p.box.y + p.zone, p.body * line))
    return rules


def page_html(edition: Edition, settings: Settings, plan: PagePlan, profile: Path,
              images: dict[Path, bytes]) -> str:
    g = plan.grid.geometry
    area = g.type_area
    page = plan.page
    masthead = None
    head_y = area.y  # the page head; on page 1 below the masthead, which heads the page
    if page.number == 1:
        masthead = Masthead(area.y, MASTHEAD, g.span_width(4) + g.gutter)
        head_y = area.y + MASTHEAD + BAND_GAP
    lunar = lunar_date_zh(edition.issue.date) if settings.print.lunar_date else None

    def image_src(fig: Figure) -> str:
        assert fig.image is not None  # asked only for figures with a photo
        return image_url(fig.image.path, edition)

    return render("print/page.html.j2", settings, engine=True, page=page, geometry=g, area=area,
                  placed=plan.placed, rules=rules_for(plan), masthead=masthead, lunar=lunar,
                  pages_total=len(edition.pages), head_y=head_y, head_height=PAGE_HEAD,
                  line=plan.grid.line,
                  slug=settings.print.slug, built=_built(edition),
                  sheet=(g.trim_width, g.trim_height), bleed=g.outside, edition=edition,
                  created=edition.issue.closing_time.isoformat(), profile_url=profile.as_uri(),
                  image_src=image_src, mm=_mm)


# mm (1 CSS px): more than rounding, so a line this far past its box is a real overflow
OVERFLOW_TOLERANCE = 25.4 / 96


def check_plan(document: Document, plan: PagePlan) -> None:
    """Fail if a text column does not hold what the plan gave it: a unit past the column's
    foot, or a part of a paragraph that took other lines than its galley said."""
    problems = []
    placed = {p.slug: p for p in plan.placed}
    for box in document.find("box"):
        p = placed.get(box.get("slug") or "")
        if p is None:
            continue
        worst, wrong = 0.0, []
        for c, col in zip(p.columns, box.find("column"), strict=False):
            bottom = col.content.bottom
            units = col.find("unit")
            for piece, unit in zip(c.pieces, units, strict=False):
                worst = max(worst, unit.margin.bottom - bottom)
                if piece.source.text:
                    lines = sum(len(b.lines) for b in (unit, *unit.descendants()))
                    if lines != piece.lines:
                        wrong.append(f"{lines} lines instead of {piece.lines}")
            if len(units) != len(c.pieces):
                wrong.append(f"{len(units)} units instead of {len(c.pieces)}")
        for head in box.find("head-zone"):
            for inner in head.children:
                worst = max(worst, inner.margin.bottom - head.content.bottom - 2.5)
        if worst > OVERFLOW_TOLERANCE or wrong:
            src = p.article.source
            what = "; ".join(wrong) or f"{worst:.1f} mm past its text column"
            problems.append(Problem(
                f"article {p.slug!r} on page {plan.page.number} was not set as planned ({what})",
                src.path if src else None, None,
                "report this: the measurement and the layout disagree", code="internal"))
    if problems:
        raise RenderError(problems)


# What a printed 版 carries inside its trim: the article boxes and the page furniture.
# (Crop marks and the slug line are drawn outside it on purpose.)
INSIDE_TRIM = ("box", "masthead", "page-head", "folio")


def check_furniture(document: Document, plan: PagePlan, edition: Edition) -> None:
    """Fail if the masthead's paper name does not fit its band on one line, clear of the
    edition's name and the ear, or if any text of the page lies (partly) outside the trim:
    a name set too long ran off the page while the build reported success."""
    problems = []
    where = edition.root / "edition.toml" if edition.root else None
    for masthead in document.find("masthead"):
        for paper in masthead.find("paper"):
            others = [b.border.x for cls in ("edition-name", "ear") for b in masthead.find(cls)]
            room = min(others, default=masthead.content.right) - paper.border.x
            width = max((line.width for line in paper.lines), default=0.0)
            if len(paper.lines) > 1 or width > room + OVERFLOW_TOLERANCE:
                problems.append(Problem(
                    f"the paper's name {edition.paper.name[:24]!r} does not fit the masthead: "
                    + (f"it wraps onto {len(paper.lines)} lines" if len(paper.lines) > 1 else
                       f"{width:.0f} mm wide, {room:.0f} mm free before the "
                       + ("edition's name" if masthead.find("edition-name") else "ear")),
                    where, None, "shorten [paper] name, or give the house a masthead for it (its "
                    "print.css sets .masthead .paper at 112 pt)", code="masthead"))
    width, height = plan.grid.geometry.trim_width, plan.grid.geometry.trim_height
    tol = OVERFLOW_TOLERANCE
    for cls in INSIDE_TRIM:
        for block in document.find(cls):
            for b in (block, *block.descendants()):
                for line in b.lines:
                    if line.x < -tol or line.y < -tol or line.right > width + tol or line.bottom > height + tol:
                        problems.append(Problem(
                            f"page {plan.page.number}: text of the {cls.replace('-', ' ')} runs off "
                            f"the trim ({line.x:.0f}, {line.y:.0f} mm; the page is "
                            f"{width:.0f} × {height:.0f} mm)", where, None,
                            "shorten it; the print layout cannot place text outside the page",
                            code="masthead" if cls != "box" else "overflow"))
                        break
    if problems:
        raise RenderError(problems[:1] if problems[0].code == "masthead" else problems)
