"""Punctuation normalisation for Chinese text: ASCII marks in CJK context to full width.

``normalize(text)`` is the one entry point. It is pure, never applies NFKC (which would turn
，！？ back into ASCII), never touches a Han character, and is idempotent.

Rules (GB/T 15834-2011 usage in mainland dailies; each one has lines in
tests/typeset/punctuation.tsv):

* ``, ; : ? ! .`` become ``，；：？！。`` when the text around them is Chinese. "Around" means
  the nearest character on either side that is not a space and not itself one of these ASCII
  marks or a bracket (so ``中文,(`` and ``?!`` runs are decided together). The search never
  leaves the quotation the mark stands in: a quote that closes the quotation (or a straight
  quote, a line break, the text's end) stops it and counts as "not Chinese", so a Latin phrase
  in quotes (“Hello, world!”他说) keeps its ASCII marks; it may look into an adjacent
  quotation (”,“ → ”，“).
* Exceptions kept in ASCII: a comma in a number written with thousands separators (1,000,000);
  a colon between digits (times 10:30, ratios and scores 3:2); a full stop followed directly by
  a Latin letter or digit (decimals 1.13, stock codes 001229.SZ, versions 3.11, abbreviations
  U.S.A.); everything inside a URL (scheme://…, www.…) or an e-mail address; marks between two
  Latin words ("Hello, world"). A full stop decides by its left side only (a sentence mark
  belongs to the sentence it ends), looking through digits and ``%`` (增长30%. → 增长30%。); a
  full stop after a Latin word, URL or e-mail address stays ASCII (我用Python. and
  美国U.S.A.总统 are left alone: it may be a Latin sentence or an abbreviation).
* Parentheses are paired (a stack per line, ASCII and full width together). An ASCII pair
  becomes （） when its content contains Chinese, or the text before ``(`` is Chinese
  (北京(Beijing) → 北京（Beijing）), or the text after ``)`` is Chinese and the content has no
  Latin letter ((1)我们 → （1）我们). ``f(x)`` stays. An unpaired one follows the comma rule.
* Straight double quotes are paired by alternation within a line; a pair becomes “” when its
  content or the text just outside it is Chinese. Straight single quotes (other than
  apostrophes between two Latin letters) are paired the same way and become ‘’ only when their
  content is Chinese. An unpaired straight quote is left as it is (it cannot be placed safely);
  curly quotes already in the source are never changed, even when mis-paired.
* Dashes and ellipses (the only length-changing rules, decided here and documented): in
  Chinese context a run of two or more ASCII hyphens (``--``, ``---``) or a single em dash
  ``—`` becomes the two-em 破折号 ``——``; a run of three or more ASCII full stops
  (``...``, ``......``), a single ``…``, or three or more ideographic full stops (``。。。``)
  becomes the two-character 省略号 ``……``. A single ASCII hyphen (2018-2019, e-mail) is never
  touched, nor are runs of three or more ``—`` or ``…`` (deliberate, e.g. a long rule).
* Spaces are never removed or added, even next to a mark that became full width: dropping a
  source character is an editorial decision, not a typesetting one.

The rules are applied until nothing changes (a converted mark is Chinese context for its
neighbours), which makes ``normalize`` idempotent by construction; every rule only ever turns
ASCII or single marks into full-width ones, so this ends after a few passes.
"""

from __future__ import annotations

import re

__all__ = ["is_cjk", "is_han", "normalize", "unspaced"]

# Ranges of characters that make their surroundings "Chinese text". Han ideographs of every
# block (incl. the supplementary planes, Extension B and beyond), radicals, strokes and
# ideographic description characters, kana, hangul, bopomofo, kanbun, CJK symbols and
# punctuation, full-width (and half-width CJK) forms; plus the em dash and the ellipsis,
# which are full width in Chinese. The one table of CJK scripts: the sources' line joining
# reads it too (``unspaced``).
_HAN = (
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F), (0x30000, 0x323AF),
)
# Korean writes spaces between its words (Chinese and Japanese do not)
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF), (0xFFA0, 0xFFDC))
_CJK_OTHER = (
    (0x2E80, 0x2FDF),  # radicals, Kangxi radicals
    (0x2FF0, 0x2FFF),  # ideographic description characters
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF), (0x31F0, 0x31FF),  # kana
    (0x3100, 0x312F), (0x31A0, 0x31BF),  # bopomofo
    (0x3190, 0x319F),  # kanbun
    (0x31C0, 0x31EF),  # strokes
    (0x3200, 0x33FF),  # enclosed CJK, compatibility
    (0x4DC0, 0x4DFF),  # Yijing hexagrams
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF01, 0xFF60), (0xFFE0, 0xFFE6),  # full-width forms
    (0xFF61, 0xFF9F),  # half-width CJK punctuation and katakana
    (0x2014, 0x2014), (0x2026, 0x2026),  # — …
)
_CJK = _HAN + _CJK_OTHER + _HANGUL  # Han first: most characters are found there


