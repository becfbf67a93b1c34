"""The sample edition's bag: it verifies, and every kind of damage is caught and named."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import bagit
import pikepdf
import pytest

from publisher.archive import verify_bag

EDITION_ID = "xnrb-2019-10-21-xianan"


def _payload(bag: Path) -> list[Path]:
    return sorted(p for p in (bag / "data").rglob("*") if p.is_file())


def test_layout_of_the_bag(archive_bag):
    names = {p.relative_to(archive_bag).as_posix() for p in archive_bag.rglob("*") if p.is_file()}
    for required in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt",
                     "tagmanifest-sha256.txt", "tagmanifest-sha512.txt", "data/mets.xml",
                     f"data/{EDITION_ID}.pdf", f"data/{EDITION_ID}.epub", "data/pages/p01.pdf",
                     "data/alto/p01.xml", "data/nitf/jiceng-zhili.xml",
                     "data/sources/edition.toml", "data/sources/articles/jiceng-zhili.md",
                     "data/sources/images/shuihulu.jpg"]:
        assert required in names
    assert len([n for n in names if n.startswith("data/nitf/")]) == 9  # one per article


def test_bag_info_says_who_made_it_when_and_of_what(archive_bag):
    info = bagit.Bag(str(archive_bag)).info
    assert info["Bagging-Date"] == "2023-11-14"  # made at SOURCE_DATE_EPOCH, not the issue date
    # the house's [tool.publisher.archive] (pyproject.toml)
    assert info["Source-Organization"] == "咸宁日报社"
    assert info["Organization-Address"] == "湖北省咸宁市咸安区"
    assert info["Contact-Name"] == "咸宁日报社资料室"
    assert info["Contact-Email"] == "archive@example.org"
    assert info["Contact-Phone"] == "+86 715 000 0000"
    assert info["External-Identifier"] == EDITION_ID
    size = sum(p.stat().st_size for p in (archive_bag / "data").rglob("*") if p.is_file())
    assert info["Bag-Size"] == f"{size / 1e6:.1f} MB"
    description = info["External-Description"]
    assert "PDF/A-3b" in description and "PDF/A-2b" in description and "MODS" in description
    assert info["Paper-Name"] == "咸宁日报"
    assert info["Issue-Number"] == "8216"
    assert info["Issue-Date"] == "2019-10-21"


def test_the_descriptions_say_what_the_files_are(archive_bag):
    """bag-info's description names the PDF/A part each PDF's XMP declares."""
    def part(path):
        with pikepdf.open(path) as pdf:
            return pdf.open_metadata()["pdfaid:part"]

    assert part(archive_bag / "data" / f"{EDITION_ID}.pdf") == "3"
    assert part(archive_bag / "data" / "pages" / "p01.pdf") == "2"


def test_the_reference_library_accepts_the_bag(archive_bag):
    bag = bagit.Bag(str(archive_bag))
    assert set(bag.algorithms) == {"sha256", "sha512"}
    bag.validate(processes=1)  # raises on any fixity or structure error


def test_the_sample_bag_verifies(archive_bag):
    assert verify_bag(archive_bag) == []


def test_sources_are_the_edition_files_byte_for_byte(archive_bag, sample_dir):
    sources = archive_bag / "data" / "sources"
    kept = sorted(p.relative_to(sources).as_posix() for p in sources.rglob("*") if p.is_file())
    assert "edition.toml" in kept
    assert len([k for k in kept if k.startswith("articles/")]) == 9
    for rel in kept:
        assert (sources / rel).read_bytes() == (sample_dir / rel).read_bytes(), rel


@pytest.mark.parametrize("rel", ["data/pages/p01.pdf", "data/alto/p01.xml", "data/mets.xml",
                                 "data/nitf/shuihulu.xml", f"data/{EDITION_ID}.epub",
                                 "data/sources/articles/jiceng-zhili.md", "bag-info.txt",
                                 "manifest-sha256.txt"])
def test_one_changed_byte_fails_naming_the_file(bag_copy, rel):
    path = bag_copy / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = verify_bag(bag_copy)
    assert problems
    assert any(p.path == path for p in problems), [str(p) for p in problems]


def test_a_deleted_payload_file_fails_naming_it(bag_copy):
    path = bag_copy / "data" / "nitf" / "yaozui-daqiao.xml"
    path.unlink()
    problems = verify_bag(bag_copy)
    assert any(p.path == path and p.code == "missing" for p in problems)


def test_an_added_payload_file_fails_naming_it(bag_copy):
    path = bag_copy / "data" / "alto" / "extra.xml"
    path.write_bytes(b"<x/>")
    problems = verify_bag(bag_copy)
    assert any(p.path == path and p.code == "unexpected" for p in problems)


def test_an_added_tag_file_fails_naming_it(bag_copy):
    path = bag_copy / "notes.txt"
    path.write_text("added later", "utf-8")
    problems = verify_bag(bag_copy)
    assert [p.path for p in problems] == [path]


def test_a_missing_manifest_fails(bag_copy):
    (bag_copy / "manifest-sha512.txt").unlink()
    problems = verify_bag(bag_copy)
    assert any(p.path == bag_copy / "manifest-sha512.txt" for p in problems)


def _rebag(bag: Path, changed: Path | None = None) -> None:
    """Regenerate the manifests, as someone who edits a bag 'properly' would, and METS's
    size and checksum of the ``changed`` file (else verify reports that file as changed
    since the archive wrote it, once, and checks it no further)."""
    if changed is not None:
        mets = bag / "data" / "mets.xml"
        href = changed.relative_to(bag / "data").as_posix()
        data = changed.read_bytes()
        text = re.sub(r'SIZE="\d+" CHECKSUM="[0-9a-f]{64}"(?=[^>]*>\s*<mets:FLocat [^>]*xlink:href="'
                      + re.escape(href) + '")',
                      f'SIZE="{len(data)}" CHECKSUM="{hashlib.sha256(data).hexdigest()}"',
                      mets.read_text("utf-8"))
        assert text != mets.read_text("utf-8"), href
        mets.write_text(text, "utf-8")
    bagit.Bag(str(bag)).save(processes=1, manifests=True)


def test_a_pdf_that_no_longer_declares_pdfa_fails(bag_copy):
    path = bag_copy / "data" / "pages" / "p01.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.Root.Metadata
        del pdf.Root.OutputIntents
        pdf.save(path)
    _rebag(bag_copy)
    # METS's checksum says the page changed since the archive wrote it: that, once, no cascade
    assert [p.code for p in verify_bag(bag_copy) if p.path == path] == ["mets-fixity"]
    _rebag(bag_copy, changed=path)  # METS "fixed" too: the page itself is no PDF/A
    problems = verify_bag(bag_copy)
    assert any(p.path == path and p.code == "pdfa" for p in problems)


def test_an_alto_file_that_breaks_its_schema_fails(bag_copy):
    path = bag_copy / "data" / "alto" / "p01.xml"
    path.write_bytes(path.read_bytes().replace(b"<MeasurementUnit>mm10<", b"<MeasurementUnit>cm<", 1))
    _rebag(bag_copy)
    assert [p.code for p in verify_bag(bag_copy) if p.path == path] == ["mets-fixity"]
    _rebag(bag_copy, changed=path)
    problems = verify_bag(bag_copy)
    assert any(p.path == path and p.code == "schema" for p in problems)


def test_a_mets_area_pointing_at_a_missing_block_fails(bag_copy):
    import re

    alto = bag_copy / "data" / "alto" / "p01.xml"
    mets = bag_copy / "data" / "mets.xml"
    # rename one block the METS points at: ALTO stays valid, the reference breaks
    target = re.search(r'FILEID="ALTO_p01" BEGIN="([^"]+)"', mets.read_text("utf-8")).group(1)
    data = alto.read_bytes()
    assert f'ID="{target}"'.encode() in data
    alto.write_bytes(data.replace(f'ID="{target}"'.encode(), b'ID="P1_TB9999"', 1))
    _rebag(bag_copy)
    digest = hashlib.sha256(alto.read_bytes()).hexdigest()
    text = mets.read_text("utf-8")
    text = re.sub(r'(ID="ALTO_p01" MIMETYPE="text/xml" SIZE=")\d+(" CHECKSUM=")[0-9a-f]+',
                  rf'\g<1>{alto.stat().st_size}\g<2>{digest}', text)
    mets.write_text(text, "utf-8")
    _rebag(bag_copy)
    problems = verify_bag(bag_copy)
    assert [p.code for p in problems] == ["mets-ref"], [str(p) for p in problems]
    assert problems[0].path == alto


def test_verify_of_a_missing_folder_fails(tmp_path):
    assert verify_bag(tmp_path / "nothing")


def test_the_cli_exits_non_zero_naming_the_file(bag_copy):
    from typer.testing import CliRunner

    from publisher.cli import app

    path = bag_copy / "data" / "sources" / "edition.toml"
    path.write_bytes(path.read_bytes() + b"\n")
    result = CliRunner().invoke(app, ["verify", str(bag_copy)])
    assert result.exit_code == 1
    assert "edition.toml" in result.output
    ok = CliRunner().invoke(app, ["verify", str(bag_copy.parent / "missing")])
    assert ok.exit_code == 1
