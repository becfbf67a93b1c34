"""The JSON feed importer: a CMS export, as it comes, into one edition.

Owns reading the JSON (strict UTF-8; a file cut off is said to be truncated) and finding
its articles: a list at the top level, or under a key such as ``articles``, ``items``,
``data`` (``[feed] articles`` of a mapping says where when it is elsewhere). Each record
becomes an ``Entry`` through the feed mapping (``mapping``: the default one, the house
mapping whose ``[match]`` the feed meets, or ``--map``); ``entries`` interprets it.

Feed-level fields it knows: ``paper`` (name, publisher, cn…: used when neither ``--paper``
nor the mapping names the paper), ``issue`` (number, edition, edition_code), ``channels``
(the order of the pages), ``date`` and ``count``. A field the mapping does not know is
listed once with the number of articles that carry it, never imported silently.

Images are never fetched: a local ``src`` inside the feed's folder is measured and copied
into the edition's ``images/``; a URL gives a figure without its photo, reported.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ...errors import Problem, SourceError
from ..text import MAX_NESTING, long_number, read_text, too_deep
from .entries import ChannelPage, Context, Entry, build_edition, resolve_paper
from .mapping import Mapping, default_mapping, matching_mapping, preview
from .report import ImportResult, Reporter

FEED_KEYS = {"paper", "issue", "channels", "date", "count", "total"}


def read_json(path: Path, encoding: str = "utf-8") -> Any:
    """The parsed JSON of ``path``; a SourceError with the line, or "truncated"."""
    text, problem = read_text(path, encoding)
    if problem:
        raise SourceError([problem])
    assert text is not None  # read_text gives the text or a problem
    try:
        data = json.loads(text)
    except RecursionError:
        data = None
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # int() refused a number of 4,300+ digits
            raise SourceError(Problem("invalid JSON: a number of more than 4,300 digits", path,
                                      long_number(text), hint="this file is broken or not a feed",
                                      code="json")) from None
        if not text[exc.pos:].strip() or (exc.msg.startswith("Unterminated string")
                                          and text.rstrip()[-1:] not in "\"}]"):
            raise SourceError(Problem(
                f"the JSON is truncated: it ends at line {exc.lineno} before the data is complete "
                f"({exc.msg})", path, exc.lineno,
                hint="the export or download stopped early; get the whole file again",
                code="truncated")) from None
        raise SourceError(Problem(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                  path, exc.lineno, hint="fix the JSON syntax (a missing comma or "
                                  "quote?)", code="json")) from None
    if data is None or too_deep(data):
        raise SourceError(Problem(f"the JSON nests objects or arrays more than {MAX_NESTING} deep",
                                  path, hint="a feed nests a few levels; this file is broken or "
                                  "not a feed", code="json"))
    return data


def import_json(path: Path, *, date: dt.date | str | None = None, paper: Any = None,
                number: int | None = None, mapping: Mapping | None = None,
                channel_map: dict[str, int | str] | None = None, encoding: str = "utf-8",
                settings=None) -> ImportResult:
    """Import the JSON feed at ``path``. ``paper``: a house paper name, a paper file, a
    PaperFile or Paper (else the mapping's or the feed's); ``mapping``: else the house
    mapping the feed matches, else the default; ``channel_map``: channel -> page (number or
    label), over the mapping's channels."""
    from ...config import load_settings

    path = Path(path)
    settings = settings or load_settings()
    feed = read_json(path, encoding)
    rep = Reporter()
    if mapping is None:
        default_found = default_mapping().find_articles(feed)
        mapping = matching_mapping(default_found[1] if default_found else [], settings) or default_mapping()
        if mapping.path:
            rep.seen("mapping-used", f"the feed's fields match {mapping.path.name}: that mapping used")
    found = mapping.find_articles(feed)
    if found is None:
        lists = [k for k, v in feed.items() if isinstance(v, list)] if isinstance(feed, dict) else []
        raise SourceError(Problem(
            "no list of articles in the feed" + (f" (lists under: {', '.join(lists)})" if lists else ""),
            path, 1, hint="say where they are with a mapping: [feed] articles = \"KEY\" "
            "(--map FILE, see docs/importing.md)", code="json"))
    at, records = found
    if not records:
        raise SourceError(Problem("the feed holds no articles", path, hint="export at least one article",
                                  code="json"))
    rep.seen("articles", f"{len(records)} articles" + (f" under {at!r}" if at else ""))

    head = feed if isinstance(feed, dict) else {}
    top = at.split(".")[0] if at else None
    for key, value in head.items():
        if key != top and key not in FEED_KEYS:
            rep.note("unknown-field", f"unknown feed field {key!r} = {preview(value)} not imported",
                     where=f"feed.{key}")
    count = head.get("count", head.get("total"))
    if isinstance(count, int) and count != len(records):
        rep.guess("count", f"the feed says it holds {count} articles; it holds {len(records)}",
                  hint="the export may be incomplete")

    prefix = at or "articles"
    entries: list[Entry] = []
    unknown: Counter[str] = Counter()
    example: dict[str, Any] = {}
    for i, record in enumerate(records):
        where = f"{prefix}[{i}]"
        if not isinstance(record, dict):
            rep.problem("json-field", f"an article is {type(record).__name__}, not an object",
                        where=where, group="an article that is not an object",
                        hint="each article must be a JSON object")
            continue
        entry, used, problems = mapping.entry(record, where)
        for part, message in problems:
            rep.problem("json-field", message, where=f"{where}.{entry.fields.get(part, part)}",
                        group=message, hint=f"map another field to {part} ([fields] {part} = … in "
                        "a mapping, --map FILE), or fix the feed")
        for key in record:
            if key not in used:
                unknown[key] += 1
                example.setdefault(key, record[key])
        entries.append(entry)
    for key, n in unknown.items():
        rep.note("unknown-field", f"unknown field {key!r} in {n} of {len(records)} articles, "
                 f"not imported (e.g. {preview(example[key])})", where=f"{prefix}[*].{key}",
                 hint="map it in a mapping's [fields], or list it in [fields] ignore")

    issue = issue_head if isinstance(issue_head := head.get("issue"), dict) else {}
    the_paper = resolve_paper(paper, settings, mapping_paper=mapping.paper,
                              feed_paper=paper_head if isinstance(paper_head := head.get("paper"), dict) else None,
                              where=path)
    if issue.get("edition") and not the_paper.edition:
        from dataclasses import replace

        the_paper = replace(the_paper, edition=str(issue["edition"]),
                            edition_code=issue.get("edition_code"))
    the_date = _date(date, head, mapping, path)
    channels = dict(mapping.channels)
    for ch, value in (channel_map or {}).items():
        from .entries import page_label

        found_page = page_label(str(value))
        if found_page is None:
            raise SourceError(Problem(f"channel map: page {value!r} for {ch!r} is not a page "
                                      "number (3, A03, 第3版)", code="channel-map"))
        channels[ch] = ChannelPage(found_page[0], channels[ch].name if ch in channels else None,
                                   found_page[1])
    order = [c for c in head.get("channels", []) if isinstance(c, str)]
    ctx = Context(path=path, date=the_date, paper=the_paper,
                  number=number or (issue.get("number") if isinstance(issue.get("number"), int) else None),
                  channels=channels, channel_order=order)
    result = build_edition(entries, ctx, rep)
    return result


def _date(date: dt.date | str | None, head: dict, mapping: Mapping, path: Path) -> dt.date:
    from .plaintext import parse_date

    if date:
        return parse_date(date)
    key = mapping.date or "date"
    value = head.get(key)
    if value:
        try:
            return parse_date(str(value)[:10])
        except SourceError:
            pass
    raise SourceError(Problem("no issue date: pass --date YYYY-MM-DD", path, code="date",
                              hint="or name the feed's date field in a mapping ([feed] date = …)"))


__all__ = ["import_json", "read_json"]
