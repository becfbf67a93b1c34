"""Accessibility checked two ways: by DAISY Ace (@daisy/ace-cli with Chromium) where it is
installed, and by our own checks of the rules Ace applies to this EPUB, which always run:
document language (package and documents), titles, heading order, epub:type with its
matching DPUB-ARIA role, labelled page breaks, every page break in the page-list, and the
page source."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# epub:type values we write -> the DPUB-ARIA role Ace expects with them (None: no role exists)
ROLES = {"pagebreak": "doc-pagebreak", "toc": "doc-toc", "page-list": "doc-pagelist",
         "cover": None, "landmarks": None, "bodymatter": None}
ROOT = Path(__file__).resolve().parents[2]


def ace_cli() -> str | None:
    """Ace, if installed: $PUBLISHER_ACE, `ace` or `ace-cli` on PATH, or in node_modules/.bin here."""
    for candidate in (os.environ.get("PUBLISHER_ACE"), shutil.which("ace"), shutil.which("ace-cli"),
                      ROOT / "node_modules" / ".bin" / "ace", ROOT / "node_modules" / ".bin" / "ace-cli"):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return None


@pytest.mark.parametrize("which", ["sample_epub_file", "every_block_file"])
def test_daisy_ace_reports_no_violations(which, request, tmp_path):
    ace = ace_cli()
    if ace is None and os.environ.get("PUBLISHER_REQUIRE_TEST_TOOLS"):
        pytest.fail("DAISY Ace is required here (PUBLISHER_REQUIRE_TEST_TOOLS) but not installed: "
                    "run `make test-tools`")
    if ace is None:
        pytest.skip("DAISY Ace is not installed (npm install @daisy/ace-cli, and a Chromium for "
                    "it: PUPPETEER_EXECUTABLE_PATH); the rules it checks here are also checked "
                    "by the other tests of this file")
    env = dict(os.environ)
    env.setdefault("PUPPETEER_EXECUTABLE_PATH", shutil.which("chromium") or "")
    path = request.getfixturevalue(which)
    proc = subprocess.run([ace, "--force", "--silent", "--outdir", str(tmp_path / "ace"), str(path)],
                          capture_output=True, text=True, timeout=900, env=env)
    report = tmp_path / "ace" / "report.json"
    assert report.is_file(), f"Ace wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    data = json.loads(report.read_text("utf-8"))
    violations = [(a["earl:testSubject"]["url"], x["earl:test"]["dct:title"],
                   x["earl:result"].get("dct:description"))
                  for a in data["assertions"] for x in a["assertions"]
                  if x["earl:result"]["earl:outcome"] == "fail"]
    assert violations == []
    assert data["earl:result"]["earl:outcome"] == "pass"


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_languages_and_titles(which, request):
    epub = request.getfixturevalue(which)
    lang = epub.opf.xpath("//dc:language/text()", namespaces={"dc": "http://purl.org/dc/elements/1.1/"})[0]
    assert epub.opf.get(XML_LANG) == lang  # Ace: epub-lang
    docs = {**epub.content_docs(), "nav.xhtml": epub.nav}
    for href, doc in docs.items():
        assert doc.get("lang") == lang and doc.get(XML_LANG) == lang, href
        assert "".join(doc.xpath("//x:head/x:title//text()", namespaces=NS)).strip(), href


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_headings_never_skip_a_level(which, request):
    epub = request.getfixturevalue(which)
    for href, doc in epub.content_docs().items():
        levels = [int(h.tag[-1]) for h in doc.iter() if isinstance(h.tag, str)
                  and re.fullmatch(r"\{http://www.w3.org/1999/xhtml\}h[1-6]", h.tag)]
        for before, after in itertools.pairwise([0, *levels]):
            assert after <= before + 1, f"{href}: h{before} followed by h{after}"


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_epub_types_have_their_aria_roles(which, request):
    epub = request.getfixturevalue(which)
    seen = set()
    for href, doc in {**epub.content_docs(), "nav.xhtml": epub.nav}.items():
        for el in doc.xpath("//*[@epub:type]", namespaces=NS):
            for kind in el.get(EPUB_TYPE).split():
                assert kind in ROLES, f"{href}: epub:type {kind!r} not reviewed for its ARIA role"
                seen.add(kind)
                if ROLES[kind] and el.tag != f"{{{NS['x']}}}a":
                    assert el.get("role") == ROLES[kind], f"{href}: {kind} without role {ROLES[kind]}"
    assert {"pagebreak", "toc", "page-list", "landmarks"} <= seen


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_page_breaks_are_labelled_listed_and_sourced(which, request):
    epub = request.getfixturevalue(which)
    listed = set(epub.nav.xpath("//x:nav[@epub:type='page-list']//x:a/@href", namespaces=NS))
    count = 0
    for href, doc in epub.content_docs().items():
        for el in doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS):
            assert (el.get("aria-label") or "".join(el.itertext())).strip(), href
            assert f"{href}#{el.get('id')}" in listed, f"{href}#{el.get('id')} is not in the page-list"
            count += 1
    assert count == len(listed) > 0
    assert epub.meta("pageBreakSource") and epub.opf.xpath(
        "//dc:source", namespaces={"dc": "http://purl.org/dc/elements/1.1/"})
