"""The house option for vertical writing (竖排) in the EPUB only: vertical-rl CSS and a
right-to-left spine, still valid for EPUBCheck; off by default; bad values refused."""

from __future__ import annotations

import pytest

from publisher.config import load_settings
from publisher.epub import build_epub
from publisher.errors import ConfigError
from publisher.fonts import load_fonts
from publisher.sources import read_edition

NS = {"opf": "http://www.idpf.org/2007/opf"}
STYLES = load_settings().styles_dir


@pytest.fixture(scope="module")
def vertical_file(every_block_dir, tmp_path_factory):
    settings = load_settings()
    settings = settings.model_copy(update={"epub": settings.epub.model_copy(update={"vertical": True})})
    data = build_epub(read_edition(every_block_dir), settings, load_fonts(settings.fonts_dir))
    path = tmp_path_factory.mktemp("vertical") / "vertical.epub"
    path.write_bytes(data)
    return path


def test_vertical_option(vertical_file, open_epub):
    epub = open_epub(vertical_file.read_bytes())
    assert epub.opf.xpath("//opf:spine/@page-progression-direction", namespaces=NS) == ["rtl"]
    css = epub.read("EPUB/styles/epub.css").decode()
    assert "writing-mode: vertical-rl" in css
    assert epub.opf.xpath("//opf:meta[@name='primary-writing-mode']/@content", namespaces=NS) == ["vertical-rl"]


@pytest.mark.epubcheck
def test_vertical_epub_passes_epubcheck(vertical_file, tmp_path, epubcheck):
    report = epubcheck(vertical_file, tmp_path)
    assert report["checker"]["nError"] == 0 and report["checker"]["nWarning"] == 0, report["messages"]


def test_horizontal_by_default(every_block):
    assert every_block.opf.xpath("//opf:spine/@page-progression-direction", namespaces=NS) == []
    assert "vertical-rl" not in every_block.read("EPUB/styles/epub.css").decode()


@pytest.mark.parametrize("option, words", [
    ('vertical = "yes"', 'vertical = "yes": input should be a valid boolean'),
    ("vertcal = true", "unknown key vertcal in [tool.publisher.epub] (did you mean vertical?)")])
def test_bad_epub_options_are_refused(tmp_path, option, words):
    """The house file is refused when read, with the line of the bad option."""
    house = tmp_path / "pyproject.toml"
    house.write_text(f'[tool.publisher]\nstyles = "{STYLES}"\n\n[tool.publisher.epub]\n{option}\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(house)
    [problem] = caught.value.problems
    assert words in problem.message and problem.where == f"{house}:5"
