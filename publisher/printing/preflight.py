"""Preflight: check any PDF the way a printing plant would, before it goes to plate.

Structural checks with pikepdf (veraPDF is not installable here, see TOOLCHAIN.md):
- the PDF/X version key (Info ``GTS_PDFXVersion`` or XMP ``pdfxid:GTS_PDFXVersion``);
- an OutputIntent (``/GTS_PDFX``) with an embedded destination profile;
- no DeviceRGB anywhere: content-stream operators and colour spaces, images, shadings,
  transparency groups, in pages and (recursively) in form XObjects; calibrated RGB
  (ICCBased with 3 components, CalRGB) is a warning;
- every font embedded (FontFile, FontFile2 or FontFile3; Type 3 fonts are drawn);
- TrimBox and BleedBox on every page, TrimBox inside BleedBox inside MediaBox, one trim
  size for all pages;
- effective resolution of each image at its placed size: warning under 200 ppi, error
  under 150 ppi;
- total area coverage of CMYK images over the ink limit (warning);
- text filled in rich black (K with C, M or Y) instead of pure K (warning).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

MIN_PPI_ERROR = 150
MIN_PPI_WARN = 200
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


def preflight(path: Path, ink_limit: int = 300) -> Report:
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
        for number, page in enumerate(pdf.pages, 1):
            _PageWalk(report, number, ink_limit).page(page)
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


class _PageWalk:
    def __init__(self, report: Report, number: int, ink_limit: int):
        self.report, self.number, self.ink_limit = report, number, ink_limit
        self.seen_fonts: set = set()
        self.seen_images: set = set()
        self.rgb: list[str] = []
        self.calrgb: list[str] = []
        self.rich_black = 0

    def page(self, page: pikepdf.Page) -> None:
        group = page.obj.get("/Group")
        if group is not None and _space_kind(group.get("/CS")) == "rgb":
            self.rgb.append("page transparency group blends in DeviceRGB")
        self.stream(page, page.obj.get("/Resources", pikepdf.Dictionary()), [1, 0, 0, 1, 0, 0], 0)
        if self.rgb:
            self.report.error(f"DeviceRGB used: {'; '.join(sorted(set(self.rgb))[:5])}", self.number, "rgb")
        if self.calrgb:
            self.report.warn(f"calibrated RGB used: {'; '.join(sorted(set(self.calrgb))[:5])}",
                             self.number, "rgb")
        if self.rich_black:
            self.report.warn(f"{self.rich_black} text runs in rich black (K with C, M or Y); "
                             "body text should be pure K", self.number, "rich-black")

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

    def stream(self, owner, resources, ctm, depth: int) -> None:
        if depth > 8:
            return
        self._fonts(resources)
        spaces = self._colour_spaces(resources)
        xobjects = resources.get("/XObject") or {}
        stack = []
        fill_space = "gray"
        fill = ()
        in_text = False
        try:
            instructions = pikepdf.parse_content_stream(owner)
        except pikepdf.PdfError as exc:
            self.report.error(f"cannot parse a content stream: {exc}", self.number, "content")
            return
        for operands, op in instructions:
            op = str(op)
            if op == "q":
                stack.append((ctm, fill_space, fill))
            elif op == "Q" and stack:
                ctm, fill_space, fill = stack.pop()
            elif op == "cm":
                ctm = _mul([float(v) for v in operands], ctm)
            elif op in ("rg", "RG"):
                self.rgb.append(f"operator {op}")
                if op == "rg":
                    fill_space, fill = "rgb", tuple(float(v) for v in operands)
            elif op in ("k", "K"):
                if op == "k":
                    fill_space, fill = "cmyk", tuple(float(v) for v in operands)
            elif op in ("g", "G"):
                if op == "g":
                    fill_space, fill = "gray", tuple(float(v) for v in operands)
            elif op in ("cs", "CS"):
                name = str(operands[0])
                cs = spaces.get(name, pikepdf.Name(name))
                kind = _space_kind(cs)
                if kind == "rgb":
                    self.rgb.append(f"colour space {name} ({op})")
                elif kind == "calrgb":
                    self.calrgb.append(f"colour space {name}")
                if op == "cs":
                    fill_space, fill = kind, ()
            elif op in ("sc", "scn"):
                fill = tuple(float(v) for v in operands if isinstance(v, (int, float)) or
                             hasattr(v, "__float__"))
            elif op == "BT":
                in_text = True
            elif op == "ET":
                in_text = False
            elif op in TEXT_OPS and in_text:
                if fill_space == "cmyk" and len(fill) == 4 and fill[3] >= 0.8 and max(fill[:3]) > 0:
                    self.rich_black += 1
            elif op == "Do":
                name = operands[0]
                xobj = xobjects.get(name)
                if xobj is None:
                    continue
                sub = xobj.get("/Subtype")
                if sub == pikepdf.Name.Image:
                    self.image(xobj, str(name), ctm)
                elif sub == pikepdf.Name.Form:
                    group = xobj.get("/Group")
                    if group is not None and _space_kind(group.get("/CS")) == "rgb":
                        self.rgb.append(f"form {name} transparency group blends in DeviceRGB")
                    matrix = [float(v) for v in xobj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    self.stream(xobj, xobj.get("/Resources", resources), _mul(matrix, ctm), depth + 1)
            elif op == "sh":
                pass  # shadings were checked with the resources

    def image(self, xobj, name: str, ctm) -> None:
        if xobj.get("/ImageMask"):
            return
        kind = _space_kind(xobj.get("/ColorSpace"))
        label = f"image {name} ({int(xobj.Width)}x{int(xobj.Height)})"
        if kind == "rgb":
            self.rgb.append(label)
        elif kind == "calrgb":
            self.calrgb.append(label)
        smask = xobj.get("/SMask")
        if smask is not None and _space_kind(smask.get("/ColorSpace")) == "rgb":
            self.rgb.append(f"soft mask of {label}")
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
        if kind == "cmyk" and xobj.objgen not in self.seen_images:
            self.seen_images.add(xobj.objgen)
            self.ink(xobj, label)

    def ink(self, xobj, label: str) -> None:
        try:
            im = pikepdf.PdfImage(xobj).as_pil_image()
        except Exception as exc:  # an undecodable image is the plant's problem too
            self.report.warn(f"cannot decode {label} to measure ink: {exc}", self.number, "ink")
            return
        if im.mode != "CMYK":
            return
        decode = xobj.get("/Decode")
        inverted = decode is not None and float(decode[0]) == 1.0
        hist = _tac_histogram(im, inverted)
        total = sum(hist)
        over = sum(hist[self.ink_limit + 1:])
        if total and over / total > 0.001:
            peak = max(i for i, n in enumerate(hist) if n)
            self.report.warn(f"{label}: {over / total:.1%} of its pixels exceed the ink limit "
                             f"{self.ink_limit}% (peak {peak}%)", self.number, "ink")


def _tac_histogram(im, inverted: bool) -> list[int]:
    """Pixels per total area coverage in percent (0..400, in 2 % steps), from a CMYK image."""
    from PIL import ImageChops

    bands = im.split()
    if inverted:
        bands = [ImageChops.invert(b) for b in bands]
    # Each channel scaled to 0..50 (2 % steps) so that the sum of four fits in 8 bits.
    halves = [b.point(lambda v: round(v * 50 / 255)) for b in bands]
    total = ImageChops.add(ImageChops.add(halves[0], halves[1]), ImageChops.add(halves[2], halves[3]))
    hist = [0] * 401
    for value, count in enumerate(total.histogram()[:201]):
        hist[value * 2] += count
    return hist
