"""The EPUB in real reading engines: foliate-js (Foliate's engine, with the stylesheet Foliate
applies to every book) and epub.js in Debian's Chromium, and MuPDF (SumatraPDF, zathura,
Librera). Asserted from the engines themselves: the embedded faces set body, heads and
captions (Chromium's own account of the fonts it drew with; MuPDF's fonts, with the font
programs it embeds when it converts the book to PDF); photos keep their proportions; heads
are centred; brief attributions never break inside a name; the print page list has
numeric, unique labels; nothing is drawn in white; and where calibre is installed, its
conversion for Kindle keeps the photos in proportion. See tests/epub/readers.py."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from publisher.model import Brief, Paragraph, RunStyle, Subhead
from publisher.sources import read_edition

from .readers import (
    LINES_JS,
    PHOTOS_JS,
    Browser,
    Foliate,
    Line,
    calibre_round_trip,
    epubjs_page_list,
    mupdf_images,
    mupdf_lines,
    mupdf_pdf_fonts,
    require,
    unpacked,
)

SONG, HEI, KAI = "Noto Serif CJK SC", "Noto Sans CJK SC", "LXGW WenKai"
FALLBACK = "BabelStone Han"
# What each role's elements are drawn in (styles/base.css, styles/epub.css)
ROLE_OF = {"article > p:not([class]):not(:has(strong))": SONG, "ul.briefs .brief-text": SONG,
           ".headline": HEI, ".subhead .title": HEI,
           ".kicker": KAI, ".subtitle": KAI, ".byline": KAI, "figcaption .caption": KAI}
CENTRED = ".headline, .kicker, .subtitle, .byline"
EDITIONS = ["sample", "every_block"]


@pytest.fixture(scope="module")
def browser():
    require("chromium", "playwright", "foliate-js")
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def books(request, sample_epub, every_block, sample_dir, every_block_dir):
    """name -> (Epub, the edition model)."""
    return {"sample": (sample_epub, read_edition(sample_dir)),
            "every_block": (every_block, read_edition(every_block_dir))}


@pytest.fixture(scope="module")
def foliate(browser, books):
    opened = {}

    def get(name: str) -> Foliate:
        if name not in opened:
            opened[name] = Foliate(browser, books[name][0].data)
        return opened[name]

    return get


def article_hrefs(epub, edition) -> list[str]:
    return [f"EPUB/text/a-{a.slug}.xhtml" for a in edition.articles]


def source_ratios(epub, edition) -> dict[tuple[int, int], float]:
    """The size of each photo as the EPUB stores it -> width / height of the photo as the
    edition has it (the EPUB scales photos down: within half a pixel of the same shape)."""
    sources = {}
    for article in edition.articles:
        for fig in article.figures:
            if fig.image is not None:
                with Image.open(io.BytesIO(fig.image.data)) as im:  # the EPUB names photos by content
                    sources[f"photo-{fig.image.digest[:20]}"] = im.width / im.height
    out = {}
    for href in [n for n in epub.names if n.startswith("EPUB/images/") and "cover" not in n]:
        with Image.open(io.BytesIO(epub.read(href))) as im:
            ratio = sources[href.rsplit("/", 1)[-1].rsplit(".", 1)[0]]
            assert abs(im.width / im.height / ratio - 1) < 0.005, href
            out[im.size] = ratio
    return out


# ---------------------------------------------------------------- foliate-js in Chromium


@pytest.mark.parametrize("name", EDITIONS)
def test_foliate_draws_body_heads_and_captions_in_the_embedded_faces(name, foliate, books):
    epub, edition = books[name]
    reader = foliate(name)
    checked: dict[str, int] = {}
    for href in article_hrefs(epub, edition):
        reader.show(href)
        faces = {(f["family"], f["weight"]): f["status"] for f in reader.font_faces()}
        assert faces[(SONG, "400")] == "loaded", href  # document.fonts: the book's own faces
        for selector, family in ROLE_OF.items():
            if not reader.evaluate("(doc, s) => !!doc.querySelector(s)", selector):
                continue
            fonts = reader.fonts_of(selector)
            assert fonts, (href, selector)
            # isCustomFont: a web font, the book's @font-face; the machine's own Noto CJK
            # (Debian's fonts-noto-cjk) would be drawn as a platform font
            assert all(f["isCustomFont"] for f in fonts), (href, selector, fonts)
            main = max(fonts, key=lambda f: f["glyphCount"])
            assert main["familyName"] == family, (href, selector, fonts)
            assert {f["familyName"] for f in fonts} <= {family, FALLBACK}, (href, selector, fonts)
            checked[selector] = checked.get(selector, 0) + 1
    assert {".headline", "figcaption .caption", ".byline"} <= set(checked)
    assert any(s.startswith("article > p") for s in checked)


@pytest.mark.parametrize("name", EDITIONS)
def test_foliate_keeps_every_photo_in_proportion(name, foliate, books):
    epub, edition = books[name]
    reader = foliate(name)
    ratios = source_ratios(epub, edition)
    seen = 0
    for href in article_hrefs(epub, edition):
        reader.show(href)
        for photo in reader.evaluate(PHOTOS_JS):
            source = ratios[(photo["naturalWidth"], photo["naturalHeight"])]
            assert photo["width"] > 100, photo
            drawn = photo["width"] / photo["height"]
            assert abs(drawn / source - 1) < 0.01, (href, photo, source)
            seen += 1
    assert seen == sum(1 for a in edition.articles for f in a.figures if f.image)


@pytest.mark.parametrize("name", EDITIONS)
def test_foliate_centres_the_heads_and_the_masthead(name, foliate, books):
    """Foliate justifies every p, li and blockquote: display lines are no p, so kicker,
    headline, subtitle, byline and the contents page's masthead stay centred."""
    epub, edition = books[name]
    reader = foliate(name)
    shown = []
    for href, selector in [("EPUB/text/contents.xhtml", ".masthead .paper, .masthead .issue-line")] + \
            [(href, CENTRED) for href in article_hrefs(epub, edition)]:
        reader.show(href)
        for el in reader.evaluate(LINES_JS, selector):
            assert el["lines"], (href, el)
            for line in el["lines"]:
                assert abs(line["before"] - line["after"]) <= 1.5, (href, el["cls"], el["text"], line)
            shown += el["cls"].split()
    assert {"paper", "issue-line", "headline", "subtitle", "byline"} <= set(shown)


