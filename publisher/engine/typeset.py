"""The typeset pass inside WeasyPrint's text layout: halts, CJK–Latin gaps and paragraph ends
as text attributes instead of ``<span>``s.

Why this exists
---------------
The EPUB carries the typeset pass as markup (publisher/typeset/spacing.py ``to_html``): one
``<span>`` per squeezed mark (``halt``), per Latin run with a gap (``cl-4s``…) and per
paragraph end (``keep-end``). WeasyPrint pays for every span as an element and a box: its
cascade, one more inline box to split on every line, more text boxes (each its own Pango
layout, laid out and again drawn), one more tag in the PDF structure tree, and the garbage
collector's walks over all of it. On the 16-page benchmark edition that was about 3,000
spans and 0.8 ms each: the typeset pass made the default build 70–80 % slower (issue 5's
budget for all of the typography is 15 %). So the PDFs' HTML gets no such spans
(``to_html(engine=True)``), and this module applies the same decisions, made by the same
functions of spacing.py, where Pango lays out the text:

* **Which text.** Text of elements whose inherited custom property ``--cjk-typeset`` is
  ``text`` (halts and gaps) or ``paragraph`` (also the paragraph end): styles/typeset.css
  sets it on the PDFs' articles and contents. The gap's width is the house option, written on
  the root element as ``--cjk-latin-space`` (quarter, eighth, off).
* **Plans.** Once WeasyPrint has built its boxes, each block's inline text is read in order:
  halts are decided on the block's whole text (so a pair like 。（ across two elements is
  squeezed, and only the block's start is a paragraph start), gaps per text box, the
  paragraph end in the block's last text box. Each ``TextBox`` gets a ``TextPlan`` in its
  own character indices; when WeasyPrint splits it into lines (``split_text_box``) each piece
  gets its slice.
* **Halts** are a Pango font-features attribute (``halt 1``) on the mark, exactly what the
  span's ``font-feature-settings`` did. **The paragraph end** is a Pango ``allow-breaks``
  attribute (false) over its last two letters and what follows, what the span's
  ``white-space: nowrap`` did.
* **Gaps.** Pango has no one-sided spacing: letter spacing goes half before and half after a
  character, and Pango drops the outer halves at a line's two ends. So a gap of ``g`` is
  laid out as letter spacing on the Han character that touches the Latin run (``g`` per
  gapped side; ``2g`` on a piece's first character if its gap is on its right, as its left
  half is dropped), which gives a line its true width wherever the gap is inside it; and it
  is *drawn* one-sided: when the text is drawn the gap is put on the glyph itself (its
  advance grows by the gap, and it moves right by a left gap), with no letter spacing. A gap
  never shows at a line's start or end. Where a line breaks at a gap (the line's last
  character has its gap on its right), the half Pango kept on that character's left is taken
  off the line's width; as Pango fits a character only with all of its letter spacing, a
  line that would end there is laid out again with the gap's width more (``split``), so the
  line holds what it would with no gap after it. Where a line's last character has its gap
  on its left, Pango kept half of it, and the other half is added (Pango fitted the line
  with the whole letter spacing, so it has the room).

Long strings (URLs) keep their ``brk`` span (``word-break`` is a box property Pango cannot
take per range) and its gap padding, which publisher/engine/justify.py trims at line edges.

No character is inserted or removed: the PDF's text is the source text, as before. Written
against WeasyPrint 70.0, like engine.justify (which expects this module installed too).
WeasyPrint's ``Layout`` class stays in place: the layouts made while a planned text box is
split are of this module's subclass (``TypesetLayout``), and engine.justify subclasses the
layout of a justified box (either class) in turn, so text with nothing to typeset or justify
pays nothing for either.
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from itertools import accumulate
from types import SimpleNamespace
from typing import Any, NamedTuple

from ..typeset.spacing import GAP_EM, gap_sides, halt_indices, keep_index, latin_runs
from .patching import Replacement, all_applied, apply_all, revert_all

__all__ = [
    "TextPlan",
    "carry",
    "custom_property",
    "install",
    "installed",
    "is_halted",
    "plan_of",
    "replacements",
    "text_boxes",
    "uninstall",
    "utf8_offsets",
]

LOGGER = logging.getLogger(__name__)

# WeasyPrint's modules and constants that the hot paths use, bound by ``install`` (WeasyPrint
# is imported only once publisher.engine has pointed fontconfig at the pinned fonts).
_wp = SimpleNamespace()
# The plan of the text box being split into lines, shifted to where the split starts: the
# Pango layouts WeasyPrint makes during that split take it (they are all of that text).
_active: TextPlan | None = None


class TextPlan(NamedTuple):
    """What the typeset pass decided for one text box, as sorted character indices of its
    text; the plan of a piece of that text (a line of it) is a window on the same indices
    (``slice``), so splitting a paragraph into lines copies nothing. Queries take a range of
    the window, found by bisection: a Pango layout asks only for the characters it holds, not
    for the rest of the paragraph (asking for all of it at every line was quadratic)."""

    halt: tuple[int, ...]   # marks set on half an em
    left: tuple[int, ...]   # Han characters with a gap on their left (a Latin run ends there)
    right: tuple[int, ...]  # ... on their right (a Latin run starts after them)
    keep: int | None        # no line break from here to the text's end (None: anywhere)
    gap: float              # the gap's width in CSS px
    start: int = 0          # the window: text[start:end]
    end: int | None = None
    utf8: tuple[int, ...] = ()  # each character's UTF-8 offset in text (Pango counts bytes)

    def slice(self, start: int, end: int | None = None) -> TextPlan:
        """The plan of ``text[start:end]`` (indices of the window)."""
        stop = self.end if end is None else self.start + end
        if self.end is not None and stop is not None:
            stop = min(stop, self.end)
        return TextPlan(self.halt, self.left, self.right, self.keep, self.gap, self.start + start, stop,
                        self.utf8)

    def byte_offset(self, index: int) -> int:
        """The UTF-8 offset of the window's character ``index`` in the window's text."""
        return self.utf8[self.start + index] - self.utf8[self.start]

    def char_index(self, offset: int) -> int:
        """The window's character at UTF-8 ``offset`` of the window's text (byte_offset's
        inverse), by bisection."""
        base = self.utf8[self.start]
        return bisect_left(self.utf8, base + offset, self.start) - self.start

    def _local(self, indices: tuple[int, ...], lo: int, hi: int | None) -> list[int]:
        """The indices in ``[lo, hi)`` of the window, counted from the window's start."""
        start, end = self.start, self.end
        if hi is not None and (end is None or start + hi < end):
            end = start + hi
        first = bisect_left(indices, start + lo)
        last = len(indices) if end is None else bisect_left(indices, end, first)
        return [i - start for i in indices[first:last]]

    def halts(self, lo: int = 0, hi: int | None = None) -> list[int]:
        """The window's halted marks (in ``[lo, hi)``)."""
        return self._local(self.halt, lo, hi) if self.halt else []

    def is_halt(self, index: int) -> bool:
        return bool(self.halts(index, index + 1))

    def gap_sides(self, lo: int = 0, hi: int | None = None) -> dict[int, tuple[bool, bool]]:
        """{index: (gap on its left, gap on its right)} of the window's gapped characters (in
        ``[lo, hi)``)."""
        if not (self.left or self.right):
            return {}
        left, right = self._local(self.left, lo, hi), self._local(self.right, lo, hi)
        if not (left or right):
            return {}
        return {i: (i in left, i in right) for i in sorted({*left, *right})}

    def gap_right(self, index: int) -> bool:
        """Whether the window's character ``index`` has a gap on its right."""
        return bool(self.right) and bool(self._local(self.right, index, index + 1))

    def kept_from(self) -> int | None:
        """Where the unbreakable paragraph end starts in the window (None: not in it)."""
        if self.keep is None or (self.end is not None and self.keep >= self.end):
            return None
        return max(0, self.keep - self.start)

    def draw_gaps(self, length: int, room: float | None) -> tuple[dict[int, tuple[float, float]], float]:
        """The gaps to draw in a piece of ``length`` characters laid out as one line, as
        {index: (left, right)} in px, and how much wider that is than Pango measured it.

        Pango measured each gapped character with its letter spacing, minus the halves it
        drops at the piece's two ends (see the module docstring); only the last character can
        differ from what is drawn. ``room`` (the line's space left, None: unlimited) caps the
        one case that draws wider than measured, as a safety net: Pango fitted such a line
        with the whole letter spacing, which is as wide as what is drawn.
        """
        gaps: dict[int, tuple[float, float]] = {}
        if not (self.left or self.right):
            return gaps, 0.0
        g = self.gap
        sides = self.gap_sides(0, length)
        for i, (on_left, on_right) in sides.items():
            left = g if on_left and i > 0 else 0.0
            right = g if on_right and i < length - 1 else 0.0
            if left or right:
                gaps[i] = (left, right)
        last = length - 1
        if last <= 0 or last not in sides:
            return gaps, 0.0
        on_left, on_right = sides[last]
        measured = g * (on_left + on_right) / 2  # its left half; Pango dropped the right one
        drawn = g if on_left else 0.0
        correction = drawn - measured
        if correction > 0 and room is not None:
            correction = max(0.0, min(correction, room))
            gaps[last] = (measured + correction, 0.0)
        return gaps, correction


