"""`publisher build --format web`: an issue as a site of its own, read back from the files.

What a build writes is checked where it lies: every page links only within the site, no
page needs a script, the fonts are subsets of the pinned faces covering what the pages
set, the 版 images are the print pages at the web sizes, the downloads are the build's
files with their sizes, and two builds (a one-issue site, and the issue in a site of three)
give the issue's folder byte for byte.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from lxml import html as lxml_html
from PIL import Image, ImageStat

from publisher.web import images
from publisher.web.webfonts import role_texts

LINK_ATTRIBUTES = ("href", "src", "srcset", "action", "data-pagefind", "data-root")


@pytest.fixture(scope="module")
def web(builds) -> Path:
    return builds["2019-10-21"] / "web"


def pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.html") if "pagefind" not in p.parts)


def test_a_one_issue_site(web):
    for path in ("index.html", "2019/10/21/index.html", "2019/10/21/01/index.html",
                 "2019/10/21/01/yaozui-daqiao/index.html", "2019/10/index.html", "2019/index.html",
                 "search/index.html", "prev/2019/10/21/index.html", "opds/index.xml",
                 "feeds/issues.xml", "pagefind/pagefind.js", "assets/web.css"):
        assert (web / path).is_file(), path
    record = json.loads((web / "2019/10/21/issue.json").read_text("utf-8"))
    assert [a["slug"] for a in record["articles"]] == [
        "jiceng-zhili", "rencai-dasai", "kunlun-xingdong", "mingchu-liangzao", "guanbuqiao-zhenggai",
        "hesheng-minjing", "shuihulu", "yaozui-daqiao", "xiangcheng-jianxun"]


def test_every_link_stays_in_the_site_and_leads_to_a_file(web):
    for page in pages(web):
        doc = lxml_html.fromstring(page.read_bytes())
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for name in LINK_ATTRIBUTES:
                value = el.get(name)
                if value is None or value == "data:,":
                    continue
                for ref in ([v.split()[0] for v in value.split(",")] if name == "srcset" else [value]):
                    assert not re.match(r"^[a-z]+:|^//", ref), (page, ref)
                    target = (page.parent / ref.split("#")[0].split("?")[0]).resolve()
                    if ref.startswith("#"):
                        continue
                    assert target.exists(), (page.relative_to(web), ref)
    for css in web.rglob("*.css"):
        if "pagefind" in css.parts:  # Pagefind's own UI styles (unused here): data: URLs only
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text("utf-8"))
            continue
        for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", css.read_text("utf-8")):
            assert not re.match(r"^[a-z]+:|^//", ref) and (css.parent / ref).is_file(), (css, ref)


def test_no_page_needs_a_script(web):
    for page in pages(web):
        doc = lxml_html.fromstring(page.read_bytes())
        for script in doc.iter("script"):
            assert script.get("src") and not (script.text or "").strip(), page
        for el in doc.iter():
            if isinstance(el.tag, str):
                assert not [a for a in el.attrib if a.startswith("on")], (page, el.tag)
    # the 版 page's zones and list are in the HTML itself
    doc = lxml_html.fromstring((web / "2019/10/21/01/index.html").read_bytes())
    zones = doc.xpath("//svg[@class='zones']/a[@class='zone']")
    assert len(zones) == 9 and all(z.get("href").endswith("/") and z.get("aria-label") for z in zones)


def test_fonts_are_subsets_covering_what_the_pages_set(web):
    from publisher.config import load_settings
    from publisher.fonts import load_fonts

    settings = load_settings()
    fonts = load_fonts(settings.fonts_dir, settings.font_manifest)
    issue = web / "2019/10/21"
    texts = role_texts([p.read_text("utf-8") for p in pages(issue)], fonts)
    css = (issue / "fonts/fonts.css").read_text("utf-8")
    for role in ("song", "hei", "kai"):
        for face in [f for f in fonts.faces if f.role == role]:
            name = f"{role}-{face.weight}.woff"
            assert f'src: url("{name}")' in css and f'font-family: "{face.family}"' in css
            font = TTFont(io.BytesIO((issue / "fonts" / name).read_bytes()))
            assert font.flavor == "woff"
            cmap = font.getBestCmap()
            assert {ord(c) for c in texts[role]} <= set(cmap), role
            assert len(cmap) < 5000  # a subset, not the face (Noto Serif CJK SC maps 65,000+)
    assert "窑" in texts["song"] and "窑" in texts["hei"]  # a headline: 黑 on its page, 宋 in lists


def test_page_images_are_the_print_page_at_the_web_sizes(web, builds):
    folder = web / "2019/10/21/01"
    with Image.open(folder / "page.jpg") as jpeg, Image.open(folder / "page.webp") as webp, \
            Image.open(folder / "page@2x.jpg") as wide, Image.open(folder / "thumb.jpg") as thumb:
        assert (jpeg.format, webp.format, wide.format, thumb.format) == ("JPEG", "WEBP", "JPEG", "JPEG")
        assert jpeg.size == webp.size and jpeg.width == 1600
        assert wide.width == 3200 and abs(wide.height - 2 * jpeg.height) <= 1
        assert thumb.width == images.THUMB_WIDTH
        # the trim's proportions (390 x 545 mm), not the sheet's with bleed and marks
        assert abs(jpeg.height / jpeg.width - 545 / 390) < 0.002
        assert ImageStat.Stat(jpeg.convert("L")).stddev[0] > 20  # a page of text, not a blank
        # the masthead's red at the top left, as printed
        pixel = jpeg.convert("RGB").getpixel((300, 150))
        assert isinstance(pixel, tuple)
        r, g, b = pixel
        assert r > 150 and g < 100 and b < 100


def test_page_images_draw_the_photos_from_their_srgb_pictures(web, editions):
    """The 版 image is the print page with each photo drawn from its sRGB picture where the
    page has its CMYK copy: the same placement, nothing else changed; the sample's neutral
    grey placeholders stay neutral (drawn from the CMYK copies, pdfium's generic CMYK
    conversion tints them blue: about (149, 157, 161))."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from publisher.model import Figure
    from publisher.printing.build import Photo
    from publisher.printing.colour import convert_images
    from publisher.printing.pdfx import image_digest
    from publisher.publish import load

    edition, settings, _, _ = load(editions["2019-10-21"])
    checked = {f.image.path: f.image for p in edition.pages for a in p.articles for f in a.body
               if isinstance(f, Figure) and f.image}
    photos = {image_digest(cmyk): Photo(checked[path], cmyk)
              for path, cmyk in convert_images(edition, settings.output_profile).items()}
    pdf = (web / "2019/10/21/01/xnrb-2019-10-21-xianan-p01.pdf").read_bytes()

    def bitmap(swap: bool):
        document = pdfium.PdfDocument(pdf)
        page = document[0]
        page.set_cropbox(*page.get_trimbox())
        boxes = [obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
        if swap:
            images._in_srgb(page, photos)
        scale = 400 / page.get_width()
        height = page.get_height()
        drawn = page.render(scale=scale).to_pil().convert("RGB")
        # pixels from the trim's top left (the trim's lower left is the origin), a pixel more
        # around for the edges' anti-aliasing
        return drawn, [(int(x0 * scale) - 1, int((height - y1) * scale) - 1, int(x1 * scale) + 2,
                        int((height - y0) * scale) + 2) for x0, y0, x1, y1 in boxes]

    before, boxes = bitmap(False)
    after, _ = bitmap(True)
    assert len(boxes) == 2
    for box in boxes:  # outside the photos, the same pixels; inside, others
        assert before.crop(box).tobytes() != after.crop(box).tobytes()
        before.paste((0, 0, 0), box)
        after.paste((0, 0, 0), box)
    assert before.tobytes() == after.tobytes()
    with Image.open(web / "2019/10/21/01/page.jpg") as jpeg:
        shown = jpeg.convert("RGB")
    for x0, y0, x1, y1 in boxes:
        k = shown.width / 400
        inner = (round((x0 + (x1 - x0) / 5) * k), round((y0 + (y1 - y0) / 5) * k),
                 round((x1 - (x1 - x0) / 5) * k), round((y1 - (y1 - y0) / 5) * k))
        mean = ImageStat.Stat(shown.crop(inner)).mean
        assert max(mean) - min(mean) < 3, mean


def test_a_print_worker_renders_each_page_image_into_the_same_memory_and_the_same_files(web, monkeypatch):
    """In a print worker the bitmap's memory is used again from one 版 to the next, and
    Pillow keeps its freed blocks for the next 版's images: the files are those a new bitmap
    gives, whatever the memory held before (another 版). Elsewhere nothing is kept."""
    import multiprocessing

    from PIL import Image

    spec = images.ImageSpec(400, 80, 0, 82, 60)
    pdf = (web / "2019/10/21/01/xnrb-2019-10-21-xianan-p01.pdf").read_bytes()
    blocks = Image.core.get_blocks_max()
    try:
        Image.core.set_blocks_max(0)
        fresh = images.page_images(pdf, spec)
        assert images._KEPT == []  # not in a worker: nothing kept
        assert Image.core.get_blocks_max() == 0
        monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())
        monkeypatch.setattr(images, "_KEPT", [])
        first = images.page_images(pdf, spec)
        assert Image.core.get_blocks_max() == images.KEPT_BLOCKS
        kept = images._KEPT[0]
        kept[:] = bytes(len(kept))  # black: what another 版 left would be under a page not filled
        assert images.page_images(pdf, spec) == first == fresh
        assert images._KEPT[0] is kept
    finally:
        Image.core.set_blocks_max(blocks)


