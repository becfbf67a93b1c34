"""The archive's NDNP profile (``--profile ndnp``): an issue, and a batch of issues, laid out
as the Library of Congress's National Digital Newspaper Program takes them.

What NDNP asks, and what we follow, is written down with its sources in docs/archive.md
("The NDNP profile"); every rule there is checked by ``check_batch`` (which ``publisher
verify`` runs on a batch) and by tests/archive/test_ndnp.py with tools we did not write
(jpylyzer for the JP2s, Pillow for the TIFFs, pdfium for the PDFs). In short, per issue::

    <title>/print/<YYYYMMDDEE>/           title: the paper's LCCN (its id where it has none)
        0001.tif  0001.jp2  0001.pdf  0001.xml  …   per page, in page order
        <YYYYMMDDEE>.xml                   the issue METS (LC's NDNP issue profile v1.5)

- ``0001.tif``, the master: the printed page rendered from its page PDF (pdfium) at the
  house's resolution (300–400 dpi of the page's real size), 8-bit greyscale, uncompressed
  TIFF 6.0 with its resolution, description, software, date and producer tags;
- ``0001.jp2``, the service copy: the same pixels in JPEG 2000 as NDNP's JP2 profile sets it
  (OpenJPEG's ``opj_compress``: 25 quality layers down from 1 bit per pixel, 6
  decomposition levels, 9-7 irreversible, RLCP, 1024 × 1024 tiles, 64 × 64 code blocks in
  bypass mode, no precincts, greyscale);
- ``0001.pdf``, the derivative: the page as printed (the bag's PDF/A-2b page) with its page
  label;
- ``0001.xml``: ALTO of the page in ``inch1200``, naming the page PDF;
- the issue METS: MODS for the issue (title identifier, volume, issue number, edition order
  and label, date) and each page (sequence, page number, the awardee as reproduction
  agency), MIX technical metadata of each master and service image, one file group per
  page (master, service, derivative, ocr) and the ``np:issue`` → ``np:page`` structure map.

A batch (``write_batch``): ``batch_<awardee>_<name>_ver01/``, a BagIt bag whose ``data/``
holds ``batch.xml`` (every issue: title, date, edition order, the path of its METS) and
the issues' folders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree
from PIL import Image, TiffImagePlugin

from ..config import Settings
from ..errors import ConfigError, Problem
from ..model import Edition
from ..printing.build import PrintResult
from ..workers import temporary_folder
from ..xmp import issue_properties
from . import schemas
from .alto import UNITS, build_alto
from .build import house_contact, print_image_src, provenance
from .mets import Provenance
from .pages import print_pages
from .pdfa import PdfaMeta, archival_pdf, check_pdfa

METS = "http://www.loc.gov/METS/"
MODS = "http://www.loc.gov/mods/v3"
MIX = "http://www.loc.gov/mix/"  # MIX as NDNP's loaders read it (chronam, Open ONI)
NDNP = "http://www.loc.gov/ndnp"
NP = "urn:library-of-congress:ndnp:mets:newspaper"
XLINK = "http://www.w3.org/1999/xlink"
ALTO = "http://www.loc.gov/standards/alto/ns-v4#"
PROFILE = "urn:library-of-congress:mets:profiles:ndnp:issue:v1.5"
TYPE = "urn:library-of-congress:ndnp:mets:newspaper:issue"
FOLDER = "ndnp"  # an edition's NDNP issue, in its output folder

# NDNP JPEG 2000 profile: the bits per pixel of the 25 quality layers, highest first
JP2_LAYERS_BPP = (1, 0.84, 0.7, 0.6, 0.5, 0.4, 0.35, 0.3, 0.25, 0.21, 0.18, 0.15, 0.125, 0.1,
                  0.088, 0.07, 0.0625, 0.05, 0.04419, 0.03716, 0.03125, 0.025, 0.0221, 0.01858,
                  0.015625)
JP2_LEVELS, JP2_TILE, JP2_BLOCK = 6, 1024, 64
OPJ_HINT = "install OpenJPEG's tools: apt-get install libopenjp2-tools (scripts/setup-system.sh)"
# Seconds opj_compress may take for one page's service image. A broadsheet page at 400 dpi
# is about 46 million grey pixels: as noise (the worst case) 29 s of CPU, 125 s wall at load
# 13 on 2 cores (2026-12-07); a printed page, mostly paper, less. Past half an hour it hangs,
# which would hang the archive's build: it is stopped and the build fails, nothing written.
OPJ_TIMEOUT = 1800.0
FILE_USES = ("master", "service", "derivative", "ocr")


def issue_name(edition: Edition) -> str:
    """YYYYMMDDEE: the issue's date and edition order, its folder's and METS file's name."""
    return f"{edition.issue.date:%Y%m%d}{edition.issue.edition_order:02d}"


def title_id(edition: Edition) -> str:
    """The title's identifier: its LCCN where one was assigned, else the paper's id."""
    return edition.paper.lccn or edition.paper.id


