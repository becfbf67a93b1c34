"""The NDNP profile (``--profile ndnp``): a batch of two issues, checked against the rules of
docs/archive.md ("The NDNP profile") — by our own check (``archive.ndnp.check_batch``, run by
``publisher verify``) and, where one exists, by a tool we did not write: jpylyzer for the
JPEG 2000 profile, Pillow for the TIFF masters, pdfium for the PDFs and the ALTO geometry,
bagit for the bag, the official schemas for METS and MODS. Each rule's check is also shown
to fail on a file that breaks it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import bagit
import pikepdf
import pytest
from lxml import etree
from PIL import Image, TiffImagePlugin

from publisher.archive import schemas, verify_bag
from publisher.archive.ndnp import JP2_LAYERS_BPP, check_batch

from . import altocheck

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
BATCH = "batch_xnrb_xnrb20191021to20191022_ver01"
NS = {"m": "http://www.loc.gov/METS/", "mods": "http://www.loc.gov/mods/v3",
      "mix": "http://www.loc.gov/mix/", "xlink": "http://www.w3.org/1999/xlink",
      "ndnp": "http://www.loc.gov/ndnp"}
TRIM_PT = (390 / 25.4 * 72, 545 / 25.4 * 72)  # the broadsheet trim


@pytest.fixture(scope="session")
def ndnp_batch(tmp_path_factory) -> Path:
    """Two issues (the sample, and a copy of it one day later) archived from the command
    line with --profile ndnp: OUT/<edition-id>/ndnp/ each, and their batch."""
    from typer.testing import CliRunner

    from publisher.cli import app

    work = tmp_path_factory.mktemp("ndnp")
    second = work / "xnrb-2019-10-22"
    shutil.copytree(SAMPLE, second)
    toml = (second / "edition.toml").read_text("utf-8")
    toml = toml.replace("date = 2019-10-21", "date = 2019-10-22").replace("number = 8216", "number = 8217")
    (second / "edition.toml").write_text(toml, "utf-8")
    result = CliRunner().invoke(app, ["archive", str(SAMPLE), str(second), "--out", str(work / "out"),
                                      "--profile", "ndnp"])
    assert result.exit_code == 0, result.output
    assert f"{BATCH}/ (NDNP batch of 2 issues)" in result.output.replace("\n", "")
    return work / "out" / BATCH


def _issue(batch: Path, day: str = "21") -> Path:
    return batch / "data" / "xnrb" / "print" / f"201910{day}01"


@pytest.fixture
def batch_copy(ndnp_batch, tmp_path) -> Path:
    dst = tmp_path / BATCH
    shutil.copytree(ndnp_batch, dst)
    return dst


def _rebag(bag: Path) -> None:
    bagit.Bag(str(bag)).save(processes=1, manifests=True)


# ---------------------------------------------------------------- the batch as made


def test_the_batch_passes_every_rule_and_verifies(ndnp_batch):
    assert check_batch(ndnp_batch) == []
    assert verify_bag(ndnp_batch) == []
    bagit.Bag(str(ndnp_batch)).validate(processes=1)


def test_verify_says_it_verified_a_batch_and_of_how_many_issues(ndnp_batch):
    from typer.testing import CliRunner

    from publisher.cli import app

    result = CliRunner().invoke(app, ["verify", str(ndnp_batch)])
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())  # rich wraps long lines
    assert f"{ndnp_batch}:NDNPbatchof2issuesverified(fixity," in text
    assert "issuebag" not in text and "PDF/A" not in text  # an issue bag's checks: not run on a batch


def test_the_batch_lays_out_each_issue_as_ndnp_does(ndnp_batch):
    data = ndnp_batch / "data"
    batch = etree.parse(str(data / "batch.xml")).getroot()
    assert batch.tag == "{http://www.loc.gov/ndnp}batch"
    assert (batch.get("name"), batch.get("awardee"), batch.get("awardYear")) == (BATCH, "xnrb", "2023")
    issues = [(i.get("lccn"), i.get("issueDate"), i.get("editionOrder"), i.text)
              for i in batch.findall("ndnp:issue", NS)]
    assert issues == [("xnrb", "2019-10-21", "01", "xnrb/print/2019102101/2019102101.xml"),
                      ("xnrb", "2019-10-22", "01", "xnrb/print/2019102201/2019102201.xml")]
    assert sorted(p.name for p in _issue(ndnp_batch).iterdir()) == [
        "0001.jp2", "0001.pdf", "0001.tif", "0001.xml", "2019102101.xml"]


def test_the_issue_mets_reads_as_an_ndnp_loader_reads_it(ndnp_batch):
    """What chronam / Open ONI's batch loader reads from an issue METS is there."""
    path = _issue(ndnp_batch) / "2019102101.xml"
    doc = etree.parse(str(path))
    assert schemas.validate(schemas.mets(), path.read_bytes()) == []
    root = doc.getroot()
    assert root.get("PROFILE") == "urn:library-of-congress:mets:profiles:ndnp:issue:v1.5"
    div = doc.xpath('.//m:div[@TYPE="np:issue"]', namespaces=NS)[0]
    mods = doc.xpath(f'.//m:dmdSec[@ID="{div.get("DMDID")}"]/descendant::mods:mods', namespaces=NS)[0]
    assert mods.xpath('string(.//mods:identifier[@type="local"])', namespaces=NS) == "xnrb"  # no LCCN
    assert mods.xpath('string(.//mods:detail[@type="issue"]/mods:number[1])', namespaces=NS) == "8216"
    assert mods.xpath('string(.//mods:detail[@type="edition"]/mods:number[1])', namespaces=NS) == "1"
    assert mods.xpath('string(.//mods:detail[@type="edition"]/mods:caption[1])', namespaces=NS) == "咸安版"
    assert mods.xpath("string(.//mods:dateIssued)", namespaces=NS) == "2019-10-21"
    (page,) = div.xpath('.//m:div[@TYPE="np:page"]', namespaces=NS)
    pmods = doc.xpath(f'.//m:dmdSec[@ID="{page.get("DMDID")}"]/descendant::mods:mods', namespaces=NS)[0]
    assert pmods.xpath("string(.//mods:extent/mods:start)", namespaces=NS) == "1"
    uses = {}
    for fptr in page.xpath("./m:fptr", namespaces=NS):
        f = doc.xpath(f'.//m:file[@ID="{fptr.get("FILEID")}"]', namespaces=NS)[0]
        uses[f.get("USE")] = f
    assert sorted(uses) == ["derivative", "master", "ocr", "service"]
    # the JP2's size, from its MIX, as the loader takes it
    service = uses["service"]
    xpath = ('.//m:techMD[@ID="%s"]/m:mdWrap/m:xmlData/mix:mix/mix:ImagingPerformanceAssessment/'
             'mix:SpatialMetrics/mix:%s')
    width = doc.xpath(xpath % (service.get("ADMID"), "ImageWidth"), namespaces=NS)[0].text
    with Image.open(_issue(ndnp_batch) / "0001.tif") as tif:
        assert width == str(tif.size[0])


