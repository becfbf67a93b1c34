"""The pipeline: sources -> model -> one step per output -> all files written at once.

``publish`` reads like the architecture diagram: read the edition and check it against the
pinned fonts, then build each output the request needs from the same model (``make``) — the
reading PDF (``reading``, on A4 and on the phone page), the print pages (``printing``), the
reader EPUB (``epub``), the archive bag (``archive``, made from the print pages), the web
edition (``web``, made from the print pages, linking the other outputs) — and write every
requested file at once. Nothing is written unless every output was built. What each format
is called, where it goes and what it needs are ``publisher.formats``'.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .ahead import Ahead
from .config import Settings, ensure_outside, load_settings
from .epub import Draft, build_epub, cover_image, draft_epub, masthead_cover, settled
from .errors import Problem, Problems, PublisherError, RenderError, Severity
from .fonts import FontSet, check_coverage, hash_ahead, load_fonts
from .formats import (
    ARCHIVE,
    ARCHIVE_FOLDER,
    DEFAULT,
    EPUB,
    KEPUB,
    NDNP_FOLDER,
    PDF,
    PHONE,
    PRINT,
    WEB,
    WEB_FOLDER,
    chosen,
    epub_file,
    kepub_file,
    main_output,
    needed,
    owns,
    phone_file,
    print_file,
    print_page_file,
    reading_file,
)
from .makeup import Continuation, MakeUp, PagePlan, continuations, make_up
from .makeup.cache import root as cache_root
from .makeup.measure import Measures
from .model import Edition
from .outputs import Editions, check_out_dir, check_target, unfinished, write_outputs
from .sources import read_edition

if TYPE_CHECKING:
    from .printing.build import Derive, PrintResult
    from .web import WebIssue

log = logging.getLogger(__name__)


# The outputs' builders, imported when a build asks for their output: an EPUB-only build
# never loads the reading PDF's, the archive's or the web edition's code (about 0.2 s of
# CPU at every start, before anything else can begin), and the print pages' only in the
# process that renders its cover. Functions of this module, so that tests can stand in
# for them here.

def reading_pdf(*args, **kwargs) -> bytes:
    from .reading import reading_pdf as made
    return made(*args, **kwargs)


def build_print(*args, **kwargs) -> PrintResult:
    from .printing.build import build_print as made
    return made(*args, **kwargs)


def front_page(*args, **kwargs) -> bytes:
    from .printing.build import front_page as made
    return made(*args, **kwargs)


def page_images(*args, **kwargs) -> Derive:
    from .web import page_images as made
    return made(*args, **kwargs)


def build_web(*args, **kwargs) -> WebIssue:
    from .web import build_web as made
    return made(*args, **kwargs)


def standalone(*args, **kwargs) -> dict[str, bytes]:
    from .web import standalone as made
    return made(*args, **kwargs)


def made_at(*args, **kwargs):
    from .archive import made_at as made
    return made(*args, **kwargs)


def build_archive(*args, **kwargs) -> dict[str, bytes]:
    from .archive import build_archive as made
    return made(*args, **kwargs)


def build_ndnp_issue(*args, **kwargs) -> dict[str, bytes]:
    from .archive import build_ndnp_issue as made
    return made(*args, **kwargs)


def sign_bag(*args, **kwargs) -> dict[str, bytes]:
    from .archive import sign_bag as made
    return made(*args, **kwargs)

Progress = Callable[[str], None]


@dataclass
class Result:
    edition: Edition
    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Made:
    """A build's outputs in memory: files and folders by their path under OUT/<edition-id>/,
    and, for ``publisher site``, the web edition as an issue's files (``web``)."""

    edition: Edition
    files: dict[str, bytes]
    folders: dict[str, dict[str, bytes]]
    warnings: list[Problem]
    web: WebIssue | None = None


def load(edition_dir: Path, settings: Settings | None = None) -> tuple[Edition, Settings, FontSet, Problems]:
    """Read and check an edition without rendering: every problem, collected. ``settings``:
    the house's (default: the house of the working directory, see config.find_house)."""
    settings = settings or load_settings()
    ensure_outside(settings, edition_dir)  # an edition never brings the house
    problems = Problems()
    # while the edition is read; a face whose file is unchanged since a build before (the
    # house's cache) not hashed again
    digests = hash_ahead(settings.fonts_dir, settings.font_manifest,
                         known=cache_root() / "fonts-sha256.json" if settings.makeup.cache else None)
    try:
        edition = read_edition(edition_dir, problems)
    finally:
        known = digests()
    fonts = load_fonts(settings.fonts_dir, settings.font_manifest, known)
    check_coverage(edition, fonts, problems)
    problems.raise_if_errors()
    return edition, settings, fonts, problems


