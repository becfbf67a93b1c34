"""The native edition format: ``edition.toml`` + ``articles/<slug>.md`` + ``images/``.

``read_edition(folder)`` reads and validates a whole edition and returns the model, or
raises one SourceError listing every problem found (file:line, what, how to fix).
Validation happens here, at the edge, so renderers can trust the model.

Sources are untrusted: every file is read once through ``sources.files`` (inside the
edition, no link followed, no FIFO or device, no hard link to a file elsewhere) and the
model carries the bytes that were checked; every image path must stay inside the edition
folder, remote and ``data:`` URLs are refused, images are decoded whole with Pillow under a
pixel limit (their colour profile must fit their pixels), and text files are strict UTF-8.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import tomllib
import warnings
from bisect import bisect_left
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from ..errors import Problems, SourceError
from ..model import (
    Article,
    ArticleKind,
    Byline,
    Credit,
    Edition,
    Editor,
    Image,
    Issue,
    Page,
    Paper,
    Placement,
    SourceRef,
)
from ..tomlfile import did_you_mean, key_lines, line_at, syntax_problem
from . import markdown
from .files import EditionFiles, Refused
from .text import (
    BLANK_LETTERS,
    FORMAT_CHARACTERS_BEYOND,
    FORMAT_CHARACTERS_BMP,
    MAX_NESTING,
    SEPARATORS,
    CharacterClass,
    decode,
    describe,
    hidden_characters,
    invisible_characters,
    invisible_hint,
    long_number,
    read_text,
    too_deep,
)

EDITION_FILE = "edition.toml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_IMAGE_PIXELS = 60_000_000  # ~ a 9000 x 6600 photo; larger is a bomb or a mistake
MAX_IMAGE_BYTES = 50 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_HEADLINE = 120
# The issue dates publisher takes: two centuries of dailies either side of today's. Outside
# them a date is a typo (0219 for 2019), and the formats' own limits begin (ZIP timestamps
# before 1980 are clamped, see epub).
FIRST_DATE, LAST_DATE = dt.date(1800, 1, 1), dt.date(2199, 12, 31)
# A 版 number beyond 999 or an issue number (总第…期) beyond 999,999 is a typo, not a paper:
# the largest dailies print a few hundred 版 and have not reached 总第30000期.
MAX_PAGE_NUMBER, MAX_ISSUE_NUMBER = 999, 999_999
# A paragraph (caption, brief, table) of more characters is a paste that lost its line
# breaks; the layout engine's cost per line grows with its paragraph's length, so without a
# limit a build's time grows with the square of the input (README, Limits).
MAX_BLOCK = 20_000
MIN_IMAGE_SIDE = 8  # smaller is a tracking pixel or a broken export, not a news photo
MAX_IMAGE_ASPECT = 20  # a longer strip is no news photo (and a side beyond 65,500 px, which
                       # no JPEG encoder writes, needs a longer one within the pixel limit)
# A tag or comment in a front-matter field: plain-text fields never hold markup.
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")

# Roles that start a credit in a byline ("通讯员 王颖 潘尚", "记者A", "本报记者 李四").
BYLINE_ROLES = ("本报记者", "特约记者", "见习记者", "首席记者", "记者", "特约通讯员", "通讯员",
                "实习生", "摄影", "文/图", "文", "图", "编译", "整理")


# ---------------------------------------------------------------- schemas


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class PaperSchema(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    name: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    cn: str | None = None
    issn: str | None = Field(default=None, pattern=r"^\d{4}-\d{3}[\dX]$")
    # Library of Congress Control Number of the title, normalised (sn83045462), where one
    # was assigned: the title identifier of the archive's NDNP profile
    lccn: str | None = Field(default=None, pattern=r"^[a-z]{0,3}\d{8}(\d{2})?$")
    language: str = "zh-Hans"
    url: str | None = None


class IssueSchema(_Strict):
    date: dt.date
    number: int | None = Field(default=None, ge=1, le=MAX_ISSUE_NUMBER)  # 总第…期; without it none is printed
    edition: str | None = None
    edition_code: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")
    volume: int | None = Field(default=None, ge=1)  # 卷, where the paper prints one
    edition_order: int = Field(default=1, ge=1, le=99)  # which edition of the day (NDNP)
    note: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _toml_date(cls, v: Any) -> Any:
        if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
            raise ValueError("write the date as a TOML date without quotes, e.g. date = 2019-10-21")
        if not FIRST_DATE <= v <= LAST_DATE:
            raise ValueError(f"an issue date from {FIRST_DATE} to {LAST_DATE}: {v} is a typo "
                             "(README, Limits)")
        return v


class EditorSchema(_Strict):
    role: str = "责任编辑"
    name: str


class LayoutSchema(_Strict):
    article: str
    columns: int | None = Field(default=None, ge=1, le=8)
    continued_on: int | None = Field(default=None, ge=1)
    column: int | None = Field(default=None, ge=1, le=12)
    text_columns: int | None = Field(default=None, ge=1, le=12)


class PageSchema(_Strict):
    number: int = Field(ge=1, le=MAX_PAGE_NUMBER)
    name: str = Field(min_length=1)
    label: str | None = None
    editors: list[EditorSchema] = []
    articles: list[str] = Field(min_length=1)
    layout: list[LayoutSchema] = []


class EditionSchema(_Strict):
    paper: PaperSchema
    issue: IssueSchema
    pages: list[PageSchema] = Field(min_length=1)


class FrontMatter(_Strict):
    kind: ArticleKind = ArticleKind.NEWS
    headline: str | None = None
    kicker: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    dateline: str | None = None


# ---------------------------------------------------------------- reading


def read_edition(folder: Path, problems: Problems | None = None) -> Edition:
    """Read the edition in ``folder``; raise SourceError with every problem found.

    Warnings (an article file on no page, …) are added to ``problems`` when given.
    """
    problems = problems if problems is not None else Problems()
    folder = Path(folder)
    if not folder.exists():
        raise SourceError(problems_one(f"no such edition folder: {folder}", folder,
                                       "give the folder that holds edition.toml", code="no-edition"))
    if not folder.is_dir():
        raise SourceError(problems_one("the edition path is a file, not a folder", folder,
                                       "give the folder that holds edition.toml",
                                       code="edition-not-folder"))
    root = folder.resolve()
    files = EditionFiles(root)
    toml_path = folder / EDITION_FILE
    try:
        toml_bytes = files.read(EDITION_FILE)
    except Refused as exc:
        code = {"missing": "no-edition-toml", "outside": "outside-edition"}.get(exc.kind, _REFUSED_CODE[exc.kind])
        hint = {"missing": "create it; see the README's edition format",
                "outside": "replace the link with the file itself"}.get(exc.kind, _REFUSED_HINT[exc.kind])
        message = f"no {EDITION_FILE} in the edition folder" if exc.kind == "missing" else exc.message
        raise SourceError(problems_one(message, toml_path, hint, code=code)) from None
    text, problem = decode(toml_bytes, toml_path)
    if problem or text is None:
        raise SourceError([problem] if problem else [])
    sources: dict[str, bytes] = {EDITION_FILE: toml_bytes}
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(syntax_problem(exc, text, toml_path)) from None
    except RecursionError:
        raw = None
    except ValueError:  # a number of more than 4,300 digits (tomllib lets int()'s error out)
        raise SourceError(problems_one("invalid TOML: a number of more than 4,300 digits", toml_path,
                                       "this file is broken", code="toml",
                                       line=long_number(text))) from None
    if raw is None or too_deep(raw):
        raise SourceError(problems_one(f"tables or arrays nested more than {MAX_NESTING} deep",
                                       toml_path, "edition.toml nests three levels at most; "
                                       "this file is broken", code="toml"))
    lines = _Lines(text)
    for loc, value in _strings(raw):
        check_field(".".join(map(str, loc)), value, toml_path, lambda loc=loc: lines.of(loc),
                    problems, "edition.toml's strings are plain text")
    try:
        schema = EditionSchema.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            problems.add(_describe(err), toml_path, lines.of(err["loc"]),
                         hint=_hint(err), code="schema")
        raise SourceError(problems.items) from None

    issue = Issue(**schema.issue.model_dump())
    paper = Paper(**schema.paper.model_dump())
    articles_dir = folder / "articles"
    listed: dict[str, int] = {}
    pages: list[Page] = []
    for p in schema.pages:
        arts: list[Article] = []
        for slug in p.articles:
            line = lines.of_value(slug)
            if not SLUG.match(slug):
                problems.add(f"article slug {slug!r} is not a lower-case ASCII name", toml_path, line,
                             hint="use letters a-z, digits and hyphens, e.g. \"jiceng-zhili\"",
                             code="slug")
                continue
            if slug in listed:
                problems.add(f"article {slug!r} is listed twice (already on page {listed[slug]})",
                             toml_path, line, hint="an article appears on one page only; "
                             "use layout continued_on for a jump", code="duplicate-article")
                continue
            listed[slug] = p.number
            path = articles_dir / f"{slug}.md"
            try:
                data = files.read(f"articles/{slug}.md")
            except Refused as exc:
                if exc.kind == "missing":
                    problems.add(f"article {slug!r} is listed but {path} does not exist", toml_path,
                                 line, hint=f"create articles/{slug}.md or remove {slug!r} from the page",
                                 code="missing-article")
                else:  # a link (to a local file it would publish), a FIFO, a device, too large
                    problems.add(f"article {slug!r}: {exc.message}", path, hint=_REFUSED_HINT[exc.kind],
                                 code=_REFUSED_CODE[exc.kind])
                continue
            sources[f"articles/{slug}.md"] = data
            article = read_article(path, slug, root, problems, data=data, files=files)
            if article is not None:
                arts.append(article)
        placements = []
        for lay in p.layout:
            if lay.article not in p.articles:
                problems.add(f"layout names {lay.article!r}, which page {p.number} does not hold",
                             toml_path, lines.of_value(lay.article), code="layout")
            placements.append(Placement(lay.article, lay.columns, lay.continued_on, lay.column,
                                        lay.text_columns))
        pages.append(Page(number=p.number, name=p.name, label=p.label, articles=tuple(arts),
                          editors=tuple(Editor(e.role, e.name) for e in p.editors),
                          placements=tuple(placements)))
    numbers = [p.number for p in schema.pages]
    if len(set(numbers)) != len(numbers):
        problems.add("two pages have the same number", toml_path, lines.of(("pages",)),
                     code="schema")
    if articles_dir.is_dir():
        for path in sorted(articles_dir.glob("*.md")):
            if path.stem not in listed:
                problems.warn(f"article file {path.name} is on no page and will not be published",
                              path, hint="list it in a page's articles in edition.toml",
                              code="unlisted-article")
    problems.raise_if_errors()
    return Edition(paper=paper, issue=issue, pages=tuple(pages), root=root,
                   sources=tuple(sorted(sources.items())))


# How a refused source file is reported (sources.files.Refused.kind -> code, hint). An
# image's own codes are in resolve_image.
_REFUSED_CODE = {"missing": "missing-article", "link": "source-link", "outside": "outside-edition",
                 "hard-link": "source-link", "not-a-file": "not-a-file",
                 "too-large": "source-too-large", "unreadable": "io"}
_REFUSED_HINT = {
    "missing": "create the file or fix the name",
    "link": "replace the link with the file itself (cp, not ln -s)",
    "outside": "copy the file into the edition folder instead of linking to it",
    "hard-link": "copy the file into the edition (cp, not ln or cp -l): a hard link shares "
                 "one file with a place outside the edition",
    "not-a-file": "sources are plain files: replace it with the file itself",
    "too-large": "a source text file is at most 16 MB (README, Limits); split the article",
    "unreadable": "check the file's permissions",
}


def _strings(value: Any, loc: tuple = ()):
    """Every string in parsed TOML, with its key path."""
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*loc, i))


def read_article(path: Path, slug: str, root: Path, problems: Problems, *,
                 data: bytes | None = None, files: EditionFiles | None = None) -> Article | None:
    """The article in ``path`` (its bytes ``data`` when the caller read them already);
    its images are read through ``files`` (default: the edition folder ``root``)."""
    files = files or EditionFiles(root)
    text, problem = decode(data, path) if data is not None else read_text(path)
    if problem or text is None:
        problems.items += [problem] if problem else []
        return None
    lines = _Lines(text)
    front, body, body_line = split_front_matter(text, path, problems)
    if front is None:
        return None
    try:
        meta = FrontMatter.model_validate(front)
    except ValidationError as exc:
        for err in exc.errors():
            problems.add(_describe(err, "front matter"), path, lines.of(err["loc"]),
                         hint=_hint(err), code="front-matter")
        return None
    ref = SourceRef(path, 1)
    if not meta.headline and meta.kind is not ArticleKind.PHOTO:
        problems.add("the article has no headline", path, 1,
                     hint='add headline = "…" to the front matter between the +++ lines',
                     code="no-headline")
    for key in ("headline", "kicker", "subtitle", "byline", "dateline"):
        value = getattr(meta, key)
        if not value:
            continue
        check_field(key, value, path, lambda key=key: lines.of((key,)), problems,
                    "front-matter fields are plain text")
        if key == "headline" and len(value) > MAX_HEADLINE:
            problems.add(f"the headline has {len(value)} characters (at most {MAX_HEADLINE})", path,
                         lines.of((key,)), hint="shorten it; move detail to the subtitle",
                         code="headline-too-long")

    def resolve(src: str, line: int, probs: Problems) -> Image | None:
        return resolve_image(src, root, path, line, probs, files=files)

    blocks = markdown.parse_body(body, path, body_line - 1, problems, resolve,
                                 briefs=meta.kind is ArticleKind.BRIEFS)
    # Invisible characters written as they are, wherever they stand in the body (Markdown
    # would take a line separator in an attribution or a table cell for white space and
    # drop it without a word): each named once, on its first line.
    literal = sorted(c for c in lines.characters_from(body_line) if invisible_characters(c))
    for ch in literal:
        found = lines.character_lines(ch, body_line)
        shown = ", ".join(map(str, found[:8])) + (", …" if len(found) > 8 else "")
        problems.add(f"the text contains the invisible character {describe([ch])}"
                     + (f" (lines {shown})" if len(found) > 1 else ""), path, found[0],
                     hint=invisible_hint([ch]), code="invisible-characters")
    # Checked on the parsed text too, so that characters written as entities (&#x202e;) count.
    for block in blocks:
        texts = [block.text, *getattr(block, "attribution", ()), getattr(block, "alt", None) or ""]
        where = (block.source.line if block.source else None) or body_line
        if len(block.text) > MAX_BLOCK:
            problems.add(f"a paragraph of {len(block.text):,} characters (at most {MAX_BLOCK:,})", path,
                         where, hint="break it into paragraphs (an empty line between them); "
                         "a paragraph this long is a paste without its line breaks",
                         code="paragraph-too-long")
        hidden = [hidden_characters(t) for t in texts]  # (invisible, control) of each
        if bad := sorted({c for invisible, _ in hidden for c in invisible} - set(literal)):
            problems.add(f"the text contains invisible characters {describe(bad)}", path,
                         lines.of_character(bad[0], where), hint=invisible_hint(bad),
                         code="invisible-characters")
        if bad := sorted({c for _, control in hidden for c in control}):
            problems.add(f"the text contains the control character "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", path,
                         lines.of_character(bad[0], where),
                         hint="delete it; written as an entity or not, it is invisible and not allowed in XML",
                         code="control-character")
    if not blocks:
        problems.add("the article has no body", path, body_line,
                     hint="write the text below the front matter", code="empty-body")
    byline = parse_byline(meta.byline) if meta.byline else None
    return Article(slug=slug, kind=meta.kind, headline=meta.headline, kicker=meta.kicker,
                   subtitle=meta.subtitle, byline=byline, dateline=meta.dateline,
                   body=blocks, source=ref)


def check_field(name: str, value: str, path: Path, line, problems: Problems, plain: str) -> None:
    """A one-line text field (a headline, a byline, a string of edition.toml): no invisible
    or control character, no markup. ``line()`` finds its line, only when there is a problem."""
    invisible, control = hidden_characters(value)
    if bad := invisible:
        problems.add(f"{name} contains invisible characters {describe(bad)}", path, line(),
                     hint=invisible_hint(bad), code="invisible-characters")
    if bad := control:
        problems.add(f"{name} contains the control character "
                     f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", path, line(),
                     hint="remove the escape (\\u001b …): it is invisible and not allowed in XML",
                     code="control-character")
    if tag := _MARKUP.search(value):
        # printed as text it would be a wrong headline or paper name; as markup, a hole
        problems.add(f"{name} contains HTML markup {tag.group(0)[:40]!r}", path, line(),
                     hint=f"{plain}: remove the tag", code="raw-html")


def split_front_matter(text: str, path: Path, problems: Problems) -> tuple[dict | None, str, int]:
    """``+++`` TOML front matter, then the Markdown body; returns (front, body, body's line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "+++":
        problems.add("the article does not start with +++ front matter", path, 1,
                     hint='start with +++, then headline = "…", then +++', code="front-matter")
        return None, "", 1
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        problems.add("the front matter is not closed with +++", path, 1, code="front-matter")
        return None, "", 1
    try:
        front = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        line = (getattr(exc, "lineno", None) or _line_from_message(str(exc)) or 0) + 1
        problems.add(f"invalid TOML in the front matter: {exc}", path, line, code="front-matter")
        return None, "", 1
    except RecursionError:
        front = None
    except ValueError:  # a number of more than 4,300 digits (tomllib lets int()'s error out)
        problems.add("invalid TOML in the front matter: a number of more than 4,300 digits", path,
                     (long_number("\n".join(lines[1:end])) or 0) + 1, code="front-matter")
        return None, "", 1
    if front is None or too_deep(front):
        problems.add(f"the front matter nests arrays or tables more than {MAX_NESTING} deep", path,
                     2, hint="front-matter values are plain strings", code="front-matter")
        return None, "", 1
    return front, "\n".join(lines[end + 1:]), end + 2


def parse_byline(text: str) -> Byline:
    """``通讯员 王颖 潘尚 记者 李四`` or ``通讯员胡晓轩、李文福`` -> credits by role."""
    credits: list[Credit] = []
    role: str | None = None
    names: list[str] = []
    for token in re.split(r"[\s、,，]+", text.strip().lstrip("○●")):
        if not token:
            continue
        found = next((r for r in BYLINE_ROLES if token.startswith(r)), None)
        if found:
            if role or names:
                credits.append(Credit(role, tuple(names)))
            role, names = found, []
            token = token[len(found):]
        if token:
            names.append(token)
    if role or names:
        credits.append(Credit(role, tuple(names)))
    return Byline(tuple(credits))


def resolve_image(src: str, root: Path, article: Path, line: int | None, problems: Problems, *,
                  files: EditionFiles | None = None) -> Image | None:
    """Check that ``src`` names an image file inside the edition, read it once (through
    ``files``, default: the folder ``root``), check its bytes and measure them."""
    def fail(msg: str, hint: str, code: str = "image") -> None:
        problems.add(msg, article, line, hint=hint, code=code)

    href = src  # as written (percent-encoded): the reading PDF's HTML links it this way
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith("//"):
        scheme = src.split(":", 1)[0].lower()
        if scheme in ("http", "https") or src.startswith("//"):
            fail(f"remote image {src[:80]!r}: builds never fetch from the network",
                 "download the photo into the edition's images/ folder and link images/<name>",
                 "remote-image")
        else:
            fail(f"image URL scheme {scheme!r} is not allowed: {src[:60]!r}",
                 "put the photo in images/ and link it by its relative path", "image-url")
        return None
    # Markdown percent-encodes link targets (照片.jpg -> %E7%85%A7…): decode before the path is
    # resolved and checked, so that %2e%2e is seen as the .. it is.
    src = unquote(src)
    if "\x00" in src:
        fail(f"image path {src!r} contains a NUL character", "use a plain relative path", "image-outside")
        return None
    if src.startswith("/") or "\\" in src:
        fail(f"absolute image path {src!r}", "link images relative to the edition: images/<name>",
             "image-outside")
        return None
    files = files or EditionFiles(root)
    # The path as a URL means it: .. taken away lexically. Links are never followed (files).
    rel = PurePosixPath(posixpath.normpath(src))
    if rel.parts[:1] in (("..",), (".",)) or not rel.parts:
        fail(f"image {src!r} is outside the edition folder",
             "copy the photo into the edition's images/ folder", "image-outside")
        return None
    path = files.root.joinpath(*rel.parts)
    try:
        data = files.read(rel, limit=MAX_IMAGE_BYTES)
    except Refused as exc:
        if exc.kind == "missing":
            fail(f"image {src!r} does not exist", f"add the file {path} or fix the path", "missing-image")
        elif exc.kind == "outside":
            fail(f"image {src!r} is outside the edition folder ({exc.message})",
                 "copy the photo into the edition's images/ folder", "image-outside")
        elif exc.kind == "too-large":
            fail(f"image {src[:80]!r} is larger than {MAX_IMAGE_BYTES // 1_048_576} MB ({exc.message})",
                 "export a smaller JPEG", "image-too-large")
        elif exc.kind == "not-a-file":
            fail(f"image {src[:80]!r} is not a file: {exc.message}", "link a JPEG or PNG file in images/",
                 "not-an-image")
        elif exc.kind == "unreadable":  # a name too long, a permission: not an image here
            fail(f"image path {src[:80]!r} cannot be read ({exc.message})", "use a short relative path "
                 "to a file in images/", "missing-image")
        else:  # an inside link, a hard link to a file elsewhere
            fail(f"image {src[:80]!r}: {exc.message}", _REFUSED_HINT[exc.kind], _REFUSED_CODE[exc.kind])
        return None
    checked = files.checked.get(data) or check_image(data, src)
    if isinstance(checked, Measured):
        files.checked.setdefault(data, checked)
    else:
        msg, hint, code = checked
        fail(msg, hint, code)
        return None
    fmt, w, h = checked.format, checked.width, checked.height
    image = Image(path=path, href=href, width=w, height=h, media_type=IMAGE_TYPES[fmt], data=data)
    if image.huge:
        problems.warn(f"image {src!r} is {w} × {h} px ({w * h / 1e6:.0f} megapixels); it is downscaled "
                      "for the EPUB, and for print where the page cannot use its pixels", article, line,
                      hint="export it smaller to speed up builds", code="image-large")
    return image


class Measured(NamedTuple):
    format: str  # JPEG, PNG
    width: int  # as the photo is shown (EXIF orientation applied)
    height: int


def check_image(data: bytes, name: str) -> Measured | tuple[str, str, str]:
    """Decode ``data`` whole and check it: the photo's format and size as shown, or why it
    cannot be published (message, hint, code)."""
    from PIL import Image as PILImage  # Pillow is only needed where there are images

    if not data:
        return (f"image {name!r} is not a readable image: not a JPEG or PNG file (the file is empty)",
                "export the photo again as JPEG or PNG", "not-an-image")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            with PILImage.open(io.BytesIO(data)) as im:
                fmt, (w, h) = im.format, im.size
                if w * h > MAX_IMAGE_PIXELS:
                    raise PILImage.DecompressionBombError(
                        f"{w} × {h} px, {w * h / 1e6:.0f} megapixels")
                if fmt not in IMAGE_TYPES:
                    return (f"image {name!r} is {fmt}, not JPEG or PNG",
                            "convert it to JPEG (photos) or PNG", "image-format")
                if getattr(im, "is_animated", False):
                    return (f"image {name!r} is animated ({getattr(im, 'n_frames', 0)} frames); a page shows one "
                            "picture", "export the frame to print as a JPEG or PNG", "image-animated")
                # Decode every pixel (the header alone passes a truncated upload). The pixel
                # count is bounded above; JPEGs decode at 1/8 scale, which reads every byte.
                if fmt == "JPEG":
                    im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
                im.load()
                if problem := _profile_problem(im, name):
                    return problem
                if im.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientation: turned 90°
                    w, h = h, w  # the size as the photo is shown, which is what layout needs
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
            return (f"image {name!r} is too large to decode safely ({exc})",
                    f"resize it below {MAX_IMAGE_PIXELS // 1_000_000} megapixels", "image-bomb")
        except PILImage.UnidentifiedImageError:
            return (f"image {name!r} is not a readable image: not a JPEG or PNG file (its content "
                    f"is {_sniff(data)})", "export the photo again as JPEG or PNG", "not-an-image")
        except Exception as exc:
            return (f"image {name!r} is damaged and cannot be decoded ({exc})",
                    "export or download the photo again", "image-damaged")
    if min(w, h) < MIN_IMAGE_SIDE:
        return (f"image {name!r} is only {w} × {h} px", f"use the real photo (at least "
                f"{MIN_IMAGE_SIDE} px on each side); a tiny image is a placeholder or a broken "
                "export", "image-too-small")
    if max(w, h) > MAX_IMAGE_ASPECT * min(w, h):
        return (f"image {name!r} is {w} × {h} px: its long side is {max(w, h) / min(w, h):.0f} "
                "times its short side", f"a news photo is at most {MAX_IMAGE_ASPECT}:1 (README, Limits); crop it",
                "image-shape")
    return Measured(fmt, w, h)


# The colour spaces an embedded ICC profile may describe for each Pillow mode.
_PROFILE_SPACES = {"RGB": "RGB", "RGBA": "RGB", "RGBX": "RGB", "P": "RGB", "L": "GRAY", "LA": "GRAY",
                   "I;16": "GRAY", "I;16B": "GRAY", "I": "GRAY", "1": "GRAY", "CMYK": "CMYK",
                   "PA": "RGB"}


def _profile_problem(im, name: str) -> tuple[str, str, str] | None:
    """Why the photo's embedded colour profile cannot be used, or None: it must be a readable
    ICC profile for the photo's colour space (a grey photo's Gray profile, an RGB photo's
    RGB profile, a CMYK photo's CMYK profile), which the print converts from."""
    embedded = im.info.get("icc_profile")
    if not embedded:
        return None
    from PIL import ImageCms

    hint = ("export the photo again with its own colour profile (sRGB for colour photos, Gray "
            "for black-and-white), or with none")
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(embedded))
        space = profile.profile.xcolor_space.strip()
    except (OSError, ImageCms.PyCMSError, ValueError) as exc:
        return (f"image {name!r} carries a damaged colour profile ({exc})", hint, "image-profile")
    want = _PROFILE_SPACES.get(im.mode)
    if want is not None and space != want:
        return (f"image {name!r} has {im.mode} pixels but its colour profile is for {space} "
                f"(\"{ImageCms.getProfileDescription(profile).strip()}\")", hint, "image-profile")
    return None


