"""``publisher verify BAG``: is this archive package still whole, and still what it says?

Checks, each finding naming the file it is about, each problem reported once (a file whose
checksums fail is named once and not looked into further: its schema, PDF/A and content
checks would only repeat that it changed):

1. the bag's files are plain files (a link, FIFO or device is reported, never followed or
   waited on) and its tag files are UTF-8 with well-formed lines;
2. BagIt, read by the ``bagit`` library: the bag's structure, then full fixity — every
   file's checksum in every manifest (hashed here, streamed, not only the Payload-Oxum
   sizes); files missing from or added to the payload; plus what ``bagit`` lets pass: both
   sha256 and sha512 manifests and tag manifests present, and no unlisted file outside
   ``data/`` (but the signature);
3. the signature of the tag manifest (``archive.sign``), against ``--signers``;
4. METS: valid against the METS schema; every file reference resolves inside the bag and
   matches the size and SHA-256 METS records; every payload file is described by METS;
   every ALTO block a logical division points at exists in that ALTO file;
5. ALTO valid against ALTO 4.4, NITF against publisher's NITF subset schema;
6. every PDF still declares PDF/A-2 and passes the structural checks of ``archive.pdfa``
   and the PDF/A rules of ``archive.pdfa_rules`` (no JavaScript or actions, device colour
   only in the intent's space, Info equal to XMP, PDF/A-2 embeds only PDF/A);
7. cross-checks (``archive.crosscheck``): each ALTO holds its page PDF's text, the issue PDF
   the page PDFs' text, and bag-info.txt describes the issue METS describes.

A bag holding ``data/batch.xml`` is an NDNP batch (``--profile ndnp``): after 1.–3., the
rules of the NDNP profile (``archive.ndnp.check_batch``) instead of 4.–7.

The schemas are read from disk (``archive.schemas``): no network. What an unsigned bag
cannot prove is said in docs/archive.md ("What verify proves").
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from ..errors import Problem, PublisherError
from . import crosscheck, schemas
from .bag import ALGORITHMS
from .pdfa import check_pdfa
from .pdfa_rules import rule_problems
from .sign import SIGNATURE, check_signature

log = logging.getLogger(__name__)

METS_NS = "http://www.loc.gov/METS/"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XLINK = "http://www.w3.org/1999/xlink"
_PARSER = etree.XMLParser(no_network=True, resolve_entities=False)
_DIGEST_LENGTH = {"sha256": 64, "sha512": 128}


@dataclass
class _Checks:
    """What one verification found so far, and what it no longer looks into."""

    bag: Path
    problems: list[Problem] = field(default_factory=list)
    damaged: set[Path] = field(default_factory=set)  # reported already: not looked into further
    stop: bool = False  # the bag cannot be read as a bag: nothing further is checked

    @property
    def data(self) -> Path:
        return self.bag / "data"

    def add(self, message: str, path: Path | None, code: str, damaged: bool = False, **kw) -> None:
        self.problems.append(Problem(message, path, code=code, **kw))
        if damaged and path is not None:
            self.damaged.add(path)

    def sound(self, path: Path) -> bool:
        """Whether ``path`` is a file not reported already (its content may be checked)."""
        return path not in self.damaged and path.is_file() and not path.is_symlink()

    def run(self, what: str, check: Callable[[_Checks], None]) -> None:
        """Run one check; whatever it meets, the verification goes on (a check that fails
        unexpectedly is one problem, naming what it was checking)."""
        if self.stop:
            return
        try:
            check(self)
        except PublisherError as exc:
            self.problems += exc.problems
        except Exception as exc:
            self.add(f"verify could not finish checking {what} ({type(exc).__name__}: "
                     f"{str(exc)[:200]})", self.bag, "internal")


def verify_bag(bag_dir: Path, signers: Path | None = None) -> list[Problem]:
    """Every problem found in the bag at ``bag_dir`` (empty: the bag is sound). ``signers``:
    an OpenSSH allowed-signers file the bag's signature is checked against."""
    bag_dir = Path(bag_dir)
    if not bag_dir.is_dir():
        return [Problem(f"{bag_dir} is not a folder", bag_dir, code="bag-missing")]
    checks = _Checks(bag_dir)
    with _bagit_quiet():
        checks.run("the bag's files", _entries)
        checks.run("the tag files", _tag_files)
        checks.run("BagIt", _bagit)
        checks.run("the signature", lambda c: c.problems.extend(check_signature(c.bag, signers)))
        if (checks.data / "batch.xml").is_file():
            checks.run("the NDNP batch", _ndnp_batch)
            return checks.problems
        checks.run("METS", _mets)
        checks.run("the XML schemas", _schemas)
        checks.run("PDF/A", _pdfs)
        checks.run("ALTO against the pages", _alto_vs_pages)
        checks.run("the issue PDF against the pages", _issue_vs_pages)
        checks.run("bag-info against METS", _bag_info_vs_mets)
    return checks.problems


