"""Making WeasyPrint's per-page PDFs into true, reproducible PDF/X-4 files (pikepdf).

WeasyPrint's ``pdf/x-4`` variant labels the file and, given ``@color-profile
device-cmyk``, writes the OutputIntent; what it leaves wrong is fixed here:
- the XMP packet carries a random ``xmpMM:DocumentID`` (uuid4) every build: the metadata is
  written anew (``publisher.xmp``, through pikepdf's metadata API) with ids derived from the
  edition and the page (uuid5), so builds are byte-identical; the trailer /ID is computed
  from the content (pikepdf deterministic_id);
- BleedBox: WeasyPrint's ``bleed`` was set to bleed + mark area (so MediaBox is exact);
  BleedBox is put back at trim + bleed, TrimBox re-stated exactly from the geometry;
- GTS_PDFXVersion also goes into the Info dictionary (WeasyPrint writes it only into XMP
  for X-4), with Trapped /False (pikepdf keeps Info's other entries in step with the XMP);
- the pages of an issue are joined into one file with one OutputIntent.

Before that, each rendered page is made ready for the press (``prepare``):
- **overprint**: text and rules filled or stroked in pure K (DeviceCMYK, C = M = Y = 0)
  overprint (ExtGState ``/OP true /op true /OPM 1``), so a black line over a colour
  needs no registration; everything else, coloured type included, knocks out. The
  ExtGState is set just before each painting operator whose colour asks for a change;
  the content stream is otherwise kept byte for byte (its comments mark what the archive
  cuts outside the trim), so the edit is a list of insertions found by a small tokenizer;
- **image sources**: each photo's XObject gets an XMP packet whose ``dc:source`` names
  its file in the edition (``images/x.jpg``), found by the bytes of its CMYK copy (which
  WeasyPrint embeds unchanged), so the preflight names images by file.
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .. import xmp
from ..fonts import FontSet
from ..makeup.geometry import Geometry, mm_to_pt
from ..pdfjoin import Source, join, read_fonts, share

NAMESPACE = uuid.UUID("8b0f6a8e-2f6e-5b8e-9c57-7075626c6973")  # "publis": ids of our files


@dataclass(frozen=True)
class Meta:
    key: str  # what the file is, e.g. "xnrb-2019-10-21-xianan/print" or ".../print/p01"
    title: str
    author: str
    created: str  # ISO 8601 with zone, from the issue date
    pdfx: str  # "PDF/X-4"
    condition: str  # the OutputIntent's OutputConditionIdentifier, from the house settings


def _set_boxes(page: pikepdf.Page, g: Geometry) -> None:
    """Boxes in WeasyPrint's user space, whose origin is the trim's lower-left corner."""
    w, h = mm_to_pt(g.trim_width), mm_to_pt(g.trim_height)
    b, o = mm_to_pt(g.bleed), mm_to_pt(g.outside)
    page.obj.MediaBox = pikepdf.Array([-o, -o, w + o, h + o])
    page.obj.TrimBox = pikepdf.Array([0, 0, w, h])
    page.obj.BleedBox = pikepdf.Array([-b, -b, w + b, h + b])
    for key in ("/CropBox", "/ArtBox"):
        if key in page.obj:
            del page.obj[key]


# ---------------------------------------------------------------- overprint

# ExtGState resource name -> (/OP for strokes, /op for fills); /OPM 1 in all: with nonzero
# overprint mode a 0 component leaves the plate's ink alone.
OVERPRINT = {f"/PublisherOP{int(s)}{int(f)}": (s, f) for s in (False, True) for f in (False, True)}
_STATE_NAME = {v: k for k, v in OVERPRINT.items()}

_TOKEN = re.compile(rb"""
    (?P<space>[\x00\t\n\x0c\r ]+)
  | (?P<comment>%[^\r\n]*)
  | (?P<dict><<|>>)
  | (?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)
  | (?P<string>\()
  | (?P<array>[\[\]])
  | (?P<name>/[^\x00\t\n\x0c\r /\[\]<>(){}%]*)
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))
  | (?P<word>[A-Za-z'"][A-Za-z0-9'"*]*)
""", re.X)
_FILL_PAINT = {b"f", b"F", b"f*"}
_STROKE_PAINT = {b"S", b"s"}
_BOTH_PAINT = {b"B", b"B*", b"b", b"b*"}
_TEXT_SHOW = {b"Tj", b"TJ", b"'", b'"'}
_PATH_BUILD = {b"m", b"re"}  # what opens a path object; nothing but its own operators may
# stand between it and its painting (or ``n``), so the ExtGState goes before the path
_FILL_MODES, _STROKE_MODES = {0, 2, 4, 6}, {1, 2, 5, 6}  # text rendering modes (Tr)


def _string_end(data: bytes, i: int) -> int:
    """Index after the literal string starting at ``data[i] == '('`` (balanced, escapes)."""
    depth = 0
    while i < len(data):
        c = data[i]
        if c == 0x5C:  # backslash: skip the escaped byte
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unterminated string in a content stream")


# The same tokens, each match one token with the white space and comments before it: read
# by ``finditer`` in one pass over a stream without literal strings (WeasyPrint writes text as
# hex strings), where matching token by token cost a third of ``prepare``.
_SKIPPED = rb"(?>[\x00\t\n\x0c\r ]++|%[^\r\n]*+)*+"
_AFTER_SKIPPED = re.compile(_SKIPPED + rb"""
    (?: (?P<dict><<|>>)
      | (?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)
      | (?P<array>[\[\]])
      | (?P<name>/[^\x00\t\n\x0c\r /\[\]<>(){}%]*)
      | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))
      | (?P<word>[A-Za-z'"][A-Za-z0-9'"*]*) )
""", re.X)
_ONLY_SKIPPED = re.compile(_SKIPPED)


def _tokens(data: bytes):
    """(kind, start, bytes) of each token but white space and comments."""
    if b"(" not in data:
        tokens, at = [], 0
        for m in _AFTER_SKIPPED.finditer(data):
            if m.start() != at:
                break  # something no token starts with: read token by token, which says where
            kind = m.lastgroup
            assert kind is not None  # every alternative is a named group
            tokens.append((kind, m.start(kind), m.group(kind)))
            at = m.end()
        else:
            if _ONLY_SKIPPED.fullmatch(data, at):
                return tokens
    return list(_each_token(data))


def _each_token(data: bytes):
    i, n = 0, len(data)
    while i < n:
        m = _TOKEN.match(data, i)
        if m is None:
            raise ValueError(f"cannot read the content stream at byte {i}: {data[i:i + 20]!r}")
        kind = m.lastgroup
        end = _string_end(data, i) if kind == "string" else m.end()
        if kind not in ("space", "comment"):
            yield kind, i, data[i:end]
        i = end


def _k_only(space: str, colour: tuple[float, ...]) -> bool:
    return (space == "/DeviceCMYK" and len(colour) == 4 and colour[0] == colour[1] == colour[2] == 0
            and colour[3] > 0)


def _overprint_stream(data: bytes, entry: tuple[bool, bool] | None, resources
                      ) -> tuple[bytes, set[str], list[bytes]]:
    """The stream with overprint ExtGStates set before painting; the names used; the form
    XObjects it draws (by resource name), to be treated the same way.

    ``entry`` is the (OP, op) state the stream starts in, None when unknown (a form)."""
    touching = {str(name).encode("latin-1") for name, gs in (resources.get("/ExtGState") or {}).items()
                if any(k in gs for k in ("/OP", "/op", "/OPM"))}
    fill: tuple[float, ...]
    stroke: tuple[float, ...]
    fill_space, fill = "/DeviceGray", (0.0,)
    stroke_space, stroke = "/DeviceGray", (0.0,)
    state, mode = entry, 0
    stack: list = []
    operands: list[bytes] = []
    inserts: list[tuple[int, bytes]] = []
    used: set[str] = set()
    drawn: list[bytes] = []
    depth = 0  # inside an array operand
    begin = None  # where the current operator's operands start: the ExtGState goes there
    path = None  # where the current path object starts
    for kind, start, tok in _tokens(data):
        if begin is None:
            begin = start
        if kind == "array":
            depth += 1 if tok == b"[" else -1
            continue
        if kind != "word" or depth or tok in (b"true", b"false", b"null"):
            if not depth:
                operands.append(tok)
            continue
        op, at, begin = tok, begin, None
        if op == b"BI":
            raise ValueError("inline images are not expected in a rendered page")
        if op in _PATH_BUILD and path is None:
            path = at
        elif op == b"n":
            path = None
        elif op == b"q":
            stack.append((fill_space, fill, stroke_space, stroke, state, mode))
        elif op == b"Q" and stack:
            fill_space, fill, stroke_space, stroke, state, mode = stack.pop()
        elif op in (b"cs", b"CS"):
            space = operands[-1].decode("latin-1") if operands else ""
            initial = (0.0, 0.0, 0.0, 1.0) if space == "/DeviceCMYK" else (0.0,)
            if op == b"cs":
                fill_space, fill = space, initial
            else:
                stroke_space, stroke = space, initial
        elif op in (b"sc", b"scn", b"SC", b"SCN"):
            try:
                values = tuple(float(v) for v in operands)
            except ValueError:  # a pattern name
                values = ()
            if op in (b"sc", b"scn"):
                fill = values
            else:
                stroke = values
        elif op in (b"k", b"K", b"g", b"G", b"rg", b"RG"):
            space = {b"k": "/DeviceCMYK", b"g": "/DeviceGray", b"rg": "/DeviceRGB"}[op.lower()]
            values = tuple(float(v) for v in operands)
            if op.islower():
                fill_space, fill = space, values
            else:
                stroke_space, stroke = space, values
        elif op == b"gs" and operands and operands[-1] in touching:
            state = None  # this ExtGState sets overprint keys of its own: set ours again
        elif op == b"Tr" and operands:
            mode = int(float(operands[-1]))
        elif op == b"Do" and operands:
            drawn.append(operands[-1])
        elif op in _FILL_PAINT or op in _STROKE_PAINT or op in _BOTH_PAINT or op in _TEXT_SHOW:
            if op in _TEXT_SHOW:
                fills, strokes = mode in _FILL_MODES, mode in _STROKE_MODES
            else:
                fills, strokes = op not in _STROKE_PAINT, op not in _FILL_PAINT
            now = state or (False, False)
            want = (_k_only(stroke_space, stroke) if strokes else now[0],
                    _k_only(fill_space, fill) if fills else now[1])
            if want != state:
                name = _STATE_NAME[want]
                inserts.append((at if path is None else path, name.encode() + b" gs "))
                used.add(name)
                state = want
            if op not in _TEXT_SHOW:
                path = None
        operands = []
    if not inserts:
        return data, used, drawn
    out, last = [], 0
    for at, text in inserts:
        out += [data[last:at], text]
        last = at
    out.append(data[last:])
    return b"".join(out), used, drawn


def _add_states(pdf: pikepdf.Pdf, resources, names: set[str]) -> None:
    if not names:
        return
    if "/ExtGState" not in resources:
        resources.ExtGState = pikepdf.Dictionary()
    for name in sorted(names):
        stroke, fill = OVERPRINT[name]
        resources.ExtGState[name] = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.ExtGState, OP=stroke, op=fill, OPM=1))


def _overprint_forms(pdf: pikepdf.Pdf, resources, names: list[bytes], done: set) -> None:
    xobjects = resources.get("/XObject") or {}
    for raw in names:
        xobj = xobjects.get(raw.decode("latin-1"))
        if xobj is None or xobj.get("/Subtype") != pikepdf.Name.Form or xobj.objgen in done:
            continue
        done.add(xobj.objgen)
        data, used, drawn = _overprint_stream(xobj.read_bytes(), None,
                                                 xobj.get("/Resources", resources))
        if used:
            xobj.write(data)
            if "/Resources" not in xobj:
                xobj.Resources = pikepdf.Dictionary()
            _add_states(pdf, xobj.Resources, used)
        _overprint_forms(pdf, xobj.get("/Resources", resources), drawn, done)


def _image_xmp(source: str) -> bytes:
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
            b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:source>'
            + _escape(source).encode("utf-8") +
            b'</dc:source></rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end="r"?>')


def _escape(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped (``xml.sax.saxutils.escape``'s own, without importing
    it: it imports urllib.request, http.client and ssl, about 40 ms of every print build's
    start, the unchanged rebuild's too)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def image_digest(data: bytes) -> str:
    """How ``prepare`` recognises an embedded image: the sha256 of its encoded bytes."""
    return hashlib.sha256(data).hexdigest()


def prepare(data: bytes, sources: dict[str, str]) -> bytes:
    """A rendered page PDF with K-only overprint set and its images named by source file.

    ``sources``: ``image_digest`` of each CMYK copy's bytes -> the source's name."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            resources = page.obj.get("/Resources")
            if resources is None:
                continue
            contents = page.obj.Contents
            streams = [contents] if isinstance(contents, pikepdf.Stream) else list(contents)
            content, used, drawn = _overprint_stream(b"\n".join(c.read_bytes() for c in streams),
                                                     (False, False), resources)
            page.obj.Contents = pdf.make_stream(content)
            _add_states(pdf, resources, used)
            _overprint_forms(pdf, resources, drawn, set())
            for xobj in (resources.get("/XObject") or {}).values():
                if xobj.get("/Subtype") != pikepdf.Name.Image or "/Metadata" in xobj:
                    continue
                source = sources.get(image_digest(xobj.read_raw_bytes()))
                if source:
                    xobj.Metadata = pdf.make_stream(_image_xmp(source), Type=pikepdf.Name.Metadata,
                                                    Subtype=pikepdf.Name.XML)
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True, compress_streams=True)
        return buf.getvalue()


def finish(pages: Sequence[tuple[bytes | Path | Source, Geometry]], meta: Meta, fonts: FontSet | None = None) -> bytes:
    """Join page PDFs (in order; their bytes, their files, or ``pdfjoin.Source``s read ahead:
    opened, their fonts' maps read, while other pages were still rendering) into one PDF/X
    file with exact boxes and fixed ids; with ``fonts`` (the pinned faces), the pages share
    one font program per face and every distinct resource is stored once
    (``publisher.pdfjoin``). Every page is closed once the file is made (a ``Source`` too)."""
    try:
        return _finish(pages, meta, fonts)
    finally:
        for data, _ in pages:
            if isinstance(data, Source):
                data.close()


def _finish(pages: Sequence[tuple[bytes | Path | Source, Geometry]], meta: Meta, fonts: FontSet | None) -> bytes:
    out, sources = join(data for data, _ in pages)
    first = sources[0]
    if "/OutputIntents" not in first.Root:
        raise ValueError("the rendered page has no OutputIntent: the @color-profile was not applied")
    out.Root.OutputIntents = pikepdf.Array(
        [out.copy_foreign(first.make_indirect(oi)) for oi in first.Root.OutputIntents])
    for oi in out.Root.OutputIntents:
        # WeasyPrint names the condition after the profile's file; the plant reads this key.
        oi.OutputConditionIdentifier = pikepdf.String(meta.condition)
        oi.OutputCondition = pikepdf.String(meta.condition)
    for page, (_, g) in zip(out.pages, pages, strict=True):
        _set_boxes(page, g)
    xmp.write(out, {"pdfxid:GTS_PDFXVersion": meta.pdfx, "pdf:Trapped": "False",
                    **xmp.file_properties(namespace=NAMESPACE, key=meta.key, title=meta.title,
                                          author=meta.author, created=meta.created),
                    "xmpMM:VersionID": "1", "xmpMM:RenditionClass": "default"})
    out.docinfo.Trapped = pikepdf.Name("/False")
    out.docinfo.GTS_PDFXVersion = pikepdf.String(meta.pdfx)
    if len(pages) > 1:
        share(out, fonts, read_fonts(out, [data for data, _ in pages if isinstance(data, Source)]))
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, min_version="1.6", compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for src in sources:
        src.close()
    return buf.getvalue()
