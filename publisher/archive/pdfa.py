"""PDF/A in the archive: the printed pages made archival, and checking the claim.

The archive's pages are the newspaper's pages as printed: the PDF/X-4 pages of the print
build (``publisher.printing``), one per 版, each rendered and written once. A print page
is a press sheet: trim plus bleed plus crop marks and a slug line outside it. An archive
page is the newspaper page: ``archival_pdf`` makes each page's MediaBox its TrimBox and
cuts out of its content stream what was drawn outside the trim (crop marks, slug: marked
while drawing, see ``publisher.engine.strip_outside_trim``), so nothing hides beyond
the page edge; bleed that runs past the trim is clipped by the MediaBox, as the knife
cuts it. The colours stay as printed (CMYK): the OutputIntent is the print's (the plant's
CMYK profile, embedded), declared ``GTS_PDFA1``. The print's metadata is replaced by PDF/A
metadata (``publisher.xmp``, through pikepdf's metadata API: pdfaid part and level B,
Dublin Core title, creator, and the issue's publisher, date, language and identifiers),
the document information dictionary kept in step with it by pikepdf, and the ids derived
from the edition (uuid5) with a content-derived trailer /ID, so the files are
byte-reproducible.

The issue PDF is the same treatment of the print build's joined issue. With
``attachments`` it is PDF/A-3b: each source file embedded with ``/AFRelationship
/Source`` and listed in the catalogue's ``/AF`` (ISO 19005-3 associated files).

``check_pdfa`` is a STRUCTURAL check, not a conformance validation: veraPDF (the
reference PDF/A validator) cannot be installed from the registries reachable here. It
checks what can go wrong in our pipeline: not encrypted, an XMP packet that declares
pdfaid part and conformance, a PDF/A OutputIntent with an embedded ICC profile, and every
font embedded.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import pikepdf
from lxml import etree
from pikepdf.models.metadata import encode_pdf_date

from .. import xmp
from ..engine import strip_outside_trim

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NAMESPACE = uuid.UUID("0b6c3c1e-5a35-5d5e-8f0e-617263686976")  # ids of archive files


@dataclass(frozen=True)
class PdfaMeta:
    key: str  # what the file is, e.g. "xnrb-2019-10-21-xianan/archive/p01": its ids
    title: str
    author: str  # the publisher
    created: str  # ISO 8601 with zone: when the archive made this file (archive.build.made_at)
    language: str
    issue: Mapping[str, object]  # the issue's XMP properties (xmp.issue_properties)


@dataclass(frozen=True)
class Attachment:
    name: str  # path in the edition folder
    data: bytes
    mimetype: str


def archival_pdf(pdfx: bytes, meta: PdfaMeta, attachments: tuple[Attachment, ...] = ()) -> bytes:
    """A print PDF/X file as PDF/A-2b (PDF/A-3b with ``attachments``), cut to its trim."""
    part = 3 if attachments else 2
    with pikepdf.open(io.BytesIO(pdfx)) as pdf:
        for page in pdf.pages:
            _to_trim(pdf, page)
        intents = pdf.Root.get("/OutputIntents")
        if not intents:
            raise ValueError("the print PDF has no OutputIntent to declare for PDF/A")
        for intent in intents:
            intent.S = pikepdf.Name("/GTS_PDFA1")
        # The print's metadata says PDF/X: PDF/A metadata replaces it, Info included.
        del pdf.Root.Metadata
        pdf.docinfo = pdf.make_indirect(pikepdf.Dictionary())
        xmp.write(pdf, {"pdfaid:part": part, "pdfaid:conformance": "B",
                        **xmp.file_properties(namespace=NAMESPACE, key=meta.key, title=meta.title,
                                              author=meta.author, created=meta.created),
                        **meta.issue})
        pdf.Root.Lang = pikepdf.String(meta.language)
        if attachments:
            _attach(pdf, attachments, encode_pdf_date(datetime.datetime.fromisoformat(meta.created)))
        buf = io.BytesIO()
        pdf.save(buf, deterministic_id=True, min_version="1.7", compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buf.getvalue()


def _to_trim(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
    obj = page.obj
    trim = obj.get("/TrimBox")
    if trim is None:
        raise ValueError("a print page without TrimBox: its trim is unknown")
    obj.MediaBox = pikepdf.Array(list(trim))
    for key in ("/BleedBox", "/CropBox", "/ArtBox"):
        if key in obj:
            del obj[key]
    contents = obj.get("/Contents")
    parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    data = b"\n".join(p.read_bytes() for p in parts if p is not None)
    data, _cuts = strip_outside_trim(data)
    obj.Contents = pdf.make_stream(data)


def _attach(pdf: pikepdf.Pdf, attachments: tuple[Attachment, ...], date: str) -> None:
    specs = []
    names = pikepdf.Array()
    for att in sorted(attachments, key=lambda a: a.name):
        stream = pdf.make_stream(att.data, Type=pikepdf.Name.EmbeddedFile,
                                 Subtype=pikepdf.Name("/" + att.mimetype))
        stream.Params = pikepdf.Dictionary(Size=len(att.data), ModDate=pikepdf.String(date),
                                           CheckSum=pikepdf.String(hashlib.md5(att.data).digest()))
        spec = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=pikepdf.String(att.name), UF=pikepdf.String(att.name),
            Desc=pikepdf.String("edition source, as built"),
            AFRelationship=pikepdf.Name("/Source"),
            EF=pikepdf.Dictionary(F=stream, UF=stream)))
        specs.append(spec)
        names.append(pikepdf.String(att.name))
        names.append(spec)
    pdf.Root.AF = pdf.make_indirect(pikepdf.Array(specs))
    root_names = pdf.Root.get("/Names")
    if root_names is None:
        pdf.Root.Names = root_names = pikepdf.Dictionary()
    root_names.EmbeddedFiles = pdf.make_indirect(pikepdf.Dictionary(Names=names))



def check_pdfa(data: bytes) -> list[str]:
    """What is structurally wrong with ``data`` as a PDF/A-2 or -3 file (empty: nothing found)."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        return ["the PDF is encrypted (PDF/A forbids encryption)"]
    except pikepdf.PdfError as exc:
        return [f"not a readable PDF: {exc}"]
    problems = []
    with pdf:
        if pdf.is_encrypted:
            problems.append("the PDF is encrypted (PDF/A forbids encryption)")
        problems += _check_xmp(pdf)
        problems += _check_intent(pdf)
        problems += _check_fonts(pdf)
    return problems