def verified(bag_dir: Path, signed: bool) -> str:
    """What ``verify_bag`` found sound in the bag at ``bag_dir``, and by which checks: the
    line ``publisher verify`` prints for it. An NDNP batch (``data/batch.xml``) is checked by
    its profile's rules instead of an issue bag's checks, and says how many issues it holds."""
    signature = " and signature" if signed else ""
    batch = Path(bag_dir) / "data" / "batch.xml"
    if batch.is_file():
        from .ndnp import NDNP

        root = etree.parse(str(batch), etree.XMLParser(no_network=True, resolve_entities=False)).getroot()
        n = len(root.findall(f"{{{NDNP}}}issue"))
        return (f"NDNP batch of {n} issue{'s' if n != 1 else ''} verified (fixity{signature}, "
                "structure, the NDNP profile's rules for the batch and each issue: METS, ALTO, "
                "page images and PDFs)")
    return (f"issue bag verified (fixity{signature}, structure, METS references, schemas, PDF/A, "
            "ALTO against the pages, bag-info against METS)")


def _ndnp_batch(c: _Checks) -> None:
    """A bag holding data/batch.xml is an NDNP batch (``--profile ndnp``): checked by the
    rules of its profile (archive.ndnp.check_batch, docs/archive.md) instead of the issue
    bag's METS, schemas, PDF/A and cross-checks."""
    from .ndnp import check_batch

    c.problems.extend(check_batch(c.bag))


@contextmanager
def _bagit_quiet() -> Iterator[None]:
    """bagit logs what it finds at ERROR and WARNING: it is reported here, once, instead."""
    logger = logging.getLogger("bagit")
    level, logger.level = logger.level, logging.CRITICAL + 1
    try:
        yield
    finally:
        logger.level = level


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link (a bag holds plain files)"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a plain file"


def _entries(c: _Checks) -> None:
    """Every entry of the bag is a folder or a plain file: a link is not followed (it could
    lead out of the bag), a FIFO or device never read (it would wait, or never end)."""
    for folder, dirs, files in os.walk(c.bag):
        for name in [*dirs, *files]:
            path = Path(folder) / name
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
                continue
            c.add(f"{_kind(mode)}", path, "bag-structure", damaged=True)
            if name in dirs:
                dirs.remove(name)


TAG_FILES = ("bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS),
             *(f"tagmanifest-{a}.txt" for a in ALGORITHMS))


