"""The native-format writer: what it writes reads back as the same model, atomically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image as PILImage

from publisher.model import (
    Article,
    ArticleKind,
    Brief,
    Byline,
    Credit,
    Edition,
    Editor,
    Figure,
    Image,
    Issue,
    Page,
    Paper,
    Paragraph,
    Placement,
    Run,
    RunStyle,
    Subhead,
)
from publisher.sources import read_edition
from publisher.sources.writer import WriteError, escape_markdown, write_edition

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "editions" / "xnrb-2019-10-21-xianan"


def edition(*articles: Article, **page) -> Edition:
    return Edition(
        paper=Paper(id="xnrb", name="咸宁日报", publisher="咸宁日报社", cn="CN 42-0032",
                    issn="1234-567X", url="https://example.invalid/"),
        issue=Issue(date=dt.date(2019, 10, 21), number=8216, edition="咸安", edition_code="xianan",
                    note='示例 "quoted" \\ back'),
        pages=(Page(number=3, name="咸安新闻", label="A03", articles=articles,
                    editors=(Editor("责任编辑", "周敏"), Editor("美术编辑", "李华")),
                    placements=page.get("placements", ())),))


RICH = Article(
    slug="rich", kind=ArticleKind.FEATURE, headline="标题里有 *星号* 和 [方括号] 与 \"引号\"",
    kicker="引题", subtitle="副题", byline=Byline((Credit("记者", ("张三",)), Credit("通讯员", ("李四", "王五")))),
    dateline="本报讯 记者张三报道：",
    body=(
        Paragraph((Run("正文开头，"), Run("黑体强调", RunStyle.STRONG), Run("然后"),
                   Run("着重号", RunStyle.EMPHASIS), Run("结束。"))),
        Subhead(title="如何破题？", number="1", subtitle="聚焦老旧小区——看幸福家园"),
        Paragraph((Run("# 不是标题，1. 不是列表，- 也不是；<b>不是 HTML</b> &amp; 不是实体 \\ 反斜杠 `代码`"),)),
        Paragraph((Run("2019. 年份后跟句点"),)),
        Paragraph((Run("> 不是引用"),)),
        Figure(caption="图为现场。", credit='通讯员 "吴涛" 摄', alt="现场 [照片]"),
        Figure(caption="没有说明者"),
    ))


def test_round_trip_of_every_field(tmp_path):
    ed = edition(RICH, placements=(Placement("rich", columns=4, continued_on=5),))
    write_edition(ed, tmp_path / "ed")
    assert read_edition(tmp_path / "ed") == ed


def test_briefs_and_photo_articles(tmp_path):
    briefs = Article(slug="jianxun", kind=ArticleKind.BRIEFS, headline="香城简讯", body=(
        Brief("10月14日，某事。", ("刘琼",)), Brief("10月15日，另一事。", ("陈鹏", "陈琦")),
        Brief("10月16日，无署名。")))
    photo = Article(slug="photo", kind=ArticleKind.PHOTO, headline=None,
                    body=(Figure(caption="10月15日，工人们正在打捞水葫芦。"),))
    ed = edition(briefs, photo)
    write_edition(ed, tmp_path / "ed")
    assert read_edition(tmp_path / "ed") == ed
    assert "![]()\n10月15日" in (tmp_path / "ed" / "articles" / "photo.md").read_text("utf-8")


def test_same_model_same_bytes(tmp_path):
    ed = edition(RICH)
    write_edition(ed, tmp_path / "a")
    write_edition(ed, tmp_path / "b")
    for f in sorted((tmp_path / "a").rglob("*")):
        if f.is_file():
            assert f.read_bytes() == (tmp_path / "b" / f.relative_to(tmp_path / "a")).read_bytes()


def test_refuses_a_non_empty_folder_unless_forced(tmp_path):
    """--force replaces an edition folder an import wrote, and nothing else."""
    out = tmp_path / "ed"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(WriteError):
        write_edition(edition(RICH), out)
    with pytest.raises(WriteError, match=r"keep\.txt"):
        write_edition(edition(RICH), out, force=True)
    assert (out / "keep.txt").exists() and not (out / "edition.toml").exists()
    (out / "keep.txt").unlink()
    write_edition(edition(RICH), out)  # an empty folder is no loss
    with pytest.raises(WriteError):
        write_edition(edition(RICH), out)
    write_edition(edition(RICH), out, force=True)  # the edition written before: replaced
    assert (out / "edition.toml").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["ed"]  # no temporary folders left


def test_what_the_grammar_cannot_say_is_refused_and_nothing_written(tmp_path):
    bad = Article(slug="bad", kind=ArticleKind.BRIEFS, headline="简讯",
                  body=(Paragraph((Run("一段正文。"),)),))
    with pytest.raises(WriteError) as info:
        write_edition(edition(bad), tmp_path / "ed")
    assert "briefs" in str(info.value)
    # emphasis that CommonMark cannot open (punctuation after ** inside a word)
    odd = Article(slug="odd", kind=ArticleKind.NEWS, headline="标题", body=(
        Paragraph((Run("的"), Run("“引号”", RunStyle.STRONG), Run("后"))),))
    with pytest.raises(WriteError) as info:
        write_edition(edition(odd), tmp_path / "ed")
    assert "would not read back" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_images_copied(tmp_path):
    src = tmp_path / "src.jpg"
    PILImage.new("RGB", (20, 10), "red").save(src)
    img = Image(path=src, href="images/a.jpg", width=20, height=10, media_type="image/jpeg")
    art = Article(slug="pic", kind=ArticleKind.PHOTO, headline="图片新闻",
                  body=(Figure(caption="说明。", image=img, credit="记者 张三 摄"),))
    write_edition(edition(art), tmp_path / "ed")
    back = read_edition(tmp_path / "ed").articles[0].body[0].image
    assert (back.href, back.width, back.height) == ("images/a.jpg", 20, 10)
    assert back.path == (tmp_path / "ed" / "images" / "a.jpg").resolve()
    bad = Image(path=src, href="../a.jpg", width=20, height=10, media_type="image/jpeg")
    art = Article(slug="pic", kind=ArticleKind.PHOTO, headline="图",
                  body=(Figure(caption="说明。", image=bad),))
    with pytest.raises(WriteError):
        write_edition(edition(art), tmp_path / "ed2")


def test_sample_edition_rewritten_reads_back_equal(tmp_path):
    sample = read_edition(SAMPLE)
    write_edition(sample, tmp_path / "ed")
    back = read_edition(tmp_path / "ed")
    assert [a.body for a in back.articles] != []
    for a, b in zip(sample.articles, back.articles, strict=True):
        assert a.slug == b.slug and a.headline == b.headline and a.byline == b.byline
        for x, y in zip(a.body, b.body, strict=True):
            if isinstance(x, Figure) and x.image:
                assert (x.image.href, x.image.width) == (y.image.href, y.image.width)
            else:
                assert x == y


_TEXT = st.text(alphabet=st.sampled_from(list("中文字测试，。！？“”（）《》、：；") +
                                       list("abc 123.-+#>*_[]<>&!\\`~|=()\"'")),
                min_size=1, max_size=40).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_escaped_text_reads_back_unchanged(text):
    from publisher.errors import Problems
    from publisher.sources.markdown import parse_body

    md = escape_markdown(text)
    blocks = parse_body(md, Path("x.md"), 0, Problems(), lambda *a: None, briefs=False)
    assert [b.text for b in blocks] == [text]
