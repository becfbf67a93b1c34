"""Rare characters and the fallback face (BabelStone Han, fonts/fonts.toml role "fallback").

An edition with 𠮷 (U+20BB7, in every role's own face) and 𪚥 (U+2A6A5, in none: only the
fallback has it) in the body, the headline, a kicker, a byline, a caption and a strong run
builds; the reading PDF and the print PDF read both back, draw no .notdef, and embed a
BabelStone subset holding 𪚥 and nothing the role faces have; the EPUB embeds the fallback subset and passes
EPUBCheck with 0 errors and 0 warnings. A character no face has fails the build naming the
article file, line, code point and role; so does a private-use character, even one the
fallback maps (its glyph is the font maker's, not a standard character).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from fontTools.ttLib import TTFont
from typer.testing import CliRunner

from publisher.cli import app
from publisher.config import load_settings
from publisher.errors import SourceError
from publisher.fonts import FALLBACK, load_fonts, needs_fallback
from publisher.publish import load, publish
from publisher.typography import measure
from tests.conftest import MINIMAL_TOML, SAMPLE

JI = "\U00020BB7"  # 𠮷: Extension B, in Noto Serif/Sans CJK SC and LXGW WenKai
ZHE = "\U0002A6A5"  # 𪚥: Extension B, in BabelStone Han only
EXT_I = "\U0002EBF0"  # Extension I (Unicode 15.1): in no pinned face
PUA = "\uE000"  # private use: BabelStone Han maps it (a glyph of its own choosing)
HANGUL_JAMO = "\uA960"  # ꥠ: in Noto CJK, not in LXGW WenKai nor BabelStone Han

RARE = f"""\
+++
kicker = "生僻字{ZHE}测试"
headline = "{JI}字与{ZHE}字"
byline = "记者 {JI}祥"
+++
这是正文第一段，{JI}野家的{JI}字和{ZHE}字都要排出来。

![]()
图为{ZHE}字与{JI}字的写法（照片待补）。

第二段，**强调{ZHE}字**也要显示。
"""

runner = CliRunner()


@pytest.fixture(scope="module")
def fonts():
    return load_fonts(load_settings().fonts_dir)


def _cmaps(fonts) -> dict[str, set[int]]:
    """Each pinned face's cmap read with fontTools (independently of publisher.fonts)."""
    out = {}
    for face in fonts.faces:
        with TTFont(str(face.file), fontNumber=face.index, lazy=True) as font:
            out[f"{face.role}:{face.file.name}"] = set(font.getBestCmap())
    return out


def _write(root: Path, article: str) -> Path:
    (root / "articles").mkdir(parents=True)
    (root / "images").mkdir()
    (root / "edition.toml").write_text(MINIMAL_TOML, "utf-8")
    (root / "articles" / "one.md").write_text(article, "utf-8")
    return root


@pytest.fixture(scope="module")
def rare_build(tmp_path_factory) -> Path:
    root = _write(tmp_path_factory.mktemp("rare") / "ed", RARE)
    out = tmp_path_factory.mktemp("rare-out")
    publish(root, out, formats=("pdf", "epub", "print"))
    return out / "test-2019-10-21"


def test_the_characters_are_what_this_test_says(fonts):
    cmaps = _cmaps(fonts)
    fallback = [c for k, c in cmaps.items() if k.startswith(FALLBACK + ":")]
    main = [c for k, c in cmaps.items() if not k.startswith(FALLBACK + ":")]
    assert fallback, "no fallback face declared"
    assert all(ord(JI) in c for c in main)
    assert all(ord(ZHE) not in c for c in main) and all(ord(ZHE) in c for c in fallback)
    assert all(ord(EXT_I) not in c for c in cmaps.values())
    assert all(ord(PUA) in c for c in fallback)  # so refusing it is a decision, not luck
    kai = [c for k, c in cmaps.items() if k.startswith("kai:")]
    assert all(ord(HANGUL_JAMO) not in c for c in kai + fallback)
    assert any(ord(HANGUL_JAMO) in c for k, c in cmaps.items() if k.startswith("song:"))


