"""Cross-checks of a bag's contents against one another, for ``publisher verify``.

Fixity says that files are the ones the manifests list; these say that the files still
belong together, so that a bag whose parts were swapped and whose checksums were all
recomputed is caught:

- each page's ALTO holds the text of the page PDF beside it (the characters, as a multiset:
  both come from one layout, so they are equal; the order of extraction may differ), and the
  issue PDF's pages hold the same text as the page PDFs, in order;
- bag-info.txt and METS describe the same issue: External-Identifier is METS's OBJID, and
  the issue's date, number, publisher, language and CN number in bag-info appear in the
  issue's descriptive metadata in METS.

A careful forger who rewrites ALTO and METS to match is caught only by a signature
(``archive.sign``): these catch mistakes and careless tampering, not everything.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree

METS_NS = "http://www.loc.gov/METS/"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
_PARSER = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)


def alto_text(data: bytes) -> str:
    """The text of an ALTO file: its strings' CONTENT, in order."""
    root = etree.fromstring(data, _PARSER)
    return "".join(s.get("CONTENT") or "" for s in root.iter(f"{{{ALTO_NS}}}String"))


def pdf_texts(data: bytes) -> list[str]:
    """The text of each page of a PDF, as pdfium extracts it (its own spaces left out)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            text = page.get_textpage()
            out.append(text.get_text_range())
            text.close()
            page.close()
        return out
    finally:
        doc.close()


def _characters(text: str) -> Counter:
    return Counter(c for c in text if not c.isspace() and c != "\ufffe")


def differ(a: str, b: str) -> str | None:
    """How two texts differ as multisets of characters (None: they do not)."""
    ca, cb = _characters(a), _characters(b)
    if ca == cb:
        return None
    only_a, only_b = ca - cb, cb - ca
    sample = "".join(sorted((only_a + only_b).elements()))[:16]
    return (f"{sum(only_a.values())} characters only in one, {sum(only_b.values())} only in the "
            f"other (e.g. {sample!r})")


def bag_info(data: bytes) -> dict[str, list[str]]:
    """bag-info.txt's fields (a label may repeat); lines that are not ``Label: value`` and
    continuation lines are kept with the field before them."""
    fields: dict[str, list[str]] = {}
    last = None
    for line in data.decode("utf-8", "replace").splitlines():
        if line[:1] in (" ", "\t") and last:
            fields[last][-1] += " " + line.strip()
        elif ":" in line:
            label, value = line.split(":", 1)
            last = label.strip()
            fields.setdefault(last, []).append(value.strip())
    return fields


def bag_info_vs_mets(info: dict[str, list[str]], mets: bytes) -> list[str]:
    """Where bag-info.txt and METS disagree about the issue (empty: they agree)."""
    root = etree.fromstring(mets, _PARSER)
    out = []
    ident = (info.get("External-Identifier") or [""])[0]
    if ident and root.get("OBJID") != ident:
        out.append(f"bag-info's External-Identifier {ident!r} is not METS's OBJID "
                   f"{root.get('OBJID')!r}")
    issue = _issue_metadata(root)
    texts = {" ".join((el.text or "").split()) for el in issue.iter() if isinstance(el.tag, str)}
    wanted = {"Issue-Date": lambda v: v, "Source-Organization": lambda v: v,
              "Language": lambda v: v, "Paper-CN": lambda v: v,
              "Issue-Number": lambda v: f"总第{v}期"}
    for label, form in wanted.items():
        for value in info.get(label, []):
            if form(value) not in texts and value not in texts:
                out.append(f"bag-info's {label} {value!r} is not in METS's description of the issue")
    name = (info.get("Paper-Name") or [""])[0]
    label = root.get("LABEL") or ""
    if name and name not in label and not any(name in t for t in texts):
        out.append(f"bag-info's Paper-Name {name!r} is not the paper METS describes ({label!r})")
    return out


def _issue_metadata(root) -> etree._Element:
    """The issue's descriptive metadata: the dmdSec the outermost logical division points at
    (else the first dmdSec, else the whole document)."""
    sections = {d.get("ID"): d for d in root.iter(f"{{{METS_NS}}}dmdSec")}
    for struct in root.iter(f"{{{METS_NS}}}structMap"):
        if (struct.get("TYPE") or "").upper() != "LOGICAL":
            continue
        top = struct.find(f"{{{METS_NS}}}div")
        for ref in ((top.get("DMDID") or "").split() if top is not None else []):
            if ref in sections:
                return sections[ref]
    return next(iter(sections.values()), root)


def page_files(data: Path) -> list[tuple[Path, Path]]:
    """Each page's (ALTO, page PDF) in the payload folder ``data``, by name (p01)."""
    pairs = []
    for alto in sorted((data / "alto").glob("*.xml")):
        pdf = data / "pages" / f"{alto.stem}.pdf"
        if pdf.is_file():
            pairs.append((alto, pdf))
    return pairs
