"""Markup for Chinese spacing: CJK–Latin gaps and punctuation squeezing, as XHTML spans.

``to_html(text)`` escapes ``text`` and wraps two things in ``<span>``s for the CSS in
styles/typeset.css, without inserting or removing a single character of the text (copy, search
and text extraction give the source string back):

* **CJK–Latin/digit spacing.** A run of Latin letters or digits (with the spaces and ASCII
  marks inside it: ``Python 3.11``, ``30%``, ``Hello, world``) is wrapped in
  ``<span class="cl-4s cl-4e">`` when a Han character (or kana, hangul) touches it; ``s``/``e``
  say on which side (start/end) a Han character touches, ``4``/``8`` the width (a quarter or an
  eighth of an em, the house option ``cjk_latin_space``: "quarter", "eighth" or "off"). The CSS
  gives the span an inline padding on those sides. Punctuation next to a Latin run gets no gap
  (（Beijing） stays tight), nor do digits inside a number.
* **Punctuation squeezing.** In a run of two or more full-width marks, one mark of every
  adjacent pair is wrapped in ``<span class="halt">`` and the CSS turns on the OpenType
  ``halt`` feature there, which in Noto Serif/Sans CJK SC sets the mark on half an em (checked
  with HarfBuzz for every mark listed below: advance 1000 → 500 units, opening marks also move
  left by 500). A closing or pause mark (blank on its right: ，。、：；！？”’）》 …) is
  halted when anything full width follows; otherwise an opening mark (blank on its left:
  “‘（《 …) is halted when a mark precedes it. So 。” and ），and ”“ take 1.5 em, not 2. An
  opening mark at a paragraph start (the start of ``text`` or after a newline) is halted too:
  it loses half an em (clreq, GB/T 15834).

* **Long strings.** A URL, e-mail address or other string of 16 or more characters without a
  space gets the class ``brk`` (CSS ``word-break: break-all``): it breaks between any two
  characters, so narrow columns stay full and justified instead of ragged at each ``/``.

Limitations, honestly: the CJK–Latin gap is padding on an inline box, so when a Latin run
starts or ends a line the gap shows at the line's edge in EPUB reading systems (a quarter em
at most, only where a line happens to start or end with a Latin run). The PDFs' markup
(``engine=True``) has spans only for long strings (whose padding publisher/engine/justify.py
removes at line edges): publisher/engine/typeset.py applies the halts, gaps and paragraph ends
from ``halt_indices``, ``latin_runs``, ``gap_sides`` and ``keep_index`` inside WeasyPrint's
layout. Full-width marks at a line end are not trimmed here (the line breaks are not known
when the markup is made): the house option ``line_end_marks = "half"`` does it in
engine.justify's justification step.

* **No lone last-line character.** With ``keep_end=True`` (the text ends a paragraph) the last
  two letters, the opening marks just before them and everything after them are wrapped in
  ``<span class="keep-end">`` (``white-space: nowrap``), so a paragraph never ends with one
  character alone on its last line: the letter before it comes down with it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right

from markupsafe import Markup, escape

from .punctuation import CLOSING_MARKS, OPENING_MARKS, is_cjk

__all__ = [
    "CLOSING_MARKS",
    "GAP_CLASSES",
    "GAP_EM",
    "OPENING_MARKS",
    "gap_sides",
    "halt_indices",
    "keep_index",
    "keep_start",
    "latin_runs",
    "to_html",
]

_MARKS = CLOSING_MARKS | OPENING_MARKS
_MARK = re.compile("[" + re.escape("".join(sorted(_MARKS))) + "]")

_SPACE_CLASS = {"quarter": "4", "eighth": "8", "off": None}
# The same house option as a width in em (the PDFs' layout engine sets the gap itself).
GAP_EM = {"quarter": 0.25, "eighth": 0.125, "off": 0.0}
# The classes of the gap spans: their padding is the gap (styles/typeset.css), dropped where
# such a span starts or ends a line (publisher/engine/justify.py).
GAP_CLASSES = frozenset(f"cl-{size}{side}" for size in _SPACE_CLASS.values() if size for side in "se")

# A Latin/digit run: starts with a letter or digit, may contain spaces and ASCII marks, ends
# with a letter, a digit, % or °. Latin-1 to Cyrillic letters count as Latin here.
_CORE = r"A-Za-z0-9\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF"
# Combining marks stay in the run of their base letter: a tag between "e" and U+0301 would
# show the accent alone on a dotted circle ("José" typed with a decomposed é).
_COMBINING = r"\u0300-\u036F\u1AB0-\u1AFF\u1DC0-\u1DFF\u20D0-\u20FF\uFE20-\uFE2F"
_WORD = re.compile(rf"[{_CORE}{_COMBINING}]")
_LATIN_RUN = re.compile(
    rf"[{_CORE}](?:[{_CORE}{_COMBINING} .,:;/@+\-_&#'’!?()=~*]*[{_CORE}{_COMBINING}%°])?%?")


# A URL, an e-mail address or any other long string without a space: it may break between any
# two characters (class "brk", CSS word-break: break-all), as Chinese dailies set them in
# narrow columns, so that its lines fill the column and can be justified like the text
# around them. (Breaking only at / and - leaves lines short by up to a word's width.)
_LONG_WORD = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)\S+|[^\s]*@[^\s]+|[A-Za-z0-9][^\s]{15,}")


def _ideographic(char: str) -> bool:
    """Han, kana or hangul: a letter of CJK text (not a mark), the side that gets a gap."""
    return bool(char) and is_cjk(char) and unicodedata.category(char).startswith("L")


def halt_indices(text: str) -> list[int]:
    """The indices of ``text``'s characters set on half an em (``halt``; the rules above),
    in order."""
    marks = [m.start() for m in _MARK.finditer(text)]  # only marks are ever halted
    if not marks:
        return []
    halt: set[int] = set()
    for i in marks:
        c = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        prev = text[i - 1] if i else ""
        if c in CLOSING_MARKS:
            if nxt in _MARKS:
                halt.add(i)
        else:  # opening
            if prev in _MARKS and i - 1 not in halt:
                halt.add(i)
            elif prev in ("", "\n"):
                halt.add(i)  # paragraph start: loses half an em
    # An opening mark followed by a closing one (“” or （）, rare): halt the closing one.
    for i in marks:
        if (text[i] in OPENING_MARKS and i + 1 < len(text) and text[i + 1] in CLOSING_MARKS
                and i not in halt and i + 1 not in halt):
            halt.add(i + 1)
    return sorted(halt)


def keep_start(text: str) -> int:
    """Where the unbreakable end of a paragraph starts: before its last two letters, the
    opening marks just before them, and everything after them (closing marks, ……)."""
    letters, i = 0, len(text)
    while i > 0:
        c = text[i - 1]
        if not (c.isspace() or unicodedata.category(c)[0] in "PM"):
            letters += 1
            if letters == 2:
                i -= 1
                break
        i -= 1
    else:
        return len(text)  # fewer than two letters: nothing to keep together
    while i > 0 and text[i - 1] in OPENING_MARKS:
        i -= 1
    return i


def latin_runs(text: str, cjk_latin_space: str = "quarter") -> dict[int, tuple[int, str]]:
    """The spans a text's Latin runs need: start -> (end, classes), classes among ``cl-Ns``,
    ``cl-Ne`` (a gap where a Han character touches the run's start or end) and ``brk`` (a
    long string that breaks anywhere; a long word inside a run with spaces is a run of its own)."""
    if cjk_latin_space not in _SPACE_CLASS:
        raise ValueError(f"cjk_latin_space must be one of {sorted(_SPACE_CLASS)}, not {cjk_latin_space!r}")
    size = _SPACE_CLASS[cjk_latin_space]
    runs: dict[int, tuple[int, str]] = {}
    for m in _LATIN_RUN.finditer(text):
        s, e = m.span()
        sides = []
        if size and s and _ideographic(text[s - 1]):
            sides.append(f"cl-{size}s")
        if size and e < len(text) and _ideographic(text[e]):
            sides.append(f"cl-{size}e")
        for word in _LONG_WORD.finditer(text, s, e):
            if word.start() == s and word.end() == e:
                sides.append("brk")
            else:  # a long word inside a run with spaces: its own span, without gaps
                runs.setdefault(word.start(), (word.end(), "brk"))
        if sides:
            runs[s] = (e, " ".join(sides))
    return runs


def keep_index(text: str, runs: dict[int, tuple[int, str]]) -> int:
    """Where a paragraph's unbreakable end starts (``keep_start``), moved back so that it
    never cuts a Latin word; ``len(text)`` when nothing is kept."""
    keep = keep_start(text) if len(text) > 2 else len(text)
    if not any(start < keep < end and "brk" in cls.split() for start, (end, cls) in runs.items()):
        # Never cut a Latin word (a long string that breaks anywhere aside): it does not break
        # anyway, and a search of the markup (an EPUB's XHTML) should find it whole. A short
        # Latin run is kept whole.
        while 0 < keep < len(text) and _WORD.match(text[keep - 1]) and _WORD.match(text[keep]):
            keep -= 1
        for start, (end, _cls) in runs.items():
            if start < keep < end and end - start <= 16:
                keep = start
    return keep


def gap_sides(text: str, runs: dict[int, tuple[int, str]]) -> tuple[frozenset[int], frozenset[int]]:
    """The Han characters that touch a gapped Latin run, as two sets of indices: those with
    the gap on their left (the run ends before them) and on their right (it starts after
    them). Long strings (``brk``) are left out: they keep their span and its padding."""
    left, right = set(), set()
    for start, (end, cls) in runs.items():
        classes = cls.split()
        if "brk" in classes:
            continue
        if any(c.startswith("cl-") and c.endswith("s") for c in classes):
            right.add(start - 1)
        if any(c.startswith("cl-") and c.endswith("e") for c in classes):
            left.add(end)
    return frozenset(left), frozenset(right)


def to_html(text: str, *, cjk_latin_space: str = "quarter", keep_end: bool = False,
            engine: bool = False) -> Markup:
    """Escape ``text`` and wrap the spans the typeset CSS needs (see the module docstring).

    ``text`` is plain text. Markup passed in is unescaped first and its tags escaped like any
    text, so for HTML with inline elements apply ``to_html`` to each text node instead.
    ``keep_end``: ``text`` ends a paragraph; its last two letters (see ``keep_start``) are
    wrapped in ``<span class="keep-end">`` so that no last line holds a lone character.
    ``engine``: the layout engine sets the halts, the gaps and the paragraph end itself, from
    the same functions (the PDFs: publisher/engine/typeset.py), so only long strings get their
    span (``brk``, with its gap classes: a property of the box, not of characters).
    """
    text = text.unescape() if isinstance(text, Markup) else str(text)
    runs = latin_runs(text, cjk_latin_space)
    if engine:
        runs = {start: (end, cls) for start, (end, cls) in runs.items() if "brk" in cls.split()}
        halt: set[int] = set()
        keep = len(text)
    else:
        halt = set(halt_indices(text))
        keep = keep_index(text, runs) if keep_end else len(text)
    events = sorted({*runs, *halt})  # where plain text stops: a span starts

    def emit(lo: int, hi: int) -> list[str]:
        """Markup for text[lo:hi]: a Latin run crossing lo or hi is cut there, and only its
        own ends keep their gap classes."""
        out: list[str] = []
        i = lo
        cut = [(s, e, c) for s, (e, c) in runs.items() if s < lo < e]
        if cut:
            _s, e, cls = cut[0]
            end = min(e, hi)
            cls = " ".join(k for k in cls.split() if k == "brk" or (k.endswith("e") and e <= hi))
            out.append(f'<span class="{cls}">{escape(text[lo:end])}</span>' if cls else str(escape(text[lo:end])))
            i = end
        while i < hi:
            if i in runs:
                end, cls = runs[i]
                if end > hi:
                    cls = " ".join(k for k in cls.split() if k == "brk" or k.endswith("s"))
                    end = hi
                out.append(f'<span class="{cls}">{escape(text[i:end])}</span>' if cls else str(escape(text[i:end])))
                i = end
            elif i in halt:
                j = i
                while j < hi and j in halt:
                    j += 1
                out.append(f'<span class="halt">{escape(text[i:j])}</span>')
                i = j
            else:
                k = bisect_right(events, i)
                j = min(events[k], hi) if k < len(events) else hi
                out.append(str(escape(text[i:j])))
                i = j
        return out

    out = emit(0, keep)
    if keep < len(text):
        # The lone-last-character rule (clreq; xeCJK does the same): the paragraph's last two
        # letters never part. A nowrap span keeps the text as it is (no character inserted,
        # extraction unchanged) and lets the reading system's line breaking move the letter
        # before it down when they do not fit. The PDFs (``engine``) get the same range as a
        # Pango no-break attribute from publisher/engine/typeset.py.
        out += ['<span class="keep-end">', *emit(keep, len(text)), "</span>"]
    return Markup("".join(out))
