"""Measuring articles for the grid: galleys laid out by the engine, read back as numbers.

Each (article, width, text columns) is set once in a galley: its head across the box
width, its body in ONE text column of the final column width, with the print stylesheet
and the shared article macros. Because a text column of the same width breaks lines the
same way, the galley tells how many lines each paragraph takes and how tall every block
is (the engine's ``Block`` records, in mm); ``publisher.printing.grid`` turns that into box
heights. Nothing is written to PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine import Block, Document
from ..model import Article
from .grid import Item, Measure, Unit

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


def read_measures(document: Document, galleys: list[Galley]) -> dict[tuple[str, int, int], Measure]:
    """The Measure of every galley in a laid-out galley document."""
    by_key = {g.key: g for g in galleys}
    out: dict[tuple[str, int, int], Measure] = {}
    for section in document.find("galley"):
        key = section.get("key")
        assert key is not None  # every galley section carries its key
        box = section.find("box")[0]
        text = box.find("text")[0]
        head = text.margin.y - box.content.y
        blocks: list[Block] = []
        for child in text.children:
            if "briefs" in child.classes:
                blocks.extend(child.children)
            else:
                blocks.append(child)
        units = []
        wide = []  # tables wider than the text column (the engine lets them overflow)
        column = text.content.width
        tables = 0
        for i, b in enumerate(blocks):
            if b.tag == "table":
                tables += 1
                if b.margin.width > column + 0.2:
                    wide.append((tables, round(b.margin.width, 1), round(column, 1)))
            nxt = blocks[i + 1].margin.y if i + 1 < len(blocks) else b.margin.bottom
            lines = b.line_count if b.tag in ("p", "li") else 0
            units.append(Unit(nxt - b.margin.y, lines, b.tag == "h3"))
        slug, span, cols = key.split("|")
        out[(slug, int(span), int(cols))] = Measure(head, tuple(units), tuple(wide))
        by_key.pop(key, None)
    if by_key:  # a galley that did not come back means the layout broke: never guess
        raise RuntimeError(f"galleys not measured: {sorted(by_key)}")
    return out
