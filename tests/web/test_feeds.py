"""The site's feeds and catalogs, read as their readers read them.

- every OPDS 2.0 feed validates against the OPDS 2.0 JSON schemas (tests/fixtures/opds-schemas,
  with the formats: URIs, dates, URI templates), and its links lead to files of the site;
- every OPDS 1.2 feed parses as Atom (feedparser, as e-reader apps and feed readers do) with
  the OPDS link relations and types: navigation by year, month, issue; an acquisition feed
  per issue with its EPUB and PDFs, their sizes, a JPEG cover of 第1版 and a thumbnail; the
  latest issues; the OpenSearch description and the Atom search template, whose answers are
  files of the site;
- the Atom feeds of issues and articles parse and link the pages.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote, urljoin

import feedparser
import pytest
from jsonschema import Draft7Validator
from lxml import etree
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.conftest import ROOT

SCHEMAS = ROOT / "tests" / "fixtures" / "opds-schemas"
ACQ = "http://opds-spec.org/acquisition"
NAV = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"


def _python_patterns(node):
    """ECMA-262 named groups (?<name>…) as Python's (?P<name>…); nothing else changes."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                value = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", value)
            elif key == "patternProperties":
                value = {re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", k): _python_patterns(v)
                         for k, v in value.items()}
            else:
                value = _python_patterns(value)
            out[key] = value
        return out
    if isinstance(node, list):
        return [_python_patterns(v) for v in node]
    return node


@pytest.fixture(scope="module")
def opds2():
    resources = []
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        schema = _python_patterns(json.loads(path.read_text("utf-8")))
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    registry = Registry().with_resources(resources)
    feed = registry["https://specs.opds.io/schema/feed.schema.json"].contents
    return Draft7Validator(feed, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def site_file(site: Path, feed: str, href: str) -> Path:
    """The file a link of the feed at ``feed`` (path in the site) leads to."""
    url = urljoin("http://site/" + feed, href)
    assert url.startswith("http://site/"), href
    path = unquote(url.removeprefix("http://site/"))
    target = site / path
    return target / "index.html" if path.endswith("/") or path == "" else target


def opds2_feeds(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in [*site.glob("opds/**/*.json"),
                                                           *site.glob("20*/*/*/opds.json")])


def test_every_opds2_feed_validates_against_the_schemas(site, opds2):
    feeds = opds2_feeds(site)
    assert "opds/index.json" in feeds and "2019/10/22/opds.json" in feeds
    assert "opds/search/2019-10-22.json" in feeds
    for feed in feeds:
        data = json.loads((site / feed).read_text("utf-8"))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in opds2.iter_errors(data)]
        assert errors == [], feed


def test_the_schema_check_can_fail(site, opds2):
    """No self link, a TIFF cover, a date, a language tag and an address that are not ones."""
    data = json.loads((site / "2019/10/22/opds.json").read_text("utf-8"))
    data["links"] = [link for link in data["links"] if link["rel"] != "self"]
    publication = data["publications"][0]
    publication["images"] = [{"href": "x.tiff", "type": "image/tiff"}]
    publication["metadata"]["modified"] = "yesterday"
    publication["metadata"]["language"] = "zh_Hans!"
    publication["links"][0]["href"] = "a b"
    paths = {"/".join(map(str, e.absolute_path)) for e in opds2.iter_errors(data)}
    assert paths == {"links", "publications/0/images", "publications/0/metadata/modified",
                     "publications/0/metadata/language", "publications/0/links/0/href"}


def test_opds2_links_lead_to_the_sites_files(site):
    for feed in opds2_feeds(site):
        data = json.loads((site / feed).read_text("utf-8"))
        links = data["links"] + data.get("navigation", [])
        for pub in data.get("publications", []):
            links += pub["links"] + pub["images"]
            for link in pub["links"]:
                if link["rel"].startswith(ACQ):
                    assert site_file(site, feed, link["href"]).stat().st_size == link["size"]
        for link in links:
            if not link.get("templated"):
                assert site_file(site, feed, link["href"]).is_file(), (feed, link["href"])


def parse(site: Path, feed: str):
    data = (site / feed).read_bytes()
    etree.fromstring(data)  # well-formed XML
    parsed = feedparser.parse(data)
    assert not parsed.bozo, (feed, parsed.get("bozo_exception"))
    return parsed


def rels(links) -> dict[str, list]:
    out: dict[str, list] = {}
    for link in links:
        out.setdefault(link["rel"], []).append(link)
    return out


