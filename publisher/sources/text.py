"""Reading source files as text: strict decoding with an error that says how to fix it.

Every source byte that publisher reads goes through ``read_text``: UTF-8 only (a BOM is
accepted and dropped, CRLF becomes LF), decoded strictly. Guessing GBK from short text is
unreliable, so a non-UTF-8 file is refused with the encoding it most likely is and the
command that converts it, never decoded with ``errors='ignore'``.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from ..errors import Problem
from .files import MAX_INPUT_BYTES, Refused, read_file


class CharacterClass:
    """A regular expression of one character class, ``bmp`` (its characters of the Basic
    Multilingual Plane, up to U+FFFF) and ``astral`` (those beyond), searched fast.

    A class holding a character beyond U+FFFF is one that ``re`` cannot look up in a table:
    it tries every range of it at every character of the text, about 15-20 times slower on
    Chinese copy (a day's 576 articles: 0.1 s of CPU for one search of each, where the class
    of its BMP characters alone takes 5 ms). A text without such a character (nearly all
    copy) can match nothing of ``astral``, so it is searched with the BMP's class alone: the
    same matches, in the same places; any other text with the whole class."""

    def __init__(self, bmp: str, astral: str):
        self.bmp = re.compile(f"[{bmp}]")
        self.whole = re.compile(f"[{bmp}{astral}]")

    def of(self, text: str, beyond: bool | None = None) -> re.Pattern[str]:
        """The pattern that finds the class's characters in ``text``; ``beyond``: whether it
        holds a character beyond U+FFFF (``beyond_bmp``), when the caller knows already."""
        return self.whole if (beyond_bmp(text) if beyond is None else beyond) else self.bmp


def beyond_bmp(text: str) -> bool:
    """Whether ``text`` holds a character beyond U+FFFF (one that UTF-16 writes as two units;
    a lone surrogate, which a JSON feed's escapes can make, is one unit)."""
    return len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text)


# C0 controls but tab and line feed, DEL, C1 controls, and noncharacters: invisible, and not
# allowed in XML 1.0 (an EPUB carrying one is not well-formed). NUL has its own message.
CONTROLS = "\x01-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
NONCHARACTERS_BEYOND = "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
_CONTROL = CharacterClass(CONTROLS, NONCHARACTERS_BEYOND)
_NAMES = {"\x07": "BEL", "\x08": "BACKSPACE", "\x0b": "VERTICAL TAB", "\x0c": "FORM FEED",
          "\x1b": "ESCAPE", "\x7f": "DELETE"}


