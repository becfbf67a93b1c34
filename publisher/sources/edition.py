"""The native edition format: ``edition.toml`` + ``articles/<slug>.md`` + ``images/``.

``read_edition(folder)`` reads and validates a whole edition and returns the model, or
raises one SourceError listing every problem found (file:line, what, how to fix).
Validation happens here, at the edge, so renderers can trust the model.

Sources are untrusted: every image path must stay inside the edition folder (symlinks
resolved), remote and ``data:`` URLs are refused, images are opened with Pillow under a
pixel limit, and text files are strict UTF-8.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any
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
from ..tomlfile import did_you_mean, line_of, syntax_problem
from . import markdown
from .text import bidi_controls, control_characters, decode, invisible_characters, read_text

EDITION_FILE = "edition.toml"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MAX_IMAGE_PIXELS = 60_000_000  # ~ a 9000 x 6600 photo; larger is a bomb or a mistake
MAX_IMAGE_BYTES = 50 * 1024 * 1024
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
MAX_HEADLINE = 120
MIN_IMAGE_SIDE = 8  # smaller is a tracking pixel or a broken export, not a news photo
LARGE_IMAGE_PIXELS = 24_000_000  # above this, say that the outputs carry it downscaled
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
    number: int | None = Field(default=None, ge=1)  # 总第…期; without it none is printed
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
    number: int = Field(ge=1)
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
    toml_path = folder / EDITION_FILE
    if not toml_path.is_file():
        raise SourceError(problems_one(f"no {EDITION_FILE} in the edition folder", toml_path,
                                       "create it; see the README's edition format",
                                       code="no-edition-toml"))
    if not _inside(toml_path, root):
        raise SourceError(problems_one(f"{EDITION_FILE} is a link to a file outside the edition folder",
                                       toml_path, "replace the link with the file itself",
                                       code="outside-edition"))
    text, problem = read_text(toml_path)
    if problem:
        raise SourceError([problem])
    assert text is not None  # read_text gives the text or a problem
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(syntax_problem(exc, text, toml_path)) from None
    for loc, value in _strings(raw):
        if bad := control_characters(value):
            problems.add(f"{'.'.join(map(str, loc))} contains the control character "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", toml_path, _line_of(text, loc),
                         hint="remove the escape: it is invisible and not allowed in XML",
                         code="control-character")
    try:
        schema = EditionSchema.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            problems.add(_describe(err), toml_path, _line_of(text, err["loc"]),
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
            line = _line_of_value(text, slug)
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
            if not path.is_file():
                problems.add(f"article {slug!r} is listed but {path} does not exist", toml_path, line,
                             hint=f"create articles/{slug}.md or remove {slug!r} from the page",
                             code="missing-article")
                continue
            if not _inside(path, root):
                # a symlinked article (or articles/ folder) would publish a local file
                problems.add(f"article {slug!r}: {path} is a link to a file outside the edition folder",
                             path, hint="copy the article into the edition's articles/ folder",
                             code="outside-edition")
                continue
            article = read_article(path, slug, root, problems)
            if article is not None:
                arts.append(article)
        placements = []
        for lay in p.layout:
            if lay.article not in p.articles:
                problems.add(f"layout names {lay.article!r}, which page {p.number} does not hold",
                             toml_path, _line_of_value(text, lay.article), code="layout")
            placements.append(Placement(lay.article, lay.columns, lay.continued_on, lay.column,
                                        lay.text_columns))
        pages.append(Page(number=p.number, name=p.name, label=p.label, articles=tuple(arts),
                          editors=tuple(Editor(e.role, e.name) for e in p.editors),
                          placements=tuple(placements)))
    numbers = [p.number for p in schema.pages]
    if len(set(numbers)) != len(numbers):
        problems.add("two pages have the same number", toml_path, _line_of(text, ("pages",)),
                     code="schema")
    if articles_dir.is_dir():
        for path in sorted(articles_dir.glob("*.md")):
            if path.stem not in listed:
                problems.warn(f"article file {path.name} is on no page and will not be published",
                              path, hint="list it in a page's articles in edition.toml",
                              code="unlisted-article")
    problems.raise_if_errors()
    return Edition(paper=paper, issue=issue, pages=tuple(pages), root=root)


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


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symlinks resolved, is inside the (resolved) edition folder ``root``."""
    try:
        return path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def read_article(path: Path, slug: str, root: Path, problems: Problems) -> Article | None:
    text, problem = read_text(path)
    if problem:
        problems.items.append(problem)
        return None
    assert text is not None  # read_text gives the text or a problem
    front, body, body_line = split_front_matter(text, path, problems)
    if front is None:
        return None
    try:
        meta = FrontMatter.model_validate(front)
    except ValidationError as exc:
        for err in exc.errors():
            problems.add(_describe(err, "front matter"), path, _line_of(text, err["loc"]),
                         hint=_hint(err), code="front-matter")
        return None
    ref = SourceRef(path, 1)
    if not meta.headline and meta.kind is not ArticleKind.PHOTO:
        problems.add("the article has no headline", path, 1,
                     hint='add headline = "…" to the front matter between the +++ lines',
                     code="no-headline")
    for key in ("headline", "kicker", "subtitle", "byline", "dateline"):
        value = getattr(meta, key)
        if value and (bad := invisible_characters(value)):
            problems.add(f"{key} contains invisible or direction-changing characters "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", path, _line_of(text, (key,)),
                         hint="retype the text; these characters can reverse or hide what readers see",
                         code="invisible-characters")
        if value and (bad := control_characters(value)):
            problems.add(f"{key} contains the control character "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", path, _line_of(text, (key,)),
                         hint="remove the escape (\\u001b …): it is invisible and not allowed in XML",
                         code="control-character")
        if value and (tag := _MARKUP.search(value)):
            problems.add(f"{key} contains HTML markup {tag.group(0)[:40]!r}", path, _line_of(text, (key,)),
                         hint="front-matter fields are plain text; remove the tag", code="raw-html")
        if key == "headline" and value and len(value) > MAX_HEADLINE:
            problems.add(f"the headline has {len(value)} characters (at most {MAX_HEADLINE})", path,
                         _line_of(text, (key,)), hint="shorten it; move detail to the subtitle",
                         code="headline-too-long")

    def resolve(src: str, line: int, probs: Problems) -> Image | None:
        return resolve_image(src, root, path, line, probs)

    blocks = markdown.parse_body(body, path, body_line - 1, problems, resolve,
                                 briefs=meta.kind is ArticleKind.BRIEFS)
    # Checked on the parsed text, so that characters written as entities (&#x202e;) count too.
    for block in blocks:
        texts = [block.text, *getattr(block, "attribution", ()), getattr(block, "alt", None) or ""]
        where = block.source.line if block.source else body_line
        if bad := sorted({c for t in texts for c in bidi_controls(t)}):
            problems.add(f"the text contains direction-changing characters "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", path, where,
                         hint="retype the sentence; these invisible characters reverse what readers see",
                         code="invisible-characters")
        if bad := sorted({c for t in texts for c in control_characters(t)}):
            problems.add(f"the text contains the control character "
                         f"{', '.join(f'U+{ord(c):04X}' for c in bad)}", path, where,
                         hint="delete it; written as an entity or not, it is invisible and not allowed in XML",
                         code="control-character")
    if not blocks:
        problems.add("the article has no body", path, body_line,
                     hint="write the text below the front matter", code="empty-body")
    byline = parse_byline(meta.byline) if meta.byline else None
    return Article(slug=slug, kind=meta.kind, headline=meta.headline, kicker=meta.kicker,
                   subtitle=meta.subtitle, byline=byline, dateline=meta.dateline,
                   body=blocks, source=ref)


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


