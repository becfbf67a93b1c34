"""The XMP metadata of publisher's PDFs, written through pikepdf's metadata API.

Every XMP property a PDF of an issue carries is set here with ``Pdf.open_metadata()``: pikepdf
escapes the values, gives each property the container XMP defines for it (``dc:title`` a
language alternative, ``dc:creator`` a sequence, ``dc:publisher`` a bag) and, where asked,
keeps the document information dictionary in step. No packet is assembled from strings.

- ``issue_properties``: what an archive reads about the issue beyond title and creator
  (Dublin Core publisher, date, language, identifier, source, relations), all predefined in
  PDF/A, so no extension schema is needed for them;
- ``file_properties``: who made the file, when (the issue's closing time), its ids, title
  and creator;
- ``write``: sets properties on an open PDF, with a PDF/UA declaration (``pdfuaid:part`` and
  the extension schema PDF/A requires for it) if asked;
- ``complete``: the same for a PDF's bytes (the reading PDF, as WeasyPrint wrote it).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Mapping

import pikepdf
from lxml import etree
from lxml.builder import ElementMaker

from .engine import WEASYPRINT_VERSION
from .model import Edition

# Who made the PDF files: the XMP's xmp:CreatorTool and pdf:Producer (and the Info
# dictionary's /Creator and /Producer, kept in step by pikepdf).
CREATOR = "publisher"
PRODUCER = f"publisher (WeasyPrint {WEASYPRINT_VERSION}, pikepdf)"

Properties = Mapping[str, object]


def issue_properties(edition: Edition) -> dict[str, object]:
    """Dublin Core of the issue: publisher, date, language, identifier, source, relations."""
    issue = edition.issue
    return {
        "dc:publisher": [edition.paper.publisher],
        "dc:date": [issue.date.isoformat()],
        "dc:language": [edition.paper.language],
        "dc:identifier": edition.id,
        "dc:source": f"{edition.paper.name} {issue.date_zh}"
                     + (f" 总第{issue.number}期" if issue.number else ""),  # the number may be unknown
        "dc:relation": [edition.id] + ([f"总第{issue.number}期"] if issue.number else [])
                       + ([edition.paper.cn] if edition.paper.cn else []),
    }


def file_properties(*, namespace: uuid.UUID, key: str, title: str, author: str,
                    created: str) -> dict[str, object]:
    """Producer, dates, ids (uuid5 of ``key`` in ``namespace``: the same every build), title
    and creator of one file."""
    return {
        "pdf:Producer": PRODUCER,
        "xmp:CreatorTool": CREATOR,
        "xmp:CreateDate": created,
        "xmp:ModifyDate": created,
        "xmp:MetadataDate": created,
        "xmpMM:DocumentID": f"uuid:{uuid.uuid5(namespace, key)}",
        "xmpMM:InstanceID": f"uuid:{uuid.uuid5(namespace, key + '#1')}",
        "dc:format": "application/pdf",
        "dc:title": title,
        "dc:creator": [author],
    }


def write(pdf: pikepdf.Pdf, properties: Properties, *, pdfua: int | None = None,
          docinfo: bool = True) -> None:
    """Set ``properties`` in the XMP of ``pdf`` (an existing packet is kept and extended);
    ``pdfua``: also declare PDF/UA-``pdfua``; ``docinfo``: bring the Info dictionary's
    title, author, creator, producer and dates in step with them."""
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=docinfo, strict=True) as meta:
        if pdfua:
            meta.copy_properties(_PDFUA_EXTENSION, ["pdfaExtension:schemas"], overwrite=True, strict=True)
            properties = {**properties, "pdfuaid:part": pdfua}
        for key, value in properties.items():
            meta[key] = value


def complete(data: bytes, properties: Properties, *, pdfua: int | None = None,
             edit: Callable[[pikepdf.Pdf], None] | None = None) -> bytes:
    """A PDF's bytes with ``properties`` added to its XMP (its Info dictionary as it is),
    saved with an /ID derived from the content, so the same input gives the same bytes;
    ``edit``: anything else to do to the open PDF in the same pass (the reading PDF's
    structure tree). Objects are saved in compressed object streams, those ``edit`` made
    too (the 16-版 reading PDF's structure tree: 1,119 KB instead of 1,308 KB)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if edit is not None:
            edit(pdf)
        write(pdf, properties, pdfua=pdfua, docinfo=False)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _pdfua_extension() -> bytes:
    """An XMP packet holding only the extension schema that describes PDF/UA's
    ``pdfuaid:part``: PDF/A allows properties outside its predefined schemas only when the
    packet describes them (ISO 19005-2, 6.6.2.3). pikepdf's API sets values, not
    structures, so this one is copied from here (``copy_properties``)."""
    ns = {"x": "adobe:ns:meta/", "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
          "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
          "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
          "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#"}
    x, rdf, ext, schema, prop = (ElementMaker(namespace=ns[p], nsmap=ns) for p in
                                 ("x", "rdf", "pdfaExtension", "pdfaSchema", "pdfaProperty"))
    resource = {f"{{{ns['rdf']}}}parseType": "Resource"}
    packet = x.xmpmeta(rdf.RDF(rdf.Description(
        ext.schemas(rdf.Bag(rdf.li(
            schema.schema("PDF/UA Universal Accessibility Schema"),
            schema.namespaceURI("http://www.aiim.org/pdfua/ns/id/"),
            schema.prefix("pdfuaid"),
            schema.property(rdf.Seq(rdf.li(
                prop.name("part"), prop.valueType("Integer"), prop.category("internal"),
                prop.description("Indicates, which part of ISO 14289 standard is followed"),
                **resource))),
            **resource))),
        **{f"{{{ns['rdf']}}}about": ""})))
    return etree.tostring(packet, encoding="utf-8")


_PDFUA_EXTENSION = _pdfua_extension()