def test_rare_characters_build_and_read_back_from_the_reading_pdf(rare_build):
    pdf = rare_build / "test-2019-10-21.pdf"
    doc = pdfium.PdfDocument(pdf)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    # body, headline, kicker, caption, strong, and the contents list's title: 𪚥 six times
    assert text.count(ZHE) == 6 and text.count(JI) >= 5
    assert measure(pdf).notdef == 0


def _pdf_fonts(path: Path) -> dict[str, set[str]]:
    """Base font name (subset tag dropped) -> the characters its ToUnicode maps."""
    from publisher.typography import _parse_to_unicode

    out: dict[str, set[str]] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            resources: Any = page.obj.get("/Resources", {})
            for _, font in resources.get("/Font", {}).items():
                name = str(font.BaseFont).lstrip("/").split("+", 1)[-1]
                chars = set(_parse_to_unicode(font.ToUnicode.read_bytes()).values()) if "/ToUnicode" in font else set()
                out.setdefault(name, set()).update(chars)
    return out


def test_reading_pdf_embeds_a_babelstone_subset_with_only_what_the_role_faces_lack(rare_build):
    used = _pdf_fonts(rare_build / "test-2019-10-21.pdf")
    babel = [n for n in used if n.startswith("BabelStone")]
    assert babel, sorted(used)
    assert set().union(*(used[n] for n in babel)) - {" "} == {ZHE}  # 𠮷 stays in the role faces
    assert any(JI in chars for n, chars in used.items() if n.startswith("Noto-Serif"))


def test_print_pdf_sets_them_with_the_fallback_subset(rare_build):
    pdf = rare_build / "test-2019-10-21-print.pdf"
    doc = pdfium.PdfDocument(pdf)
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert ZHE in text and JI in text
    assert measure(pdf).notdef == 0
    used = _pdf_fonts(pdf)
    assert set().union(*(c for n, c in used.items() if n.startswith("BabelStone"))) - {" "} == {ZHE}


def test_rare_epub_embeds_the_fallback_subset_and_passes_epubcheck(rare_build, tmp_path):
    from tests.epub.conftest import run_epubcheck

    path = rare_build / "test-2019-10-21.epub"
    z = zipfile.ZipFile(path)
    assert "EPUB/fonts/fallback-400.otf" in z.namelist()
    cmap = TTFont(io.BytesIO(z.read("EPUB/fonts/fallback-400.otf"))).getBestCmap()
    assert ord(ZHE) in cmap and ord(JI) not in cmap and ord(PUA) not in cmap
    css = z.read("EPUB/styles/epub.css").decode("utf-8")
    assert 'font-family: "BabelStone Han"' in css and "fonts/fallback-400.otf" in css
    report = run_epubcheck(path, tmp_path)
    assert (report["checker"]["nError"], report["checker"]["nWarning"], report["checker"]["nFatal"]) == (0, 0, 0), \
        [m["message"] for m in report["messages"]]


def test_rare_builds_are_byte_identical(rare_build, tmp_path):
    root = _write(tmp_path / "again", RARE)
    publish(root, tmp_path / "out", formats=("pdf", "epub", "print"))
    for name in ("test-2019-10-21.pdf", "test-2019-10-21.epub", "test-2019-10-21-print.pdf"):
        assert (tmp_path / "out" / "test-2019-10-21" / name).read_bytes() == (rare_build / name).read_bytes(), name


def test_sample_needs_and_embeds_no_fallback(fonts, sample_build):
    edition, _settings, sample_fonts, problems = load(SAMPLE)
    assert not problems.errors
    assert needs_fallback(edition, sample_fonts) == ""
    for pdf in [sample_build / "xnrb-2019-10-21-xianan.pdf", *sorted((sample_build / "print").glob("*.pdf"))]:
        assert not [n for n in _pdf_fonts(pdf) if n.startswith("BabelStone")], pdf.name
    names = zipfile.ZipFile(sample_build / "xnrb-2019-10-21-xianan.epub").namelist()
    assert not [n for n in names if "fallback" in n]


