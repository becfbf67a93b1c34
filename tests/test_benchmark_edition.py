"""benchmarks/make_big_edition.py: an edition of its own, and with --distinct copy of its own
on every 版, the same every run, about the sample's size, in characters the sample uses."""

from __future__ import annotations

import re
from pathlib import Path

from publisher.sources import read_edition
from tests.conftest import ROOT, big_edition_module

SAMPLE = ROOT / "editions" / "xnrb-2019-10-21-xianan"


def _bodies(folder: Path, page: int) -> dict[str, str]:
    return {p.name[4:]: p.read_text("utf-8").partition("\n+++\n")[2]
            for p in sorted((folder / "articles").glob(f"p{page:02d}-*.md"))}


def test_the_big_edition_is_an_edition_of_its_own(tmp_path):
    module = big_edition_module()
    ed = read_edition(module.make(tmp_path / "ed", pages=2))
    assert ed.id == module.EDITION_ID != read_edition(SAMPLE).id
    # by default every 版 repeats the sample's copy
    assert _bodies(tmp_path / "ed", 1) == _bodies(tmp_path / "ed", 2)


def test_distinct_copy_is_its_own_on_every_page_and_the_same_every_run(tmp_path):
    module = big_edition_module()
    one = module.make(tmp_path / "one", pages=3, distinct_copy=True)
    two = module.make(tmp_path / "two", pages=3, distinct_copy=True)
    files = sorted(p.relative_to(one) for p in one.rglob("*.md"))
    assert files == sorted(p.relative_to(two) for p in two.rglob("*.md"))
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)  # seeded
    pages = [_bodies(one, n) for n in (1, 2, 3)]
    sample = {p.name: p.read_text("utf-8").partition("\n+++\n")[2] for p in (SAMPLE / "articles").glob("*.md")}
    assert pages[0] == sample  # the first 版 is the sample's
    sample_chars = set("".join(sample.values()))
    for page in pages[1:]:
        for slug, body in page.items():
            assert body != sample[slug] and body not in (p[slug] for p in pages if p is not page)
            assert abs(len(body) - len(sample[slug])) <= 0.01 * len(sample[slug])
            assert set(body) <= sample_chars | {"。"}
            # images and the briefs' senders as they were
            assert re.findall(r"!\[.*\]\(.*\)|（[^（）]*）$", body, re.M) == re.findall(
                r"!\[.*\]\(.*\)|（[^（）]*）$", sample[slug], re.M)
    ed = read_edition(one)
    assert len(ed.pages) == 3 and len({a.headline for a in ed.articles if a.headline}) > 9


def test_a_photo_linked_from_several_articles_is_checked_once(tmp_path, monkeypatch):
    """Reading an edition decodes each photo's bytes once however many articles link it
    (the big edition repeats the sample's two photos on every 版), and every link gets the
    same measured photo."""
    import publisher.sources.edition as edition_module

    checked: list[int] = []
    check = edition_module.check_image

    def counted(data, name):
        checked.append(len(data))
        return check(data, name)

    monkeypatch.setattr(edition_module, "check_image", counted)
    ed = read_edition(big_edition_module().make(tmp_path / "ed", pages=3))
    photos = [f.image for a in ed.articles for f in a.body if getattr(f, "image", None) is not None]
    assert len(photos) > len({p.data for p in photos}) == len(checked) == 2
    by_bytes = {p.data: (p.width, p.height, p.media_type) for p in photos}
    assert all(by_bytes[p.data] == (p.width, p.height, p.media_type) for p in photos)
