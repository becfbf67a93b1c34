"""The page make-up (自动组版): where every article of every 版 goes, decided by a solver.

Between the outputs and the engine: the print pages (``publisher.printing``) render the
plans made here, and the archive and (later) the web edition read them through the print
pages. The pipeline, one module a step:

``geometry`` (trim, type area, the grid of columns and body lines) → ``units`` (an article's
body as units of whole lines, and where a paragraph may be cut) → ``measure`` (galleys laid
out by the engine: heads per width and tier, bodies per text-column width; ``cache`` keeps
them on disk) → ``variants`` (the ways to set each article, in lines) → ``columns`` (a body
broken into balanced text columns) → ``solver`` (the CP-SAT model choosing variants and
places: the only module that knows OR-Tools) → ``plan`` (page plans, jumps carried to
their pages, problems) → ``score`` (white lines, jumps, tombstones; the terminal drawing and
thumbnail of ``publisher layout``; writing a plan back to edition.toml) and ``greedy`` (the
skyline placement it replaced, kept as the benchmark's baseline). ``plancache`` keeps the
issue's plans on disk by everything they are planned from: ``make_up`` is the planning
through it, so an unchanged issue is neither measured nor solved again.

docs/make-up.md describes the model.
"""

from .geometry import Box, Geometry, Grid, line_mm
from .plan import Column, Continuation, MakeUp, PagePlan, Placed, continuations, plan_page
from .plancache import make_up
from .units import Piece

__all__ = ["Box", "Column", "Continuation", "Geometry", "Grid", "MakeUp", "PagePlan", "Piece", "Placed",
           "continuations", "line_mm", "make_up", "plan_page"]
