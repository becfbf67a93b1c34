"""The installed tool works outside the checkout: the wheel carries the templates, the styles
and the default house; in a fresh virtual environment, from a folder that is not the
checkout, ``publisher fonts install`` then ``publisher build`` of a copied edition writes a
valid EPUB and reading PDF, byte-identical to what the checkout builds with its own house.

The cost is one wheel build (~7 s), one fresh venv with the dependencies from the machine's
configured indexes (~30 s) and one build of the sample (~4 s)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from publisher.config import HOUSE_ENV

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"
ID = SAMPLE.name

pytestmark = pytest.mark.slow


def run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, f"{args}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def wheel_source(dst: Path) -> Path:
    """What a wheel is built from, copied (a build writes build/ and *.egg-info beside it):
    the package with its links into the house, and the styles, profiles, paper files, feed
    mappings and font manifest they point at. The links stay links, as in git."""
    dst.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dst / name)
    shutil.copytree(ROOT / "publisher", dst / "publisher", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "styles", dst / "styles")
    # the other folders the default house links to: the print output profile (the print
    # pages, and so the EPUB's cover, need it), the paper files and the feed mappings
    for folder in ("profiles", "papers", "mappings"):
        shutil.copytree(ROOT / folder, dst / folder)
    (dst / "fonts").mkdir()
    shutil.copy2(ROOT / "fonts" / "fonts.toml", dst / "fonts" / "fonts.toml")
    return dst


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A wheel built from the checkout, installed into a fresh venv outside it."""
    base = tmp_path_factory.mktemp("wheel")
    src = wheel_source(base / "src")
    build = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                 "-w", base / "dist", src], cwd=base)
    [wheel] = (base / "dist").glob("publisher-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", venv], cwd=base)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel],
        cwd=base)
    env = {k: v for k, v in os.environ.items() if k != HOUSE_ENV and not k.startswith("PYTHON")}
    env.update(HOME=str(base / "home"), XDG_DATA_HOME=str(base / "data"), XDG_CACHE_HOME=str(base / "cache"))
    return {"base": base, "wheel": wheel, "tool": venv / "bin" / "publisher", "env": env,
            "build_log": build.stdout + build.stderr}


def test_the_wheel_carries_templates_styles_and_the_default_house(installed):
    with zipfile.ZipFile(installed["wheel"]) as z:
        names = set(z.namelist())
        for css in (ROOT / "styles").glob("*.css"):
            assert z.read(f"publisher/house/styles/{css.name}") == css.read_bytes()
        assert z.read("publisher/house/fonts.toml") == (ROOT / "fonts" / "fonts.toml").read_bytes()
    assert "publisher/house/house.toml" in names
    assert {"publisher/templates/epub/article.xhtml.j2", "publisher/templates/reading/edition.html.j2",
            "publisher/templates/print/page.html.j2", "publisher/templates/web/page.html.j2",
            "publisher/templates/web/assets/web.js", "publisher/templates/web/assets/search.js"} <= names
    assert not any(n.endswith((".ttc", ".ttf", ".otf")) for n in names)  # fonts come from Debian
    assert "deprecat" not in installed["build_log"].lower()  # e.g. the project.license table form


def test_installed_tool_builds_a_copied_edition_from_another_folder(installed, tmp_path):
    from publisher.check import run_epubcheck
    from publisher.publish import publish

    tool, env = installed["tool"], installed["env"]
    edition = shutil.copytree(SAMPLE, tmp_path / "editions" / ID)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    house = run([tool, "house"], cwd=elsewhere, env=env).stdout
    assert "(the default house)" in house and "site-packages" in house and str(ROOT) not in house
    fonts = run([tool, "fonts", "install"], cwd=elsewhere, env=env).stdout
    assert str(installed["base"] / "data" / "publisher" / "fonts") in " ".join(fonts.split())
    run([tool, "build", edition, "--out", tmp_path / "out"], cwd=elsewhere, env=env)

    epub = tmp_path / "out" / ID / f"{ID}.epub"
    pdf = tmp_path / "out" / ID / f"{ID}.pdf"
    verdict = run_epubcheck(epub)
    assert verdict.clean, verdict.messages
    import pikepdf
    import pypdfium2

    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) > 1 and "/StructTreeRoot" in doc.Root
    text = "".join(page.get_textpage().get_text_range() for page in pypdfium2.PdfDocument(pdf))
    assert "咸安" in text

    # the checkout, with this repository's house, builds the very same bytes
    mine = publish(edition, tmp_path / "checkout")
    for path in mine.files:
        assert path.read_bytes() == (tmp_path / "out" / ID / path.name).read_bytes(), path.name
