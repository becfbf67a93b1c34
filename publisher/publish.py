"""The pipeline: sources -> model -> rendered documents -> output files.

``publish`` reads like the architecture diagram: read the edition, check it against the
pinned fonts, render each requested format from the same model, then write every file
at once. Nothing is written unless every format rendered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings, ensure_outside, load_settings
from .errors import Problem, Problems, PublisherError
from .fonts import FontSet, check_coverage, load_fonts
from .model import Edition
from .outputs import check_out_dir, write_outputs
from .sources import read_edition

log = logging.getLogger(__name__)

FORMATS = ("epub", "pdf")  # the default: what a plain ``publisher build`` writes
# Asked for by name: "print" (a 版 whose articles do not fit is an error there, and an
# edition made for screens need not have a print layout) and "archive", which implies
# "print": a newspaper archive holds the pages as printed, one page PDF and one ALTO per
# 版, so an edition without a print layout that fits cannot be archived (the print
# build's error, with the archive named in it).
ALL_FORMATS = (*FORMATS, "print", "archive")

Progress = Callable[[str], None]


@dataclass
class Result:
    edition: Edition
    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def load(edition_dir: Path, settings: Settings | None = None) -> tuple[Edition, Settings, FontSet, Problems]:
    """Read and check an edition without rendering: every problem, collected. ``settings``:
    the house's (default: the house of the working directory, see config.find_house)."""
    settings = settings or load_settings()
    ensure_outside(settings, edition_dir)  # an edition never brings the house
    problems = Problems()
    edition = read_edition(edition_dir, problems)
    fonts = load_fonts(settings.fonts_dir, settings.font_manifest)
    check_coverage(edition, fonts, problems)
    problems.raise_if_errors()
    return edition, settings, fonts, problems


def publish(edition_dir: Path, out_dir: Path, formats: Iterable[str] = FORMATS,
            settings: Settings | None = None, progress: Progress | None = None) -> Result:
    step = progress or (lambda message: log.info(message))
    check_out_dir(out_dir, edition_dir)
    step("reading the edition")
    edition, settings, fonts, problems = load(edition_dir, settings)
    result = Result(edition, warnings=problems.warnings)

    files: dict[str, bytes] = {}
    folders: dict[str, dict[str, bytes]] = {}
    wanted = list(dict.fromkeys(formats))
    archive = "archive" in wanted
    rendered = None
    with_print = "print" in wanted or archive
    if "pdf" in wanted or ("epub" in wanted and not with_print):
        # One layout pass serves both the reading PDF and the EPUB's cover (its page 1);
        # with print pages in the build, the cover is the printed front page instead.
        step("rendering the reading PDF")
        rendered = reading_render(edition, settings, fonts)
        if "pdf" in wanted:
            files[f"{edition.id}.pdf"] = rendered.pdf
    front_page = rendered.pdf if rendered else None
    printed = None
    if with_print:
        step("rendering the print pages")
        from .errors import RenderError
        from .printing.build import build_print

        try:
            # the archive's ALTO comes from this render: the workers also return the layout
            printed = build_print(edition, settings, fonts, layout=archive)
        except RenderError as exc:
            if not archive:
                raise
            raise RenderError([*exc.problems, Problem(
                "the archive holds the pages as printed (one page PDF and one ALTO per 版): "
                "it needs a print layout that fits, see the problems above",
                edition.root / "edition.toml" if edition.root else None, None,
                "fix the print layout, or build without --format archive",
                code="layout")]) from None
        if "print" in wanted:
            files[f"{edition.id}-print.pdf"] = printed.issue
            for label, data in printed.pages.items():
                files[f"print/{label}.pdf"] = data
        result.warnings.extend(printed.warnings)
        front_page = printed.pages[edition.pages[0].file_label]  # the real front page
    epub = None
    if "epub" in wanted or "archive" in wanted:
        from .epub import build_epub

        # The EPUB cover is page 1 of the print edition when this build has one, else of
        # the reading PDF. Print page numbers come from the model (one 版, one page).
        step("rendering the EPUB")
        epub = build_epub(edition, settings, fonts, front_page_pdf=front_page)
        if "epub" in wanted:
            files[f"{edition.id}.epub"] = epub
    if "archive" in wanted:
        step("packing the archive")
        from .archive import FOLDER, build_archive

        folders[FOLDER] = build_archive(edition, printed, epub)

    step("writing the outputs")
    result.files = write_outputs(out_dir / edition.id, files, folders)
    return result


def reading_styles(settings: Settings) -> list[str]:
    """The reading PDF's stylesheets: A4, or A4's rules with the phone page on top."""
    names = ["base.css", "typeset.css", "reading.css"]
    return names + ["reading-phone.css"] if settings.reading.page_size == "phone" else names


def reading_pdf(edition: Edition, settings: Settings, fonts: FontSet) -> bytes:
    return reading_render(edition, settings, fonts).pdf


def reading_render(edition: Edition, settings: Settings, fonts: FontSet, layout: bool = False):
    """The reading PDF, PDF/A-2a and PDF/UA-1 (with ``layout``: where every line of it sits;
    the archive takes its pages from the print build, see ``publish``)."""
    from .engine import Sandbox, render
    from .render import reading_html, xmp_description

    assert edition.root is not None
    # PDF/A-2a (tagged: accessible logical structure) that also declares PDF/UA-1 in its
    # XMP: one file is both the accessible reading PDF and the archive's issue PDF/A.
    args = dict(base_dir=edition.root,
                stylesheets=[settings.styles_dir / n for n in reading_styles(settings)],
                fonts=fonts, sandbox=Sandbox((edition.root, settings.styles_dir, settings.fonts_dir)),
                what="reading PDF", pdf_variant="pdf/a-2a", pdf_tags=True,
                xmp=xmp_description(edition, pdfua=1))
    return render(reading_html(edition, settings), layout=layout, **args)


def output_paths(edition_id: str, out_dir: Path, formats: Iterable[str]) -> list[Path]:
    """Where ``publish`` writes each format's main output (the archive: its bag's folder)."""
    base = out_dir / edition_id
    names = {"epub": f"{edition_id}.epub", "pdf": f"{edition_id}.pdf",
             "print": f"{edition_id}-print.pdf", "archive": "archive/bagit.txt"}
    return [base / names[f] for f in dict.fromkeys(formats)]


def built_already(edition_dir: Path, out_dir: Path, formats: Iterable[str]) -> bool:
    """Every requested output of the edition is in ``out_dir`` (outputs are written whole, so
    present means complete; it does not mean current: sources changed since are not seen)."""
    problems = Problems()
    try:
        edition = read_edition(edition_dir, problems)
    except PublisherError:
        return False  # the build reports why
    return all(p.exists() for p in output_paths(edition.id, out_dir, formats))