def _in(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def is_han(char: str) -> bool:
    """True for a Han ideograph (any CJK Unified / Compatibility Ideographs block)."""
    return _in(ord(char), _HAN)


def is_cjk(char: str) -> bool:
    """True for a character that makes its neighbourhood Chinese text (see module docstring)."""
    cp = ord(char)
    if cp < 0x1100:
        return False
    return _in(cp, _CJK)


def unspaced(char: str) -> bool:
    """True for a character of a CJK script written without spaces between words (Chinese,
    Japanese, their marks and the full-width forms; not hangul): a line break next to it,
    in a source paragraph or a column-cut one, joins the lines with no space."""
    return is_cjk(char) and not _in(ord(char), _HANGUL)


# Marks whose glyph sits in the left half of the em box (blank on the right) in Simplified
# Chinese fonts: pauses, stops and closing brackets and quotes. None may start a line.
CLOSING_MARKS = frozenset("，。、：；！？”’）》〉】」』〕〗〙］｝")
# Marks whose glyph sits in the right half (blank on the left): opening brackets and quotes.
# None may end a line.
OPENING_MARKS = frozenset("“‘（《〈【「『〔〖〘［｛")

_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", ".": "。", "(": "（", ")": "）"}
# Skipped when looking for the context of a mark: spaces and the convertible ASCII marks.
_NEUTRAL = frozenset(" \t\u00a0,.;:?!()")
_STOPS = frozenset("\n\"'“”‘’")
# Looking left, a closing curly quote ends an adjacent quotation whose last words are the
# context (”,“ → ”，“); looking right, an opening one starts one. The other way round the
# search would leave the quotation the mark stands in (“Hello, world!”他说 keeps its "!").
_LOOK_INTO = {-1: frozenset("”’"), +1: frozenset("“‘")}

_URL = re.compile(
    r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_URL_TRAILING = ".,;:!?)'"
_DOT_RUN = re.compile(r"\.{3,}|。{3,}|(?<!…)…(?!…)")
_DASH_RUN = re.compile(r"-{2,}|(?<!—)—(?!—)")


def _protected(text: str) -> list[bool]:
    """Mask of characters inside URLs and e-mail addresses (trailing sentence marks excluded)."""
    mask = [False] * len(text)
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _URL_TRAILING:
            # A ')' closing a '(' inside the URL belongs to it (Wikipedia-style links).
            if text[end - 1] == ")" and text[m.start():end].count("(") >= text[m.start():end].count(")"):
                break
            end -= 1
        for i in range(m.start(), end):
            mask[i] = True
    return mask


def _context(text: str, i: int, step: int, skip: frozenset[str] = _NEUTRAL) -> str | None:
    """'C' if the nearest non-neutral character from ``i`` (exclusive) in direction ``step``
    is CJK, 'L' if it is something else, None at a line/text edge or a quote."""
    j = i + step
    while 0 <= j < len(text):
        c = text[j]
        if c in _LOOK_INTO[step]:
            j += step  # an adjacent quotation: its content decides
            continue
        if c in _STOPS:
            return None
        if c not in skip:
            return "C" if is_cjk(c) else "L"
        j += step
    return None


def _chinese_near(text: str, start: int, end: int) -> bool:
    """Either side of the span [start, end) is Chinese context."""
    return _context(text, start, -1) == "C" or _context(text, end - 1, +1) == "C"


def _pass(text: str) -> str:
    protected = _protected(text)
    repl: dict[int, tuple[int, str]] = {}  # start -> (end, replacement)
    taken = [False] * len(text)

    def put(start: int, end: int, new: str) -> None:
        repl[start] = (end, new)
        for k in range(start, end):
            taken[k] = True

    for m in _DOT_RUN.finditer(text):
        s, e = m.span()
        if any(protected[s:e]):
            continue
        for k in range(s, e):
            taken[k] = True  # a dot run is never read as single full stops
        if m.group()[0] == "。" or _chinese_near(text, s, e):
            put(s, e, "……")
    for m in _DASH_RUN.finditer(text):
        s, e = m.span()
        if not any(protected[s:e]) and _chinese_near(text, s, e):
            put(s, e, "——")

    _pair_brackets(text, protected, taken, put)
    _pair_quotes(text, protected, taken, put, '"', "“", "”", outside=True)
    _pair_quotes(text, protected, taken, put, "'", "‘", "’", outside=False)

    for i, c in enumerate(text):
        if taken[i] or protected[i] or c not in ",;:?!.":
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if c == ",":
            # 1,000,000: a digit before, exactly three digits after.
            if prev.isascii() and prev.isdigit() and re.match(r"[0-9]{3}(?![0-9])", text[i + 1:i + 5]):
                continue
        elif c == ":":
            if prev.isascii() and prev.isdigit() and nxt.isascii() and nxt.isdigit():
                continue
        elif c == ".":
            if nxt.isascii() and nxt.isalnum():
                continue
            left = _context(text, i, -1, _NEUTRAL | frozenset("0123456789%"))
            if left == "C":
                put(i, i + 1, "。")
            continue
        if _context(text, i, -1) == "C" or _context(text, i, +1) == "C":
            put(i, i + 1, _TO_FULL[c])

    if not repl:
        return text
    out, i = [], 0
    for start in sorted(repl):
        end, new = repl[start]
        out.append(text[i:start])
        out.append(new)
        i = end
    out.append(text[i:])
    return "".join(out)


def _pair_brackets(text, protected, taken, put) -> None:
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    unpaired: list[int] = []
    for i, c in enumerate(text):
        if protected[i] or taken[i]:
            continue
        if c == "\n":
            unpaired.extend(stack)
            stack.clear()
        elif c in "(（":
            stack.append(i)
        elif c in ")）":
            if stack:
                pairs.append((stack.pop(), i))
            else:
                unpaired.append(i)
    unpaired.extend(stack)
    for o, c in pairs:
        for k in (o, c):
            taken[k] = True
        if text[o] == "(" and text[c] == ")":
            inner = text[o + 1:c]
            convert = (any(is_cjk(ch) for ch in inner)
                       or _context(text, o, -1) == "C"
                       or (_context(text, c, +1) == "C"
                           and not any(ch.isascii() and ch.isalpha() for ch in inner)))
            if convert:
                put(o, o + 1, "（")
                put(c, c + 1, "）")
        elif text[o] == "(":  # a full-width closer already: match it
            put(o, o + 1, "（")
        elif text[c] == ")":
            put(c, c + 1, "）")
    for i in unpaired:
        taken[i] = True
        if text[i] in "()" and (_context(text, i, -1) == "C" or _context(text, i, +1) == "C"):
            put(i, i + 1, _TO_FULL[text[i]])


def _pair_quotes(text, protected, taken, put, straight, opening, closing, *, outside) -> None:
    spots: list[int] = []

    def flush() -> None:
        for a, b in zip(spots[0::2], spots[1::2], strict=False):  # an unpaired last spot: none
            chinese = any(is_cjk(ch) for ch in text[a + 1:b])
            if outside:
                chinese = chinese or _context(text, a, -1) == "C" or _context(text, b, +1) == "C"
            if chinese:
                put(a, a + 1, opening)
                put(b, b + 1, closing)
        for k in spots:
            taken[k] = True
        spots.clear()

    for i, c in enumerate(text):
        if c == "\n":
            flush()
        elif c == straight and not protected[i] and not taken[i]:
            if straight == "'":
                prev = text[i - 1] if i else ""
                nxt = text[i + 1] if i + 1 < len(text) else ""
                if prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalpha():
                    continue  # an apostrophe: don't, it's, 90's
            spots.append(i)
    flush()


def normalize(text: str) -> str:
    """Return ``text`` with its punctuation set for Chinese (see the module docstring)."""
    for _ in range(len(text) + 1):
        new = _pass(text)
        if new == text:
            return text
        text = new
    return text  # pragma: no cover - every pass converts at least one mark, so unreachable