def plan(edition_dir: Path, settings: Settings | None = None,
         pages: set[int] | None = None) -> tuple[Edition, MakeUp, Problems]:
    """Read an edition and make up its 版 (or ``pages``) without rendering them: the plans,
    and every problem (the sources' and the make-up's, the print build's own words)."""
    edition, settings, fonts, problems = load(edition_dir, settings)
    made = make_up(edition, settings, fonts, workers=min(settings.print.processes, len(edition.pages)),
                   pages=pages)
    problems.items.extend(made.problems)
    return edition, made, problems


def publish(edition_dir: Path, out_dir: Path, formats: Iterable[str] = DEFAULT,
            settings: Settings | None = None, progress: Progress | None = None, *,
            batch: Editions | None = None, profile: str = "bag",
            placed: list[Path] | None = None) -> Result:
    """Build ``formats`` of the edition in ``edition_dir`` into OUT/<edition-id>/; ``batch``:
    the editions built in the same run, none of which the outputs may land in; ``profile``:
    the archive's layout (formats.PROFILES: the bag, or the NDNP issue); ``placed``: gets the
    outputs' paths once they are in place (``write_outputs``), for a caller stopped by a
    signal before this returns."""
    check_out_dir(out_dir, edition_dir)
    settings = settings or load_settings()
    made = make(edition_dir, formats, settings, progress, profile=profile,
                target=lambda edition: check_target(out_dir / edition.id, batch or Editions([edition_dir])))
    (progress or log.info)("writing the outputs")
    files = write_outputs(out_dir / made.edition.id, made.files, made.folders,
                          lock_timeout=settings.outputs.lock_timeout, placed=placed)
    return Result(made.edition, files, made.warnings)


def make(edition_dir: Path, formats: Iterable[str] = DEFAULT, settings: Settings | None = None,
         progress: Progress | None = None, *, profile: str = "bag",
         target: Callable[[Edition], None] | None = None, site: bool = False,
         inputs: str = "") -> Made:
    """Every requested output in memory. ``profile``: the archive's layout; ``target``: checks
    where the edition's outputs will go, once it is read (before anything is built); ``site``:
    the web edition is left as the issue's files (``Made.web``, for ``publisher site``)
    instead of a site of its own; ``inputs``: what the issue is built from, for its record
    there."""
    step = progress or log.info
    wanted = chosen(formats)
    builds = needed(wanted)
    ndnp = ARCHIVE in builds and profile == "ndnp"
    if ndnp:
        builds = builds - {EPUB} if EPUB not in wanted else builds  # NDNP holds no EPUB
    step("reading the edition")
    edition, settings, fonts, problems = load(edition_dir, settings)
    if target:
        target(edition)
    warnings = problems.warnings
    made = made_at() if ARCHIVE in builds else None  # SOURCE_DATE_EPOCH read, and checked, first
    # An EPUB built without print: the book's draft made ahead, in a process of its own,
    # while the issue is made up for the jumps (and the reading PDFs rendered, if asked for)
    drafting = (Ahead("the EPUB's draft", draft_epub, edition, settings, fonts)
                if (EPUB in builds or KEPUB in builds) and PRINT not in builds else None)
    try:
        return _make(edition, settings, fonts, wanted, builds, ndnp, warnings, made, step, profile,
                     site, inputs, drafting)
    finally:
        if drafting is not None:
            drafting.close()