def guess_encoding(data: bytes) -> str | None:
    """Name the encoding a non-UTF-8 file most likely uses, for the error message."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > len(data[:200]) // 4:
        return "UTF-16"
    try:
        data.decode("gb18030")
        return "GB18030 (GBK)"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("big5")
        return "Big5"
    except UnicodeDecodeError:
        return None


# The encodings copy is decoded from (``--encoding``): Unicode and the Chinese national and
# legacy ones, by their codec names. Others (ROT-13, unicode_escape, a typo) are refused.
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "gb18030", "gbk",
             "gb2312", "hz", "big5", "big5hkscs", "cp950", "iso2022_jp")
_CODECS = {codecs.lookup(name).name for name in ENCODINGS}


def encoding_problem(encoding: str, path: Path | None = None) -> Problem | None:
    """Why ``encoding`` cannot decode copy, or None."""
    try:
        known = codecs.lookup(encoding).name in _CODECS
    except (LookupError, TypeError, ValueError):
        known = False
    if known:
        return None
    return Problem(f"unknown or unsupported encoding {encoding[:40]!r}", path,
                   hint=f"use one of {', '.join(ENCODINGS[:1] + ENCODINGS[6:11])} (or another "
                        "Unicode form); convert anything else to UTF-8 with iconv",
                   code="encoding")


def decode(data: bytes, path: Path, encoding: str = "utf-8") -> tuple[str | None, Problem | None]:
    """Decode ``data`` strictly; return the text or a Problem naming the byte offset."""
    if problem := encoding_problem(encoding, path):
        return None, problem
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8") and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.reason == "unexpected end of data" and exc.end == len(data) \
                and encoding.lower().startswith("utf"):
            # the last character's first bytes, and then nothing: the file was cut off
            return None, Problem(
                f"the file is truncated: it ends in the middle of a character (byte {exc.start} "
                f"of {len(data)})", path, line,
                hint="the download or export stopped early; get the whole file again",
                code="truncated")
        guess = guess_encoding(data) if encoding.lower().startswith("utf") else None
        hint = (f"it looks like {guess}; convert it with "
                f"`iconv -f {guess.split()[0]} -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}`"
                if guess else "save the file as UTF-8")
        return None, Problem(
            f"not valid {encoding.upper()}: undecodable byte 0x{data[exc.start]:02x} at byte offset {exc.start}",
            path, line, hint=hint, code="encoding")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, Problem("the file contains a NUL character (binary data?)", path, line,
                             hint="remove the NUL bytes; the file must be plain UTF-8 text",
                             code="encoding")
    if bad := _CONTROL.of(text).search(text):
        ch = bad.group(0)
        line = text[: bad.start()].count("\n") + 1
        return None, Problem(f"the file contains the control character U+{ord(ch):04X} "
                             f"({_NAMES.get(ch, 'invisible, not allowed in XML')})", path, line,
                             hint="delete it (it was probably pasted from a terminal or a "
                                  "typesetting system); tabs and line breaks are fine",
                             code="control-character")
    return text, None


def read_input(path: Path, limit: int = MAX_INPUT_BYTES) -> tuple[bytes | None, Problem | None]:
    """The bytes of a file a person named (an import's input), or a Problem: a FIFO, a
    device (/dev/zero) or a folder is refused before anything is read, and so is a file
    larger than ``limit`` (sources.files)."""
    try:
        return read_file(path, limit), None
    except Refused as exc:
        hints = {"missing": "check the path", "not-a-file": "give the file itself (save a pipe's "
                 "output to a file first)", "too-large": f"split it: at most {limit // 1_048_576} MB",
                 "unreadable": "check the file's permissions"}
        return None, Problem(exc.message, path, hint=hints.get(exc.kind), code="io")


def read_text(path: Path, encoding: str = "utf-8") -> tuple[str | None, Problem | None]:
    if problem := encoding_problem(encoding, path):
        return None, problem
    data, problem = read_input(path)
    if data is None:
        return None, problem
    return decode(data, path, encoding)


_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def control_characters(text: str, beyond: bool | None = None) -> list[str]:
    """C0/C1 controls (but tab and line feed) and noncharacters: not allowed in XML 1.0."""
    return sorted(set(_CONTROL.of(text, beyond).findall(text)) | ({"\x00"} if "\x00" in text else set()) | (
        {"\r"} if "\r" in text else set()))


def bidi_controls(text: str) -> list[str]:
    """Embeddings, overrides and isolates: they reorder what follows them on screen."""
    return sorted({c for c in text if c in _BIDI})


# Characters nobody sees, refused in every field of an edition (headlines, bylines, captions,
# briefs and their attributions, body text, edition.toml's strings) and reported by the
# importers: they hide text from search and copy, fake empty names, or reorder what readers
# see. Every format character (Unicode category Cf, listed here by range and checked against
# Python's Unicode tables by tests/test_characters.py): bidi controls, zero-width space and
# joiners, word joiner, soft hyphen, a BOM inside the text, invisible operators, tags…; the
# line and paragraph separators U+2028 and U+2029 (no font draws them: they printed as a
# missing-glyph box); and letters fonts draw as blanks: the Hangul fillers U+115F, U+1160,
# U+3164, U+FFA0 and U+2800 BRAILLE PATTERN BLANK.
FORMAT_CHARACTERS_BMP = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
                         "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb")
FORMAT_CHARACTERS_BEYOND = ("\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                            "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
FORMAT_CHARACTERS = FORMAT_CHARACTERS_BMP + FORMAT_CHARACTERS_BEYOND
SEPARATORS = "\u2028\u2029"
BLANK_LETTERS = "\u115f\u1160\u3164\uffa0\u2800"
# Left over from another program: U+FFFC OBJECT REPLACEMENT CHARACTER stands where a picture
# or formula was in the copy it was pasted from (it prints as a box), and U+034F COMBINING
# GRAPHEME JOINER is a mark that draws nothing and splits words for search.
LEFTOVERS = "\u034f\ufffc"
_INVISIBLE = CharacterClass(f"{FORMAT_CHARACTERS_BMP}{SEPARATORS}{BLANK_LETTERS}{LEFTOVERS}",
                            FORMAT_CHARACTERS_BEYOND)


def invisible_characters(text: str, beyond: bool | None = None) -> list[str]:
    """The invisible characters in ``text`` (see FORMAT_CHARACTERS), each once, sorted."""
    return sorted(set(_INVISIBLE.of(text, beyond).findall(text)))


def hidden_characters(text: str) -> tuple[list[str], list[str]]:
    """``invisible_characters(text)`` and ``control_characters(text)``, with one look at
    whether ``text`` holds a character beyond U+FFFF for both (a fifth of their cost on copy)."""
    beyond = beyond_bmp(text)
    return invisible_characters(text, beyond), control_characters(text, beyond)


def describe(chars: list[str]) -> str:
    """"U+2028 LINE SEPARATOR, U+3164 HANGUL FILLER" for a message."""
    return ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip() for c in chars[:6]) + (
        f" and {len(chars) - 6} more" if len(chars) > 6 else "")


def invisible_hint(chars: list[str]) -> str:
    """How to fix the invisible characters ``chars``."""
    if any(c in SEPARATORS for c in chars):
        return ("a line or paragraph separator (pasted from a web page or Word) prints as a "
                "box: end the paragraph with an empty line instead, or delete it")
    if any(c in BLANK_LETTERS for c in chars):
        return "a blank filler letter makes text look empty or hides it: delete it"
    if "\ufffc" in chars:
        return ("U+FFFC marks where a picture or other object stood in the program the copy was "
                "pasted from, and prints as a box: delete it (a photo goes in as a figure)")
    return "retype the text; these characters can hide, join or reverse what readers see"


# Tables and arrays inside one another: edition.toml needs 3 levels, a CMS feed a handful.
# Deeper is a broken or hostile file (a parser's recursion would end in a crash). Documented
# in the README's limits.
MAX_NESTING = 64


def long_number(text: str) -> int | None:
    """The line of the first integer of more than 4,300 digits in ``text``, else None. Python's
    int() refuses such a number (a guard against quadratic conversion), and tomllib and json
    let that ValueError out instead of a syntax error: a broken file, reported with its line."""
    m = re.search(r"\d{4301,}", text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def too_deep(value: object, limit: int = MAX_NESTING) -> bool:
    """Whether parsed TOML or JSON nests tables and arrays deeper than ``limit`` (walked
    without recursion, so any depth is measured)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[object]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