@pytest.mark.parametrize("name", EDITIONS)
def test_foliate_draws_section_numbers_in_the_text_colour(name, foliate, books):
    """The subhead's number is a box in the text's own colour: no white text that needs a
    background (night modes and MuPDF drop backgrounds)."""
    _epub, edition = books[name]
    reader = foliate(name)
    seen = 0
    for article in edition.articles:
        if not any(isinstance(b, Subhead) and b.number for b in article.body):
            continue
        reader.show(f"EPUB/text/a-{article.slug}.xhtml")
        for num in reader.evaluate("""doc => [...doc.querySelectorAll('.subhead .num')].map(el => {
                const cs = doc.defaultView.getComputedStyle(el)
                const text = doc.defaultView.getComputedStyle(el.closest('.subhead'))
                return { color: cs.color, text: text.color, background: cs.backgroundColor,
                         border: cs.borderTopStyle } })"""):
            assert num["color"] == num["text"] and num["color"] != "rgb(255, 255, 255)", num
            assert num["background"] == "rgba(0, 0, 0, 0)" and num["border"] == "solid", num
            seen += 1
    assert seen


@pytest.mark.parametrize("name", EDITIONS)
def test_page_list_in_foliate_and_epubjs(name, browser, foliate, books):
    """One entry per 版, labelled with its number, at the 版's own document; epub.js reads
    the labels as numbers (it showed NaN for 第1版)."""
    epub, edition = books[name]
    numbers = [p.number for p in edition.pages]
    expected = [{"label": str(p.number), "href": f"EPUB/text/{p.file_label}.xhtml#page-{p.number}"}
                for p in edition.pages]
    assert foliate(name).page_list == expected
    assert [item["page"] for item in epubjs_page_list(browser, epub.data)] == numbers


def test_brief_attributions_never_break_inside_a_name_in_chromium(browser, sample_epub, sample_dir):
    """The sample's briefs at 41 column widths: every name of every attribution on one line."""
    edition = read_edition(sample_dir)
    briefs = next(a for a in edition.articles if a.kind.value == "briefs")
    page = browser.page(unpacked(sample_epub.data))
    page.goto(f"http://publisher.test/EPUB/text/a-{briefs.slug}.xhtml")
    page.evaluate("document.fonts.ready")
    broken, tried = [], 0
    for width in range(240, 721, 12):
        page.set_viewport_size({"width": width, "height": 900})
        for name in page.evaluate(NAMES_ON_LINES_JS):
            tried += 1
            if name["lines"] > 1:
                broken.append((width, name["name"]))
    assert tried > 41 * 5
    assert broken == []


