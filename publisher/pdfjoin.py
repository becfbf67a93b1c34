"""Issue PDFs joined from per-版 PDFs, their pages sharing what they have in common.

Each 版 is rendered alone (in a worker process, or taken from the cache), so each page PDF
carries its own copy of what an issue's pages share: a subset of every typeface over that
page's characters, the output profile, the ExtGStates, a photo printed on several pages.
Joined as they come, the 16-版 print issue held 48 OpenType programs (33 distinct), 32
image streams (2 distinct) and 16 copies of the colour profile: 19.8 MB for 6.3 MB of
distinct bytes. ``join`` puts the pages into one file; ``share`` then makes them share:

- **one font program per face** for the whole issue: WeasyPrint embeds each face as a CID
  font drawn by glyph id (``/CIDToGIDMap /Identity``, glyph ids kept when it subsets), so the
  pages' subsets of one face are merged by subsetting the pinned face again over the union
  of the glyphs the pages use (``fonts.Face.subset_glyphs``, each glyph at its own id), with
  the pages' width arrays and ToUnicode maps merged too: the pages' font dictionaries of a
  face become identical, and are stored once;
- **each distinct object once**: among the objects the pages' resources reach (fonts, their
  descriptors and programs, images, their metadata, colour spaces and the ICC profile,
  ExtGStates, forms) and the output intents, any two with the same content (a stream's
  bytes and dictionary; a dictionary's or array's entries, references compared by what they
  point at) are made one, and every reference goes to the first. Pages, annotations and the
  structure tree keep their identity: only resources, which have none, are merged.

The result is deterministic (pages in order, first occurrence kept), and the PDF/X and PDF/A
declarations are untouched: one output intent, every font embedded.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from math import ceil
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from .fonts import Face, FontSet


def join(pdfs: Iterable[bytes | Path | Source]) -> tuple[pikepdf.Pdf, list[pikepdf.Pdf]]:
    """A new PDF with the pages of ``pdfs`` (their bytes, their files, or a ``Source`` read
    ahead) in order, and the opened sources (closed by the caller once the result is saved:
    pikepdf copies their objects lazily, from the files as it needs them)."""
    out = pikepdf.new()
    sources = []
    for data in pdfs:
        src = data.pdf if isinstance(data, Source) else pikepdf.open(
            data if isinstance(data, Path) else io.BytesIO(data))
        sources.append(src)
        out.pages.extend(src.pages)
    return out, sources


@dataclass
class Source:
    """A PDF to append (``append``), opened and read ahead (``read``): its named destinations
    and its bookmarks as it has them, and the width arrays and ToUnicode maps of its CID
    fonts (``share``), so that a join made as its parts come back does that work before the
    last part, not after it."""

    pdf: pikepdf.Pdf
    names: list[tuple[str, pikepdf.Object]]  # ``_named``
    outline: list[tuple]  # ``_outline``, its destinations the source's
    fonts: dict[tuple[int, int], _Maps | None]  # a CID font's objgen -> ``_maps``

    @classmethod
    def read(cls, data: bytes | Path) -> Source:
        pdf = pikepdf.open(data if isinstance(data, Path) else io.BytesIO(data))
        fonts = {font.objgen: _maps(font) for group in _cid_fonts(pdf).values() for font in group}
        return cls(pdf, _named(pdf), _outline(pdf), fonts)

    def close(self) -> None:
        self.pdf.close()


def append(pdf: pikepdf.Pdf, sources: Sequence[pikepdf.Pdf | Source]) -> list[int]:
    """Append the pages of ``sources`` to ``pdf`` in order, with what points at them: each
    source's named destinations (the ids of its elements) and its bookmarks, after those
    of ``pdf``, pointing at the joined pages. The index of each source's first page in
    ``pdf``. (The reading PDF rendered 版 by 版: one document whose links and outline
    read as if it had been rendered whole.) The sources stay open until ``pdf`` is saved;
    a ``Source`` was read ahead."""
    own = {page.obj.objgen: page.obj for page in pdf.pages}
    names = {name: _dest(dest, own) for name, dest in _named(pdf)}
    outline = _moved(_outline(pdf), own)
    starts = []
    for given in sources:
        src = given if isinstance(given, Source) else Source(given, _named(given), _outline(given), {})
        start = len(pdf.pages)
        starts.append(start)
        pdf.pages.extend(src.pdf.pages)
        joined = {page.obj.objgen: pdf.pages[start + i].obj for i, page in enumerate(src.pdf.pages)}
        for name, dest in src.names:
            if name in names:
                raise ValueError(f"two parts of a joined PDF name the destination {name!r}")
            names[name] = _dest(dest, joined)
        outline += _moved(src.outline, joined)
    if names:  # one flat name tree, sorted, as WeasyPrint writes it
        flat = Array()
        for name in sorted(names):
            flat.append(pikepdf.String(name))
            flat.append(names[name])
        tree = pdf.Root.get("/Names") or Dictionary()
        tree.Dests = Dictionary(Names=flat)
        pdf.Root.Names = tree
    if "/Outlines" in pdf.Root:
        del pdf.Root["/Outlines"]
    if outline:
        root = pdf.make_indirect(Dictionary())
        count = _link(pdf, outline, root)
        root.Count = count
        pdf.Root.Outlines = root
    return starts


def read_fonts(pdf: pikepdf.Pdf, sources: Iterable[Source]) -> dict[tuple[int, int], _Maps | None]:
    """The fonts the sources read ahead, by the objgen of their copies in ``pdf`` (which
    their pages were appended to): what ``share`` is given so as not to read them again."""
    return {pdf.copy_foreign(src.pdf.get_object(og)).objgen: maps
            for src in sources for og, maps in src.fonts.items()}


def _dest(dest: pikepdf.Object, pages: dict) -> Array:
    """An explicit destination ``[page /XYZ x y zoom]`` moved to the joined page."""
    return Array([pages[dest[0].objgen], *(dest[i] for i in range(1, len(dest)))])


def _named(pdf: pikepdf.Pdf) -> list[tuple[str, pikepdf.Object]]:
    """The named destinations of ``pdf``, as WeasyPrint writes them: one flat name tree."""
    names = pdf.Root.get("/Names")
    tree = names.get("/Dests") if names is not None else None
    if tree is None:
        return []
    if "/Kids" in tree:
        raise ValueError("a name tree of destinations with kids: not one WeasyPrint writes")
    flat = list(tree.get("/Names") or [])
    return [(str(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)]


def anchors(pdf: pikepdf.Pdf) -> list[tuple[str, int]]:
    """Each named destination of ``pdf`` (an element's id) with the index of its page."""
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    return [(name, pages[dest[0].objgen]) for name, dest in _named(pdf)]


def _outline(pdf: pikepdf.Pdf) -> list[tuple]:
    """The bookmarks of ``pdf`` as (title bytes, destination, count, children), in order,
    their destinations as ``pdf`` has them (``_moved``)."""
    def items(first) -> list[tuple]:
        out = []
        item = first
        while item is not None:
            title = pikepdf.String(bytes(item.Title))
            out.append((title, item.Dest, int(item.get("/Count", 0)), items(item.get("/First"))))
            item = item.get("/Next")
        return out

    outlines = pdf.Root.get("/Outlines")
    return items(outlines.get("/First")) if outlines is not None else []


def _moved(items: list[tuple], pages: dict) -> list[tuple]:
    """Outline items (``_outline``) with their destinations moved by ``pages``."""
    return [(title, _dest(dest, pages), count, _moved(children, pages))
            for title, dest, count, children in items]


def _link(pdf: pikepdf.Pdf, items: list[tuple], parent: pikepdf.Object) -> int:
    """Write ``items`` as outline items under ``parent``; the count of open items (as
    WeasyPrint counts: every item, and the children of the open ones)."""
    made: list[pikepdf.Object] = []
    count = len(items)
    for title, dest, own, children in items:
        item = pdf.make_indirect(Dictionary(Title=title, Dest=dest, Parent=parent))
        if made:
            item.Prev = made[-1]
            made[-1].Next = item
        if children:
            sub = _link(pdf, children, item)  # sets the item's /First and /Last
            if own >= 0:
                count += sub
        item.Count = own
        made.append(item)
    if made:
        parent.First, parent.Last = made[0], made[-1]
    return count


def retarget_links(pdf: pikepdf.Pdf, scheme: str) -> int:
    """Turn the link annotations of ``pdf`` whose URI is ``scheme`` + a name into links to
    that named destination (an id of another part, once joined); how many. A name no
    destination has is an error."""
    known = {name for name, _ in _named(pdf)}
    done = 0
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots") or []:
            action = annotation.get("/A")
            if action is None or action.get("/S") != Name.URI:
                continue
            uri = str(action.URI)
            if not uri.startswith(scheme):
                continue
            name = uri[len(scheme):]
            if name not in known:
                raise ValueError(f"a link to {name!r}, which no part of the joined PDF has")
            del annotation["/A"]
            annotation.Dest = pikepdf.String(name)
            done += 1
    return done


def share(pdf: pikepdf.Pdf, fonts: FontSet | None = None,
          read: Mapping[tuple[int, int], _Maps | None] | None = None) -> list[str]:
    """Make the pages of ``pdf`` share one font program per face (given the pinned ``fonts``)
    and store every distinct resource once (see the module's docstring). The embedded fonts
    (by BaseFont) left with the program they had: not a pinned face, or maps of a shape
    WeasyPrint does not write. ``read``: fonts whose maps were read ahead (``read_fonts``)."""
    kept = _share_fonts(pdf, fonts, read or {}) if fonts is not None else []
    _store_once(pdf)
    return kept


# ---------------------------------------------------------------- fonts


def _resources(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every resource dictionary of the pages and of the forms they draw, each once."""
    seen: set = set()
    todo = [page.obj.get("/Resources") for page in pdf.pages]
    while todo:
        res = todo.pop(0)
        if res is None or not isinstance(res, pikepdf.Dictionary):
            continue
        key = res.objgen if res.is_indirect else id(res)
        if key in seen:
            continue
        seen.add(key)
        yield res
        for xobj in (res.get("/XObject") or {}).values():
            if xobj.get("/Subtype") == pikepdf.Name.Form and "/Resources" in xobj:
                todo.append(xobj.Resources)


def _cid_fonts(pdf: pikepdf.Pdf) -> dict[str, list[pikepdf.Object]]:
    """The embedded CID fonts drawn by glyph id, by BaseFont (WeasyPrint names a face the
    same on every page: a hash of its description, not of the subset)."""
    groups: dict[str, list[pikepdf.Object]] = {}
    seen: set = set()
    for res in _resources(pdf):
        for font in (res.get("/Font") or {}).values():
            if font.objgen in seen or font.get("/Subtype") != pikepdf.Name.Type0:
                continue
            seen.add(font.objgen)
            cid = font.DescendantFonts[0]
            if cid.get("/CIDToGIDMap") != pikepdf.Name.Identity or _program(cid) is None:
                continue
            groups.setdefault(str(font.BaseFont), []).append(font)
    return groups


def _program(cid: pikepdf.Object) -> pikepdf.Object | None:
    descriptor = cid.get("/FontDescriptor")
    if descriptor is None:
        return None
    return descriptor.get("/FontFile2") or descriptor.get("/FontFile3")


def _postscript_name(program: bytes) -> str:
    """The PostScript name (name ID 6) of an embedded program (a subset keeps its name
    table)."""
    import uharfbuzz as hb

    face = hb.Face(program)
    return face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME) or ""


_W_TOKEN = re.compile(rb"\[|\]|[^\s\[\]]+")


def _widths(array) -> dict[int, object]:
    """A CID font's /W array as glyph id -> width (both forms: ``c [w…]``, ``c1 c2 w``).
    Read from its bytes where every number is an integer, as WeasyPrint writes them (reading
    it object by object was most of the time ``share`` took on the 版 of a joined issue)."""
    fast = _integer_widths(array.unparse(resolved=True))
    if fast is not None:
        return fast
    out: dict[int, object] = {}
    items = list(array)
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for n, w in enumerate(items[i + 1]):
                out.setdefault(first + n, w)
            i += 2
        else:
            for gid in range(first, int(items[i + 1]) + 1):
                out.setdefault(gid, items[i + 2])
            i += 3
    return out


def _integer_widths(data: bytes) -> dict[int, object] | None:
    """``_widths`` of a /W array's bytes, or None unless every number is an integer."""
    tokens = _W_TOKEN.findall(data)
    if len(tokens) < 2 or tokens[0] != b"[" or tokens[-1] != b"]":
        return None
    out: dict[int, object] = {}
    i, end = 1, len(tokens) - 1
    try:
        while i < end:
            first = int(tokens[i])
            if tokens[i + 1] == b"[":
                close = tokens.index(b"]", i + 2)
                for n, w in enumerate(tokens[i + 2:close]):
                    out.setdefault(first + n, int(w))
                i = close + 1
            else:
                width = int(tokens[i + 2])
                for gid in range(first, int(tokens[i + 1]) + 1):
                    out.setdefault(gid, width)
                i += 3
    except (ValueError, IndexError):  # a real number, or not WeasyPrint's shape
        return None
    return out


def _width_array(widths: dict[int, object]) -> pikepdf.Array:
    """Glyph id -> width as a /W array of runs of consecutive ids."""
    out: list = []
    run: list = []
    start = prev = None
    for gid in sorted(widths):
        if prev is not None and gid == prev + 1:
            run.append(widths[gid])
        else:
            if run:
                out += [start, pikepdf.Array(run)]
            start, run = gid, [widths[gid]]
        prev = gid
    if run:
        out += [start, pikepdf.Array(run)]
    return pikepdf.Array(out)


_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


def _to_unicode(stream: pikepdf.Object) -> dict[int, bytes] | None:
    """A ToUnicode CMap of bfchar entries as glyph id -> UTF-16BE hex; None for any other
    shape (a bfrange: not WeasyPrint's), so that the font is left as it is."""
    data = stream.read_bytes()
    if b"bfrange" in data:
        return None
    out: dict[int, bytes] = {}
    for block in _BFCHAR.findall(data):
        for gid, text in _PAIR.findall(block):
            out.setdefault(int(gid, 16), text.lower())
    return out


def _cmap(mapping: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap in WeasyPrint's own layout (bfchar blocks of 100)."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
             b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(mapping.items())
    for i in range(ceil(len(items) / 100)):
        batch = items[i * 100:(i + 1) * 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [b"<%04x> <%s>" % (gid, text) for gid, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


_Maps = tuple[dict[int, object], dict[int, bytes]]  # a CID font's widths and ToUnicode, by glyph id


def _maps(font: pikepdf.Object) -> _Maps | None:
    """A CID font's widths and ToUnicode map (``_widths``, ``_to_unicode``), or None where
    they are not of WeasyPrint's shape (the font is then left as it is)."""
    maps = _to_unicode(font.ToUnicode) if "/ToUnicode" in font else {}
    if maps is None or "/W" not in font.DescendantFonts[0]:
        return None
    return _widths(font.DescendantFonts[0].W), maps


def _share_fonts(pdf: pikepdf.Pdf, fonts: FontSet, read: Mapping[tuple[int, int], _Maps | None]) -> list[str]:
    faces = {face.postscript_name: face for face in fonts.faces}
    # BaseFont -> (face, widths, ToUnicode) over all the pages
    merged: dict[str, tuple[Face, dict[int, object], dict[int, bytes]]] = {}
    groups = _cid_fonts(pdf)
    for base, group in groups.items():
        program = _program(group[0].DescendantFonts[0])
        assert program is not None  # _cid_fonts keeps embedded fonts only
        face = faces.get(_postscript_name(program.read_bytes()))
        if face is None:
            continue  # not a pinned face (cannot be, in a build): left as it is
        each_widths: list[dict[int, object]] = []
        each_unicode: list[dict[int, bytes]] = []
        for font in group:
            both = read[font.objgen] if font.objgen in read else _maps(font)
            if both is None:
                break
            each_widths.append(both[0])
            each_unicode.append(both[1])
        else:
            # merged with the first page's entry for a glyph kept (the later pages' updated
            # over by the earlier ones: a dict's update, not a setdefault a glyph)
            widths: dict[int, object] = {}
            unicode: dict[int, bytes] = {}
            for page_widths in reversed(each_widths):
                widths.update(page_widths)
            for page_unicode in reversed(each_unicode):
                unicode.update(page_unicode)
            merged[base] = (face, widths, unicode)
    # one program per face, over the glyphs of every BaseFont drawn with it
    glyphs: dict[str, set[int]] = {}
    for face, widths, unicode in merged.values():
        glyphs.setdefault(face.postscript_name, {0}).update(widths, unicode)
    programs: dict[str, pikepdf.Stream] = {}
    for base, (face, widths, unicode) in merged.items():
        name = face.postscript_name
        if name not in programs:
            data = face.subset_glyphs(sorted(glyphs[name]))
            extra = ({"/Subtype": pikepdf.Name.OpenType} if data[:4] == b"OTTO"
                     else {"/Length1": len(data)})
            programs[name] = pdf.make_stream(data, **{k[1:]: v for k, v in extra.items()})
        program = programs[name]
        key = "/FontFile3" if "/Subtype" in program else "/FontFile2"
        w = pdf.make_indirect(_width_array(widths))
        to_unicode = pdf.make_stream(_cmap(unicode))
        for font in groups[base]:
            cid = font.DescendantFonts[0]
            descriptor = cid.FontDescriptor
            for k in ("/FontFile2", "/FontFile3"):
                if k in descriptor:
                    del descriptor[k]
            descriptor[key] = program
            cid.W = w
            font.ToUnicode = to_unicode
    return sorted(set(groups) - set(merged))


# ---------------------------------------------------------------- each distinct object once


def _store_once(pdf: pikepdf.Pdf) -> None:
    """Make resources with the same content one object (see the module's docstring)."""
    canon: dict[tuple, tuple[int, int]] = {}  # content -> the first object with it
    memo: dict[tuple[int, int], tuple[int, int]] = {}  # object -> its canonical object

    def key(obj) -> object:
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            og = obj.objgen
            if og not in memo:
                memo[og] = og  # a cycle through it compares it by identity
                memo[og] = canon.setdefault(content(obj), og)
            return ("ref", memo[og])
        return content(obj)

    def content(obj) -> tuple:
        if isinstance(obj, pikepdf.Stream):
            entries = tuple(sorted((k, key(v)) for k, v in obj.items() if k != "/Length"))
            return ("stream", entries, hashlib.sha256(obj.read_raw_bytes()).digest())
        if isinstance(obj, pikepdf.Dictionary):
            if obj.get("/Type") in _IDENTITY:
                return ("object", obj.objgen)
            return ("dict", tuple(sorted((k, key(v)) for k, v in obj.items())))
        if isinstance(obj, pikepdf.Array):
            return ("array", tuple(key(v) for v in obj))
        if isinstance(obj, pikepdf.Object):
            return ("value", obj.unparse())
        return ("value", type(obj).__name__, str(obj))

    roots = [page.obj.get("/Resources") for page in pdf.pages]
    roots += list(pdf.Root.get("/OutputIntents") or [])
    for root in roots:
        if root is not None:
            key(root)
    # every reference to a duplicate now points at the first object with its content
    done: set = set()

    def rewrite(obj) -> None:
        if isinstance(obj, pikepdf.Object) and obj.is_indirect:
            if obj.objgen in done:
                return
            done.add(obj.objgen)
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            for k in list(obj.keys()):
                value = obj[k]
                if isinstance(value, pikepdf.Object):
                    if (new := swap(value)) is not value:
                        obj[k] = value = new
                    rewrite(value)
        elif isinstance(obj, pikepdf.Array):
            for i, value in enumerate(obj):
                if isinstance(value, pikepdf.Object):
                    if (new := swap(value)) is not value:
                        obj[i] = value = new
                    rewrite(value)

    def swap(value):
        if isinstance(value, pikepdf.Object) and value.is_indirect:
            og = memo.get(value.objgen)
            if og is not None and og != value.objgen:
                return pdf.get_object(og)
        return value

    for page in pdf.pages:
        if "/Resources" in page.obj:
            page.obj.Resources = swap(page.obj.Resources)
            rewrite(page.obj.Resources)
    if "/OutputIntents" in pdf.Root:
        rewrite(pdf.Root.OutputIntents)


# Objects that are themselves, whatever their content: never merged.
_IDENTITY = {pikepdf.Name.Page, pikepdf.Name.Pages, pikepdf.Name.Catalog, pikepdf.Name.Annot,
             pikepdf.Name.StructElem, pikepdf.Name.StructTreeRoot}