def custom_property(style, name: str) -> str:
    """A custom property's computed value as text ("" when unset): ``--cjk-typeset`` is
    ``style["__cjk_typeset"]``."""
    try:
        tokens = style[name]
    except KeyError:
        return ""
    return "".join(getattr(t, "value", "") or "" for t in tokens or ()).strip()


def utf8_offsets(text: str) -> list[int]:
    """Each character's UTF-8 offset in ``text``, and the length last: Pango counts bytes."""
    return list(accumulate(map(len, map(str.encode, text)), initial=0))


def plan_of(box) -> TextPlan | None:
    return box.__dict__.get("cjk_plan")


def is_halted(box, index: int) -> bool:
    """Whether character ``index`` (negative: from the end) of a text box is set with ``halt``."""
    plan = plan_of(box)
    return plan is not None and plan.is_halt(index if index >= 0 else len(box.text) + index)


# --- Plans: after the boxes are built --------------------------------------------------------

def text_boxes(box, boxes):
    """The text boxes of a line (or inline box) in order, through its inline boxes, leaving
    out what is not in the line's flow (floats, positioned boxes)."""
    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from text_boxes(child, boxes)


def attach_plans(root) -> None:
    """Give every opted-in text box of the tree its ``TextPlan`` (see the module docstring)."""
    boxes = _wp.boxes
    styles: dict[int, str] = {}  # id(style) -> --cjk-typeset: text boxes share styles

    def mode_of(style) -> str:
        try:
            return styles[id(style)]
        except KeyError:
            styles[id(style)] = mode = custom_property(style, "__cjk_typeset")
            return mode

    for line in root.descendants():
        if not isinstance(line, boxes.LineBox):
            continue
        texts = list(text_boxes(line, boxes))
        modes = [mode_of(t.style) for t in texts]
        if not any(modes):
            continue
        halt = halt_indices("".join(t.text for t in texts))
        last = max((i for i, t in enumerate(texts) if t.text.strip()), default=-1)
        offset = 0
        for i, (box, mode) in enumerate(zip(texts, modes, strict=False)):
            text = box.text
            if mode in ("text", "paragraph") and text:
                size = custom_property(box.style, "__cjk_latin_space")
                size = size if size in GAP_EM else "quarter"
                runs = latin_runs(text, size)
                left, right = gap_sides(text, runs)
                keep = None
                if mode == "paragraph" and i == last:
                    keep = keep_index(text, runs)
                    keep = keep if keep < len(text) else None
                halts = tuple(j - offset for j in halt[bisect_left(halt, offset):
                                                       bisect_left(halt, offset + len(text))])
                if halts or left or right or keep is not None:  # else WeasyPrint's own way
                    box.cjk_plan = TextPlan(halts, tuple(sorted(left)), tuple(sorted(right)), keep,
                                            GAP_EM[size] * box.style["font_size"],
                                            utf8=tuple(utf8_offsets(text)))
            offset += len(text)


