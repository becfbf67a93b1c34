"""The web edition's fonts: subsets of the pinned faces, served with the pages they set.

Nothing is fetched from elsewhere: each issue carries subsets of the house's faces holding
exactly the characters its pages set in each typeface role, and the site's own pages
(home, calendars, search) carry theirs. Which role a piece of text is set in is read from
the rendered pages with the table below, the one styles/web.css follows (a test holds the
two together): 黑 for headings, headlines and labels, 楷 for kickers, bylines and captions,
宋 for the rest. A character a role's face lacks goes to the fallback face's subset, which
is served only when some character needs it. Subsets are made by HarfBuzz (``Face.subset``,
0.02 s a face) and stored as WOFF (zlib): WOFF2's Brotli at fontTools' fixed quality took
1–1.7 s a face for 12 % smaller files.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from lxml import html as lxml_html

from ..fonts import FALLBACK, FontSet, RoleRule, role_runs

# Elements and classes set in 黑 and 楷 by styles/web.css (and base.css, which it builds on);
# anything else inherits its parent's role, 宋 at the top.
WEB_ROLES = RoleRule(
    tags={"kai": frozenset({"figcaption"}),
          "hei": frozenset({"h1", "h2", "h3", "strong", "th", "caption"})},  # caption: a table's
    classes={"kai": frozenset({"kicker", "subtitle", "byline", "attribution", "caption", "credit",
                               "card-kicker"}),
             "hei": frozenset({"headline", "dateline", "subhead", "paper", "label", "site-nav",
                               "crumbs", "day", "download-name"})},
    skip=frozenset({"head", "script", "style", "title", "noscript"}))


def role_texts(documents: Iterable[str], fonts: FontSet) -> dict[str, str]:
    """The characters each face role sets in ``documents``, each once, in a stable order;
    characters a role's face lacks go to the fallback's text. An element's ``alt`` and
    ``aria-label`` are not set on the page (screen readers only)."""
    seen: dict[str, set[str]] = {}  # each role's characters, each once: looked up once below
    for document in documents:
        for role, text in role_runs(lxml_html.document_fromstring(document), WEB_ROLES):
            seen.setdefault(role, set()).update(text)
    found: dict[str, set[str]] = {role: set() for role in ("song", "hei", "kai", FALLBACK)}
    for role, chars in seen.items():
        for ch in chars:
            if ch.isspace():
                continue
            cp = ord(ch)
            if fonts.in_role_face(role, cp):
                found[role].add(ch)
            elif fonts.covers(role, cp):
                found[FALLBACK].add(ch)
    return {role: "".join(sorted(chars)) for role, chars in found.items()}


def font_files(documents: Iterable[str], fonts: FontSet) -> tuple[dict[str, bytes], str]:
    """The subsets (file name -> WOFF bytes) for ``documents`` and the CSS declaring them
    (URLs relative to the CSS file, which lies beside them)."""
    from fontTools.ttLib import TTFont

    texts = role_texts(documents, fonts)
    files: dict[str, bytes] = {}
    css = []
    for face in fonts.faces:
        text = texts.get(face.role, "")
        if not text:
            continue
        name = f"{face.role}-{face.weight}.woff"
        font = TTFont(io.BytesIO(face.subset(text)), recalcTimestamp=False)
        font.flavor = "woff"
        out = io.BytesIO()
        font.save(out)
        files[name] = out.getvalue()
        css.append(f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
                   f'font-style: normal; font-display: swap; src: url("{name}") format("woff"); }}')
    return files, "\n".join(css) + "\n"
