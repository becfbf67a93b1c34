"""Rendering the model to markup: the Jinja environment, its filters, and the documents.

Templates are package data under ``publisher/templates``; autoescape is on for every
template (``select_autoescape`` misses .xhtml) and undefined names fail loudly. Text from
the sources only reaches markup through the ``typeset`` filter, which escapes it: no raw
HTML from an edition can reach an output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .config import Settings
from .model import Article, ArticleKind, Brief, Edition, Figure, Page, Paragraph, Run, RunStyle, Subhead, Table


def typeset(text: str | None, spacing: str = "quarter", end: bool = False,
            engine: bool = False) -> Markup:
    """Source text to safe inline markup, with the CJK typographic pass applied.

    ``end``: the text ends a paragraph (its last two letters are kept on one line).
    ``engine``: the markup is for WeasyPrint, which applies halts, gaps and paragraph ends
    itself (publisher/engine/typeset.py; ``to_html``'s ``engine``)."""
    if not text:
        return Markup("")
    try:
        from .typeset import to_html
    except ImportError:  # pragma: no cover - the pass is part of the package
        return escape(text)
    return to_html(text, cjk_latin_space=spacing, keep_end=end, engine=engine)


def brief(item: Brief, spacing: str = "quarter", engine: bool = False) -> Markup:
    """A brief and its attribution: "…激励干部担当作为。（刘琼）".

    The attribution is its own span (names set in 楷), so the typeset pass cannot see the
    pair "。（" across the two: squeeze it here, on the closing mark, whose face (宋) has the
    `halt` feature (LXGW WenKai has none), so the pair takes 1.5 em, not 2. (For WeasyPrint,
    ``engine``, engine/typeset.py decides halts over the whole brief and squeezes it itself.)
    """
    text = item.text
    if not item.attribution:
        return (Markup('<span class="brief-text">') + typeset(text, spacing, True, engine)
                + Markup("</span>"))
    from .typeset.spacing import CLOSING_MARKS

    if text and text[-1] in CLOSING_MARKS and not engine:
        body = typeset(text[:-1], spacing) + Markup('<span class="halt">') + escape(text[-1]) + Markup("</span>")
    else:
        body = typeset(text, spacing, engine=engine)
    if engine:
        names = typeset("（" + "、".join(item.attribution) + "）", spacing, True, engine)
    else:
        # Each name on one line (styles/epub.css: .attribution .name): a reading system may
        # break between two names, never inside one (（陈 / 鹏、陈琦）).
        names = (typeset("（", spacing) + Markup("、").join(
            Markup('<span class="name">') + typeset(name, spacing) + Markup("</span>")
            for name in item.attribution) + Markup("）"))
    return (Markup('<span class="brief-text">') + body + Markup('</span><span class="attribution">')
            + names + Markup("</span>"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("publisher", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(ArticleKind=ArticleKind, RunStyle=RunStyle, is_paragraph=_is(Paragraph),
                       is_subhead=_is(Subhead), is_figure=_is(Figure), is_brief=_is(Brief),
                       is_table=_is(Table), paragraph_parts=paragraph_parts)
    return env


def paragraph_parts(paragraph: Paragraph, marks=()) -> list[tuple[Markup, Paragraph]]:
    """The paragraph cut at each of ``marks`` ((printed characters before it, not counting
    spaces; markup)): its parts, each with the markup set before it (the EPUB's anchor where
    print continues a jumped article on another 版: ``epub.jump_markers``). The
    cut lies where the print's own cut of the paragraph lies, a point the typeset pass
    decides nothing across (``makeup.units.safe_cut``), so the parts set as the whole."""
    parts: list[tuple[Markup, Paragraph]] = []
    runs: list[Run] = []
    before = Markup("")
    pending = sorted((at, Markup(m)) for at, m in marks)
    seen = 0
    for run in paragraph.runs:
        chars: list[str] = []
        for ch in run.text:
            while pending and not ch.isspace() and seen >= pending[0][0]:
                if chars:
                    runs.append(Run("".join(chars), run.style))
                    chars = []
                if runs:
                    parts.append((before, Paragraph(tuple(runs))))
                    runs, before = [], Markup("")
                before += pending.pop(0)[1]
            chars.append(ch)
            seen += not ch.isspace()
        if chars:
            runs.append(Run("".join(chars), run.style))
    parts.append((before, Paragraph(tuple(runs))))
    if pending:  # past its end: after it
        parts.append((Markup("").join(m for _, m in pending), Paragraph(())))
    return parts


def _is(cls):
    return lambda obj: isinstance(obj, cls)


def render(template: str, settings: Settings, engine: bool = False, **context) -> str:
    """Render a template; ``engine``: for WeasyPrint (the PDFs), whose layout applies the
    typeset pass's halts, gaps and paragraph ends (see ``typeset``)."""
    env = environment()
    spacing = settings.typography.cjk_latin_spacing
    return env.get_template(template).render(
        typeset=lambda text, end=False: typeset(text, spacing, end, engine), settings=settings,
        brief=lambda item: brief(item, spacing, engine), **context)


def article_id(article: Article) -> str:
    return f"a-{article.slug}"


def page_id(page: Page) -> str:
    return f"p-{page.number}"


def reading_html(edition: Edition, settings: Settings,
                 image_src=lambda fig: fig.image.href, *, front: bool = True,
                 parts: Sequence[Page] | None = None, target: Callable[[str], str] | None = None,
                 folios: Mapping[str, int] | None = None, wide_folios: bool = False) -> str:
    """The whole issue as one HTML document for the reading PDF; ``image_src(figure)`` is the
    URL its photo is fetched by.

    A part of it, for a reading PDF rendered 版 by 版 (reading.py): ``front`` false leaves
    the front page (masthead and contents) out, ``parts`` are the 版 it holds (all by
    default); the contents links to an id by the URL ``target(id)`` (``#id`` by default)
    and, given ``folios``, prints each article's page number from it (id -> number) rather
    than asking the layout for it. ``wide_folios``: the contents' page numbers in boxes for
    four digits (an article from page 1000 on: ``reading.WIDE_FROM``)."""
    return render("reading/edition.html.j2", settings, engine=True, edition=edition,
                  created=edition.issue.closing_time.isoformat(), image_src=image_src,
                  front=front, parts=edition.pages if parts is None else parts, target=target,
                  folios=folios, wide_folios=wide_folios)
