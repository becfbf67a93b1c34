"""The web edition in a real browser: Debian's Chromium, driven by Playwright, reading the
site served by ``python -m http.server`` on localhost, with every request outside the site
refused (the ``page`` fixture fails a test whose page asked for one).

- every hot zone of every 版 opens its article when clicked, and is reached by the keyboard;
- every zone's rectangle, as the browser lays it out over the page image, matches the union
  of its article's ALTO text blocks in the archive of the same build (IoU >= 0.98);
- axe-core (npm, pinned in package-lock.json) finds no violation on an issue page, a 版
  page, an article page, and the site's other kinds of pages;
- the pages read without a script; with it, a zone shows its article's card;
- Pagefind's index finds 窑咀大桥 and 人才 (Chinese words) in the sample;
- on a phone, the text comes before the page image.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from tests.conftest import ROOT as ROOT_DIR
from tests.web.conftest import serving

AXE = ROOT_DIR / "node_modules" / "axe-core" / "axe.min.js"
ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
METS = "{http://www.loc.gov/METS/}"

PAGES = ["2019/10/21/01/", "2019/10/22/01/", "2019/10/22/02/", "2019/10/24/01/"]


def titles(site: Path, issue: str) -> dict[str, str]:
    record = json.loads((site / issue / "issue.json").read_text("utf-8"))
    return {a["slug"]: a["title"] for a in record["articles"]}


@pytest.mark.parametrize("path", PAGES)
def test_clicking_each_zone_opens_its_article(page, site_url, site, path):
    url = f"{site_url}/{path}"
    page.goto(url)
    slugs = page.eval_on_selector_all("svg.zones a.zone", "zs => zs.map(z => z.dataset.slug)")
    assert slugs, f"no zones on {path}"
    names = titles(site, path[:11])
    for slug in slugs:
        page.goto(url)
        with page.expect_navigation():
            page.locator(f"#z-{slug}").click()
        assert page.url.endswith(f"/{slug}/"), (slug, page.url)
        assert page.inner_text("h1.headline") == names[slug]


def test_every_zone_is_reached_by_the_keyboard_and_opens_its_article(page, site_url):
    page.goto(f"{site_url}/2019/10/22/01/")
    zones = set(page.eval_on_selector_all("svg.zones a.zone", "zs => zs.map(z => z.id)"))
    reached = []
    for _ in range(80):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused in zones:
            reached.append(focused)
        if set(reached) == zones:
            break
    assert set(reached) == zones
    assert reached == page.eval_on_selector_all("svg.zones a.zone", "zs => zs.map(z => z.id)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/{reached[-1][2:]}/")


def alto_boxes(bag: Path, label: str) -> dict[str, tuple[float, float, float, float]]:
    """slug -> the bounding box (x1, y1, x2, y2 in mm10) of its ALTO blocks on 版 ``label``
    (text blocks and photos), the blocks named by the METS's logical structure."""
    alto = etree.parse(str(bag / "data" / "alto" / f"{label}.xml"))
    # its text blocks, and its photos' Illustrations (a zone covers the photo: clicking it
    # opens the article)
    blocks = {b.get("ID"): b for tag in ("TextBlock", "Illustration") for b in alto.iter(f"{ALTO}{tag}")}
    mets = etree.parse(str(bag / "data" / "mets.xml"))
    out = {}
    for div in mets.iter(f"{METS}div"):
        if div.get("TYPE") != "article":
            continue
        slug = div.get("ID").removeprefix("LOG_")
        mine = [blocks[a.get("BEGIN")] for a in div.iter(f"{METS}area")
                if a.get("FILEID") == f"ALTO_{label}"]
        if not mine:
            continue
        x1 = min(float(b.get("HPOS")) for b in mine)
        y1 = min(float(b.get("VPOS")) for b in mine)
        x2 = max(float(b.get("HPOS")) + float(b.get("WIDTH")) for b in mine)
        y2 = max(float(b.get("VPOS")) + float(b.get("HEIGHT")) for b in mine)
        out[slug] = (x1, y1, x2, y2)
    return out


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


@pytest.mark.parametrize("date, label", [("2019-10-21", "p01"), ("2019-10-22", "p01"),
                                          ("2019-10-22", "p02")])
