"""PDF/A in the archive: cutting the issue PDF into page PDFs, and checking the claim.

The issue PDF is the reading PDF, written by WeasyPrint as tagged PDF/A-2a that also
declares PDF/UA-1. Page PDFs are cut from it with pikepdf rather than written again by
WeasyPrint (which would re-subset every font for every page: 0.2 s a page against 5 ms):
the pages keep their content streams, resources and embedded font subsets as they are,
and each page PDF gets the issue's document information, language, OutputIntent and XMP
packet — with its claims lowered to what a cut page still is: the structure tree stays
with the issue, so a page PDF declares PDF/A-2b and no PDF/UA. Written with a
deterministic ID, so the cut is reproducible.

``check_pdfa`` is a STRUCTURAL check, not a conformance validation: veraPDF (the
reference PDF/A validator) cannot be installed from the registries reachable here. It
checks what can go wrong in our pipeline: not encrypted, an XMP packet that declares
pdfaid part and conformance, a PDF/A OutputIntent with an embedded ICC profile, and every
font embedded.
"""

from __future__ import annotations

import io

import pikepdf
from lxml import etree

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def split_pages(pdf: bytes, groups: list[list[int]]) -> list[bytes]:
    """One PDF per group of 0-based page indexes of ``pdf``, keeping its PDF/A metadata."""
    out = []
    with pikepdf.open(io.BytesIO(pdf)) as src:
        for indexes in groups:
            dst = pikepdf.new()
            for i in indexes:
                dst.pages.append(src.pages[i])
            _carry_metadata(src, dst)
            buf = io.BytesIO()
            dst.save(buf, deterministic_id=True, min_version=src.pdf_version,
                     object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                     compress_streams=True)
            out.append(buf.getvalue())
    return out


def _carry_metadata(src: pikepdf.Pdf, dst: pikepdf.Pdf) -> None:
    root = src.Root
    if "/Metadata" in root:
        dst.Root.Metadata = dst.make_stream(untagged_xmp(root.Metadata.read_bytes()),
                                            Type=pikepdf.Name.Metadata,
                                            Subtype=pikepdf.Name("/XML"))
    if "/OutputIntents" in root:
        dst.Root.OutputIntents = dst.copy_foreign(_indirect(src, root.OutputIntents))
    if "/Lang" in root:
        dst.Root.Lang = root.Lang
    info = src.trailer.get("/Info")
    if info is not None:
        dst.trailer.Info = dst.copy_foreign(_indirect(src, info))
    # links to other pages of the issue point nowhere in a page PDF
    for page in dst.pages:
        if "/Annots" in page.obj:
            keep = [a for a in page.obj.Annots if "/Dest" not in a and not _goto(a)]
            page.obj.Annots = pikepdf.Array(keep)


PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"


def untagged_xmp(packet: bytes) -> bytes:
    """The XMP packet for a PDF without structure tree: PDF/A level B, no PDF/UA claim."""
    start, end = packet.find(b"<x:xmpmeta"), packet.rfind(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    meta = etree.fromstring(packet[start:end], etree.XMLParser(no_network=True,
                                                               resolve_entities=False))
    for desc in list(meta.iter(f"{{{RDF}}}Description")):
        if desc.get(f"{{{PDFUAID}}}part") is not None or desc.find(
                f"{{{PDFA_EXTENSION}}}schemas") is not None:
            desc.getparent().remove(desc)
        elif desc.get(f"{{{PDFAID}}}conformance") in ("A", "U"):
            desc.set(f"{{{PDFAID}}}conformance", "B")
    return packet[:start] + etree.tostring(meta, encoding="utf-8") + packet[end:]


def _indirect(pdf: pikepdf.Pdf, obj):
    # pikepdf copies only indirect objects between files
    return obj if obj.is_indirect else pdf.make_indirect(obj)


def _goto(annot) -> bool:
    action = annot.get("/A")
    return action is not None and action.get("/S") == pikepdf.Name.GoTo


def check_pdfa(data: bytes) -> list[str]:
    """What is structurally wrong with ``data`` as a PDF/A-2 file (empty: nothing found)."""
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
        xmp = etree.fromstring(raw[start:end + len(b"</x:xmpmeta>")],
                               etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [f"the XMP metadata is not well-formed: {exc}"]
    part = conformance = None
    for desc in xmp.iter(f"{{{RDF}}}Description"):
        part = part or desc.get(f"{{{PDFAID}}}part") or desc.findtext(f"{{{PDFAID}}}part")
        conformance = conformance or desc.get(f"{{{PDFAID}}}conformance") or desc.findtext(
            f"{{{PDFAID}}}conformance")
    if part != "2" or conformance not in ("B", "U", "A"):
        return [f"the XMP does not declare PDF/A-2 (pdfaid:part={part}, "
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
