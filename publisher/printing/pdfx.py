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
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import pikepdf

from .. import xmp
from .geometry import Geometry, mm_to_pt

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
    xmp.write(out, {"pdfxid:GTS_PDFXVersion": meta.pdfx, "pdf:Trapped": "False",
                    **xmp.file_properties(namespace=NAMESPACE, key=meta.key, title=meta.title,
                                          author=meta.author, created=meta.created),
                    "xmpMM:VersionID": "1", "xmpMM:RenditionClass": "default"})
    out.docinfo.Trapped = pikepdf.Name("/False")
    out.docinfo.GTS_PDFXVersion = pikepdf.String(meta.pdfx)
    buf = io.BytesIO()
    out.save(buf, deterministic_id=True, min_version="1.6", compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    for src in sources:
        src.close()
    return buf.getvalue()