def test_downloads_are_the_builds_files_with_their_sizes(web, builds):
    out = builds["2019-10-21"]
    record = json.loads((web / "2019/10/21/issue.json").read_text("utf-8"))
    by_kind = {d["kind"]: d for d in record["downloads"]}
    assert set(by_kind) == {"epub", "pdf", "phone", "page"}
    for kind, name in (("epub", ".epub"), ("pdf", ".pdf"), ("phone", "-phone.pdf")):
        built = (out / f"xnrb-2019-10-21-xianan{name}").read_bytes()
        assert (web / "2019/10/21" / by_kind[kind]["href"]).read_bytes() == built
        assert by_kind[kind]["size"] == len(built)
    with pikepdf.open(web / "2019/10/21" / by_kind["phone"]["href"]) as pdf:
        width, height = (float(v) for v in pdf.pages[0].MediaBox[2:])
        assert round(width / 72 * 25.4) == 90 and round(height / 72 * 25.4) == 160
    page = by_kind["page"]
    assert page["href"] == "01/xnrb-2019-10-21-xianan-p01.pdf" and page["title"] == "第1版 咸安新闻"
    issue_page = (web / "2019/10/21/index.html").read_text("utf-8")
    assert "电子书（EPUB）" in issue_page and "阅读版 PDF（手机）" in issue_page