def test_calibre_keeps_every_photo_in_proportion(browser, sample_epub_file, books, tmp_path):
    """calibre (to AZW3, the usual route to Kindle) flattens the book's CSS onto its own
    classes; with <img width height> and height:auto it made each photo a fixed box that
    max-width squeezed. The converted book, in Chromium at a phone's width."""
    require("ebook-convert")
    epub, edition = books["sample"]
    ratios = source_ratios(epub, edition)
    files = calibre_round_trip(sample_epub_file, tmp_path)
    pages = sorted(n for n, data in files.items() if n.endswith(".html") and b"<img" in data)
    page = browser.page(files, width=420)
    photos = []
    for name in pages:
        page.goto(f"http://publisher.test/{name}")
        page.wait_for_load_state("load")
        photos += page.evaluate(f"() => ({PHOTOS_JS})(document)")
    assert len(photos) == sum(1 for a in edition.articles for f in a.figures if f.image)
    for photo in photos:
        source = ratios[(photo["naturalWidth"], photo["naturalHeight"])]
        assert abs(photo["width"] / photo["height"] / source - 1) < 0.01, photo


# Each attribution's names, found in its text whatever the markup: on how many lines each is.
NAMES_ON_LINES_JS = """() => [...document.querySelectorAll('.attribution')].flatMap(el => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
    const spots = []  // [node, offset] of every character of the attribution's text
    for (let n = walker.nextNode(); n; n = walker.nextNode())
        for (let i = 0; i < n.data.length; i++) spots.push([n, i])
    const text = spots.map(([n, i]) => n.data[i]).join('')
    const names = text.replace(/^（|）$/g, '').split('、')
    let at = text.indexOf(names[0])
    return names.map(name => {
        at = text.indexOf(name, at)
        const range = document.createRange()
        range.setStart(...spots[at])
        range.setEnd(spots[at + name.length - 1][0], spots[at + name.length - 1][1] + 1)
        at += name.length
        const tops = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)))
        return { name, lines: tops.size }
    })
})"""


# ---------------------------------------------------------------- MuPDF


@pytest.fixture(scope="module")
def mupdf_files(sample_epub_file, every_block_file, books, tmp_path_factory):
    """name -> (the EPUB file, the folder it is unpacked in: MuPDF lays out one document of
    it alone, with the book's stylesheet and fonts, as it does inside the book)."""
    require("mutool")
    out = {}
    for name, path in (("sample", sample_epub_file), ("every_block", every_block_file)):
        folder = tmp_path_factory.mktemp(f"unpacked-{name}")
        for file, data in unpacked(books[name][0].data).items():
            (folder / file).parent.mkdir(parents=True, exist_ok=True)
            (folder / file).write_bytes(data)
        out[name] = (path, folder)
    return out


def _embedded(epub) -> dict[str, bytes]:
    """The book's font files by the family and style MuPDF names them with."""
    from fontTools.ttLib import TTFont

    out = {}
    for name in epub.names:
        if name.startswith("EPUB/fonts/"):
            data = epub.read(name)
            names = TTFont(io.BytesIO(data))["name"]
            out[f"{names.getDebugName(1)} {names.getDebugName(2)}"] = data
    return out


def _article(mupdf_files, name: str, slug: str, width: float = 400) -> list[Line]:
    _, folder = mupdf_files[name]
    return [line for page in mupdf_lines(folder / "EPUB" / "text" / f"a-{slug}.xhtml", width)
            for line in page]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", EDITIONS)
