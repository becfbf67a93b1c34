"""The typeface roles the coverage check assumes are the ones the outputs use.

1. Every font-family declaration in styles/*.css is exactly a role's stack from the pinned
   manifest: its face(s), the fallback face, a generic name (publisher.fonts.FontSet.stack);
   no stack falls back to another role's face, which the per-role check would not see.
2. publisher.fonts.FIELD_ROLES (what the coverage check uses) matches the rendered
   documents: an edition with one marker character per field is rendered (the EPUB's
   documents and the reading PDF's HTML) and each marker's text nodes are resolved to a
   role with the same class/element table the EPUB subsets use (held to the stylesheets
   by tests/epub/test_epub_fonts_size.py). A field moved to another role by a template or
   a stylesheet, without the table, fails here.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree, html

from publisher.config import load_settings
from publisher.epub import EPUB_ROLES
from publisher.fonts import FIELD_ROLES, GENERIC, ROLES, field_texts, load_fonts, role_runs
from publisher.publish import load, publish

STYLES = sorted(load_settings().styles_dir.glob("*.css"))

# one marker character per field, none of them in any template's own text
MARKERS = {
    "headline": "鹤", "kicker": "雁", "subtitle": "鸥", "byline": "鹭", "dateline": "鸽",
    "paragraph": "鹅", "emphasis": "鸭", "strong": "鹰", "subhead": "鹊", "caption": "鹃",
    "credit": "鹦", "brief": "鹉", "attribution": "鸠", "paper": "鹏", "edition": "鸳",
    "page": "鸯", "editors": "鸵", "title": "鸬", "table-head": "鹳", "table-cell": "鹌",
}

TOML = f"""\
[paper]
id = "test"
name = "测试{MARKERS['paper']}报"
publisher = "测试社"

[issue]
date = 2019-10-21
number = 100
edition = "城{MARKERS['edition']}"
edition_code = "cheng"

[[pages]]
number = 1
name = "要{MARKERS['page']}"
editors = [{{ role = "责任编辑", name = "李{MARKERS['editors']}" }}]
articles = ["one", "two", "three", "four"]
"""

ARTICLES = {
    "one.md": f"""+++
kind = "feature"
kicker = "引{MARKERS['kicker']}"
headline = "标{MARKERS['headline']}"
subtitle = "副{MARKERS['subtitle']}"
byline = "记者 王{MARKERS['byline']}"
+++
正{MARKERS['paragraph']}文，*着{MARKERS['emphasis']}*，**强{MARKERS['strong']}**。

### 1 小{MARKERS['subhead']}题

![]()
图{MARKERS['caption']}注。
""",
    "two.md": f"""+++
headline = "消息"
dateline = "本报讯 记者{MARKERS['dateline']}报道："
+++
正文。

![](images/x.png "记者 {MARKERS['credit']}摄")
图注。

| 表{MARKERS['table-head']} | 数 |
| :-- | --: |
| 格{MARKERS['table-cell']} | 1 |
""",
    "three.md": f"""+++
kind = "briefs"
headline = "简讯"
+++

- 简{MARKERS['brief']}讯一则。（刘{MARKERS['attribution']}）
""",
    "four.md": f"""+++
kind = "photo"
+++

