"""Making WeasyPrint's per-page PDFs into true, reproducible PDF/X-4 files (pikepdf).

WeasyPrint's ``pdf/x-4`` variant labels the file and, given ``@color-profile
device-cmyk``, writes the OutputIntent; what it leaves wrong is fixed here:
- the XMP packet carries a random ``xmpMM:DocumentID`` (uuid4) every build: the packet is
  rewritten with ids derived from the edition and the page (uuid5), so builds are
  byte-identical; the trailer /ID is computed from the content (pikepdf deterministic_id);
- BleedBox: WeasyPrint's ``bleed`` was set to bleed + mark area (so MediaBox is exact);
  BleedBox is put back at trim + bleed, TrimBox re-stated exactly from the geometry;
- GTS_PDFXVersion also goes into the Info dictionary (WeasyPrint writes it only into XMP
  for X-4), with Trapped /False;
- the pages of an issue are joined into one file with one OutputIntent.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pikepdf

from ..engine import WEASYPRINT_VERSION
from .geometry import Geometry, mm_to_pt

NAMESPACE = uuid.UUID("8b0f6a8e-2f6e-5b8e-9c57-7075626c6973")  # "publis": ids of our files
# Who made the PDF files publisher finishes with pikepdf (print and archive): the Info
# dictionary's /Creator and /Producer and the XMP's xmp:CreatorTool and pdf:Producer.
CREATOR = "publisher"
PRODUCER = f"publisher (WeasyPrint {WEASYPRINT_VERSION}, pikepdf)"


@dataclass(frozen=True)
class Meta:
    key: str  # what the file is, e.g. "xnrb-2019-10-21-xianan/print" or ".../print/p01"
    title: str
    author: str
    created: str  # ISO 8601 with zone, from the issue date
    pdfx: str  # "PDF/X-4"
    condition: str  # the OutputIntent's OutputConditionIdentifier, from the house settings


def pdf_date(iso: str) -> str:
    """An ISO 8601 time as a PDF date string (Info dictionary).

    2019-10-21T05:00:00+08:00 -> D:20191021050000+08'00'
    """
    date, time = iso.split("T")
    clock, zone = time[:8], time[8:]
    return "D:" + date.replace("-", "") + clock.replace(":", "") + zone[:3] + "'" + zone[4:6] + "'"


def _xmp(meta: Meta) -> bytes:
    doc_id = uuid.uuid5(NAMESPACE, meta.key)
    inst_id = uuid.uuid5(NAMESPACE, meta.key + "#1")
    rdf = f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/" xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<pdfxid:GTS_PDFXVersion>{meta.pdfx}</pdfxid:GTS_PDFXVersion>
<pdf:Trapped>False</pdf:Trapped>
<pdf:Producer>{escape(PRODUCER)}</pdf:Producer>
<xmp:CreatorTool>{escape(CREATOR)}</xmp:CreatorTool>
<xmp:CreateDate>{meta.created}</xmp:CreateDate>
<xmp:ModifyDate>{meta.created}</xmp:ModifyDate>
<xmp:MetadataDate>{meta.created}</xmp:MetadataDate>
<xmpMM:DocumentID>uuid:{doc_id}</xmpMM:DocumentID>
<xmpMM:InstanceID>uuid:{inst_id}</xmpMM:InstanceID>
<xmpMM:VersionID>1</xmpMM:VersionID>
<xmpMM:RenditionClass>default</xmpMM:RenditionClass>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(meta.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{escape(meta.author)}</rdf:li></rdf:Seq></dc:creator>
</rdf:Description>
</rdf:RDF>"""
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' + rdf.encode("utf-8") +
            b"\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")


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


def finish(pages: list[tuple[bytes, Geometry]], meta: Meta) -> bytes:
    """Join page PDFs (in order) into one PDF/X file with exact boxes and fixed ids."""
    out = pikepdf.new()
    sources = []
    for data, _ in pages:
        src = pikepdf.open(io.BytesIO(data))
        sources.append(src)
        out.pages.extend(src.pages)
    first = sources[0]
    if "/OutputIntents" not in first.Root:
        raise ValueError("the rendered page has no OutputIntent: the @color-profile was not applied")
    out.Root.OutputIntents = pikepdf.Array(
        [out.copy_foreign(first.make_indirect(oi)) for oi in first.Root.OutputIntents])
    for oi in out.Root.OutputIntents:
        # WeasyPrint names the condition after the profile's file; the plant reads this key.
        oi.OutputConditionIdentifier = pikepdf.String(meta.condition)
        oi.OutputCondition = pikepdf.String(meta.condition)
    for page, (_, g) in zip(out.pages, pages):
        _set_boxes(page, g)
    out.Root.Metadata = out.make_stream(_xmp(meta), Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)
    date = pdf_date(meta.created)
    out.docinfo = out.make_indirect(pikepdf.Dictionary(
        Title=pikepdf.String(meta.title), Author=pikepdf.String(meta.author),
        Creator=pikepdf.String(CREATOR), Producer=pikepdf.String(PRODUCER),
        CreationDate=pikepdf.String(date), ModDate=pikepdf.String(date),
        Trapped=pikepdf.Name("/False"),
        GTS_PDFXVersion=pikepdf.String(meta.pdfx)))
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, min_version="1.6", compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for src in sources:
        src.close()
    return buf.getvalue()