def resolve_image(src: str, root: Path, article: Path, line: int | None, problems: Problems) -> Image | None:
    """Check that ``src`` names an image file inside the edition and measure it."""
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
    target = (root / src)
    try:
        resolved = target.resolve(strict=False)
    except (OSError, RuntimeError):
        fail(f"image path {src!r} cannot be resolved", "use a plain relative path", "image-outside")
        return None
    if not resolved.is_relative_to(root):
        fail(f"image {src!r} is outside the edition folder",
             "copy the photo into the edition's images/ folder", "image-outside")
        return None
    try:
        size = resolved.stat().st_size if resolved.exists() else None
    except OSError as exc:  # a name too long, a permission: the path cannot be an image here
        fail(f"image path {src[:80]!r} cannot be read ({exc.strerror})", "use a short relative path "
             "to a file in images/", "missing-image")
        return None
    if size is None:
        fail(f"image {src!r} does not exist", f"add the file {target} or fix the path",
             "missing-image")
        return None
    if size > MAX_IMAGE_BYTES:
        fail(f"image {src!r} is {size // 1_048_576} MB (at most {MAX_IMAGE_BYTES // 1_048_576} MB)",
             "export a smaller JPEG", "image-too-large")
        return None
    if not resolved.is_file():
        fail(f"image {src!r} is not a regular file", "link a JPEG or PNG file in images/", "not-an-image")
        return None
    from PIL import Image as PILImage  # Pillow is only needed where there are images

    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            with PILImage.open(resolved) as im:
                fmt, (w, h) = im.format, im.size
                if w * h > MAX_IMAGE_PIXELS:
                    raise PILImage.DecompressionBombError(
                        f"{w} × {h} px, {w * h / 1e6:.0f} megapixels")
                if fmt not in IMAGE_TYPES:
                    fail(f"image {src!r} is {fmt}, not JPEG or PNG", "convert it to JPEG (photos) or PNG",
                         "image-format")
                    return None
                if getattr(im, "is_animated", False):
                    fail(f"image {src!r} is animated ({getattr(im, 'n_frames', 0)} frames); a page shows one picture",
                         "export the frame to print as a JPEG or PNG", "image-animated")
                    return None
                # Decode every pixel (the header alone passes a truncated upload). The pixel
                # count is bounded above; JPEGs decode at 1/8 scale, which reads every byte.
                if fmt == "JPEG":
                    im.draft(im.mode, (max(1, w // 8), max(1, h // 8)))
                im.load()
                if im.getexif().get(0x0112) in (5, 6, 7, 8):  # EXIF orientation: turned 90°
                    w, h = h, w  # the size as the photo is shown, which is what layout needs
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
            fail(f"image {src!r} is too large to decode safely ({exc})",
                 f"resize it below {MAX_IMAGE_PIXELS // 1_000_000} megapixels", "image-bomb")
            return None
        except PILImage.UnidentifiedImageError:
            fail(f"image {src!r} is not a readable image: not a JPEG or PNG file (its content is {_sniff(resolved)})",
                 "export the photo again as JPEG or PNG", "not-an-image")
            return None
        except Exception as exc:  # Pillow raises many types for damaged files
            fail(f"image {src!r} is damaged and cannot be decoded ({exc})",
                 "export or download the photo again", "image-damaged")
            return None
    if min(w, h) < MIN_IMAGE_SIDE:
        fail(f"image {src!r} is only {w} × {h} px", f"use the real photo (at least {MIN_IMAGE_SIDE} px "
             "on each side); a tiny image is a placeholder or a broken export", "image-too-small")
        return None
    if w * h > LARGE_IMAGE_PIXELS:
        problems.warn(f"image {src!r} is {w} × {h} px ({w * h / 1e6:.0f} megapixels); it is downscaled "
                      "for the EPUB", article, line, hint="export it smaller to speed up builds",
                      code="image-large")
    return Image(path=resolved, href=href, width=w, height=h, media_type=IMAGE_TYPES[fmt])


def _sniff(path: Path) -> str:
    """What a file that is not an image probably is, for the error message."""
    head = path.read_bytes()[:2048]
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


def _line_of(text: str, loc: tuple) -> int | None:
    """The line of a TOML key path like ('pages', 2, 'nmae'): for messages only. An article's
    text is front matter and Markdown, not TOML: there, the first line that sets the key."""
    found = line_of(text, loc)
    if found is None and loc and isinstance(loc[-1], str):
        pattern = re.compile(rf"^\s*{re.escape(loc[-1])}\s*=")
        found = next((i for i, ln in enumerate(text.split("\n"), 1) if pattern.match(ln)), None)
    return found


def _line_of_value(text: str, value: str) -> int | None:
    needle = f'"{value}"'
    for i, ln in enumerate(text.split("\n")):
        if needle in ln:
            return i + 1
    return None


__all__ = ["decode", "parse_byline", "read_article", "read_edition", "resolve_image"]
