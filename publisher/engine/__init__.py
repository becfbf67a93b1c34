"""The PDF engine: everything that touches WeasyPrint or pydyf, and nothing else does.

Above this package nobody imports WeasyPrint or pydyf or knows a box class or a private name
of theirs (import-linter and tests/test_architecture.py hold that). What it offers:

- **Rendering**: ``render`` (lay out and write once: the reading PDF) and ``lay_out`` (a
  ``Document`` to measure with ``find`` and then ``write``: the print galleys and pages),
  hermetic (the pinned fonts only), confined (``Sandbox``: only the edition, styles and fonts
  folders are read) and strict (WeasyPrint's warnings that mean a wrong output are errors).
- **Records** (``engine.records``), plain and frozen: the text of each page as ``PageLayout``
  → ``TextLine`` → ``TextRun`` → ``Glyph`` in pt (the archive's ALTO), and the laid-out
  blocks of the elements of a class as ``Block`` (rectangles, line boxes, block children) in
  mm (measuring articles for the print grid and, later, the make-up solver), and for a
  tagged render the ``Structure`` its tree is written from (``publisher.structure``).
- **Adaptations**, applied by one ``install`` that first checks the pinned WeasyPrint and
  pydyf versions, undone by ``uninstall``: the general fixes in ``engine.patches`` (one
  defect a module, written to be proposed upstream), the typeset pass as Pango attributes
  (``engine.typeset``), inter-character justification of Chinese (``engine.justify``),
  glyph recording (``engine.layout``), marking what a print page draws outside its trim
  (``engine.outside_trim``), recording what a tagged document's content belongs to
  (``engine.tagging``), and, for a document that is one part of a joined PDF, its page
  numbers starting where its pages will stand (``engine.numbering``) and its font programs
  left for the join to embed (``engine.placeholder_fonts``). docs/weasyprint-patches.md
  lists each with what it touches.

Modules: ``rendering`` (the entry points and ``Document``), ``fetcher`` (the sandbox and the URL
fetcher), ``records``, ``layout`` (box tree → records), ``adaptations`` (the pinned versions,
install, uninstall), ``patching`` (an attribute replaced, and put back), ``typeset``,
``justify``, ``outside_trim``, ``tagging``, ``numbering``, ``placeholder_fonts``, ``patches/``,
``signals`` (signal handlers held while the engine is loaded or installed).

A render stopped half way (a signal handler that raised, an error from a callback) leaves
the process able to render again, the same bytes: a load that did not finish is undone
(``rendering.load``), each render that no other is inside of starts from the adaptations'
per-render state as no render left it (``adaptations.reset``), and one that did not finish
drops the font configuration and stylesheets kept for the next (tests/test_engine_interrupted.py,
benchmarks/interrupted_renders.py).
"""

from .adaptations import PYDYF_VERSION, WEASYPRINT_VERSION, EngineVersionError, install, installed, uninstall
from .fetcher import Sandbox, alias_url, strip_jpeg_metadata
from .outside_trim import strip_outside_trim
from .records import Block, Element, Glyph, PageLayout, Picture, Rect, Rendered, Structure, Tagged, TextLine, TextRun
from .rendering import Document, ahead, lay_out, load, render

__all__ = [
                          "PYDYF_VERSION",
                          "WEASYPRINT_VERSION",
                          "Block",
                          "Document",
                          "Element",
                          "EngineVersionError",
                          "Glyph",
                          "PageLayout",
                          "Picture",
                          "Rect",
                          "Rendered",
                          "Sandbox",
                          "Structure",
                          "Tagged",
                          "TextLine",
                          "TextRun",
                          "ahead",
                          "alias_url",
                          "install",
                          "installed",
                          "lay_out",
                          "load",
                          "render",
                          "strip_jpeg_metadata",
                          "strip_outside_trim",
                          "uninstall",
]