def _tag_files(c: _Checks) -> None:
    """The tag files are there, plain, UTF-8, and the manifests' lines well formed: bagit
    would fail on them with an exception, here each is one problem and nothing further is
    checked (fixity cannot be read from a broken manifest)."""
    for name in TAG_FILES:
        path = c.bag / name
        if path in c.damaged:
            c.stop = True
            continue
        if not path.is_file():
            c.add(f"the bag has no {name}", path, "bag-structure")
            c.stop = True
            continue
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            at_line = data[:exc.start].count(b"\n") + 1
            c.add(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {at_line}): "
                  "the tag file is damaged", path,
                  "bag-structure", damaged=True)
            c.stop = True
            continue
        algorithm = re.fullmatch(r"(?:tag)?manifest-(\w+)\.txt", name)
        if algorithm:
            for number, line in enumerate(text.splitlines(), 1):
                if line.strip() and not _manifest_line(line, algorithm.group(1)):
                    c.add(f"line {number} is not `CHECKSUM  PATH` ({line[:60]!r}): the manifest "
                          "is damaged or truncated", path, "bag-structure", damaged=True)
                    c.stop = True
                    break



def _manifest_line(line: str, algorithm: str) -> bool:
    parts = line.split(maxsplit=1)
    length = _DIGEST_LENGTH.get(algorithm)
    return (len(parts) == 2 and re.fullmatch(r"[0-9a-fA-F]+", parts[0]) is not None
            and (length is None or len(parts[0]) == length))


def _bagit(c: _Checks) -> None:
    import bagit

    try:
        bag = bagit.Bag(str(c.bag))
        bag._validate_structure()
        bag._validate_bagittxt()
    except bagit.BagError as exc:
        if c.damaged:  # bagit refuses the link or FIFO already reported: check the rest here
            _fixity(c, _manifest_entries(c.bag))
            return
        c.add(f"invalid bag: {exc}", c.bag, "bag-structure")
        c.stop = True
        return
    changed = _fixity(c, bag.entries)
    missing, unexpected = set(), []
    try:
        bag._validate_completeness()
    except bagit.BagValidationError as exc:
        for d in exc.details or []:
            path = c.bag / d.path
            if isinstance(d, bagit.FileMissing):
                missing.add(path)
            elif isinstance(d, bagit.UnexpectedFile) and path not in c.damaged:
                unexpected.append(path)
    for path in sorted(missing):
        c.add("listed in the manifest but missing", path, "missing", damaged=True)
    for path in sorted(unexpected):
        c.add("in the payload but in no manifest", path, "unexpected", damaged=True)
    if not (changed or missing or unexpected or c.damaged):
        try:  # the sizes and count of the payload: a cascade of the above when they failed
            bag._validate_oxum()
        except bagit.BagValidationError as exc:
            c.add(exc.message, c.bag / "bag-info.txt", "oxum")
    # bagit accepts tag files that no tag manifest lists; an archive keeps none
    listed = {path for path in bag.entries if not path.startswith("data/")}
    allowed = listed | {f"tagmanifest-{a}.txt" for a in ALGORITHMS} | {SIGNATURE}
    for path in sorted(c.bag.rglob("*")):
        rel = path.relative_to(c.bag).as_posix()
        if path.is_file() and not rel.startswith("data/") and rel not in allowed:
            c.add("a file outside data/ that no tag manifest lists", path, "unexpected")


def _manifest_entries(bag: Path) -> dict[str, dict[str, str]]:
    """Every (tag) manifest's lines, as bagit reads them: path -> {algorithm: checksum}
    (paths percent-decoded as RFC 8493 writes them)."""
    entries: dict[str, dict[str, str]] = {}
    for manifest in sorted(bag.glob("*manifest-*.txt")):
        algorithm = manifest.stem.split("-", 1)[1]
        for line in manifest.read_text("utf-8").splitlines():
            if line.strip():
                digest, rel = line.split(maxsplit=1)
                rel = rel.replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
                entries.setdefault(rel, {})[algorithm] = digest
    return entries