def awardee(settings: Settings) -> str:
    code = settings.archive.ndnp.awardee
    if not code:
        raise ConfigError(Problem(
            "the NDNP profile needs the MARC organization code of the institution delivering "
            "the batch", settings.file, None,
            "set awardee under [tool.publisher.archive.ndnp] in the house file", code="ndnp"))
    return code


# ---------------------------------------------------------------- one issue


def build_issue(edition: Edition, printed: PrintResult, settings: Settings,
                made: dt.datetime) -> dict[str, bytes]:
    """Every file of the edition's NDNP issue folder, by name."""
    code = awardee(settings)
    prov = provenance(edition, settings, made)
    dpi = settings.archive.ndnp.resolution
    pages = print_pages(edition, printed.layouts, lambda fig: print_image_src(edition, fig))
    issue_meta = issue_properties(edition)
    files: dict[str, bytes] = {}
    images: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for n, page in enumerate(pages, start=1):
        stem = f"{n:04d}"
        meta = PdfaMeta(f"{edition.id}/ndnp/{stem}",
                        f"{edition.title} {page.page.display_label} {page.page.name}",
                        edition.paper.publisher, prov.made, edition.paper.language, issue_meta)
        pdf = labelled(archival_pdf(printed.pages[page.page.file_label], meta),
                       page.page.display_label)
        gray = render(pdf, dpi)
        files[f"{stem}.tif"] = master_tiff(gray, dpi, f"{edition.id} {page.page.file_label}: "
                                           f"page {n} rendered at {dpi} dpi from {stem}.pdf",
                                           prov, code)
        files[f"{stem}.jp2"] = service_jp2(gray)
        files[f"{stem}.pdf"] = pdf
        files[f"{stem}.xml"] = build_alto(edition, page, f"{stem}.pdf", prov.version,
                                          made=prov.made, agency=prov.organisation,
                                          unit="inch1200")
        images.append((gray.size, (dpi, dpi)))
    files[f"{issue_name(edition)}.xml"] = issue_mets(edition, pages, images, prov, code)
    return files


def labelled(pdf: bytes, label: str) -> bytes:
    """The page PDF with its page label (the page number as printed: 第1版)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.Root.PageLabels = doc.make_indirect(pikepdf.Dictionary(
            Nums=pikepdf.Array([0, pikepdf.Dictionary(P=pikepdf.String(label))])))
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, min_version="1.7", compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def render(pdf: bytes, dpi: int) -> Image.Image:
    """The page as 8-bit grey pixels at ``dpi`` of its real size (pdfium)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[0].render(scale=dpi / 72, grayscale=True, may_draw_forms=False)
        image = bitmap.to_pil().convert("L")
    finally:
        doc.close()
    return image


def _ascii(text: str) -> str:
    """TIFF's ASCII tags hold 7-bit ASCII only."""
    return text.encode("ascii", "replace").decode()


def master_tiff(gray: Image.Image, dpi: int, description: str, prov: Provenance,
                producer: str) -> bytes:
    """Uncompressed 8-bit greyscale TIFF 6.0 (baseline), with NDNP's descriptive tags."""
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[269] = _ascii(description.split(":")[0])  # DocumentName
    ifd[270] = _ascii(description)  # ImageDescription
    ifd[305] = _ascii(f"{prov.software} {prov.version}")  # Software
    made = dt.datetime.fromisoformat(prov.made)
    ifd[306] = made.strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    ifd[315] = _ascii(producer)  # Artist: who produced the image (the awardee)
    ifd[277] = 1  # SamplesPerPixel: baseline's default, written out as checkers expect it
    out = io.BytesIO()
    gray.save(out, format="TIFF", compression="raw", dpi=(dpi, dpi), tiffinfo=ifd)
    return out.getvalue()


def service_jp2(gray: Image.Image) -> bytes:
    """The JP2 of NDNP's profile, encoded by OpenJPEG's opj_compress."""
    exe = shutil.which("opj_compress")
    if exe is None:
        raise ConfigError(Problem("opj_compress (OpenJPEG) is not installed: the NDNP profile "
                                  "encodes its JPEG 2000 service images with it",
                                  hint=OPJ_HINT, code="ndnp"))
    rates = ",".join(f"{8 / bpp:.6g}" for bpp in reversed(JP2_LAYERS_BPP))  # ratio to 8 bpp
    with temporary_folder("publisher-jp2-") as tmp:
        src, dst = Path(tmp) / "page.pgm", Path(tmp) / "page.jp2"
        gray.save(src)
        command = [exe, "-i", str(src), "-o", str(dst), "-r", rates, "-n", str(JP2_LEVELS + 1),
                   "-b", f"{JP2_BLOCK},{JP2_BLOCK}", "-M", "1", "-t", f"{JP2_TILE},{JP2_TILE}",
                   "-p", "RLCP", "-I", "-threads", str(max(1, os.cpu_count() or 1))]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=OPJ_TIMEOUT)
        except subprocess.TimeoutExpired:  # the tool was killed (subprocess.run kills it)
            raise ConfigError(Problem(
                f"opj_compress did not encode a page's JPEG 2000 service image in {OPJ_TIMEOUT:g} s "
                "and was stopped", Path(exe), hint="run the build again on a less loaded machine; if "
                "opj_compress hangs again, check its version (opj_compress -h) or reinstall it: "
                "apt-get install --reinstall libopenjp2-tools", code="ndnp")) from None
        if done.returncode != 0 or not dst.is_file():
            raise ConfigError(Problem(f"opj_compress failed: {done.stderr.strip()[-300:]}",
                                      hint=OPJ_HINT, code="ndnp"))
        return dst.read_bytes()


