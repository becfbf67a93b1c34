"""``publisher verify BAG``: is this archive package still whole, and still what it says?

Checks, each finding naming the file it is about:

1. BagIt, by the ``bagit`` library: the bag's structure, then full fixity — every file's
   checksum in every manifest (not only the Payload-Oxum sizes); files missing from or
   added to the payload; plus what ``bagit`` lets pass: both sha256 and sha512 manifests
   and tag manifests present, and no unlisted file outside ``data/``;
2. METS: valid against the METS schema; every file reference resolves inside the bag and
   matches the size and SHA-256 METS records; every payload file is described by METS;
   every ALTO block a logical division points at exists in that ALTO file;
3. ALTO valid against ALTO 4.4, NITF against publisher's NITF subset schema;
4. every PDF still declares PDF/A-2 and passes the structural checks of ``archive.pdfa``.

A bag holding ``data/batch.xml`` is an NDNP batch: after 1., the rules of the NDNP profile
(``archive.ndnp.check_batch``) instead of 2.–4.

The schemas are read from disk (``archive.schemas``): no network.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import Problem
from . import schemas
from .bag import ALGORITHMS
from .pdfa import check_pdfa

log = logging.getLogger(__name__)

METS_NS = "http://www.loc.gov/METS/"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XLINK = "http://www.w3.org/1999/xlink"


def verify_bag(bag_dir: Path) -> list[Problem]:
    """Every problem found in the bag at ``bag_dir`` (empty: the bag is sound)."""
    if not bag_dir.is_dir():
        return [Problem(f"{bag_dir} is not a folder", bag_dir, code="bag-missing")]
    problems = _bagit(bag_dir)
    if any(p.code in ("bag-structure",) for p in problems):
        return problems
    data = bag_dir / "data"
    if (data / "batch.xml").is_file():
        return problems + _ndnp_batch(bag_dir)
    problems += _mets(bag_dir, data)
    for path in sorted((data / "alto").glob("*.xml")):
        problems += _schema(path, schemas.alto(), "ALTO 4.4")
    for path in sorted((data / "nitf").glob("*.xml")):
        problems += _schema(path, schemas.nitf(), "NITF subset")
    for path in sorted(data.rglob("*.pdf")):
        for message in check_pdfa(path.read_bytes()):
            problems.append(Problem(f"not PDF/A: {message}", path, code="pdfa"))
    return problems


def _ndnp_batch(bag_dir: Path) -> list[Problem]:
    """A bag holding data/batch.xml is an NDNP batch (``--profile ndnp``): checked by the
    rules of its profile (archive.ndnp.check_batch, docs/archive.md) instead of METS/ALTO's."""
    from .ndnp import check_batch

    return check_batch(bag_dir)


def _bagit(bag_dir: Path) -> list[Problem]:
    import bagit

    problems: list[Problem] = []
    for name in ["bagit.txt", "bag-info.txt",
                 *(f"manifest-{a}.txt" for a in ALGORITHMS),
                 *(f"tagmanifest-{a}.txt" for a in ALGORITHMS)]:
        if not (bag_dir / name).is_file():
            problems.append(Problem(f"the bag has no {name}", bag_dir / name, code="bag-structure"))
    if problems:
        return problems
    try:
        bag = bagit.Bag(str(bag_dir))
    except bagit.BagError as exc:
        return [Problem(f"invalid bag: {exc}", bag_dir, code="bag-structure")]
    details = []
    try:
        bag.validate(processes=1, fast=False, completeness_only=False)
    except bagit.BagValidationError as exc:
        details = list(exc.details or [])
        if not details:
            # bagit stops at a Payload-Oxum mismatch before its per-file checks; run those
            # (bagit 1.x's own, pinned in pyproject) so the report names the files
            problems.append(Problem(exc.message, bag_dir / "bag-info.txt", code="oxum"))
            for check in (bag._validate_completeness, lambda: bag._validate_entries(1)):
                try:
                    check()
                except bagit.BagValidationError as inner:
                    details += inner.details or []
    except bagit.BagError as exc:
        return [Problem(f"invalid bag: {exc}", bag_dir, code="bag-structure")]
    for d in details:
        path = bag_dir / d.path if getattr(d, "path", None) else bag_dir
        if isinstance(d, bagit.ChecksumMismatch):
            msg = f"{d.algorithm} checksum mismatch (manifest {d.expected}, file {d.found})"
            problems.append(Problem(msg, path, code="fixity"))
        elif isinstance(d, bagit.FileMissing):
            problems.append(Problem("listed in the manifest but missing", path, code="missing"))
        elif isinstance(d, bagit.UnexpectedFile):
            problems.append(Problem("in the payload but not in the manifest", path,
                                    code="unexpected"))
        else:
            problems.append(Problem(str(d), path, code="bag"))
    # bagit accepts tag files that no tag manifest lists; an archive keeps none
    listed = set()
    for a in ALGORITHMS:
        for line in (bag_dir / f"tagmanifest-{a}.txt").read_text("utf-8").splitlines():
            if line.strip():
                listed.add(line.split(maxsplit=1)[1])
    allowed = listed | {f"tagmanifest-{a}.txt" for a in ALGORITHMS}
    for path in sorted(bag_dir.rglob("*")):
        rel = path.relative_to(bag_dir).as_posix()
        if path.is_file() and not rel.startswith("data/") and rel not in allowed:
            problems.append(Problem("a file outside data/ that no tag manifest lists", path,
                                    code="unexpected"))
    return problems


