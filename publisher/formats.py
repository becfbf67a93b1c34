"""The outputs a build can write: their names, the default set, what each needs, where it goes.

One place for these facts: ``publish`` writes by them, ``publish.output_paths`` and
``built_already`` look for them, the CLI offers ``--format`` from them. Pure: no I/O.

Paths are relative to the edition's output folder, ``OUT/<edition-id>/``.
"""

from __future__ import annotations

from collections.abc import Iterable

EPUB, KEPUB, PDF, PHONE, PRINT, ARCHIVE, WEB = "epub", "kepub", "pdf", "phone", "print", "archive", "web"
ALL = (EPUB, KEPUB, PDF, PHONE, PRINT, ARCHIVE, WEB)
DEFAULT = (EPUB, PDF)  # what a plain ``publisher build`` writes
# Asked for by name: kepub (the EPUB for sideloading to Kobo's own reading engine), print (a 版
# whose articles do not fit is an error there, and an edition made for screens need not have a
# print layout) and the archive. A newspaper archive holds the
# pages as printed, one page PDF and one ALTO per 版, and the reader EPUB: building it builds
# those too (written only when asked for as well), so an edition without a print layout that
# fits cannot be archived (the print build's error, with the archive named in it).
# The web edition (数字报) shows each 版 as printed, its articles' zones drawn from where the
# print layout set them: it needs the print pages too (written only when asked for). It links
# whichever downloads the same build writes (EPUB, reading PDFs, print PDFs).
NEEDS = {ARCHIVE: (PRINT, EPUB), WEB: (PRINT,)}

ARCHIVE_FOLDER = "archive"  # the bag, replaced whole
# The archive's layouts: the BagIt bag (default), or an issue as NDNP takes it (written to
# NDNP_FOLDER; a batch of such issues is a folder of its own, OUT/batch_<awardee>_<name>_ver01)
PROFILES = ("bag", "ndnp")
NDNP_FOLDER = "ndnp"
WEB_FOLDER = "web"  # the issue as a web site of its own, replaced whole


def epub_file(edition_id: str) -> str:
    return f"{edition_id}.epub"


def kepub_file(edition_id: str) -> str:
    """Kobo's file name: a .kepub.epub is opened by Kobo's own engine, not Adobe's."""
    return f"{edition_id}.kepub.epub"


def reading_file(edition_id: str) -> str:
    return f"{edition_id}.pdf"


def phone_file(edition_id: str) -> str:
    """The reading PDF on the phone page, whatever page ``pdf`` has."""
    return f"{edition_id}-phone.pdf"


def print_file(edition_id: str) -> str:
    """The whole issue as printed."""
    return f"{edition_id}-print.pdf"


def print_page_file(label: str) -> str:
    """One 版 as printed, by its file label (p01)."""
    return f"print/{label}.pdf"


def main_output(fmt: str, edition_id: str, profile: str = "bag") -> str:
    """The file whose presence shows that ``fmt`` was built (outputs are written whole): the
    format's file, or for the archive its bag's declaration (its NDNP issue's folder), for
    the web its home page."""
    if fmt == ARCHIVE and profile == "ndnp":
        return NDNP_FOLDER
    return {EPUB: epub_file(edition_id), KEPUB: kepub_file(edition_id), PDF: reading_file(edition_id),
            PHONE: phone_file(edition_id), PRINT: print_file(edition_id),
            ARCHIVE: f"{ARCHIVE_FOLDER}/bagit.txt", WEB: f"{WEB_FOLDER}/index.html"}[fmt]


def owns(fmt: str, path: str, edition_id: str, profile: str = "bag") -> bool:
    """Whether ``fmt`` writes ``path`` (relative to the edition's output folder): its main
    output, or a file of its folder (print's per-版 files, the bag, the web edition)."""
    mine = [main_output(fmt, edition_id, profile).split("/")[0]]
    if fmt == PRINT:
        mine.append(print_page_file("").split("/")[0])
    return any(path == m or path.startswith(m + "/") for m in mine)


def chosen(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats asked for, each once, in the order given."""
    asked = tuple(dict.fromkeys(formats))
    unknown = [f for f in asked if f not in ALL]
    if unknown:
        raise ValueError(f"unknown output format(s) {unknown}: choose from {list(ALL)}")
    return asked


def needed(formats: Iterable[str]) -> frozenset[str]:
    """The formats to build for ``formats``: those and what they need."""
    asked = chosen(formats)
    return frozenset(asked).union(*(NEEDS.get(f, ()) for f in asked))
