"""Feeds and catalogs of a site, from its issues' records: Atom, OPDS 1.2, OPDS 2.0, OpenSearch.

- **Atom** (RFC 4287): ``feeds/issues.xml``, the latest issues (one entry an issue, linking
  its page), and ``feeds/articles.xml``, their articles (one entry an article, its summary).
- **OPDS 1.2** (Atom): the catalog's root ``opds/index.xml`` (navigation: the latest issues,
  then the years), a navigation feed per year (its months) and per month (its issues), an
  acquisition feed per issue in the issue's own folder (its EPUB and PDFs with their sizes,
  the front page as a JPEG cover and a thumbnail), ``opds/latest.xml`` (the latest issues,
  for readers such as KOReader that sync a feed), an OpenSearch description and an Atom
  search template.
- **OPDS 2.0** (JSON, validated against the OPDS 2.0 schemas by the tests): the same
  catalog, every feed beside its Atom twin with ``.json`` for ``.xml``.

Search in a static site: the catalog answers searches for a date (``2019-10-21`` or
``20191021``), a month (``2019-10``, ``201910``) or an issue number (``8216``) from files
made for each (``opds/search/<term>.xml|json``); full-text search is the site's search page
(Pagefind), which the OpenSearch description offers as its ``text/html`` template.

Links are relative to the feed's own address, or absolute under ``[tool.publisher.web]
base_url`` when that is set. Every date is an issue's closing time: the same issues give
the same bytes. Entry ids are URNs that never change (``IssueRecord.urn``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from . import urls
from .records import IssueRecord

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS_NS = "http://opds-spec.org/2010/catalog"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
ATOM_TYPE = "application/atom+xml"
OPDS2 = "application/opds+json"
OPENSEARCH = "application/opensearchdescription+xml"
OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"
NEW = "http://opds-spec.org/sort/new"
ARTICLES_LIMIT = 200  # entries in the articles feed


@dataclass(frozen=True)
class Catalog:
    """The site as the feeds present it: its name, publisher, address and issues, newest first."""

    name: str  # 咸宁日报·咸安版
    publisher: str
    language: str
    key: str  # paper id and edition code: the feeds' ids come from it
    base_url: str
    issues: tuple[IssueRecord, ...]  # newest first
    latest: int

    def urn(self, what: str) -> str:
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'publisher:web:{self.key}:{what}')}"

    def href(self, here: str, target: str) -> str:
        """``target`` (a path in the site) as linked from the file at ``here``."""
        if self.base_url:
            return self.base_url + target
        folder = here.rsplit("/", 1)[0] + "/" if "/" in here else ""
        return urls.relative(folder, target)

    @property
    def updated(self) -> str:
        return self.issues[0].updated

    @property
    def newest(self) -> tuple[IssueRecord, ...]:
        return self.issues[:self.latest]

    def of_year(self, year: int) -> tuple[IssueRecord, ...]:
        return tuple(i for i in self.issues if i.date.year == year)

    def months(self, year: int) -> list[int]:
        return sorted({i.date.month for i in self.issues if i.date.year == year}, reverse=True)

    def of_month(self, year: int, month: int) -> tuple[IssueRecord, ...]:
        return tuple(i for i in self.issues if (i.date.year, i.date.month) == (year, month))

    @property
    def years(self) -> list[int]:
        return sorted({i.date.year for i in self.issues}, reverse=True)


@dataclass(frozen=True)
class _Link:
    """An entry of a navigation feed: a feed of some issues."""

    title: str
    target: str
    rel: str
    kind: str  # the target's OPDS kind: navigation or acquisition
    text: str
    issues: tuple[IssueRecord, ...]


def feed_files(catalog: Catalog) -> dict[str, bytes]:
    """Every feed and catalog file of the site but the issues' own (``issue_catalog``)."""
    out: dict[str, bytes] = {}
    out[urls.ATOM_ISSUES] = _atom_issues(catalog)
    out[urls.ATOM_ARTICLES] = _atom_articles(catalog)
    out[urls.OPENSEARCH] = _opensearch(catalog)
    newest = catalog.newest
    for ext in ("xml", "json"):
        root_links = [_Link(f"最新{len(newest)}期", urls.opds_latest(ext), NEW, "acquisition",
                            f"最近出版的{len(newest)}期，可同步下载", newest)]
        root_links += [_Link(f"{y}年", urls.opds_year(y, ext), "subsection", "navigation",
                             f"{y}年各月", catalog.of_year(y)) for y in catalog.years]
        out[urls.opds_root(ext)] = _navigation(catalog, urls.opds_root(ext), catalog.name,
                                               root_links, ext, up=None)
        for year in catalog.years:
            links = [_Link(f"{year}年{m}月", urls.opds_month(year, m, ext), "subsection",
                           "navigation", f"{len(catalog.of_month(year, m))}期",
                           catalog.of_month(year, m)) for m in catalog.months(year)]
            out[urls.opds_year(year, ext)] = _navigation(
                catalog, urls.opds_year(year, ext), f"{catalog.name} {year}年", links, ext,
                up=urls.opds_root(ext))
            for month in catalog.months(year):
                links = [_Link(i.title, urls.opds_issue(i.date, ext), "subsection", "acquisition",
                               _headlines(i), (i,)) for i in catalog.of_month(year, month)]
                out[urls.opds_month(year, month, ext)] = _navigation(
                    catalog, urls.opds_month(year, month, ext),
                    f"{catalog.name} {year}年{month}月", links, ext, up=urls.opds_year(year, ext))
        out[urls.opds_latest(ext)] = _acquisition(
            catalog, urls.opds_latest(ext), f"{catalog.name} 最新{len(newest)}期", newest, ext,
            up=urls.opds_root(ext))
        for term, issues in search_terms(catalog.issues).items():
            path = urls.opds_search(term, ext)
            out[path] = _acquisition(catalog, path, f"{catalog.name}：{term}", issues, ext,
                                     up=urls.opds_root(ext))
    return out


