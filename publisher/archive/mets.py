"""The issue's METS file: every file of the package, the pages in order, the articles.

- ``dmdSec``: the issue described in Dublin Core (paper, date, issue number, language,
  publisher), and one per article (its title and 版);
- ``fileSec``: every payload file, grouped by use, each with its size and SHA-256, so
  METS alone can check the files it names;
- physical ``structMap``: the issue, then each 版 in order with its page PDF and ALTO;
- logical ``structMap``: the issue, then each article with its NITF file and its parts
  (引题 kicker, 主题 headline, 副题 subtitle, byline, body, subheads, captions, and the
  jump lines 上接/下转 of an article continued on another 版), each part
  pointing at its ALTO TextBlocks with ``area BETYPE="IDREF"``;
- ``structLink``: each article to the 版 it is printed on (more than one when it jumps).

Dates come from the issue, never the clock, so the file is reproducible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import etree

from ..model import Edition
from .pages import ArchivePage

NS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DC = "http://purl.org/dc/elements/1.1/"
SCHEMA_LOCATION = f"{NS} http://www.loc.gov/standards/mets/mets.xsd"

# Logical parts in the order a reader meets them, with the Chinese name in LABEL.
PARTS = (("kicker", "KICKER", "引题"), ("headline", "HEADLINE", "主题"),
         ("subtitle", "SUBTITLE", "副题"), ("byline", "BYLINE", "署名"),
         ("body", "BODY", "正文"), ("subhead", "SUBHEAD", "小标题"),
         ("caption", "CAPTION", "图片说明"), ("jump", "JUMP", "转版"))


@dataclass(frozen=True)
class FileEntry:
    id: str  # XML id, e.g. PDF_p01
    href: str  # relative to the METS file
    use: str  # the fileGrp it belongs to
    mimetype: str
    data: bytes


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


def build_mets(edition: Edition, pages: tuple[ArchivePage, ...], files: list[FileEntry],
               version: str) -> bytes:
    created = edition.issue.closing_time.isoformat()
    root = etree.Element(_q("mets"), nsmap={"mets": NS, "xlink": XLINK, "xsi": XSI, "dc": DC})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    root.set("OBJID", edition.id)
    root.set("TYPE", "newspaper issue")
    root.set("LABEL", edition.title)

    hdr = etree.SubElement(root, _q("metsHdr"), CREATEDATE=created)
    org = etree.SubElement(hdr, _q("agent"), ROLE="CREATOR", TYPE="ORGANIZATION")
    etree.SubElement(org, _q("name")).text = edition.paper.publisher
    sw = etree.SubElement(hdr, _q("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    etree.SubElement(sw, _q("name")).text = f"publisher {version}"

    _dc(root, "DMD_ISSUE", [
        ("title", edition.title), ("publisher", edition.paper.publisher),
        ("date", edition.issue.date.isoformat()), ("language", edition.paper.language),
        ("identifier", edition.id),
        *([("identifier", f"总第{edition.issue.number}期")] if edition.issue.number else []),
        *([("identifier", edition.paper.cn)] if edition.paper.cn else []),
        *([("identifier", f"ISSN {edition.paper.issn}")] if edition.paper.issn else []),
        ("type", "newspaper issue")])
    for page in edition.pages:
        for article in page.articles:
            _dc(root, f"DMD_{article.slug}", [
                ("title", article.title), ("type", "article"),
                ("coverage", f"{page.display_label} {page.name}"),
                ("language", edition.paper.language)])

    sec = etree.SubElement(root, _q("fileSec"))
    groups: dict[str, etree._Element] = {}
    for f in files:
        grp = groups.get(f.use)
        if grp is None:
            grp = groups[f.use] = etree.SubElement(sec, _q("fileGrp"), USE=f.use)
        fel = etree.SubElement(grp, _q("file"), ID=f.id, MIMETYPE=f.mimetype, SIZE=str(len(f.data)),
                               CHECKSUM=hashlib.sha256(f.data).hexdigest(), CHECKSUMTYPE="SHA-256")
        loc = etree.SubElement(fel, _q("FLocat"), LOCTYPE="URL")
        loc.set(_q("href", XLINK), f.href)
        loc.set(_q("type", XLINK), "simple")

    phys = etree.SubElement(root, _q("structMap"), TYPE="PHYSICAL")
    issue = etree.SubElement(phys, _q("div"), TYPE="issue", LABEL=edition.title, DMDID="DMD_ISSUE")
    ids = {f.id for f in files}
    for order, sheet in enumerate(pages, start=1):
        div = etree.SubElement(issue, _q("div"), ID=f"PHYS_{sheet.name}", TYPE="page",
                               ORDER=str(order), ORDERLABEL=sheet.page.display_label,
                               LABEL=f"{sheet.page.display_label} {sheet.page.name}")
        for fid in (f"PDF_{sheet.name}", f"ALTO_{sheet.name}"):
            if fid in ids:
                etree.SubElement(div, _q("fptr"), FILEID=fid)

    log = etree.SubElement(root, _q("structMap"), TYPE="LOGICAL")
    issue = etree.SubElement(log, _q("div"), ID="LOG_ISSUE", TYPE="issue", LABEL=edition.title,
                             DMDID="DMD_ISSUE")
    links: list[tuple[str, str]] = []
    order = 0
    for home in pages:
        for article in home.page.articles:
            order += 1
            aid = f"a-{article.slug}"
            adiv = etree.SubElement(issue, _q("div"), ID=f"LOG_{article.slug}", TYPE="article",
                                    ORDER=str(order), LABEL=article.title,
                                    DMDID=f"DMD_{article.slug}")
            if f"NITF_{article.slug}" in ids:
                etree.SubElement(adiv, _q("fptr"), FILEID=f"NITF_{article.slug}")
            # an article cut by a jump line (下转/上接) has blocks on more than one 版
            blocks = [(apage, b) for apage in pages for s in apage.sheets for b in s.blocks
                      if b.article == aid]
            for role, kind, label in PARTS:
                mine = [(apage, b) for apage, b in blocks if b.role == role]
                if not mine:
                    continue
                pdiv = etree.SubElement(adiv, _q("div"), ID=f"LOG_{article.slug}_{role}",
                                        TYPE=kind, LABEL=label)
                fptr = etree.SubElement(pdiv, _q("fptr"))
                seq = etree.SubElement(fptr, _q("seq"))
                for apage, b in mine:
                    etree.SubElement(seq, _q("area"), FILEID=f"ALTO_{apage.name}", BEGIN=b.id,
                                     BETYPE="IDREF")
            on = [home] + [p for p in pages if p is not home and any(q is p for q, _ in blocks)]
            links.extend((f"LOG_{article.slug}", f"PHYS_{p.name}") for p in on)

    if links:
        sl = etree.SubElement(root, _q("structLink"))
        for frm, to in links:
            link = etree.SubElement(sl, _q("smLink"))
            link.set(_q("from", XLINK), frm)
            link.set(_q("to", XLINK), to)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _dc(root, dmd_id: str, fields: list[tuple[str, str]]) -> None:
    dmd = etree.SubElement(root, _q("dmdSec"), ID=dmd_id)
    wrap = etree.SubElement(dmd, _q("mdWrap"), MDTYPE="DC")
    data = etree.SubElement(wrap, _q("xmlData"))
    for name, value in fields:
        etree.SubElement(data, _q(name, DC)).text = value
