"""Page geometry of the print edition: trim, bleed, mark area, type area, the grid of columns
and the grid of body lines the make-up counts in.

Every size here is in millimetres and comes from the house's ``[tool.publisher.print]``.
The sheet WeasyPrint draws is the trim plus, on each side, the bleed and the mark area
(offset + mark length): its ``bleed`` is set to that whole margin so that MediaBox is
exact, and the PDF/X step puts BleedBox back at the real bleed. WeasyPrint's own
``marks`` are not used: it draws them inside the bleed, where the plant trims into them;
ours start ``marks_offset`` outside the bleed edge (ISO 12647 practice).

The make-up works in body lines (``Grid``): a 版's grid is a whole number of body lines
tall and ends exactly at the foot of the type area; the bands above it (page head, and the
masthead on page 1) take what is left over at the top, so that a column filled with whole
lines ends at the foot.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Print

MM_PER_PT = 25.4 / 72


def mm_to_pt(mm: float) -> float:
    return mm / MM_PER_PT


def line_mm(line_height_pt: float) -> float:
    """One body line, in mm."""
    return line_height_pt * MM_PER_PT


PAGE_HEAD = 9.0  # mm: the 版头 band
MASTHEAD = 48.0  # mm: the 报头 band on page 1
BAND_GAP = 4.0  # mm, at least, between a band and the grid


@dataclass(frozen=True)
class Box:
    """A rectangle in mm, origin top left of the trim."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Geometry:
    trim_width: float
    trim_height: float
    bleed: float
    marks_offset: float
    marks_length: float
    top: float
    bottom: float
    left: float
    right: float
    columns: int
    gutter: float

    @classmethod
    def for_page(cls, settings: Print, number: int) -> Geometry:
        width, height = settings.trim_mm
        m = settings.margins
        # Odd pages are right-hand pages: their inner margin is on the left.
        left, right = (m.inner, m.outer) if number % 2 else (m.outer, m.inner)
        return cls(width, height, settings.bleed, settings.marks_offset, settings.marks_length,
                   m.top, m.bottom, left, right, settings.columns, settings.gutter)

    @property
    def outside(self) -> float:
        """What the sheet adds to the trim on each side: bleed, offset and marks."""
        return self.bleed + self.marks_offset + self.marks_length

    @property
    def media(self) -> tuple[float, float]:
        return self.trim_width + 2 * self.outside, self.trim_height + 2 * self.outside

    @property
    def type_area(self) -> Box:
        return Box(self.left, self.top, self.trim_width - self.left - self.right,
                   self.trim_height - self.top - self.bottom)

    @property
    def column_width(self) -> float:
        """One basic grid column (基本栏)."""
        return (self.type_area.width - (self.columns - 1) * self.gutter) / self.columns

    def span_width(self, span: int) -> float:
        return span * self.column_width + (span - 1) * self.gutter

    def column_x(self, column: int) -> float:
        """Left edge of grid column ``column`` (0-based), from the trim's left edge."""
        return self.type_area.x + column * (self.column_width + self.gutter)

    def crop_marks(self) -> list[Box]:
        """The eight crop-mark strokes as zero-width or zero-height boxes, outside the bleed."""
        start = self.bleed + self.marks_offset
        end = start + self.marks_length
        w, h = self.trim_width, self.trim_height
        marks = []
        for x in (0.0, w):  # vertical strokes above and below each trim corner
            marks.append(Box(x, -end, 0, self.marks_length))
            marks.append(Box(x, h + start, 0, self.marks_length))
        for y in (0.0, h):  # horizontal strokes left and right of each trim corner
            marks.append(Box(-end, y, self.marks_length, 0))
            marks.append(Box(w + start, y, self.marks_length, 0))
        return marks

    @property
    def slug_y(self) -> float:
        """Baseline band of the slug line: in the mark area below the bleed."""
        return self.trim_height + self.bleed + self.marks_offset


@dataclass(frozen=True)
class Grid:
    """A 版's grid of columns and body lines: ``lines`` lines from ``top`` to the foot."""

    geometry: Geometry
    line: float  # mm: one body line
    top: float  # mm from the trim's top: where line 0 starts
    lines: int  # body lines from ``top`` to the foot of the type area
    masthead: bool

    @classmethod
    def for_page(cls, settings: Print, number: int) -> Grid:
        g = Geometry.for_page(settings, number)
        line = line_mm(settings.line_height)
        area = g.type_area
        bands = PAGE_HEAD + BAND_GAP + (MASTHEAD + BAND_GAP if number == 1 else 0.0)
        lines = int((area.height - bands) / line + 1e-6)
        return cls(g, line, area.bottom - lines * line, lines, number == 1)

    @property
    def columns(self) -> int:
        return self.geometry.columns

    def y(self, line: int) -> float:
        """mm from the trim's top of grid line ``line``."""
        return self.top + line * self.line

    def text_width(self, span: int, text_columns: int) -> float:
        """The width of one text column of an article ``span`` grid columns wide in
        ``text_columns`` columns (the basic column when they are equal)."""
        g = self.geometry
        return (g.span_width(span) - (text_columns - 1) * g.gutter) / text_columns
