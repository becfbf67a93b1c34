"""The issue's METS file: every file of the package, the pages in order, the articles in
reading order, who made it from what and when.

- ``metsHdr``: when the package was made (``Provenance.made``), by whom (the house's
  organisation) and with what (publisher and its version);
- ``dmdSec``: MODS for the issue (the paper as host with its identifiers — ISSN, CN, LCCN
  where one exists —, volume, issue number 总第N期, edition; date issued, publisher,
  language) and for each article (headline, kicker as an alternative title, subtitle,
  the authors of its byline with their roles, the 版 and section it is printed on, pages,
  language, its kind);
- ``amdSec``: PREMIS 3 for provenance (``digiprovMD``): every source file of the edition
  with its size and SHA-256, the event that made the package from them (when, with which
  software and version, by which organisation), and those agents;
- ``fileSec``: every payload file, grouped by use, each with its size and SHA-256, so METS
  alone can check the files it names;
- physical ``structMap``: the issue (its PDF and EPUB), then each 版 in order with its page
  PDF and ALTO;
- logical ``structMap``: the issue (edition.toml), each 版 as a section, each article on
  it (its NITF and source file) and, in reading order, its parts: kicker 引题, headline
  主题, subtitle 副题, byline, each paragraph, subhead and caption where it stands, each
  photo (its image file and its ALTO Illustration), each brief of a 简讯 column, and the
  jump lines 上接/下转 of an article continued on another 版; every part points at its ALTO
  blocks with ``area BETYPE="IDREF"`` — so every file is in a structure map;
- ``structLink``: each article to the 版 it is printed on (more than one when it jumps).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lxml import etree

from ..model import Article, Edition
from .pages import ArchivePage, Block, PagePicture

NS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MODS = "http://www.loc.gov/mods/v3"
PREMIS = "http://www.loc.gov/premis/v3"
SCHEMA_LOCATION = (f"{NS} http://www.loc.gov/standards/mets/mets.xsd "
                   f"{MODS} http://www.loc.gov/standards/mods/v3/mods-3-6.xsd "
                   f"{PREMIS} http://www.loc.gov/standards/premis/v3/premis.xsd")

# Logical parts: the TYPE of their div, and its LABEL.
PART_TYPES = {
    "kicker": ("KICKER", "引题"), "headline": ("HEADLINE", "主题"),
    "subtitle": ("SUBTITLE", "副题"), "byline": ("BYLINE", "署名"),
    "body": ("PARAGRAPH", "段落"), "subhead": ("SUBHEAD", "小标题"),
    "caption": ("CAPTION", "图片说明"), "brief": ("BRIEF", "简讯"),
    "jump": ("JUMP", "转版"), "illustration": ("ILLUSTRATION", "图片"),
}
HEAD_ROLES = ("kicker", "headline", "subtitle", "byline")


@dataclass(frozen=True)
class FileEntry:
    id: str  # XML id, e.g. PDF_p01
    href: str  # relative to the METS file
    use: str  # the fileGrp it belongs to
    mimetype: str
    data: bytes


@dataclass(frozen=True)
class Provenance:
    """Who made the package, when, with what."""

    made: str  # ISO 8601 with zone: SOURCE_DATE_EPOCH or the clock (archive.build.made_at)
    organisation: str
    contact: tuple[tuple[str, str], ...]  # (what, value): the house's contact fields
    software: str  # "publisher"
    version: str


def _q(tag: str, ns: str = NS) -> str:
    return f"{{{ns}}}{tag}"


def _sub(parent, tag: str, text: str | None = None, ns: str = NS, **attrs) -> etree._Element:
    el = etree.SubElement(parent, _q(tag, ns), {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def build_mets(edition: Edition, pages: tuple[ArchivePage, ...], files: list[FileEntry],
               prov: Provenance) -> bytes:
    root = etree.Element(_q("mets"), nsmap={"mets": NS, "mods": MODS, "premis": PREMIS,
                                             "xlink": XLINK, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    root.set("OBJID", edition.id)
    root.set("TYPE", "newspaper issue")
    root.set("LABEL", edition.title)

    hdr = _sub(root, "metsHdr", CREATEDATE=prov.made)
    org = _sub(hdr, "agent", ROLE="CREATOR", TYPE="ORGANIZATION")
    _sub(org, "name", prov.organisation)
    for what, value in prov.contact:
        _sub(org, "note", f"{what}: {value}")
    sw = _sub(hdr, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(sw, "name", f"{prov.software} {prov.version}")

    _dmd(root, "DMD_ISSUE", issue_mods(edition, len(pages), prov.made, prov.organisation))
    by_page = {p.page.number: p for p in pages}
    order = 0
    for page in edition.pages:
        for article in page.articles:
            order += 1
            printed = [p for p in pages if _blocks_of(p, article)]
            _dmd(root, f"DMD_{article.slug}", article_mods(edition, page, article, order, printed))
    sources = [f for f in files if f.use == "SOURCE"]
    amd = _sub(root, "amdSec", ID="AMD")
    digiprov = _sub(amd, "digiprovMD", ID="DIGIPROV_BUILD")
    wrap = _sub(digiprov, "mdWrap", MDTYPE="PREMIS", LABEL="provenance of the package")
    _sub(wrap, "xmlData").append(premis(edition, sources, prov))

    sec = _sub(root, "fileSec")
    groups: dict[str, etree._Element] = {}
    for f in files:
        grp = groups.get(f.use)
        if grp is None:
            grp = groups[f.use] = _sub(sec, "fileGrp", USE=f.use)
        fel = _sub(grp, "file", ID=f.id, MIMETYPE=f.mimetype, SIZE=str(len(f.data)),
                   CHECKSUM=hashlib.sha256(f.data).hexdigest(), CHECKSUMTYPE="SHA-256",
                   ADMID="DIGIPROV_BUILD")
        loc = _sub(fel, "FLocat", LOCTYPE="URL")
        loc.set(_q("href", XLINK), f.href)
        loc.set(_q("type", XLINK), "simple")
    ids = {f.id for f in files}

    phys = _sub(root, "structMap", TYPE="PHYSICAL", LABEL="the issue as printed")
    issue = _sub(phys, "div", ID="PHYS_ISSUE", TYPE="issue", LABEL=edition.title,
                 DMDID="DMD_ISSUE")
    for fid in ("ISSUE_PDF", "ISSUE_EPUB"):
        if fid in ids:
            _sub(issue, "fptr", FILEID=fid)
    for n, sheet in enumerate(pages, start=1):
        div = _sub(issue, "div", ID=f"PHYS_{sheet.name}", TYPE="page", ORDER=str(n),
                   ORDERLABEL=sheet.page.display_label,
                   LABEL=f"{sheet.page.display_label} {sheet.page.name}")
        for fid in (f"PDF_{sheet.name}", f"ALTO_{sheet.name}"):
            if fid in ids:
                _sub(div, "fptr", FILEID=fid)

    source_ids = {f.href.removeprefix("sources/"): f.id for f in sources}
    log = _sub(root, "structMap", TYPE="LOGICAL", LABEL="the issue's articles in reading order")
    issue = _sub(log, "div", ID="LOG_ISSUE", TYPE="issue", LABEL=edition.title,
                 DMDID="DMD_ISSUE")
    if "edition.toml" in source_ids:
        _sub(issue, "fptr", FILEID=source_ids["edition.toml"])
    links: list[tuple[str, str]] = []
    order = 0
    for page in edition.pages:
        home = by_page[page.number]
        section = _sub(issue, "div", ID=f"LOG_SECTION_{home.name}", TYPE="section",
                       ORDER=str(page.number), ORDERLABEL=page.display_label, LABEL=page.name)
        for article in page.articles:
            order += 1
            adiv = _sub(section, "div", ID=f"LOG_{article.slug}", TYPE="article",
                        ORDER=str(order), LABEL=article.title, DMDID=f"DMD_{article.slug}")
            if f"NITF_{article.slug}" in ids:
                _sub(adiv, "fptr", FILEID=f"NITF_{article.slug}")
            if article.source is not None and edition.root is not None:
                rel = _relative(edition, article.source.path)
                if rel in source_ids:
                    _sub(adiv, "fptr", FILEID=source_ids[rel])
            on = _parts(adiv, edition, pages, home, article, source_ids)
            links.extend((f"LOG_{article.slug}", f"PHYS_{p.name}") for p in on)

    if links:
        sl = _sub(root, "structLink")
        for frm, to in links:
            link = _sub(sl, "smLink")
            link.set(_q("from", XLINK), frm)
            link.set(_q("to", XLINK), to)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _relative(edition: Edition, path) -> str | None:
    if edition.root is None:
        return None
    try:
        return path.resolve().relative_to(edition.root.resolve()).as_posix()
    except ValueError:
        return None


def _blocks_of(page: ArchivePage, article: Article) -> list[Block]:
    aid = f"a-{article.slug}"
    return [b for s in page.sheets for b in s.blocks if b.article == aid]


def _parts(adiv, edition: Edition, pages: tuple[ArchivePage, ...], home: ArchivePage,
           article: Article, source_ids: dict[str, str]) -> list[ArchivePage]:
    """The article's parts in reading order, one div each, on every 版 it is printed on
    (its home 版 first, then where it jumps to); returns those 版."""
    aid = f"a-{article.slug}"
    on = [home] + [p for p in pages if p is not home and _blocks_of(p, article)]
    n = 0
    for apage in on:
        continued = apage is not home
        for sheet in apage.sheets:
            in_caption = {c: p for p in sheet.pictures for c in p.captions}
            # a part is a paragraph: consecutive blocks of one paragraph (a paragraph that
            # runs on into the next column is two blocks)
            groups: list[tuple[str, list[Block]]] = []
            for block in sheet.blocks:
                if block.article != aid:
                    continue
                role = block.role
                if continued and role in HEAD_ROLES:
                    role = "jump"  # the continued head (上接第N版 and the headline again)
                if groups and groups[-1][1][-1].paragraph == block.paragraph \
                        and groups[-1][0] == role and block.paragraph is not None:
                    groups[-1][1].append(block)
                else:
                    groups.append((role, [block]))
            for role, blocks in groups:
                pic = in_caption.get(blocks[0].id)
                if pic is not None and pic.captions[0] == blocks[0].id:
                    n += 1
                    _illustration(adiv, article, n, apage, pic, source_ids, edition)
                n += 1
                kind, label = PART_TYPES[role]
                pdiv = _sub(adiv, "div", ID=f"LOG_{article.slug}_{n:03d}", TYPE=kind,
                            ORDER=str(n), LABEL=label)
                _areas(pdiv, apage, [b.id for b in blocks])
            for pic in sheet.pictures:
                if pic.article == aid and not pic.captions:
                    n += 1
                    _illustration(adiv, article, n, apage, pic, source_ids, edition)
    return on


def _illustration(adiv, article: Article, n: int, apage: ArchivePage, pic: PagePicture,
                  source_ids: dict[str, str], edition: Edition) -> None:
    kind, label = PART_TYPES["illustration"]
    pdiv = _sub(adiv, "div", ID=f"LOG_{article.slug}_{n:03d}", TYPE=kind, ORDER=str(n),
                LABEL=pic.figure.alt_text if pic.figure is not None else label)
    if pic.figure is not None and pic.figure.image is not None:
        rel = _relative(edition, pic.figure.image.path)
        if rel in source_ids:
            _sub(pdiv, "fptr", FILEID=source_ids[rel])
    _areas(pdiv, apage, [pic.id])


def _areas(pdiv, apage: ArchivePage, ids: list[str]) -> None:
    fptr = _sub(pdiv, "fptr")
    holder = _sub(fptr, "seq") if len(ids) > 1 else fptr
    for bid in ids:
        _sub(holder, "area", FILEID=f"ALTO_{apage.name}", BEGIN=bid, BETYPE="IDREF")


def _dmd(root, dmd_id: str, mods: etree._Element) -> None:
    dmd = _sub(root, "dmdSec", ID=dmd_id)
    wrap = _sub(dmd, "mdWrap", MDTYPE="MODS")
    _sub(wrap, "xmlData").append(mods)


# ---------------------------------------------------------------- MODS


def _m(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    return _sub(parent, tag, text, ns=MODS, **attrs)


def _language(mods, language: str) -> None:
    lang = _m(mods, "language")
    _m(lang, "languageTerm", language, type="code", authority="rfc5646")


def _host(parent, edition: Edition, *, with_part: bool) -> etree._Element:
    """The paper (the serial the issue belongs to): title and identifiers, and with
    ``with_part`` the issue's place in it (volume, issue number, edition)."""
    paper, issue = edition.paper, edition.issue
    host = _m(parent, "relatedItem", type="host")
    _m(_m(host, "titleInfo"), "title", paper.name)
    if paper.lccn:
        _m(host, "identifier", paper.lccn, type="lccn")
    if paper.issn:
        _m(host, "identifier", paper.issn, type="issn")
    if paper.cn:
        _m(host, "identifier", paper.cn, type="cn", displayLabel="国内统一连续出版物号")
    if with_part:
        part = _m(host, "part")
        if issue.volume is not None:
            _m(_m(part, "detail", type="volume"), "number", str(issue.volume))
        if issue.number:
            detail = _m(part, "detail", type="issue")
            _m(detail, "number", str(issue.number))
            _m(detail, "caption", f"总第{issue.number}期")
        detail = _m(part, "detail", type="edition")
        _m(detail, "number", str(issue.edition_order))
        if issue.edition:
            _m(detail, "caption", f"{issue.edition}版")
    return host