def issue_catalog(catalog: Catalog, issue: IssueRecord) -> dict[str, bytes]:
    """The issue's own acquisition feeds (OPDS 1.2 and 2.0), in its folder: they name no
    other issue, so adding issues never changes them."""
    return {urls.opds_issue(issue.date, ext): _acquisition(
        catalog, urls.opds_issue(issue.date, ext), issue.title, (issue,), ext,
        up=urls.opds_month(issue.date.year, issue.date.month, ext)) for ext in ("xml", "json")}


def search_terms(issues: Iterable[IssueRecord]) -> dict[str, list[IssueRecord]]:
    """What the catalog's search answers, and with which issues (newest first)."""
    terms: dict[str, list[IssueRecord]] = {}
    for issue in issues:
        d = issue.date
        names = [d.isoformat(), d.strftime("%Y%m%d"), f"{d.year:04d}-{d.month:02d}",
                 f"{d.year:04d}{d.month:02d}"]
        if issue.number:
            names.append(str(issue.number))
        for name in names:
            terms.setdefault(name, []).append(issue)
    return terms


def _headlines(issue: IssueRecord) -> str:
    return f"{issue.front.label}：" + "；".join(issue.front_headlines())


# ---------------------------------------------------------------- Atom (and OPDS 1.2)


def _q(tag: str, ns: str = ATOM) -> str:
    return f"{{{ns}}}{tag}"


