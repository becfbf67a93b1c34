"""Article bodies: Markdown (markdown-it-py, CommonMark, raw HTML refused) to model blocks.

The body grammar, kept small on purpose (see the README's edition format):
- a paragraph is body text; lines broken inside it are joined (no space between Chinese
  characters, one space between Latin words) so column breaks in pasted copy vanish;
- ``##`` or ``###`` is a subhead: "1 如何破题？ 聚焦老旧小区——…" gives number 1, title
  and subtitle (split at the first space after the title);
- a paragraph that starts with an image is a figure:
  ``![alt](images/x.jpg "通讯员 吴涛 摄")`` then the caption on the following lines;
  ``![alt]()`` is a figure whose photo has not arrived (a caption with no image);
- in a briefs article, each list item is a brief; a trailing （name、name） is its attribution;
- ``**strong**`` is set in 黑体, ``*emphasis*`` with 着重号; links keep their text only;
- a GFM pipe table is a table (header row, alignment row, body rows; cells are plain text).

Anything else (raw HTML, headings of level 1, code, quotes, images inside text)
is reported as a problem with its line, so nothing unexpected reaches an output.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import Problems
from ..model import Block, Brief, Figure, Image, Paragraph, Run, RunStyle, SourceRef, Subhead, Table
from ..typeset.punctuation import unspaced

# html=True only so that raw HTML is *seen* and refused with its line; it is never rendered.
_MD = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
# markdown-it drops links and images whose URL it deems unsafe (javascript:, file:, data:
# but images) and prints their source as text instead, so ``![图](file:///etc/passwd)``
# would be published as that text. Accept every URL here: images are checked (and refused
# with a message) by the reader, and link targets are never output.
_MD.validateLink = lambda url: True  # type: ignore[method-assign]

_ATTRIBUTION = re.compile(r"[（(]([^（）()]{1,40})[）)]\s*$")
_SUBHEAD = re.compile(r"^(?:(\d{1,2})[\s.、．]+)?(\S+?[？！?!：:。])?\s*(.*)$")

ImageResolver = Callable[[str, int, Problems], Image | None]


@dataclass
class _Ctx:
    path: Path
    line_offset: int
    problems: Problems
    resolve_image: ImageResolver
    briefs: bool

    def line(self, token: Token) -> int:
        return (token.map[0] if token.map else 0) + 1 + self.line_offset

    def error(self, message: str, token: Token, hint: str | None = None, code: str = "markdown") -> None:
        self.problems.add(message, self.path, self.line(token), hint=hint, code=code)


def join_lines(left: str, right: str) -> str:
    """Join two source lines of one paragraph: no space next to a character of a script
    written without spaces (Chinese, Japanese: ``typeset.punctuation.unspaced``)."""
    if not left or not right:
        return left + right
    if unspaced(left[-1]) or unspaced(right[0]):
        return left + right
    return left + " " + right


def parse_body(text: str, path: Path, line_offset: int, problems: Problems,
               resolve_image: ImageResolver, briefs: bool) -> tuple[Block, ...]:
    ctx = _Ctx(path, line_offset, problems, resolve_image, briefs)
    tokens = _MD.parse(text)
    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type in ("html_block",):
            ctx.error("raw HTML is not allowed in an article", tok,
                      "remove the tag; write plain text and Markdown (**strong**, *emphasis*)",
                      code="raw-html")
            i += 1
        elif tok.type == "heading_open":
            inline = tokens[i + 1]
            level = int(tok.tag[1])
            if level == 1:
                ctx.error("a level-1 heading in the body", tok,
                          "the headline goes in the front matter (headline = \"…\"); "
                          "use ## for a subhead")
            else:
                blocks.append(_subhead(_plain(inline, ctx), SourceRef(path, ctx.line(tok))))
            i += 3
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            block = _paragraph_or_figure(inline, tok, ctx)
            if block is not None:
                if briefs and isinstance(block, Paragraph):
                    blocks.append(_brief(block.text, SourceRef(path, ctx.line(tok))))
                else:
                    blocks.append(block)
            i += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            j = i + 1
            depth = 1
            while depth:
                t = tokens[j]
                if t.type in ("bullet_list_open", "ordered_list_open"):
                    depth += 1
                    if depth > 1 and t.level > tok.level + 2:
                        ctx.error("nested lists are not supported", t)
                elif t.type in ("bullet_list_close", "ordered_list_close"):
                    depth -= 1
                elif t.type == "inline":
                    item = _plain(t, ctx)
                    ref = SourceRef(path, ctx.line(t))
                    if briefs:
                        blocks.append(_brief(item, ref))
                    else:
                        blocks.append(Paragraph((Run(item),), ref))
                j += 1
            if not briefs:
                ctx.error("lists are only for briefs columns (kind = \"briefs\")", tok,
                          "write the items as paragraphs, or set kind = \"briefs\"")
            i = j
        elif tok.type == "table_open":
            i, table = _table(tokens, i, ctx)
            if table is not None:
                if briefs:
                    ctx.error("a table inside a briefs column", tok,
                              "put the table in a news article of its own")
                else:
                    blocks.append(table)
        else:
            what = {"fence": "a code block", "code_block": "a code block (indented text?)",
                    "blockquote_open": "a block quote", "hr": "a horizontal rule",
                    "table_open": "a table"}.get(tok.type, tok.type)
            ctx.error(f"{what} is not supported in an article body", tok,
                      "newspaper copy is paragraphs, subheads, figures and briefs; "
                      "remove the leading spaces or markup")
            # skip to the matching close token
            if tok.nesting == 1:
                depth, j = 1, i + 1
                while depth and j < len(tokens):
                    depth += tokens[j].nesting
                    j += 1
                i = j
            else:
                i += 1
    return tuple(blocks)


_ALIGN = re.compile(r"text-align:\s*(left|right|center)")


def _table(tokens: list[Token], i: int, ctx: _Ctx) -> tuple[int, Table | None]:
    """The table starting at ``tokens[i]``: (index after it, the Table)."""
    open_tok = tokens[i]
    header: list[str] = []
    align: list[str | None] = []
    rows: list[list[str]] = []
    in_head = False
    j = i + 1
    while j < len(tokens) and tokens[j].type != "table_close":
        t = tokens[j]
        if t.type == "thead_open":
            in_head = True
        elif t.type == "thead_close":
            in_head = False
        elif t.type == "tr_open" and not in_head:
            rows.append([])
        elif t.type in ("th_open", "td_open") and in_head:
            m = _ALIGN.search(str(t.attrs.get("style") or ""))
            align.append(m.group(1) if m else None)
        elif t.type == "inline":
            text = _plain(t, ctx).strip()
            (header if in_head else rows[-1]).append(text)
        j += 1
    width = len(header)
    body = tuple(tuple(r + [""] * (width - len(r))) for r in rows)
    if not any(c for c in header) and not body:
        return j + 1, None
    return j + 1, Table(tuple(header), body, tuple(align) if any(align) else (),
                        SourceRef(ctx.path, ctx.line(open_tok)))


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def is_pipe_table(lines: list[str]) -> bool:
    """Lines that are a GFM pipe table: a header row, the alignment row, rows."""
    return (len(lines) >= 2 and all(_PIPE_ROW.match(ln) for ln in lines[:1] + lines[2:])
            and _RULE_ROW.match(lines[1]) is not None)


def parse_table(lines: list[str], ref: SourceRef) -> Table | None:
    """A GFM pipe table given as lines (from copy or a feed), read as the reader reads one."""
    problems = Problems()
    ctx = _Ctx(ref.path, (ref.line or 1) - 1, problems, lambda *a: None, False)
    tokens = _MD.parse("\n".join(lines))
    if not tokens or tokens[0].type != "table_open":
        return None
    return _table(tokens, 0, ctx)[1]


def _subhead(text: str, ref: SourceRef) -> Subhead:
    m = _SUBHEAD.match(text.strip())
    assert m
    number, title, rest = m.group(1), m.group(2), m.group(3).strip()
    if title:
        return Subhead(title=title, number=number, subtitle=rest or None, source=ref)
    return Subhead(title=rest, number=number, source=ref)


def _brief(text: str, ref: SourceRef) -> Brief:
    m = _ATTRIBUTION.search(text)
    if m:
        names = tuple(n.strip() for n in re.split(r"[、,，\s]+", m.group(1)) if n.strip())
        return Brief(text[: m.start()].rstrip(), names, ref)
    return Brief(text.strip(), (), ref)


def _paragraph_or_figure(inline: Token, open_tok: Token, ctx: _Ctx) -> Block | None:
    children = inline.children or []
    if children and children[0].type == "image":
        img = children[0]
        src = img.attrs.get("src", "")
        alt = "".join(c.content for c in (img.children or [])).strip() or None
        credit = str(img.attrs.get("title") or "").strip() or None
        rest = Token("inline", "", 0, children=children[1:], map=inline.map)
        caption = _plain(rest, ctx).strip()
        if not caption:
            ctx.error("a figure without a caption", open_tok,
                      "write the caption on the line after the image")
            return None
        image = ctx.resolve_image(str(src), ctx.line(open_tok), ctx.problems) if src else None
        return Figure(caption=caption, image=image, credit=credit, alt=alt,
                      source=SourceRef(ctx.path, ctx.line(open_tok)))
    runs = _runs(inline, ctx)
    if not runs:
        return None
    return Paragraph(runs, SourceRef(ctx.path, ctx.line(open_tok)))


def _runs(inline: Token, ctx: _Ctx) -> tuple[Run, ...]:
    runs: list[Run] = []
    style = RunStyle.PLAIN

    def add(text: str) -> None:
        if not text:
            return
        if runs and runs[-1].style is style:
            runs[-1] = Run(runs[-1].text + text, style)
        else:
            if runs and text == "\n":
                return
            runs.append(Run(text, style))

    for child in inline.children or []:
        t = child.type
        if t == "text":
            add(child.content)
        elif t == "softbreak" or t == "hardbreak":
            add("\n")
        elif t == "code_inline":
            add(child.content)
        elif t == "strong_open":
            style = RunStyle.STRONG
        elif t == "em_open":
            style = RunStyle.EMPHASIS
        elif t in ("strong_close", "em_close"):
            style = RunStyle.PLAIN
        elif t in ("link_open", "link_close"):
            pass  # print has no links: keep the link text, drop the target
        elif t == "html_inline":
            ctx.error(f"raw HTML is not allowed in an article: {child.content!r}", inline,
                      "remove the tag; write plain text and Markdown", code="raw-html")
        elif t == "image":
            ctx.error("an image inside a paragraph", inline,
                      "put the image at the start of its own paragraph, caption below it")
        else:
            ctx.error(f"unsupported inline markup: {t}", inline)
    cleaned = []
    for r in runs:
        text = _resolve_breaks(r.text)
        if text.strip():
            cleaned.append(Run(text, r.style))
    if cleaned:
        cleaned[0] = Run(cleaned[0].text.lstrip(), cleaned[0].style)
        cleaned[-1] = Run(cleaned[-1].text.rstrip(), cleaned[-1].style)
    return tuple(cleaned)


def _resolve_breaks(text: str) -> str:
    """Turn the line breaks kept inside a run into joins (CJK: none, Latin: a space)."""
    if "\n" not in text:
        return text
    parts = [p.strip() for p in text.split("\n")]
    out = parts[0]
    for p in parts[1:]:
        out = join_lines(out, p)
    return out


def _plain(inline: Token, ctx: _Ctx) -> str:
    return "".join(r.text for r in _runs(inline, ctx))


def normalize_nfc(text: str) -> str:
    """NFC only (never NFKC: it would turn ，！？ into ASCII)."""
    return unicodedata.normalize("NFC", text)
