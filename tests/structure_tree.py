"""Reading a tagged PDF back, independently of publisher.structure: the structure tree with
pikepdf (every element with its type, page and kids in order), the text of each piece of
marked content and the artifacts with pdfium (the text objects of each page and their marks).

Reading checks what any tagged PDF must hold, so every test that reads a tree checks it too:
each element's /P is the element it hangs under, its /Pg is a page of the document, each
marked-content item is claimed by one element only and the parent tree maps it back to that
element, and each link annotation's /StructParent maps back to the Link that holds it.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw


@dataclass(frozen=True)
class Mark:
    """A kid that is content: marked content ``mcid`` on ``page``, or an annotation (OBJR)."""

    page: int
    mcid: int | None = None
    annotation: pikepdf.Object | None = field(default=None, compare=False)


@dataclass(eq=False)
class Elem:
    role: str  # "Sect", "Art", "H2"… (without the slash)
    page: int | None  # its /Pg, 0-based
    obj: pikepdf.Object
    kids: list[Elem | Mark] = field(default_factory=list)
    parent: Elem | None = None

    def walk(self) -> Iterator[Elem]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Elem):
                yield from kid.walk()

    def find(self, role: str) -> list[Elem]:
        return [e for e in self.walk() if e.role == role and e is not self]

    def children(self, role: str | None = None) -> list[Elem]:
        return [k for k in self.kids if isinstance(k, Elem) and (role is None or k.role == role)]

    def marks(self) -> Iterator[Mark]:
        for kid in self.kids:
            if isinstance(kid, Elem):
                yield from kid.marks()
            else:
                yield kid

    @property
    def first_page(self) -> int:
        return next(m.page for m in self.marks() if m.mcid is not None)

    @property
    def pages(self) -> set[int]:
        return {m.page for m in self.marks() if m.mcid is not None}

    def text(self, texts: dict[tuple[int, int], str]) -> str:
        return "".join(texts[m.page, m.mcid] for m in self.marks() if m.mcid is not None)

    def ancestors(self) -> Iterator[Elem]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


def read_tree(pdf: pikepdf.Pdf) -> Elem:
    """The structure tree under the StructTreeRoot, as a Document element (its kids the
    root's), checked for what every tagged PDF must hold (see the module's docstring)."""
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    root = pdf.Root.StructTreeRoot
    top = Elem("StructTreeRoot", None, root)
    claimed: dict[tuple[int, int], pikepdf.Object] = {}
    annotations: dict[tuple[int, int], pikepdf.Object] = {}

    def kids_of(obj) -> list:
        k = obj.get("/K")
        return [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]

    def read(obj, parent: Elem) -> Elem:
        assert obj.get("/Type", pikepdf.Name.StructElem) == pikepdf.Name.StructElem
        assert obj.P.objgen == parent.obj.objgen, f"{obj.S}: its /P is not the element above it"
        page = pages[obj.Pg.objgen] if "/Pg" in obj else None
        if "/Pg" in obj:
            assert obj.Pg.objgen in pages, f"{obj.S}: /Pg is not a page of the document"
        elem = Elem(str(obj.S)[1:], page, obj, parent=parent)
        for kid in kids_of(obj):
            if isinstance(kid, int):
                assert page is not None, f"{obj.S}: an MCID without a /Pg"
                mark = Mark(page, int(kid))
            elif kid.get("/Type") == pikepdf.Name.MCR:
                mark = Mark(pages[kid.Pg.objgen], int(kid.MCID))
            elif kid.get("/Type") == pikepdf.Name.OBJR:
                annotations[kid.Obj.objgen] = obj
                elem.kids.append(Mark(pages[kid.Pg.objgen], annotation=kid.Obj))
                continue
            else:
                elem.kids.append(read(kid, elem))
                continue
            key = (mark.page, int(mark.mcid or 0))
            assert key not in claimed, f"MCID {mark} claimed twice"
            claimed[key] = obj
            elem.kids.append(mark)
        return elem

    for kid in kids_of(root):
        top.kids.append(read(kid, top))
    # The parent tree maps every piece of content back to the element that claims it.
    nums = _number_tree(root.ParentTree)
    for index, page in enumerate(pdf.pages):
        entry = nums[int(page.obj.StructParents)]
        for mcid, elem in enumerate(entry):
            if (index, mcid) in claimed:
                assert elem.objgen == claimed[index, mcid].objgen, f"page {index + 1} MCID {mcid}"
        assert {m for (p, m) in claimed if p == index} <= set(range(len(entry)))
    for annotation_id, link in annotations.items():
        annotation = pdf.get_object(annotation_id)
        assert nums[int(annotation.StructParent)].objgen == link.objgen
    document, = top.children()
    document.parent = None
    return document


def _number_tree(node) -> dict[int, pikepdf.Object]:
    out = {}
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            out[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", ()):
        out.update(_number_tree(kid))
    return out


def struct_elems_in_file(pdf: pikepdf.Pdf) -> set[tuple[int, int]]:
    """Every structure element object of the file, reachable from the tree or not."""
    return {obj.objgen for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.StructElem}


@dataclass(frozen=True)
class TextObject:
    page: int
    text: str
    mcid: int  # -1: not marked content with an MCID
    marks: tuple[str, ...]  # the names of the marked-content sequences it is in
    box: tuple[float, float, float, float]  # left, bottom, right, top in PDF points

    @property
    def artifact(self) -> bool:
        return "Artifact" in self.marks


def text_objects(path: Path) -> list[TextObject]:
    """Every text object of every page, with its marked-content id and marks (pdfium)."""
    found: list[TextObject] = []
    pdf = pdfium.PdfDocument(str(path))
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            for obj in page.get_objects():
                if obj.type != raw.FPDF_PAGEOBJ_TEXT:
                    continue
                text = _utf16(raw.FPDFTextObj_GetText, obj.raw, textpage.raw)
                marks = tuple(_mark(raw.FPDFPageObj_GetMark(obj.raw, i))
                              for i in range(raw.FPDFPageObj_CountMarks(obj.raw)))
                found.append(TextObject(index, text, raw.FPDFPageObj_GetMarkedContentID(obj.raw),
                                        marks, tuple(obj.get_bounds())))
    finally:
        pdf.close()
    return found


def mcid_texts(objects: list[TextObject]) -> dict[tuple[int, int], str]:
    """The text of each piece of marked content, (page, MCID) -> text (images: "")."""
    texts: dict[tuple[int, int], str] = {}
    for obj in objects:
        if obj.mcid >= 0:
            texts[obj.page, obj.mcid] = texts.get((obj.page, obj.mcid), "") + obj.text
    return _DefaultEmpty(texts)


class _DefaultEmpty(dict):
    def __missing__(self, key):
        return ""


def plain(text: str) -> str:
    """Text without white space and the marks the typeset pass may make full width."""
    return re.sub(r"\s+", "", text)


def _utf16(function, *args) -> str:
    size = function(*args, None, 0)
    buffer = (ctypes.c_ushort * (size // 2 + 1))()
    function(*args, buffer, size)
    return bytes(buffer)[:size].decode("utf-16-le").rstrip("\x00")


def _mark(mark) -> str:
    length = ctypes.c_ulong()
    raw.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(length))
    buffer = (ctypes.c_ushort * (length.value // 2 + 1))()
    raw.FPDFPageObjMark_GetName(mark, buffer, length.value, ctypes.byref(length))
    return bytes(buffer)[:length.value].decode("utf-16-le").rstrip("\x00")


def artifact_text_types(page: pikepdf.Page) -> list[str]:
    """The /Type of each artifact of a page that shows text (pdfium does not read a marked
    content's name-valued properties: pikepdf's content-stream parser does)."""
    types: list[str] = []
    stack: list[tuple[str, str, bool]] = []
    for instruction in pikepdf.parse_content_stream(page):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # an inline image
        operands, op = instruction.operands, str(instruction.operator)
        if op in ("BDC", "BMC"):
            props = operands[1] if op == "BDC" and len(operands) > 1 else None
            kind = (str(props.get("/Type", "")) if isinstance(props, pikepdf.Dictionary) else "")
            stack.append((str(operands[0]), kind[1:], False))
        elif op == "EMC":
            name, kind, shows = stack.pop()
            if name == "/Artifact" and shows:
                types.append(kind)
        elif op in ("Tj", "TJ", "'", '"') and stack:
            name, kind, _ = stack[-1]
            stack[-1] = (name, kind, True)
    return types
