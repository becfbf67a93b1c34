"""Page geometry of the print edition: trim, bleed, mark area, type area and the grid.

Every size here is in millimetres and comes from the house's ``[tool.publisher.print]``.
The sheet WeasyPrint draws is the trim plus, on each side, the bleed and the mark area
(offset + mark length): its ``bleed`` is set to that whole margin so that MediaBox is
exact, and the PDF/X step puts BleedBox back at the real bleed. WeasyPrint's own
``marks`` are not used: it draws them inside the bleed, where the plant trims into them;
ours start ``marks_offset`` outside the bleed edge (ISO 12647 practice).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Print

MM_PER_PT = 25.4 / 72


def mm_to_pt(mm: float) -> float:
    return mm / MM_PER_PT


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
