"""The web edition (数字报): an issue as a static web site, and a paper's run of issues as one.

Readers get each 版 as printed, with a zone per article drawn from the exact print layout
(an SVG over the page image, each zone a link to its article), the article's text on its
own page, the issue's downloads with their sizes, a calendar of issues, search across them,
Atom feeds, and OPDS catalogs for e-readers. Every page reads without a script and without
anything from elsewhere; addresses go by date and 版 and never change (docs/web.md).

The pipeline, one module a step: ``zones`` (where each article lies, from the print
build's layout record) → ``images`` (each 版 rendered from its print PDF by the print worker that made it: WebP,
JPEG, thumbnail; photos for the screen) → ``records`` (what the indexes know of an issue) →
``pages`` (the issue's HTML, through publisher.render) → ``webfonts`` (subsets of the
pinned faces) → ``feeds`` (Atom, OPDS 1.2 and 2.0, OpenSearch) → ``indexes`` (home,
calendars, steps between issues, search page, assets) → ``search`` (Pagefind's index) →
``build`` (one issue's files; a site of one issue). ``urls`` holds the address scheme.
"""

from .build import WebIssue, build_web, standalone
from .images import derive as page_images
from .indexes import index_files
from .records import IssueRecord
from .search import index_site

__all__ = ["IssueRecord", "WebIssue", "build_web", "index_files", "index_site", "page_images", "standalone"]