def test_the_issue_folder_is_the_same_in_a_one_issue_site_and_in_a_site(web, site):
    """Two runs (a build of the issue alone, and the site of three), the same bytes: only
    the record's note of the inputs differs."""
    mine = {p.relative_to(web).as_posix(): p.read_bytes() for p in (web / "2019/10/21").rglob("*") if p.is_file()}
    theirs = {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "2019/10/21").rglob("*") if p.is_file()}
    assert set(mine) == set(theirs)
    differ = sorted(p for p in mine if mine[p] != theirs[p])
    assert differ == ["2019/10/21/issue.json"]


def test_a_jump_is_linked_across_pages(site):
    first = (site / "2019/10/22/01/index.html").read_text("utf-8")
    second = (site / "2019/10/22/02/index.html").read_text("utf-8")
    assert "（下转第2版）" in first
    assert re.search(r'<li id="l-jiceng-zhili"[^>]*><a href="../01/jiceng-zhili/">.*（上接第1版）', second)
    assert 'id="z-jiceng-zhili"' in first and 'id="z-jiceng-zhili"' in second
    article = (site / "2019/10/22/01/jiceng-zhili/index.html").read_text("utf-8")
    assert "本文刊于第1版，下转第2版。" in article
    assert article.count('class="zone is-active"') == 2  # both parts shown on their 版


