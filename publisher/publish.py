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

from .config import Settings, load_settings
from .errors import Problem, Problems
from .fonts import FontSet, check_coverage, load_fonts
from .model import Edition
from .outputs import check_out_dir, write_outputs
from .sources import read_edition

log = logging.getLogger(__name__)

# The default set. "print" is built only when asked for (--format print): a 版 whose articles
# do not fit is an error there, and an edition made for screens need not have a print layout.
FORMATS = ("epub", "pdf")

Progress = Callable[[str], None]


@dataclass
class Result:
    edition: Edition
    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def load(edition_dir: Path, settings: Settings | None = None) -> tuple[Edition, Settings, FontSet, Problems]:
    """Read and check an edition without rendering: every problem, collected."""
    settings = settings or load_settings(edition_dir)
    problems = Problems()
    edition = read_edition(edition_dir, problems)
    fonts = load_fonts(settings.fonts_dir)
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
    wanted = list(dict.fromkeys(formats))
    if "pdf" in wanted:
        step("rendering the reading PDF")
        files[f"{edition.id}.pdf"] = reading_pdf(edition, settings, fonts)
    if "epub" in wanted:
        from .epub import build_epub

        # The EPUB cover is page 1 of a PDF: the reading PDF until the print PDF lands
        # (then pass print page 1, and the print layout's pages as print_pages).
        front = files.get(f"{edition.id}.pdf")
        if front is None:
            step("rendering the front page for the EPUB cover")
            front = reading_pdf(edition, settings, fonts)
        step("rendering the EPUB")
        files[f"{edition.id}.epub"] = build_epub(edition, settings, fonts, front_page_pdf=front)

    if "print" in wanted:
        step("rendering the print pages")
        from .printing.build import build_print

        printed = build_print(edition, settings, fonts)
        files[f"{edition.id}-print.pdf"] = printed.issue
        for label, data in printed.pages.items():
            files[f"print/{label}.pdf"] = data
        result.warnings.extend(printed.warnings)

    step("writing the outputs")
    result.files = write_outputs(out_dir / edition.id, files)
    return result


def reading_pdf(edition: Edition, settings: Settings, fonts: FontSet) -> bytes:
    from .pdf import Sandbox, render_pdf
    from .render import reading_html

    assert edition.root is not None
    return render_pdf(
        reading_html(edition, settings), base_dir=edition.root,
        stylesheets=[settings.styles_dir / n for n in ("base.css", "typeset.css", "reading.css")],
        fonts=fonts, sandbox=Sandbox((edition.root, settings.styles_dir, settings.fonts_dir)),
        what="reading PDF", pdf_variant="pdf/ua-1")