def test_mupdf_draws_every_character_in_the_embedded_faces(name, mupdf_files, books, tmp_path):
    """Every character MuPDF draws in the book is in one of the book's own faces (not
    MuPDF's fallback serif and TC face); in each article the body is in the Song, heads in
    the Hei, captions in the Kai; and converted to PDF, the faces MuPDF embeds are the
    book's font files themselves."""
    epub, edition = books[name]
    embedded = _embedded(epub)
    book, _ = mupdf_files[name]
    fonts = {c.font for page in mupdf_lines(book, 400) for line in page for c in line.chars
             if not c.c.isspace()}
    assert fonts <= set(embedded), fonts - set(embedded)
    checked = set()
    for article in edition.articles:
        stream = [c for line in _article(mupdf_files, name, article.slug) for c in line.chars
                  if not c.c.isspace()]
        text = "".join(c.c for c in stream)

        def fonts_of(snippet: str, text=text, stream=stream, slug=article.slug) -> set[str]:
            at = text.find(_squash(snippet))
            assert at >= 0, (slug, snippet)
            return {c.font for c in stream[at:at + len(_squash(snippet))]}

        if article.headline:
            assert fonts_of(article.headline[:6]) <= {f"{HEI} Bold", f"{FALLBACK} Regular"}, article.slug
            checked.add("headline")
        for fig in article.figures:
            assert fonts_of(fig.caption[:8]) == {f"{KAI} Regular"}, article.slug
            checked.add("caption")
        plain = [b for b in article.body if isinstance(b, Paragraph) and b.runs[0].style is RunStyle.PLAIN]
        if plain and not article.dateline:
            assert fonts_of(plain[0].runs[0].text[:8]) == {f"{SONG} Regular"}, article.slug
            checked.add("body")
    assert checked == {"headline", "caption", "body"}
    converted = mupdf_pdf_fonts(book, tmp_path / "mupdf.pdf")
    for family in (f"{SONG} Regular", f"{HEI} Bold", f"{KAI} Regular"):
        assert converted[family] == embedded[family], family


@pytest.mark.parametrize("name", EDITIONS)
def test_mupdf_centres_the_heads(name, mupdf_files, books):
    _epub, edition = books[name]
    heads = 0
    centre = 400 / 2  # MuPDF's page and body margins are the same left and right
    for article in edition.articles:
        lines = _article(mupdf_files, name, article.slug)
        texts = [_squash(t) for t in (article.kicker, article.headline,
                                      article.subtitle and "——" + article.subtitle,
                                      article.byline and not article.dateline and "○" + str(article.byline))
                 if t]
        for line in lines[:12]:
            drawn = [c for c in line.chars if not c.c.isspace()]
            if len(drawn) > 1 and any(_squash(line.text) in t for t in texts):
                assert abs((drawn[0].x0 + drawn[-1].x1) / 2 - centre) < 1.5, (article.slug, line.text)
                heads += 1
    assert heads >= len([a for a in edition.articles if a.headline])


@pytest.mark.parametrize("name", EDITIONS)
def test_mupdf_shows_the_section_numbers_and_the_byline_mark(name, mupdf_files, books):
    """MuPDF drops backgrounds: no text may be white. ○ marks each byline (no ::before there)."""
    _epub, edition = books[name]
    book, _ = mupdf_files[name]
    chars = [c for page in mupdf_lines(book, 400) for line in page for c in line.chars]
    assert not [c.c for c in chars if c.color.lower() in ("#ffffff", "#fff")]
    text = _squash("".join(c.c for c in chars))
    numbers = 0
    for article in edition.articles:
        if article.byline and not article.dateline:
            assert _squash(f"○ {article.byline}") in text, article.slug
        for block in article.body:
            if isinstance(block, Subhead) and block.number:
                assert _squash(f"{block.number} {block.title}") in text, block
                numbers += 1
    assert numbers


@pytest.mark.parametrize("name", EDITIONS)
def test_mupdf_keeps_every_photo_in_proportion(name, mupdf_files, books):
    epub, edition = books[name]
    ratios = source_ratios(epub, edition)
    photos = [i for i in mupdf_images(mupdf_files[name][0], 400) if i["pixels"] in ratios]
    assert len(photos) == sum(1 for a in edition.articles for f in a.figures if f.image)
    for photo in photos:
        (dw, dh) = photo["drawn"]
        assert abs((dw / dh) / ratios[photo["pixels"]] - 1) < 0.01, photo


def test_mupdf_never_breaks_a_brief_attribution_inside_a_name(mupdf_files, books):
    """The sample's briefs at 13 column widths: every name of every attribution on one line."""
    _epub, edition = books["sample"]
    briefs = next(a for a in edition.articles if a.kind.value == "briefs")
    attributions = [b.attribution for b in briefs.body if isinstance(b, Brief) and b.attribution]
    assert attributions
    tried = 0
    for width in range(200, 441, 20):
        lines = _article(mupdf_files, "sample", briefs.slug, width)
        stream = [(c.c, i) for i, line in enumerate(lines) for c in line.chars]
        text = "".join(c for c, _ in stream)
        for names in attributions:
            at = text.find("（" + "、".join(names) + "）")
            assert at >= 0, names
            for name in names:
                start = text.find(name, at)
                assert len({i for _, i in stream[start:start + len(name)]}) == 1, (width, name)
                tried += 1
    assert tried > 13 * 3
