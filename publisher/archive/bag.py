"""BagIt (RFC 8493) in memory: payload in, every file of the bag out, reproducibly.

The bag is composed here as bytes (so ``publisher.outputs`` can write it all at once,
into a temporary folder renamed into place) rather than with ``bagit.make_bag``, which
turns a folder on disk into a bag in place and stamps it with today's date. The bag is
then checked with the ``bagit`` library itself (``publisher.archive.verify``), so what we
write is what the reference implementation accepts.

Reproducible: Bagging-Date is the issue date; manifests list files sorted by path;
nothing depends on the clock, the file system order or the machine.
"""

from __future__ import annotations

import hashlib

from ..model import Edition

ALGORITHMS = ("sha256", "sha512")
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _encode_path(path: str) -> str:
    # RFC 8493 2.1.3: percent-encode CR, LF and % in manifest paths
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _manifest(files: dict[str, bytes], algorithm: str) -> bytes:
    lines = [f"{hashlib.new(algorithm, files[p]).hexdigest()}  {_encode_path(p)}\n"
             for p in sorted(files)]
    return "".join(lines).encode("utf-8")


def bag_info(edition: Edition, payload: dict[str, bytes], version: str) -> bytes:
    issue, paper = edition.issue, edition.paper
    fields = [
        ("Source-Organization", paper.publisher),
        ("External-Identifier", edition.id),
        ("External-Description", f"{edition.title}{f' 总第{issue.number}期' if issue.number else ''}"
                                 ": issue PDF/A-2b, page "
                                 "PDFs, ALTO 4.4 per page, METS, NITF per article, EPUB, "
                                 "edition sources"),
        ("Bagging-Date", issue.date.isoformat()),
        ("Payload-Oxum", f"{sum(len(b) for b in payload.values())}.{len(payload)}"),
        ("Bag-Software-Agent", f"publisher {version}"),
        ("Paper-Name", paper.name),
        ("Paper-Id", paper.id),
        ("Issue-Date", issue.date.isoformat()),
        *([("Issue-Number", str(issue.number))] if issue.number else []),
    ]
    if issue.edition:
        fields.append(("Issue-Edition", issue.edition))
    if paper.cn:
        fields.append(("Paper-CN", paper.cn))
    if paper.issn:
        fields.append(("Paper-ISSN", paper.issn))
    fields.append(("Language", paper.language))
    return "".join(f"{k}: {' '.join(v.split())}\n" for k, v in fields).encode("utf-8")


def make_bag(edition: Edition, payload: dict[str, bytes], version: str) -> dict[str, bytes]:
    """Every file of the bag (payload paths relative to ``data/``), paths relative to it."""
    data = {f"data/{path}": content for path, content in payload.items()}
    tags: dict[str, bytes] = {"bagit.txt": BAGIT_TXT,
                              "bag-info.txt": bag_info(edition, payload, version)}
    for algorithm in ALGORITHMS:
        tags[f"manifest-{algorithm}.txt"] = _manifest(data, algorithm)
    bag = {**tags}
    for algorithm in ALGORITHMS:
        bag[f"tagmanifest-{algorithm}.txt"] = _manifest(tags, algorithm)
    bag.update(data)
    return bag
