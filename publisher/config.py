"""The house: which house file a run uses, and its settings, typed and strict.

The house is what a newsroom owns and trusts: its settings (``[tool.publisher]`` of a TOML
file, the house file), its styles, its fonts and its paper files. An edition brings none of
them: the house is named (``--house FILE``, or ``$PUBLISHER_HOUSE``) or found from the
working directory, never from an edition folder, and an edition found holding any part of
the house is refused (``ensure_outside``). See ``find_house`` for the search rule.

Settings are validated once, here, strictly (publisher.tomlfile): an unknown section or key
is an error with its line and the nearest known name. Paths in them are relative to the
house file. The default house ships inside the package (``publisher/house/``): it is used
when no other is named or found, so the installed tool works outside this repository.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from .errors import ConfigError, Problem
from .tomlfile import key_lines, read_toml

HOUSE_FILE = "pyproject.toml"  # the name the working-directory search looks for
HOUSE_TABLE = ("tool", "publisher")
HOUSE_ENV = "PUBLISHER_HOUSE"
FONT_MANIFEST = "fonts.toml"


def _path(value: Any) -> Any:
    if isinstance(value, str):
        return Path(value)
    return value  # a Path given by code passes, anything else fails as not a path


def _pair(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value  # TOML arrays are lists


# Strict: TOML has types, so "yes" is not a boolean and "3" not a number. Paths are written
# as strings and arrays are lists: converted first.
HousePath = Annotated[Path, BeforeValidator(_path)]
Size = Annotated[tuple[float, float], BeforeValidator(_pair)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


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
    # Render the reading PDF 版 by 版 in the print's worker processes and join the parts
    # (publisher/reading.py), rather than as one document in one process. The bytes do not
    # depend on the number of workers; they differ from the one-document render's.
    by_page: bool = False


class Margins(_Strict):
    top: float = Field(22, ge=0, le=100)
    bottom: float = Field(26, ge=0, le=100)
    inner: float = Field(20, ge=0, le=100)
    outer: float = Field(20, ge=0, le=100)


NEWSPRINT_CONDITION = "Coldset newsprint, ISO 12647-3 aim values (modelled), TAC 240%"

# Trim sizes of Chinese newspapers, width x height in mm: 对开 broadsheet and 四开 tabloid.
TRIM_PRESETS = {"broadsheet": (390.0, 545.0), "tabloid": (272.0, 390.0)}


class Print(_Strict):
    """The print edition: page geometry, the grid, colour and the PDF/X flavour."""

    trim: Literal["broadsheet", "tabloid"] = "broadsheet"
    trim_size: Size | None = None  # mm, overrides the preset: (width, height)
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
    # The press's characterisation: by default the coldset newsprint profile built at setup
    # (scripts/newsprint_profile.py); a plant's own .icc with its condition replaces it.
    output_profile: HousePath = Path("profiles/publisher-newsprint-240.icc")
    output_condition: str = NEWSPRINT_CONDITION  # OutputConditionIdentifier
    pdfx: Literal["PDF/X-4"] = "PDF/X-4"
    ink_limit: int = Field(240, ge=200, le=400)  # % total area coverage; the preflight fails over it
    # Processes rendering 版 in parallel (and measuring the make-up's galleys); None: one per
    # core. `publisher build --workers N` overrides it for a run.
    workers: int | None = Field(None, ge=1, le=64)
    # Keep each rendered 版 in the page cache and take it from there while what it is
    # rendered from is unchanged (publisher.pagecache): incremental builds, same bytes.
    cache: bool = True

    @property
    def processes(self) -> int:
        """How many worker processes: the setting, else the machine's cores."""
        return self.workers or os.cpu_count() or 1

    @property
    def trim_mm(self) -> tuple[float, float]:
        return self.trim_size or TRIM_PRESETS[self.trim]


