"""The logical structure of a tagged PDF (PDF/UA-1, PDF/A-2a): written with pikepdf from the
engine's record of what each piece of marked content belongs to.

The engine draws the content (text and images as marked content with an MCID, decoration as
artifacts) and records, page by page, which source element each piece belongs to
(``engine.Structure``); ``tag`` turns that record into the PDF's structure tree. One source
element is one structure element, however many pages it crosses: one ``Sect`` per 版, one
``Art`` per article, one ``LI`` per brief even where a page break cuts it; the kids of each
come in reading order, with marked content on other pages than the element's own ``Pg``
referenced by MCR. Because the tree is made from the record and not by the render, the pages
of several renders joined into one PDF are tagged as one document (``Structure.join``).

The structure types (PDF 1.7's standard types, so no role map is needed), from the HTML
publisher's templates write:

- ``section`` → ``Sect`` (a 版), ``article`` → ``Art``, ``div``, ``figure`` → ``Div``;
- ``h1``…``h6`` → ``H1``…``H6`` (the reading PDF: H1 the contents and each 版, H2 an
  article, H3 a subhead); a heading inside a heading adds no second heading;
- ``p`` → ``P``, ``blockquote`` → ``BlockQuote``; content loose in a grouping element (a
  section, a list) gets a ``P`` of its own;
- ``ul``/``ol`` → ``L``, ``li`` → ``LI`` whose content is its ``LBody`` (a nested list
  included, as PDF 1.7 14.8.4.3.3 describes);
- ``a`` → ``Link``, holding its text and its link annotation (OBJR), whose /Contents is the
  link's text;
- ``img`` → ``Figure`` with its alt text as /Alt and its BBox, ``figcaption`` → ``Caption``
  beside it in the figure's ``Div`` (an /Alt replaces everything below its element, so the
  caption must not be inside the ``Figure``);
- ``table``, ``thead``/``tbody``/``tfoot``, ``tr``, ``th`` (with its /Scope), ``td``,
  ``caption``: PDF's table types;
- every other element (``html``, ``body``, ``header``, ``span``, ``strong``…) adds no
  element: its content belongs to the nearest element above it that does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pikepdf
from pikepdf import Array, Dictionary, Name

from .engine import Element, Structure, Tagged

ROLES = {
    "section": "Sect", "article": "Art", "div": "Div", "figure": "Div", "main": "Part",
    "h1": "H1", "h2": "H2", "h3": "H3", "h4": "H4", "h5": "H5", "h6": "H6",
    "p": "P", "blockquote": "BlockQuote",
    "ul": "L", "ol": "L", "li": "LI",
    "a": "Link", "img": "Figure", "figcaption": "Caption",
    "table": "Table", "caption": "Caption", "thead": "THead", "tbody": "TBody", "tfoot": "TFoot",
    "tr": "TR", "th": "TH", "td": "TD",
}
HEADINGS = frozenset({"H1", "H2", "H3", "H4", "H5", "H6"})
# Elements that hold other elements, never content of their own (loose content gets a P).
GROUPING = frozenset({"Document", "Part", "Sect", "Art", "Div", "L", "LI", "Table", "THead",
                      "TBody", "TFoot", "TR"})
SCOPES = {"col": "Column", "row": "Row", "colgroup": "Column", "rowgroup": "Row"}


@dataclass(eq=False)
class Node:
    """One structure element being built: its type, the page of its first content, its kids
    (nodes, marked content, annotations) in reading order, and where it came from."""

    role: str
    page: int
    element: Element | None = None
    kids: list[Node | Tagged] = field(default_factory=list)
    body: Node | None = None  # an LI's LBody: where its content goes
    box: tuple[float, float, float, float] | None = None  # a Figure's, in pt from top left

    @property
    def container(self) -> Node:
        return self.body or self


class _Builder:
    """The tree of nodes for a structure record (``root``: the Document)."""

    def __init__(self, structure: Structure):
        self.elements = {e.key: e for e in structure.elements}
        self.roles: dict[int, str | None] = {}
        self.nodes: dict[int, Node] = {}
        self.root: Node | None = None
        for tagged in structure.content:
            self.add(tagged)

    def role(self, key: int) -> str | None:
        """The structure type of element ``key``, or None where it adds no element."""
        if key not in self.roles:
            element = self.elements[key]
            role = ROLES.get(element.tag)
            above = self._roles_above(element.parent)
            if (role in HEADINGS and above & HEADINGS) or (role == "Link" and "Link" in above):
                role = None  # no heading inside a heading, no link inside a link
            self.roles[key] = role
        return self.roles[key]

    def _roles_above(self, key: int | None) -> set[str]:
        roles = set()
        while key is not None:
            role = self.role(key)
            if role:
                roles.add(role)
            key = self.elements[key].parent
        return roles

    def node(self, key: int | None, page: int) -> Node:
        """The node content of element ``key`` goes into, made (with those above it) if this
        is its first content, which is on ``page``."""
        if key is None:
            if self.root is None:
                self.root = Node("Document", page)
            return self.root
        role = self.role(key)
        element = self.elements[key]
        if role is None:
            return self.node(element.parent, page)
        node = self.nodes.get(key)
        if node is None:
            parent = self.node(element.parent, page).container
            node = self.nodes[key] = Node(role, page, element)
            if role == "LI":
                node.body = Node("LBody", page)
                node.kids.append(node.body)
            parent.kids.append(node)
        return node

    def add(self, tagged: Tagged) -> None:
        node = self.node(tagged.element, tagged.page)
        if node.role == "Figure" and tagged.box and node.box is None:
            node.box = tagged.box
        target = node.container
        if target.role in GROUPING and tagged.annotation is None:
            last = target.kids[-1] if target.kids else None
            if not (isinstance(last, Node) and last.role == "P" and last.element is None):
                last = Node("P", tagged.page)
                target.kids.append(last)
            target = last
        target.kids.append(tagged)


def tag(pdf: pikepdf.Pdf, structure: Structure) -> None:
    """Write the structure tree of ``pdf`` (its content marked as ``structure`` records; any
    tree it had is replaced), the parent tree that maps content back to it, and what a
    tagged PDF declares: /MarkInfo, the document title shown, tab order by structure."""
    root = _Builder(structure).root or Node("Document", 0)
    pages = list(pdf.pages)
    tree_root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    parents: dict[int, dict[int, pikepdf.Object]] = {i: {} for i in range(len(pages))}
    annotations: list[pikepdf.Object] = []
    writer = _Writer(pdf, pages, parents, annotations)
    tree_root.K = writer.write(root, tree_root)
    nums = Array()
    for index, page in enumerate(pages):
        marked = parents[index]
        nums.append(index)
        nums.append(Array([marked.get(mcid) for mcid in range(max(marked, default=-1) + 1)]))
        page.obj.StructParents = index
        page.obj.Tabs = Name.S
    for number, element in enumerate(annotations, start=len(pages)):
        nums.append(number)
        nums.append(element)
    tree_root.ParentTree = pdf.make_indirect(Dictionary(Nums=nums))
    tree_root.ParentTreeNextKey = len(pages) + len(annotations)
    pdf.Root.StructTreeRoot = tree_root
    pdf.Root.MarkInfo = Dictionary(Marked=True)
    preferences = pdf.Root.get("/ViewerPreferences", Dictionary())
    preferences.DisplayDocTitle = True
    pdf.Root.ViewerPreferences = preferences


class _Writer:
    def __init__(self, pdf, pages, parents, annotations):
        self.pdf, self.pages, self.parents, self.annotations = pdf, pages, parents, annotations

    def write(self, node: Node, parent: pikepdf.Object) -> pikepdf.Object:
        page = self.pages[node.page].obj
        element = self.pdf.make_indirect(Dictionary(
            Type=Name.StructElem, S=Name("/" + node.role), P=parent, Pg=page))
        kids = Array()
        for kid in node.kids:
            if isinstance(kid, Node):
                kids.append(self.write(kid, element))
            elif kid.annotation is not None:
                kids.append(self._annotation(kid, node, element))
            else:
                self.parents[kid.page][kid.mcid] = element
                kids.append(kid.mcid if kid.page == node.page else Dictionary(
                    Type=Name.MCR, Pg=self.pages[kid.page].obj, MCID=kid.mcid))
        element.K = kids
        self._attributes(node, element)
        return element

    def _annotation(self, kid: Tagged, node: Node, element: pikepdf.Object) -> Dictionary:
        page = self.pages[kid.page].obj
        annotation = page.Annots[kid.annotation]
        annotation.StructParent = len(self.pages) + len(self.annotations)
        self.annotations.append(element)
        if node.element is not None and node.element.text:
            annotation.Contents = pikepdf.String(node.element.text)
        return Dictionary(Type=Name.OBJR, Obj=annotation, Pg=page)

    def _attributes(self, node: Node, element: pikepdf.Object) -> None:
        source = node.element
        if source is None:
            return
        if node.role == "Figure":
            element.Alt = pikepdf.String(source.get("alt") or "")
            if node.box:
                x, y, width, height = node.box
                top = float(self.pages[node.page].trimbox[3])  # the page box's top, in PDF's y
                element.A = Dictionary(O=Name.Layout, Placement=Name.Block, BBox=Array(
                    [round(x, 2), round(top - y - height, 2), round(x + width, 2), round(top - y, 2)]))
        elif node.role in ("TH", "TD"):
            attributes = Dictionary(O=Name.Table)
            scope = SCOPES.get(source.get("scope") or "")
            if node.role == "TH" and scope:
                attributes.Scope = Name("/" + scope)
            for name, key in (("colspan", "ColSpan"), ("rowspan", "RowSpan")):
                span = source.get(name) or "1"
                if span.isdigit() and int(span) > 1:
                    attributes[f"/{key}"] = int(span)
            if len(attributes) > 1:
                element.A = attributes
        lang = source.get("lang")
        if lang:
            element.Lang = pikepdf.String(lang)