def test_an_issue_with_an_lccn_is_filed_under_it(make_edition, tmp_path):
    from publisher.archive import ndnp
    from publisher.errors import Problems
    from publisher.sources import read_edition

    toml = ('[paper]\nid = "test"\nname = "测试日报"\npublisher = "测试日报社"\nlccn = "sn12345678"\n'
            '[issue]\ndate = 2019-10-21\nnumber = 100\nvolume = 12\nedition_order = 2\n'
            '[[pages]]\nnumber = 1\nname = "要闻"\narticles = ["one"]\n')
    edition = read_edition(make_edition(toml=toml), Problems())
    ref = ndnp.issue_ref(edition, tmp_path)
    assert (ref.path, ref.name) == ("sn12345678/print/2019102102", "2019102102")
    xml = ndnp.batch_xml("batch_x_y_ver01", "x", 2026, [ref]).decode()
    assert 'lccn="sn12345678" issueDate="2019-10-21" editionOrder="02"' in xml


def test_the_masters_are_8_bit_grey_uncompressed_tiffs_of_the_page_at_300_dpi(ndnp_batch):
    with Image.open(_issue(ndnp_batch) / "0001.tif") as tif:
        assert isinstance(tif, TiffImagePlugin.TiffImageFile)
        tags = tif.tag_v2
        assert tif.format == "TIFF" and tif.mode == "L"
        assert (tags[259], tags[262], tags[277]) == (1, 1, 1)  # no compression, grey, 1 sample
        assert tags[258] in (8, (8,))
        assert (float(tags[282]), float(tags[283]), tags[296]) == (300.0, 300.0, 2)
        # the trim at 300 dpi (pdfium counts a partial pixel at the edge as one)
        assert abs(tif.size[0] - TRIM_PT[0] / 72 * 300) < 1 and abs(tif.size[1] - TRIM_PT[1] / 72 * 300) < 1
        assert tags[305].startswith("publisher ") and tags[315] == "xnrb" and tags[306]
        darkest = tif.getextrema()[0]
        assert isinstance(darkest, int | float) and darkest < 50  # there is ink on the page


