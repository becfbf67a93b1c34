"""Photos in the EPUB: every img has a text alternative (its alt, else its caption; neither
is a build error), images are re-encoded for screens (long side <= 1600 px, progressive JPEG
or PNG) and sized by the reading system (no width/height attributes), and the cover is the
front 版 as printed, cut to its trim, at least 1600 x 1400 px, reproducibly; a masthead card
when that 版 cannot be printed."""

from __future__ import annotations

import dataclasses
import io
import re

import pytest
from PIL import Image

from publisher.config import load_settings
from publisher.epub import build_epub, cover_image
from publisher.errors import RenderError, SourceError
from publisher.fonts import load_fonts
from publisher.model import Figure
from publisher.sources import read_edition

NS = {"x": "http://www.w3.org/1999/xhtml"}


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_every_img_has_alt_text(which, request):
    epub = request.getfixturevalue(which)
    imgs = [(href, img) for href, doc in epub.content_docs().items()
            for img in doc.xpath("//x:img", namespaces=NS)]
    assert imgs, "the edition has photos"
    for href, img in imgs:
        assert (img.get("alt") or "").strip(), f"{href}: {img.get('src')} has no alt text"


def test_alt_falls_back_to_the_caption(every_block):
    [img] = every_block.doc("text/a-news.xhtml").xpath("//x:img", namespaces=NS)
    assert img.get("alt") == "新开通的K1路公交车驶过人民路。"
    [img] = every_block.doc("text/a-lead.xhtml").xpath("//x:img", namespaces=NS)
    assert img.get("alt") == "基站工人在塔顶检修设备"


def test_a_photo_with_neither_alt_nor_caption_is_refused_by_the_reader(make_edition):
    folder = make_edition({"articles/one.md": "+++\nheadline = \"标题\"\n+++\n正文。\n\n![](images/p.png)\n",
                           "images/p.png": _png()})
    with pytest.raises(SourceError, match="caption"):
        read_edition(folder)


def test_a_photo_without_text_alternative_is_a_build_error(every_block_dir):
    """Even a model that did not come from the reader (an importer) is checked."""
    edition = read_edition(every_block_dir)
    pages = list(edition.pages)
    page = pages[0]
    photo = next(a for a in page.articles if a.slug == "photo")
    fig = photo.figures[0]
    bad = dataclasses.replace(photo, body=(Figure(caption="", image=fig.image, alt=None),))
    pages[0] = dataclasses.replace(page, articles=tuple(bad if a is photo else a for a in page.articles))
    edition = dataclasses.replace(edition, pages=tuple(pages))
    settings = load_settings()
    with pytest.raises(RenderError, match="neither alt text nor a caption"):
        build_epub(edition, settings, load_fonts(settings.fonts_dir))


def test_images_are_reencoded_for_screens(every_block):
    images = {i.get("href"): i.get("media-type") for i in every_block.item("starts-with(@media-type,'image/')")}
    # the cover, and the three photos named by their content (epub.image_name)
    assert len(images) == 4 and "images/cover.jpg" in images
    photos = sorted(h for h in images if h != "images/cover.jpg")
    assert all(re.fullmatch(r"images/photo-[0-9a-f]{20}\.(jpg|png)", h) for h in photos), photos
    assert sorted(h.rsplit(".", 1)[1] for h in photos) == ["jpg", "jpg", "png"]
    for href, media_type in images.items():
        with Image.open(io.BytesIO(every_block.read("EPUB/" + href))) as im:
            if href != "images/cover.jpg":  # the cover: test_cover_is_the_front_page_as_printed
                assert max(im.size) <= 1600, href
            assert Image.MIME[str(im.format)] == media_type
            if im.format == "JPEG":
                assert im.info.get("progressive"), f"{href} is not a progressive JPEG"
            assert "exif" not in im.info
    [img] = every_block.doc("text/a-lead.xhtml").xpath("//x:img", namespaces=NS)  # tower.jpg
    with Image.open(io.BytesIO(every_block.read("EPUB/" + img.get("src").removeprefix("../")))) as im:
        assert im.size == (1600, 1200)  # 2400 x 1800 scaled, proportions kept


