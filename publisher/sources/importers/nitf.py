"""NITF 3.x (News Industry Text Format) into one edition: one file per article.

Owns reading NITF: the files given, or every NITF file in the folders given (an archive
bag's ``nitf/``, an agency's drop folder; other XML files are skipped). Each becomes an
``entries.Entry``: ``hl1`` the headline, ``hl2`` of class kicker/subtitle the 引题/副题
(another ``hl2`` in the head is a 副题), ``byline`` (``byttl`` roles and ``person``s, or
its text) the byline, ``dateline`` the dateline lead, ``body.content`` paragraphs (``em``
runs of class strong or emphasis keep their style), ``hl2`` subheads, ``media`` photos (a
``media-reference`` source relative to the file, inside the folder given; URLs never
fetched), ``table``s, and paragraphs of class ``brief`` with their （attribution）.
``pubdata`` gives the page (``position.section`` "第1版 咸安新闻" or a number), the order on
it (``position.sequence``), the issue number; ``docdata``'s ``date.issue`` the date and its
``doc-id`` the article's slug. Both NITF with and without the 2006-10-18 namespace read.

XML is parsed without DTDs, entities or network access. What the archive writes
(``publisher/archive/nitf.py``) reads back as the same articles.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import Any

from lxml import etree

from ...errors import Problem, SourceError
from ...model import Block, Figure, Paragraph, Run, RunStyle, SourceRef, Table
from ..markdown import _brief, _subhead
from ..text import read_input
from .entries import Context, Entry, RawImage, build_edition, resolve_paper
from .report import ImportResult, Reporter

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False, remove_comments=True, remove_pis=True)
MAX_FILES = 2000


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c) == name]


def _find(el, *path: str):
    for name in path:
        if el is None:
            return None
        found = _children(el, name)
        el = found[0] if found else None
    return el


def _text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip() if el is not None else ""


def nitf_files(paths: list[Path]) -> tuple[Path, list[Path]]:
    """(the root folder images must stay in, the NITF files in order)."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(x for x in p.rglob("*") if x.suffix.lower() in (".xml", ".nitf")
                            and x.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise SourceError(Problem("no such file or folder", p, code="io"))
    root = paths[0] if paths[0].is_dir() else paths[0].parent
    return root.resolve(), files[:MAX_FILES]


def import_nitf(paths: Path | list[Path], *, date: dt.date | str | None = None, paper: Any = None,
                number: int | None = None, channel_map: dict[str, int | str] | None = None,
                settings=None, **_ignored) -> ImportResult:
    """Import NITF files (or the folders holding them) as one edition."""
    from ...config import load_settings
    from .plaintext import parse_date

    paths = [Path(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])]
    settings = settings or load_settings()
    root, files = nitf_files(paths)
    rep = Reporter()
    docs = []
    problems = []
    for f in files:
        data, problem = read_input(f)  # a FIFO or a device refused, never waited on
        if problem:
            problems.append(problem)
            continue
        try:
            tree = etree.ElementTree(etree.fromstring(data, _PARSER))
        except etree.XMLSyntaxError as exc:
            if paths[0].is_dir() and f not in paths:
                continue  # a folder may hold other XML; a file named by the user must read
            problems.append(Problem(f"not well-formed XML: {exc.msg}", f, exc.lineno, code="nitf"))
            continue
        if _local(tree.getroot()) != "nitf":
            if f in paths:
                problems.append(Problem(f"not NITF: the root element is <{_local(tree.getroot())}>",
                                        f, 1, code="nitf"))
            continue
        docs.append((f, tree.getroot()))
    if problems:
        raise SourceError(problems)
    if not docs:
        raise SourceError(Problem("no NITF files found", paths[0], code="nitf",
                                  hint="give NITF files (root element <nitf>) or a folder of them"))
    rep.seen("nitf", f"{len(docs)} NITF files")
    entries = []
    dates, numbers, papers = set(), set(), set()
    used: dict[str, Path] = {}  # image hrefs in the edition -> their files
    for f, doc in docs:
        entry, meta = _entry(f, doc, root, used)
        entries.append((meta.get("sequence", 0), entry))
        if meta.get("date"):
            dates.add(meta["date"])
        if meta.get("issue"):
            numbers.add(meta["issue"])
        if meta.get("paper"):
            papers.add(meta["paper"])
    # pages in number order, articles in their position.sequence (stable: file order)
    entries.sort(key=lambda se: (_page_number(se[1]), se[0]))
    if date is None:
        if len(dates) != 1:
            raise SourceError(Problem("no single issue date in the NITF files"
                                      + (f" ({', '.join(sorted(map(str, dates)))})" if dates else ""),
                                      paths[0], hint="pass --date YYYY-MM-DD", code="date"))
        date = next(iter(dates))
        rep.seen("date", f"issue date {date} from date.issue")
    if number is None and len(numbers) == 1:
        number = next(iter(numbers))
    the_paper = resolve_paper(paper, settings, where=paths[0])
    for name in papers - {the_paper.paper.name}:
        rep.guess("paper", f"the NITF names the paper {name!r}; imported as {the_paper.paper.name!r}",
                  hint="pass --paper for that paper")
    ctx = Context(path=root / "feed", date=parse_date(date), paper=the_paper, number=number,
                  channels={})
    result = build_edition([e for _s, e in entries], ctx, rep)
    result.images.update(used)
    return result


