"""Every source file is read once, and the bytes that were checked are what every output gets.

``publish`` reads and checks the edition, then makes every output from the model. Here the
edition's files are swapped right after the reading (``publish``'s progress callback runs
between the two): a photo replaced by another photo or by a link to a secret file outside,
the article rewritten, the whole folder removed. Every output (EPUB, reading PDF, print
pages, archive) must hold what was read, and an audit hook sees no file inside the edition
opened after the reading.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from publisher.publish import publish

FORMATS = ["epub", "pdf", "print", "archive"]
ARTICLE = """+++
headline = "原来的标题"
+++
原来的正文。

![图](images/photo.jpg)
原来的图片说明。
"""
TOML = """[paper]
id = "swap"
name = "测试日报"
publisher = "测试日报社"

[issue]
date = 2019-10-21
number = 1

[[pages]]
number = 1
name = "要闻"
articles = ["one"]
"""


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=90)
    return buf.getvalue()


ORIGINAL = _jpeg((320, 240), (200, 30, 30))  # red, 320 x 240
SWAPPED = _jpeg((400, 300), (30, 200, 30))  # green, 400 x 300


@pytest.fixture
def edition(tmp_path) -> Path:
    folder = tmp_path / "edition"
    (folder / "articles").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "edition.toml").write_text(TOML, "utf-8")
    (folder / "articles" / "one.md").write_text(ARTICLE, "utf-8")
    (folder / "images" / "photo.jpg").write_bytes(ORIGINAL)
    return folder


def _build_swapping(edition: Path, out: Path, swap) -> Path:
    """Build every format; ``swap(edition)`` runs once, right after the edition was read."""
    done: list[str] = []

    def progress(message: str) -> None:
        if message != "reading the edition" and not done:
            done.append(message)
            swap(edition)

    result = publish(edition, out, FORMATS, progress=progress)
    assert done, "the swap never ran"
    return result.files[0].parent


def _pdf_images(path: Path) -> set[tuple[int, int]]:
    with pikepdf.open(path) as pdf:
        return {(pikepdf.PdfImage(raw).width, pikepdf.PdfImage(raw).height)
                for page in pdf.pages for raw in page.get_images().values()
                if isinstance(raw, pikepdf.Stream)}


def _check_original(folder: Path) -> None:
    """Every output holds the photo and text that were read, never the swapped ones."""
    name = folder.name
    with zipfile.ZipFile(folder / f"{name}.epub") as z:
        photos = [n for n in z.namelist() if n.startswith("EPUB/images/photo-")]
        assert len(photos) == 1
        with Image.open(io.BytesIO(z.read(photos[0]))) as im:
            assert im.size == (320, 240)
            r, g, _ = im.convert("RGB").getpixel((160, 120))  # type: ignore[misc]
            assert r > 150 and g < 80, "the EPUB's photo is not the one that was read"
        markup = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml"))
        text = re.sub(r"<[^<>]*>", "", markup)  # the typeset pass wraps letters in spans
        assert "原来的正文" in text and "换掉的正文" not in text
    assert _pdf_images(folder / f"{name}.pdf") == {(320, 240)}
    assert _pdf_images(folder / "print" / "p01.pdf") == {(320, 240)}
    sources = folder / "archive" / "data" / "sources"
    assert (sources / "images" / "photo.jpg").read_bytes() == ORIGINAL
    assert (sources / "articles" / "one.md").read_text("utf-8") == ARTICLE


def test_a_photo_and_an_article_swapped_mid_build_are_not_published(edition, tmp_path):
    def swap(folder: Path) -> None:
        (folder / "images" / "photo.jpg").write_bytes(SWAPPED)
        (folder / "articles" / "one.md").write_text(ARTICLE.replace("原来的正文", "换掉的正文"), "utf-8")

    _check_original(_build_swapping(edition, tmp_path / "out", swap))


def test_a_photo_swapped_for_a_link_to_a_secret_is_not_published(edition, tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(SWAPPED)

    def swap(folder: Path) -> None:
        (folder / "images" / "photo.jpg").unlink()
        (folder / "images" / "photo.jpg").symlink_to(secret)

    _check_original(_build_swapping(edition, tmp_path / "out", swap))


def test_nothing_in_the_edition_is_opened_after_it_was_read(edition, tmp_path):
    """The edition folder removed after the reading: every output is still made, and no
    path inside the edition is opened (an audit hook sees every open of the process)."""
    root = str(edition.resolve())
    opened: list[str] = []
    watching: list[bool] = []

    def hook(event: str, args: tuple) -> None:
        if watching and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
            path = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
            if path.startswith(root):
                opened.append(path)

    sys.addaudithook(hook)  # hooks cannot be removed: ``watching`` switches it off

    def swap(folder: Path) -> None:
        shutil.rmtree(folder)
        watching.append(True)

    try:
        _check_original(_build_swapping(edition, tmp_path / "out", swap))
    finally:
        watching.clear()
    assert not opened, opened


def test_the_audit_hook_sees_an_open(edition):
    """Not vacuous: an open inside the edition is an "open" audit event with its path."""
    seen = []
    active = [True]

    def hook(event: str, args: tuple) -> None:
        if active and event == "open" and args and str(args[0]).startswith(str(edition)):
            seen.append(args[0])

    sys.addaudithook(hook)
    try:
        Image.open(edition / "images" / "photo.jpg").close()
    finally:
        active.clear()
    assert seen
