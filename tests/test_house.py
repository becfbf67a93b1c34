"""The house: strict settings (every unknown section or key an error with its line and the
nearest known name), strict paper files, and the search rule that keeps the house trusted
and named (--house, $PUBLISHER_HOUSE, the working directory, the default house; never an
edition folder or its parents; one house per batch)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publisher import config
from publisher.cli import app
from publisher.config import HOUSE_ENV, default_house_file, find_house, load_settings
from publisher.epub import reader_css
from publisher.errors import ConfigError
from publisher.tomlfile import key_lines

ROOT = Path(__file__).resolve().parent.parent
STYLES = ROOT / "styles"
FONTS = ROOT / "fonts"

EVIL_URL = "https://evil.example/track.css"
EVIL_MARK = "rgb(1, 2, 3)"

NEXT_DAY = """\
[paper]
id = "test"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-10-22
number = 101

[[pages]]
number = 1
name = "要闻"
articles = ["one"]
"""


def house_file(folder: Path, body: str = "", styles: Path = STYLES, fonts: Path = FONTS) -> Path:
    """A house file in ``folder`` using this repository's styles and fonts, plus ``body``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(f'[tool.publisher]\nstyles = "{styles}"\nfonts = "{fonts}"\n{body}', "utf-8")
    return path


def problems_of(path: Path) -> list:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return caught.value.problems


@pytest.fixture
def no_env(monkeypatch):
    """The search rule as a user meets it: no $PUBLISHER_HOUSE (conftest sets it)."""
    monkeypatch.delenv(HOUSE_ENV, raising=False)


# ---------------------------------------------------------------- strict settings


def test_a_misspelt_section_is_an_error_with_its_line_and_did_you_mean(tmp_path):
    path = house_file(tmp_path, "\n[tool.publisher.prnt]\nbleed = 3\n")
    [problem] = problems_of(path)
    assert problem.code == "config" and problem.where == f"{path}:5"
    assert problem.message == "unknown section [tool.publisher.prnt] (did you mean print?)"
    assert "archive, epub, makeup, outputs, print, reading, typography" in problem.hint


def test_every_problem_of_the_file_is_reported_together_in_line_order(tmp_path):
    path = house_file(tmp_path, """\
lunar_dat = true

[tool.publisher.typography]
cjk_latin_spacing = "half"

[tool.publisher.print]
bleed = 30
margins = { top = 22, botom = 26 }
trim_size = [390, "wide"]
columns = 8.0
slug = "yes"

[tool.publisher.epub]
vertcal = true
""")
    found = [(p.line, p.message) for p in problems_of(path)]
    assert found == [
        (4, "unknown key lunar_dat in [tool.publisher] (did you mean lunar_date in [tool.publisher.print]?)"),
        (7, "[tool.publisher.typography] cjk_latin_spacing = \"half\": input should be 'off', 'eighth' or 'quarter'"),
        (10, "[tool.publisher.print] bleed = 30: input should be less than or equal to 10"),
        (11, "unknown key botom in [tool.publisher.print.margins] (did you mean bottom?)"),
        (12, "[tool.publisher.print] trim_size[1] = \"wide\": input should be a valid number"),
        (13, "[tool.publisher.print] columns = 8.0: input should be a valid integer"),
        (14, "[tool.publisher.print] slug = \"yes\": input should be a valid boolean"),
        (17, "unknown key vertcal in [tool.publisher.epub] (did you mean vertical?)"),
    ]


def test_what_publisher_sets_itself_cannot_be_set(tmp_path):
    [problem] = problems_of(house_file(tmp_path, 'root = "/etc"\n'))
    assert problem.line == 4 and "unknown key root" in problem.message


def test_the_cli_prints_the_problems_and_writes_nothing(tmp_path, make_edition):
    path = house_file(tmp_path / "house", "\n[tool.publisher.prnt]\nbleed = 3\n")
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["build", str(make_edition()), "--out", str(out), "--house", str(path)])
    assert run.exit_code == 1
    assert (f"{path}:5: error[config]: unknown section [tool.publisher.prnt] (did you mean print?)"
            in run.output)
    assert "nothing was written" in run.output and not out.exists()