def _build_formatting_structure(*args, **kwargs):
    root = _replacements[0].original(*args, **kwargs)
    attach_plans(root)
    return root


# --- Lines: each piece of a split text box gets its slice -----------------------------------

def _split_text_box(context, box, available_width, skip, is_line_start=True):
    plan = plan_of(box)
    if plan is None:
        return _replacements[1].original(context, box, available_width, skip, is_line_start)
    # ``skip`` counts UTF-8 bytes (WeasyPrint's resume index), the plan characters: found in
    # the plan's offset table (encoding the text up to ``skip`` at every line was quadratic in
    # a paragraph's length)
    start = plan.char_index(skip) if skip else 0

    def split(width):
        # The layouts WeasyPrint makes meanwhile (line_break.create_layout, all of this text)
        # are TypesetLayouts that take the plan; other text keeps WeasyPrint's own class and
        # pays nothing for this module.
        global _active
        line_break = _wp.line_break
        outer, _active = _active, plan.slice(start)
        layout, line_break.Layout = line_break.Layout, _wp.TypesetLayout
        try:
            return _replacements[1].original(context, box, width, skip, is_line_start)
        finally:
            _active, line_break.Layout = outer, layout

    result = split(available_width)
    new_box, resume = result[0], result[1]
    if new_box is not None and resume is not None and available_width is not None:
        end = start + len(new_box.text)  # the first character of the next line
        if plan.gap_right(end):
            # Pango broke before a character with a gap on its right: it fits a line only with
            # all of its letter spacing, but a line that ends there drops that gap (and the
            # half Pango keeps on a one-sided gap's left is taken off below). Give Pango that
            # much more and keep the result if the character comes up: its line fits.
            retry = split(available_width + plan.gap)
            if retry[0] is not None and len(retry[0].text) == end + 1 - start:
                result = retry
    new_box = result[0]
    if new_box is not None:
        piece = plan.slice(start, start + len(new_box.text))
        new_box.cjk_plan = piece
        room = None if available_width is None else available_width - new_box.width
        gaps, correction = piece.draw_gaps(len(new_box.text), room)
        new_box.pango_layout.cjk_gaps = gaps
        new_box.width += correction
    return result