def test_every_zone_matches_its_articles_alto_blocks(browser, builds, date, label):
    """In the browser, over the page image as laid out: each zone's rectangle against the
    union of its article's ALTO blocks (archive of the same build), IoU >= 0.98."""
    out = builds[date]
    expected = alto_boxes(out / "archive", label)
    trim = etree.parse(str(out / "archive" / "data" / "alto" / f"{label}.xml")).find(f".//{ALTO}Page")
    trim_w, trim_h = float(trim.get("WIDTH")), float(trim.get("HEIGHT"))
    with serving(out / "web") as url:
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(f"{url}/{date.replace('-', '/')}/{label[1:]}/")
        image = tab.locator(".page-image .sheet img").bounding_box()
        zones = tab.eval_on_selector_all(
            "svg.zones a.zone", "zs => zs.map(z => { const r = z.getBoundingClientRect(); "
            "return [z.dataset.slug, r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]; })")
        tab.close()
    assert {z[0] for z in zones} == set(expected)
    sx, sy = image["width"] / trim_w, image["height"] / trim_h
    for slug, left, top, right, bottom in zones:
        x1, y1, x2, y2 = expected[slug]
        alto = (image["x"] + x1 * sx, image["y"] + y1 * sy, image["x"] + x2 * sx, image["y"] + y2 * sy)
        assert iou((left, top, right, bottom), alto) >= 0.98, (slug, (left, top, right, bottom), alto)


@pytest.mark.parametrize("path", ["2019/10/22/", "2019/10/22/01/", "2019/10/22/01/jiceng-zhili/",
                                  "2019/10/21/01/yaozui-daqiao/", "", "2019/10/", "2019/",
                                  "search/?q=大桥", "prev/2019/10/21/"])
def test_axe_finds_no_violation(page, site_url, path):
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make test-tools` (npm ci)")
    page.goto(f"{site_url}/{path}")
    page.wait_for_load_state("networkidle")
    if path.startswith("search/"):  # the results are made once Pagefind answered, maybe later
        page.wait_for_selector("#results h2")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert found == []
    assert result["passes"], "axe ran no check"


def test_a_page_reads_and_its_zones_work_without_script(browser, site_url):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{site_url}/2019/10/21/01/")
    assert tab.locator(".articles li").count() == 9
    assert tab.locator("svg.zones a.zone").count() == 9
    with tab.expect_navigation():
        tab.locator("#z-yaozui-daqiao").click()
    assert tab.inner_text("h1.headline") == "窑咀大桥合龙"
    assert "窑咀大桥位于S360省道" in tab.inner_text("article").replace("\u2009", "").replace(" ", "")
    context.close()


def test_a_zone_shows_its_article_on_hover_and_focus(page, site_url):
    page.goto(f"{site_url}/2019/10/21/01/")
    card = page.locator(".sheet .card")
    page.locator("#z-rencai-dasai").hover()
    assert card.is_visible()
    assert "全球高层次人才创新创业大赛" in card.inner_text()
    assert page.locator("#l-rencai-dasai").get_attribute("class") == "is-active"
    page.locator("#z-jiceng-zhili").focus()
    assert "打通基层治理最末端" in card.inner_text()


@pytest.mark.parametrize("word, slug", [("窑咀大桥", "yaozui-daqiao"), ("人才", "rencai-dasai")])
def test_search_finds_chinese_words(page, site_url, word, slug):
    page.goto(f"{site_url}/search/?q={word}")
    page.wait_for_selector("#results h2")  # BROWSER_TIMEOUT (tests/web/conftest.py)
    hits = page.eval_on_selector_all("#results li > a", "as => as.map(a => a.getAttribute('href'))")
    assert f"/2019/10/21/01/{slug}/" in hits
    assert page.locator("#results mark").first.inner_text() in word


def test_on_a_phone_the_text_comes_first(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    tab = context.new_page()
    tab.goto(f"{site_url}/2019/10/21/01/")
    assert tab.locator(".articles").bounding_box()["y"] < tab.locator(".page-image").bounding_box()["y"]
    # the image fits the screen's width and was taken at the web width (1600 w) for 780 px
    box = tab.locator(".sheet img").bounding_box()
    assert box["width"] <= 390
    assert tab.evaluate("document.querySelector('.sheet img').currentSrc").endswith("/page.webp")
    tab.goto(f"{site_url}/2019/10/21/01/jiceng-zhili/")
    assert tab.locator("article").bounding_box()["y"] < tab.locator("aside.on-page").bounding_box()["y"]
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.parametrize("scale, chosen", [(1, "/page.webp"), (2, "/page@2x.jpg")])
def test_a_desktop_takes_the_wide_image_on_a_sharp_screen_only(browser, site_url, scale, chosen):
    """The 版 image at 60 % of a 1400 px window is 840 px: the web width (1600 px) on a 1×
    screen, the wide JPEG (3200 px) on a 2× one; both read by a browser that reads WebP."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=scale)
    tab = context.new_page()
    tab.goto(f"{site_url}/2019/10/21/01/")
    tab.wait_for_function("document.querySelector('.sheet img').complete")
    assert tab.evaluate("document.querySelector('.sheet img').currentSrc").endswith(chosen)
    # decoded (a width descriptor's image reports the width it is laid out at, not its pixels)
    assert tab.evaluate("document.querySelector('.sheet img').naturalWidth") > 0
    context.close()
