"""Stand-in for ``publisher.typeset.punctuation.normalize``: ASCII marks in Chinese text.

Owns only the minimal rule the importers need until the typeset pass lands on main:
an ASCII , : ; ? ! ( ) " . or ... touching Chinese text becomes its full-width form
(GB/T 15834); marks inside Latin text and numbers (1,000  10:30  3.5  S360) are left
alone. It never applies NFKC and never touches spaces.

The lead will switch ``normalize`` to the typeset module's function; the name and the
``str -> str`` signature are the same on purpose.
"""

from __future__ import annotations

import re

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_FULL_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』…—·"
_CJK = re.compile(f"[{_HAN}{_FULL_PUNCT}]")
_SIMPLE = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK.match(ch) is not None


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] == " ":
        j += step
    return text[j] if 0 <= j < len(text) else ""


def normalize(text: str) -> str:
    """Full-width forms for ASCII punctuation that sits in Chinese text."""
    if not any(c in text for c in ',:;?!()".'):
        return text
    text = re.sub(f"(?<=[{_HAN}])\\.{{3,6}}", "……", text)
    out = list(text)
    quote_open = True
    for i, ch in enumerate(text):
        prev, nxt = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if ch in _SIMPLE:
            if ch in ",:" and prev.isdigit() and nxt.isdigit():
                continue  # 1,000 and 10:30
            if _is_cjk(prev) or _is_cjk(nxt):
                out[i] = _SIMPLE[ch]
        elif ch == "(":
            close = text.find(")", i)
            inner = text[i + 1:close] if close > 0 else ""
            if _CJK.search(inner) or _is_cjk(prev):
                out[i] = "（"
                if close > 0:
                    out[close] = "）"
        elif ch == ")" and out[i] == ")":
            if _is_cjk(prev) and text.rfind("(", 0, i) < 0:
                out[i] = "）"
        elif ch == '"':
            if _is_cjk(prev) or _is_cjk(nxt):
                out[i] = "“" if quote_open else "”"
                quote_open = not quote_open
        elif ch == ".":
            if _is_cjk(text[i - 1] if i else "") and (nxt == "" or _is_cjk(nxt)):
                out[i] = "。"
    return "".join(out)


__all__ = ["normalize"]