![]()
{MARKERS['title']}照片说明。
""",
}


@pytest.fixture(scope="module")
def fonts():
    return load_fonts(load_settings().fonts_dir)


def _declarations():
    for css in STYLES:
        text = re.sub(r"/\*.*?\*/", "", css.read_text("utf-8"), flags=re.S)
        for m in re.finditer(r"(font-family|--(?:song|hei|kai)):\s*([^;}]+)", text):
            yield css.name, m.group(1), [f.strip().strip('"') for f in m.group(2).split(",")]


def test_every_font_family_is_a_role_stack(fonts):
    family_role = {f.family: f.role for f in fonts.faces if f.role in ROLES}
    seen = set()
    for name, prop, stack in _declarations():
        role = prop[2:] if prop.startswith("--") else family_role.get(stack[0])
        assert role in ROLES, f"{name}: {prop}: {stack} starts with no role's face"
        assert stack == fonts.stack(role), f"{name}: {prop}: {stack} is not the {role} stack {fonts.stack(role)}"
        seen.add(role)
    assert seen == set(ROLES)


def test_every_stack_ends_with_the_fallback_then_a_generic_name(fonts):
    for role in ROLES:
        assert fonts.stack(role)[-2:] == ["BabelStone Han", GENERIC[role]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from PIL import Image

    from publisher.render import reading_html

    root = tmp_path_factory.mktemp("roles") / "ed"
    (root / "articles").mkdir(parents=True)
    (root / "images").mkdir()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(root / "images" / "x.png")
    (root / "edition.toml").write_text(TOML, "utf-8")
    for name, text in ARTICLES.items():
        (root / "articles" / name).write_text(text, "utf-8")
    edition, settings, _fonts, problems = load(root)
    assert not problems.errors
    out = tmp_path_factory.mktemp("roles-out")
    publish(root, out, formats=("epub",))
    epub = zipfile.ZipFile(next(out.rglob("*.epub")))
    docs = [etree.fromstring(epub.read(n)) for n in epub.namelist() if n.endswith(".xhtml")]
    docs.append(html.fromstring(reading_html(edition, settings)))
    return edition, docs


def test_every_field_has_its_marker(rendered):
    edition, _docs = rendered
    fields = {f for f, text, _p, _l in field_texts(edition) if text}
    assert set(MARKERS) <= fields | {"publisher"}
    assert set(MARKERS) | {"publisher"} == set(FIELD_ROLES)  # publisher: print masthead only
    for field, text, _p, _l in field_texts(edition):
        if field in MARKERS and MARKERS[field] in text:
            break
    else:
        pytest.fail("no marker in the model")


def test_each_field_is_set_only_in_the_roles_the_check_assumes(rendered):
    _edition, docs = rendered
    found: dict[str, set[str]] = {f: set() for f in MARKERS}
    for doc in docs:
        for role, text in role_runs(doc, EPUB_ROLES):
            for field, marker in MARKERS.items():
                if marker in text:
                    found[field].add(role)
    for field, roles in found.items():
        assert roles, f"{field}: marker {MARKERS[field]} not rendered"
        allowed = set(FIELD_ROLES[field]) | (set(FIELD_ROLES["caption"]) if field == "title" else set())
        assert roles <= allowed, f"{field} is set in {sorted(roles)}, FIELD_ROLES says {FIELD_ROLES[field]}"
    # the table is not looser than the outputs need, for the fields with one role
    assert found["paragraph"] == {"song"} and found["caption"] == {"kai"} and found["strong"] == {"hei"}
    assert found["headline"] == {"hei", "song"}


def test_one_walk_gives_each_output_its_roles():
    """publisher.fonts.role_runs is the one walk both outputs' subsets read, each with its
    own rule: the innermost styled element decides (楷 before 黑 on one element), others
    inherit, skipped elements print nothing but their tail, comments are passed over."""
    from publisher.fonts import RoleRule
    from publisher.web.webfonts import WEB_ROLES

    rule = RoleRule(tags={"kai": frozenset({"figcaption"}), "hei": frozenset({"strong"})},
                    classes={"hei": frozenset({"headline"}), "kai": frozenset({"byline"})},
                    skip=frozenset({"head"}))
    doc = html.document_fromstring(
        "<html><head><title>题</title></head><body>正<p class='headline byline'>楷"
        "<strong>黑</strong>又楷</p><!-- 注 -->尾<figcaption>图<strong>粗</strong></figcaption></body></html>")
    assert list(role_runs(doc, rule)) == [
        ("song", "正"), ("kai", "楷"), ("hei", "黑"), ("kai", "又楷"), ("song", "尾"),
        ("kai", "图"), ("hei", "粗")]
    # the EPUB's contents lists: a 版 entry is 黑, its articles 宋 (a rule beyond one element)
    xhtml = etree.fromstring(
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><ol class="contents"><li>版'
        '<ol><li>文</li></ol></li></ol></body></html>')
    assert list(role_runs(xhtml, EPUB_ROLES)) == [("hei", "版"), ("song", "文")]
    page = html.document_fromstring("<html><body><nav class='site-nav'>导航</nav>"
                                    "<script>x</script><p class='card-kicker'>引</p></body></html>")
    assert list(role_runs(page, WEB_ROLES)) == [("hei", "导航"), ("kai", "引")]