def _el(parent, tag: str, text: str | None = None, ns: str = ATOM, **attrs):
    el = etree.SubElement(parent, _q(tag, ns), {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _feed(catalog: Catalog, path: str, title: str, self_type: str, updated: str,
          opds: bool = True):
    nsmap = {None: ATOM, "dc": DC, "opds": OPDS_NS} if opds else {None: ATOM}
    root = etree.Element(_q("feed"), nsmap=nsmap)
    _el(root, "id", catalog.urn(path))
    _el(root, "title", title)
    _el(root, "updated", updated)
    author = _el(root, "author")
    _el(author, "name", catalog.publisher)
    _el(root, "link", rel="self", href=catalog.href(path, path), type=self_type)
    if opds:
        _el(root, "link", rel="start", href=catalog.href(path, urls.opds_root("xml")), type=NAVIGATION)
        _el(root, "link", rel="search", href=catalog.href(path, urls.OPENSEARCH), type=OPENSEARCH,
            title=f"按日期或期号查找{catalog.name}")
        _el(root, "link", rel="search", type=ATOM_TYPE, title=f"按日期或期号查找{catalog.name}",
            href=catalog.href(path, urls.opds_search("{searchTerms}", "xml")))
        twin = path[:-len(".xml")] + ".json"
        _el(root, "link", rel="alternate", href=catalog.href(path, twin), type=OPDS2)
    _el(root, "link", rel="alternate", href=catalog.href(path, ""), type="text/html",
        title=catalog.name)
    return root


def _xml(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _navigation(catalog: Catalog, path: str, title: str, links: list[_Link], ext: str,
                up: str | None) -> bytes:
    updated = max((link.issues[0].updated for link in links if link.issues), default=catalog.updated)
    if ext == "json":
        return _json({
            "metadata": {"title": title, "modified": updated},
            "links": _json_links(catalog, path, up, NAVIGATION),
            "navigation": [{"href": catalog.href(path, link.target), "title": link.title,
                            "type": OPDS2, "rel": link.rel,
                            "properties": {"numberOfItems": len(link.issues)}} for link in links],
        })
    root = _feed(catalog, path, title, NAVIGATION, updated)
    if up:
        _el(root, "link", rel="up", href=catalog.href(path, up), type=NAVIGATION)
    for link in links:
        entry = _el(root, "entry")
        _el(entry, "title", link.title)
        _el(entry, "id", catalog.urn(link.target))
        _el(entry, "updated", link.issues[0].updated if link.issues else updated)
        _el(entry, "content", link.text, type="text")
        _el(entry, "link", rel=link.rel, href=catalog.href(path, link.target),
            type=f"application/atom+xml;profile=opds-catalog;kind={link.kind}")
    return _xml(root)


def _acquisition(catalog: Catalog, path: str, title: str, issues: Iterable[IssueRecord], ext: str,
                 up: str) -> bytes:
    issues = list(issues)
    updated = max(i.updated for i in issues)
    if ext == "json":
        return _json({
            "metadata": {"title": title, "modified": updated, "numberOfItems": len(issues)},
            "links": _json_links(catalog, path, up, ACQUISITION),
            "publications": [_publication(catalog, path, i) for i in issues],
        })
    root = _feed(catalog, path, title, ACQUISITION, updated)
    _el(root, "link", rel="up", href=catalog.href(path, up), type=NAVIGATION)
    for issue in issues:
        _entry(catalog, path, issue, root)
    return _xml(root)


def _entry(catalog: Catalog, path: str, issue: IssueRecord, root) -> None:
    """The issue as an OPDS catalog entry: a publication in several formats."""
    entry = _el(root, "entry")
    _el(entry, "title", issue.title)
    _el(entry, "id", issue.urn)
    _el(entry, "updated", issue.updated)
    author = _el(entry, "author")
    _el(author, "name", issue.publisher)
    _el(entry, "language", issue.language, ns=DC)
    _el(entry, "issued", issue.date.isoformat(), ns=DC)
    _el(entry, "publisher", issue.publisher, ns=DC)
    _el(entry, "summary", _headlines(issue), type="text")
    front = urls.page_dir(issue.date, issue.front.number)
    _el(entry, "link", rel=IMAGE, href=catalog.href(path, front + urls.PAGE_JPEG), type="image/jpeg")
    _el(entry, "link", rel=THUMBNAIL, href=catalog.href(path, front + urls.PAGE_THUMB),
        type="image/jpeg")
    _el(entry, "link", rel="alternate", href=catalog.href(path, issue.dir), type="text/html",
        title="网页版")
    for d in issue.downloads:
        if d.page is None:
            _el(entry, "link", rel=OPEN_ACCESS, href=catalog.href(path, issue.dir + d.href),
                type=d.type, length=str(d.size), title=d.title)


# ---------------------------------------------------------------- OPDS 2.0


def _json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


def _json_links(catalog: Catalog, path: str, up: str | None, twin_type: str) -> list[dict]:
    links: list[dict] = [{"rel": "self", "href": catalog.href(path, path), "type": OPDS2},
             {"rel": "start", "href": catalog.href(path, urls.opds_root("json")), "type": OPDS2},
             {"rel": "search", "href": catalog.href(path, urls.opds_search("{searchTerms}", "json")),
              "type": OPDS2, "templated": True, "title": f"按日期或期号查找{catalog.name}"},
             {"rel": "alternate", "href": catalog.href(path, path[:-len(".json")] + ".xml"),
              "type": twin_type},
             {"rel": "alternate", "href": catalog.href(path, ""), "type": "text/html",
              "title": catalog.name}]
    if up:
        links.insert(2, {"rel": "up", "href": catalog.href(path, up), "type": OPDS2})
    return links


def _publication(catalog: Catalog, path: str, issue: IssueRecord) -> dict:
    front = issue.front
    front_dir = urls.page_dir(issue.date, front.number)
    metadata = {
        "@type": "http://schema.org/PublicationIssue",
        "identifier": issue.urn,
        "title": issue.title,
        "language": issue.language,
        "published": issue.date.isoformat(),
        "modified": issue.updated,
        "publisher": {"name": issue.publisher},
        "description": _headlines(issue),
        "numberOfPages": len(issue.pages),
        "belongsTo": {"newspaper": {"name": catalog.name}},
    }
    links = [{"rel": OPEN_ACCESS, "href": catalog.href(path, issue.dir + d.href), "type": d.type,
              "size": d.size, "title": d.title} for d in issue.downloads if d.page is None]
    links.append({"rel": "alternate", "href": catalog.href(path, issue.dir), "type": "text/html",
                  "title": "网页版"})
    images = [{"href": catalog.href(path, front_dir + urls.PAGE_JPEG), "type": "image/jpeg",
               "width": front.size[0], "height": front.size[1]},
              {"href": catalog.href(path, front_dir + urls.PAGE_THUMB), "type": "image/jpeg",
               "width": front.thumb[0], "height": front.thumb[1], "rel": THUMBNAIL}]
    return {"metadata": metadata, "links": links, "images": images}


# ---------------------------------------------------------------- Atom feeds, OpenSearch


def _atom_issues(catalog: Catalog) -> bytes:
    path = urls.ATOM_ISSUES
    root = _feed(catalog, path, f"{catalog.name}：各期", ATOM_TYPE, catalog.updated, opds=False)
    for issue in catalog.newest:
        entry = _el(root, "entry")
        _el(entry, "title", issue.title)
        _el(entry, "id", issue.urn)
        _el(entry, "updated", issue.updated)
        _el(entry, "published", issue.updated)
        _el(entry, "link", rel="alternate", type="text/html", href=catalog.href(path, issue.dir))
        _el(entry, "summary", _headlines(issue), type="text")
    return _xml(root)


def _atom_articles(catalog: Catalog) -> bytes:
    path = urls.ATOM_ARTICLES
    root = _feed(catalog, path, f"{catalog.name}：文章", ATOM_TYPE, catalog.updated, opds=False)
    n = 0
    for issue in catalog.newest:
        pages = {p.number: p for p in issue.pages}
        for article in issue.articles:
            if n == ARTICLES_LIMIT:
                break
            n += 1
            entry = _el(root, "entry")
            _el(entry, "title", article.title)
            _el(entry, "id", issue.article_urn(article.slug))
            _el(entry, "updated", issue.updated)
            _el(entry, "published", issue.updated)
            if article.byline:
                _el(_el(entry, "author"), "name", article.byline)
            _el(entry, "link", rel="alternate", type="text/html",
                href=catalog.href(path, article.dir(issue.date)))
            page = pages[article.page]
            _el(entry, "category", term=f"{page.number:02d}", label=f"{page.label} {page.name}")
            _el(entry, "summary", article.summary or article.title, type="text")
    return _xml(root)


def _opensearch(catalog: Catalog) -> bytes:
    path = urls.OPENSEARCH
    root = etree.Element(_q("OpenSearchDescription", OPENSEARCH_NS), nsmap={None: OPENSEARCH_NS})
    _el(root, "ShortName", catalog.name[:16], ns=OPENSEARCH_NS)
    _el(root, "Description", f"按日期（如 2019-10-21、20191021、2019-10）或期号查找{catalog.name}的一期；"
        "网页版的搜索页检索全文。", ns=OPENSEARCH_NS)
    _el(root, "Url", ns=OPENSEARCH_NS, type=ACQUISITION,
        template=catalog.href(path, urls.opds_search("{searchTerms}", "xml")))
    _el(root, "Url", ns=OPENSEARCH_NS, type=OPDS2,
        template=catalog.href(path, urls.opds_search("{searchTerms}", "json")))
    _el(root, "Url", ns=OPENSEARCH_NS, type="text/html",
        template=catalog.href(path, urls.SEARCH) + "?q={searchTerms}")
    _el(root, "Query", ns=OPENSEARCH_NS, role="example", searchTerms=catalog.issues[0].date.isoformat())
    _el(root, "Language", catalog.language, ns=OPENSEARCH_NS)
    _el(root, "InputEncoding", "UTF-8", ns=OPENSEARCH_NS)
    _el(root, "OutputEncoding", "UTF-8", ns=OPENSEARCH_NS)
    return _xml(root)