def _fixity(c: _Checks, entries: dict[str, dict[str, str]]) -> bool:
    """Hash every file the manifests list (each once, every algorithm in one read) and name
    each changed file once, with every checksum that differs. True: some file changed."""
    changed = False
    for rel in sorted(entries):
        path = c.bag / rel
        if path in c.damaged or not path.is_file():
            continue  # a link or FIFO reported already; a missing file by the completeness check
        digests = {a: hashlib.new(a) for a in entries[rel] if a in hashlib.algorithms_available}
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                for d in digests.values():
                    d.update(chunk)
        differ = sorted(a for a, d in digests.items() if d.hexdigest() != entries[rel][a].lower())
        if differ:
            changed = True
            c.add(f"changed since the bag was made: its {' and '.join(differ)} differ from the "
                  f"manifests", path, "fixity", damaged=True)
    return changed


def _schema(path: Path, schema, name: str) -> list[Problem]:
    return [Problem(f"not valid {name}: {e}", path, code="schema")
            for e in schemas.validate(schema, path.read_bytes())]


def _mets(c: _Checks) -> None:
    mets_path = c.data / "mets.xml"
    if mets_path in c.damaged:
        return  # reported: a changed METS describes nothing trustworthy
    if not mets_path.is_file():
        c.add("the bag has no METS file", mets_path, "mets-missing")
        return
    raw = mets_path.read_bytes()
    c.problems += _schema(mets_path, schemas.mets(), "METS")
    try:
        root = etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError:
        c.damaged.add(mets_path)
        return
    files: dict[str, Path] = {}
    for f in root.iter(f"{{{METS_NS}}}file"):
        fid = f.get("ID")
        loc = f.find(f"{{{METS_NS}}}FLocat")
        href = loc.get(f"{{{XLINK}}}href") if loc is not None else None
        target = _inside(c.data, href)
        if target is None:
            c.add(f"METS file {fid} points outside the bag: {href!r}", mets_path, "mets-ref")
            continue
        if target in c.damaged:
            files[fid] = target  # reported: its METS size and checksum would say it again
            continue
        if not target.is_file():
            c.add(f"METS file {fid} refers to a missing file", target, "mets-ref")
            continue
        files[fid] = target
        content = target.read_bytes()
        size, digest = f.get("SIZE"), f.get("CHECKSUM")
        wrong = []
        # a SIZE that is no number ("²": a digit to isdigit(), not to int()) is the schema's
        # problem, reported by it once
        if size and re.fullmatch(r"[0-9]{1,19}", size) and int(size) != len(content):
            wrong.append(f"its size ({len(content)} bytes, METS says {size[:20]})")
        if f.get("CHECKSUMTYPE") == "SHA-256" and digest != hashlib.sha256(content).hexdigest():
            wrong.append("its SHA-256")
        if wrong:
            c.add(f"differs from what METS records: {' and '.join(wrong)}", target, "mets-fixity",
                  damaged=True)
    described = {p.resolve() for p in files.values()} | {mets_path.resolve()}
    for path in sorted(c.data.rglob("*")):
        if path.is_file() and path not in c.damaged and path.resolve() not in described:
            c.add("payload file not described by METS", path, "mets-ref")
    unknown = sorted({fptr.get("FILEID") for fptr in root.iter(f"{{{METS_NS}}}fptr")
                      if fptr.get("FILEID") and fptr.get("FILEID") not in files})
    if unknown:
        c.add(f"METS fptr points at unknown file {', '.join(unknown[:5])}", mets_path, "mets-ref")
    alto_ids: dict[str, set[str] | None] = {}
    missing_blocks: dict[Path, list[str]] = {}
    for area in root.iter(f"{{{METS_NS}}}area"):
        fid, begin = area.get("FILEID"), area.get("BEGIN")
        if fid not in files:
            c.add(f"METS area points at unknown file {fid}", mets_path, "mets-ref")
            continue
        if fid not in alto_ids:
            alto_ids[fid] = _ids(files[fid]) if c.sound(files[fid]) else None
        ids = alto_ids[fid]
        if ids is not None and begin not in ids:
            missing_blocks.setdefault(files[fid], []).append(begin or "?")
    for path, blocks in missing_blocks.items():  # one problem per file, however many blocks
        shown = ", ".join(blocks[:5]) + (f" and {len(blocks) - 5} more" if len(blocks) > 5 else "")
        c.add(f"METS areas point at blocks that are not in the file: {shown}", path, "mets-ref")


