"""Feed entries into an edition: what every feed importer (JSON, RSS/Atom, NITF) shares.

A feed importer reads its format and hands over ``Entry`` records, one per article, with
the fields picked out (by a feed mapping, or by the format's own names) but not yet
interpreted. This module owns the interpretation, so every feed follows the same
conventions of Chinese newspaper copy:

- **Bylines** come from an explicit field whose value looks like names (``conventions.
  not_names``), or from a line the conventions recognise with certainty: a dateline lead
  with its credits ("本报讯（记者 甲 通讯员 乙）", "科技日报兰州6月11日电 （记者颉满斌…）"), a
  byline alone at the start of the body ("本报记者 杨笑寒", "■ 李 文"). A field value that
  does not look like names is left out and noted with the article, never printed.
- **The body**: paragraphs (a list, text with line breaks, or HTML sanitised by ``html``),
  subheads, GFM pipe tables and HTML tables as tables, photos with captions; the web page's
  trailer "《 人民日报 》（ 2026年06月12日 06 版）" is taken out (and noted).
- **Pages** (版): from the entry's own page number, else the mapping's channels, else one
  page per channel in feed order; 版 names from the mapping, else the paper file's pages,
  else a channel that is a name (a code such as "fe" never becomes a 版名).
- **The paper and issue** from the house's paper file (``publisher.papers``).

It builds the model only; ``publisher.sources.writer`` writes it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import Problems
from ...model import (
    Article,
    ArticleKind,
    Block,
    Brief,
    Byline,
    Credit,
    Edition,
    Figure,
    Image,
    Issue,
    Page,
    Paragraph,
    Run,
    SourceRef,
    Subhead,
    Table,
)
from ...papers import PaperFile
from ...typeset.punctuation import normalize as normalize_punctuation
from ..edition import SLUG, resolve_image
from ..markdown import _brief, _subhead, is_pipe_table, parse_table
from ..text import invisible_characters
from . import conventions as cv
from .dates import newsroom_date
from .html import html_blocks
from .report import ImportResult, Reporter

HAN = cv.HAN


@dataclass
class RawImage:
    src: str | None = None  # a path relative to the feed, or a URL (never fetched)
    caption: str | None = None
    credit: str | None = None
    alt: str | None = None
    # an <img> of an HTML body: its src is a path on the CMS's web site, never a file here
    web: bool = False


@dataclass
class Entry:
    """One article as a feed delivers it, fields picked out, nothing interpreted yet."""

    where: str  # its place in the feed, for messages: "articles[3]", "item 3", "a.xml"
    headline: str | None = None
    kicker: str | None = None
    subtitle: str | None = None
    byline: list[str] = field(default_factory=list)  # as printed, roles included
    reporters: list[str] = field(default_factory=list)  # names; role 记者 unless written
    source: str | None = None  # the outlet ("本报讯" is printed as the dateline lead)
    channel: str | None = None
    page: str | None = None  # 版次 as the feed gives it: "6", "06", "A03", "第6版"
    page_name: str | None = None  # 版名, where the feed gives it per article
    publish_time: str | None = None
    paragraphs: list[Any] | None = None  # str, or {"type", "text", "attribution"}
    html: str | None = None  # the body as HTML
    dateline: str | None = None  # a dateline given as its own field (NITF)
    blocks: list[Block] | None = None  # a body already in the model's blocks (NITF)
    slug: str | None = None  # the article's slug where the feed carries one (NITF doc-id)
    images: list[RawImage] = field(default_factory=list)
    kind: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # model field -> the feed's name
    source_path: Path | None = None  # the file it came from, where not the feed's (NITF)
    unreadable: set[str] = field(default_factory=set)  # parts already reported as unreadable

    def field_where(self, name: str) -> str:
        return f"{self.where}.{self.fields.get(name, name)}"


@dataclass(frozen=True)
class ChannelPage:
    """Where a channel's articles go: the mapping's ``[channels]``."""

    number: int
    name: str | None = None
    label: str | None = None


@dataclass
class Context:
    path: Path  # the feed file (messages; images are resolved inside its folder)
    date: dt.date
    paper: PaperFile
    number: int | None = None  # 总第…期
    channels: dict[str, ChannelPage] = field(default_factory=dict)
    channel_order: list[str] = field(default_factory=list)


def build_edition(entries: list[Entry], ctx: Context, rep: Reporter) -> ImportResult:
    """The edition of ``entries``: pages, articles, paper and issue, every decision reported."""
    builder = _Builder(ctx, rep)
    return builder.run(entries)


# ---------------------------------------------------------------- pages


def page_label(value: str) -> tuple[int, str | None] | None:
    """"6", "06" -> (6, None); "A03" -> (3, "A03"); "第6版" -> (6, "第6版"); else None."""
    value = str(value).strip()
    m = re.fullmatch(r"0*(\d{1,3})|第\s*0*(\d{1,3})\s*版|([A-Z])0*(\d{1,3})", value)
    if not m:
        return None
    if m.group(3):
        n = int(m.group(4))
        return (n, value) if n >= 1 else None
    n = int(m.group(1) or m.group(2))
    return (n, value if m.group(2) else None) if n >= 1 else None


def _is_code(name: str) -> bool:
    """A channel that is a code ("fe", "insurance1", "jjpd"), not a 版名."""
    return re.search(f"[{HAN}]", name) is None


class _Builder:
    def __init__(self, ctx: Context, rep: Reporter) -> None:
        self.ctx = ctx
        self.rep = rep
        self.root = ctx.path.parent.resolve() if ctx.path.is_file() else ctx.path.resolve()
        self.images: dict[str, Path | bytes] = {}
        self.slugs: set[str] = set()

    def run(self, entries: list[Entry]) -> ImportResult:
        ctx, rep = self.ctx, self.rep
        placed = [(self._page_of(e), e) for e in entries]
        # channels without a mapped page: one page each, after the mapped ones, in feed order
        free = max([p.number for p in ctx.channels.values()] +
                   [n for (n, _l, _c), _e in placed if n] + [0]) + 1
        order = list(ctx.channel_order)
        for (n, _l, ch), _e in placed:
            if n is None and ch not in order:
                order.append(ch)
        unmapped: dict[str, int] = {}
        for ch in order:
            if ch in ctx.channels or ch in unmapped:
                continue
            if any(n is None and c == ch for (n, _l, c), _e in placed):
                unmapped[ch] = free
                free += 1
        if ctx.channels:
            for ch, n in unmapped.items():
                rep.guess("channel-map", f"channel {ch!r} is not in the mapping: its articles go "
                          f"on page {n}", hint="add it to the mapping's [channels]")
        buckets: dict[int, list[tuple[Entry, str | None, str]]] = {}
        for (n, label, ch), e in placed:
            number = n if n is not None else unmapped[ch]
            buckets.setdefault(number, []).append((e, label, ch))

        pages = []
        for number in sorted(buckets):
            items = buckets[number]
            name = self._page_name(number, items)
            label = next((lab for _e, lab, _c in items if lab), None)
            arts = []
            for k, (e, _l, _c) in enumerate(items, 1):
                slug = f"p{number:02d}-a{k:02d}"
                if e.slug and SLUG.match(e.slug) and e.slug not in self.slugs:
                    slug = e.slug
                self.slugs.add(slug)
                article = self._article(e, slug)
                if article is not None:
                    arts.append(article)
            pages.append(Page(number=number, name=name, label=label, articles=tuple(arts)))
            channels = sorted({c for _e, _l, c in items if c})
            rep.seen("page", f"page {number} {name}: {len(arts)} articles"
                     + (f" (channel {'、'.join(channels)})" if channels else ""))
        self._duplicates(pages)
        paper = ctx.paper
        issue = Issue(date=ctx.date, number=ctx.number, edition=paper.edition,
                      edition_code=paper.edition_code)
        if ctx.number is None:
            rep.note("issue-number", "no issue number (总第…期): it is not printed",
                     hint="pass --number N")
        edition = Edition(paper=paper.paper, issue=issue, pages=tuple(pages))
        return ImportResult(edition=edition, report=rep.items, images=self.images, source=ctx.path)

    def _page_of(self, e: Entry) -> tuple[int | None, str | None, str]:
        """(page number or None for "by channel", its label, the channel)."""
        ch = (e.channel or "").strip()
        if e.page:
            found = page_label(e.page)
            if found:
                return found[0], found[1], ch
            self.rep.guess("page", f"page {e.page[:40]!r} is not a page number: placed by its channel",
                           where=e.field_where("page"), group="page is not a page number")
        if ch in self.ctx.channels:
            cp = self.ctx.channels[ch]
            return cp.number, cp.label, ch
        if not ch:
            return (1 if not self.ctx.channels else None), None, ch
        return None, None, ch

    def _page_name(self, number: int, items: list[tuple[Entry, str | None, str]]) -> str:
        ctx = self.ctx
        for _e, _l, ch in items:
            cp = ctx.channels.get(ch)
            if cp and cp.name:
                return cp.name
        if number in ctx.paper.pages:
            return ctx.paper.pages[number]
        for e, _l, _c in items:
            if e.page_name:
                return e.page_name.strip()
        names = [c for _e, _l, c in items if c and not _is_code(c)]
        if names:
            return names[0]
        codes = sorted({c for _e, _l, c in items if c})
        name = f"第{number}版"
        what = f"channel code {'、'.join(codes)}" if codes else "no channel"
        self.rep.guess("page-name", f"page {number} has no 版名 ({what}): named {name!r}",
                       hint="name it in the mapping's [channels] or the paper file's [pages]")
        return name

    def _duplicates(self, pages: list[Page]) -> None:
        seen: dict[str, str] = {}
        for page in pages:
            for a in page.articles:
                if not a.headline:
                    continue
                if a.headline in seen:
                    self.rep.guess("duplicate", f"same headline as {seen[a.headline]}: the same "
                                   "story from two sources?", slug=a.slug,
                                   hint="remove one of them from the feed or the edition")
                else:
                    seen[a.headline] = a.slug

    # ---------------------------------------------------------------- one article

    def _text(self, value: str, where: str, slug: str) -> str:
        lines = [re.sub(r"[ \t\u3000\u00a0]+", " ", ln).strip() for ln in str(value).splitlines()]
        text = ""
        for ln in (x for x in lines if x):
            text = cv.join_broken(text, ln)
        text = normalize_punctuation(text)
        if bad := invisible_characters(text):
            self.rep.problem("invisible-characters", "invisible or direction-changing characters "
                             f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", slug=slug, where=where,
                             hint="retype the text; these characters hide or reverse what readers see")
        for word in cv.foreign_fragments(text):
            self.rep.guess("foreign", f"foreign fragment {word!r} inside Chinese text kept as "
                           "written", slug=slug, where=where)
        return text

    def _items(self, e: Entry, slug: str) -> list[tuple]:
        """The body as (kind, value, where) items: kind p (runs), sub, brief, table, img."""
        items: list[tuple] = []
        if e.blocks is not None:
            return [("block", b, f"{e.field_where('body')}[{k}]") for k, b in enumerate(e.blocks)]
        if e.html is not None:
            for k, b in enumerate(html_blocks(e.html)):
                where = f"{e.field_where('body')}<{k}>"
                if b.kind == "p":
                    items.append(("p", tuple(b.runs), where))
                elif b.kind == "sub":
                    items.append(("sub", b.text, where))
                elif b.kind == "table":
                    table = self._html_table(b, where, slug)
                    if table is not None:
                        items.append(("table", table, where))
                elif b.kind == "img":
                    items.append(("img", RawImage(b.src, b.caption, None, b.alt, web=True), where))
            return items
        lines: list[tuple[Any, str]] = []
        for k, p in enumerate(e.paragraphs or []):
            where = f"{e.field_where('body')}[{k}]" if len(e.paragraphs or []) > 1 else e.field_where("body")
            if isinstance(p, dict):
                lines.append((p, where))
            else:
                for ln in str(p).split("\n"):
                    if ln.strip():
                        lines.append((ln, where))
        i = 0
        while i < len(lines):
            value, where = lines[i]
            if isinstance(value, dict):
                typ = value.get("type") or "paragraph"
                att = value.get("attribution") or ()
                att = tuple([att] if isinstance(att, str) else att)
                kind = {"subhead": "sub", "brief": "brief"}.get(typ, "p")
                items.append((kind, value.get("text") or "", where, att))
                i += 1
                continue
            # a GFM pipe table: consecutive lines starting and ending with |
            j = i
            while j < len(lines) and isinstance(lines[j][0], str) and lines[j][0].strip().startswith("|"):
                j += 1
            block = [ln for ln, _w in lines[i:j]]
            if j - i >= 2 and is_pipe_table(block):
                table = parse_table(block, SourceRef(e.source_path or self.ctx.path))
                if table is not None:
                    items.append(("table", table, where))
                    i = j
                    continue
            items.append(("p", str(value), where))
            i += 1
        return items

    def _html_table(self, b, where: str, slug: str) -> Table | None:
        rows = [[normalize_punctuation(c) for c in r] for r in b.rows if any(c.strip() for c in r)]
        if not rows:
            return None
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        head = max(b.header_rows, 1)
        if b.header_rows == 0:
            self.rep.guess("table-header", "an HTML table without header cells: its first row "
                           "taken as the header", slug=slug, where=where)
        header = [" ".join(x for x in col if x) for col in zip(*rows[:head], strict=False)]
        align = (list(b.align) + [None] * width)[:width] if any(b.align) else []
        return Table(tuple(header), tuple(tuple(r) for r in rows[head:]), tuple(align),
                     SourceRef(self.ctx.path))

    def _article(self, e: Entry, slug: str) -> Article | None:
        rep = self.rep
        ref = SourceRef(e.source_path or self.ctx.path)
        headline = self._text(e.headline, e.field_where("headline"), slug) if e.headline else None
        rep.seen("headline", f"主题 {headline!r}", slug=slug, where=e.where)
        kicker = self._text(e.kicker, e.field_where("kicker"), slug) if e.kicker else None
        subtitle = (self._text(e.subtitle, e.field_where("subtitle"), slug).lstrip("—－- ") or None
                    if e.subtitle else None)

        items = self._items(e, slug)
        # text of the plain paragraphs, normalised, for the conventions below
        def text_of(item) -> str:
            if item[0] == "p" and isinstance(item[1], tuple):
                return normalize_punctuation("".join(r.text for r in item[1])).strip()
            return self._text(item[1], item[2], slug) if item[0] in ("p", "sub", "brief") else ""

        # the web page's trailer "《 人民日报 》（ 2026年06月12日 06 版）"
        if items and items[-1][0] == "p":
            m = cv.SOURCE_TRAILER.match(text_of(items[-1]))
            if m:
                rep.seen("trailer", f"first printed in {m.group('paper')} {m.group('date')} "
                         f"{m.group('page')}版: that line left out", slug=slug, where=items[-1][2])
                items.pop()

        body_byline: Byline | None = None
        dateline = e.dateline.strip() if e.dateline else None
        # a byline alone at the start of the body: "本报记者 杨笑寒", "■ 李 文"
        if items and items[0][0] == "p":
            first = text_of(items[0])
            found = cv.match_byline_line(first)
            if found is not None:
                body_byline = found
                rep.seen("byline", f"byline {found} from the body's first line {first!r}",
                         slug=slug, where=items[0][2])
                items.pop(0)
        # a dateline lead at the start of the first paragraph
        source = (e.source or "").strip()
        if source and dateline is None:
            lead = cv.match_lead(normalize_punctuation(source))
            if lead and not lead.rest:
                dateline = lead.dateline
                body_byline = body_byline or lead.byline
                rep.seen("dateline", f"dateline lead {dateline!r} from the source field",
                         slug=slug, where=e.field_where("source"))
            else:
                rep.seen("source", f"source {source!r} (not printed)", slug=slug,
                         where=e.field_where("source"))
        if items and items[0][0] == "p":
            first = text_of(items[0])
            lead = cv.match_lead(first)
            if lead:
                if dateline and dateline != lead.dateline:
                    rep.guess("dateline", f"the field's dateline {dateline!r} and the text's lead "
                              f"{lead.dateline!r}: the text's kept", slug=slug, where=items[0][2])
                dateline = lead.dateline
                if lead.byline:
                    body_byline = lead.byline
                if lead.note:
                    rep.guess("byline-uncertain", lead.note, slug=slug, where=items[0][2])
                rep.seen("dateline", f"dateline lead {dateline!r}", slug=slug, where=items[0][2])
                if not lead.rest:
                    items.pop(0)
                elif isinstance(items[0][1], tuple):  # HTML runs: keep the styles of the rest
                    runs = tuple(Run(normalize_punctuation(r.text), r.style) for r in items[0][1])
                    items[0] = ("p", _drop_prefix(runs, len(first) - len(lead.rest)), items[0][2])
                else:
                    items[0] = ("p", lead.rest, items[0][2])
        byline = self._byline(e, body_byline, slug)

        kind = None
        if e.kind:
            try:
                kind = ArticleKind(e.kind)
            except ValueError:
                rep.guess("kind", f"kind {e.kind!r} is not news, feature, briefs or photo: guessed "
                          "from the text", slug=slug, where=e.field_where("kind"))
        briefs = kind is ArticleKind.BRIEFS or (kind is None and headline is not None
                                                 and cv.is_briefs_name(headline))
        body: list[Block] = []
        for n, img in enumerate(e.images, 1):
            fig = self._figure(img, f"{e.field_where('images')}[{n - 1}]", slug, n)
            if fig is not None:
                body.append(fig)
        n_img = len(e.images)
        for k, item in enumerate(items):
            typ, where = item[0], item[2]
            if typ == "block":
                body.append(item[1])
                continue
            if typ == "table":
                body.append(item[1])
                rep.seen("table", f"table of {item[1].columns} columns, {len(item[1].rows)} rows",
                         slug=slug, where=where)
                continue
            if typ == "img":
                n_img += 1
                fig = self._figure(item[1], where, slug, n_img)
                if fig is not None:
                    body.append(fig)
                continue
            if typ == "p" and isinstance(item[1], tuple):
                runs = tuple(Run(normalize_punctuation(r.text), r.style) for r in item[1])
                text = "".join(r.text for r in runs)
                self._text(text, where, slug)  # the checks only
            else:
                text = self._text(item[1], where, slug)
                runs = (Run(text),)
            if not text.strip():
                continue
            if typ == "sub" or (typ == "p" and not briefs and k > 0 and cv.numbered_subhead(text)):
                body.append(_subhead(text, ref))
                if typ == "p":
                    rep.guess("subhead", f"numbered short paragraph {text!r} taken as a subhead",
                              slug=slug, where=where)
            elif typ == "brief" or briefs:
                att = item[3] if len(item) > 3 else ()
                if att:
                    brief = Brief(text, tuple(normalize_punctuation(a).strip() for a in att), ref)
                else:
                    brief = _brief(text, ref)
                if not brief.attribution:
                    rep.guess("brief-attribution", "brief item without a (name) attribution",
                              slug=slug, where=where)
                body.append(brief)
            else:
                body.append(Paragraph(_merge_runs(runs), ref))
        if briefs and any(isinstance(b, (Paragraph, Table)) for b in body):
            briefs = False
            if kind is ArticleKind.BRIEFS:
                rep.problem("briefs", "a briefs article with plain paragraphs or a table",
                            slug=slug, where=e.where, hint="make it news, or every paragraph a brief")
        if kind is None:
            if briefs:
                kind = ArticleKind.BRIEFS
            elif body and all(isinstance(b, Figure) for b in body):
                kind = ArticleKind.PHOTO
            elif any(isinstance(b, Subhead) for b in body):
                kind = ArticleKind.FEATURE
            else:
                kind = ArticleKind.NEWS
        if kind is not ArticleKind.BRIEFS:
            body = [Paragraph((Run(b.text + ("（" + "、".join(b.attribution) + "）"
                                              if b.attribution else "")),), b.source)
                    if isinstance(b, Brief) else b for b in body]
        if headline is None and kind is not ArticleKind.PHOTO and "headline" not in e.unreadable:
            rep.problem("no-headline", "article without a headline", slug=slug,
                        where=e.field_where("headline"), group="article without a headline",
                        hint="map the feed's title field (--map FILE, [fields] headline = …)")
        if not body and "body" not in e.unreadable:
            rep.problem("empty-body", f"article {headline or slug!r} has no text or images",
                        slug=slug, where=e.field_where("body"), group="article with no text or images",
                        hint="map the feed's body field (--map FILE, [fields] body = …)")
        self._check_time(e, slug)
        return Article(slug=slug, kind=kind, headline=headline, kicker=kicker, subtitle=subtitle,
                       byline=byline, dateline=dateline, body=tuple(body), source=ref)

    def _byline(self, e: Entry, body_byline: Byline | None, slug: str) -> Byline | None:
        """The byline: the body's own (lead or first line) where it has one, else the fields'
        values that look like names; other field values are left out and noted."""
        rep = self.rep
        confirmed = set(body_byline.names) if body_byline else set()
        credits: list[Credit] = []
        for name, values, default_role in (("byline", e.byline, None), ("reporter", e.reporters, "记者")):
            for value in values:
                value = normalize_punctuation(str(value)).strip()
                if not value:
                    continue
                parsed = cv.parse_credits(value)
                bad = cv.not_names(parsed, confirmed) if parsed else [value]
                if parsed is None or bad or re.search(r"[，。；：！？“”‘’《》「」（）]", value):
                    rep.note("byline-field", f"{name} field {value!r} does not look like names: "
                             "left out of the byline", slug=slug, where=e.field_where(name),
                             hint="correct the feed, or set the byline in the article's front matter")
                    continue
                for c in parsed.credits:
                    role = c.role or default_role
                    at = next((j for j, x in enumerate(credits) if x.role == role), None)
                    if at is not None:
                        credits[at] = Credit(role, credits[at].names + tuple(
                            n for n in c.names if n not in credits[at].names))
                    else:
                        credits.append(Credit(role, c.names))
        if body_byline is not None:
            fields = {n for c in credits for n in c.names}
            if fields - set(body_byline.names):
                rep.guess("byline-merged", f"the fields name {'、'.join(sorted(fields - set(body_byline.names)))}"
                          f", the body's byline {body_byline} does not: the body's kept", slug=slug,
                          where=e.where)
            byline = body_byline
        elif credits:
            credits.sort(key=lambda c: c.role is not None)  # a role-less credit first
            byline = Byline(tuple(credits))
        else:
            return None
        rep.seen("byline", f"byline {byline}", slug=slug, where=e.where)
        odd = cv.uncertain_names(byline)
        if odd:
            rep.guess("byline-uncertain", f"uncertain name(s) in the byline: {'、'.join(odd)}",
                      slug=slug, where=e.where)
        return byline

    def _figure(self, img: RawImage, where: str, slug: str, n: int) -> Figure | None:
        rep = self.rep
        caption = self._text(img.caption or img.alt or "", f"{where}.caption", slug)
        credit = normalize_punctuation(img.credit).strip() if img.credit else None
        if not credit:
            caption, credit = cv.split_credit_tail(caption)
        image = None
        src = (img.src or "").strip()
        remote = bool(src) and (img.web or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", src) is not None)
        if remote and not caption:
            rep.note("image-dropped", f"image {src[:60]!r} (a URL, never fetched) has no caption: "
                     "left out", slug=slug, where=where,
                     group="image URLs without captions left out (never fetched)")
            return None
        if remote:
            rep.guess("remote-image", f"image {src[:60]!r} is a URL and is never fetched: figure "
                      "imported without its photo", slug=slug, where=where,
                      group="image URLs are never fetched: figures imported without their photos",
                      hint="download the photos into the edition's images/ and link them")
        elif src:
            probs = Problems()
            found = resolve_image(src, self.root, self.ctx.path, None, probs)
            if found is None:
                for p in probs.items:
                    rep.problem(p.code, p.message, slug=slug, where=where, hint=p.hint)
                return None
            ext = PurePosixPath(src).suffix.lower() or ".jpg"
            href = f"images/{slug}-{n}{ext}"
            self.images[href] = found.data  # the bytes checked, copied as they are
            image = Image(path=found.path, href=href, width=found.width, height=found.height,
                          media_type=found.media_type, data=found.data)
        else:
            rep.guess("caption-without-image", "image record without src: caption imported "
                      "without its photo", slug=slug, where=where)
        if not caption:
            if image is None:
                rep.note("image-dropped", "an image with neither photo nor caption left out",
                         slug=slug, where=where, group="images with neither photo nor caption left out")
                return None
            rep.problem("caption", "image without caption or alt text", slug=slug, where=where,
                        hint="give the image a caption")
            return None
        return Figure(caption=caption, image=image, credit=credit or None, alt=img.alt or None,
                      source=SourceRef(self.ctx.path))

    def _check_time(self, e: Entry, slug: str) -> None:
        value = e.publish_time
        if not value:
            return
        when = newsroom_date(str(value))  # 2019-10-20 08:30, 2019/10/20, 2019年10月20日 ...
        if when is None:
            try:
                when = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00").replace("/", "-"))
            except ValueError:
                self.rep.guess("publish-time", f"publish time {value!r} is not a date",
                               slug=slug, where=e.field_where("publish_time"),
                               group="publish time is not a date")
                return
        day = when.date() if isinstance(when, dt.datetime) else when
        if abs((day - self.ctx.date).days) > 2:
            self.rep.guess("publish-time", f"published {day}, far from the edition date "
                           f"{self.ctx.date}", slug=slug, where=e.field_where("publish_time"))


def _drop_prefix(runs: tuple[Run, ...], n: int) -> tuple[Run, ...]:
    """``runs`` without their first ``n`` characters (and the spaces after them)."""
    out: list[Run] = []
    for r in runs:
        if n >= len(r.text):
            n -= len(r.text)
            continue
        text = r.text[n:]
        n = 0
        if not out:
            text = text.lstrip(" ：:")
        if text:
            out.append(Run(text, r.style))
    return tuple(out)


def _merge_runs(runs: tuple[Run, ...]) -> tuple[Run, ...]:
    out: list[Run] = []
    for r in runs:
        if not r.text:
            continue
        if out and out[-1].style is r.style:
            out[-1] = Run(out[-1].text + r.text, r.style)
        else:
            out.append(r)
    return tuple(out)


__all__ = ["ChannelPage", "Context", "Entry", "RawImage", "build_edition", "page_label"]


# ---------------------------------------------------------------- the paper


def resolve_paper(paper: Any, settings, *, mapping_paper: str | None = None,
                  feed_paper: dict | None = None, where: Path | None = None) -> PaperFile:
    """The paper of an import, from (in order) ``--paper`` (a house paper name, a paper file,
    a PaperFile or Paper), the mapping's ``[feed] paper``, the feed's own ``paper`` object.
    None of them: an error listing the papers the house knows (never a placeholder)."""
    from ...errors import ConfigError, Problem, SourceError
    from ...model import Paper
    from ...papers import PaperTable, describe_papers, find_paper

    if isinstance(paper, PaperFile):
        return paper
    if isinstance(paper, Paper):
        return PaperFile(paper)
    if paper:
        return find_paper(str(paper), settings)
    if mapping_paper:
        return find_paper(mapping_paper, settings)
    if feed_paper:
        from pydantic import ValidationError

        try:
            table = PaperTable.model_validate(feed_paper)
        except ValidationError as exc:
            raise SourceError([Problem(f"the feed's paper: {'.'.join(map(str, e['loc']))}: {e['msg']}",
                                       where, hint="or pass --paper NAME", code="paper")
                               for e in exc.errors()]) from None
        return PaperFile(Paper(**table.model_dump()))
    raise ConfigError(Problem(
        "the copy does not say which paper it is: pass --paper NAME", where,
        hint=f"the house's papers: {describe_papers(settings)} (papers/ beside {settings.house_file}); "
             "a feed mapping may name its paper ([feed] paper = …)", code="paper-missing"))