def _page_number(e: Entry) -> int:
    from .entries import page_label

    found = page_label(e.page) if e.page else None
    return found[0] if found else 0


def _entry(path: Path, doc, root: Path, used: dict) -> tuple[Entry, dict]:
    meta: dict[str, Any] = {}
    e = Entry(where=path.name, source_path=path)
    e.fields.update(headline="hl1", kicker="hl2.kicker", subtitle="hl2.subtitle", byline="byline",
                    body="body.content", page="pubdata")
    head = _find(doc, "head")
    tobject = _find(head, "tobject")
    if tobject is not None and tobject.get("tobject.type") in ("news", "feature", "briefs", "photo"):
        e.kind = tobject.get("tobject.type")
    docdata = _find(head, "docdata")
    did = _find(docdata, "doc-id")
    pub = _find(head, "pubdata")
    date = _find(docdata, "date.issue")
    norm = date.get("norm") if date is not None else None
    if norm and re.match(r"[0-9]{8}", norm):
        # a date that does not exist (20191399) is no date: --date or another file gives it
        with contextlib.suppress(ValueError):
            meta["date"] = dt.date(int(norm[:4]), int(norm[4:6]), int(norm[6:8])).isoformat()
    if pub is not None:
        meta["paper"] = pub.get("name")
        if re.fullmatch(r"[0-9]{1,9}", pub.get("issue") or ""):  # "²" is a digit to isdigit()
            meta["issue"] = int(pub.get("issue"))
        section = pub.get("position.section") or ""
        m = re.match(r"^(第\s*\d+\s*版|[A-Z]?\d+)\s*(.*)$", section.strip())
        if m:
            e.page, e.page_name = m.group(1), m.group(2).strip() or None
        elif section:
            e.channel = section
        seq = pub.get("position.sequence") or ""
        meta["sequence"] = int(seq) if re.fullmatch(r"[0-9]{1,9}", seq) else 0
    if did is not None and did.get("id-string"):
        ident = did.get("id-string")
        # the archive's doc-id is <edition id>-<slug>: the slug is what follows the date part
        m = re.match(r"^[a-z0-9-]*?\d{4}-\d{2}-\d{2}(?:-[a-z0-9]+)?-(?P<slug>[a-z0-9][a-z0-9-]*)$", ident)
        e.slug = m.group("slug") if m else None
    body = _find(doc, "body")
    bhead = _find(body, "body.head")
    hed = _find(bhead, "hedline")
    if hed is not None:
        e.headline = _text(_find(hed, "hl1")) or None
        for hl2 in _children(hed, "hl2"):
            cls = (hl2.get("class") or "").split()
            if "kicker" in cls:
                e.kicker = _text(hl2)
            else:
                e.subtitle = _text(hl2)
    by = _find(bhead, "byline")
    if by is not None:
        parts = []
        for child in by:
            if _local(child) in ("byttl", "person"):
                parts.append(_text(child))
        e.byline = [" ".join(parts) if parts else _text(by)]
    dl = _find(bhead, "dateline")
    if dl is not None and _text(dl):
        e.dateline = _text(dl)
    content = _find(body, "body.content")
    blocks: list[Block] = []
    ref = SourceRef(path)
    for el in content if content is not None else []:
        name = _local(el)
        if name == "p":
            if "brief" in (el.get("class") or "").split():
                blocks.append(_brief(_text(el), ref))
                continue
            runs = _runs(el)
            if runs:
                blocks.append(Paragraph(runs, ref))
        elif name == "hl2":
            blocks.append(_subhead(_text(el), ref))
        elif name == "media":
            fig = _media(el, path, root, e, used)
            if fig is not None:
                blocks.append(fig)
        elif name == "table":
            table = _table(el, ref)
            if table is not None:
                blocks.append(table)
        elif name in ("block", "div"):
            text = _text(el)
            if text:
                blocks.append(Paragraph((Run(text),), ref))
    e.blocks = blocks
    return e, meta


