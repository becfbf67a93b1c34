"""The engine put into WeasyPrint and pydyf: pinned versions, every adaptation, undone on request.

``install`` checks that the installed WeasyPrint and pydyf are the versions every adaptation
was written and tested against (pinned exactly in pyproject.toml), refusing any other with a
``EngineVersionError`` that names them, and then applies, in this order:

1. the general fixes of ``publisher.engine.patches`` (one WeasyPrint or pydyf defect each);
2. ``engine.typeset``: the typeset pass's halts, gaps and paragraph ends as Pango attributes;
3. ``engine.justify``: inter-character justification of Chinese, drawn with ``Tc``;
4. ``engine.layout``: glyph positions recorded while drawing (inert unless recording);
5. ``engine.outside_trim``: what a print page draws outside its trim marked as an artifact;
6. ``engine.tagging``: a tagged document's structure recorded instead of WeasyPrint's tree
   (inert unless recording);
7. ``engine.numbering``: a document's page counter started where its pages will stand in a
   joined PDF, given once it is laid out (inert outside ``numbering.later``);
8. ``engine.placeholder_fonts``: font programs left out of a render whose fonts are embedded
   again after a join (inert outside ``placeholder_fonts.placeholders``).

Each is a list of ``patching.Replacement``s; ``uninstall`` reverts them all in the reverse
order, leaving WeasyPrint's and pydyf's modules and classes as they were (two Pango
declarations added to WeasyPrint's cffi stay: a declaration cannot be taken back, and
unused it changes nothing). docs/weasyprint-patches.md lists every replacement.
"""

from __future__ import annotations

import logging
import sys

from ..errors import Problem, PublisherError
from ..signals import held
from . import justify, layout, numbering, outside_trim, placeholder_fonts, tagging, typeset
from .patches import PATCHES
from .patching import apply_all, revert_all

log = logging.getLogger(__name__)

# The versions the adaptations were written and tested against (pyproject.toml pins both).
WEASYPRINT_VERSION = "70.0"
PYDYF_VERSION = "0.13.0"


class EngineVersionError(PublisherError):
    """The installed WeasyPrint or pydyf is not the version the engine was written for."""


def check_versions() -> None:
    """Refuse a WeasyPrint or pydyf other than the pinned ones (both named in one error)."""
    import pydyf
    import weasyprint

    wrong = [(name, found, pinned) for name, found, pinned in (
        ("WeasyPrint", weasyprint.__version__, WEASYPRINT_VERSION),
        ("pydyf", pydyf.__version__, PYDYF_VERSION)) if found != pinned]
    if wrong:
        found = ", ".join(f"{name} {version}" for name, version, _ in wrong)
        raise EngineVersionError(Problem(
            f"publisher's PDF engine is written for WeasyPrint {WEASYPRINT_VERSION} and pydyf "
            f"{PYDYF_VERSION}, and this environment has {found}: its adaptations patch those "
            "versions' code and are not applied to any other",
            hint="install the pinned versions (`make setup`, or `pip install .` from the "
                 "checkout); to move to another version, review publisher/engine/patches/ and "
                 "docs/weasyprint-patches.md against it first, then change the pins",
            code="engine-version"))


# The adaptation modules, in the order they are applied (each has ``replacements()``).
ADAPTATIONS = (*PATCHES, typeset, justify, layout, outside_trim, tagging, numbering,
               placeholder_fonts)


def install() -> None:
    """Check the versions, then apply every adaptation (idempotent), signals held meanwhile
    (``signals.held``: a handler that raises cannot stop it half way)."""
    check_versions()
    with held():  # a handler that raised between two replacements would leave half of them
        for adaptation in ADAPTATIONS:
            apply_all(adaptation.replacements())
    log.debug("publisher's adaptations installed in WeasyPrint and pydyf")


def reset() -> None:
    """What the adaptations keep while a render runs (the line being drawn, the recordings,
    the blocks open, a rounding remainder) as no render left it: for a render that no other
    render is inside of, so that one stopped half way (a signal handler that raised, an error
    from a callback) changes nothing in the next. Their tables kept across renders (pure
    functions of their keys, each entry stored once whole) are not touched."""
    for adaptation in ADAPTATIONS:
        fresh = getattr(adaptation, "reset", None)
        if fresh is not None:
            fresh()


def uninstall() -> None:
    """Revert every adaptation: WeasyPrint and pydyf as they were before ``install``."""
    if "weasyprint" not in sys.modules:
        return  # never loaded, so never adapted (and not loaded now: see render.weasyprint)
    with held():
        for adaptation in reversed(ADAPTATIONS):
            revert_all(adaptation.replacements())


def installed() -> bool:
    """Whether every adaptation is applied."""
    if "weasyprint" not in sys.modules:
        return False
    return all(r.applied for a in ADAPTATIONS for r in a.replacements())