def test_page_images_are_made_by_the_print_build_and_kept_with_its_pages(editions, tmp_path, monkeypatch):
    """The print worker that rendered a 版 makes its images from the page it has (the same
    images as from the 版's print PDF) and its zones from the layout it recorded (the same
    zones as from the archive's record); an unchanged 版 brings them back from the page cache
    without a render; other image settings image the cached page again, still no render."""
    from publisher import printing
    from publisher.printing.build import Derive, build_print
    from publisher.publish import load
    from publisher.web.zones import page_zones

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path))
    edition, settings, fonts, _ = load(editions["2019-10-21"])  # one 版: rendered in this process
    rendered, imaged, given = [], [], []
    render = printing.build._render
    monkeypatch.setattr(printing.build, "_render", lambda work: rendered.append(1) or render(work))
    web = images.derive(settings.web)

    def make(pdf, layout, photos):
        imaged.append(pdf)
        given.append(photos)
        return web.make(pdf, layout, photos)

    counted = Derive(web.key, make, layout=True)
    first = build_print(edition, settings, fonts, layout=True, derive=counted)
    assert (len(rendered), len(imaged)) == (1, 1)
    made = images.from_files(first.derived[0])
    assert made == images.page_images(first.pages["p01"], images.ImageSpec.of(settings.web), given[0])
    zones = images.zones_of(first.derived[0])
    assert zones and zones == page_zones(first.layouts[0])
    assert images.trim_of(first.derived[0]) == (first.layouts[0].width, first.layouts[0].height)
    again = build_print(edition, settings, fonts, layout=True, derive=counted)
    assert (len(rendered), len(imaged)) == (1, 1) and again.derived == first.derived
    other = Derive(images.derive(settings.web.model_copy(update={"webp_quality": 70})).key, make,
                   layout=True)
    build_print(edition, settings, fonts, layout=True, derive=other)
    assert (len(rendered), len(imaged)) == (1, 2) and imaged[1] == imaged[0]
    # the web edition alone: the record is made for the zones, not returned, and the page
    # and its files are those the archive's build left in the cache (no render)
    alone = build_print(edition, settings, fonts, derive=counted)
    assert alone.layouts == () and alone.derived == first.derived and len(rendered) == 1


def test_the_web_edition_alone_keeps_no_layout_record_and_renders_again_for_one(editions, tmp_path,
                                                                                 monkeypatch):
    """Built without the archive, the web edition has its zones made from the record and
    keeps only them: when its images must be made again (other settings), the 版 is
    rendered again for its record; once the archive left the record in the cache, not."""
    from publisher import printing
    from publisher.printing.build import build_print
    from publisher.publish import load

    monkeypatch.setenv("PUBLISHER_CACHE", str(tmp_path))
    edition, settings, fonts, _ = load(editions["2019-10-21"])
    rendered = []
    render = printing.build._render
    monkeypatch.setattr(printing.build, "_render", lambda work: rendered.append(1) or render(work))

    def web(quality):
        return images.derive(settings.web.model_copy(update={"webp_quality": quality}))

    alone = build_print(edition, settings, fonts, derive=web(80))
    assert len(rendered) == 1 and alone.layouts == ()
    assert build_print(edition, settings, fonts, derive=web(80)).derived == alone.derived
    assert len(rendered) == 1
    other = build_print(edition, settings, fonts, derive=web(70))
    assert len(rendered) == 2 and images.zones_of(other.derived[0]) == images.zones_of(alone.derived[0])
    archived = build_print(edition, settings, fonts, layout=True)  # the web left no record
    assert len(rendered) == 3 and archived.pages == alone.pages
    third = build_print(edition, settings, fonts, derive=web(60))  # the archive's record
    assert len(rendered) == 3
    assert images.zones_of(third.derived[0]) == images.zones_of(alone.derived[0])


def test_a_kepub_the_build_wrote_is_offered_too(editions):
    """The kepub, where the same build wrote it, is a download with its size and Kobo's type."""
    from types import SimpleNamespace
    from typing import cast

    from publisher.config import load_settings
    from publisher.errors import Problems
    from publisher.formats import kepub_file, print_page_file
    from publisher.printing.build import PrintResult
    from publisher.sources import read_edition
    from publisher.web.build import _downloads

    edition = read_edition(editions["2019-10-21"], Problems())
    label = edition.pages[0].file_label
    built = {kepub_file(edition.id): b"kepub bytes", print_page_file(label): b"%PDF"}
    files: dict[str, bytes] = {}
    printed = cast(PrintResult, SimpleNamespace(pages={label: b"%PDF"}))  # only its pages are read
    got = _downloads(edition, load_settings(), printed, built, files, "2019/10/21/")
    (kepub,) = [d for d in got if d.kind == "kepub"]
    assert (kepub.href, kepub.type, kepub.size) == ("xnrb-2019-10-21-xianan.kepub.epub", "application/kepub+zip", 11)
    assert files["2019/10/21/xnrb-2019-10-21-xianan.kepub.epub"] == b"kepub bytes"
    assert [d.kind for d in got] == ["kepub", "page"]  # nothing the build did not write
