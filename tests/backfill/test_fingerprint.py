"""What "current" means: the input hash moves with any source byte, file name or format
set, the house hash with any style byte or setting (not with where the house lies), and an
output verifies only with its recorded bytes and, in a recorded folder, no other file."""

from __future__ import annotations

import shutil
from pathlib import Path

from publisher.backfill.batch import peek_id, plan
from publisher.config import load_settings
from publisher.fingerprint import house_hash, input_hash, output_hashes, outputs_verify, sources_hash
from tests.conftest import ROOT

from .conftest import archive_sections, write_editions


def test_the_sources_hash_sees_every_byte_and_every_name(tmp_path):
    (folder,) = write_editions(tmp_path, 1)
    first = sources_hash(folder)
    assert sources_hash(shutil.copytree(folder, tmp_path / "moved")) == first  # where it lies: no
    article = folder / "articles" / "two.md"
    article.write_bytes(article.read_bytes() + b"\n")
    assert sources_hash(folder) != first
    article.write_bytes(article.read_bytes()[:-1])
    assert sources_hash(folder) == first
    article.rename(folder / "articles" / "three.md")
    assert sources_hash(folder) != first
    article2 = folder / "articles" / "three.md"
    article2.rename(article)
    (folder / "images").mkdir()
    (folder / "images" / "new.png").write_bytes(b"\x89PNG")
    assert sources_hash(folder) != first


def test_the_input_hash_depends_on_the_format_set_not_its_order():
    a = input_hash("s", "h", "t", ["epub", "pdf"])
    assert a == input_hash("s", "h", "t", ["pdf", "epub", "pdf"])
    assert a != input_hash("s", "h", "t", ["epub", "pdf", "print"])
    assert a != input_hash("s", "h", "t2", ["epub", "pdf"])


def test_the_house_hash_sees_styles_and_settings_not_the_house_location(tmp_path):
    settings = load_settings(ROOT)
    house = tmp_path / "house"
    shutil.copytree(settings.styles_dir, house / "styles")
    (house / "pyproject.toml").write_text(
        f'[tool.publisher]\nfonts = "{settings.fonts_dir}"\n\n[tool.publisher.print]\nmargins = '
        '{ top = 22.0, bottom = 26, inner = 20, outer = 20 }\n'
        f'output_profile = "{settings.output_profile}"\n\n{archive_sections()}', "utf-8")
    moved = load_settings(house / "pyproject.toml")
    assert house_hash(moved) == house_hash(settings)
    phone = moved.model_copy(update={"reading": moved.reading.model_copy(update={"page_size": "phone"})})
    assert house_hash(phone) != house_hash(moved)
    (house / "styles" / "print.css").write_text((house / "styles" / "print.css").read_text() + " ", "utf-8")
    assert house_hash(moved) != house_hash(settings)


def test_outputs_verify_by_content_and_folder_listing(tmp_path):
    out = tmp_path / "out"
    (out / "e" / "archive" / "data").mkdir(parents=True)
    (out / "e" / "e.epub").write_bytes(b"epub")
    (out / "e" / "archive" / "data" / "a.xml").write_bytes(b"<a/>")
    files, folders = output_hashes(out, [out / "e" / "e.epub", out / "e" / "archive"])
    assert set(files) == {"e/e.epub", "e/archive/data/a.xml"} and folders == ["e/archive"]
    assert outputs_verify(out, files, folders) is None
    (out / "e" / "archive" / "data" / "b.xml").write_bytes(b"<b/>")
    assert outputs_verify(out, files, folders) == "e/archive/data/b.xml is not among the recorded outputs"
    (out / "e" / "archive" / "data" / "b.xml").unlink()
    (out / "e" / "e.epub").write_bytes(b"epuB")
    assert outputs_verify(out, files, folders) == "e/e.epub differs from the recorded bytes"
    (out / "e" / "e.epub").unlink()
    assert outputs_verify(out, files, folders) == "e/e.epub is missing"
    assert outputs_verify(out, {}, []) == "no outputs recorded"


def test_editions_are_keyed_by_id_and_a_second_folder_of_one_id_is_refused(tmp_path):
    a, b = write_editions(tmp_path / "editions", 2)
    twin = Path(shutil.copytree(a, tmp_path / "twin"))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "edition.toml").write_text("[paper\n", "utf-8")
    assert peek_id(a) == "test-2019-01-01" and peek_id(broken) is None
    items, failures = plan([a, b, a, twin, broken])
    assert [i.edition for i in items] == ["test-2019-01-01", "test-2019-01-02", str(broken.resolve())]
    assert [(f.edition, f.code) for f in failures] == [(str(twin.resolve()), "duplicate-edition")]