def _make(edition: Edition, settings: Settings, fonts: FontSet, wanted: tuple[str, ...],
          builds: frozenset[str], ndnp: bool, warnings: list[Problem], made, step: Progress, profile: str,
          site: bool, inputs: str, drafting: Ahead | None) -> Made:
    """``make``'s outputs, once the edition is read (``drafting``: the EPUB's draft, ahead)."""
    reading = phone = printed = epub = kepub = bag = web = None
    if PDF in builds:
        step("rendering the reading PDF")
        reading = reading_pdf(edition, settings, fonts)
    if PHONE in builds:
        step("rendering the reading PDF for phones")
        phone = reading_pdf(edition, _on_phone(settings), fonts)
    if PRINT in builds:
        step("rendering the print pages")
        printed = _print(edition, settings, fonts, for_archive=ARCHIVE in builds,
                         layout=ARCHIVE in builds,
                         derive=page_images(settings.web) if WEB in builds else None,
                         progress=lambda m: step(f"print pages: {m}"))
        warnings.extend(printed.warnings)
    if EPUB in builds or KEPUB in builds:
        step("rendering the cover")
        with _FrontCover(edition, settings, fonts) as early:
            issue_plan = _issue_plan(edition, settings, fonts, printed,
                                     front=early.start if printed is None else None)
            jumps = continuations(issue_plan.plans) if issue_plan else {}
            # While the cover renders in its process (the last work of an EPUB-only build),
            # where this one would only wait: the draft read and brought up to the jumps, the
            # book's members compressed. The book the same bytes, its tail shorter. (A cover
            # made here, from the caches, leaves nothing to wait for: the book as before.)
            draft = drafting.result() if drafting is not None else None
            if draft is not None and EPUB in builds and early.ahead is not None:
                draft = _settled(edition, settings, fonts, jumps, draft)
            cover = early.result(issue_plan) or _cover(edition, settings, fonts, printed, warnings,
                                                       issue_plan)
        if EPUB in builds:
            step("rendering the EPUB")
            epub = build_epub(edition, settings, fonts, cover=cover, jumps=jumps, draft=draft)
        if KEPUB in builds:
            step("rendering the KEPUB")
            kepub = build_epub(edition, settings, fonts, cover=cover, kobo=True, jumps=jumps, draft=draft)
    if ARCHIVE in builds:
        step("packing the archive" + (" (NDNP issue)" if ndnp else ""))
        assert printed is not None  # the archive asked for the print pages above
        if ndnp:
            assert made is not None  # read when the archive was asked for, above
            bag = build_ndnp_issue(edition, printed, settings, made)
        else:
            assert epub is not None  # and for the EPUB, which the bag holds
            bag = build_archive(edition, printed, epub, settings, made)
            if settings.sign_key is not None:  # the bag's tag manifest, signed: see archive.sign
                bag = sign_bag(bag, settings.sign_key)
    files, folders = _outputs(edition, wanted, reading, phone, printed, epub, kepub, bag,
                              NDNP_FOLDER if ndnp else ARCHIVE_FOLDER)
    if WEB in builds:
        step("making the web edition")
        assert printed is not None  # the web edition asked for the print pages above
        web = build_web(edition, settings, fonts, printed, files, inputs,
                        progress=lambda m: step(f"web edition: {m}"))
        if not site:
            folders[WEB_FOLDER] = standalone(web, settings, fonts)
    return Made(edition, files, folders, warnings, web)


def _settled(edition: Edition, settings: Settings, fonts: FontSet,
             jumps: Mapping[str, tuple[Continuation, ...]], draft: Draft) -> Draft:
    """``epub.settled``: the draft brought up to the jumps, ahead of the cover; only work
    ahead, so where it fails the draft is taken as it is (``build_epub`` then does that work
    itself, and meets what failed there)."""
    try:
        return settled(edition, settings, fonts, jumps, draft)
    except Exception as exc:  # done again, and reported, by build_epub
        log.info("the EPUB's draft is brought up to the jumps with the book: %s", exc)
        return draft


def _on_phone(settings: Settings) -> Settings:
    return settings.model_copy(update={"reading": settings.reading.model_copy(update={"page_size": "phone"})})


def _cover(edition: Edition, settings: Settings, fonts: FontSet, printed: PrintResult | None,
           warnings: list[Problem], issue_plan: MakeUp | None = None) -> bytes:
    """The EPUB's cover: the front 版 as printed, from this build's print pages or else made
    alone (never the whole issue, never the reading PDF), so the EPUB is the same whichever
    formats the build makes. A front 版 whose copy does not fit cannot be printed; that is
    the print edition's problem, so the EPUB gets a masthead card instead, with a warning."""
    if printed is not None:
        return cover_image(printed.front_page)
    try:
        if issue_plan is not None and issue_plan.plans and not any(p.is_error for p in issue_plan.problems):
            # the issue made up already (for its jumps): its front 版's plan is the one made
            # up alone, so render that one rather than solve it again
            alone = MakeUp(issue_plan.plans[:1], [], issue_plan.measures)
            return cover_image(build_print(edition, settings, fonts, makeup=alone).front_page)
        return cover_image(front_page(edition, settings, fonts))
    except RenderError as exc:
        errors = [p for p in exc.problems if p.is_error]
        if any(p.code == "io" for p in errors):
            raise  # the machine's trouble (a full disk), not the front 版's: the build fails
        why = "; ".join(p.message for p in errors)
        hint = errors[0].hint if errors and errors[0].hint else "fix the front 版's print layout"
        warnings.append(Problem(
            f"the front 版 cannot be printed ({why}): the EPUB's cover is a card drawn from the "
            "masthead, not the page as printed", edition.root / "edition.toml" if edition.root else None,
            None, f"{hint}; `publisher build --format print` reports every print problem",
            Severity.WARNING, code="cover"))
        return masthead_cover(edition, fonts)


