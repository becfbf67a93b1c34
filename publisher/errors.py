"""User errors: what went wrong in a source, where, and how to fix it.

Errors are data. A reader or checker collects every ``Problem`` of a run and raises one
``PublisherError`` holding them all; the CLI prints them without a traceback and exits
non-zero. Any other exception is a bug in publisher and shows its traceback.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding: ``file:line: message (hint)``."""

    message: str
    path: Path | None = None
    line: int | None = None
    hint: str | None = None
    severity: Severity = Severity.ERROR
    code: str = "source"  # a stable short name, e.g. "missing-article", for tests and docs

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def where(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        head = f"{self.where}: " if self.where else ""
        tail = f"\n    hint: {self.hint}" if self.hint else ""
        return f"{head}{self.severity.value}: {self.message}{tail}"


class PublisherError(Exception):
    """A run failed on the user's input; ``problems`` lists every finding."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class SourceError(PublisherError):
    """The edition's sources are broken (TOML, Markdown, images, encodings)."""


class ConfigError(PublisherError):
    """The house configuration or the font manifest is broken."""


class RenderError(PublisherError):
    """Rendering refused the content (uncovered character, forbidden URL, overflow)."""


GROUP_AT = 6  # this many alike (same file, code and severity) and more are shown as a group
GROUP_SHOWN = 3  # the first ones of a group, shown whole


def grouped(problems: list[Problem]) -> list[Problem]:
    """``problems`` for a person to read: of a run of alike problems (same file, code and
    severity; 8,000 unknown keys of one front matter), the first few whole, then one line
    saying how many more there are and on which lines."""
    alike: dict[tuple, list[Problem]] = {}
    for p in problems:
        alike.setdefault((p.path, p.code, p.severity), []).append(p)
    out: list[Problem] = []
    seen: dict[tuple, int] = {}
    for p in problems:
        key = (p.path, p.code, p.severity)
        items = alike[key]
        if len(items) < GROUP_AT:
            out.append(p)
            continue
        index = seen[key] = seen.get(key, -1) + 1
        if index < GROUP_SHOWN:
            out.append(p)
        if index == GROUP_SHOWN:
            rest = items[GROUP_SHOWN:]
            lines = [str(x.line) for x in rest if x.line]
            shown = ", ".join(lines[:8]) + (", …" if len(lines) > 8 else "")
            out.append(Problem(f"… and {len(rest)} more like these" + (f" (lines {shown})" if lines else ""),
                               p.path, None, None, p.severity, p.code))
    return out


class Problems:
    """A collector: add findings as you go, raise them all at once at the end."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, message: str, path: Path | None = None, line: int | None = None, *,
            hint: str | None = None, code: str = "source",
            severity: Severity = Severity.ERROR) -> None:
        self.items.append(Problem(message, path, line, hint, severity, code))

    def warn(self, message: str, path: Path | None = None, line: int | None = None, *,
             hint: str | None = None, code: str = "source") -> None:
        self.add(message, path, line, hint=hint, code=code, severity=Severity.WARNING)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if not p.is_error]

    def raise_if_errors(self, cls: type[PublisherError] = SourceError) -> None:
        if self.errors:
            raise cls(self.items)


# Every code a Problem can carry, with what it means: `publisher errors` prints this list,
# and a test fails when the code uses a code that is not here.
CODES: dict[str, str] = {
    # the edition's sources
    "no-edition": "the edition folder does not exist",
    "edition-not-folder": "the edition path is a file, not a folder",
    "no-edition-toml": "the edition folder has no edition.toml",
    "toml": "edition.toml or a front matter is not valid TOML",
    "schema": "a key of edition.toml is unknown, missing or of the wrong type",
    "front-matter": "an article's +++ front matter is missing, unclosed, or has an unknown or bad key",
    "encoding": "a source file is not UTF-8 (the message names the likely encoding) or holds NUL bytes",
    "slug": "an article slug is not a lower-case ASCII name",
    "duplicate-article": "an article is listed twice, or on two pages",
    "missing-article": "edition.toml lists an article whose file does not exist",
    "unlisted-article": "warning: an article file is on no page and will not be published",
    "no-headline": "an article (other than a photo) has no headline",
    "headline-too-long": "a headline is longer than 120 characters",
    "paragraph-too-long": "a paragraph, caption, brief or table is longer than 20,000 characters",
    "empty-body": "an article has no body",
    "invisible-characters": "invisible characters (bidi, zero-width, line separators, blank fillers) "
                            "and U+FFFC left from a paste, in any text",
    "control-character": "a control character or noncharacter in the text",
    "raw-html": "raw HTML in an article (never rendered)",
    "markdown": "Markdown the body grammar does not take (tables, code, quotes, level-1 headings…)",
    "layout": "a page's print layout names an article the page does not hold, or is inconsistent",
    "alt-text": "a photo has neither alt text nor a caption",
    "outside-edition": "a source file (e.g. a symlinked article) resolves outside the edition folder",
    "source-link": "a source file is a symbolic link, or a hard link to a file outside the edition",
    "not-a-file": "a source file is a FIFO, a device, a socket or a folder, not a plain file",
    "source-too-large": "a source text file is larger than the limit (16 MB)",
    # images
    "image": "an image path cannot be used",
    "image-url": "an image URL with a scheme other than a relative path (file:, data:, javascript:…)",
    "image-outside": "an image path (.., absolute, or a symlink) leaves the edition folder",
    "missing-image": "an image file does not exist",
    "not-an-image": "the file is not a readable image",
    "image-damaged": "the image is truncated or damaged",
    "image-format": "the image is not JPEG or PNG",
    "image-animated": "the image is animated",
    "image-bomb": "the image decodes to too many pixels (decompression bomb)",
    "image-too-large": "the image file is larger than the limit",
    "image-too-small": "the image is smaller than 8 px on a side",
    "image-shape": "the image's long side is more than 20 times its short side",
    "image-profile": "the image's embedded colour profile is damaged or does not fit its pixels",
    "image-large": "warning: a very large photo is downscaled for the outputs",
    # fonts and rendering
    "fonts": "fonts/fonts.toml is missing or invalid",
    "font-missing": "a pinned font file is missing (run `publisher fonts install`)",
    "font-checksum": "a font file differs from its pinned sha256",
    "font-undeclared": "a font file in fonts/ is not declared in fonts.toml",
    "uncovered-character": "a character is in no declared font (names article, character, code point)",
    "url-refused": "a render tried to read outside the edition, styles and fonts folders",
    "render": "WeasyPrint reported a problem that would make a wrong output",
    "engine-version": "the installed WeasyPrint or pydyf is not the version publisher's engine is pinned to",
    "overflow": "an article does not fit its box on a print page (names article, page, lines over)",
    "article-too-long": "an article's body is too long to measure for print (over 240 m of one text column)",
    "underfull": "warning: columns of a print page end short of the foot (size given)",
    "lunar-date": "warning: the issue date is outside the lunar calendar's tables: no lunar date printed",
    "print-pages": "the print layout cannot place the page's articles",
    "masthead": "the paper's name does not fit the masthead, or page furniture runs off the trim",
    "table-too-wide": "a table is wider than its print column (names table, article, widths)",
    "config": "the house file is missing, or its settings ([tool.publisher]) are invalid or unknown",
    "house-in-edition": "the house (its file, styles, fonts or papers) is inside an edition folder",
    "truncated": "a file ends early: cut off in the middle of a character or of the JSON",
    "output-profile": "the print output profile (ICC) is missing or not CMYK",
    "cover": "warning: the front 版 cannot be printed, so the EPUB's cover is a masthead card",
    # outputs
    "io": "an output cannot be written (permissions, disk full), or an input is not a readable file",
    "locked": "another build holds the output folder's lock (named: pid, host, since) past the timeout",
    "out-inside-edition": "the output folder is inside the edition folder",
    "out-not-dir": "the output path is a file",
    "out-unwritable": "the output folder cannot be created or written",
    # backfill (publisher backfill): recorded per edition in the journal, the batch goes on
    "internal": "an unexpected error (a bug in publisher, whatever the input) naming the edition; a batch goes on",
    "timeout": "an edition ran past the backfill's --timeout on every attempt (its worker was restarted each time)",
    "worker-lost": "the worker process building an edition died on every attempt (crash, out of memory, node lost)",
    "sources-changed": "an edition's files changed while it was being built, on every attempt",
    "worker-mismatch": "a Dask worker has another publisher or another house than the backfill's client",
    "duplicate-edition": "two edition folders of one batch have the same edition id (one output folder)",
    "scheduler": "the Dask scheduler cannot be reached or has no workers",
    "journal": "the backfill journal in the output folder cannot be read",
    "journal-busy": "another backfill is writing into the same output folder",
    # the web edition and sites (publisher site)
    "web-search": "Pagefind (extended) is not installed, or could not index the site's pages",
    "site-paper": "an edition is of another paper (or regional edition) than the site's issues",
    "site-date": "two editions given for one site are issues of the same date",
    # importers: failures
    "json": "a JSON feed is not valid JSON, or has no list of articles",
    "json-field": "a field of a feed's article cannot be read as the part it is mapped to",
    "paper": "a paper file (papers/NAME.toml or --paper FILE) is missing or invalid",
    "paper-unknown": "--paper names no paper file of the house (the known ones are listed)",
    "paper-missing": "the copy does not say which paper it is and no --paper was given",
    "mapping": "a feed mapping (--map) is missing, unknown or invalid",
    "date": "the issue date is missing or not a real date",
    "option": "an option does not apply to this kind of import",
    "channel-map": "--channel-map is not CHANNEL=PAGE,…, or names no page number",
    "nitf": "a file given as NITF is not well-formed XML or not NITF",
    "feed": "an RSS or Atom file holds no items (or is not well-formed)",
    "briefs": "a briefs column holds plain paragraphs or a table",
    "caption": "an imported photo has neither caption nor alt text",
    "credit": "a photo credit line stands where no caption is",
    "byline": "a byline line before any headline",
    "table": "lines of | cells that are not a pipe table, or a table before any headline",
    # importers: guesses (checked by an editor; --strict fails on them)
    "rejoined": "guess: two lines taken as one paragraph cut by a column break",
    "unterminated": "guess: a paragraph ends without end punctuation",
    "kicker": "guess: which of two title lines is the 引题",
    "subtitle": "guess: a title line taken as the 副题",
    "subhead": "guess: a numbered short paragraph taken as a subhead",
    "photo": "guess: a paragraph taken as the caption of a photo without headline",
    "caption-without-image": "guess: a caption imported without its photo",
    "remote-image": "guess (import) or error (build): an image URL, never fetched",
    "brief-attribution": "guess: a brief without its (name) attribution",
    "byline-uncertain": "guess: a name in a byline looks like two names or a typo",
    "byline-merged": "guess: two bylines of one article merged, or the fields and the body disagree",
    "dateline": "guess: the source field and the text's lead give different datelines",
    "foreign": "guess: a foreign word inside Chinese text kept as written",
    "page-number": "guess: no page given; the copy taken as page 1",
    "page-name": "guess: no 版名 known for a page; named 第N版",
    "page": "guess: a feed's page is not a page number",
    "channel": "guess: channel and section disagree",
    "kind": "guess: a feed's kind is not news, feature, briefs or photo",
    "publish-time": "guess: a publish time far from the issue date, or not a date",
    "duplicate": "guess: two articles with the same headline",
    "count": "guess: the feed's count differs from the articles it holds",
    "table-header": "guess: an HTML table without header cells: its first row taken as header",
    # importers: notes (said, never a failure)
    "unknown-field": "note: a feed's field no mapping knows, listed once with its count",
    "byline-field": "note: a byline or reporter field that does not look like names, left out",
    "issue-number": "note: no issue number (总第…期): none is printed",
    "image-dropped": "note: an image with neither photo nor caption left out",
    "date-unread": "note: an RSS/Atom item's date that does not parse, left out (not checked "
    "against the issue date)",
    # importers: recognised (the report's information, listed with -v)
    "headline": "recognised: the 主题", "editor": "recognised: an editor line",
    "punctuation": "recognised: ASCII punctuation made full width", "brief": "recognised: a briefs column",
    "articles": "recognised: where the feed's articles are", "trailer": "recognised: a web page's "
    "print-source line left out", "mapping-used": "recognised: the house mapping a feed matched",
    "write-target": "the import target folder exists and is not empty (use --force)",
    "write-grammar": "imported text cannot be expressed in the edition format",
    "write-image": "an imported image cannot be copied into the edition",
    "write-roundtrip": "the written edition does not read back as the imported one (a bug)",
    # archive bags (publisher verify)
    "bag": "the folder is not a readable BagIt bag",
    "bag-missing": "no bag at the given path",
    "bag-structure": "the bag's required files or layout are wrong",
    "oxum": "the bag's Payload-Oxum does not match its payload",
    "fixity": "a file's checksum differs from the bag's manifest",
    "mets-missing": "the bag has no METS file",
    "mets-ref": "a METS reference does not resolve",
    "mets-fixity": "a file's checksum differs from the one METS records",
    "schema-missing": "an XML schema is not installed (the message gives the install command)",
    "schema-changed": "an installed XML schema differs from its pinned sha256",
    "pdfa": "a PDF in the bag no longer declares PDF/A or breaks a rule a structural check sees",
    "crosscheck": "parts of the bag disagree: an ALTO and its page PDF, the issue PDF and the pages, bag-info and METS",
    "signature": "the bag's tag manifest is unsigned, signed by no allowed key, or changed since it was signed",
    "sign": "the archive's bag cannot be signed (no key, a key needing a passphrase, no ssh-keygen)",
    "source-date-epoch": "SOURCE_DATE_EPOCH is set but is not a whole number of seconds since 1970",
    "ndnp": "the NDNP profile cannot be made (no awardee in the house, a page master cannot be encoded)",
    "ndnp-rule": "a file of an NDNP batch breaks a rule of the NDNP profile (docs/archive.md)",
    "open": "a file in the bag cannot be opened",
    "encrypted": "a PDF is encrypted",
    "epubcheck": "EPUBCheck cannot check the EPUB: no Java, no report, or no answer within its time limit",
    # print preflight (publisher preflight)
    "pdfx-version": "the PDF has no PDF/X version key",
    "pdfx-id": "the PDF/X document id is missing",
    "output-intent": "the PDF has no OutputIntent",
    "boxes": "TrimBox/BleedBox missing or inconsistent",
    "text-off-trim": "text that runs off the trim: a character cut by the knife",
    "rgb": "RGB colour (DeviceRGB, or calibrated RGB as a warning) where the press needs CMYK",
    "font": "a font is not embedded",
    "content": "a content stream cannot be read",
    "resolution": "an image's resolution at its placed size is too low",
    "ink": "total ink (from rendered separations over the trim) above the house's ink limit",
    "overprint": "pure-K text or rules knock out, or white or coloured objects overprint",
    "rich-black": "text in rich black (K with C, M or Y) instead of pure K",
    "missing": "something the check requires is missing",
    "unexpected": "an unexpected failure while checking (a bug: please report it)",
    "source": "a problem in a source file",
}