def _schema(path: Path, schema, name: str) -> list[Problem]:
    return [Problem(f"not valid {name}: {e}", path, code="schema")
            for e in schemas.validate(schema, path.read_bytes())]


def _mets(bag_dir: Path, data: Path) -> list[Problem]:
    mets_path = data / "mets.xml"
    if not mets_path.is_file():
        return [Problem("the bag has no METS file", mets_path, code="mets-missing")]
    raw = mets_path.read_bytes()
    problems = _schema(mets_path, schemas.mets(), "METS")
    try:
        root = etree.fromstring(raw, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        return problems
    files: dict[str, Path] = {}
    for f in root.iter(f"{{{METS_NS}}}file"):
        fid = f.get("ID")
        loc = f.find(f"{{{METS_NS}}}FLocat")
        href = loc.get(f"{{{XLINK}}}href") if loc is not None else None
        target = _inside(data, href)
        if target is None:
            problems.append(Problem(f"METS file {fid} points outside the bag: {href!r}", mets_path,
                                    code="mets-ref"))
            continue
        if not target.is_file():
            problems.append(Problem(f"METS file {fid} refers to a missing file", target,
                                    code="mets-ref"))
            continue
        files[fid] = target
        content = target.read_bytes()
        if f.get("SIZE") and int(f.get("SIZE")) != len(content):
            problems.append(Problem(f"size differs from METS ({f.get('SIZE')} bytes)", target,
                                    code="mets-fixity"))
        if f.get("CHECKSUMTYPE") == "SHA-256" and f.get("CHECKSUM") != hashlib.sha256(content).hexdigest():
            problems.append(Problem("SHA-256 differs from METS", target, code="mets-fixity"))
    described = {p.resolve() for p in files.values()} | {mets_path.resolve()}
    for path in sorted(data.rglob("*")):
        if path.is_file() and path.resolve() not in described:
            problems.append(Problem("payload file not described by METS", path, code="mets-ref"))
    for fptr in root.iter(f"{{{METS_NS}}}fptr"):
        fid = fptr.get("FILEID")
        if fid and fid not in files and not any(p.code == "mets-ref" for p in problems):
            problems.append(Problem(f"METS fptr points at unknown file {fid}", mets_path,
                                    code="mets-ref"))
    alto_ids: dict[str, set[str]] = {}
    for area in root.iter(f"{{{METS_NS}}}area"):
        fid, begin = area.get("FILEID"), area.get("BEGIN")
        if fid not in files:
            problems.append(Problem(f"METS area points at unknown file {fid}", mets_path,
                                    code="mets-ref"))
            continue
        if fid not in alto_ids:
            try:
                doc = etree.parse(str(files[fid]), etree.XMLParser(no_network=True))
                alto_ids[fid] = {e.get("ID") for e in doc.iter() if e.get("ID")}
            except etree.XMLSyntaxError:
                alto_ids[fid] = set()
        if begin not in alto_ids[fid]:
            problems.append(Problem(f"METS area points at block {begin}, which is not in the file",
                                    files[fid], code="mets-ref"))
    return problems


def _inside(data: Path, href: str | None) -> Path | None:
    if not href or "://" in href or href.startswith("/"):
        return None
    rel = PurePosixPath(href)
    if ".." in rel.parts:
        return None
    return data.joinpath(*rel.parts)