def reset() -> None:
    """No text box being split: no plan active, and WeasyPrint's ``Layout`` its own class
    (``split`` puts it back when it ends; this is for a render that no other render is
    inside of, after one that was stopped)."""
    global _active
    _active = None
    line_break, typeset_layout = getattr(_wp, "line_break", None), getattr(_wp, "TypesetLayout", None)
    if line_break is not None and line_break.Layout is typeset_layout:
        line_break.Layout = typeset_layout.__base__


def carry(box, layout) -> None:
    """Give a layout made anew for a laid-out box (engine.justify) the box's plan and gaps."""
    if plan_of(box) is not None:
        layout.__class__ = _wp.TypesetLayout  # made with WeasyPrint's class: it takes plans
        layout.cjk_plan = plan_of(box)
        layout.cjk_gaps = getattr(box.pango_layout, "cjk_gaps", None)


# --- Pango: the attributes, and the gaps drawn one-sided -------------------------------------

def _layout_class(base: Any):
    class TypesetLayout(base):
        """WeasyPrint's Layout, with the text box's plan as Pango attributes: the class of
        the layouts made while a planned text box is split into lines (_split_text_box)."""

        cjk_gaps = None  # {index: (left, right)} px: the gaps to draw (set by _split_text_box)
        cjk_draw = None  # the same by UTF-8 offset, waiting for the line to be laid out
        # engine.patches.measured_once: set_text given a prefix of the text already set, without
        # justify (a broken line's own text, its layout dropped next), keeps nothing here but
        # ``text``: a prefix gains no attribute (_apply), and cjk_draw is only set to draw.
        measured_text_only = True

        def __init__(self, *args, **kwargs):
            self.cjk_plan = _active
            super().__init__(*args, **kwargs)

        def setup(self, style):
            super().setup(style)
            self.cjk_done = 0  # a new Pango layout: no attribute of ours on it yet

        def set_text(self, text, justify=False):
            self.cjk_draw = None
            super().set_text(text, justify)
            if self.text:
                _apply(self, justify)

        def get_first_line(self):
            line, index = super().get_first_line()
            if self.cjk_draw:
                _draw_gaps(line, self.cjk_draw)
                self.cjk_draw = None  # once per laid-out line: the edits stay on Pango's line
            return line, index

    return TypesetLayout