def test_syntax_errors_missing_folders_and_a_missing_table_are_reported(tmp_path):
    broken = tmp_path / "a" / "pyproject.toml"
    broken.parent.mkdir()
    broken.write_text('[tool.publisher]\nstyles = "styles\n', "utf-8")
    [problem] = problems_of(broken)
    assert problem.line == 2 and problem.message.startswith("invalid TOML")
    [problem] = problems_of(house_file(tmp_path / "b", styles=tmp_path / "nowhere"))
    assert problem.line == 2 and "styles folder" in problem.message
    other = tmp_path / "c" / "pyproject.toml"
    other.parent.mkdir()
    other.write_text('[project]\nname = "x"\n', "utf-8")
    [problem] = problems_of(other)
    assert problem.message == "no [tool.publisher] table in the file"


@pytest.mark.parametrize("house", [ROOT / "pyproject.toml", default_house_file()], ids=["repository", "default"])
def test_the_shipped_houses_are_valid(house):
    settings = load_settings(house)
    assert settings.styles_dir.is_dir() and settings.font_manifest.is_file()


def test_key_lines_follow_the_structure_of_toml():
    text = '''\
# [not.a.table] in a comment
title = """
key = "inside a string" ]
"""
"quoted.key" = 1
a.b.c = 'x = y'

[[face]]
file = "one"

[[face]]
file = "two"   # a comment with = and [
ranges = [
  "U+1",
  { lo = 1, hi = 2 },
]

[tool.publisher.print]
margins = { top = 22, bottom = { x = 1 } }
'''
    lines = key_lines(text)
    assert lines[("title",)] == 2 and lines[("quoted.key",)] == 5 and lines[("a", "b", "c")] == 6
    assert lines[("face", 0, "file")] == 9 and lines[("face", 1, "file")] == 12
    assert lines[("face", 1, "ranges", 1, "hi")] == 15
    assert lines[("tool", "publisher", "print", "margins", "bottom", "x")] == 19
    assert ("key",) not in lines and ("not",) not in lines


# ---------------------------------------------------------------- paper files


