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


def attribution(names: tuple[str, ...]) -> str:
    return "（" + "、".join(names) + "）" if names else ""


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
    env.filters.update(date_zh=date_zh, attribution=attribution)
    env.globals.update(ArticleKind=ArticleKind, RunStyle=RunStyle, is_paragraph=_is(Paragraph),
                       is_subhead=_is(Subhead), is_figure=_is(Figure), is_brief=_is(Brief))
    return env


def _is(cls):
    return lambda obj: isinstance(obj, cls)


def render(template: str, settings: Settings, **context) -> str:
    env = environment()
    spacing = settings.typography.cjk_latin_spacing
    return env.get_template(template).render(
        typeset=lambda text: typeset(text, spacing), settings=settings, **context)


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


def xmp_description(edition: Edition) -> bytes:
    """Dublin Core the PDF's XMP lacks (publisher, date, language, issue): one rdf:Description.

    WeasyPrint writes title, creator and description from the HTML head; these complete
    what an archive reads from a PDF/A. Only predefined XMP schemas (dc) are used, so
    PDF/A needs no extension schema for them.
    """
    issue = edition.issue
    ids = [edition.id, f"总第{issue.number}期"] + ([edition.paper.cn] if edition.paper.cn else [])
    lis = "".join(f"<rdf:li>{escape(i)}</rdf:li>" for i in ids)
    text = (
        '<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" rdf:about="">'
        f"<dc:publisher><rdf:Bag><rdf:li>{escape(edition.paper.publisher)}</rdf:li></rdf:Bag></dc:publisher>"
        f"<dc:date><rdf:Seq><rdf:li>{issue.date.isoformat()}</rdf:li></rdf:Seq></dc:date>"
        f"<dc:language><rdf:Bag><rdf:li>{escape(edition.paper.language)}</rdf:li></rdf:Bag></dc:language>"
        f"<dc:identifier>{escape(edition.id)}</dc:identifier>"
        f"<dc:source>{escape(edition.paper.name)} {escape(issue.date_zh)} 总第{issue.number}期</dc:source>"
        f"<dc:relation><rdf:Bag>{lis}</rdf:Bag></dc:relation>"
        "</rdf:Description>")
    return text.encode("utf-8")
