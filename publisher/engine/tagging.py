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

A recording opened with ``free`` (a one-shot render that records no layout: the reading
PDF) walks each page's boxes as soon as the page is painted and then drops them
(``Page._page_box``, freed then by reference counting): nothing after the page's drawing
reads them, and their memory is reused for the next pages' streams and the fonts' subsets,
which came on top of the whole laid-out issue (the reading PDF of 64 版: 406 MB laid out,
458 MB at its peak before this, 435 MB with it).

Touches: ``weasyprint.pdf.add_tags`` (the name ``generate_pdf`` calls: replaced while
recording), ``weasyprint.pdf.stream.Stream.marked`` (a wrapper: artifacts while recording)
and ``weasyprint.document.Page.paint`` (a wrapper: the walk and the drop, in a recording
with ``free``). Reads the box tree (``Page._page_box``, boxes' ``element``, ``children``,
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

    def __init__(self, root, free: bool = False):
        self.order = {element: index for index, element in enumerate(root.iter())}
        self.parents = {child: parent for parent in root.iter() for child in parent}
        self.elements: dict[int, Element] = {}
        self.content: list[Tagged | None] = []
        self.structure: Structure | None = None
        self.free = free  # each page walked as it is painted, its boxes then dropped
        self.painted = 0  # pages walked as they were painted
        # per page: (index in content, element key, annotation reference) of its links,
        # numbered by the page's /Annots in add_tags
        self.links: dict[int, list[tuple[int, int, bytes]]] = {}

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
        assert all(c is not None for c in self.content), "every link numbered by its page's /Annots"
        self.structure = Structure(tuple(ordered), tuple(c for c in self.content if c is not None))
        return self.structure


_recording: _Recording | None = None
_replacements: list[Replacement] = []
_weasy: Any = None  # (boxes, AbsolutePlaceholder, pydyf), bound by replacements()


@contextmanager
def recording(root, free: bool = False):
    """Record the structure of the tagged document written in this block (``root``: its
    HTML root element); yields a holder whose ``structure`` is set once it is written.
    ``free``: each page's boxes dropped once it is painted and walked (the document cannot
    be written again, nor its layout read)."""
    global _recording
    _recording = recorded = _Recording(root, free)
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


def paint(page, stream, scale=1):
    """Page.paint; in a recording with ``free``, the page is walked once painted and its
    boxes dropped (its links numbered in ``add_tags``, once every page is drawn)."""
    _replacements[2].original(page, stream, scale)
    recording = _recording
    if recording is not None and recording.free and stream._tags is not None:
        _walk_page(recording, page._page_box, recording.painted, stream._tags)
        recording.painted += 1
        page._page_box = None  # freed as it is dropped: a page's boxes hold no cycle


def add_tags(pdf, document, pdf_version, page_streams):
    """weasyprint.pdf.add_tags; while recording, the structure is recorded, no tree written."""
    recording = _recording
    if recording is None:
        return _replacements[0].original(pdf, document, pdf_version, page_streams)
    if recording.free and recording.painted != len(page_streams):
        raise RuntimeError(f"{recording.painted} of {len(page_streams)} pages walked as they were painted")
    kids = pdf.pages["Kids"]
    for index, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        if not recording.free:
            _walk_page(recording, page._page_box, index, stream._tags)
        pdf_page = pdf.objects[kids[3 * index]]
        annotations = [bytes(a) for a in pdf_page.get("Annots", ())]
        for at, key, reference in recording.links.pop(index, ()):
            recording.content[at] = Tagged(index, key, annotation=annotations.index(reference))
    recording.finish()


def _walk_page(recording: _Recording, box, page: int, tags: dict) -> None:
    """Record the content of a page's boxes, in order."""
    _walk(recording, box, page, tags, recording.links.setdefault(page, []))
    if tags:  # drawn as marked content, but not found in the page's boxes
        raise RuntimeError(f"page {page + 1}: {len(tags)} marked content items belong to no box")


def _walk(recording: _Recording, box, page: int, tags: dict, links: list[tuple[int, int, bytes]]) -> None:
    boxes, AbsolutePlaceholder, _ = _weasy
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if isinstance(box, boxes.MarginBox):
        return  # drawn as artifacts: see marked()
    if box.link_annotation is not None:  # its number in the page's /Annots: in add_tags
        links.append((len(recording.content), recording.key(box.element, link=True),
                      bytes(box.link_annotation.reference)))
        recording.content.append(None)
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
        _walk(recording, child, page, tags, links)


def replacements() -> list[Replacement]:
    global _weasy
    import pydyf
    from weasyprint import pdf
    from weasyprint.document import Page
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf.stream import Stream

    _weasy = (boxes, AbsolutePlaceholder, pydyf)
    if not _replacements:
        _replacements.append(Replacement(pdf, "add_tags", add_tags))
        _replacements.append(Replacement(Stream, "marked", marked))
        _replacements.append(Replacement(Page, "paint", paint))
    return _replacements
