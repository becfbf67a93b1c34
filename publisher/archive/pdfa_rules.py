"""The PDF/A rules a structural check can see, beyond the claim itself (``pdfa.check_pdfa``).

veraPDF cannot be installed here (TOOLCHAIN.md), so ``publisher verify`` reads each PDF with
pikepdf and checks what ISO 19005-2/-3 forbid or require that is visible in the file's
objects, without rendering it:

- no JavaScript and no forbidden action anywhere (a ``/JS`` entry, the ``/JavaScript`` name
  tree, actions of type JavaScript, Launch, Sound, Movie, ResetForm, ImportData, Hide,
  SetOCGState, Rendition, Trans, GoTo3DView; no ``/AA`` additional actions), no XFA form;
- device colour only where the OutputIntent gives it a meaning: DeviceRGB needs an RGB
  intent profile, DeviceCMYK a CMYK one (in content streams, images, shadings and colour
  spaces of every page and form, followed through nested forms);
- the document information dictionary says what the XMP says (Title, Author, Subject,
  Keywords, Creator, Producer, CreationDate, ModDate: each entry present in both, equal);
- PDF/A-2 embeds no file but a PDF/A one (PDF/A-3 may embed anything, as the issue PDF
  does with its sources).

``rule_problems`` never raises: a damaged file is one problem, not a crash.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

import pikepdf

# ISO 19005-2, 6.5.1: actions a PDF/A file may not hold.
FORBIDDEN_ACTIONS = {"/JavaScript", "/Launch", "/Sound", "/Movie", "/ResetForm", "/ImportData",
                     "/Hide", "/SetOCGState", "/Rendition", "/Trans", "/GoTo3DView"}
# Document information entries and the XMP properties they must equal (ISO 19005-2, 6.6.2.3).
INFO_XMP = {"/Title": "dc:title", "/Author": "dc:creator", "/Subject": "dc:description",
            "/Keywords": "pdf:Keywords", "/Creator": "xmp:CreatorTool", "/Producer": "pdf:Producer",
            "/CreationDate": "xmp:CreateDate", "/ModDate": "xmp:ModifyDate"}
MAX_DEPTH = 12  # forms inside forms: deeper is a broken or hostile file
_DEVICE_OPS = {"rg": "RGB", "RG": "RGB", "k": "CMYK", "K": "CMYK"}


def rule_problems(data: bytes, part: int | None = None) -> list[str]:
    """What breaks the PDF/A rules above in ``data`` (``part``: 2 or 3; None: as declared)."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError) as exc:
        return [f"not a readable PDF: {str(exc)[:200]}"]
    with pdf:
        problems: list[str] = []
        meta = _xmp(pdf)
        part = part or _part(meta)
        for check in (_actions, _device_colour, lambda p: _info_matches(p, meta),
                      lambda p: _embedded(p, part)):
            try:
                problems += check(pdf)
            except (pikepdf.PdfError, RecursionError, ValueError, TypeError, KeyError) as exc:
                problems.append(f"a damaged structure ({type(exc).__name__}: {str(exc)[:120]})")
    return problems


def _xmp(pdf: pikepdf.Pdf):
    try:
        return pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
    except Exception:
        return None


def _part(meta) -> int | None:
    try:
        return int(str(meta.get("pdfaid:part"))) if meta is not None else None
    except (TypeError, ValueError):
        return None


def _actions(pdf: pikepdf.Pdf) -> list[str]:
    found: dict[str, None] = {}
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        found["JavaScript"] = None
    if "/AA" in pdf.Root:
        found["additional actions (/AA) on the document"] = None
    acro = pdf.Root.get("/AcroForm")
    if isinstance(acro, pikepdf.Dictionary) and "/XFA" in acro:
        found["an XFA form"] = None
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary):
            continue
        kind = obj.get("/S")
        if "/JS" in obj or kind == pikepdf.Name.JavaScript:
            found["JavaScript"] = None
        elif isinstance(kind, pikepdf.Name) and str(kind) in FORBIDDEN_ACTIONS and (
                obj.get("/Type") in (None, pikepdf.Name.Action)):
            found[f"a {str(kind)[1:]} action"] = None
        if "/AA" in obj and obj.get("/Type") != pikepdf.Name.Catalog:
            found["additional actions (/AA)"] = None
    return [f"{what}: PDF/A forbids it" for what in found]


def _intent_components(pdf: pikepdf.Pdf) -> int | None:
    """The number of colour components of the PDF/A OutputIntent's profile (None: none)."""
    for intent in pdf.Root.get("/OutputIntents") or ():
        profile = intent.get("/DestOutputProfile") if isinstance(intent, pikepdf.Dictionary) else None
        if isinstance(profile, pikepdf.Stream):
            n = profile.get("/N")
            if isinstance(n, int):  # pikepdf gives a PDF integer as int; a damaged /N is no count
                return n
            head = profile.read_bytes()[16:20]
            return {b"RGB ": 3, b"CMYK": 4, b"GRAY": 1}.get(head)
    return None


