"""HTML bodies of feeds, sanitised down to the model's blocks.

A CMS or an RSS feed often delivers the body as HTML. It is parsed with lxml's HTML parser
(never with regular expressions) and walked with a whitelist: what the model can say is
kept — paragraphs (``p``, ``div``, ``br``-separated lines, list items), subheads
(``h1``–``h6``), strong runs (``strong``/``b``), tables (``table`` → ``Table``), photos
(``img``/``figure`` with ``figcaption``, their ``src`` as given: never fetched) — and
everything else is reduced to its text. ``script``, ``style`` and other elements that hold
code or another document are dropped with their content. Nothing of the HTML itself reaches
an edition: the result is plain text in blocks, so no markup can reach an output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree, html as lxml_html

from ...model import Run, RunStyle

# Elements whose content is code or another document, never text to print.
DROPPED = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math",
           "head", "title", "meta", "link", "button", "select", "textarea", "form", "video",
           "audio", "canvas", "map"}
BLOCKS = {"p", "div", "section", "article", "blockquote", "li", "dd", "dt", "pre", "address",
          "center", "main", "header", "footer", "aside", "ul", "ol", "dl", "figure", "body"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
STRONG = {"strong", "b"}


@dataclass
class HtmlBlock:
    """One block found in the HTML: a paragraph (runs), subhead, table or image."""

    kind: str  # "p", "sub", "table", "img"
    runs: list[Run] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)  # table: every row's cells
    header_rows: int = 0  # table: how many leading rows are headers (th or thead)
    align: list[str | None] = field(default_factory=list)
    src: str | None = None  # img
    alt: str | None = None
    caption: str | None = None

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


def looks_like_html(text: str) -> bool:
    """Whether a body string is HTML rather than text (a tag the walker knows opens it)."""
    import re

    return re.search(r"<\s*(p|br|div|h[1-6]|table|img|strong|b|span|li|section|figure)\b[^<>]*>",
                     text, re.I) is not None


def html_blocks(text: str) -> list[HtmlBlock]:
    """The blocks of an HTML fragment (or document), in order."""
    try:
        root = lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    walker = _Walker()
    walker.add(root.text, RunStyle.PLAIN)
    walker.walk(root)
    walker.close()
    return [b for b in walker.out if b.kind != "p" or b.text.strip()]


class _Walker:
    def __init__(self) -> None:
        self.out: list[HtmlBlock] = []
        self.current: list[Run] = []

    def close(self) -> None:
        runs = _merge(self.current)
        if runs and "".join(r.text for r in runs).strip():
            self.out.append(HtmlBlock("p", runs))
        self.current = []

    def add(self, text: str | None, style: RunStyle) -> None:
        if text:
            self.current.append(Run(_space(text), style))

    def walk(self, el, style: RunStyle = RunStyle.PLAIN) -> None:
        for child in el:
            tag = child.tag.lower() if isinstance(child.tag, str) else None
            if tag is None or tag in DROPPED:  # comments, processing instructions, code
                self.add_tail(child, style)
                continue
            if tag == "br":
                self.close()
            elif tag in HEADINGS:
                self.close()
                text = _space(child.text_content()).strip()
                if text:
                    self.out.append(HtmlBlock("sub", [Run(text)]))
            elif tag == "table":
                self.close()
                self.out.append(_table(child))
            elif tag == "img":
                self.close()
                self.out.append(HtmlBlock("img", src=(child.get("src") or "").strip() or None,
                                          alt=(child.get("alt") or "").strip() or None,
                                          caption=(child.get("title") or "").strip() or None))
            elif tag == "figure":
                self.close()
                self._figure(child)
            elif tag in BLOCKS:
                self.close()
                self.add(child.text, style)
                self.walk(child, style)
                self.close()
            else:
                inner = RunStyle.STRONG if tag in STRONG else style
                self.add(child.text, inner)
                self.walk(child, inner)
            self.add_tail(child, style)

    def add_tail(self, child, style: RunStyle) -> None:
        self.add(child.tail, style)

    def _figure(self, fig) -> None:
        img = next(iter(fig.iter("img")), None)
        cap = next(iter(fig.iter("figcaption")), None)
        caption = _space(cap.text_content()).strip() if cap is not None else None
        self.out.append(HtmlBlock("img", src=(img.get("src") or "").strip() or None if img is not None else None,
                                  alt=(img.get("alt") or "").strip() or None if img is not None else None,
                                  caption=caption or None))


def _table(el) -> HtmlBlock:
    rows: list[list[str]] = []
    header_rows = 0
    align: list[str | None] = []
    for tr in el.iter("tr"):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag.lower() in ("th", "td")]
        if not cells:
            continue
        texts = []
        for c in cells:
            text = _space(c.text_content()).strip()
            span = c.get("colspan")
            texts.append(text)
            if span and span.isdigit():  # a spanning cell fills the columns it covers
                texts.extend([""] * (min(int(span), 20) - 1))
        in_head = tr.getparent() is not None and tr.getparent().tag == "thead"
        if (in_head or all(c.tag.lower() == "th" for c in cells)) and header_rows == len(rows):
            header_rows += 1
            align = [(c.get("align") or "").lower() or None for c in cells]
        rows.append(texts)
    align = [a if a in ("left", "right", "center") else None for a in align]
    return HtmlBlock("table", rows=rows, header_rows=header_rows, align=align)


def _space(text: str) -> str:
    """HTML whitespace (newlines inside a paragraph, &nbsp;) as a single space."""
    import re

    return re.sub(r"[ \t\r\n\u00a0]+", " ", text)


def _merge(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for r in runs:
        if out and out[-1].style is r.style:
            out[-1] = Run(out[-1].text + r.text, r.style)
        else:
            out.append(r)
    if out:
        out[0] = Run(out[0].text.lstrip(), out[0].style)
        out[-1] = Run(out[-1].text.rstrip(), out[-1].style)
    return [r for r in out if r.text]


__all__ = ["HtmlBlock", "html_blocks", "looks_like_html"]
