"""Measuring articles for the grid: galleys laid out by WeasyPrint, read back as numbers.

Each (article, width, text columns) is set once in a galley: its head across the box
width, its body in ONE text column of the final column width, with the print stylesheet
and the shared article macros. Because a text column of the same width breaks lines the
same way, the galley tells how many lines each paragraph takes and how tall every block
is; ``publisher.printing.grid`` turns that into box heights. Nothing is written to PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Article
from .grid import Item, Measure, Unit

PX_TO_MM = 25.4 / 96  # WeasyPrint lays out in CSS px
GALLEY_HEIGHT = 15000  # mm: tall enough that a galley never breaks across pages


@dataclass(frozen=True)
class Galley:
    key: str
    article: Article
    width: float  # mm
    column_width: float  # mm


def galleys_for(items: list[Item], geometry) -> list[Galley]:
    seen: dict[str, Galley] = {}
    for item in (v for i in items for v in i.variants()):
        key = "|".join(map(str, item.key))
        if key in seen:
            continue
        width = geometry.span_width(item.span)
        column = (width - (item.text_columns - 1) * geometry.gutter) / item.text_columns
        seen[key] = Galley(key, item.article, width, column)
    return list(seen.values())


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) is None:
        return set()
    return set((element.get("class") or "").split())


def _find(box, cls: str):
    """Boxes with class ``cls`` below ``box`` (not below a match), in document order."""
    found = []
    for child in getattr(box, "children", ()):
        if cls in _classes(child):
            found.append(child)
        else:
            found.extend(_find(child, cls))
    return found


def _line_count(box) -> int:
    return sum(1 for c in getattr(box, "children", ()) if type(c).__name__ == "LineBox")


def read_measures(document, galleys: list[Galley]) -> dict[tuple[str, int, int], Measure]:
    """The Measure of every galley in a laid-out galley document."""
    by_key = {g.key: g for g in galleys}
    out: dict[tuple[str, int, int], Measure] = {}
    for page in document.pages:
        for section in _find(page._page_box, "galley"):
            key = section.element.get("data-key")
            box = _find(section, "box")[0]
            text = _find(box, "text")[0]
            head = (text.position_y - box.content_box_y()) * PX_TO_MM
            blocks = []
            for child in text.children:
                if "briefs" in _classes(child):
                    blocks.extend(child.children)
                else:
                    blocks.append(child)
            units = []
            for i, b in enumerate(blocks):
                nxt = blocks[i + 1].position_y if i + 1 < len(blocks) else b.position_y + b.margin_height()
                tag = b.element_tag
                lines = _line_count(b) if tag in ("p", "li") else 0
                units.append(Unit((nxt - b.position_y) * PX_TO_MM, lines, tag == "h3"))
            slug, span, cols = key.split("|")
            out[(slug, int(span), int(cols))] = Measure(head, tuple(units))
            by_key.pop(key, None)
    if by_key:  # a galley that did not come back means the layout broke: never guess
        raise RuntimeError(f"galleys not measured: {sorted(by_key)}")
    return out