def _issue_plan(edition: Edition, settings: Settings, fonts: FontSet,
                printed: PrintResult | None, front=None) -> MakeUp | None:
    """The make-up of the whole issue, for the EPUB's jumps (where the print continues an
    article): this build's print plans, or else the issue made up without rendering it, so
    the EPUB is the same whichever formats the build makes. None when nothing can jump: a
    house that does not jump by itself, and no layout that names a jump. ``front``: told
    the front 版's plan as soon as it is made (``makeup.make_up``)."""
    if printed is not None:
        return MakeUp(list(printed.plans), [], Measures())
    named = any(p.continued_on for page in edition.pages for p in page.placements)
    if settings.makeup.jumps not in ("next", "later") and not named:
        return None
    return make_up(edition, settings, fonts, workers=min(settings.print.processes, len(edition.pages)),
                   front=front, meanwhile=(lambda: _cover_code(settings, fonts)) if front is not None else None)


def _cover_code(settings: Settings, fonts: FontSet) -> None:
    """The code that renders the cover (the print pages', pdfium, Pillow) imported while the
    galleys are laid out, where the build's process only waits, so that the cover's process,
    forked once the front 版 is planned, inherits it rather than importing it (about 0.1 s at
    the end of the EPUB-only build, where the cover is the last work left); so the print
    page's templates, compiled (Jinja compiles a template the first time it is asked for:
    about 0.1 s of the cover's CPU); so what the engine's first print page would do itself
    (``engine.ahead``: cffi's types parsed, the output profile compressed, about 0.08 s of the
    cover's CPU). Only a head start: the cover's process imports and compiles what is missing,
    and says why it cannot."""
    with contextlib.suppress(ImportError):
        import PIL.Image  # noqa: F401
        import pypdfium2  # noqa: F401

        from .printing import build  # noqa: F401
    from .render import environment

    for name in PRINT_PAGE_TEMPLATES:
        environment().get_template(name)
    with contextlib.suppress(Exception):  # the cover's render meets it, and says so
        from .engine import ahead

        ahead(fonts, settings.output_profile)


# The templates a print page is rendered from (``printing.pages.page_html``): the page, what
# it imports and includes
PRINT_PAGE_TEMPLATES = ("print/page.html.j2", "print/units.j2", "print/_sheet.html.j2", "shared/article.j2")


class _FrontCover:
    """The EPUB's cover made ahead (``Ahead``) from the front 版's plan, as soon as the
    make-up has it. The cover is what ``_cover`` renders from the issue's plan, the same bytes
    a little earlier, and only taken when ``_cover`` would render that plan (the issue made
    up without an error); otherwise, or when the front 版 did not come from this make-up (the
    plan cache: every plan at once), ``_cover`` makes it as before."""

    def __init__(self, edition: Edition, settings: Settings, fonts: FontSet):
        self.job = (edition, settings, fonts)
        self.ahead: Ahead | None = None

    def start(self, plan: PagePlan, problems: list[Problem]) -> None:
        if any(p.is_error for p in problems) or self.ahead is not None:
            return  # the front 版 itself cannot print: _cover draws the masthead card
        self.ahead = Ahead("the cover", _front_cover, *self.job, plan)

    def result(self, issue_plan: MakeUp | None) -> bytes | None:
        if self.ahead is None or issue_plan is None or any(p.is_error for p in issue_plan.problems):
            return None
        return self.ahead.result()

    def __enter__(self) -> _FrontCover:
        return self

    def __exit__(self, *exc) -> None:
        if self.ahead is not None:
            self.ahead.close()