def issue_mods(edition: Edition, page_count: int, made: str, organisation: str) -> etree._Element:
    """MODS of the issue (the NDNP profile's issue MODS is a subset of it)."""
    paper, issue = edition.paper, edition.issue
    mods = etree.Element(_q("mods", MODS), version="3.6")
    _m(_m(mods, "titleInfo"), "title", edition.title)
    _m(mods, "typeOfResource", "text")
    _m(mods, "genre", "newspaper", authority="marcgt")
    origin = _m(mods, "originInfo", eventType="publication")
    _m(origin, "publisher", paper.publisher)
    _m(origin, "dateIssued", issue.date.isoformat(), encoding="w3cdtf", keyDate="yes")
    if issue.edition:
        _m(origin, "edition", f"{issue.edition}版")
    _m(origin, "issuance", "serial")
    _language(mods, paper.language)
    physical = _m(mods, "physicalDescription")
    _m(physical, "form", "electronic", authority="marcform")
    _m(physical, "digitalOrigin", "born digital")
    _m(physical, "extent", f"{page_count} 版", unit="pages")
    _host(mods, edition, with_part=True)
    _m(mods, "identifier", edition.id, type="local")
    if issue.note:
        _m(mods, "note", issue.note)
    record = _m(mods, "recordInfo")
    _m(record, "recordContentSource", organisation)
    _m(record, "recordCreationDate", made, encoding="w3cdtf")
    return mods