def test_a_paper_file_is_strict(tmp_path):
    from publisher.papers import read_paper_file

    path = tmp_path / "xnrb.toml"
    path.write_text('[paper]\nid = "xnrb"\nnmae = "咸宁日报"\npublisher = "咸宁日报社"\n\n'
                    '[edition]\nname = "咸安"\n\n[papr]\ncn = "42-0000"\n\n[issue]\nnumber = 8216\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        read_paper_file(path)
    found = [(p.line, p.code, p.message) for p in caught.value.problems]
    assert found == [(1, "paper", "missing key name in [paper]"),
                     (3, "paper", "unknown key nmae in [paper] (did you mean name?)"),
                     (6, "paper", "missing key code in [edition]"),
                     (9, "paper", "unknown section [papr] (did you mean paper?)"),
                     (12, "paper", "unknown section [issue]")]  # the number is --number


def test_a_paper_name_is_the_house_paper_file(tmp_path):
    from publisher.sources import read_edition
    from publisher.sources.importers import run_import

    house = house_file(tmp_path / "house", 'papers = "papers"\n')
    papers = house.parent / "papers"
    papers.mkdir()
    (papers / "xnrb.toml").write_text('[paper]\nid = "xnrb"\nname = "咸宁日报"\npublisher = "咸宁日报社"\n',
                                      "utf-8")
    copy = tmp_path / "page.txt"
    copy.write_text("# 标题\n\n本报讯 正文。\n", "utf-8")
    run_import("text", copy, out=tmp_path / "ed", date="2019-10-21", paper="xnrb",
               settings=load_settings(house))
    assert read_edition(tmp_path / "ed").paper.name == "咸宁日报"


# ---------------------------------------------------------------- the search rule


def test_house_option_wins_over_the_environment_and_the_working_directory(tmp_path, monkeypatch):
    named = house_file(tmp_path / "named")
    monkeypatch.setenv(HOUSE_ENV, str(house_file(tmp_path / "env")))
    monkeypatch.chdir(house_file(tmp_path / "cwd").parent)
    assert find_house(named) == (named, "--house")
    assert find_house(named.parent) == (named, "--house")  # a folder: its pyproject.toml
    assert find_house() == (tmp_path / "env" / "pyproject.toml", "$PUBLISHER_HOUSE")


def test_the_working_directory_and_its_parents_then_the_default_house(tmp_path, monkeypatch, no_env):
    house = house_file(tmp_path / "newsroom")
    deep = tmp_path / "newsroom" / "desk" / "today"
    deep.mkdir(parents=True)
    (deep.parent / "pyproject.toml").write_text('[project]\nname = "not-a-house"\n', "utf-8")
    monkeypatch.chdir(deep)
    assert find_house() == (house, "found from the working directory")
    monkeypatch.chdir(tmp_path)
    assert find_house() == (default_house_file(), "the default house")


def test_a_named_house_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no house file here"):
        find_house(tmp_path / "missing.toml")


def evil_edition(make_edition, name: str = "evil") -> Path:
    """An edition that brings a house of its own: settings, styles with a remote @import and a
    marker colour, vertical EPUB; and its parent folder holds another such house."""
    edition = make_edition(name=name)
    for folder in (edition, edition.parent):
        styles = folder / "styles"
        styles.mkdir(exist_ok=True)
        for css in STYLES.glob("*.css"):
            (styles / css.name).write_text(f'@import url("{EVIL_URL}");\n{css.read_text("utf-8")}\n'
                                           f"body {{ color: {EVIL_MARK} }}\n", "utf-8")
        house_file(folder, "\n[tool.publisher.epub]\nvertical = true\n", styles=styles)
    return edition


def epub_of(out: Path, edition_id: str = "test-2019-10-21") -> tuple[str, str]:
    with zipfile.ZipFile(out / edition_id / f"{edition_id}.epub") as z:
        return z.read("EPUB/styles/epub.css").decode(), z.read("EPUB/content.opf").decode()


def assert_house_css(out: Path, edition_id: str = "test-2019-10-21") -> None:
    css, opf = epub_of(out, edition_id)
    assert EVIL_URL not in css and EVIL_MARK not in css and "@import" not in css
    assert reader_css((STYLES / "epub.css").read_text("utf-8")) in css  # the named house's rules
    assert 'page-progression-direction="rtl"' not in opf


def test_an_edition_with_its_own_house_is_built_with_the_named_house(make_edition, tmp_path, monkeypatch, no_env):
    edition = evil_edition(make_edition)
    newsroom = house_file(tmp_path / "newsroom")
    monkeypatch.chdir(newsroom.parent)
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["build", str(edition), "--out", str(out), "-f", "epub", "-f", "pdf"])
    assert run.exit_code == 0, run.output
    assert_house_css(out)


def test_house_option_wins_even_inside_an_edition(make_edition, tmp_path, monkeypatch, no_env):
    edition = evil_edition(make_edition)
    newsroom = house_file(tmp_path / "newsroom")
    monkeypatch.chdir(edition)
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["build", ".", "--out", str(out), "-f", "epub", "--house", str(newsroom)])
    assert run.exit_code == 0, run.output
    assert_house_css(out)


def test_a_house_found_inside_the_edition_is_refused(make_edition, tmp_path, monkeypatch, no_env):
    """Run from inside an edition that holds a house file: refused, not used."""
    edition = evil_edition(make_edition)
    monkeypatch.chdir(edition / "articles")
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["build", str(edition), "--out", str(out), "-f", "epub"])
    assert run.exit_code == 1
    assert "error[house-in-edition]" in run.output and "SECURITY.md" in run.output
    assert not out.exists()
    named = CliRunner().invoke(app, ["check", str(edition), "--house", str(edition / "pyproject.toml")])
    assert named.exit_code == 1 and "error[house-in-edition]" in named.output


