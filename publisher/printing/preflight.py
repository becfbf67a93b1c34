"""Preflight: check any PDF the way a printing plant would, before it goes to plate.

Structural checks with pikepdf (veraPDF is not installable here, see TOOLCHAIN.md):
- the PDF/X version key (Info ``GTS_PDFXVersion`` or XMP ``pdfxid:GTS_PDFXVersion``);
- an OutputIntent (``/GTS_PDFX``) with an embedded destination profile;
- no DeviceRGB anywhere: content-stream operators and colour spaces, images, shadings,
  transparency groups, in pages and (recursively) in form XObjects; calibrated RGB
  (ICCBased with 3 components, CalRGB) is a warning;
- every font embedded (FontFile, FontFile2 or FontFile3; Type 3 fonts are drawn);
- TrimBox and BleedBox on every page, TrimBox inside BleedBox inside MediaBox, one trim
  size for all pages; no text running off the trim (a character cut by the knife: part
  outside the TrimBox, part inside the BleedBox; pdfium's character boxes);
- effective resolution of each image at its placed size: warning under 200 ppi, error
  under 150 ppi; images are named by their source file where their XMP says it
  (``dc:source``, which our print build writes), else by resource name;
- text filled in rich black (K with C, M or Y) instead of pure K (warning);
- overprint, following the graphics state through q/Q, gs and forms: pure-K text and
  rules that knock out (error: misregistration leaves white halos), white objects set to
  overprint (error: they vanish), coloured type that overprints (warning);
- total ink as the plant measures it: Ghostscript renders each page's separations over
  the TrimBox (``tiffsep`` at 150 dpi); their sum at any pixel above the ink limit is an
  error naming the images (by source file) and other areas that carry it.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

MIN_PPI_ERROR = 150
MIN_PPI_WARN = 200
INK_DPI = 150  # separations are rendered at this resolution to measure total ink
# Seconds Ghostscript may take to render a file's separations: A4 pages at INK_DPI took 0.55 s
# of CPU each (2026-12-07, load 14), so a broadsheet page about 2 s and a 64-page file about
# two minutes, several times that in wall time on a loaded machine; past half an hour it is
# hung, and a hung tool would hang the preflight: it is stopped and the ink check fails
# saying so.
GHOSTSCRIPT_TIMEOUT = 1800.0
TEXT_OPS = {"Tj", "TJ", "'", '"'}


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning" | "ok"
    message: str
    page: int | None = None  # 1-based
    code: str = ""

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        return f"{self.severity}: {where}{self.message}"


@dataclass
class Report:
    path: Path
    findings: list[Finding] = field(default_factory=list)

    def error(self, message: str, page: int | None = None, code: str = "") -> None:
        self.findings.append(Finding("error", message, page, code))

    def warn(self, message: str, page: int | None = None, code: str = "") -> None:
        self.findings.append(Finding("warning", message, page, code))

    def ok(self, message: str, code: str = "") -> None:
        self.findings.append(Finding("ok", message, None, code))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def passed(self) -> bool:
        return not self.errors


def preflight(path: Path, ink_limit: int = 240) -> Report:
    report = Report(Path(path))
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as exc:
        report.error(f"cannot open as PDF: {exc}", code="open")
        return report
    with pdf:
        if pdf.is_encrypted:
            report.error("the file is encrypted (PDF/X forbids it)", code="encrypted")
        _version_key(pdf, report)
        _output_intent(pdf, report)
        _boxes(pdf, report)
        placements = {}
        for number, page in enumerate(pdf.pages, 1):
            walk = _PageWalk(report, number)
            walk.page(page)
            placements[number] = walk.placements
        if not pdf.is_encrypted:
            _ink(Path(path), pdf, report, ink_limit, placements)
            _text_off_trim(Path(path), report)
    return report


# ---------------------------------------------------------------- document level


def _version_key(pdf: pikepdf.Pdf, report: Report) -> None:
    info = str(pdf.docinfo.get("/GTS_PDFXVersion", "")) if pdf.trailer.get("/Info") is not None else ""
    try:  # pikepdf reads the key as an element or as an attribute, wherever it is declared
        xmp = str(pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") or "")
    except (pikepdf.PdfError, ValueError):
        xmp = ""
    version = info or xmp
    if not version:
        report.error("no PDF/X version key (GTS_PDFXVersion in Info or XMP)", code="pdfx-version")
    elif not version.startswith("PDF/X-"):
        report.error(f"unknown PDF/X version key {version!r}", code="pdfx-version")
    else:
        if info and xmp and info != xmp:
            report.warn(f"Info says {info}, XMP says {xmp}", code="pdfx-version")
        report.ok(f"{version} (version key present)", code="pdfx-version")
        if version.startswith("PDF/X-4") and pdf.pdf_version < "1.6":
            report.error(f"PDF/X-4 needs PDF 1.6 or later, the file is {pdf.pdf_version}",
                         code="pdfx-version")
    if "/ID" not in pdf.trailer:
        report.error("no document /ID in the trailer", code="pdfx-id")


def _output_intent(pdf: pikepdf.Pdf, report: Report) -> None:
    intents = pdf.Root.get("/OutputIntents")
    found = False
    for oi in intents or ():
        if oi.get("/S") == pikepdf.Name.GTS_PDFX:
            profile = oi.get("/DestOutputProfile")
            if profile is None:
                report.error("the OutputIntent has no embedded DestOutputProfile", code="output-intent")
            else:
                n = int(profile.get("/N", 0))
                ident = str(oi.get("/OutputConditionIdentifier", ""))
                report.ok(f"OutputIntent {ident!r}, {n}-component profile", code="output-intent")
                if n != 4:
                    report.warn("the output profile is not CMYK", code="output-intent")
            found = True
    if not found:
        report.error("no PDF/X OutputIntent (/GTS_PDFX)", code="output-intent")


def _box(page, key):
    box = page.obj.get(key)
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner, outer, tol=0.01) -> bool:
    return (inner[0] >= outer[0] - tol and inner[1] >= outer[1] - tol
            and inner[2] <= outer[2] + tol and inner[3] <= outer[3] + tol)


def _boxes(pdf: pikepdf.Pdf, report: Report) -> None:
    sizes = set()
    bad = False
    for number, page in enumerate(pdf.pages, 1):
        media, trim, bleed = _box(page, "/MediaBox"), _box(page, "/TrimBox"), _box(page, "/BleedBox")
        if trim is None:
            report.error("no TrimBox", number, "boxes")
            bad = True
        if bleed is None:
            report.error("no BleedBox", number, "boxes")
            bad = True
        if trim and bleed and not _inside(trim, bleed):
            report.error("TrimBox is not inside BleedBox", number, "boxes")
            bad = True
        if bleed and media and not _inside(bleed, media):
            report.error("BleedBox is not inside MediaBox", number, "boxes")
            bad = True
        if trim:
            mm = 25.4 / 72
            sizes.add((round((trim[2] - trim[0]) * mm, 1), round((trim[3] - trim[1]) * mm, 1)))
    if len(sizes) > 1:
        report.warn(f"pages have different trim sizes: {sorted(sizes)} mm", code="boxes")
    if not bad and sizes:
        w, h = next(iter(sorted(sizes)))
        report.ok(f"TrimBox and BleedBox on all {len(pdf.pages)} pages, trim {w:g} x {h:g} mm",
                  code="boxes")


def _text_off_trim(path: Path, report: Report) -> None:
    """Text that runs off the trim: a character with a part outside the TrimBox and a part
    inside the BleedBox (where the knife cuts through it). Text wholly beyond the bleed
    (the slug line) is outside on purpose. Character boxes from pdfium."""
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        report.error(f"cannot read the text: {exc}", code="open")
        return
    found = 0
    try:
        for number in range(len(doc)):
            page = doc[number]
            trim, bleed = page.get_trimbox(), page.get_bleedbox()
            text = page.get_textpage()
            off = []
            for i in range(text.count_chars()):
                ch = text.get_text_range(i, 1)
                if not ch.strip():
                    continue
                box = text.get_charbox(i)
                if _overlaps(box, bleed) and not _inside(box, trim, tol=0.5):
                    off.append(ch)
            if off:
                found += 1
                shown = "".join(off[:24]) + ("…" if len(off) > 24 else "")
                report.error(f"{len(off)} characters run off the trim: {shown!r}", number + 1,
                             code="text-off-trim")
            text.close()
            page.close()
    finally:
        doc.close()
    if not found:
        report.ok("no text runs off the trim", code="text-off-trim")


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# ---------------------------------------------------------------- page level


def _mul(a, b):
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _space_kind(cs) -> str:
    """'rgb' (DeviceRGB), 'calrgb' (calibrated RGB), 'cmyk', 'gray' or 'other'."""
    if cs is None:
        return "other"
    if isinstance(cs, pikepdf.Name):
        return {"/DeviceRGB": "rgb", "/RGB": "rgb", "/DeviceCMYK": "cmyk", "/CMYK": "cmyk",
                "/DeviceGray": "gray", "/G": "gray"}.get(str(cs), "other")
    if isinstance(cs, pikepdf.Array) and len(cs):
        family = str(cs[0])
        if family == "/ICCBased":
            n = int(cs[1].get("/N", 0))
            return {3: "calrgb", 4: "cmyk", 1: "gray"}.get(n, "other")
        if family == "/CalRGB":
            return "calrgb"
        if family in ("/Indexed", "/I"):
            return _space_kind(cs[1])
        if family in ("/Separation", "/DeviceN"):
            return _space_kind(cs[2])
        if family == "/Pattern" and len(cs) > 1:
            return _space_kind(cs[1])
    return "other"


@dataclass
class _Paint:
    """What the walk knows of the graphics state: colours (with whether their space is
    DeviceCMYK, the only one the nonzero overprint mode applies to) and overprint."""

    fill_space: str = "gray"
    fill: tuple = (0.0,)
    fill_device_cmyk: bool = False
    stroke_device_cmyk: bool = False
    stroke: tuple = (0.0,)
    OP: bool = False  # overprint for strokes (and fills, unless op says otherwise)
    op: bool = False  # overprint for fills and text
    OPM: int = 0
    mode: int = 0  # text rendering mode

    def copy(self) -> _Paint:
        return _Paint(**self.__dict__)


FILL_PAINT = {"f", "F", "f*"}
STROKE_PAINT = {"S", "s"}
BOTH_PAINT = {"B", "B*", "b", "b*"}


def _k_only(device_cmyk: bool, colour: tuple) -> bool:
    return device_cmyk and len(colour) == 4 and colour[0] == colour[1] == colour[2] == 0 and colour[3] > 0


def _white(device_cmyk: bool, colour: tuple) -> bool:
    return device_cmyk and len(colour) == 4 and not any(colour)


def _image_name(xobj, name: str) -> str:
    """The image's source file where its XMP says (dc:source or dc:title), else its
    resource name."""
    metadata = xobj.get("/Metadata")
    if metadata is not None:
        try:
            text = metadata.read_bytes().decode("utf-8", "replace")
        except pikepdf.PdfError:
            text = ""
        m = (re.search(r"<dc:source>([^<]+)</dc:source>", text)
             or re.search(r"<dc:title>.*?<rdf:li[^>]*>([^<]+)</rdf:li>", text, re.S))
        if m:
            return m.group(1).strip()
    return name


@dataclass(frozen=True)
class Placement:
    """An image as placed on a page: its name and its bounding box in page space (pt)."""

    label: str
    box: tuple[float, float, float, float]


class _PageWalk:
    def __init__(self, report: Report, number: int):
        self.report, self.number = report, number
        self.seen_fonts: set = set()
        self.rgb: list[str] = []
        self.calrgb: list[str] = []
        self.rich_black = 0
        self.knockout = {"text": 0, "rule": 0}  # pure-K objects that knock out
        self.white_overprint = 0
        self.colour_overprint = 0
        self.placements: list[Placement] = []

    def page(self, page: pikepdf.Page) -> None:
        group = page.obj.get("/Group")
        if group is not None and _space_kind(group.get("/CS")) == "rgb":
            self.rgb.append("page transparency group blends in DeviceRGB")
        self.stream(page, page.obj.get("/Resources", pikepdf.Dictionary()), [1, 0, 0, 1, 0, 0], 0,
                    _Paint())
        if self.rgb:
            self.report.error(f"DeviceRGB used: {'; '.join(sorted(set(self.rgb))[:5])}", self.number, "rgb")
        if self.calrgb:
            self.report.warn(f"calibrated RGB used: {'; '.join(sorted(set(self.calrgb))[:5])}",
                             self.number, "rgb")
        if self.rich_black:
            self.report.warn(f"{self.rich_black} text runs in rich black (K with C, M or Y); "
                             "body text should be pure K", self.number, "rich-black")
        text, rules = self.knockout["text"], self.knockout["rule"]
        if text or rules:
            self.report.error(f"{text} text runs and {rules} rules or shapes in pure K knock out: "
                              "pure-K text and rules must overprint (ExtGState /OP true /op true "
                              "/OPM 1)", self.number, "overprint")
        if self.white_overprint:
            self.report.error(f"{self.white_overprint} white objects are set to overprint: they "
                              "vanish on the plate", self.number, "overprint")
        if self.colour_overprint:
            self.report.warn(f"{self.colour_overprint} coloured text runs or shapes overprint "
                             "(coloured type should knock out)", self.number, "overprint")

    def _fonts(self, resources) -> None:
        for name, font in (resources.get("/Font") or {}).items():
            if font.objgen in self.seen_fonts and font.objgen != (0, 0):
                continue
            self.seen_fonts.add(font.objgen)
            sub = font.get("/Subtype")
            base = str(font.get("/BaseFont", name))
            if sub == pikepdf.Name.Type3:
                continue
            target = font.DescendantFonts[0] if sub == pikepdf.Name.Type0 else font
            desc = target.get("/FontDescriptor")
            if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                self.report.error(f"font {base} is not embedded", self.number, "font")

    def _colour_spaces(self, resources) -> dict:
        spaces = {}
        for name, cs in (resources.get("/ColorSpace") or {}).items():
            spaces[str(name)] = cs
            kind = _space_kind(cs)
            if kind == "rgb":
                self.rgb.append(f"colour space {name}")
        for name, sh in (resources.get("/Shading") or {}).items():
            kind = _space_kind(sh.get("/ColorSpace"))
            if kind == "rgb":
                self.rgb.append(f"shading {name}")
            elif kind == "calrgb":
                self.calrgb.append(f"shading {name}")
        return spaces

    def _painted(self, paint: _Paint, fills: bool, strokes: bool, what: str) -> None:
        """Overprint of one painting operation (text run or path) by its colours."""
        op = paint.op
        for used, device, colour, overprints in ((fills, paint.fill_device_cmyk, paint.fill, op),
                                                 (strokes, paint.stroke_device_cmyk, paint.stroke,
                                                  paint.OP)):
            if not used:
                continue
            nonzero = overprints and paint.OPM == 1
            if _k_only(device, colour) and not nonzero:
                self.knockout[what] += 1
            elif _white(device, colour) and nonzero:
                self.white_overprint += 1
            elif overprints and device and not _k_only(device, colour) and not _white(device, colour):
                self.colour_overprint += 1

    def _ext_gstate(self, resources, name, paint: _Paint) -> None:
        gs = (resources.get("/ExtGState") or {}).get(name)
        if gs is None:
            return
        if "/OP" in gs:
            paint.OP = bool(gs.OP)
            if "/op" not in gs:
                paint.op = paint.OP  # ISO 32000: /op defaults to /OP's value
        if "/op" in gs:
            paint.op = bool(gs.op)
        if "/OPM" in gs:
            paint.OPM = int(gs.OPM)

    def stream(self, owner, resources, ctm, depth: int, paint: _Paint) -> None:
        if depth > 8:
            return
        self._fonts(resources)
        spaces = self._colour_spaces(resources)
        xobjects = resources.get("/XObject") or {}
        stack = []
        paint = paint.copy()
        in_text = False
        try:
            instructions = pikepdf.parse_content_stream(owner)
        except pikepdf.PdfError as exc:
            self.report.error(f"cannot parse a content stream: {exc}", self.number, "content")
            return
        for instruction in instructions:
            operands, op = instruction.operands, str(instruction.operator)
            if op == "q":
                stack.append((ctm, paint.copy()))
            elif op == "Q" and stack:
                ctm, paint = stack.pop()
            elif op == "cm":
                ctm = _mul([float(v) for v in operands], ctm)
            elif op == "gs" and operands:
                self._ext_gstate(resources, operands[0], paint)
            elif op in ("rg", "RG"):
                self.rgb.append(f"operator {op}")
                if op == "rg":
                    paint.fill_space, paint.fill = "rgb", tuple(float(v) for v in operands)
                    paint.fill_device_cmyk = False
                else:
                    paint.stroke, paint.stroke_device_cmyk = tuple(float(v) for v in operands), False
            elif op in ("k", "K"):
                colour = tuple(float(v) for v in operands)
                if op == "k":
                    paint.fill_space, paint.fill, paint.fill_device_cmyk = "cmyk", colour, True
                else:
                    paint.stroke, paint.stroke_device_cmyk = colour, True
            elif op in ("g", "G"):
                if op == "g":
                    paint.fill_space, paint.fill = "gray", tuple(float(v) for v in operands)
                    paint.fill_device_cmyk = False
                else:
                    paint.stroke, paint.stroke_device_cmyk = tuple(float(v) for v in operands), False
            elif op in ("cs", "CS"):
                name = str(operands[0])
                cs = spaces.get(name, pikepdf.Name(name))
                kind = _space_kind(cs)
                if kind == "rgb":
                    self.rgb.append(f"colour space {name} ({op})")
                elif kind == "calrgb":
                    self.calrgb.append(f"colour space {name}")
                device = isinstance(cs, pikepdf.Name) and str(cs) in ("/DeviceCMYK", "/CMYK")
                initial = (0.0, 0.0, 0.0, 1.0) if device else ()
                if op == "cs":
                    paint.fill_space, paint.fill, paint.fill_device_cmyk = kind, initial, device
                else:
                    paint.stroke, paint.stroke_device_cmyk = initial, device
            elif op in ("sc", "scn", "SC", "SCN"):
                colour = tuple(float(v) for v in operands if isinstance(v, (int, float)) or
                               hasattr(v, "__float__"))
                if op in ("sc", "scn"):
                    paint.fill = colour
                else:
                    paint.stroke = colour
            elif op == "Tr" and operands:
                paint.mode = int(operands[0])
            elif op == "BT":
                in_text = True
            elif op == "ET":
                in_text = False
            elif op in TEXT_OPS and in_text:
                fill = paint.fill
                if paint.fill_space == "cmyk" and len(fill) == 4 and fill[3] >= 0.8 and max(fill[:3]) > 0:
                    self.rich_black += 1
                self._painted(paint, paint.mode in (0, 2, 4, 6), paint.mode in (1, 2, 5, 6), "text")
            elif op in FILL_PAINT or op in STROKE_PAINT or op in BOTH_PAINT:
                self._painted(paint, op not in STROKE_PAINT, op not in FILL_PAINT, "rule")
            elif op == "Do":
                xname = operands[0]
                xobj = xobjects.get(xname)
                if xobj is None:
                    continue
                sub = xobj.get("/Subtype")
                if sub == pikepdf.Name.Image:
                    self.image(xobj, str(xname), ctm)
                elif sub == pikepdf.Name.Form:
                    group = xobj.get("/Group")
                    if group is not None and _space_kind(group.get("/CS")) == "rgb":
                        self.rgb.append(f"form {xname} transparency group blends in DeviceRGB")
                    matrix = [float(v) for v in xobj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    self.stream(xobj, xobj.get("/Resources", resources), _mul(matrix, ctm), depth + 1,
                                paint)
            elif op == "sh":
                pass  # shadings were checked with the resources

    def image(self, xobj, name: str, ctm) -> None:
        if xobj.get("/ImageMask"):
            return
        kind = _space_kind(xobj.get("/ColorSpace"))
        label = f"image {_image_name(xobj, name)} ({int(xobj.Width)}x{int(xobj.Height)})"
        if kind == "rgb":
            self.rgb.append(label)
        elif kind == "calrgb":
            self.calrgb.append(label)
        smask = xobj.get("/SMask")
        if smask is not None and _space_kind(smask.get("/ColorSpace")) == "rgb":
            self.rgb.append(f"soft mask of {label}")
        corners = [(ctm[0] * u + ctm[2] * v + ctm[4], ctm[1] * u + ctm[3] * v + ctm[5])
                   for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        self.placements.append(Placement(label, (min(xs), min(ys), max(xs), max(ys))))
        width_pt = math.hypot(ctm[0], ctm[1])
        height_pt = math.hypot(ctm[2], ctm[3])
        if width_pt > 1 and height_pt > 1:
            ppi = min(int(xobj.Width) / (width_pt / 72), int(xobj.Height) / (height_pt / 72))
            placed = f"{width_pt * 25.4 / 72:.0f} x {height_pt * 25.4 / 72:.0f} mm"
            if ppi < MIN_PPI_ERROR:
                self.report.error(f"{label} is {ppi:.0f} ppi at its placed size {placed} "
                                  f"(at least {MIN_PPI_ERROR})", self.number, "resolution")
            elif ppi < MIN_PPI_WARN:
                self.report.warn(f"{label} is {ppi:.0f} ppi at its placed size {placed} "
                                 f"(want {MIN_PPI_WARN})", self.number, "resolution")


# ---------------------------------------------------------------- ink, from separations


@dataclass(frozen=True)
class PageInk:
    """Total area coverage of one page from its rendered separations over the trim."""

    page: int  # 1-based
    peak: float  # %: the highest total at any pixel
    over: float  # share of the trim's pixels above the limit (0..1)
    pixels: int  # pixels rendered (over the trim)


def separations(path: Path, folder: Path, dpi: int = INK_DPI) -> list[list[Path]]:
    """Render every page's separations over its TrimBox with Ghostscript's ``tiffsep``:
    per page, the files of its separations (8-bit, 0 = solid ink)."""
    gs = shutil.which("gs")
    if gs is None:
        raise FileNotFoundError("Ghostscript (gs) is not installed: apt-get install ghostscript")
    subprocess.run([gs, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffsep", f"-r{dpi}",
                    "-dUseTrimBox", "-sCompression=lzw", f"-sOutputFile={folder}/p%04d.tif",
                    str(path)], check=True, capture_output=True, timeout=GHOSTSCRIPT_TIMEOUT)
    pages = []
    for composite in sorted(folder.glob("p[0-9][0-9][0-9][0-9].tif")):
        pages.append(sorted(folder.glob(f"{composite.stem}(*).tif")))
    return pages


def total_ink(files: list[Path]):
    """The total area coverage image ('I' mode, 0..255 per separation summed) of one page."""
    from PIL import Image, ImageChops, ImageMath

    total = None
    for f in files:
        with Image.open(f) as im:
            band = ImageChops.invert(im.convert("L")).convert("I")
        total = band if total is None else ImageMath.lambda_eval(lambda v: v["a"] + v["b"],
                                                                 a=total, b=band)
    return total


def _ink(path: Path, pdf: pikepdf.Pdf, report: Report, ink_limit: int,
         placements: dict[int, list[Placement]]) -> list[PageInk]:
    from PIL import ImageMath

    with tempfile.TemporaryDirectory(prefix="publisher-preflight-") as tmp:
        try:
            pages = separations(path, Path(tmp))
        except FileNotFoundError as exc:
            report.error(f"cannot measure ink: {exc}", code="ink")
            return []
        except subprocess.TimeoutExpired:  # Ghostscript was killed (subprocess.run kills it)
            report.error(f"cannot measure ink: Ghostscript did not render the separations in "
                         f"{GHOSTSCRIPT_TIMEOUT:g} s and was stopped (run the preflight again on a "
                         "less loaded machine; if gs hangs again, try `gs -sDEVICE=tiffsep` on the "
                         "file by hand)", code="ink")
            return []
        except subprocess.CalledProcessError as exc:
            stderr = exc.stderr or b""
            report.error(f"Ghostscript could not render the separations: "
                         f"{stderr.decode('utf-8', 'replace').strip()[:200] or exc}", code="ink")
            return []
        limit = ink_limit * 255 / 100
        inks = []
        for number, files in enumerate(pages, 1):
            total = total_ink(files)
            if total is None:
                continue
            peak = total.getextrema()[1] * 100 / 255
            mask = ImageMath.lambda_eval(lambda v: (v["t"] > limit) * 255, t=total).convert("L")
            over_pixels = mask.histogram()[255]
            ink = PageInk(number, peak, over_pixels / (total.width * total.height),
                          total.width * total.height)
            inks.append(ink)
            if not over_pixels:
                continue
            where = _where(pdf.pages[number - 1], total, mask, placements.get(number, []), limit)
            report.error(f"total ink reaches {peak:.0f}% (limit {ink_limit}%) on "
                         f"{ink.over:.2%} of the page{where}", number, "ink")
        if inks and not any(i.over for i in inks):
            worst = max(inks, key=lambda i: i.peak)
            report.ok(f"total ink at most {worst.peak:.0f}% (page {worst.page}; separations over the "
                      f"trim at {INK_DPI} dpi, limit {ink_limit}%)", code="ink")
        return inks


def _where(page, total, mask, placements: list[Placement], limit: float) -> str:
    """Which images (by source file) and what else carry the ink above the limit."""
    from PIL import ImageMath

    trim = _box(page, "/TrimBox") or _box(page, "/MediaBox")
    if trim is None or int(page.obj.get("/Rotate", 0)) % 360:
        return ""
    sx, sy = total.width / (trim[2] - trim[0]), total.height / (trim[3] - trim[1])
    parts = []
    rest = mask.copy()
    for p in placements:
        x0, y0, x1, y1 = p.box
        box = (max(0, int((x0 - trim[0]) * sx)), max(0, int((trim[3] - y1) * sy)),
               min(total.width, math.ceil((x1 - trim[0]) * sx)),
               min(total.height, math.ceil((trim[3] - y0) * sy)))
        if box[2] <= box[0] or box[3] <= box[1]:
            continue
        region = mask.crop(box)
        over = region.histogram()[255]
        rest.paste(0, box)
        if over:
            peak = total.crop(box).getextrema()[1] * 100 / 255
            parts.append(f"{p.label}: peak {peak:.0f}%, {over / (region.width * region.height):.1%} "
                         "of it over")
    left = rest.getbbox()
    if left:
        mm = 25.4 / 72
        x0, y0 = left[0] / sx * mm, left[1] / sy * mm
        x1, y1 = left[2] / sx * mm, left[3] / sy * mm
        peak = ImageMath.lambda_eval(lambda v: v["t"] * (v["m"] > 0), t=total,
                                     m=rest.convert("I")).getextrema()[1] * 100 / 255
        parts.append(f"other objects between {x0:.0f},{y0:.0f} and {x1:.0f},{y1:.0f} mm from the "
                     f"trim's top left: peak {peak:.0f}%")
    return " — " + "; ".join(parts) if parts else ""