def _front_cover(edition: Edition, settings: Settings, fonts: FontSet, plan: PagePlan) -> bytes | None:
    """In the forked process: the cover from the front 版's plan (None: it cannot be
    rendered; ``_cover`` says why, in the build's process)."""
    try:
        return cover_image(build_print(edition, settings, fonts, makeup=MakeUp([plan], [], Measures())).front_page)
    except RenderError:
        return None


def _print(edition: Edition, settings: Settings, fonts: FontSet, for_archive: bool,
           layout: bool, derive: Derive | None = None, progress=None) -> PrintResult:
    """The print pages; for the archive, with the layout the ALTO is made from (recorded by
    the print workers as they write the pages: no second layout); for the web edition, with
    the 版 images and hot zones the workers make from their pages and those records
    (``derive``). ``progress``: told 版 by 版."""
    try:
        return build_print(edition, settings, fonts, layout=layout, progress=progress, derive=derive)
    except RenderError as exc:
        if not for_archive:
            raise
        raise RenderError([*exc.problems, Problem(
            "the archive holds the pages as printed (one page PDF and one ALTO per 版): "
            "it needs a print layout that fits, see the problems above",
            edition.root / "edition.toml" if edition.root else None, None,
            "fix the print layout, or build without --format archive",
            code="layout")]) from None


def _outputs(edition: Edition, wanted: tuple[str, ...], reading: bytes | None, phone: bytes | None,
             printed: PrintResult | None, epub: bytes | None, kepub: bytes | None,
             bag: dict[str, bytes] | None, archive_folder: str = ARCHIVE_FOLDER):
    """The requested files (path -> bytes) and folders (name -> its files), by formats' names."""
    files: dict[str, bytes] = {}
    if PDF in wanted and reading is not None:
        files[reading_file(edition.id)] = reading
    if PHONE in wanted and phone is not None:
        files[phone_file(edition.id)] = phone
    if PRINT in wanted and printed is not None:
        files[print_file(edition.id)] = printed.issue
        files.update({print_page_file(label): data for label, data in printed.pages.items()})
    if EPUB in wanted and epub is not None:
        files[epub_file(edition.id)] = epub
    if KEPUB in wanted and kepub is not None:
        files[kepub_file(edition.id)] = kepub
    folders = {archive_folder: bag} if ARCHIVE in wanted and bag is not None else {}
    return files, folders


def output_paths(edition_id: str, out_dir: Path, formats: Iterable[str],
                 profile: str = "bag") -> list[Path]:
    """Where ``publish`` writes each format's main output (the archive: its bag's declaration)."""
    return [out_dir / edition_id / main_output(f, edition_id, profile) for f in chosen(formats)]


def built_already(edition_dir: Path, out_dir: Path, formats: Iterable[str],
                  profile: str = "bag") -> bool:
    """Every requested output of the edition is in ``out_dir``, and no write of one was
    killed half way (``outputs.unfinished``: each file is written whole, but a build's files
    are renamed into place one after another). Built, not current: sources changed since
    are not seen."""
    problems = Problems()
    try:
        edition = read_edition(edition_dir, problems)
    except PublisherError:
        return False  # the build reports why
    asked = chosen(formats)
    half = unfinished(out_dir / edition.id)
    if any(owns(f, path, edition.id, profile) for f in asked for path in half):
        return False
    return all(p.exists() for p in output_paths(edition.id, out_dir, asked, profile))


def publish_ndnp_batch(edition_dirs: Iterable[Path], out_dir: Path, settings: Settings,
                       name: str | None = None) -> Path:
    """The NDNP batch of the editions' issues, built already into ``out_dir`` (``publish``
    with ``profile="ndnp"``): OUT/batch_<awardee>_<name>_ver01, a bag of batch.xml and the
    issues' folders (their files linked, not copied, where the file system allows)."""
    from .archive import ndnp
    from .archive.sign import SIGNATURE, SIGNED, signature

    issues = []
    for edition_dir in edition_dirs:
        problems = Problems()
        edition = read_edition(edition_dir, problems)
        issues.append(ndnp.issue_ref(edition, out_dir / edition.id / NDNP_FOLDER))
    full, files = ndnp.batch_files(issues, settings, made_at(), name)
    if settings.sign_key is not None:  # the batch bag's tag manifest, signed as a bag's is
        manifest = files[SIGNED]
        assert isinstance(manifest, bytes)
        files[SIGNATURE] = signature(manifest, settings.sign_key)
    (written,) = write_outputs(out_dir, {}, {full: files},
                               lock_timeout=settings.outputs.lock_timeout)
    return written
