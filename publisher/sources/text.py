"""Reading source files as text: strict decoding with an error that says how to fix it.

Every source byte that publisher reads goes through ``read_text``: UTF-8 only (a BOM is
accepted and dropped, CRLF becomes LF), decoded strictly. Guessing GBK from short text is
unreliable, so a non-UTF-8 file is refused with the encoding it most likely is and the
command that converts it, never decoded with ``errors='ignore'``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import Problem

_BIDI_AND_INVISIBLE = {
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings and overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
    "\u200e", "\u200f", "\u061c",  # marks
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width characters
}


# C0 controls but tab and line feed, DEL, C1 controls, and noncharacters: invisible, and not
# allowed in XML 1.0 (an EPUB carrying one is not well-formed). NUL has its own message.
_CONTROL = re.compile("[\x01-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff"
                      + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
                      + "]")
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


def decode(data: bytes, path: Path, encoding: str = "utf-8") -> tuple[str | None, Problem | None]:
    """Decode ``data`` strictly; return the text or a Problem naming the byte offset."""
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
    if bad := _CONTROL.search(text):
        ch = bad.group(0)
        line = text[: bad.start()].count("\n") + 1
        return None, Problem(f"the file contains the control character U+{ord(ch):04X} "
                             f"({_NAMES.get(ch, 'invisible, not allowed in XML')})", path, line,
                             hint="delete it (it was probably pasted from a terminal or a "
                                  "typesetting system); tabs and line breaks are fine",
                             code="control-character")
    return text, None


def read_text(path: Path, encoding: str = "utf-8") -> tuple[str | None, Problem | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(f"cannot read the file: {exc.strerror}", path, code="io")
    return decode(data, path, encoding)


_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}


def control_characters(text: str) -> list[str]:
    """C0/C1 controls (but tab and line feed) and noncharacters: not allowed in XML 1.0."""
    return sorted(set(_CONTROL.findall(text)) | ({"\x00"} if "\x00" in text else set()) | (
        {"\r"} if "\r" in text else set()))


def bidi_controls(text: str) -> list[str]:
    """Embeddings, overrides and isolates: they reorder what follows them on screen."""
    return sorted({c for c in text if c in _BIDI})


def invisible_characters(text: str) -> list[str]:
    """Bidi controls and zero-width characters: invisible, and a spoofing risk in headlines."""
    return sorted({c for c in text if c in _BIDI_AND_INVISIBLE})
