"""BagIt (RFC 8493) in memory: payload in, every file of the bag out, reproducibly.

The bag is composed here as bytes (so ``publisher.outputs`` can write it all at once,
into a temporary folder renamed into place) rather than with ``bagit.make_bag``, which
turns a folder on disk into a bag in place and stamps it with today's date. The bag is
then checked with the ``bagit`` library itself (``publisher.archive.verify``), so what we
write is what the reference implementation accepts.

bag-info.txt: the reserved fields of RFC 8493 §2.2.2 that apply — Source-Organization and
its address and contact (the house's ``[tool.publisher.archive]``), External-Description
(what the bag holds, formats named as they are), Bagging-Date (the day the bag was made:
``SOURCE_DATE_EPOCH`` or the clock, never the issue date), External-Identifier (the edition
id), Bag-Size, Payload-Oxum — then publisher's own fields about the issue (paper, issue
date, number, edition, CN, ISSN, LCCN, language).

Reproducible: given ``SOURCE_DATE_EPOCH`` every date is that moment; manifests list files
sorted by path; nothing depends on the file system order or the machine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..model import Edition
from .mets import Provenance

ALGORITHMS = ("sha256", "sha512")
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _encode_path(path: str) -> str:
    # RFC 8493 2.1.3: percent-encode CR, LF and % in manifest paths
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _manifest(files: dict[str, bytes], algorithm: str) -> bytes:
    lines = [f"{hashlib.new(algorithm, files[p]).hexdigest()}  {_encode_path(p)}\n"
             for p in sorted(files)]
    return "".join(lines).encode("utf-8")


def bag_size(n: int) -> str:
    """RFC 8493's Bag-Size: the size with a unit a person reads (decimal units)."""
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True)
class BagInfo:
    """The fields of bag-info.txt before the payload's: who, what, when."""

    fields: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, edition: Edition, prov: Provenance, description: str | None = None) -> BagInfo:
        issue, paper = edition.issue, edition.paper
        fields = [("Source-Organization", prov.organisation)]
        fields += [(k, v) for k, v in prov.contact]
        fields += [
            ("External-Description", description or (
                f"{edition.title}{f' 总第{issue.number}期' if issue.number else ''}, the archive "
                "package of the issue: the "
                "issue as printed (PDF/A-3b, its edition sources attached), each 版 as printed "
                "(PDF/A-2b), ALTO 4.4 per 版, METS with MODS and PREMIS, NITF 3.6 per "
                "article, the reader EPUB 3, the edition sources")),
            ("Bagging-Date", prov.made[:10]),
            ("External-Identifier", edition.id),
        ]
        after = [
            ("Bag-Software-Agent", f"{prov.software} {prov.version}"),
            ("Paper-Name", paper.name),
            ("Paper-Id", paper.id),
            ("Issue-Date", issue.date.isoformat()),
            *([("Issue-Number", str(issue.number))] if issue.number else []),
        ]
        if issue.volume is not None:
            after.append(("Issue-Volume", str(issue.volume)))
        if issue.edition:
            after.append(("Issue-Edition", issue.edition))
        if paper.cn:
            after.append(("Paper-CN", paper.cn))
        if paper.issn:
            after.append(("Paper-ISSN", paper.issn))
        if paper.lccn:
            after.append(("Paper-LCCN", paper.lccn))
        after.append(("Language", paper.language))
        return cls((*tuple(fields), ("@payload", ""), *tuple(after)))

    def text(self, payload: dict[str, bytes]) -> bytes:
        size = sum(len(b) for b in payload.values())
        lines = []
        for k, v in self.fields:
            if k == "@payload":  # the fields measured from the payload go here
                lines += [("Bag-Size", bag_size(size)), ("Payload-Oxum", f"{size}.{len(payload)}")]
            else:
                lines.append((k, v))
        return "".join(f"{k}: {' '.join(v.split())}\n" for k, v in lines).encode("utf-8")


def make_bag(info: BagInfo, payload: dict[str, bytes]) -> dict[str, bytes]:
    """Every file of the bag (payload paths relative to ``data/``), paths relative to it."""
    data = {f"data/{path}": content for path, content in payload.items()}
    tags: dict[str, bytes] = {"bagit.txt": BAGIT_TXT, "bag-info.txt": info.text(payload)}
    for algorithm in ALGORITHMS:
        tags[f"manifest-{algorithm}.txt"] = _manifest(data, algorithm)
    bag = {**tags}
    for algorithm in ALGORITHMS:
        bag[f"tagmanifest-{algorithm}.txt"] = _manifest(tags, algorithm)
    bag.update(data)
    return bag
