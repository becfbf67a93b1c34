"""Each object of a PDF serialised once, not again for the file identifier (pydyf ``PDF.write``).

The defect
----------
``pydyf.PDF.write`` with an ``identifier`` (WeasyPrint asks for one for every PDF/A and PDF/X
variant: ``pdf_identifier: True``) writes every object, then computes the trailer's ``/ID``
as the MD5 of ``b''.join(obj.data for obj in self.objects)``: every object's bytes made a
second time, and every stream compressed a second time at zlib level 9 (its ``data`` is
computed anew on each read). On a print 版 (PDF/X-4, four CJK font subsets of about 0.8 MB
each) that second pass was about 6 % of the render's CPU: the subsets and the content stream
compressed twice, every dictionary serialised twice.

The fix
-------
pydyf 0.13's ``write``, the same code, keeping each object's ``data`` as it is written (in the
file or in the object stream) and joining those bytes for the identifier. An object's
``data`` is a pure function of the object, which nothing changes between the two reads (the
identifier is computed after every object is written, before the trailer), so the file is
the same, byte for byte. Upstream, ``write`` would hash what it wrote.

Touches: ``pydyf.PDF.write`` (replaced: pydyf 0.13.0's code with the objects' bytes kept).
"""

from __future__ import annotations

from hashlib import md5
from math import ceil, log
from typing import Any

from ..patching import Replacement

_replacements: list[Replacement] = []
_pydyf: Any = None


def write(self, output, version=b'1.7', identifier=False, compress=False):
    """pydyf's PDF.write, each object's bytes made once (see the module docstring)."""
    _to_bytes, Array, Stream, String = _pydyf._to_bytes, _pydyf.Array, _pydyf.Stream, _pydyf.String
    written: dict[int, bytes] = {}  # id of an object -> its data, as written

    def indirect(object_) -> bytes:
        # Object.indirect, its data kept
        data = written[id(object_)] = object_.data
        return f'{object_.number} {object_.generation} obj\n'.encode() + data + b'\nendobj'

    def identifier_data() -> bytes:
        # not written.get(id(obj), obj.data): that would make every object's bytes again
        return b''.join(written[id(obj)] if id(obj) in written else obj.data  # noqa: SIM401
                        for obj in self.objects if obj.free != 'f')

    # Convert version and identifier to bytes.
    version = _to_bytes(version or b'1.7')  # Force 1.7 when None
    if identifier not in (False, True, None):
        identifier = _to_bytes(identifier)

    # Add info object if needed.
    if self.info:
        self.add_object(self.info)

    # Write header.
    self.write_line(b'%PDF-' + version, output)
    self.write_line(b'%\xf0\x9f\x96\xa4', output)

    if version >= b'1.5' and compress:
        # Store compressed objects for later and write other ones in PDF.
        compressed_objects = []
        for object_ in self.objects:
            if object_.free == 'f':
                continue
            if object_.compressible:
                compressed_objects.append(object_)
            else:
                object_.offset = self.current_position
                self.write_line(indirect(object_), output)

        # Write compressed objects in object stream.
        stream: list[Any] = [[]]
        position = 0
        for object_ in compressed_objects:
            data = written[id(object_)] = object_.data
            stream.append(data)
            stream[0].append(object_.number)
            stream[0].append(position)
            position += len(data) + 1
        stream[0] = ' '.join(str(i) for i in stream[0])
        extra = {
            'Type': '/ObjStm',
            'N': len(compressed_objects),
            'First': len(stream[0]) + 1,
        }
        object_stream = Stream(stream, extra, compress)
        object_stream.offset = self.current_position
        self.add_object(object_stream)
        self.write_line(indirect(object_stream), output)

        # Write cross-reference stream.
        xref = []
        dict_index = 0
        for object_ in self.objects:
            if object_.compressible:
                xref.append((2, object_stream.number, dict_index))
                dict_index += 1
            else:
                xref.append((
                    bool(object_.number), object_.offset, object_.generation))
        xref.append((1, self.current_position, 0))

        field2_size = ceil(log(self.current_position + 1, 256))
        max_generation = max(
            object_.generation for object_ in self.objects)
        field3_size = ceil(log(
            max(max_generation, len(compressed_objects)) + 1, 256))
        xref_lengths = (1, field2_size, field3_size)
        xref_stream = b''.join(
            value.to_bytes(length, 'big')
            for line in xref for length, value in zip(xref_lengths, line, strict=True))
        extra = {
            'Type': '/XRef',
            'Index': Array((0, len(self.objects) + 1)),
            'W': Array(xref_lengths),
            'Size': len(self.objects) + 1,
            'Root': self.catalog.reference,
        }
        if self.info:
            extra['Info'] = self.info.reference
        if identifier:
            data = identifier_data()
            data_hash = md5(data).hexdigest().encode()
            if identifier is True:
                identifier = data_hash
            extra['ID'] = Array((String(identifier).data, String(data_hash).data))
        dict_stream = Stream([xref_stream], extra, compress)
        self.xref_position = dict_stream.offset = self.current_position
        self.add_object(dict_stream)
        self.write_line(dict_stream.indirect, output)
    else:
        # Write all non-free PDF objects.
        for object_ in self.objects:
            if object_.free == 'f':
                continue
            object_.offset = self.current_position
            self.write_line(indirect(object_), output)

        # Write cross-reference table.
        self.xref_position = self.current_position
        self.write_line(b'xref', output)
        self.write_line(f'0 {len(self.objects)}'.encode(), output)
        for object_ in self.objects:
            self.write_line(
                (f'{object_.offset:010} {object_.generation:05} '
                 f'{object_.free} ').encode(), output)

        # Write trailer.
        self.write_line(b'trailer', output)
        self.write_line(b'<<', output)
        self.write_line(f'/Size {len(self.objects)}'.encode(), output)
        self.write_line(b'/Root ' + self.catalog.reference, output)
        if self.info:
            self.write_line(b'/Info ' + self.info.reference, output)
        if identifier:
            data = identifier_data()
            data_hash = md5(data).hexdigest().encode()
            if identifier is True:
                identifier = data_hash
            self.write_line(
                b'/ID [' + String(identifier).data + b' ' +
                String(data_hash).data + b']', output)
        self.write_line(b'>>', output)

    self.write_line(b'startxref', output)
    self.write_line(f'{self.xref_position}'.encode(), output)
    self.write_line(b'%%EOF', output)


def replacements() -> list[Replacement]:
    global _pydyf
    import pydyf

    if not _replacements:
        _pydyf = pydyf
        _replacements.append(Replacement(pydyf.PDF, "write", write))
    return _replacements