# How a byline's role reads as a MARC relator: who wrote it, who photographed it.
RELATORS = {"记者": "aut", "通讯员": "aut", "特约记者": "aut", "见习记者": "aut", "本报记者": "aut",
            "作者": "aut", "文": "aut", "图": "pht", "摄影": "pht", "摄": "pht", "编译": "trl"}


def article_mods(edition: Edition, page, article: Article, order: int,
                 printed: list[ArchivePage]) -> etree._Element:
    """MODS of one article: titles, authors, where it is printed, language, kind."""
    mods = etree.Element(_q("mods", MODS), version="3.6")
    title = _m(mods, "titleInfo")
    if article.headline is None:
        title.set("supplied", "yes")  # a photo's: the start of its caption
    _m(title, "title", article.title)
    if article.subtitle:
        _m(title, "subTitle", article.subtitle)
    if article.kicker:
        kicker = _m(mods, "titleInfo", type="alternative", displayLabel="引题")
        _m(kicker, "title", article.kicker)
    if article.byline is not None:
        for credit in article.byline.credits:
            for name in credit.names:
                el = _m(mods, "name", type="personal")
                _m(el, "namePart", name)
                role = _m(el, "role")
                if credit.role:
                    _m(role, "roleTerm", credit.role, type="text")
                _m(role, "roleTerm", RELATORS.get(credit.role or "", "aut"), type="code",
                   authority="marcrelator")
    _m(mods, "typeOfResource", "still image" if article.kind.value == "photo" else "text")
    _m(mods, "genre", article.kind.value, authority="local")
    _language(mods, edition.paper.language)
    host = _host(mods, edition, with_part=False)
    _m(_m(host, "originInfo"), "dateIssued", edition.issue.date.isoformat(), encoding="w3cdtf")
    part = _m(mods, "part", order=str(order))
    section = _m(part, "detail", type="section")
    _m(section, "title", page.name)
    for apage in printed or []:
        detail = _m(part, "detail", type="page")
        _m(detail, "number", apage.page.display_label)
    numbers = [p.page.number for p in printed] or [page.number]
    extent = _m(part, "extent", unit="pages")
    _m(extent, "start", str(min(numbers)))
    _m(extent, "end", str(max(numbers)))
    _m(mods, "identifier", article.slug, type="local")
    return mods


