"""House settings: where the styles and fonts are, and the house's typographic choices.

Settings live in ``[tool.publisher]`` of a ``pyproject.toml`` (the house file). They are
validated once, here; paths in them are relative to that file. A newsroom keeps its own
house file beside its styles/ and fonts/ folders; this repository's is the default.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError, Problem

HOUSE_FILE = "pyproject.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Typography(_Strict):
    # Space between Han characters and Latin letters/digits (clreq: up to 1/4 em).
    cjk_latin_spacing: Literal["off", "eighth", "quarter"] = "quarter"
    # A closing or pause mark at the end of a justified line: "full" keeps its whole em (the
    # blank half inside the column), "half" trims it to half width by letting the blank half
    # hang past the column edge (GB/T 15834 allows both). Default "full": mainland dailies set
    # body text on the character grid (方正 defaults to 全角式), where every character,
    # line-end marks included, takes a whole em; it never looks like a fault to a proofreader,
    # and "half" stays one switch away for a house that wants the optically straighter edge.
    line_end_marks: Literal["full", "half"] = "full"


class Reading(_Strict):
    page_size: Literal["A4", "phone"] = "A4"


class Margins(_Strict):
    top: float = Field(22, ge=0, le=100)
    bottom: float = Field(26, ge=0, le=100)
    inner: float = Field(20, ge=0, le=100)
    outer: float = Field(20, ge=0, le=100)


# Trim sizes of Chinese newspapers, width x height in mm: 对开 broadsheet and 四开 tabloid.
TRIM_PRESETS = {"broadsheet": (390.0, 545.0), "tabloid": (272.0, 390.0)}


class Print(_Strict):
    """The print edition: page geometry, the grid, colour and the PDF/X flavour."""

    trim: Literal["broadsheet", "tabloid"] = "broadsheet"
    trim_size: tuple[float, float] | None = None  # mm, overrides the preset: (width, height)
    margins: Margins = Margins()  # mm, from the trim edge to the type area
    bleed: float = Field(3, ge=0, le=10)  # mm
    marks_offset: float = Field(3, ge=0, le=10)  # mm between the bleed edge and a crop mark
    marks_length: float = Field(6, ge=2, le=15)  # mm
    slug: bool = True  # the slug line (edition, page, build time) outside the trim
    columns: int = Field(8, ge=2, le=12)  # the basic grid (基本栏)
    gutter: float = Field(4, ge=1, le=12)  # mm between grid columns
    body_size: float = Field(9, ge=6, le=14)  # pt; 小五 is 9 pt, 五号 10.5 pt
    line_height: float = Field(13, ge=6, le=24)  # pt
    lunar_date: bool = True  # the masthead prints the lunar date (农历)
    output_profile: Path = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
    output_condition: str = "Ghostscript default CMYK"  # OutputConditionIdentifier
    pdfx: Literal["PDF/X-4"] = "PDF/X-4"
    ink_limit: int = Field(300, ge=200, le=400)  # % total area coverage the preflight warns over
    workers: int = Field(2, ge=1, le=16)  # pages rendered in parallel

    @property
    def trim_mm(self) -> tuple[float, float]:
        return self.trim_size or TRIM_PRESETS[self.trim]


class Settings(_Strict):
    root: Path  # folder of the house file; every relative path starts here
    styles: Path = Path("styles")
    fonts: Path = Path("fonts")
    typography: Typography = Typography()
    reading: Reading = Reading()
    print: Print = Print()
    extra: dict = Field(default_factory=dict)  # sections owned by later stages (print, archive)

    @property
    def styles_dir(self) -> Path:
        return (self.root / self.styles).resolve()

    @property
    def fonts_dir(self) -> Path:
        return (self.root / self.fonts).resolve()

    @property
    def output_profile(self) -> Path:
        return (self.root / self.print.output_profile).resolve()


def find_house_file(start: Path | None = None) -> Path | None:
    """The nearest pyproject.toml with a [tool.publisher] table, from ``start`` upward."""
    candidates = []
    if start is not None:
        candidates.append(Path(start).resolve())
    candidates.append(Path.cwd())
    candidates.append(Path(__file__).resolve().parent.parent)  # this repository
    for base in candidates:
        for folder in (base, *base.parents):
            path = folder / HOUSE_FILE
            if path.is_file():
                try:
                    data = tomllib.loads(path.read_text("utf-8"))
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    continue
                if "publisher" in data.get("tool", {}):
                    return path
    return None


def load_settings(start: Path | None = None, house_file: Path | None = None) -> Settings:
    path = house_file or find_house_file(start)
    if path is None:
        raise ConfigError(Problem("no house file found: no pyproject.toml with [tool.publisher]",
                                  hint="run from the publisher checkout or pass --house FILE",
                                  code="config"))
    try:
        data = tomllib.loads(path.read_text("utf-8"))["tool"]["publisher"]
    except (tomllib.TOMLDecodeError, KeyError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(Problem(f"cannot read [tool.publisher]: {exc}", path, code="config")) from None
    known = set(Settings.model_fields) - {"root", "extra"}
    core = {k: v for k, v in data.items() if k in known}
    extra = {k: v for k, v in data.items() if k not in known}
    try:
        return Settings(root=path.parent.resolve(), extra=extra, **core)
    except ValidationError as exc:
        raise ConfigError([Problem(f"[tool.publisher] {'.'.join(map(str, e['loc']))}: {e['msg']}",
                                   path, code="config") for e in exc.errors()]) from None