class Makeup(_Strict):
    """The automatic page make-up (publisher/makeup, docs/make-up.md)."""

    # Lines of air the solver may add around a headline to fill a column to the foot.
    stretch: int = Field(2, ge=0, le=6)
    # Jumps (下转/上接) of a 版 whose copy does not fit (docs/make-up.md, "Jumps"): "later"
    # lets an article continue on the first later 版 with room (the same 版名 first), and a
    # rest go on again when that 版 overflows; "next" only on the next 版; "named" only on
    # the 版 its layout names (continued_on); "none": a paper that never jumps.
    jumps: Literal["none", "named", "next", "later"] = "later"
    max_jumps: int = Field(6, ge=0, le=12)  # parts that jump, per 版
    # Which articles jump first when some must: "least" important (the last in the page's
    # order; the lead is kept whole where it can be), or the "leads" as many front pages do.
    jump_first: Literal["least", "leads"] = "least"
    # The solver's limit per 版, in its deterministic time units (not seconds: the same
    # plan on any machine under any load).
    work: float = Field(0.5, gt=0, le=60)
    cache: bool = True  # keep measurements and plans on disk (publisher/makeup/cache.py says where)


class Epub(_Strict):
    """The reader EPUB."""

    vertical: bool = False  # vertical writing (竖排), pages turning right to left


class Outputs(_Strict):
    """Writing the outputs."""

    # s: how long a build waits for another one writing the same output folder (it says who,
    # at once), before it gives up with error[locked]
    lock_timeout: int = Field(600, ge=0, le=86_400)


class Ndnp(_Strict):
    """The archive's NDNP profile (``--profile ndnp``): a batch as the Library of Congress's
    National Digital Newspaper Program takes it (docs/archive.md)."""

    # MARC organization code of the institution delivering the batch (the NDNP "awardee"):
    # batch names, the batch file and each page's reproduction agency
    awardee: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{1,15}$")
    # page masters are rendered at this resolution relative to the printed page (NDNP: 300
    # to 400 dpi, the most the source allows: a born-digital page allows 400)
    resolution: int = Field(400, ge=300, le=400)


class Archive(_Strict):
    """The archive package: who makes it (bag-info's organisation and contact fields, the
    METS agent, PREMIS's agent; left out, the paper's publisher is the organisation), its
    signature, and the NDNP profile."""

    organisation: str | None = Field(default=None, min_length=1)  # Source-Organization
    address: str | None = Field(default=None, min_length=1)  # Organization-Address
    contact_name: str | None = Field(default=None, min_length=1)
    contact_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    contact_phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()./-]{3,40}$")
    # An OpenSSH private key (ssh-keygen -t ed25519), or its .pub with the private key in
    # ssh-agent: each bag's tag manifest is signed with it (`publisher archive --sign KEY`
    # does the same for one run), and `publisher verify --signers FILE` checks it.
    sign_key: HousePath | None = None
    ndnp: Ndnp = Ndnp()


class Web(_Strict):
    """The web edition (数字报, publisher/web): page images, feeds, the site's address."""

    # 版 images: this many px wide (WebP, with a JPEG of the same size for browsers without
    # WebP) and a JPEG twice as wide for sharp screens and zooming (a JPEG: a WebP that wide
    # costs eight times its encoding time, most of what the web edition adds to a print build).
    image_width: int = Field(1600, ge=400, le=4000)
    webp_quality: int = Field(80, ge=1, le=100)
    # libwebp's effort (its "method"): 0 is fastest, 6 smallest; 2 makes files about 18 %
    # smaller than 0 for 40 % more encoding time (docs/web.md has the figures).
    webp_effort: int = Field(0, ge=0, le=6)
    jpeg_quality: int = Field(82, ge=1, le=100)
    # The twice-as-wide JPEG's quality: lower, as its pixels are seen at half their size on the
    # screens it is for (about as many bytes as a WebP at webp_quality; docs/web.md).
    jpeg_2x_quality: int = Field(60, ge=1, le=100)
    latest: int = Field(7, ge=1, le=100)  # issues in the "latest" OPDS feed and the Atom feeds
    # Where the site is served, e.g. "https://epaper.example.com/xnrb/": feeds and the
    # OpenSearch description then give absolute addresses, as some readers need. Empty: every
    # link is relative (the site works from any address, and from a folder).
    base_url: str = Field("", pattern=r"^(https?://[^\s?#]+/)?$")


