"""A page plan judged and shown: its score, a grid drawing, a thumbnail, its layout as TOML.

- ``Score``: white lines at the foot of each grid column, whether every column ends within
  one body line of the foot, jumps, tombstones;
- ``drawing``: the plan as text, one character a grid column and two body lines, one
  letter an article (the legend names them), for a terminal;
- ``thumbnail``: the same as a PNG (Pillow), boxes with their slugs, heads shaded;
- ``write_layout``: the chosen layout written into edition.toml as ``layout`` entries
  (column, columns, text_columns, continued_on), comments and everything else kept
  (tomlkit), for an editor to adjust by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .plan import PagePlan

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Score:
    page: int
    white: tuple[int, ...]  # lines per grid column
    jumps: int
    tombstones: int
    status: str

    @property
    def full(self) -> bool:
        return all(w <= 1 for w in self.white)

    @property
    def white_lines(self) -> int:
        return sum(self.white)

    def __str__(self) -> str:
        cols = " ".join(str(w) for w in self.white)
        verdict = "every column within one line of the foot" if self.full else "short of the foot"
        return (f"white lines per column: {cols} ({verdict}); jumps {self.jumps}; "
                f"tombstones {self.tombstones}; solver: {self.status}")


def score(plan: PagePlan) -> Score:
    return Score(plan.page.number, plan.white, plan.jumps, plan.tombstones, plan.status)


def drawing(plan: PagePlan, rows_per_char: int = 2) -> str:
    """The plan as text: a frame of the grid, each article a letter (its first cell) and its
    area, '=' over its head zone, '.' for white; a legend below."""
    g = plan.grid
    rows = -(-g.lines // rows_per_char)
    cells = [["." for _ in range(g.columns)] for _ in range(rows)]
    legend = []
    for n, p in enumerate(plan.placed):
        letter = LETTERS[n % len(LETTERS)]
        for line in range(p.line, p.line + p.lines):
            r = line // rows_per_char
            for c in range(p.column, p.column + p.span):
                if r < rows:
                    cells[r][c] = "=" if line < p.line + p.head and p.head else letter
            if line == p.line and line // rows_per_char < rows:
                cells[line // rows_per_char][p.column] = letter
        what = f"{p.span} col" + (f", {p.text_columns} text col" if p.text_columns != p.span else "")
        extra = []
        if p.continued_on:
            extra.append(f"下转第{p.continued_on}版")
        if p.continued_from:
            extra.append(f"上接第{p.continued_from}版")
        legend.append(f"  {letter} {p.slug}: column {p.column + 1}, {what}, line {p.line + 1}, "
                      f"{p.lines} lines (head {p.head}), tier {p.tier}"
                      + (f" ({', '.join(extra)})" if extra else ""))
    top = "+" + "-" * (2 * g.columns - 1) + "+"
    body = ["|" + " ".join(row) + "|" for row in cells]
    return "\n".join([top, *body, top, *legend])


def thumbnail(plan: PagePlan, path: Path, scale: float = 1.0) -> None:
    """A PNG of the plan: the type area to scale (1 px a mm), boxes, head zones, white."""
    from PIL import Image, ImageDraw

    g = plan.grid.geometry
    area = g.type_area
    w, h = int(area.width * scale) + 2, int(area.height * scale) + 2
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    ox, oy = area.x, area.y
    draw.rectangle([0, 0, w - 1, int((plan.grid.top - oy) * scale)], fill=(235, 235, 235))
    for p in plan.placed:
        x0, y0 = (p.box.x - ox) * scale, (p.box.y - oy) * scale
        x1, y1 = x0 + p.box.width * scale, y0 + p.box.height * scale
        draw.rectangle([x0, y0, x1, y1], fill=(214, 228, 240), outline=(40, 60, 90))
        if p.head:
            draw.rectangle([x0, y0, x1, y0 + p.zone * scale], fill=(170, 40, 40))
        for col in p.columns[1:]:
            cx = x0 + (col.x - g.gutter / 2) * scale
            draw.line([cx, y0 + p.zone * scale, cx, y1], fill=(120, 140, 170))
        draw.text((x0 + 3, y0 + 3), p.slug, fill=(255, 255, 255) if p.head else (0, 0, 0))
    for c, white in enumerate(plan.white):
        if white:
            x0 = (g.column_x(c) - ox) * scale
            y1 = (area.bottom - oy) * scale
            draw.rectangle([x0, y1 - white * plan.grid.line * scale, x0 + g.column_width * scale, y1],
                           fill=(255, 230, 120))
    img.save(path, format="PNG", optimize=True)


def write_layout(edition_toml: Path, plans: list[PagePlan], source: bytes) -> None:
    """Write each planned page's layout into edition.toml (the pages' ``layout`` arrays are
    replaced; every other line and comment is kept). ``source``: edition.toml's bytes as the
    reader read and checked them (``Edition.sources``), never the file read again: the plans
    were made from them."""
    import tempfile

    import tomlkit

    doc = tomlkit.parse(source.decode("utf-8-sig"))
    by_number = {plan.page.number: plan for plan in plans}
    for table in doc.get("pages", []):
        plan = by_number.get(table.get("number"))
        if plan is None:
            continue
        order = {a.slug: i for i, a in enumerate(plan.page.articles)}
        entries = tomlkit.array()
        entries.multiline(True)
        for p in sorted((p for p in plan.placed if not p.continued_from),
                        key=lambda p: order.get(p.slug, 0)):
            entry = tomlkit.inline_table()
            entry.update({"article": p.slug, "column": p.column + 1, "columns": p.span})
            if p.text_columns != p.span:
                entry["text_columns"] = p.text_columns
            if p.continued_on:
                entry["continued_on"] = p.continued_on
            entries.append(entry)
        table["layout"] = entries
    text = tomlkit.dumps(doc)
    # a new file of a random name (O_EXCL: never through a link the edition brought, as a
    # fixed "edition.toml.tmp" would be), renamed over edition.toml
    fd, tmp = tempfile.mkstemp(prefix=".edition.toml.", suffix=".tmp", dir=edition_toml.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, edition_toml)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

