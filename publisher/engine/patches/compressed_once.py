"""A stream of the same bytes compressed once per process (pydyf ``Stream.data``).

The defect
----------
pydyf compresses every stream of a document when it is written (``Stream.data``: zlib at
level 9, the slowest), and a process that writes many documents compresses the same bytes
again for each: a print 版 is a PDF/X document of its own, and each embeds the output
profile (the CMYK ICC profile, 455 KB) as its OutputIntent. On the 16-版 print issue that was
1.25 s of CPU (of about 16 s of render), for sixteen identical compressed streams.

The fix
-------
``Stream.data`` takes the compressed bytes of a large stream from a table keyed by the
BLAKE2 digest of its uncompressed bytes, filled the second time the same bytes are seen
(a font subset, different on every 版, is only hashed, never stored), so the output is byte
for byte what pydyf writes: the same zlib call on the same bytes. The table holds at most
``MEMO_BYTES`` of compressed data; only the stream's bytes are shared, its dictionary is
written anew each time (it may refer to other objects of the document). Upstream, pydyf
could take a compressed stream from its caller (as it takes the object's dictionary).

Touches: ``pydyf.Stream.data`` (a property; the replacement is pydyf 0.13's code with the
compression of a large stream taken from the table, and calls the original for a stream
that is not compressed).
"""

from __future__ import annotations

import zlib
from hashlib import blake2b
from typing import Any

from ..patching import Replacement

MIN_BYTES = 64 * 1024  # smaller streams are compressed every time: not worth a digest
MEMO_BYTES = 16 * 1024 * 1024  # the most compressed bytes kept (the profile: 350 KB)

_seen: set[bytes] = set()  # digests of the large streams compressed once
_memo: dict[bytes, bytes] = {}  # digest -> compressed bytes, for those seen twice
_replacements: list[Replacement] = []
_pydyf: Any = None


def _compressed(raw: bytes) -> bytes:
    """zlib at level 9 of ``raw``, as pydyf writes it, from the table where it is."""
    digest = blake2b(raw, digest_size=32).digest()
    data = _memo.get(digest)
    if data is None:
        compressor = zlib.compressobj(level=9)
        data = compressor.compress(raw) + compressor.flush()
        if digest in _seen and sum(map(len, _memo.values())) + len(data) <= MEMO_BYTES:
            _memo[digest] = data
        _seen.add(digest)
    return data


def ahead(raw: bytes) -> None:
    """``raw`` compressed now and kept in the table, as if seen twice: a process forked after
    this (the EPUB's cover) finds the compressed bytes there for its first document with that
    stream (the output profile: about 0.04 s of CPU)."""
    if len(raw) < MIN_BYTES:
        return  # compressed every time (``data``)
    digest = blake2b(raw, digest_size=32).digest()
    _seen.add(digest)
    _compressed(raw)  # seen before now: kept, if there is room


def data(self) -> bytes:
    """pydyf's Stream.data, the compression of a large stream done once per process."""
    if not self.compress:
        return _replacements[0].original.fget(self)
    stream = b"\n".join(_pydyf._to_bytes(item) for item in self.stream)
    extra = _pydyf.Dictionary(self.extra.copy())
    extra["Filter"] = "/FlateDecode"
    if len(stream) < MIN_BYTES:
        compressor = zlib.compressobj(level=9)
        stream = compressor.compress(stream) + compressor.flush()
    else:
        stream = _compressed(stream)
    extra["Length"] = len(stream)
    return b"\n".join((extra.data, b"stream", stream, b"endstream"))


def replacements() -> list[Replacement]:
    global _pydyf
    import pydyf

    if not _replacements:
        _pydyf = pydyf
        _replacements.append(Replacement(pydyf.Stream, "data", property(data)))
    return _replacements
