"""The JSON feed importer: a CMS export (a list of articles) into one edition.

Owns the mapping of a CMS's article records onto the model: title/subtitle/kicker,
author and reporter into a byline, source into the dateline lead, channel (or section)
into the page (版), paragraphs (a list, or one text with line breaks) into blocks, images
with captions into figures. The accepted shape is ``feed.schema.json`` beside this file,
validated with ``jsonschema``; fields the schema does not know are reported (with their
place in the feed) rather than dropped silently or guessed at.

Images are never fetched: a local ``src`` inside the feed's folder is measured and copied
into the edition's ``images/``; a URL gives a figure without its photo, reported.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from ...errors import Problems, SourceError
from ...model import (Article, ArticleKind, Block, Brief, Byline, Credit, Edition, Figure, Image,
                      Issue, Page, Paper, Paragraph, Run, SourceRef, Subhead)
from ..edition import problems_one, resolve_image
from ..markdown import _brief, _subhead  # the reader's own splitting, so imports read back equal
from ..text import invisible_characters, read_text
from . import conventions as cv
from ...typeset.punctuation import normalize as normalize_punctuation
from .plaintext import make_issue, make_paper, parse_date
from .report import Finding, ImportResult, Reporter

SCHEMA_FILE = "feed.schema.json"
_TAG = re.compile(r"<[^>]{0,2000}>")
# Elements whose content is code or another document, never text to print (a <script>'s
# "alert(1)" would otherwise become a paragraph).
_NOT_TEXT = re.compile(r"<\s*(script|style|iframe|object|embed|template|noscript|svg|math)\b[^>]{0,2000}>"
                       r".*?<\s*/\s*\1\s*>", re.I | re.S)
_BLOCK_END = re.compile(r"<\s*(?:br\s*/?|/p|/div|/h[1-6]|/li)\s*>", re.I)


@lru_cache(maxsize=1)
def feed_schema() -> dict:
    return json.loads(resources.files(__package__).joinpath(SCHEMA_FILE).read_text("utf-8"))


def import_json(path: Path, *, date: dt.date | str, paper_id: str | None = None,
                channel_map: dict[str, int | str] | None = None, encoding: str = "utf-8",
                paper: Paper | None = None, issue_number: int | None = None) -> ImportResult:
    """Import the CMS feed at ``path``; ``channel_map`` maps a channel to its page number."""
    path = Path(path)
    text, problem = read_text(path, encoding)
    if problem:
        raise SourceError([problem])
    try:
        feed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(problems_one(f"invalid JSON: {exc.msg}", path,
                                       "fix the JSON syntax (a missing comma or quote?)",
                                       line=exc.lineno, code="json")) from None
    return FeedImporter(path, date=date, paper_id=paper_id, channel_map=channel_map, paper=paper,
                        issue_number=issue_number).run(feed)


class FeedImporter:
    def __init__(self, path: Path, *, date, paper_id, channel_map, paper, issue_number):
        self.path = path
        self.root = path.parent.resolve()
        self.date = parse_date(date)
        self.paper_id = paper_id
        self.channel_map = channel_map
        self.paper = paper
        self.issue_number = issue_number
        self.rep = Reporter()
        self.images: dict[str, Path] = {}

    # ---------------------------------------------------------------- validation
    def _validate(self, instance: Any, ref: str, where: str) -> bool:
        """Validate against ``#/$defs/<ref>``; unknown keys are reported, other errors fail."""
        from jsonschema import Draft202012Validator

        schema = feed_schema()
        sub = {"$ref": f"#/$defs/{ref}", "$defs": schema["$defs"]}
        ok = True
        for err in sorted(Draft202012Validator(sub).iter_errors(instance), key=lambda e: list(e.path)):
            loc = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.path)
            if err.validator == "additionalProperties":
                known = set(err.schema.get("properties", {}))
                for key in sorted(set(err.instance) - known):
                    preview = json.dumps(err.instance[key], ensure_ascii=False)
                    preview = preview if len(preview) <= 40 else preview[:40] + "…"
                    self.rep.guess("unknown-field", f"unknown field {key!r} = {preview} not imported "
                                   f"(feed.schema.json lists the fields)", where=f"{loc}.{key}")
            else:
                ok = False
                self.rep.problem("schema", f"{err.message}", where=loc)
        return ok

    def run(self, feed: Any) -> ImportResult:
        rep = self.rep
        paper_data: dict = {}
        issue_data: dict = {}
        order: list[str] = []
        if isinstance(feed, list):
            articles = feed
        elif isinstance(feed, dict):
            wrapper = {k: v for k, v in feed.items() if k != "articles"}
            wrapper["articles"] = []
            if "articles" not in feed:
                raise SourceError(problems_one("the feed object has no \"articles\" list", self.path,
                                               "give a list of articles, or {\"articles\": […]}",
                                               code="json"))
            self._validate(wrapper, "feed", "feed")
            articles = feed["articles"] if isinstance(feed["articles"], list) else []
            paper_data = feed.get("paper") if isinstance(feed.get("paper"), dict) else {}
            issue_data = feed.get("issue") if isinstance(feed.get("issue"), dict) else {}
            order = [c for c in feed.get("channels", []) if isinstance(c, str)]
        else:
            raise SourceError(problems_one("the feed is neither a list of articles nor an object",
                                           self.path, "see feed.schema.json", line=1, code="json"))
        if not articles:
            raise SourceError(problems_one("the feed holds no articles", self.path,
                                           "export at least one article", code="json"))

        good: list[tuple[int, dict]] = []
        for i, art in enumerate(articles):
            where = f"articles[{i}]"
            if self._validate(art, "article", where):
                good.append((i, art))

        # channels -> pages
        channel_of: dict[int, str] = {}
        for i, art in good:
            ch, sec = art.get("channel"), art.get("section")
            if ch and sec and ch != sec:
                rep.guess("channel", f"channel {ch!r} and section {sec!r} differ: channel used",
                          where=f"articles[{i}]")
            name = ch or sec
            if not name:
                name = "未分类"
                rep.guess("channel", "no channel or section: put on page 未分类", where=f"articles[{i}]")
            channel_of[i] = name.strip()
            if channel_of[i] not in order:
                order.append(channel_of[i])
        page_of = self._pages(order)

        buckets: dict[int, list[tuple[int, dict]]] = {}
        for i, art in good:
            buckets.setdefault(page_of[channel_of[i]][0], []).append((i, art))
        pages = []
        slug_of: dict[int, str] = {}
        for number in sorted(buckets):
            names = [c for c in order if page_of[c][0] == number]
            label = page_of[names[0]][1]
            arts = []
            for k, (i, art) in enumerate(buckets[number], 1):
                slug = slug_of[i] = f"p{number:02d}-a{k:02d}"
                article = self._article(art, i, slug)
                if article is not None:
                    arts.append(article)
            if len(names) > 1:
                rep.guess("page-name", f"channels {'、'.join(names)} share page {number}: "
                                       f"named {names[0]!r}")
            pages.append(Page(number=number, name=names[0], label=label, articles=tuple(arts)))
            rep.seen("page", f"page {number}: channel {'、'.join(names)}, {len(arts)} articles")

        paper = self.paper
        if paper is None and paper_data.get("name") and paper_data.get("publisher"):
            paper = Paper(id=self.paper_id or paper_data.get("id") or "paper",
                          name=paper_data["name"], publisher=paper_data["publisher"],
                          cn=paper_data.get("cn"), issn=paper_data.get("issn"),
                          url=paper_data.get("url"))
        paper = make_paper(paper, self.paper_id or paper_data.get("id"), rep)
        issue = make_issue(self.date, self.issue_number or issue_data.get("number"), rep)
        if issue_data.get("edition"):
            issue = Issue(date=issue.date, number=issue.number, edition=issue_data["edition"],
                          edition_code=issue_data.get("edition_code"))
        edition = Edition(paper=paper, issue=issue, pages=tuple(pages))
        return ImportResult(edition=edition, report=self._tie(rep.items, slug_of),
                            images=self.images, source=self.path)

    @staticmethod
    def _tie(findings: list[Finding], slug_of: dict[int, str]) -> list[Finding]:
        """Attach findings made before slugs existed (validation) to their article."""
        out = []
        for f in findings:
            m = re.match(r"articles\[(\d+)\]", f.where or "")
            if f.slug is None and m and int(m.group(1)) in slug_of:
                f = replace(f, slug=slug_of[int(m.group(1))])
            out.append(f)
        return out

    def _pages(self, order: list[str]) -> dict[str, tuple[int, str | None]]:
        """Channel -> (page number, label): from the channel map, else one page per channel."""
        out: dict[str, tuple[int, str | None]] = {}
        cmap = self.channel_map or {}
        for ch, value in cmap.items():
            if isinstance(value, int):
                out[ch] = (value, None)
            else:
                m = re.search(r"\d+", str(value))
                if not m or int(m.group()) < 1:
                    raise SourceError(f"channel map: page {value!r} for {ch!r} has no page number")
                n = int(m.group())
                out[ch] = (n, None if str(value).isdigit() else str(value))
        next_free = max([n for n, _ in out.values()] + [0]) + 1
        for ch in order:
            if ch in out:
                continue
            if cmap:
                self.rep.guess("channel-map", f"channel {ch!r} is not in the channel map: "
                                              f"put on page {next_free}")
            out[ch] = (next_free, None)
            next_free += 1
        for ch in cmap:
            if ch not in order:
                self.rep.seen("channel-map", f"channel {ch!r} of the map has no articles")
        return out

    # ---------------------------------------------------------------- one article
    def _text(self, value: str, where: str, slug: str) -> str:
        # a line break inside one paragraph is a soft wrap: joined without a space in Chinese
        lines = [re.sub(r"[ \t\u3000]+", " ", ln).strip() for ln in value.splitlines()]
        text = ""
        for ln in (x for x in lines if x):
            text = cv.join_broken(text, ln)
        text = normalize_punctuation(text)
        if bad := invisible_characters(text):
            self.rep.problem("invisible-characters", "invisible or direction-changing characters "
                             f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", slug=slug, where=where)
        for word in cv.foreign_fragments(text):
            self.rep.guess("foreign", f"foreign fragment {word!r} inside Chinese text kept as written",
                           slug=slug, where=where)
        return text

    def _article(self, art: dict, i: int, slug: str) -> Article | None:
        rep, where = self.rep, f"articles[{i}]"
        ref = SourceRef(self.path)
        headline = self._text(art["title"], f"{where}.title", slug)
        rep.seen("headline", f"主题 {headline!r}", slug=slug, where=where)
        kicker = self._text(art["kicker"], f"{where}.kicker", slug) if art.get("kicker") else None
        subtitle = (self._text(art["subtitle"], f"{where}.subtitle", slug).lstrip("—－- ") or None
                    if art.get("subtitle") else None)
        byline = self._byline(art, where, slug)

        items: list[tuple[str, str, tuple[str, ...]]] = []  # (type, text, attribution)
        paras = art.get("paragraphs")
        if paras is None and art.get("content"):
            content = art["content"]
            if re.search(r"<\s*(p|br|div)\b", content, re.I):
                content = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", _NOT_TEXT.sub("", content))))
                rep.guess("html", "HTML in content turned into plain paragraphs", slug=slug,
                          where=f"{where}.content")
            paras = [p for p in content.split("\n")]
        for p in paras or []:
            if isinstance(p, str):
                items.append(("", p, ()))
            else:
                att = p.get("attribution", ())
                items.append((p.get("type", "paragraph"), p["text"],
                              tuple([att] if isinstance(att, str) else att)))
        items = [(t, x, a) for t, x, a in items if x.strip()]

        dateline = None
        source = (art.get("source") or "").strip()
        if source:
            src = normalize_punctuation(source)
            lead = cv.match_lead(src)
            if lead and not lead.rest:
                dateline = lead.dateline
                if lead.byline and byline is None:
                    byline = lead.byline
                rep.seen("dateline", f"dateline lead {dateline!r} from source", slug=slug, where=where)
            else:
                rep.seen("source", f"source {source!r} kept in this report only (not printed)",
                         slug=slug, where=f"{where}.source")
        if items and items[0][0] in ("", "paragraph"):
            first = self._text(items[0][1], f"{where}.paragraphs[0]", slug)
            lead = cv.match_lead(first)
            if lead:
                if dateline and dateline != lead.dateline:
                    rep.guess("dateline", f"source {dateline!r} and text lead {lead.dateline!r}: "
                                          "the text's lead kept", slug=slug, where=where)
                dateline = lead.dateline
                if lead.byline and byline is None:
                    byline = lead.byline
                if lead.note:
                    rep.guess("byline-uncertain", lead.note, slug=slug, where=where)
                items[0] = (items[0][0], lead.rest, ())
                items = [(t, x, a) for t, x, a in items if x.strip()]
                rep.seen("dateline", f"dateline lead {dateline!r}", slug=slug, where=where)

        kind = ArticleKind(art["kind"]) if art.get("kind") else None
        briefs = kind is ArticleKind.BRIEFS or (kind is None and cv.is_briefs_name(headline))
        body: list[Block] = []
        for n, img in enumerate(art.get("images") or [], 1):
            fig = self._figure(img, f"{where}.images[{n - 1}]", slug, n)
            if fig is not None:
                body.append(fig)
        for k, (typ, raw, att) in enumerate(items):
            text = self._text(raw, f"{where}.paragraphs[{k}]", slug)
            if typ == "subhead" or (typ == "" and not briefs and cv.numbered_subhead(text)
                                    and k > 0):
                body.append(_subhead(text, ref))
                if typ == "":
                    rep.guess("subhead", f"numbered short paragraph {text!r} taken as a subhead",
                              slug=slug, where=f"{where}.paragraphs[{k}]")
            elif typ == "brief" or briefs:
                if att:
                    brief = Brief(text, tuple(normalize_punctuation(a).strip() for a in att), ref)
                else:
                    brief = _brief(text, ref)
                if not brief.attribution:
                    rep.guess("brief-attribution", "brief item without a (name) attribution",
                              slug=slug, where=f"{where}.paragraphs[{k}]")
                body.append(brief)
            else:
                body.append(Paragraph((Run(text),), ref))
        if briefs and any(isinstance(b, Paragraph) for b in body):
            briefs = False
        if kind is None:
            if briefs:
                kind = ArticleKind.BRIEFS
            elif body and all(isinstance(b, Figure) for b in body):
                kind = ArticleKind.PHOTO
            elif any(isinstance(b, Subhead) for b in body):
                kind = ArticleKind.FEATURE
            else:
                kind = ArticleKind.NEWS
        if kind is ArticleKind.BRIEFS and any(isinstance(b, Paragraph) for b in body):
            rep.problem("briefs", "a briefs article with plain paragraphs", slug=slug, where=where)
        if not body:
            rep.problem("empty-body", f"article {headline!r} has no paragraphs or images",
                        slug=slug, where=where)
        self._check_time(art.get("publish_time"), where, slug)
        return Article(slug=slug, kind=kind, headline=headline, kicker=kicker, subtitle=subtitle,
                       byline=byline, dateline=dateline, body=tuple(body), source=ref)

    def _byline(self, art: dict, where: str, slug: str) -> Byline | None:
        credits: list[Credit] = []
        for field_name, default_role in (("author", None), ("reporter", "记者")):
            value = art.get(field_name)
            if not value:
                continue
            parts = [value] if isinstance(value, str) else list(value)
            for part in parts:
                part = normalize_punctuation(part).strip()
                if not part:
                    continue
                parsed = cv.parse_credits(part)
                if parsed is None:
                    continue
                for c in parsed.credits:
                    role = c.role or default_role
                    merged = next((j for j, x in enumerate(credits) if x.role == role), None)
                    if merged is not None:
                        credits[merged] = Credit(role, credits[merged].names + c.names)
                    else:
                        credits.append(Credit(role, c.names))
        if not credits:
            return None
        # a role-less credit written after one with a role would merge into it on reading
        credits.sort(key=lambda c: c.role is not None)
        byline = Byline(tuple(credits))
        self.rep.seen("byline", f"byline {byline}", slug=slug, where=where)
        odd = cv.uncertain_names(byline)
        if odd:
            self.rep.guess("byline-uncertain", f"uncertain name(s) in the byline: {'、'.join(odd)}",
                           slug=slug, where=where)
        return byline

    def _figure(self, img: dict, where: str, slug: str, n: int) -> Figure | None:
        rep = self.rep
        caption = self._text(img.get("caption") or img.get("alt") or "", f"{where}.caption", slug)
        credit = img.get("credit")
        if credit:
            credit = normalize_punctuation(credit).strip()
        else:
            caption, credit = cv.split_credit_tail(caption)
        alt = img.get("alt") or None
        image = None
        src = (img.get("src") or "").strip()
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", src):
            rep.guess("remote-image", f"image {src[:60]!r} is a URL and is never fetched: figure "
                      "imported without its photo; download it into images/", slug=slug, where=where)
        elif src:
            probs = Problems()
            found = resolve_image(src, self.root, self.path, None, probs)
            if found is None:
                for p in probs.items:
                    rep.problem(p.code, p.message, slug=slug, where=where)
                return None
            ext = PurePosixPath(src).suffix.lower() or ".jpg"
            href = f"images/{slug}-{n}{ext}"
            self.images[href] = found.path
            image = Image(path=found.path, href=href, width=found.width, height=found.height,
                                media_type=found.media_type)
        else:
            rep.guess("caption-without-image", "image record without src: caption imported "
                                               "without its photo", slug=slug, where=where)
        if not caption:
            rep.problem("caption", "image without caption or alt text", slug=slug, where=where)
            return None
        return Figure(caption=caption, image=image, credit=credit or None, alt=alt,
                      source=SourceRef(self.path))

    def _check_time(self, value: Any, where: str, slug: str) -> None:
        if not value:
            return
        try:
            when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            self.rep.guess("publish-time", f"publish_time {value!r} is not ISO 8601",
                           slug=slug, where=f"{where}.publish_time")
            return
        if abs((when.date() - self.date).days) > 2:
            self.rep.guess("publish-time", f"published {when.date()}, far from the edition date "
                           f"{self.date}", slug=slug, where=f"{where}.publish_time")


__all__ = ["import_json", "feed_schema", "FeedImporter"]
