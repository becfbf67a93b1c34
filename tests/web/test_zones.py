"""Zones from layout records: an article's zone is its lines' and photos' area, gaps inside
it closed, never reaching over another article; its bounding box is its lines' box."""

from __future__ import annotations

from publisher.engine import Glyph, PageLayout, TextLine, TextRun
from publisher.web.zones import page_zones

W, H = 1000.0, 1400.0  # pt


def line(article: str | None, x: float, y: float, w: float, h: float = 13.0) -> TextLine:
    run = TextRun("字" * 3, x, y, w, h, "Noto Serif CJK SC", 9, 400, "normal",
                  (Glyph("字", x, 9.0),), article, "p", None)
    return TextLine(x, y, w, h, (run,))


def column(article: str, x: float, y: float, w: float, lines: int) -> list[TextLine]:
    return [line(article, x, y + 13 * k, w) for k in range(lines)]


def layout(*lines: TextLine) -> PageLayout:
    return PageLayout(0, W, H, tuple(lines), ())


def by_slug(lay: PageLayout):
    return {z.slug: z for z in page_zones(lay)}


def test_an_article_in_a_box_is_a_rectangle_with_its_lines_bounding_box():
    # a centred headline over two text columns, the second shorter, a gap around a photo
    lines = [line("a-one", 120, 100, 160, 24)]
    lines += column("a-one", 50, 130, 140, 10) + column("a-one", 200, 130, 140, 4)
    lines += column("a-one", 200, 300, 140, 2)  # under a photo in column 2 (200–300 is white)
    zone = by_slug(layout(*lines))["one"]
    assert zone.box == (50.0, 100.0, 290.0, 226.0)
    assert zone.path() == "M50.00 100.00 H340.00 V326.00 H50.00Z"


def test_a_zone_steps_around_another_article():
    # 'one': a headline over four columns, text in columns 1-2 only; 'two' under the
    # headline in columns 3-4: one is an L, two a rectangle, and they do not overlap
    lines = [line("a-one", 50, 100, 400, 24)]
    lines += column("a-one", 50, 130, 100, 20) + column("a-one", 160, 130, 100, 20)
    lines += column("a-two", 280, 140, 170, 10)
    zones = by_slug(layout(*lines))
    assert zones["one"].box == (50.0, 100.0, 400.0, 290.0)
    # the white between its headline and the other article is its own, down to its text
    assert zones["one"].path() == "M50.00 100.00 H450.00 V130.00 H260.00 V390.00 H50.00Z"
    assert zones["two"].path() == "M280.00 140.00 H450.00 V270.00 H280.00Z"


def test_page_furniture_and_what_lies_outside_the_trim_make_no_zone():
    lines = [line(None, 50, 20, 900), *column("a-one", 50, 100, 300, 3)]
    lines.append(line("a-one", 50, H + 10, 300))  # the slug line in the marks
    zones = page_zones(layout(*lines))
    assert [z.slug for z in zones] == ["one"]
    assert zones[0].box == (50.0, 100.0, 300.0, 39.0)


def test_an_article_in_two_places_gets_two_outlines():
    # the briefs column cut by another article running across the page between its parts
    lines = column("a-one", 50, 100, 300, 3) + column("a-two", 40, 150, 600, 3)
    lines += column("a-one", 50, 200, 300, 3)
    zone = by_slug(layout(*lines))["one"]
    assert len(zone.outlines) == 2
    assert zone.box == (50.0, 100.0, 300.0, 139.0)


def test_zones_follow_reading_order():
    lines = column("a-b", 50, 100, 100, 2) + column("a-a", 200, 100, 100, 2)
    assert [z.slug for z in page_zones(layout(*lines))] == ["b", "a"]
