"""The markup of the print edition: galleys for measuring and the printed 版 itself.

Both come from the templates under ``publisher/templates/print`` with the shared article
macros and ``styles/print.css``. Here too: the page head (版头) and the masthead (报头)
bands' sizes, the column rules between articles, and the check after layout that no
article's text ran out of its box (overflow is never silent, even when a measurement
was wrong).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..engine import Document, alias_url
from ..errors import Problem, RenderError
from ..model import ArticleKind, Edition, Figure, Page
from ..render import render
from .geometry import Geometry
from .grid import ARTICLE_GAP, PagePlan, line_mm
from .lunar import lunar_date_zh
from .measure import GALLEY_HEIGHT, Galley

PAGE_HEAD = 9.0  # mm: the 版头 band
MASTHEAD = 48.0  # mm: the 报头 band on page 1
BAND_GAP = 4.0  # mm between a band and the grid


def grid_top(geometry: Geometry, page: Page) -> float:
    top = geometry.type_area.y + PAGE_HEAD + BAND_GAP
    if page.number == 1:
        top += MASTHEAD + BAND_GAP
    return top


@dataclass(frozen=True)
class Rule:
    kind: str  # "v" or "h"
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


def _context(edition: Edition, settings: Settings, profile: Path, images: dict[Path, Path]):
    def image_src(fig: Figure) -> str:
        assert fig.image is not None  # asked only for figures with a photo
        return image_url(fig.image.path, edition)

    return dict(edition=edition, created=edition.issue.closing_time.isoformat(),
                profile_url=profile.as_uri(), image_src=image_src, mm=_mm)


def galley_html(edition: Edition, settings: Settings, galleys: list[Galley], profile: Path,
                images: dict[Path, Path]) -> str:
    width = max(g.width for g in galleys) + 10
    return render("print/galley.html.j2", settings, engine=True, galleys=galleys, sheet=(width, GALLEY_HEIGHT),
                  bleed=0, **_context(edition, settings, profile, images))


# Kinds whose head draws a rule along the box's top (styles/print.css: the 简讯 headline's
# red border-top): no column rule above them, or the two rules would double.
TOP_RULED = {ArticleKind.BRIEFS}


def rules_for(plan: PagePlan) -> list[Rule]:
    """Column rules: in the gutter left of each box not at the grid's left edge, and in the
    gap above each box not at the grid's top (unless the box rules its own top)."""
    g = plan.geometry
    area = g.type_area
    rules = []
    for p in plan.placed:
        if p.box.x > area.x + 0.01:
            rules.append(Rule("v", p.box.x - g.gutter / 2, p.box.y, p.box.height))
        ruled = p.item.article.kind in TOP_RULED and not p.item.continued_from
        if p.box.y > plan.top + 0.01 and not ruled:
            rules.append(Rule("h", p.box.x, p.box.y - ARTICLE_GAP / 2, p.box.width))
    return rules


def page_html(edition: Edition, settings: Settings, plan: PagePlan, profile: Path,
              images: dict[Path, Path]) -> str:
    g = plan.geometry
    area = g.type_area
    page = plan.page
    masthead = None
    head_y = area.y  # the page head; on page 1 below the masthead, which heads the page
    if page.number == 1:
        masthead = Masthead(area.y, MASTHEAD, g.span_width(4) + g.gutter)
        head_y = area.y + MASTHEAD + BAND_GAP
    lunar = lunar_date_zh(edition.issue.date) if settings.print.lunar_date else None
    return render("print/page.html.j2", settings, engine=True, page=page, geometry=g, area=area,
                  placed=[_Shown(p) for p in plan.placed], rules=rules_for(plan),
                  masthead=masthead, lunar=lunar, pages_total=len(edition.pages),
                  head_y=head_y, head_height=PAGE_HEAD, gutter=g.gutter,
                  line=line_mm(settings.print.line_height),
                  slug=settings.print.slug, built=_built(edition),
                  sheet=(g.trim_width, g.trim_height), bleed=g.outside,
                  **_context(edition, settings, profile, images))


class _Shown:
    """A placed item as the template sees it: the part of the article it prints."""

    def __init__(self, placed):
        self.item = placed.item
        self.box = placed.box
        self.body = placed.body
        self.jump = placed.jump
        self.article = placed.item.shown


# mm (1 CSS px): more than rounding, so a line this far past its box is a real overflow
OVERFLOW_TOLERANCE = 25.4 / 96


def check_overflow(document: Document, plan: PagePlan) -> None:
    """Fail if any article's text was laid out beyond its box (an extra column or below)."""
    problems = []
    sources = {p.item.article.slug: p.item.article.source for p in plan.placed}
    for box in document.find("box"):
        slug = box.get("slug")
        right, bottom = box.content.right, box.content.bottom
        worst = 0.0
        for text in box.find("text"):
            inside = list(text.descendants())
            for rect in [b.border for b in inside] + [line for b in (text, *inside) for line in b.lines]:
                worst = max(worst, rect.right - right, rect.bottom - bottom)
        if worst > OVERFLOW_TOLERANCE:
            src = sources.get(slug or "")
            problems.append(Problem(
                f"article {slug!r} on page {plan.page.number} ran {worst:.1f} mm "
                "out of its box after layout", src.path if src else None, None,
                "report this: the measurement and the layout disagree", code="overflow"))
    if problems:
        raise RenderError(problems)