def _build(edition: Path, tmp_path: Path):
    return runner.invoke(app, ["build", str(edition), "--out", str(tmp_path / "out")])


def test_a_character_in_no_face_fails_naming_file_line_code_point_and_role(make_edition, tmp_path):
    body = f"+++\nheadline = \"标题{EXT_I}\"\n+++\n第一段。\n\n第二段有{EXT_I}字，第三个{HANGUL_JAMO}。\n"
    result = _build(make_edition({"articles/one.md": body}), tmp_path)
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "U+2EBF0" in out and "one.md:2" in out and "headline" in out and "hei" in out
    assert "one.md:6" in out and "paragraph" in out and "song" in out  # every problem reported
    assert "U+A960" not in out  # in Noto Serif CJK SC: fine in the body
    assert "fonts/fonts.toml" in out
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.pdf"))


def test_coverage_is_per_role(make_edition, fonts):
    """ꥠ is in the 宋 and 黑 faces but not in the 楷 one: fine in a body, refused in a caption."""
    ok = make_edition({"articles/one.md": f"+++\nheadline = \"标题\"\n+++\n正文{HANGUL_JAMO}。\n"}, name="ok")
    assert not load(ok)[3].errors
    bad = make_edition({"articles/one.md": f"+++\nheadline = \"标题\"\n+++\n正文。\n\n![]()\n图注{HANGUL_JAMO}。\n"},
                       name="bad")
    with pytest.raises(SourceError) as exc:
        load(bad)
    [p] = exc.value.errors
    assert p.code == "uncovered-character" and p.line == 7 and p.path.name == "one.md"
    assert "U+A960" in p.message and "caption" in p.message and "kai" in p.message
    assert "LXGW WenKai" in p.message and "BabelStone Han" in p.message


def test_private_use_character_is_refused_even_where_the_fallback_has_it(make_edition, tmp_path):
    body = f"+++\nheadline = \"标题\"\n+++\n第一段。\n\n造字{PUA}在此。\n"
    result = _build(make_edition({"articles/one.md": body}), tmp_path)
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "U+E000" in out and "private-use" in out and "one.md:6" in out and "'one'" in out


def test_the_fallback_is_used_for_han_ideographs_only(make_edition, fonts):
    """BabelStone Han maps 😀, but the manifest declares it for Han ideographs only."""
    [fallback] = fonts.by_role(FALLBACK)
    with TTFont(str(fallback.file), lazy=True) as font:
        assert 0x1F600 in font.getBestCmap()
    assert 0x1F600 not in fallback.codepoints and ord(ZHE) in fallback.codepoints
    bad = make_edition({"articles/one.md": "+++\nheadline = \"标题\"\n+++\n笑脸\U0001F600。\n"})
    with pytest.raises(SourceError) as exc:
        load(bad)
    [p] = exc.value.errors
    assert "U+1F600" in p.message and p.line == 4


def test_a_variation_selector_counts_with_the_character_it_follows(make_edition):
    """☀️ (U+2600 U+FE0F, as phones paste it) and 中︀ (a standardized variant, U+FE00, in the
    CJK faces' cmap format 14) build: no face need map a selector, HarfBuzz draws the base's
    variant or the base itself. After a character no face has, the base is what is named."""
    ok = make_edition({"articles/one.md": "+++\nheadline = \"晴☀\ufe0f\"\n+++\n今天晴☀\ufe0f，中\ufe00文。\n"},
                      name="ok")
    assert not load(ok)[3].errors
    bad = make_edition({"articles/one.md": "+++\nheadline = \"标题\"\n+++\n完成✔\ufe0f。\n"}, name="bad")
    with pytest.raises(SourceError) as exc:
        load(bad)
    [p] = exc.value.errors
    assert "U+2714" in p.message and p.line == 4
    alone = make_edition({"articles/one.md": "+++\nheadline = \"标题\"\n+++\n\ufe0f开头。\n"}, name="alone")
    with pytest.raises(SourceError) as exc:
        load(alone)
    assert [p.code for p in exc.value.errors] == ["uncovered-character"]
    assert "U+FE0F" in exc.value.errors[0].message