def _sniff(data: bytes) -> str:
    """What a file that is not an image probably is, for the error message."""
    head = data[:2048]
    if not head:
        return "empty"
    if b"<svg" in head.lower():
        return "an SVG drawing, which can load other files and run scripts"
    if head.lstrip().startswith(b"<"):
        return "HTML or XML"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "not a known image format"


# ---------------------------------------------------------------- messages and lines


def problems_one(message: str, path: Path, hint: str | None = None, line: int | None = None,
                 code: str = "source"):
    p = Problems()
    p.add(message, path, line, hint=hint, code=code)
    return p.items


def _describe(err: ErrorDetails, where: str = "") -> str:
    loc = ".".join(str(x) for x in err["loc"])
    if err["type"] == "extra_forbidden":
        known = _KNOWN_KEYS.get(tuple(k for k in err["loc"][:-1] if isinstance(k, str)), ())
        return (f"unknown key {loc!r}{' in the ' + where if where else ''}"
                f"{did_you_mean(str(err['loc'][-1]), known)}")
    if err["type"] == "missing":
        table = ".".join(str(x) for x in err["loc"][:-1])
        inside = f" in [{table}]" if table else (" in the " + where if where else "")
        return f"missing key {err['loc'][-1]!r}{inside}"
    return f"{loc}: {err['msg']}"


