"""Tagged PDF: what each piece of marked content belongs to, recorded instead of WeasyPrint's tree.

WeasyPrint 70 builds its structure tree page by page (``weasyprint.pdf.tags``): every PDF
page gets its own copy of each element that crosses it (a ``Sect`` per page, an ``Art`` per
piece of an article, a list item cut by a page break becomes two items of two lists), an
anonymous box becomes an element of its own (a heading inside the same heading), the
content of page margin boxes becomes structure elements that nothing points to, and generated
content (leaders, ``target-counter``) becomes tagged text. A tree made page by page also
cannot be joined from renders of parts of a document.

So while a ``recording()`` is open, the engine writes no tree and records instead, per page,
which source element each piece of marked content and each link annotation belongs to
(``records.Structure``): ``publisher.structure`` writes the tree from that record with
pikepdf, for one render or for pages joined from several. What is decoration is drawn as an
artifact, not as marked content:

- content with no source element (what WeasyPrint draws in page margin boxes: running
  heads, folios) as ``/Artifact <</Type /Pagination>>`` (PDF/UA-1 7.8);
- content whose computed custom property ``--pdf-artifact`` is ``layout`` (or
  ``pagination``, ``background``) as an artifact of that type: the house's styles say which
  generated content is decoration (the contents page's leaders and page numbers). CSS
  Content 3 says this with an empty alternative text (``content: leader(".") / ""``), which
  WeasyPrint parses and drops.

Outside a recording, WeasyPrint tags as it always does.

Touches: ``weasyprint.pdf.add_tags`` (the name ``generate_pdf`` calls: replaced while
recording) and ``weasyprint.pdf.stream.Stream.marked`` (a wrapper: artifacts while recording).
Reads the box tree (``Page._page_box``, boxes' ``element``, ``children``,
``link_annotation``), the stream's ``_tags`` (box -> MCID) and the page dictionaries' /Annots.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

from .patching import Replacement
from .records import PT_PER_PX, Element, Structure, Tagged
from .typeset import custom_property

ARTIFACT_TYPES = frozenset({"pagination", "layout", "background"})


class _Recording:
    """The structure of one write: elements by source element, content in reading order."""

    def __init__(self, root):
        self.order = {element: index for index, element in enumerate(root.iter())}
        self.parents = {child: parent for parent in root.iter() for child in parent}
        self.elements: dict[int, Element] = {}
        self.content: list[Tagged] = []
        self.structure: Structure | None = None

    def key(self, element, link: bool = False) -> int:
        """The key of ``element``, recorded with its ancestors the first time it is met."""
        key = self.order[element]
        known = self.elements.get(key)
        if known is None or (link and known.text is None):
            parent = self.parents.get(element)
            text = " ".join("".join(element.itertext()).split()) if link else None
            self.elements[key] = Element(
                key, None if parent is None else self.key(parent), str(element.tag),
                tuple(sorted((str(k), str(v)) for k, v in element.attrib.items())), text)
        return key

    def finish(self) -> Structure:
        ordered = sorted(self.elements.values(), key=lambda e: e.key)  # parents come first
        self.structure = Structure(tuple(ordered), tuple(self.content))
        return self.structure


_recording: _Recording | None = None
_replacements: list[Replacement] = []
_weasy: Any = None  # (boxes, AbsolutePlaceholder, pydyf), bound by replacements()


@contextmanager
def recording(root):
    """Record the structure of the tagged document written in this block (``root``: its
    HTML root element); yields a holder whose ``structure`` is set once it is written."""
    global _recording
    _recording = recorded = _Recording(root)
    try:
        yield recorded
    finally:
        _recording = None


def reset() -> None:
    """No recording open: for a render that no other render is inside of."""
    global _recording
    _recording = None


def artifact_type(box) -> str | None:
    """The artifact type ``box`` is drawn as while recording, or None for tagged content."""
    if box.element is None:
        return "pagination"  # page margin boxes: running heads, folios
    kind = custom_property(box.style, "__pdf_artifact")
    return kind if kind in ARTIFACT_TYPES else None


@contextmanager
def marked(stream, box, tag):
    """Stream.marked; while recording, decoration is drawn as an artifact instead, and a text
    box whose text collapsed to nothing (it draws nothing) is not marked at all."""
    if _recording is None or stream._tags is None:
        kind = None
    elif isinstance(box, _weasy[0].TextBox) and not box.text:
        yield
        return
    else:
        kind = artifact_type(box)
    if kind is None:
        with _replacements[1].original(stream, box, tag):
            yield
        return
    pydyf = _weasy[2]
    pydyf.Stream.begin_marked_content(
        stream, "Artifact", pydyf.Dictionary({"Type": f"/{kind.capitalize()}"}))
    try:
        yield
    finally:
        pydyf.Stream.end_marked_content(stream)


def add_tags(pdf, document, pdf_version, page_streams):
    """weasyprint.pdf.add_tags; while recording, the structure is recorded, no tree written."""
    recording = _recording
    if recording is None:
        return _replacements[0].original(pdf, document, pdf_version, page_streams)
    kids = pdf.pages["Kids"]
    for index, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        tags = stream._tags
        pdf_page = pdf.objects[kids[3 * index]]
        annotations = [bytes(a) for a in pdf_page.get("Annots", ())]
        _walk(recording, page._page_box, index, tags, annotations)
        if tags:  # drawn as marked content, but not found in the page's boxes
            raise RuntimeError(f"page {index + 1}: {len(tags)} marked content items belong to no box")
    recording.finish()


def _walk(recording: _Recording, box, page: int, tags: dict, annotations: list[bytes]) -> None:
    boxes, AbsolutePlaceholder, _ = _weasy
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.MarginBox):
        return  # drawn as artifacts: see marked()
    if box.link_annotation is not None:
        number = annotations.index(box.link_annotation.reference)
        recording.content.append(Tagged(page, recording.key(box.element, link=True), annotation=number))
    if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
        tag = tags.pop(box, None)  # None: drawn as an artifact
        if tag is not None:
            where = None
            if isinstance(box, boxes.ReplacedBox):
                where = (box.content_box_x() * PT_PER_PX, box.content_box_y() * PT_PER_PX,
                         box.width * PT_PER_PX, box.height * PT_PER_PX)
            recording.content.append(Tagged(page, recording.key(box.element), mcid=tag["mcid"], box=where))
        return
    for child in getattr(box, "children", ()):
        _walk(recording, child, page, tags, annotations)


def replacements() -> list[Replacement]:
    global _weasy
    import pydyf
    from weasyprint import pdf
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf.stream import Stream

    _weasy = (boxes, AbsolutePlaceholder, pydyf)
    if not _replacements:
        _replacements.append(Replacement(pdf, "add_tags", add_tags))
        _replacements.append(Replacement(Stream, "marked", marked))
    return _replacements