# ---------------------------------------------------------------- PREMIS


def _p(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    return _sub(parent, tag, text, ns=PREMIS, **attrs)


def _identifier(parent, kind: str, value: str, tag: str = "objectIdentifier") -> None:
    ident = _p(parent, tag)
    _p(ident, f"{tag}Type", kind)
    _p(ident, f"{tag}Value", value)


def premis(edition: Edition, sources: list[FileEntry], prov: Provenance) -> etree._Element:
    """PREMIS 3: the sources (objects with fixity), the event that made the package from
    them, and its agents (the software, the organisation)."""
    root = etree.Element(_q("premis", PREMIS), version="3.0", nsmap={"premis": PREMIS})
    for f in sources:
        obj = _p(root, "object")
        obj.set(f"{{{XSI}}}type", "premis:file")
        _identifier(obj, "local", f.href)
        chars = _p(obj, "objectCharacteristics")
        fixity = _p(chars, "fixity")
        _p(fixity, "messageDigestAlgorithm", "SHA-256")
        _p(fixity, "messageDigest", hashlib.sha256(f.data).hexdigest())
        _p(chars, "size", str(len(f.data)))
        fmt = _p(_p(chars, "format"), "formatDesignation")
        _p(fmt, "formatName", f.mimetype)
        _p(obj, "originalName", f.href.removeprefix("sources/"))
    event = _p(root, "event")
    _identifier(event, "local", "EVENT_BUILD", "eventIdentifier")
    _p(event, "eventType", "creation")
    _p(event, "eventDateTime", prov.made)
    _p(_p(event, "eventDetailInformation"), "eventDetail",
       f"{prov.software} {prov.version} made the archive package of {edition.id} from the "
       "edition's sources: the print pages laid out and written once, made PDF/A, their "
       "ALTO from that layout, NITF, METS and the reader EPUB")
    _p(_p(event, "eventOutcomeInformation"), "eventOutcome", "success")
    for agent, role in (("AGENT_SOFTWARE", "executing program"), ("AGENT_ORGANISATION", "implementer")):
        link = _p(event, "linkingAgentIdentifier")
        _p(link, "linkingAgentIdentifierType", "local")
        _p(link, "linkingAgentIdentifierValue", agent)
        _p(link, "linkingAgentRole", role)
    for f in sources:
        link = _p(event, "linkingObjectIdentifier")
        _p(link, "linkingObjectIdentifierType", "local")
        _p(link, "linkingObjectIdentifierValue", f.href)
        _p(link, "linkingObjectRole", "source")
    agent = _p(root, "agent")
    _identifier(agent, "local", "AGENT_SOFTWARE", "agentIdentifier")
    _p(agent, "agentName", prov.software)
    _p(agent, "agentType", "software")
    _p(agent, "agentVersion", prov.version)
    agent = _p(root, "agent")
    _identifier(agent, "local", "AGENT_ORGANISATION", "agentIdentifier")
    _p(agent, "agentName", prov.organisation)
    _p(agent, "agentType", "organization")
    for what, value in prov.contact:
        _p(agent, "agentNote", f"{what}: {value}")
    return root