def _runs(p) -> tuple[Run, ...]:
    runs: list[Run] = []

    def add(text: str | None, style: RunStyle) -> None:
        if text:
            text = re.sub(r"\s*\n\s*", "", text)
            if runs and runs[-1].style is style:
                runs[-1] = Run(runs[-1].text + text, style)
            else:
                runs.append(Run(text, style))

    add(p.text, RunStyle.PLAIN)
    for child in p:
        cls = (child.get("class") or "").split()
        style = RunStyle.PLAIN
        if _local(child) in ("em", "strong", "b"):
            style = RunStyle.EMPHASIS if "emphasis" in cls else RunStyle.STRONG
        add("".join(child.itertext()), style)
        add(child.tail, RunStyle.PLAIN)
    if runs:
        runs[0] = Run(runs[0].text.lstrip(), runs[0].style)
        runs[-1] = Run(runs[-1].text.rstrip(), runs[-1].style)
    return tuple(r for r in runs if r.text)


def _media(el, path: Path, root: Path, e: Entry, used: dict) -> Figure | None:
    ref = _find(el, "media-reference")
    caption = _text(_find(el, "media-caption"))
    credit = _text(_find(el, "media-producer")) or None
    alt = ref.get("alternate-text") if ref is not None else None
    src = ref.get("source") if ref is not None else None
    image = None
    if src:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", src):
            e.images.append(RawImage(src=src, caption=caption, credit=credit, alt=alt))
            return None
        from ...errors import Problems
        from ..edition import resolve_image

        probs = Problems()
        # relative to the NITF file, and never outside the folder the import was given
        rel = (path.parent / src).resolve()
        try:
            inside = rel.relative_to(root).as_posix()
        except ValueError:
            inside = src if src.startswith("/") else "../" + src  # refused by resolve_image
        found = resolve_image(inside, root, path, None, probs)
        if found is None:
            raise SourceError(probs.items)
        # kept under its own name in the edition's images/ (another name if one is taken)
        name = Path(inside).name
        stem, ext = Path(name).stem, Path(name).suffix
        k = 1
        while f"images/{name}" in used and used[f"images/{name}"] != found.path:
            k += 1
            name = f"{stem}-{k}{ext}"
        used[f"images/{name}"] = found.path
        from dataclasses import replace

        image = replace(found, href=f"images/{name}")
    return Figure(caption=caption, image=image, credit=credit,
                  alt=alt if alt and alt != caption else None, source=SourceRef(path))


def _table(el, ref: SourceRef) -> Table | None:
    rows, header = [], None
    for part in el:
        for tr in (c for c in part if _local(c) == "tr") if _local(part) in ("thead", "tbody") \
                else ([part] if _local(part) == "tr" else []):
            cells = [c for c in tr if _local(c) in ("th", "td")]
            texts = [_text(c) for c in cells]
            if header is None and (_local(part) == "thead" or all(_local(c) == "th" for c in cells)):
                header = texts
            else:
                rows.append(texts)
    if header is None:
        if not rows:
            return None
        header, rows = rows[0], rows[1:]
    width = len(header)
    asked = (el.get("class") or "").split()
    align = tuple(None if a == "auto" else a for a in asked) if len(asked) == width and all(
        a in ("left", "right", "center", "auto") for a in asked) else ()
    return Table(tuple(header), tuple(tuple((r + [""] * width)[:width]) for r in rows), align, ref)


__all__ = ["import_nitf", "nitf_files"]
