"""RSS 2.0 and Atom feeds (feedparser) into one edition.

Owns reading a syndication feed: each item or entry becomes an ``entries.Entry`` — its
title the headline, its ``content`` (else its summary/description) the body (HTML is
sanitised by feedparser and again reduced to the model's blocks by ``html``), its authors
the byline field (kept only where they look like names), its first category the channel,
its publication date checked against the issue's, its image enclosures and media:content
photos whose URLs are never fetched. feedparser is given the file's bytes, never a URL, so
nothing is fetched while parsing either; it stays in this module (import-linter contract).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ...errors import Problem, SourceError
from ..text import read_input
from .dates import newsroom_date, starts_like_a_date
from .entries import Context, Entry, RawImage, build_edition, resolve_paper
from .html import looks_like_html
from .report import ImportResult, Reporter

MAX_BYTES = 50 * 1024 * 1024


def import_feed(path: Path, *, date: dt.date | str | None = None, paper: Any = None,
                number: int | None = None, channel_map: dict[str, int | str] | None = None,
                settings=None, **_ignored) -> ImportResult:
    """Import the RSS 2.0 or Atom feed at ``path``."""
    import feedparser

    from ...config import load_settings
    from .plaintext import parse_date

    path = Path(path)
    settings = settings or load_settings()
    data, problem = read_input(path, MAX_BYTES)  # a FIFO or a device refused, never waited on
    if problem:
        raise SourceError(problem)
    parsed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    if not parsed.entries:
        why = parsed.get("bozo_exception")
        line = getattr(why, "getLineNumber", lambda: None)() if why else None
        raise SourceError(Problem("no items or entries in the feed" + (f" ({why})" if why else ""),
                                  path, line, hint="give an RSS 2.0 or Atom file", code="feed"))
    rep = Reporter()
    if parsed.get("bozo"):
        rep.guess("feed", f"the feed is not well-formed XML ({parsed.get('bozo_exception')}); "
                  "feedparser read what it could", hint="check the items against the source")
    version = parsed.get("version") or "unknown"
    rep.seen("feed", f"{version} feed {parsed.feed.get('title', '')!r}: {len(parsed.entries)} items")
    entries = [_entry(item, i, rep) for i, item in enumerate(parsed.entries)]
    if date is None:
        raise SourceError(Problem("no issue date: pass --date YYYY-MM-DD", path, code="date"))
    from .entries import ChannelPage, page_label

    channels = {}
    for ch, value in (channel_map or {}).items():
        found = page_label(str(value))
        if found is None:
            raise SourceError(Problem(f"channel map: page {value!r} for {ch!r} is not a page number",
                                      code="channel-map"))
        channels[ch] = ChannelPage(found[0], None, found[1])
    ctx = Context(path=path, date=parse_date(date), paper=resolve_paper(paper, settings, where=path),
                  number=number, channels=channels)
    return build_edition(entries, ctx, rep)


def _entry(item, i: int, rep: Reporter) -> Entry:
    e = Entry(where=f"item[{i}]")
    e.headline = (item.get("title") or "").strip() or None
    e.fields.update(headline="title", body="content", byline="author", channel="category",
                    publish_time="published", images="enclosure")
    content = item.get("content") or []
    body = content[0] if content else None
    if body is None and item.get("summary_detail"):
        body = item.summary_detail
        e.fields["body"] = "description"
    if body is not None:
        value = body.get("value") or ""
        # feedparser calls an RSS description text/html even when it is plain text, whose
        # line breaks are paragraph breaks
        if "html" in (body.get("type") or "") and looks_like_html(value):
            e.html = value
        else:
            e.paragraphs = [value]
    # RSS 2.0 <author> is "email (Name)"; feedparser splits non-ASCII names wrongly, so the
    # name is taken from the element's text here; Atom's <author><name> as feedparser reads it
    raw = (item.get("author") or "").strip()
    m = re.fullmatch(r"\S+@\S+\s*\((.+)\)", raw)
    if m:
        names = [m.group(1).strip()]
    elif raw and "@" not in raw:
        names = [raw] if not item.get("authors") else [a.get("name") for a in item.authors
                                                        if a.get("name")]
    else:
        names = []
    e.byline = names
    tags = [t.get("term") for t in item.get("tags") or [] if t.get("term")]
    e.channel = tags[0] if tags else None
    e.publish_time = _publish_time(item, e, rep)
    for media in item.get("media_content") or []:
        if (media.get("medium") == "image" or (media.get("type") or "").startswith("image/")) and media.get("url"):
            e.images.append(RawImage(src=media["url"], caption=item.get("media_description") or None))
    for link in item.get("links") or []:
        if (link.get("rel") == "enclosure" and (link.get("type") or "").startswith("image/")
                and not any(img.src == link.get("href") for img in e.images)):
                e.images.append(RawImage(src=link.get("href"), caption=None))
    return e


def _publish_time(item, e: Entry, rep: Reporter) -> str | None:
    """The item's date as ISO 8601, or None (and a note where one is given but does not parse).

    The newsroom forms (2019/10/20 08:30, 2019年10月20日, ...) are read here, exactly, before
    feedparser: its ISO 8601 reader takes a prefix (2019/10/20 is the year 2019, the month of
    the clock and the 1st). A time without a zone is kept as written, the newsroom's own.
    feedparser's reading is taken only for what does not open with a year (RFC 822's
    "Sun, 20 Oct 2019 08:30:00 +0800", asctime), which it reads whole; it gives UTC.
    """
    raws = []
    # read through the plain dict: FeedParserDict.get("updated_parsed") on an item whose
    # pubDate did not parse (published_parsed None, no updated) falls back to it with a
    # DeprecationWarning (feedparser issue 310), an error under warnings-as-errors
    for key in ("published", "updated"):
        raw = dict.get(item, key)
        if not isinstance(raw, str) or not raw.strip():
            continue
        raws.append(raw.strip())
        ours = newsroom_date(raw)
        if ours is not None:
            return ours.isoformat()
        when = dict.get(item, f"{key}_parsed")
        if when and not starts_like_a_date(raw):
            return dt.datetime(*when[:6]).isoformat()
    if raws:  # a date that does not parse is left out (the issue date is --date's), and said
        rep.note("date-unread", f"{_name(e)}: date {raws[0][:60]!r} does not parse: left out, not "
                 "checked against the issue date", where=e.field_where("publish_time"),
                 group="a date that does not parse left out",
                 hint="RFC 822 (RSS pubDate), RFC 3339 (Atom) and newsroom dates (2019-10-20 08:30, "
                 "2019/10/20, 2019年10月20日 08:30) are read")
    return None


def _name(e: Entry) -> str:
    return f"item {e.headline[:40]!r}" if e.headline else "an item without a title"


__all__ = ["import_feed"]