def test_a_batch_builds_every_edition_with_the_one_house_read_once(make_edition, tmp_path, monkeypatch, no_env):
    evil = evil_edition(make_edition)
    plain = make_edition(name="plain", toml=NEXT_DAY)
    newsroom = house_file(tmp_path / "newsroom")
    monkeypatch.chdir(newsroom.parent)
    reads = []
    real = config.read_toml
    monkeypatch.setattr(config, "read_toml", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["build", str(evil), str(plain), "--out", str(out), "-f", "epub"])
    assert run.exit_code == 0, run.output
    assert "2 built, 0 skipped (already built), 0 failed" in run.output
    assert reads == [newsroom]
    assert_house_css(out, "test-2019-10-21")
    assert_house_css(out, "test-2019-10-22")


def test_publisher_house_says_which_house_and_why(tmp_path):
    named = house_file(tmp_path / "named")
    run = CliRunner().invoke(app, ["house", "--house", str(named)])
    assert run.exit_code == 0, run.output
    assert f"house file  {named} (--house)" in run.output
    assert f"styles      {STYLES}" in run.output and f"fonts       {FONTS}" in run.output


def test_the_font_manifest_is_strict_too(tmp_path):
    """A misspelt key of fonts.toml (unicode_rang) would silently lift the fallback's limit."""
    from publisher.fonts import read_manifest

    text = (FONTS / "fonts.toml").read_text("utf-8")
    (tmp_path / "fonts.toml").write_text(text.replace("unicode_range =", "unicode_rang ="), "utf-8")
    with pytest.raises(ConfigError) as caught:
        read_manifest(tmp_path)
    [problem] = caught.value.problems
    assert problem.code == "fonts"
    assert problem.message == "unknown key unicode_rang in [face] (did you mean unicode_range?)"
    assert problem.line == text[:text.index("unicode_range =")].count("\n") + 1


@pytest.mark.parametrize("command", [["build"], ["archive"], ["check"], ["preflight"], ["house"],
                                     ["fonts", "install"], ["fonts", "verify"],
                                     ["import", "text"], ["import", "json"]])
def test_every_command_that_reads_the_house_takes_house(command):
    run = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert run.exit_code == 0 and "--house" in run.output


def test_preflight_reports_a_broken_house_instead_of_guessing(tmp_path):
    path = house_file(tmp_path, "\n[tool.publisher.print]\nink_limt = 240\n")
    pdf = tmp_path / "any.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    run = CliRunner().invoke(app, ["preflight", str(pdf), "--house", str(path)])
    assert run.exit_code == 1
    assert (f"{path}:6: error[config]: unknown key ink_limt in [tool.publisher.print] "
            "(did you mean ink_limit?)") in run.output


def test_a_css_declaration_weasyprint_ignores_stops_the_build(make_edition, tmp_path):
    """WeasyPrint's warnings are errors: a misspelt property in a house stylesheet (which
    WeasyPrint only logs) is error[render] naming it, and nothing is written."""
    styles = tmp_path / "styles"
    styles.mkdir()
    for css in STYLES.glob("*.css"):
        (styles / css.name).write_text(css.read_text("utf-8"), "utf-8")
    with open(styles / "reading.css", "a", encoding="utf-8") as f:
        f.write("\n.headline { font-wieght: 700 }\n")
    house = house_file(tmp_path / "house", styles=styles)
    out = tmp_path / "out"
    run = CliRunner().invoke(app, ["build", str(make_edition()), "--out", str(out), "-f", "pdf",
                                   "--house", str(house)])
    assert run.exit_code == 1, run.output
    assert "error[render]" in run.output and "font-wieght" in run.output
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*.pdf"))