# The keys of each table, for "did you mean": () is the front matter or the top level.
_KNOWN_KEYS: dict[tuple, tuple[str, ...]] = {
    (): tuple(FrontMatter.model_fields) + tuple(EditionSchema.model_fields),
    ("paper",): tuple(PaperSchema.model_fields), ("issue",): tuple(IssueSchema.model_fields),
    ("pages",): tuple(PageSchema.model_fields), ("pages", "layout"): tuple(LayoutSchema.model_fields),
    ("pages", "editors"): tuple(EditorSchema.model_fields),
}


def _hint(err: ErrorDetails) -> str | None:
    if err["type"] == "extra_forbidden":
        return "check the spelling; the README lists every key of the edition format"
    if err["type"] == "missing":
        return "add it; the README lists the required keys"
    return None


def _line_from_message(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


class _Lines:
    """Where keys and quoted values stand in one source text, for messages: indexed once, on
    first use, so that a file with thousands of problems (8,000 unknown front-matter keys)
    costs one scan, not one per problem."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def _keys(self) -> dict:
        return key_lines(self.text)

    @cached_property
    def _assignments(self) -> dict[str, int]:
        """An article is front matter and Markdown, not TOML: the first line setting a key."""
        found: dict[str, int] = {}
        for i, m in enumerate(_ASSIGNMENT.match(ln) for ln in self.text.split("\n")):
            if m:
                found.setdefault(m.group(1), i + 1)
        return found

    @cached_property
    def _values(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for i, ln in enumerate(self.text.split("\n")):
            for value in _QUOTED.findall(ln):
                found.setdefault(value, i + 1)
        return found

    def of(self, loc: tuple) -> int | None:
        """The line of a TOML key path like ('pages', 2, 'nmae')."""
        found = line_at(self._keys, loc)
        if found is None and loc and isinstance(loc[-1], str):
            found = self._assignments.get(loc[-1])
        return found

    def of_value(self, value: str) -> int | None:
        """The first line holding ``"value"``."""
        return self._values.get(value)

    @cached_property
    def _characters(self) -> dict[str, list[int]]:
        """The lines of each invisible or control character in the text, in order."""
        found: dict[str, list[int]] = {}
        line, at = 1, 0
        for m in _UNSEEN.of(self.text).finditer(self.text):
            line += self.text.count("\n", at, m.start())
            at = m.start()
            lines = found.setdefault(m.group(0), [])
            if not lines or lines[-1] != line:
                lines.append(line)
        return found

    def characters_from(self, start: int) -> list[str]:
        """The invisible or control characters standing on line ``start`` or after it."""
        return [ch for ch, lines in self._characters.items() if lines[-1] >= start]

    def character_lines(self, ch: str, start: int = 1) -> list[int]:
        """The lines from ``start`` on holding ``ch``."""
        lines = self._characters.get(ch, [])
        return lines[bisect_left(lines, start):]

    def of_character(self, ch: str, start: int = 1) -> int:
        """The first line from ``start`` on holding ``ch`` (else ``start``: the character was
        written as an entity, &#x2028;)."""
        lines = self._characters.get(ch, [])
        i = bisect_left(lines, start)
        return lines[i] if i < len(lines) else start


_ASSIGNMENT = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_UNSEEN = CharacterClass(f"{FORMAT_CHARACTERS_BMP}{SEPARATORS}{BLANK_LETTERS}\x01-\x08\x0b-\x1f\x7f-\x9f",
                         FORMAT_CHARACTERS_BEYOND)
_QUOTED = re.compile(r'"([^"\\]*)"')


__all__ = ["decode", "parse_byline", "read_article", "read_edition", "resolve_image"]