def _apply(layout, justify: bool) -> None:
    ffi, pango = _wp.ffi, _wp.pango
    plan, text = layout.cjk_plan, layout.text
    n = len(text)
    # WeasyPrint sets the text of one Pango layout several times while it breaks a line, each
    # time a prefix or an extension of the last (Pango keeps the attributes meanwhile): only
    # what the text gained needs attributes.
    done = layout.cjk_done
    layout.cjk_done = max(done, n)
    halts = plan.halts(done, n) if done < n else []
    sides = plan.gap_sides(done, n) if done < n else {}
    # A layout set with ``justify`` is the one a line is drawn from (Layout.reactivate): it
    # has no width, so it never breaks, and the paragraph end needs no attribute there.
    keep = None if justify else plan.kept_from()
    keep = keep if keep is not None and keep < n - 1 and n > done else None
    if not (halts or sides or keep is not None or (justify and layout.cjk_gaps)):
        return
    drawn = layout.cjk_gaps if justify and layout.cjk_gaps else {}
    at = plan.byte_offset  # the layout's text is the window's (Pango counts bytes)
    attr_list = pango.pango_layout_get_attributes(layout.layout)
    if attr_list == ffi.NULL:
        attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    for lo, hi in _runs(halts):
        attr = pango.pango_attr_font_features_new(b"halt 1")
        attr.start_index, attr.end_index = at(lo), at(hi)
        pango.pango_attr_list_insert(attr_list, attr)
    if keep is not None:
        attr = pango.pango_attr_allow_breaks_new(False)
        attr.start_index, attr.end_index = at(keep), at(n)
        pango.pango_attr_list_insert(attr_list, attr)
    if not justify and plan.gap:
        # Laid out as letter spacing (see the module docstring); drawn as glyph geometry.
        letter_spacing = layout.style["letter_spacing"]
        base = 0 if letter_spacing == "normal" else letter_spacing
        for i, (on_left, on_right) in sides.items():
            gapped = 2 * on_right if i == 0 else on_left + on_right
            if gapped:
                attr = pango.pango_attr_letter_spacing_new(round((base + gapped * plan.gap) * _wp.TO_UNITS))
                attr.start_index, attr.end_index = at(i), at(i + 1)
                pango.pango_attr_list_change(attr_list, attr)
    pango.pango_layout_set_attributes(layout.layout, attr_list)
    if drawn:
        # Drawn when WeasyPrint takes the line to draw it (get_first_line), once laid out.
        layout.cjk_draw = {at(i): gap for i, gap in drawn.items() if i < n}


def _runs(indices):
    """Sorted indices as (start, end) runs of consecutive ones."""
    start = end = None
    for i in sorted(indices):
        if start is not None and i == end:
            end += 1
            continue
        if start is not None:
            yield start, end
        start, end = i, i + 1
    if start is not None:
        yield start, end


def _draw_gaps(line, targets: dict[int, tuple[float, float]]) -> None:
    """Widen the gapped glyphs of the laid-out ``line``, moving a left gap before the glyph;
    ``targets``: {UTF-8 offset: (left, right)} in px."""
    ffi, TO_UNITS = _wp.ffi, _wp.TO_UNITS
    targets = dict(targets)
    run = line.runs
    while run != ffi.NULL and targets:
        item = run.data
        run = run.next
        offset = item.item.offset
        if not any(offset <= t < offset + item.item.length for t in targets):
            continue
        glyphs = item.glyphs
        clusters = glyphs.log_clusters
        for k in range(glyphs.num_glyphs):
            gap = targets.pop(offset + clusters[k], None)
            if gap is not None:
                left, right = gap
                geometry = glyphs.glyphs[k].geometry
                geometry.width += round((left + right) * TO_UNITS)
                # draw_first_line reads x_offset as thousandths of an em times 1.024 (it
                # divides Pango units by the font size without FROM_UNITS); the advance is
                # right either way, but the glyph would stand 2.4 % of the gap too far right.
                geometry.x_offset += round(left * 1000)


# --- Installing ------------------------------------------------------------------------------

_replacements: list[Replacement] = []


def replacements() -> list[Replacement]:
    """What this adaptation replaces in WeasyPrint (``publisher.engine.install`` applies them
    after the general patches, before ``engine.justify``)."""
    from weasyprint import document
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import ffi as weasy_ffi, line_break

    if not _replacements:
        _wp.boxes, _wp.ffi, _wp.pango, _wp.TO_UNITS = boxes, weasy_ffi.ffi, weasy_ffi.pango, weasy_ffi.TO_UNITS
        _wp.line_break, _wp.TypesetLayout = line_break, _layout_class(line_break.Layout)
        # Not in WeasyPrint's declarations; Pango has it since 1.44. (A declaration cannot be
        # taken back: it stays, unused, when the adaptation is reverted.)
        weasy_ffi.ffi.cdef("PangoAttribute * pango_attr_allow_breaks_new (gboolean allow_breaks);")
        _replacements.extend([
            Replacement(document, "build_formatting_structure", _build_formatting_structure),
            Replacement(inline, "split_text_box", _split_text_box),
        ])
    return _replacements


def installed() -> bool:
    return all_applied(_replacements)


def install() -> None:
    """Apply this adaptation alone (idempotent); ``publisher.engine.install`` applies it with
    all the others and checks the versions first."""
    apply_all(replacements())
    LOGGER.debug("typeset pass installed in WeasyPrint's text layout")


def uninstall() -> None:
    """Restore WeasyPrint's own functions (for tests and benchmarks comparing both)."""
    revert_all(_replacements)