def _sub(parent, ns: str, tag: str, text: str | None = None, **attrs) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def issue_mets(edition: Edition, pages, images, prov: Provenance, code: str) -> bytes:
    """The issue METS in LC's NDNP issue profile."""
    issue = edition.issue
    label = f"{edition.paper.name}, {issue.date.isoformat()}"
    if issue.edition:
        label += f", {issue.edition}版"
    root = etree.Element(f"{{{METS}}}mets", nsmap={None: METS, "mods": MODS, "mix": MIX,
                                                    "xlink": XLINK})
    root.set("LABEL", label)
    root.set("PROFILE", PROFILE)
    root.set("TYPE", TYPE)
    hdr = _sub(root, METS, "metsHdr", CREATEDATE=prov.made)
    agent = _sub(hdr, METS, "agent", ROLE="CREATOR", TYPE="ORGANIZATION")
    _sub(agent, METS, "name", prov.organisation)

    mods = _dmd(root, "issueModsBib", "Issue metadata")
    host = _sub(mods, MODS, "relatedItem", type="host")
    if edition.paper.lccn:
        _sub(host, MODS, "identifier", edition.paper.lccn, type="lccn")
    else:
        _sub(host, MODS, "identifier", edition.paper.id, type="local")
    if edition.paper.issn:
        _sub(host, MODS, "identifier", edition.paper.issn, type="issn")
    part = _sub(host, MODS, "part")
    if issue.volume is not None:
        _sub(_sub(part, MODS, "detail", type="volume"), MODS, "number", str(issue.volume))
    if issue.number:
        _sub(_sub(part, MODS, "detail", type="issue"), MODS, "number", str(issue.number))
    detail = _sub(part, MODS, "detail", type="edition")
    _sub(detail, MODS, "number", str(issue.edition_order))
    if issue.edition:
        _sub(detail, MODS, "caption", f"{issue.edition}版")
    _sub(_sub(mods, MODS, "originInfo"), MODS, "dateIssued", issue.date.isoformat(),
         encoding="iso8601")
    _sub(mods, MODS, "note", "Present", type="noteAboutReproduction")

    for n, page in enumerate(pages, start=1):
        mods = _dmd(root, f"pageModsBib{n}", "Page metadata")
        part = _sub(mods, MODS, "part")
        _sub(_sub(part, MODS, "extent", unit="pages"), MODS, "start", str(n))
        _sub(_sub(part, MODS, "detail", type="page number"), MODS, "number", str(page.page.number))
        original = _sub(mods, MODS, "relatedItem", type="original")
        _sub(_sub(original, MODS, "physicalDescription"), MODS, "form", type="print")
        _sub(_sub(original, MODS, "location"), MODS, "physicalLocation", code,
             authority="marcorg", displayLabel=prov.organisation)
        _sub(mods, MODS, "note", code, type="agencyResponsibleForReproduction",
             displayLabel=prov.organisation)
        _sub(mods, MODS, "note", "Present", type="noteAboutReproduction")

    amd = _sub(root, METS, "amdSec")
    for n, ((width, height), (xres, _yres)) in enumerate(images, start=1):
        for kind, mime, scheme in (("master", "image/tiff", "1"), ("service", "image/jp2", "34712")):
            tech = _sub(amd, METS, "techMD", ID=f"mix{kind.title()}File{n}")
            wrap = _sub(tech, METS, "mdWrap", MDTYPE="NISOIMG", LABEL="NISO still image metadata")
            _mix(_sub(wrap, METS, "xmlData"), mime, scheme, width, height, xres, prov, code)

    sec = _sub(root, METS, "fileSec")
    for n in range(1, len(pages) + 1):
        grp = _sub(sec, METS, "fileGrp", ID=f"pageFileGrp{n}")
        for use, fid, ext, admid in (("master", "masterFile", "tif", "mixMasterFile"),
                                     ("service", "serviceFile", "jp2", "mixServiceFile"),
                                     ("derivative", "otherDerivativeFile", "pdf", None),
                                     ("ocr", "ocrFile", "xml", None)):
            attrs = {"ID": f"{fid}{n}", "USE": use}
            if admid:
                attrs["ADMID"] = f"{admid}{n}"
            f = _sub(grp, METS, "file", **attrs)
            loc = _sub(f, METS, "FLocat", LOCTYPE="OTHER", OTHERLOCTYPE="file")
            loc.set(f"{{{XLINK}}}href", f"./{n:04d}.{ext}")
    smap = etree.SubElement(root, f"{{{METS}}}structMap", nsmap={"np": NP})
    idiv = _sub(smap, METS, "div", TYPE="np:issue", DMDID="issueModsBib")
    for n in range(1, len(pages) + 1):
        pdiv = _sub(idiv, METS, "div", TYPE="np:page", DMDID=f"pageModsBib{n}")
        for fid in ("masterFile", "serviceFile", "otherDerivativeFile", "ocrFile"):
            _sub(pdiv, METS, "fptr", FILEID=f"{fid}{n}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _dmd(root, dmd_id: str, label: str) -> etree._Element:
    dmd = _sub(root, METS, "dmdSec", ID=dmd_id)
    wrap = _sub(dmd, METS, "mdWrap", MDTYPE="MODS", LABEL=label)
    return _sub(_sub(wrap, METS, "xmlData"), MODS, "mods")


def _mix(parent, mime: str, scheme: str, width: int, height: int, dpi: int, prov: Provenance,
         producer: str) -> None:
    """MIX (NISO Z39.87) as NDNP's issue METS carries it, in the structure its loaders read
    (``mix:ImagingPerformanceAssessment/mix:SpatialMetrics/mix:ImageWidth``)."""
    mix = _sub(parent, MIX, "mix")
    basic = _sub(mix, MIX, "BasicImageParameters")
    fmt = _sub(basic, MIX, "Format")
    _sub(fmt, MIX, "MIMEType", mime)
    _sub(fmt, MIX, "ByteOrder", "little-endian")
    _sub(_sub(fmt, MIX, "Compression"), MIX, "CompressionScheme", scheme)
    _sub(_sub(fmt, MIX, "PhotometricInterpretation"), MIX, "ColorSpace", "1")  # BlackIsZero
    _sub(_sub(basic, MIX, "File"), MIX, "Orientation", "1")
    creation = _sub(mix, MIX, "ImageCreation")
    _sub(creation, MIX, "ImageProducer", producer)
    capture = _sub(_sub(creation, MIX, "ScanningSystemCapture"), MIX, "ScanningSystemSoftware")
    _sub(capture, MIX, "ScanningSoftware", f"{prov.software} {prov.version} (pdfium)")
    _sub(creation, MIX, "DateTimeCreated", prov.made)
    perf = _sub(mix, MIX, "ImagingPerformanceAssessment")
    spatial = _sub(perf, MIX, "SpatialMetrics")
    _sub(spatial, MIX, "SamplingFrequencyUnit", "2")  # inch
    _sub(spatial, MIX, "XSamplingFrequency", str(dpi))
    _sub(spatial, MIX, "YSamplingFrequency", str(dpi))
    _sub(spatial, MIX, "ImageWidth", str(width))
    _sub(spatial, MIX, "ImageLength", str(height))
    energetics = _sub(perf, MIX, "Energetics")
    _sub(energetics, MIX, "BitsPerSample", "8")
    _sub(energetics, MIX, "SamplesPerPixel", "1")


# ---------------------------------------------------------------- a batch


@dataclass(frozen=True)
class IssueRef:
    title: str  # LCCN or paper id
    date: dt.date
    edition_order: int
    folder: Path  # the issue's files (OUT/<edition-id>/ndnp)

    @property
    def name(self) -> str:
        return f"{self.date:%Y%m%d}{self.edition_order:02d}"

    @property
    def path(self) -> str:
        """Its folder in the batch's data/."""
        return f"{self.title}/print/{self.name}"


def batch_name(code: str, name: str) -> str:
    return f"batch_{code}_{name}_ver01"


def default_batch_name(issues: list[IssueRef]) -> str:
    """The titles and the span of dates: xnrb20191021 or xnrb20191021to20191022."""
    titles = "".join(sorted({re.sub(r"[^A-Za-z0-9]", "", i.title) for i in issues}))
    first, last = min(i.date for i in issues), max(i.date for i in issues)
    span = f"{first:%Y%m%d}" + (f"to{last:%Y%m%d}" if last != first else "")
    return f"{titles}{span}"


def batch_xml(name: str, code: str, year: int, issues: list[IssueRef]) -> bytes:
    root = etree.Element(f"{{{NDNP}}}batch", nsmap={"ndnp": NDNP, None: NDNP})
    root.set("name", name)
    root.set("awardee", code)
    root.set("awardYear", str(year))
    for i in sorted(issues, key=lambda i: (i.title, i.date, i.edition_order)):
        el = etree.SubElement(root, f"{{{NDNP}}}issue", lccn=i.title, issueDate=i.date.isoformat(),
                              editionOrder=f"{i.edition_order:02d}")
        el.text = f"{i.path}/{i.name}.xml"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def batch_files(issues: list[IssueRef], settings: Settings, made: dt.datetime,
                name: str | None = None) -> tuple[str, dict[str, bytes | Path]]:
    """The batch's folder name and its files (bytes, or a Path to link or copy), a BagIt bag."""
    from .bag import ALGORITHMS, BAGIT_TXT, bag_size

    code = awardee(settings)
    if not name:
        name = default_batch_name(issues)
    if not re.fullmatch(r"[A-Za-z0-9]+", name):
        raise ConfigError(Problem(f"the batch name {name!r} is not letters and digits only",
                                  hint="NDNP batch names are batch_<awardee>_<name>_ver01: "
                                       "give --batch-name without _ or spaces", code="ndnp"))
    full = batch_name(code, name)
    seen: dict[str, IssueRef] = {}
    for i in issues:
        if i.path in seen:
            raise ConfigError(Problem(f"two issues of {i.title} dated {i.date} have edition "
                                      f"order {i.edition_order}", i.folder,
                                      hint="set edition_order under [issue] to tell them apart",
                                      code="ndnp"))
        seen[i.path] = i
    payload: dict[str, bytes | Path] = {"batch.xml": batch_xml(full, code, made.year, issues)}
    for i in issues:
        for f in sorted(i.folder.iterdir()):
            payload[f"{i.path}/{f.name}"] = f
    digests: dict[str, dict[str, str]] = {a: {} for a in ALGORITHMS}
    size = 0
    for rel, content in sorted(payload.items()):
        hashes = {a: hashlib.new(a) for a in ALGORITHMS}
        if isinstance(content, Path):
            with open(content, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    size += len(chunk)
                    for h in hashes.values():
                        h.update(chunk)
        else:
            size += len(content)
            for h in hashes.values():
                h.update(content)
        for a, h in hashes.items():
            digests[a][f"data/{rel}"] = h.hexdigest()
    info = [("Source-Organization", settings.archive.organisation or code),
            *house_contact(settings),
            ("External-Description", f"NDNP batch {full}: {len(issues)} issue(s) laid out as "
                                     "the Library of Congress's National Digital Newspaper "
                                     "Program takes them (docs/archive.md)"),
            ("Bagging-Date", made.date().isoformat()), ("External-Identifier", full),
            ("Bag-Size", bag_size(size)), ("Payload-Oxum", f"{size}.{len(payload)}")]
    tags: dict[str, bytes] = {
        "bagit.txt": BAGIT_TXT,
        "bag-info.txt": "".join(f"{k}: {' '.join(v.split())}\n" for k, v in info).encode()}
    for a in ALGORITHMS:
        tags[f"manifest-{a}.txt"] = "".join(f"{d}  {p}\n" for p, d in sorted(digests[a].items())).encode()
    files: dict[str, bytes | Path] = dict(tags)
    for a in ALGORITHMS:
        files[f"tagmanifest-{a}.txt"] = "".join(
            f"{hashlib.new(a, tags[t]).hexdigest()}  {t}\n" for t in sorted(tags)).encode()
    files.update({f"data/{rel}": content for rel, content in payload.items()})
    return full, files


def issue_ref(edition: Edition, folder: Path) -> IssueRef:
    return IssueRef(title_id(edition), edition.issue.date, edition.issue.edition_order, folder)


# ---------------------------------------------------------------- checking a batch


def check_batch(bag_dir: Path) -> list[Problem]:
    """Every NDNP rule of docs/archive.md that the batch at ``bag_dir`` breaks."""
    data = bag_dir / "data"
    problems: list[Problem] = []

    def fail(message: str, path: Path) -> None:
        problems.append(Problem(message, path, code="ndnp-rule"))

    m = re.fullmatch(r"batch_([a-z][a-z0-9-]*)_([A-Za-z0-9]+)_ver(\d\d)", bag_dir.name)
    if not m:
        fail("the batch folder is not named batch_<awardee>_<name>_verNN", bag_dir)
    batch_path = data / "batch.xml"
    try:
        batch = etree.parse(str(batch_path), etree.XMLParser(no_network=True, resolve_entities=False))
    except (OSError, etree.XMLSyntaxError) as exc:
        return [*problems, Problem(f"batch.xml cannot be read: {exc}", batch_path, code="ndnp-rule")]
    root = batch.getroot()
    if root.tag != f"{{{NDNP}}}batch":
        fail("batch.xml's root is not ndnp:batch", batch_path)
    if root.get("name") != bag_dir.name:
        fail(f"batch.xml names the batch {root.get('name')!r}, its folder is {bag_dir.name!r}", batch_path)
    if m and root.get("awardee") != m.group(1):
        fail("batch.xml's awardee is not the one in the batch's name", batch_path)
    if not re.fullmatch(r"\d{4}", root.get("awardYear") or ""):
        fail("batch.xml has no awardYear", batch_path)
    listed = set()
    for el in root.findall(f"{{{NDNP}}}issue"):
        rel = (el.text or "").strip()
        lccn, date, order = el.get("lccn"), el.get("issueDate"), el.get("editionOrder")
        if not (lccn and re.fullmatch(r"\d{4}-\d\d-\d\d", date or "") and re.fullmatch(r"\d\d", order or "")):
            fail(f"issue {rel!r}: lccn, issueDate (YYYY-MM-DD) and editionOrder (NN) are required", batch_path)
            continue
        name = date.replace("-", "") + order
        if rel != f"{lccn}/print/{name}/{name}.xml":
            fail(f"issue {rel!r} is not at <title>/print/<YYYYMMDDEE>/<YYYYMMDDEE>.xml", batch_path)
            continue
        listed.add((data / rel).parent)
        problems += _check_issue(data / rel, lccn, date, int(order))
    folders = {p.parent for p in data.glob("*/print/*/*.xml")}
    for extra in sorted(folders - listed):
        fail("an issue folder batch.xml does not list", extra)
    if not listed:
        fail("batch.xml lists no issue", batch_path)
    return problems


def _check_issue(mets_path: Path, lccn: str, date: str, order: int) -> list[Problem]:
    problems: list[Problem] = []

    def fail(message: str, path: Path = mets_path) -> None:
        problems.append(Problem(message, path, code="ndnp-rule"))

    if not mets_path.is_file():
        return [Problem("the issue METS batch.xml lists is missing", mets_path, code="ndnp-rule")]
    raw = mets_path.read_bytes()
    for e in schemas.validate(schemas.mets(), raw):
        fail(f"not valid METS (with MODS): {e}")
    doc = etree.fromstring(raw, etree.XMLParser(no_network=True, resolve_entities=False))
    ns = {"m": METS, "mods": MODS, "mix": MIX, "xlink": XLINK}
    if doc.get("PROFILE") != PROFILE or doc.get("TYPE") != TYPE:
        fail("the METS does not declare LC's NDNP issue profile (PROFILE, TYPE)")
    issue = doc.find("m:structMap/m:div", ns)
    if issue is None or issue.get("TYPE") != "np:issue":
        return [*problems, Problem("no np:issue division in the structure map", mets_path, code="ndnp-rule")]

    def mods(dmdid):
        return doc.find(f"m:dmdSec[@ID='{dmdid}']/m:mdWrap/m:xmlData/mods:mods", ns)

    imods = mods(issue.get("DMDID"))
    if imods is None:
        return [*problems, Problem("the np:issue division has no MODS", mets_path, code="ndnp-rule")]
    ident = imods.find("mods:relatedItem[@type='host']/mods:identifier", ns)
    if ident is None or ident.text != lccn or ident.get("type") not in ("lccn", "local"):
        fail("the issue's MODS does not carry the title identifier batch.xml gives (lccn)")
    if imods.findtext("mods:originInfo/mods:dateIssued", namespaces=ns) != date:
        fail("the issue's dateIssued is not batch.xml's issueDate")
    edition = imods.findtext("mods:relatedItem/mods:part/mods:detail[@type='edition']/mods:number", namespaces=ns)
    if edition != str(order):
        fail("the issue's edition order is not batch.xml's editionOrder")
    folder = mets_path.parent
    expected_files = {mets_path.name}
    page_divs = issue.findall("m:div", ns)
    if not page_divs or any(d.get("TYPE") != "np:page" for d in page_divs):
        fail("the np:issue division does not hold np:page divisions only")
    for seq, div in enumerate(page_divs, start=1):
        pmods = mods(div.get("DMDID"))
        if pmods is None or pmods.findtext("mods:part/mods:extent/mods:start", namespaces=ns) != str(seq):
            fail(f"page {seq}: its MODS does not give its sequence number {seq}")
        agency = "mods:note[@type='agencyResponsibleForReproduction']"
        if pmods is not None and not pmods.findtext(agency, namespaces=ns):
            fail(f"page {seq}: its MODS names no agency responsible for reproduction")
        uses: dict[str, Path] = {}
        mixes: dict[str, etree._Element] = {}
        groups = set()
        for fptr in div.findall("m:fptr", ns):
            f = doc.find(f"m:fileSec/m:fileGrp/m:file[@ID='{fptr.get('FILEID')}']", ns)
            if f is None:
                fail(f"page {seq}: fptr {fptr.get('FILEID')} names no file")
                continue
            groups.add(f.getparent().get("ID"))
            href = f.find("m:FLocat", ns).get(f"{{{XLINK}}}href", "")
            path = folder / href.removeprefix("./")
            if "/" in href.removeprefix("./") or not path.is_file():
                fail(f"page {seq}: {href!r} is not a file of the issue folder")
                continue
            uses[f.get("USE")] = path
            expected_files.add(path.name)
            if f.get("USE") in ("master", "service"):
                tech = doc.find(f"m:amdSec/m:techMD[@ID='{f.get('ADMID')}']//mix:mix", ns)
                if tech is None:
                    fail(f"page {seq}: the {f.get('USE')} image has no MIX technical metadata", path)
                else:
                    mixes[f.get("USE")] = tech
        if sorted(uses) != sorted(FILE_USES):
            fail(f"page {seq}: not one master, service, derivative and ocr file each")
            continue
        if len(groups) != 1:
            fail(f"page {seq}: its files are not in one file group of their own")
        stem = f"{seq:04d}"
        if [uses[u].name for u in FILE_USES] != [f"{stem}.{e}" for e in ("tif", "jp2", "pdf", "xml")]:
            fail(f"page {seq}: its files are not named {stem}.tif/.jp2/.pdf/.xml")
        size = _check_pdf(uses["derivative"], fail)
        master = _check_tiff(uses["master"], size, mixes.get("master"), fail)
        _check_jp2(uses["service"], master, mixes.get("service"), fail)
        _check_alto(uses["ocr"], uses["derivative"].name, size, fail)
    for path in sorted(folder.iterdir()):
        if path.name not in expected_files:
            fail("a file of the issue folder that its METS does not list", path)
    return problems


def _check_pdf(path: Path, fail) -> tuple[float, float] | None:
    """One page, labelled, nothing interactive, not encrypted, structurally PDF/A."""
    data = path.read_bytes()
    for message in check_pdfa(data):
        fail(f"page PDF: {message}", path)
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) != 1:
                fail("the page PDF does not hold exactly one page", path)
            if "/PageLabels" not in pdf.Root:
                fail("the page PDF has no page label", path)
            for key in ("/Outlines", "/AcroForm", "/OpenAction"):
                if key in pdf.Root:
                    fail(f"the page PDF has {key[1:]} (NDNP: no bookmarks, forms or actions)", path)
            if "/JavaScript" in pdf.Root.get("/Names", {}):
                fail("the page PDF holds JavaScript", path)
            page = pdf.pages[0]
            if page.obj.get("/Annots"):
                fail("the page PDF has annotations or links", path)
            box = [float(v) for v in page.mediabox]
            return box[2] - box[0], box[3] - box[1]
    except pikepdf.PdfError as exc:
        fail(f"the page PDF cannot be read: {exc}", path)
    return None


def _check_tiff(path: Path, size, mix, fail) -> tuple[int, int] | None:
    """Baseline TIFF 6.0: 8-bit grey, uncompressed, 300–400 dpi of the page's size."""
    try:
        with Image.open(path) as im:
            if im.format != "TIFF" or im.mode != "L":
                fail("the master is not an 8-bit greyscale TIFF", path)
            if not isinstance(im, TiffImagePlugin.TiffImageFile):
                fail("the master is not a TIFF", path)
                return None
            tags = im.tag_v2
            checks = {258: 8, 259: 1, 262: 1, 277: 1, 296: 2}  # bits, no compression, grey, 1 sample, inch
            for tag, want in checks.items():
                got = tags.get(tag)
                got = got[0] if isinstance(got, tuple) else got
                if got != want:
                    fail(f"the master's TIFF tag {tag} is {got!r}, NDNP needs {want}", path)
            xres, yres = float(tags.get(282, 0)), float(tags.get(283, 0))
            if not (300 <= xres <= 400 and xres == yres):
                fail(f"the master's resolution {xres}×{yres} dpi is not 300–400 dpi", path)
            for tag in (270, 305, 306, 315):  # description, software, date, producer
                if not tags.get(tag):
                    fail(f"the master has no TIFF tag {tag}", path)
            width, height = im.size
            if size is not None and xres:
                expect = (round(size[0] / 72 * xres), round(size[1] / 72 * yres))
                if abs(width - expect[0]) > 1 or abs(height - expect[1]) > 1:
                    fail(f"the master is {width}×{height} px, the page at {xres:g} dpi is "
                         f"{expect[0]}×{expect[1]}", path)
            _check_mix(mix, width, height, xres, path, fail)
            return width, height
    except (OSError, ValueError) as exc:
        fail(f"the master cannot be read as TIFF: {exc}", path)
    return None


def _check_mix(mix, width, height, dpi, path, fail) -> None:
    if mix is None:
        return
    ns = {"mix": MIX}
    spatial = "mix:ImagingPerformanceAssessment/mix:SpatialMetrics/"
    got = (mix.findtext(spatial + "mix:ImageWidth", namespaces=ns),
           mix.findtext(spatial + "mix:ImageLength", namespaces=ns),
           mix.findtext(spatial + "mix:XSamplingFrequency", namespaces=ns))
    if got != (str(width), str(height), f"{dpi:g}"):
        fail(f"its MIX says {got}, the image is {width}×{height} px at {dpi:g} dpi", path)


def jp2_header(data: bytes) -> dict:
    """What NDNP's JP2 profile constrains, read from the file's boxes and main header."""
    out: dict = {}
    pos = 0
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        head = 8
        if length == 1:
            length, head = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        body = data[pos + head:pos + (length or len(data) - pos)]
        if kind == b"ftyp":
            out["brand"], out["minor"] = body[:4], struct.unpack(">I", body[4:8])[0]
            out["compat"] = [body[i:i + 4] for i in range(8, len(body), 4)]
        elif kind == b"jp2h":
            sub = 0
            while sub + 8 <= len(body):
                sl, sk = struct.unpack(">I4s", body[sub:sub + 8])
                sb = body[sub + 8:sub + sl]
                if sk == b"ihdr":
                    out["height"], out["width"], out["nc"], bpc = struct.unpack(">IIHB", sb[:11])
                    out["bpc"] = bpc + 1
                elif sk == b"colr":
                    out["colr_method"] = sb[0]
                    if sb[0] == 1:
                        out["enum_cs"] = struct.unpack(">I", sb[3:7])[0]
                sub += sl
        elif kind == b"jp2c":
            out.update(_codestream(body))
        if length == 0:
            break
        pos += length
    return out


def _codestream(cs: bytes) -> dict:
    out: dict = {"markers": []}
    pos = 2  # SOC
    while pos + 4 <= len(cs):
        marker, length = struct.unpack(">HH", cs[pos:pos + 4])
        seg = cs[pos + 4:pos + 2 + length]
        out["markers"].append(marker)
        if marker == 0xFF51:  # SIZ
            (_rsiz, xsiz, ysiz, xo, yo, xt, yt, xto, yto, csiz) = struct.unpack(">HIIIIIIIIH", seg[:36])
            out.update(siz=(xsiz, ysiz), origin=(xo, yo), tile=(xt, yt), tile_origin=(xto, yto),
                       components=csiz)
        elif marker == 0xFF52:  # COD
            scod, order, layers, _mct, levels, xcb, ycb, style, transform = struct.unpack(">BBHBBBBBB", seg[:10])
            out.update(precincts=bool(scod & 1), order=order, layers=layers, levels=levels,
                       block=(2 ** (xcb + 2), 2 ** (ycb + 2)), bypass=bool(style & 1),
                       transform=transform)
        elif marker == 0xFF90:  # the first tile-part: the main header is over
            break
        pos += 2 + length
    return out


def _check_jp2(path: Path, master, mix, fail) -> None:
    h = jp2_header(path.read_bytes())
    want = {"brand": b"jp2 ", "minor": 0, "nc": 1, "bpc": 8, "enum_cs": 17, "origin": (0, 0),
            "tile": (JP2_TILE, JP2_TILE), "tile_origin": (0, 0), "precincts": False,
            "layers": len(JP2_LAYERS_BPP), "levels": JP2_LEVELS, "block": (JP2_BLOCK, JP2_BLOCK),
            "bypass": True, "transform": 0}
    for key, value in want.items():
        if h.get(key) != value:
            fail(f"the JP2's {key} is {h.get(key)!r}, NDNP's profile needs {value!r}", path)
    if b"jp2 " not in h.get("compat", []):
        fail("the JP2 is not compatible with jp2", path)
    if h.get("order") not in (1, 2):  # RLCP, RPCL
        fail("the JP2's progression order is neither RLCP nor RPCL", path)
    if 0xFF5E in h.get("markers", []):
        fail("the JP2 has a region of interest", path)
    if master is not None and h.get("siz") != master:
        fail(f"the JP2 is {h.get('siz')}, its master {master}", path)
    if master is not None and h.get("siz"):
        bpp = len(path.read_bytes()) * 8 / (master[0] * master[1])
        if bpp > 1.05:
            fail(f"the JP2 holds {bpp:.2f} bits per pixel, NDNP's profile at most 1", path)
    if mix is not None and master is not None:
        ns = {"mix": MIX}
        got = mix.findtext("mix:ImagingPerformanceAssessment/mix:SpatialMetrics/mix:ImageWidth", namespaces=ns)
        if got != str(master[0]):
            fail("the JP2's MIX width is not its width", path)


def _check_alto(path: Path, pdf_name: str, size, fail) -> None:
    raw = path.read_bytes()
    for e in schemas.validate(schemas.alto(), raw):
        fail(f"not valid ALTO: {e}", path)
    doc = etree.fromstring(raw, etree.XMLParser(no_network=True, resolve_entities=False))
    ns = {"a": ALTO}
    if doc.findtext("a:Description/a:MeasurementUnit", namespaces=ns) != "inch1200":
        fail("the ALTO's MeasurementUnit is not inch1200", path)
    if doc.findtext("a:Description/a:sourceImageInformation/a:fileName", namespaces=ns) != pdf_name:
        fail("the ALTO's sourceImageInformation/fileName is not its page PDF", path)
    if doc.find("a:Description/a:Processing/a:processingSoftware", ns) is None:
        fail("the ALTO names no processing software", path)
    page = doc.find("a:Layout/a:Page", ns)
    if page is None or not page.get("WIDTH") or not page.get("HEIGHT"):
        fail("the ALTO's Page has no WIDTH and HEIGHT", path)
    elif size is not None:
        k = UNITS["inch1200"]
        if abs(float(page.get("WIDTH")) - size[0] * k) > 1 or abs(float(page.get("HEIGHT")) - size[1] * k) > 1:
            fail("the ALTO's Page is not the page's size in inch1200", path)
    for s in doc.iter(f"{{{ALTO}}}String"):
        if any(s.get(a) is None for a in ("HPOS", "VPOS", "WIDTH", "HEIGHT")):
            fail(f"String {s.get('ID')} lacks HPOS, VPOS, WIDTH or HEIGHT", path)
            break
