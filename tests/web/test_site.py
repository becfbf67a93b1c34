"""publisher site: issues in one site, added without rebuilding the others.

The site fixture builds two issues, then runs again with a third: that run builds the
third only, writes its folder and the indexes, and touches no file of the other issues.
"""

from __future__ import annotations

import json
import re

import pytest

from publisher.errors import PublisherError
from publisher.site import SiteError, build_site
from tests.web.conftest import DATES

INDEXES = re.compile(r"^(index\.html|20\d\d/(\d\d/)?index\.html|(prev|next)/.*|feeds/.*|opds/.*|"
                     r"search/.*|assets/.*|pagefind/.*|\.publisher.*)$")


def test_adding_an_issue_rewrites_only_that_issue_and_the_indexes(site_run):
    _site, before, after, result = site_run
    assert result.built == ["2019/10/24/"]
    assert sorted(result.kept) == ["2019/10/21/", "2019/10/22/"]
    rewritten = {path for path, (digest, inode, mtime) in after.items()
                 if path not in before or before[path][1:] != (inode, mtime)}
    new_issue = {p for p in rewritten if p.startswith("2019/10/24/")}
    assert new_issue and all(p.startswith("2019/10/24/") or INDEXES.match(p)
                             for p in rewritten), sorted(rewritten - new_issue)[:20]
    # the other issues' folders: every file as it was, byte for byte and on disk
    for path, state in before.items():
        if path.startswith(("2019/10/21/", "2019/10/22/")):
            assert after[path] == state, path
    # what changed in the indexes: the calendar, the feeds, the steps to the new issue
    assert {"2019/10/index.html", "feeds/issues.xml", "opds/latest.xml", "opds/latest.json",
            "next/2019/10/22/index.html", "prev/2019/10/24/index.html"} <= rewritten
    assert "prev/2019/10/22/index.html" not in rewritten  # its neighbour before did not change


def test_an_unchanged_site_is_not_rebuilt(site_run, editions):
    from publisher.config import load_settings

    site = site_run[0]
    result = build_site([editions[d] for d in DATES], site, load_settings())
    assert result.built == [] and sorted(result.kept) == [d.replace("-", "/") + "/" for d in DATES]
    assert result.indexes == []
    assert sorted(p.name for p in site.glob(".publisher*")) == []  # no lock left to serve


def test_steps_lead_to_the_issues_before_and_after(site):
    def target(path):
        html = (site / path / "index.html").read_text("utf-8")
        found = re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', html)
        return found and found.group(1)

    assert target("next/2019/10/21") == "../../../../2019/10/22/"
    assert target("next/2019/10/22") == "../../../../2019/10/24/"
    assert target("prev/2019/10/24") == "../../../../2019/10/22/"
    assert target("prev/2019/10/21") is None
    assert "最早的一期" in (site / "prev/2019/10/21/index.html").read_text("utf-8")
    assert target("next/2019/10/24") is None
    assert "最新的一期" in (site / "next/2019/10/24/index.html").read_text("utf-8")


def test_the_calendar_links_each_issue(site):
    month = (site / "2019/10/index.html").read_text("utf-8")
    days = re.findall(r'<a class="day" href="([^"]+)"[^>]*>(\d+)</a>', month)
    assert days == [("21/", "21"), ("22/", "22"), ("24/", "24")]


def test_each_issue_keeps_its_record(site):
    for date in DATES:
        record = json.loads((site / date.replace("-", "/") / "issue.json").read_text("utf-8"))
        assert record["date"] == date and record["inputs"]
        assert {d["kind"] for d in record["downloads"]} == {"epub", "pdf", "phone", "page"}
        for d in record["downloads"]:
            assert (site / date.replace("-", "/") / d["href"]).stat().st_size == d["size"]


def test_a_site_holds_one_paper(site, make_edition):
    other = make_edition()  # another paper (test), as the conftest's minimal edition
    from publisher.config import load_settings

    with pytest.raises(SiteError) as info:
        build_site([other], site, load_settings())
    assert [p.code for p in info.value.problems] == ["site-paper"]


def test_two_issues_of_one_date_are_refused(editions, tmp_path):
    from publisher.config import load_settings

    with pytest.raises(PublisherError) as info:
        build_site([editions["2019-10-21"], editions["2019-10-21"]], tmp_path / "s", load_settings())
    assert [p.code for p in info.value.problems] == ["site-date"]
    assert not (tmp_path / "s" / "2019").exists()


def test_an_unexpected_error_fails_its_issue_as_internal_and_the_others_go_on(editions, tmp_path,
                                                                              monkeypatch):
    import publisher.site as site_module
    from publisher.config import load_settings

    built = []

    def make(folder, *args, **kwargs):
        if folder == editions["2019-10-22"]:
            raise ZeroDivisionError("a bug")
        built.append(folder)
        raise PublisherError("stop here: the issue's own build is tested elsewhere")

    monkeypatch.setattr(site_module, "make", make)
    result = build_site([editions["2019-10-22"], editions["2019-10-24"]], tmp_path / "s", load_settings())
    assert built == [editions["2019-10-24"]]  # the one after the bug was still built
    (folder, error), (later, _) = result.failed
    assert folder == editions["2019-10-22"] and later == editions["2019-10-24"]
    assert [p.code for p in error.problems] == ["internal"]
    assert "ZeroDivisionError: a bug" in error.problems[0].message
    assert not (tmp_path / "s" / "2019").exists()