def test_the_service_images_follow_the_ndnp_jpeg2000_profile_by_jpylyzer(ndnp_batch):
    from jpylyzer import jpylyzer  # type: ignore[import-untyped]

    path = _issue(ndnp_batch) / "0001.jp2"
    result = jpylyzer.checkOneFile(str(path))

    def find(name):
        return [e.text for e in result.iter() if e.tag.split("}")[-1] == name]

    assert find("isValid") == ["True"]
    assert find("br") == ["jp2 "] and find("nC") == ["1"] and find("bPCDepth") == ["8"]
    assert find("enumCS") == ["greyscale"]
    assert find("order")[0] in ("RLCP", "RPCL")
    assert find("layers") == [str(len(JP2_LAYERS_BPP))] and find("levels") == ["6"]
    assert find("codeBlockWidth") == ["64"] and find("codeBlockHeight") == ["64"]
    assert find("codingBypass") == ["yes"]
    assert find("transformation") == ["9-7 irreversible"]
    assert find("precincts") == ["default"]  # none of its own
    assert find("xTsiz") == ["1024"] and find("yTsiz") == ["1024"]
    assert find("xOsiz") == ["0"] and find("yOsiz") == ["0"]
    with Image.open(_issue(ndnp_batch) / "0001.tif") as tif:
        assert (find("xsiz"), find("ysiz")) == ([str(tif.size[0])], [str(tif.size[1])])
        assert float(find("compressionRatio")[0]) >= 8 * 0.95  # about a bit per pixel at most


def test_the_alto_is_in_inch1200_and_true_to_the_page(ndnp_batch):
    issue = _issue(ndnp_batch)
    doc = altocheck.parse(issue / "0001.xml")
    A = altocheck.ALTO
    assert doc.findtext(f"{A}Description/{A}MeasurementUnit") == "inch1200"
    assert doc.findtext(f"{A}Description/{A}sourceImageInformation/{A}fileName") == "0001.pdf"
    page = next(doc.iter(f"{A}Page"))
    assert (page.get("WIDTH"), page.get("HEIGHT")) == ("18425.20", "25748.03")  # 390 × 545 mm
    strings, failures = altocheck.nesting_failures(doc)
    assert failures == [] and strings > 400
    checked, failures = altocheck.glyph_failures(doc, issue / "0001.pdf", per_pt=1200 / 72)
    assert failures == [] and checked > 4000


def test_the_page_pdf_is_one_labelled_page_with_nothing_interactive(ndnp_batch):
    import pypdfium2 as pdfium

    path = _issue(ndnp_batch) / "0001.pdf"
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 1 and not pdf.is_encrypted
        assert "/Outlines" not in pdf.Root and "/AcroForm" not in pdf.Root
        assert "/Annots" not in pdf.pages[0].obj
    doc = pdfium.PdfDocument(path)
    assert doc.get_page_label(0) == "第1版"


# ---------------------------------------------------------------- each rule can fail


def _problems(bag: Path) -> list[str]:
    return [str(p) for p in check_batch(bag)]


