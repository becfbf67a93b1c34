"""The HTML tokenizer's regular expressions built once, not at every call (tinyhtml5 ``chars_until``).

The defect
----------
``tinyhtml5.inputstream.HTMLUnicodeInputStream.chars_until`` (the tokenizer's "read up to
one of these characters", called for every run of text, attribute value and tag name) keeps
the regular expression it builds for a set of characters in a table, but stores it under
the wrong key: ``characters = table[(characters, opposite)] = regex`` assigns ``characters``
first, so the key is the compiled expression, and the lookup, by the set of characters,
never finds it. Every call builds the expression's source again, character by character
(fifty-two for the letters of a tag name), and asks ``re.compile``'s own cache for it: about
a third of WeasyPrint's parse of a print 版's HTML (cProfile), 1-2 % of its render.

The fix
-------
The same method with the expression kept under the key it is looked up by: the same
expression, so the same tokens and tree. Applied only to the tinyhtml5 the lock file pins
(2.1.0, which WeasyPrint 70.0 uses to parse every document): another version is left alone.
A set of characters that does not hash takes the original method. Upstream, the chained
assignment would be split.

Touches: ``tinyhtml5.inputstream.HTMLUnicodeInputStream.chars_until`` (replaced: tinyhtml5's
code with the table's key fixed; ``HTMLBinaryInputStream`` inherits it).
"""

from __future__ import annotations

import re

from ..patching import Replacement

TINYHTML5_VERSION = "2.1.0"

_replacements: list[Replacement] = []
_regexes: dict[tuple[object, bool], re.Pattern[str]] = {}


def chars_until(self, characters, opposite=False):
    """HTMLUnicodeInputStream.chars_until, its expressions found in the table (see the module
    docstring); what follows the lookup is tinyhtml5's code."""
    key = (characters, opposite)
    try:
        regex = _regexes.get(key)
    except TypeError:  # not hashable: the original raises, or does whatever it does
        return _replacements[0].original(self, characters, opposite)
    if regex is None:
        source = "".join([f"\\x{ord(character):02x}" for character in characters])
        if not opposite:
            source = f"^{source}"
        regex = _regexes[key] = re.compile(f"[{source}]+")

    result = []
    while True:
        # Find the longest matching prefix
        match = regex.match(self.chunk, self.chunk_offset)
        if match is None:
            # If nothing matched, and it wasn't because we ran out of chunk, then stop.
            if self.chunk_offset != self.chunk_size:
                break
        else:
            end = match.end()
            # If not the whole chunk matched, return everything up to the part that didn't
            # match.
            if end != self.chunk_size:
                result.append(self.chunk[self.chunk_offset:end])
                self.chunk_offset = end
                break
        # If the whole remainder of the chunk matched, use it all and read the next chunk.
        result.append(self.chunk[self.chunk_offset:])
        if not self.read_chunk():
            # Reached EOF.
            break

    return "".join(result)


def replacements() -> list[Replacement]:
    import tinyhtml5
    from tinyhtml5 import inputstream

    if not _replacements and tinyhtml5.__version__ == TINYHTML5_VERSION:
        _replacements.append(Replacement(inputstream.HTMLUnicodeInputStream, "chars_until", chars_until))
    return _replacements