class Settings(_Strict):
    root: Path  # folder of the house file; every relative path starts here (set by publisher)
    file: Path | None = None  # the house file itself (set by publisher)
    styles: HousePath = Path("styles")
    # The fonts folder: fonts.toml and the pinned files it declares. Left out: the default
    # faces (the manifest publisher ships), installed by `publisher fonts install` into the
    # user's font folder (user_fonts_dir).
    fonts: HousePath | None = None
    papers: HousePath = Path("papers")  # the house's paper files, for the importers' --paper NAME
    mappings: HousePath = Path("mappings")  # the house's feed mappings (--map NAME, [match])
    typography: Typography = Typography()
    reading: Reading = Reading()
    print: Print = Print()
    makeup: Makeup = Makeup()
    epub: Epub = Epub()
    outputs: Outputs = Outputs()
    archive: Archive = Archive()
    web: Web = Web()

    @property
    def styles_dir(self) -> Path:
        return (self.root / self.styles).resolve()

    @property
    def fonts_dir(self) -> Path:
        return (self.root / self.fonts).resolve() if self.fonts is not None else user_fonts_dir()

    @property
    def font_manifest(self) -> Path:
        """The fonts.toml that pins the house's faces."""
        if self.fonts is not None:
            return self.fonts_dir / FONT_MANIFEST
        return default_house_dir() / FONT_MANIFEST

    @property
    def papers_dir(self) -> Path:
        return (self.root / self.papers).resolve()

    @property
    def mappings_dir(self) -> Path:
        return (self.root / self.mappings).resolve()

    @property
    def house_file(self) -> Path:
        return self.file or self.root / HOUSE_FILE

    @property
    def output_profile(self) -> Path:
        return (self.root / self.print.output_profile).resolve()

    @property
    def sign_key(self) -> Path | None:
        """The key the archive's bags are signed with (None: unsigned)."""
        key = self.archive.sign_key
        return (self.root / key).resolve() if key is not None else None

    @property
    def parts(self) -> dict[str, Path]:
        """Every file and folder of the house, by what it is (for ensure_outside)."""
        parts = {"house file": self.file or self.root, "styles": self.styles_dir,
                 "fonts": self.fonts_dir, "papers": self.papers_dir, "mappings": self.mappings_dir,
                 "output profile": self.output_profile}
        return {what: path.resolve() for what, path in parts.items()}


# ---------------------------------------------------------------- which house


def default_house_dir() -> Path:
    """The default house, shipped as package data: house.toml, styles/, fonts.toml."""
    folder = resources.files("publisher") / "house"
    if not isinstance(folder, Path):  # e.g. a zip import: WeasyPrint and fontconfig need files
        raise ConfigError(Problem("publisher is installed in a way its default house cannot be "
                                  "read from (not a folder)", hint="install it with pip into a "
                                  "virtual environment, or pass --house FILE", code="config"))
    return folder


def default_house_file() -> Path:
    return default_house_dir() / "house.toml"


def user_fonts_dir() -> Path:
    """Where the default faces are installed for this user: $XDG_DATA_HOME/publisher/fonts
    (~/.local/share/publisher/fonts), filled by `publisher fonts install`."""
    base = os.environ.get("XDG_DATA_HOME", "")
    data = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share"
    return data / "publisher" / "fonts"


