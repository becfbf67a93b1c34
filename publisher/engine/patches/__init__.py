"""General fixes to WeasyPrint 70.0 and pydyf 0.13.0, one defect a module.

Each module fixes one defect that any WeasyPrint user could meet, says in its docstring what
is wrong, how it is fixed and which function it touches, in words meant to be proposed
upstream, and returns its ``Replacement``s from ``replacements()`` (a wrapper around the
original wherever one does the job). ``publisher.engine.install`` applies them, in this
order, before the publisher-specific adaptations (``engine.typeset``, ``engine.justify``);
docs/weasyprint-patches.md lists every patch and adaptation. Upgrading WeasyPrint or pydyf
means reviewing this folder and that page: a patch whose defect upstream fixed is deleted.
"""

from . import (
               break_all,
               compressed_once,
               computed_defaults,
               diffused_rounding,
               face_on_demand,
               font_descriptions,
               inline_line_start,
               leader_run,
               margin_boxes,
               measured_once,
               nested_links,
               page_styles,
               parse_regexes,
               plain_backgrounds,
               pseudo_styles,
               strut_keys,
               subset_once,
               target_counters,
               tj_arrays,
               used_lengths,
               written_once,
)

# Both tj_arrays and diffused_rounding wrap Stream.show_text: the order is fixed here.
PATCHES = (tj_arrays, diffused_rounding, break_all, inline_line_start, nested_links, leader_run,
           compressed_once, written_once, subset_once, face_on_demand,
           target_counters, page_styles, pseudo_styles, font_descriptions, strut_keys, margin_boxes,
           computed_defaults, parse_regexes, measured_once, used_lengths, plain_backgrounds)

__all__ = ["PATCHES"]