def _ids(path: Path) -> set[str] | None:
    """The IDs in an XML file; None when it is not well formed (the schema check says so)."""
    try:
        doc = etree.fromstring(path.read_bytes(), _PARSER)
    except etree.XMLSyntaxError:
        return None
    return {e.get("ID") for e in doc.iter() if isinstance(e.tag, str) and e.get("ID")}


def _schemas(c: _Checks) -> None:
    for folder, schema, name in (("alto", schemas.alto, "ALTO 4.4"), ("nitf", schemas.nitf, "NITF subset")):
        for path in sorted((c.data / folder).glob("*.xml")):
            if c.sound(path):
                found = _schema(path, schema(), name)
                c.problems += found[:1] + ([Problem(f"and {len(found) - 1} more schema errors",
                                                    path, code="schema")] if len(found) > 1 else [])
                if found:
                    c.damaged.add(path)  # its text is not compared with its page


def _pdfs(c: _Checks) -> None:
    for path in sorted(c.data.rglob("*.pdf")):
        if not c.sound(path):
            continue
        data = path.read_bytes()
        found = check_pdfa(data)
        if not any(m.startswith(("not a readable PDF", "the PDF is encrypted")) for m in found):
            found += rule_problems(data)
        for message in dict.fromkeys(found):
            c.add(f"not PDF/A: {message}", path, "pdfa")
        if found:
            c.damaged.add(path)


def _alto_vs_pages(c: _Checks) -> None:
    for alto, pdf in crosscheck.page_files(c.data):
        if not (c.sound(alto) and c.sound(pdf)):
            continue
        texts = crosscheck.pdf_texts(pdf.read_bytes())
        why = crosscheck.differ(crosscheck.alto_text(alto.read_bytes()), "".join(texts))
        if why:
            c.add(f"the ALTO text is not the text of {pdf.relative_to(c.data).as_posix()}: {why} "
                  "(pages swapped, or one of them replaced)", alto, "crosscheck")


def _issue_vs_pages(c: _Checks) -> None:
    issue = c.data / f"{c.data.parent.name}.pdf"
    issues = [issue] if issue.is_file() else [p for p in c.data.glob("*.pdf")]
    pages = sorted((c.data / "pages").glob("*.pdf"))
    if len(issues) != 1 or not pages or not c.sound(issues[0]) or not all(map(c.sound, pages)):
        return
    whole = crosscheck.pdf_texts(issues[0].read_bytes())
    parts = [t for p in pages for t in crosscheck.pdf_texts(p.read_bytes())]
    if len(whole) != len(parts):
        c.add(f"the issue PDF has {len(whole)} pages, the page PDFs {len(parts)}", issues[0],
              "crosscheck")
        return
    for number, (a, b) in enumerate(zip(whole, parts, strict=True), 1):
        if why := crosscheck.differ(a, b):
            c.add(f"page {number} is not the text of {pages[number - 1].name}: {why}", issues[0],
                  "crosscheck")
            return


def _bag_info_vs_mets(c: _Checks) -> None:
    info, mets = c.bag / "bag-info.txt", c.data / "mets.xml"
    if not (c.sound(info) and c.sound(mets)):
        return
    for message in crosscheck.bag_info_vs_mets(crosscheck.bag_info(info.read_bytes()),
                                               mets.read_bytes()):
        c.add(message, info, "crosscheck")


def _inside(data: Path, href: str | None) -> Path | None:
    if not href or "://" in href or href.startswith("/"):
        return None
    rel = PurePosixPath(href)
    if ".." in rel.parts:
        return None
    return data.joinpath(*rel.parts)