def find_house(house: Path | None = None, cwd: Path | None = None) -> tuple[Path, str]:
    """The house file a run uses, and how it was chosen. The rule, first match wins:

    1. ``house``: the ``--house FILE`` option (a folder means its pyproject.toml);
    2. ``$PUBLISHER_HOUSE``, the same, for a newsroom's machines and services;
    3. the nearest ``pyproject.toml`` with a ``[tool.publisher]`` table in the working
       directory or one of its parents;
    4. the default house shipped with publisher.

    Never the edition folder or its parents (those are only searched when they are the
    working directory's, and then ``ensure_outside`` refuses a house inside an edition).
    """
    if house is not None:
        return _named(Path(house), "--house"), "--house"
    if os.environ.get(HOUSE_ENV):
        return _named(Path(os.environ[HOUSE_ENV]), f"${HOUSE_ENV}"), f"${HOUSE_ENV}"
    start = (cwd or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        candidate = folder / HOUSE_FILE
        if candidate.is_file() and _is_house(candidate):
            return candidate, "found from the working directory"
    return default_house_file(), "the default house"


def _named(path: Path, how: str) -> Path:
    path = path.expanduser()
    if path.is_dir():
        path = path / HOUSE_FILE
    if not path.is_file():
        raise ConfigError(Problem(f"no house file here (named by {how})", path,
                                  hint="give the TOML file that holds [tool.publisher]",
                                  code="config"))
    return path.resolve()


def _is_house(path: Path) -> bool:
    """A pyproject.toml is a house file when it has [tool.publisher]; one that does not parse
    is taken as meant to be one if it mentions the table (its errors are then reported)."""
    try:
        text = path.read_text("utf-8")
        return "publisher" in tomllib.loads(text).get("tool", {})
    except (OSError, UnicodeDecodeError):
        return False
    except (ValueError, RecursionError):  # TOMLDecodeError, or a number int() refuses
        return "tool.publisher" in text


def load_settings(house: Path | None = None, *, editions: Sequence[Path] = (),
                  cwd: Path | None = None) -> Settings:
    """The settings of the house ``find_house`` picks, validated; refused when any part of
    the house lies inside one of ``editions`` (the editions the run builds)."""
    path, _how = find_house(house, cwd)
    settings = read_toml(path, Settings, table=HOUSE_TABLE, code="config",
                         fixed={"root": path.parent.resolve(), "file": path},
                         hint="the house file holds the settings in [tool.publisher]; "
                              "the README's \"The house\" lists every key")
    problems = []
    if not settings.styles_dir.is_dir():
        problems.append(Problem(f"the styles folder {settings.styles_dir} does not exist", path,
                                _key_line(path, "styles"), "set styles to the house's styles folder",
                                code="config"))
    if settings.fonts is not None and not settings.font_manifest.is_file():
        problems.append(Problem(f"the fonts folder {settings.fonts_dir} has no {FONT_MANIFEST}", path,
                                _key_line(path, "fonts"), "set fonts to a folder holding fonts.toml, "
                                "or leave it out for the default faces", code="config"))
    if problems:
        raise ConfigError(problems)
    for edition in editions:
        ensure_outside(settings, edition)
    return settings


def _key_line(path: Path, key: str) -> int | None:
    return key_lines(path.read_text("utf-8")).get((*HOUSE_TABLE, key))


def ensure_outside(settings: Settings, edition: Path) -> None:
    """Refuse a house with a part (its file, styles, fonts, papers, output profile) inside
    the edition folder: an edition never brings settings, styles or fonts."""
    root = Path(edition).resolve()
    inside = [(what, p) for what, p in settings.parts.items() if p == root or root in p.parents]
    if inside:
        what, part = inside[0]
        name = "the house file" if what == "house file" else f"the house's {what}"
        raise ConfigError(Problem(
            f"{name} ({part}) is inside {edition}, given as an edition folder: an edition "
            "cannot bring its own settings, styles or fonts", settings.file,
            hint="run from your house folder or name your house with --house FILE; "
                 "see SECURITY.md", code="house-in-edition"))