def test_the_opds12_catalog_navigates_year_month_issue(site):
    root = parse(site, "opds/index.xml")
    links = rels(root.feed.links)
    assert links["self"][0]["type"] == NAV and links["start"][0]["type"] == NAV
    assert [link["type"] for link in links["search"]] == ["application/opensearchdescription+xml",
                                                          "application/atom+xml"]
    assert "{searchTerms}" in links["search"][1]["href"]
    assert [e.title for e in root.entries] == ["最新3期", "2019年"]
    latest, year = root.entries
    assert latest.links[0]["rel"] == "http://opds-spec.org/sort/new"
    assert latest.links[0]["type"] == ACQUISITION
    assert year.links[0]["type"] == NAV
    assert all(e.id.startswith("urn:uuid:") and e.updated for e in root.entries)
    year_feed = "opds/" + year.links[0]["href"]
    months = parse(site, year_feed)
    assert [e.title for e in months.entries] == ["2019年10月"]
    month_feed = "opds/" + months.entries[0].links[0]["href"]
    month = parse(site, month_feed)
    assert [e.title for e in month.entries] == [f"咸宁日报·咸安版 2019年10月{d}日" for d in (24, 22, 21)]
    assert {e.links[0]["type"] for e in month.entries} == {ACQUISITION}
    for entry in month.entries:
        assert site_file(site, month_feed, entry.links[0]["href"]).is_file()


def test_an_issue_feed_offers_its_files_with_sizes_and_a_jpeg_cover(site):
    feed = "2019/10/22/opds.xml"
    parsed = parse(site, feed)
    assert rels(parsed.feed.links)["self"][0]["type"] == ACQUISITION
    (entry,) = parsed.entries
    assert entry.title == "咸宁日报·咸安版 2019年10月22日"
    links = rels(entry.links)
    acquisitions = links[ACQ + "/open-access"]
    assert sorted(link["type"] for link in acquisitions) == ["application/epub+zip"] + ["application/pdf"] * 2
    for link in acquisitions:
        assert int(link["length"]) == site_file(site, feed, link["href"]).stat().st_size > 0
    cover = site_file(site, feed, links["http://opds-spec.org/image"][0]["href"])
    thumb = site_file(site, feed, links["http://opds-spec.org/image/thumbnail"][0]["href"])
    assert cover.as_posix().endswith("2019/10/22/01/page.jpg")
    for image in (cover, thumb):
        with Image.open(io.BytesIO(image.read_bytes())) as im:
            assert im.format == "JPEG"
    assert entry.published == "2019-10-22" and entry.dcterms_language == "zh-Hans"  # dc:issued, dc:language


def test_the_latest_feed_lists_the_newest_issues_first(site):
    parsed = parse(site, "opds/latest.xml")
    assert [e.title[-11:] for e in parsed.entries] == ["2019年10月24日", "2019年10月22日", "2019年10月21日"]
    assert all(any(link["rel"].startswith(ACQ) for link in e.links) for e in parsed.entries)


def test_opensearch_and_the_search_template_answer_dates_and_numbers(site):
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    desc = etree.parse(str(site / "opds/opensearch.xml"))
    templates = {u.get("type"): u.get("template") for u in desc.iterfind("os:Url", ns)}
    assert set(templates) == {ACQUISITION, "application/opds+json", "text/html"}
    assert desc.findtext("os:ShortName", namespaces=ns)
    for term, dates in (("2019-10-22", ["2019-10-22"]), ("20191024", ["2019-10-24"]),
                        ("8216", ["2019-10-21"]), ("2019-10", ["2019-10-24", "2019-10-22", "2019-10-21"])):
        href = templates[ACQUISITION].replace("{searchTerms}", term)
        path = site_file(site, "opds/opensearch.xml", href).relative_to(site).as_posix()
        answer = parse(site, path)
        assert [e.published for e in answer.entries] == dates
    root = parse(site, "opds/index.xml")
    template = [link for link in root.feed.links if link["rel"] == "search"][1]["href"]
    assert site_file(site, "opds/index.xml", template.replace("{searchTerms}", "20191021")).is_file()


def test_the_atom_feeds_of_issues_and_articles(site):
    issues = parse(site, "feeds/issues.xml")
    assert issues.version == "atom10"
    assert [e.title[-11:] for e in issues.entries] == ["2019年10月24日", "2019年10月22日", "2019年10月21日"]
    articles = parse(site, "feeds/articles.xml")
    assert len(articles.entries) == 27
    titles = [e.title for e in articles.entries]
    assert "窑咀大桥合龙" in titles and "打通基层治理最末端" in titles
    for entry in issues.entries + articles.entries:
        assert site_file(site, "feeds/x.xml", entry.link).is_file()
        assert entry.id.startswith("urn:uuid:") and entry.summary
    assert len({e.id for e in articles.entries}) == 27