def test_a_master_at_another_resolution_breaks_the_rules(batch_copy):
    path = _issue(batch_copy) / "0001.tif"
    with Image.open(path) as tif:
        small = tif.resize((tif.size[0] // 2, tif.size[1] // 2))
    small.save(path, format="TIFF", compression="raw", dpi=(150, 150))
    problems = _problems(batch_copy)
    assert any("0001.tif" in p and "300–400 dpi" in p for p in problems), problems
    assert any("0001.tif" in p and "px" in p for p in problems)  # its MIX no longer fits


def test_a_jp2_off_the_profile_breaks_the_rules(batch_copy, tmp_path):
    issue = _issue(batch_copy)
    with Image.open(issue / "0001.tif") as tif:
        tif.save(tmp_path / "p.pgm")
    subprocess.run(["opj_compress", "-i", str(tmp_path / "p.pgm"), "-o", str(issue / "0001.jp2"),
                    "-r", "20,10", "-n", "5"], check=True, capture_output=True)
    problems = _problems(batch_copy)
    for what in ("layers", "levels", "tile", "bypass", "transform"):
        assert any("0001.jp2" in p and f"JP2's {what}" in p for p in problems), (what, problems)


def test_a_page_pdf_without_its_label_breaks_the_rules(batch_copy):
    path = _issue(batch_copy) / "0001.pdf"
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        del pdf.Root.PageLabels
        pdf.save(path)
    assert any("no page label" in p for p in _problems(batch_copy))


def test_alto_in_another_unit_breaks_the_rules(batch_copy):
    path = _issue(batch_copy) / "0001.xml"
    path.write_bytes(path.read_bytes().replace(b">inch1200<", b">mm10<", 1))
    assert any("inch1200" in p for p in _problems(batch_copy))


def test_a_batch_file_that_lists_an_issue_elsewhere_breaks_the_rules(batch_copy):
    path = batch_copy / "data" / "batch.xml"
    path.write_bytes(path.read_bytes().replace(b">xnrb/print/2019102201/", b">xnrb/2019102201/"))
    problems = _problems(batch_copy)
    assert any("<title>/print/<YYYYMMDDEE>" in p for p in problems)
    assert any("does not list" in p for p in problems)


def test_an_extra_file_in_an_issue_breaks_the_rules_and_verify_names_it(batch_copy):
    extra = _issue(batch_copy) / "notes.txt"
    extra.write_text("x", "utf-8")
    _rebag(batch_copy)
    problems = verify_bag(batch_copy)
    assert [(p.path, p.code) for p in problems] == [(extra, "ndnp-rule")]


def test_a_changed_master_fails_the_bag(batch_copy):
    path = _issue(batch_copy) / "0001.tif"
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert any(p.path == path and p.code == "fixity" for p in verify_bag(batch_copy))


def test_a_signed_batch_verifies_against_its_signers_only(ndnp_batch, tmp_path):
    """With a signing key (house sign_key or --sign), the batch bag's tag manifest is signed
    as an issue bag's is: verify --signers holds it against the allowed keys."""
    from publisher.archive.sign import SIGNATURE
    from publisher.config import load_settings
    from publisher.publish import publish_ndnp_batch

    keys = {}
    for who in ("archive", "stranger"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", who, "-f",
                        str(tmp_path / who)], check=True)
        kind, key = (tmp_path / f"{who}.pub").read_text().split()[:2]
        keys[who] = tmp_path / f"{who}-signers"
        keys[who].write_text(f"{who}@xnrb {kind} {key}\n")
    settings = load_settings()
    settings = settings.model_copy(update={"archive": settings.archive.model_copy(
        update={"sign_key": tmp_path / "archive"})})
    out = tmp_path / "out"
    out.mkdir()
    built = [p for p in ndnp_batch.parent.iterdir() if (p / "ndnp").is_dir()]
    for issue in built:  # the issues as built, in another output folder
        (out / issue.name).symlink_to(issue)
    batch = publish_ndnp_batch([SAMPLE, ndnp_batch.parent.parent / "xnrb-2019-10-22"], out, settings)
    assert len(built) == 2 and (batch / SIGNATURE).is_file()
    assert verify_bag(batch, keys["archive"]) == []
    assert [p.code for p in verify_bag(batch, keys["stranger"])] == ["signature"]
    assert [p.code for p in verify_bag(ndnp_batch, keys["archive"])] == ["signature"]  # unsigned


# ---------------------------------------------------------------- what it needs


def test_without_an_awardee_the_profile_is_an_error(make_edition, tmp_path):
    from publisher.config import load_settings
    from publisher.errors import PublisherError
    from publisher.publish import publish

    settings = load_settings()
    archive = settings.archive.model_copy(update={"ndnp": settings.archive.ndnp.model_copy(
        update={"awardee": None})})
    settings = settings.model_copy(update={"archive": archive})
    with pytest.raises(PublisherError) as info:
        publish(make_edition(), tmp_path, ["archive"], settings, profile="ndnp")
    assert [p.code for p in info.value.problems] == ["ndnp"]
    assert "awardee" in (info.value.problems[0].hint or "")
    assert not (tmp_path / "test-2019-10-21").exists()


def test_a_batch_name_that_ndnp_cannot_take_is_an_error(ndnp_batch, tmp_path):
    from publisher.archive import ndnp
    from publisher.config import load_settings
    from publisher.errors import ConfigError

    ref = ndnp.IssueRef("xnrb", dt.date(2019, 10, 21), 1, _issue(ndnp_batch))
    with pytest.raises(ConfigError, match="letters and digits"):
        ndnp.batch_files([ref], load_settings(), dt.datetime.now(dt.UTC), "my_batch")


def test_the_house_resolution_is_strictly_300_to_400(tmp_path):
    from pydantic import ValidationError

    from publisher.config import Ndnp

    with pytest.raises(ValidationError):
        Ndnp(resolution=600)
    with pytest.raises(ValidationError):
        Ndnp(awardee="Not A Code")
    assert Ndnp(resolution=400).resolution == 400

