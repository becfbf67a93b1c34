"""Inter-character justification of Chinese text in WeasyPrint (an adaptation of its justify step).

Why this exists
---------------
``text-align: justify`` in WeasyPrint stretches only spaces (U+0020, U+00A0). Chinese has no
spaces between words, so a justified Chinese paragraph comes out ragged on the right: on the
sample page 2 of 181 non-final lines ended within 0.5 pt of the column edge, the others a
median 3.7 pt short. CSS Text 3 asks for ``text-justify: auto`` to distribute the space
between CJK characters ("inter-character"); WeasyPrint has no hook for that, so this module
replaces the two functions that do the work, with the smallest change that does it:

* ``weasyprint.layout.inline.justify_line`` counts the *expandable gaps* of the line: every
  space (as before) plus, for Chinese, half a gap on each side of every Han character, kana,
  hangul or full-width mark ("expandable character"), except before the line's first and
  after its last character. So the gap between two Han characters gets one share, a Han–Latin
  boundary half a share, two Latin letters none (Latin words are not letter-spaced), and the
  line's last character ends exactly at the column edge. Dashes and ellipses (——, ……) are not
  expandable, so they never split. The spare width divided by that count is the share ``s``.
  A line with no space and no CJK gap (a URL broken over lines) falls back to spreading the
  space between all its characters if that takes at most 0.1 em a gap, and is left short
  otherwise (a line of one character cannot be justified at all).
* When the line is drawn (``Layout.set_text`` with ``justify=True``, then
  ``Layout.get_first_line``, in the subclass ``_add_spacing`` gives a justified box's layout,
  so that other text pays nothing for it), the glyph of every character gets the half shares of the
  boundary after it added to its advance: ``s/2`` for each expandable character of the pair,
  so two Han characters are ``s`` further apart and a Han–Latin pair ``s/2``. WeasyPrint
  already puts its word-spacing attributes on spaces. A text box that starts or ends mid-line
  (an inline element's boundary) is moved or followed by the half share of its edge character
  explicitly, so every box ends exactly where the arithmetic says. (This once was Pango letter
  spacing on the expandable characters, which puts half of it before each glyph:
  draw_first_line then wrote two adjustments a glyph instead of one, and Pango shaped every
  justified line again with the attributes.)
* In a line of mostly Chinese most glyphs gain the same whole share ``s``: such a line is
  drawn with the PDF's character spacing ``Tc`` set to ``s``, and only the glyphs that gain
  something else (a Latin letter or digit, a space) get their advance changed, by the
  difference (``_draw_first_line``). Without it every glyph of a justified line had an
  adjustment of its own in the TJ array, rounded (patches/diffused_rounding.py) and written one
  by one.

No character is inserted: the PDF holds the source text and positioning only, so copy, search
and text extraction give the original string (extractors may still *synthesise* spaces where
gaps are wide; pdfium flags those as generated).

Line-end marks on half an em (GB/T 15834) are a document's choice, made in CSS with the custom
property ``--line-end-marks: half`` (the house option ``line_end_marks`` writes it on the root
element): ``text_align`` is wrapped to let such a line's last closing mark hang its blank half
past the column edge (``line_end_hang``). The default, ``full``, changes nothing.

A second, separate adjustment is publisher-specific: the CJK–Latin gap of
publisher/typeset/spacing.py is inline padding on a span (``GAP_CLASSES``), which should not
show at a line's start or end; ``text_align`` is wrapped to drop that padding where such a
span starts or ends a line, before the line is aligned (``trim_edge_gaps``).

The general WeasyPrint defects this typography ran into (TJ arrays with empty strings,
truncated glyph adjustments, ``word-break: break-all``, line starts inside inline boxes) are
fixed apart from it, one module each, in publisher/engine/patches/.

Pinned version and upstream
---------------------------
Written against WeasyPrint 70.0 (``publisher.engine.install`` refuses any other version rather
than patch code it was not tested with; docs/weasyprint-patches.md lists what is touched).
The new ``justify_line`` keeps the original's signature and falls back to it for right-to-left
lines, and the ``set_text`` and ``get_first_line`` changes are additive (a subclass of the
layout of a justified text box), so the same code could be offered upstream as the
``text-justify: auto`` / ``inter-character`` behaviour for CJK (where it would live in
inline.py and line_break.py instead of being patched in).

Cost: benchmarks/typography_cost.py times the default build with and without the typography
(16 pages, EPUB + reading PDF); benchmarks/typography_instructions.py counts the reading
PDF's render in instructions (callgrind), the steadier figure to compare changes by. Most of
what is left is Python per line: the share per line, the glyph runs read once per line
(``_widen``), the Pango attributes of publisher/engine/typeset.py.
See tests/typeset/test_pdf_justify.py, which also prints the flush figures when run as a script.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from operator import add
from types import SimpleNamespace
from typing import Any

from ..typeset.punctuation import CLOSING_MARKS
from ..typeset.spacing import GAP_CLASSES
from . import typeset
from .patching import Replacement, all_applied, apply_all, revert_all

__all__ = ["install", "installed", "is_expandable", "line_end_hang", "replacements", "uninstall"]

LOGGER = logging.getLogger(__name__)

# The widest letter spacing (in em) the fallback may give to a line without CJK gaps or spaces.
MAX_LATIN_SPACING = 0.1

# WeasyPrint's modules and functions that the hot paths use, bound by ``replacements`` (WeasyPrint
# is imported only once publisher.engine has pointed fontconfig at the pinned fonts).
_wp = SimpleNamespace()

# Not expandable although full width: the two halves of —— and …… must stay joined.
_UNBREAKABLE = frozenset("\u2014\u2015\u2026\u2e3a\u2e3b")


def _expandable(char: str) -> bool:
    """A character that takes half a justification share on each side (see the docstring)."""
    cp = ord(char)
    if cp < 0x2000 or char in _UNBREAKABLE:
        return False
    if char in "“”‘’":
        return True
    return unicodedata.east_asian_width(char) in ("W", "F")


class _Answers(dict):
    """``_expandable`` of each character, worked out once: it is asked for every character of
    every justified line three times (the share, the boxes, the glyphs), and a dict's own
    lookup is the cheapest call there is (``map(is_expandable, text)`` runs in C)."""

    def __missing__(self, char: str) -> bool:
        self[char] = answer = _expandable(char)
        return answer


is_expandable = _Answers().__getitem__  # a character that takes half a share on each side


# --- The justification step ---------------------------------------------------------------

def justify_line(context, line, extra_width):
    """Spread ``extra_width`` over the spaces and CJK gaps of ``line`` (replaces WeasyPrint's)."""
    boxes = _wp.boxes
    if line.style["direction"] == "rtl":
        return _replacements[0].original(context, line, extra_width)
    texts = [box for box in typeset.text_boxes(line, boxes) if box.text]
    if not texts:
        return None
    for expandable in (is_expandable, _any_character):
        shares = 0.0
        for box in texts:
            shares += box.text.count(" ") + box.text.count("\u00a0")
            shares += sum(map(expandable, box.text))
        shares -= 0.5 * expandable(texts[0].text[0]) + 0.5 * expandable(texts[-1].text[-1])
        if shares > 0:
            break
    else:
        return None  # a single character: nothing to spread
    spacing = extra_width / shares
    if expandable is _any_character and spacing > MAX_LATIN_SPACING * line.style["font_size"]:
        return None  # "h t t p s : / /" is worse than a short line
    _add_spacing(context, line, spacing, 0.0, texts[0], texts[-1], boxes, expandable)
    return None


def _any_character(char: str) -> bool:
    """The fallback when a line has no space and no CJK gap (a URL broken over lines): spread
    the space between all its characters, as CSS ``text-justify: inter-character`` does."""
    return not char.isspace()


def _add_spacing(context, box, spacing, x_advance, first, last, boxes, expandable):
    """Like WeasyPrint's add_word_spacing, with CJK characters expandable too."""
    if isinstance(box, boxes.TextBox):
        text = box.text
        if not text:
            box.position_x += x_advance
            return x_advance
        flags = list(map(expandable, text))
        # Pango drops the outer halves at a layout's ends: put them outside the box, unless
        # the box starts (ends) the line, where they must not be.
        before = spacing / 2 if flags[0] and box is not first else 0.0
        after = spacing / 2 if flags[-1] and box is not last else 0.0
        inside = spacing * (text.count(" ") + text.count("\u00a0") + sum(flags)
                            - 0.5 * flags[0] - 0.5 * flags[-1])
        x_advance += before
        box.position_x += x_advance
        box.justification_spacing = spacing
        if inside:
            layout = box.pango_layout
            if layout is None or layout.text != text:
                layout = _wp.line_break.create_layout(text, box.style, context, max_width=None,
                                       justification_spacing=0)
                typeset.carry(box, layout)
            # The spacing is applied when the text is drawn (Layout.reactivate calls
            # set_text(justify=True)); re-using the box's layout spares a Pango layout a line.
            layout.justification_spacing = spacing
            if any(flags):
                layout.cjk_spacing, layout.cjk_expandable = spacing, expandable
                if type(layout) not in _justified_classes.values():
                    layout.__class__ = _justified(type(layout))
            if layout is not box.pango_layout:
                layout.deactivate()
                box.pango_layout = layout
            box.width += inside
        return x_advance + inside + after
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        previous_x_advance = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _add_spacing(
                    context, child, spacing, x_advance, first, last, boxes, expandable)
        box.width += x_advance - previous_x_advance
        return x_advance
    box.translate(x_advance, 0)  # atomic inline-level box
    return x_advance


_justified_classes: dict[type, type] = {}


def _justified(layout_class: type) -> type:
    """``layout_class`` (WeasyPrint's Layout, or engine.typeset's subclass of it) with the
    justification drawn: the class ``_add_spacing`` gives the layout of a justified text box,
    so that no other layout pays for it."""
    try:
        return _justified_classes[layout_class]
    except KeyError:
        pass

    class JustifiedLayout(layout_class):
        def set_text(self, text, justify=False):
            """When drawing (``justify``), note the share for ``get_first_line``."""
            super().set_text(text, justify)
            self.cjk_justify = (self.cjk_spacing, self.cjk_expandable) if justify and self.text else None

        def get_first_line(self):
            """The line to draw gets the justification (see the module docstring)."""
            global _drawing
            line, index = super().get_first_line()
            pending = self.__dict__.get("cjk_justify")
            if pending:
                self.cjk_justify = None  # once per laid-out line: the edits stay on Pango's line
                stream, _drawing = _drawing, None
                spacing, expandable = pending
                _widen(self.text, line, spacing, expandable, stream=stream, layout=self)
            return line, index

    _justified_classes[layout_class] = JustifiedLayout
    return JustifiedLayout


# What may not be spaced by the PDF's character spacing: emoji (a colour font's glyph is an
# image placed by WeasyPrint's own advances, which know nothing of it; no pinned font has
# them) and characters Pango draws as no glyph (zero-width spaces and joiners: Tc spaces the
# glyphs shown, so they would shift the rest of the line).
_NO_TC = re.compile("[\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff"
                    "\u2600-\u27bf\U0001f000-\U0001faff]")
_drawing = None  # the stream of the line being drawn (see _draw_first_line)


def reset() -> None:
    """No line being drawn: for a render that no other render is inside of."""
    global _drawing
    _drawing = None



def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    """draw.text.draw_first_line; a justified line of mostly Chinese is drawn with the PDF's
    character spacing (``Tc``), its glyphs' advances widened only where they differ from it.

    Between two expandable characters the share is whole (see the docstring), so in a line
    of Chinese most glyphs gain the same ``s``, which is what ``Tc`` does for every glyph of
    a text object (after the last one it moves nothing). Those glyphs keep their own advances,
    so draw_first_line writes no adjustment for them: a TJ array of plain glyph ids, as for
    text that is not justified, and exact positions (no rounding to Pango units and
    thousandths of an em). Only the others (a Latin letter or digit gains 0 or half a share,
    a space its word spacing) have theirs changed by the difference. The choice is made once
    the line is laid out (``_widen``, from get_first_line, which draw_first_line calls before
    it writes any glyph): only where every glyph is one character (Tc spaces glyphs, the
    shares belong to characters) and most characters are expandable. ``layout.cjk_tc`` keeps
    the spacing for those who read glyph positions off the drawn layout
    (publisher/engine/layout.py, the archive's ALTO): Pango's glyphs do not have it.
    """
    global _drawing
    layout = textbox.pango_layout
    layout.cjk_tc = 0.0
    if not (layout.__dict__.get("cjk_justify") and text_overflow != "ellipsis"
            and block_ellipsis == "none" and not _NO_TC.search(layout.text)):
        return _replacements[2].original(stream, textbox, text_overflow, block_ellipsis, matrix)
    _drawing = stream
    try:
        return _replacements[2].original(stream, textbox, text_overflow, block_ellipsis, matrix)
    finally:
        _drawing = None
        if layout.cjk_tc:
            stream.stream.append(b"0 Tc")


def _widen(text: str, line, spacing: float, expandable, stream=None, layout=None) -> None:
    """Add the justification's half shares to the advances of ``line``'s glyphs; with
    ``stream`` (a line being drawn, see _draw_first_line), write the share as ``Tc`` there
    instead where the line allows it and widen only the glyphs that gain something else."""
    TO_UNITS, ffi = _wp.TO_UNITS, _wp.ffi
    flags = list(map(expandable, text))
    expandables = sum(flags)
    if not expandables:
        return
    offsets = typeset.utf8_offsets(text)  # what Pango's glyphs point at
    # (glyphs, count, clusters or None: one glyph per character, first character)
    runs: list[tuple[Any, int, list[int] | None, int]] = []
    run = line.runs
    while run != ffi.NULL:
        item = run.data
        run = run.next
        start, glyphs = item.item.offset, item.glyphs
        count = glyphs.num_glyphs
        clusters = ffi.unpack(glyphs.log_clusters, count)
        first = bisect_left(offsets, start)
        if (offsets[first + count:first + count + 1] == [start + item.item.length]
                and clusters == (offsets[:count] if start == 0
                                 else [offset - start for offset in offsets[first:first + count]])):
            runs.append((glyphs, count, None, first))  # one glyph per character, in order
            if stream is not None and _wp.EMPTY in _glyph_fields(glyphs, count, 0):
                stream = None  # a glyph not drawn (Tc would not space it): no Tc
        else:
            runs.append((glyphs, count, [*clusters, item.item.length], start))
            stream = None  # Tc spaces glyphs, the shares belong to characters: no Tc
    half = spacing / 2 * TO_UNITS
    by_count = (0, round(half), round(2 * half))
    base = 0  # what every glyph gains without an advance of its own: Tc
    if stream is not None and 2 * expandables > len(flags):
        # The share goes to every glyph by Tc (see _draw_first_line): each glyph gains what
        # differs from it, the last one nothing (Tc after it moves nothing).
        stream.stream.append(b"%.4f Tc" % spacing)  # px: the text space of WeasyPrint's text
        layout.cjk_tc = spacing
        if expandables == len(flags):
            return  # all of it Chinese: no advance to change
        base = by_count[2]
    # What each character's glyph gains: the boundary after it.
    gains = [by_count[a + b] - base for a, b in itertools.pairwise(flags)] + [0]
    for glyphs, count, clusters, first in runs:
        if clusters is None:
            advances = _glyph_fields(glyphs, count, _ADVANCE)
            advances[:] = array("i", map(add, advances.tolist(), gains[first:first + count]))
        else:
            _widen_clusters(glyphs, count, clusters, first, offsets, gains)


def _glyph_fields(glyphs, count: int, field: int) -> memoryview:
    """One 32-bit field of each of a glyph string's ``count`` glyphs, as a writable view on
    Pango's array (0: the glyph id, ``_ADVANCE``: its advance), read and written at C speed
    instead of glyph by glyph through cffi."""
    return memoryview(_wp.ffi.buffer(glyphs.glyphs, count * _GLYPH_SIZE)).cast("I" if field == 0 else "i")[
        field::_GLYPH_FIELDS]


# PangoGlyphInfo is glyph, geometry (width, x_offset, y_offset), attr: 32 bits each, so
# 20 bytes, 5 fields, the advance the second (read from WeasyPrint's declarations by install).
_GLYPH_SIZE, _GLYPH_FIELDS, _ADVANCE = 20, 5, 1


def _widen_clusters(glyphs, count, clusters, start, offsets, gains) -> None:
    """_widen for a run whose glyphs are not one per character: ligatures, a base and its
    marks, several glyphs for one character."""
    gain_at = dict(zip(offsets, gains, strict=False))
    next_at = dict(itertools.pairwise(offsets))
    infos = glyphs.glyphs
    for k in range(count):
        cluster, following = clusters[k], clusters[k + 1]
        if following == cluster:
            continue  # the space goes after a cluster's last glyph
        first, end = start + cluster, start + following
        gain = gain_at.get(first, 0)
        if following - cluster > 1 and next_at.get(first, end) < end:
            # A ligature, or a base and its marks: the shares of the characters inside it
            # go at its end.
            inside = offsets[bisect_right(offsets, first):bisect_left(offsets, end)]
            gain += sum(gain_at[offset] for offset in inside)
        if gain:
            infos[k].geometry.width += gain


# --- Publisher-specific: no CJK–Latin padding at a line's edges ------------------------------

def _has_trim_class(box) -> bool:
    element = getattr(box, "element", None)
    if element is None:
        return False
    classes = (element.get("class") or "").split()
    return bool(GAP_CLASSES.intersection(classes))


def _edge_chain(line, boxes, end: bool):
    """The boxes from ``line`` down to its first (last) leaf, as (parent, index) pairs."""
    chain = []
    box = line
    while isinstance(box, (boxes.LineBox, boxes.InlineBox)) and box.children:
        order = range(len(box.children) - 1, -1, -1) if end else range(len(box.children))
        index = next((i for i in order if box.children[i].is_in_normal_flow()
                      and not (isinstance(box.children[i], boxes.TextBox)
                               and not box.children[i].text)), None)
        if index is None:
            break
        chain.append((box, index))
        box = box.children[index]
    return chain


def trim_edge_gaps(line) -> None:
    """Drop the start (end) padding of a trim-class span that starts (ends) ``line``."""
    boxes = _wp.boxes
    children = line.children
    if not children:
        return
    first, last = children[0], children[-1]
    if (isinstance(first, boxes.TextBox) and first.text
            and isinstance(last, boxes.TextBox) and last.text):
        return  # most lines: text boxes at both ends, so no span's padding to trim

    chain = _edge_chain(line, boxes, end=False)
    for depth, (parent, index) in enumerate(chain):
        box = parent.children[index]
        if isinstance(box, boxes.InlineBox) and box.padding_left and _has_trim_class(box):
            pad = box.padding_left
            box.padding_left = 0
            for child in box.children:
                child.translate(-pad, 0)
            for ancestor, ancestor_index in chain[:depth + 1]:
                for sibling in ancestor.children[ancestor_index + 1:]:
                    sibling.translate(-pad, 0)
                ancestor.width -= pad
    chain = _edge_chain(line, boxes, end=True)
    for depth, (parent, index) in enumerate(chain):
        box = parent.children[index]
        if isinstance(box, boxes.InlineBox) and box.padding_right and _has_trim_class(box):
            pad = box.padding_right
            box.padding_right = 0
            for ancestor, _ in chain[:depth + 1]:
                ancestor.width -= pad


# --- Line-end marks on half an em (GB/T 15834 行末点号半角), a CSS-driven choice -------------



def line_end_hang(line) -> float:
    """How far the line's last mark may stand past the column edge: half an em where the
    document asks for half-width line-end marks (the custom property ``--line-end-marks:
    half``, inherited; the house option ``[tool.publisher.typography] line_end_marks``) and
    the line ends with a closing or pause mark set on a whole em, else 0.

    The blank right half of that mark then hangs past the edge, so its ink ends at the edge and
    the spare width is spread over the line instead: the mark is trimmed to half width where
    the eye sees it, and no character moves to another line (line breaks are not changed).
    A mark already on half an em (``halt``, in a squeezed pair) is left alone.
    """
    if typeset.custom_property(line.style, "__line_end_marks") != "half":
        return 0.0
    boxes = _wp.boxes
    texts = [box for box in typeset.text_boxes(line, boxes) if box.text]
    if not texts or texts[-1].text[-1] not in CLOSING_MARKS:
        return 0.0
    style = texts[-1].style
    features = style["font_feature_settings"]
    if features != "normal" and ("halt", 1) in tuple(features):
        return 0.0
    if typeset.is_halted(texts[-1], -1):
        return 0.0
    return style["font_size"] / 2


def _text_align(context, line, available_width, last):
    trim_edge_gaps(line)
    hang = 0.0
    if not last and line.style["text_align_all"] == "justify":
        # The hanging half widens what the line is justified to (see line_end_hang).
        hang = line_end_hang(line)
    offset = _replacements[1].original(context, line, available_width + hang, last)
    if hang and line.width > available_width:
        # As CSS hanging punctuation: the hanging half is outside the line box, which stays
        # as wide as the column (the text box inside it does not).
        line.width = available_width
    return offset


# --- Installing ------------------------------------------------------------------------------

_replacements: list = []


def replacements() -> list:
    """What this adaptation replaces in WeasyPrint (``publisher.engine.install`` applies them
    after the general patches and ``engine.typeset``)."""
    global _GLYPH_SIZE, _GLYPH_FIELDS, _ADVANCE
    from weasyprint.draw import text as draw_text
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    if not _replacements:
        _wp.boxes, _wp.ffi, _wp.TO_UNITS, _wp.line_break = boxes, ffi, TO_UNITS, line_break
        _wp.EMPTY = pango.PANGO_GLYPH_EMPTY
        _GLYPH_SIZE = ffi.sizeof("PangoGlyphInfo")
        _GLYPH_FIELDS = _GLYPH_SIZE // ffi.sizeof("int")
        _ADVANCE = ffi.offsetof("PangoGlyphInfo", "geometry", "width") // ffi.sizeof("int")
        _replacements.extend([
            Replacement(inline, "justify_line", justify_line),
            Replacement(inline, "text_align", _text_align),
            Replacement(draw_text, "draw_first_line", _draw_first_line),
        ])
    return _replacements


def installed() -> bool:
    return all_applied(_replacements)


def install() -> None:
    """Apply this adaptation alone (idempotent); ``publisher.engine.install`` applies it with
    all the others and checks the versions first."""
    apply_all(replacements())
    LOGGER.debug("CJK inter-character justification installed in WeasyPrint")


def uninstall() -> None:
    """Restore WeasyPrint's own functions (for tests comparing before and after)."""
    revert_all(_replacements)