def _device_colour(pdf: pikepdf.Pdf) -> list[str]:
    used: dict[str, int] = {}
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        _scan(page.obj, page.obj.get("/Resources"), number, used, seen, 0)
    components = _intent_components(pdf)
    allowed = {3: "RGB", 4: "CMYK"}.get(components or 0)
    out = []
    for space, first in sorted(used.items()):
        if space != allowed:
            intent = f"the OutputIntent is {allowed}" if allowed else "there is no OutputIntent"
            out.append(f"Device{space} colour (first on page {first}) while {intent}: "
                       "PDF/A allows device colour only in the intent's colour space")
    return out


def _space_name(cs) -> str | None:
    if isinstance(cs, pikepdf.Array) and len(cs) and str(cs[0]) == "/Indexed":
        cs = cs[1]
    if isinstance(cs, pikepdf.Name):
        return {"/DeviceRGB": "RGB", "/DeviceCMYK": "CMYK", "/RGB": "RGB", "/CMYK": "CMYK"}.get(str(cs))
    return None


def _scan(owner, resources, page: int, used: dict[str, int], seen: set, depth: int) -> None:
    """Device colour in ``owner``'s content stream and resources (forms followed)."""
    if depth > MAX_DEPTH:
        raise ValueError("forms nested too deeply")
    if isinstance(owner, pikepdf.Object) and owner.is_indirect:
        key = owner.objgen
        if key in seen:
            return
        seen.add(key)
    if isinstance(resources, pikepdf.Dictionary):
        for cs in (resources.get("/ColorSpace") or {}).values() if isinstance(
                resources.get("/ColorSpace"), pikepdf.Dictionary) else ():
            if space := _space_name(cs):
                used.setdefault(space, page)
        shadings = resources.get("/Shading")
        if isinstance(shadings, pikepdf.Dictionary):
            for sh in shadings.values():
                if not isinstance(sh, (pikepdf.Dictionary, pikepdf.Stream)):
                    continue
                if space := _space_name(sh.get("/ColorSpace")):
                    used.setdefault(space, page)
        xobjects = resources.get("/XObject")
        if isinstance(xobjects, pikepdf.Dictionary):
            for xobj in xobjects.values():
                if not isinstance(xobj, pikepdf.Stream):
                    continue
                if xobj.get("/Subtype") == pikepdf.Name.Image:
                    if space := _space_name(xobj.get("/ColorSpace")):
                        used.setdefault(space, page)
                elif xobj.get("/Subtype") == pikepdf.Name.Form:
                    group = xobj.get("/Group")
                    if isinstance(group, pikepdf.Dictionary) and (space := _space_name(group.get("/CS"))):
                        used.setdefault(space, page)
                    _scan(xobj, xobj.get("/Resources"), page, used, seen, depth + 1)
    try:
        instructions = pikepdf.parse_content_stream(owner)
    except pikepdf.PdfError:
        return
    for instruction in instructions:
        op = str(getattr(instruction, "operator", ""))
        if op in _DEVICE_OPS:
            used.setdefault(_DEVICE_OPS[op], page)
        elif op in ("cs", "CS") and instruction.operands and (space := _space_name(instruction.operands[0])):
            used.setdefault(space, page)


def _info_matches(pdf: pikepdf.Pdf, meta) -> list[str]:
    if pdf.trailer.get("/Info") is None:
        return []
    info = pdf.docinfo
    out = []
    for key, prop in INFO_XMP.items():
        if key not in info:
            continue
        value = str(info[key])
        xmp_value = meta.get(prop) if meta is not None else None
        if xmp_value is None or xmp_value == "" or xmp_value == []:
            out.append(f"the document information has {key[1:]} but the XMP has no {prop}")
            continue
        if key.endswith("Date"):
            same = _pdf_date(value) == _iso_date(str(xmp_value))
        else:
            if isinstance(xmp_value, (list, set, tuple)):
                xmp_value = ", ".join(sorted(str(v) for v in xmp_value))
            same = _text(value) == _text(str(xmp_value))
        if not same:
            out.append(f"the document information's {key[1:]} {value[:60]!r} differs from the "
                       f"XMP's {prop} {str(xmp_value)[:60]!r}")
    return out


def _text(value: str) -> str:
    return " ".join(value.split())


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+\-])?(\d{2})?'?(\d{2})?")


def _pdf_date(value: str) -> datetime | str:
    m = _PDF_DATE.match(value.strip())
    if not m:
        return value
    y, mo, d, h, mi, s, sign, tzh, tzm = m.groups()
    zone = "Z" if sign in (None, "Z", "z") else f"{sign}{tzh or '00'}:{tzm or '00'}"
    return _iso_date(f"{y}-{mo or '01'}-{d or '01'}T{h or '00'}:{mi or '00'}:{s or '00'}{zone}")


def _iso_date(value: str) -> datetime | str:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value


def _embedded(pdf: pikepdf.Pdf, part: int | None) -> list[str]:
    if part != 2:
        return []
    out = []
    for name, spec in pdf.attachments.items():
        data = spec.get_file().read_bytes()
        if not _is_pdfa(data):
            out.append(f"an embedded file {name!r} that is not PDF/A: PDF/A-2 embeds PDF/A "
                       "files only (PDF/A-3 may embed others)")
    return out


def _is_pdfa(data: bytes) -> bool:
    if not data.startswith(b"%PDF"):
        return False
    try:
        with pikepdf.open(io.BytesIO(data)) as inner:
            return _part(_xmp(inner)) in (1, 2)
    except (pikepdf.PdfError, ValueError):
        return False