def _check_xmp(pdf: pikepdf.Pdf) -> list[str]:
    if "/Metadata" not in pdf.Root:
        return ["no XMP metadata stream (PDF/A needs one)"]
    raw = pdf.Root.Metadata.read_bytes()
    start, end = raw.find(b"<x:xmpmeta"), raw.rfind(b"</x:xmpmeta>")
    try:
        packet = etree.fromstring(raw[start:end + len(b"</x:xmpmeta>")],
                                  etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [f"the XMP metadata is not well-formed: {exc}"]
    part = conformance = None
    for desc in packet.iter(f"{{{RDF}}}Description"):
        part = part or desc.get(f"{{{PDFAID}}}part") or desc.findtext(f"{{{PDFAID}}}part")
        conformance = conformance or desc.get(f"{{{PDFAID}}}conformance") or desc.findtext(
            f"{{{PDFAID}}}conformance")
    if part not in ("2", "3") or conformance not in ("B", "U", "A"):
        return [f"the XMP does not declare PDF/A-2 or PDF/A-3 (pdfaid:part={part}, "
                f"pdfaid:conformance={conformance})"]
    return []


def _check_intent(pdf: pikepdf.Pdf) -> list[str]:
    intents = pdf.Root.get("/OutputIntents")
    if not intents:
        return ["no OutputIntent (PDF/A needs one with an ICC profile)"]
    for intent in intents:
        if intent.get("/S") == pikepdf.Name("/GTS_PDFA1") and "/DestOutputProfile" in intent:
            return []
    return ["no GTS_PDFA1 OutputIntent with an embedded ICC profile"]


def _check_fonts(pdf: pikepdf.Pdf) -> list[str]:
    missing: set[str] = set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        if fonts is None:
            continue
        for _name, font in fonts.items():
            for f in [font, *(font.get("/DescendantFonts") or [])]:
                if f.get("/Subtype") in (pikepdf.Name.Type0, pikepdf.Name.Type3):
                    continue  # a Type0 font's data is in its descendant; Type3 is drawn
                desc = f.get("/FontDescriptor")
                if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    missing.add(str(f.get("/BaseFont", "?")))
    return [f"font not embedded: {name}" for name in sorted(missing)]
