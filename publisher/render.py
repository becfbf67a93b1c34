"""Rendering the model to markup: the Jinja environment, its filters, and the documents.

Templates are package data under ``publisher/templates``; autoescape is on for every
template (``select_autoescape`` misses .xhtml) and undefined names fail loudly. Text from
the sources only reaches markup through the ``typeset`` filter, which escapes it: no raw
HTML from an edition can reach an output.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from .config import Settings
from .model import (Article, ArticleKind, Brief, Edition, Figure, Page, Paragraph, RunStyle,
                    Subhead)


def typeset(text: str | None, spacing: str = "quarter") -> Markup:
    """Source text to safe inline markup, with the CJK typographic pass applied."""
    if not text:
        return Markup("")
    try:
        from .typeset import to_html
    except ImportError:  # pragma: no cover - the pass is part of the package
        return escape(text)
    return to_html(text, cjk_latin_space=spacing)


def date_zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def brief(item: Brief, spacing: str = "quarter") -> Markup:
    """A brief and its attribution: "…激励干部担当作为。（刘琼）".

    The attribution is its own span (names set in 楷), so the typeset pass cannot see the
    pair "。（" across the two: squeeze it here, on the closing mark, whose face (宋) has the
    `halt` feature (LXGW WenKai has none), so the pair takes 1.5 em, not 2.
    """
    text = item.text
    if not item.attribution:
        return Markup('<span class="brief-text">') + typeset(text, spacing) + Markup("</span>")
    from .typeset.spacing import CLOSING_MARKS

    if text and text[-1] in CLOSING_MARKS:
        body = typeset(text[:-1], spacing) + Markup('<span class="halt">') + escape(text[-1]) + Markup("</span>")
    else:
        body = typeset(text, spacing)
    names = "（" + "、".join(item.attribution) + "）"
    return (Markup('<span class="brief-text">') + body + Markup('</span><span class="attribution">')
            + typeset(names, spacing) + Markup("</span>"))


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
    env.filters.update(date_zh=date_zh)
    env.globals.update(ArticleKind=ArticleKind, RunStyle=RunStyle, is_paragraph=_is(Paragraph),
                       is_subhead=_is(Subhead), is_figure=_is(Figure), is_brief=_is(Brief))
    return env


def _is(cls):
    return lambda obj: isinstance(obj, cls)


def render(template: str, settings: Settings, **context) -> str:
    env = environment()
    spacing = settings.typography.cjk_latin_spacing
    return env.get_template(template).render(
        typeset=lambda text: typeset(text, spacing), settings=settings,
        brief=lambda item: brief(item, spacing), **context)


def article_id(article: Article) -> str:
    return f"a-{article.slug}"


def page_id(page: Page) -> str:
    return f"p-{page.number}"


def reading_html(edition: Edition, settings: Settings) -> str:
    """The whole issue as one HTML document for the reading PDF."""
    return render("reading/edition.html.j2", settings, edition=edition,
                  created=_created(edition), image_src=lambda fig: fig.image.href)


def _created(edition: Edition) -> str:
    # Fixed from the issue date so that builds are reproducible.
    return f"{edition.issue.date.isoformat()}T05:00:00+08:00"