@pytest.mark.parametrize("which", ["sample_epub", "every_block"])
def test_photos_carry_no_size_attributes(which, request):
    """calibre's conversion (the usual route to Kindle) turns <img width height> with
    height:auto into a fixed box that max-width squeezes out of shape: the reading system
    sizes the photo from the image and the stylesheet (max-width: 100%; height: auto)."""
    epub = request.getfixturevalue(which)
    imgs = [img for doc in epub.content_docs().values() for img in doc.xpath("//x:img", namespaces=NS)]
    assert imgs
    for img in imgs:
        assert img.get("width") is None and img.get("height") is None, img.get("src")
        assert img.get("style") is None


def test_cover_is_the_front_page_as_printed(sample_epub, sample_epub_alone, sample_build, open_epub):
    """The cover is the print build's front 版, cut to its trim (no bleed, crop marks or
    slug), at least 1600 px long and 1400 px short, the page's proportions: taken from the
    print pages when the build makes them, and the same when the EPUB is built alone."""
    front = (sample_build / "print" / "p01.pdf").read_bytes()
    data = cover_image(front)
    assert data == cover_image(front)  # reproducible
    assert sample_epub.read("EPUB/images/cover.jpg") == data  # built with every format
    assert open_epub(sample_epub_alone).read("EPUB/images/cover.jpg") == data  # --format epub
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG" and im.info.get("progressive")
        assert max(im.size) >= 1600 and min(im.size) >= 1400, im.size
        assert abs(im.width / im.height / (390 / 545) - 1) < 0.002  # the broadsheet trim
        rgb = im.convert("RGB")
        # the trim's corners are paper, not crop marks
        for corner in ((2, 2), (im.width - 3, 2), (2, im.height - 3), (im.width - 3, im.height - 3)):
            pixel = rgb.getpixel(corner)
            assert isinstance(pixel, tuple) and min(pixel) > 230, corner
        # not blank: the front page prints the masthead in red
        px = rgb.resize((200, 280)).tobytes()
        assert sum(1 for i in range(0, len(px), 3) if px[i] > 150 and px[i + 1] < 90) > 20


def test_cover_is_drawn_at_its_size_not_resampled(sample_build, monkeypatch):
    """pdfium's bitmap holds the trim box at the cover's scale and is cut to the size: not
    resampled to it (a Lanczos pass over the whole page cost 0.07-0.08 s of the cover's 0.35
    and blurred it), whatever pypdfium2 rounds."""
    front = (sample_build / "print" / "p01.pdf").read_bytes()

    def resampled(*args, **kwargs):
        raise AssertionError("the cover was resampled to its size")

    monkeypatch.setattr(Image.Image, "resize", resampled)
    with Image.open(io.BytesIO(cover_image(front))) as im:
        assert im.size == (1400, 1957)


def test_cover_size_keeps_the_page_proportions():
    from publisher.epub import cover_size

    assert cover_size(390, 545) == (1400, 1957)  # broadsheet: the short side decides
    assert cover_size(272, 390) == (1400, 2008)  # tabloid
    assert cover_size(1000, 500) == (2800, 1400)  # landscape
    assert cover_size(100, 120) == (1400, 1680)
    w, h = cover_size(148, 210)  # A5
    assert w >= 1400 and h >= 1600


def test_cover_needs_a_page(tmp_path):
    import pikepdf

    empty = io.BytesIO()
    pikepdf.new().save(empty)
    with pytest.raises(RenderError, match="no pages"):
        cover_image(empty.getvalue())
    with pytest.raises(RenderError, match="cannot read"):
        cover_image(b"not a pdf")


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "PNG")
    return buf.getvalue()
