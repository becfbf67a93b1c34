"""Plain-text copy in other shapes than the seed: other byline forms, a 快讯 column,
legacy GB18030 bytes, no Markdown marks at all, numbers cut by a column break."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.errors import SourceError
from publisher.model import ArticleKind, Credit, Figure, Paragraph, Subhead
from publisher.sources import read_edition
from publisher.sources.importers import Level, run_import
from publisher.sources.importers.plaintext import import_text, parse_copy
from tests.conftest import SEED_PAGE as SEED

# No Markdown marks; 引题 + 主题 + 副题; 本报讯（记者 … 通讯员 …）; a number and a sentence cut by
# column breaks; a 图为 caption with its credit; a byline line; a 新华社 lead; a 快讯 column
# with bullets, a cut item and an item without attribution; a page head and an editor.
PAGE = """\
第2版 要闻

奋力谱写新篇章
咸宁经济运行稳中向好
——前三季度主要经济指标解读

本报讯（记者 刘明 通讯员 张华）今年以来,全市经济运行总体平稳,稳中向好。

据统计,前三季度全市完成固定资产投资总额约12

00亿元,同比增长10.

5%。

图为咸宁高新区一家企业的生产线。 本报记者 刘明 摄

市民文化中心开放

记者 王芳

10月20日,市民文化中心正式对外开放。

该中心总建筑面积3.2万平方米,设有图书馆、剧场和展览厅。

全国秋粮收购有序展开

新华社北京10月20日电（记者 赵强）记者从国家粮食和物资储备局获悉,各地秋粮收购工作有序展开。

咸宁快讯

■10月19日,市图书馆举办读书分享会。(李明)

■10月20日,市体育中心举办全民健身活动,吸引市民
1000余人参加。(周红、吴刚)

10月20日,市气象台发布大风蓝色预警。

责任编辑:陈静
"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("copy") / "page2.txt"
    path.write_text(PAGE, "utf-8")
    return import_text(path, date="2019-10-21", paper="xnrb")


def test_page_head_and_editor(page):
    p = page.edition.pages[0]
    assert (p.number, p.name, p.display_label) == (2, "要闻", "第2版")
    assert [(e.role, e.name) for e in p.editors] == [("责任编辑", "陈静")]


def test_kicker_headline_subtitle_without_marks(page):
    a = page.edition.articles[0]
    assert (a.kicker, a.headline, a.subtitle) == ("奋力谱写新篇章", "咸宁经济运行稳中向好",
                                                  "前三季度主要经济指标解读")
    assert any(f.code == "kicker" for f in page.guesses)


def test_bracketed_lead_gives_dateline_and_two_roles(page):
    a = page.edition.articles[0]
    assert a.dateline == "本报讯（记者 刘明 通讯员 张华）"
    assert a.byline.credits == (Credit("记者", ("刘明",)), Credit("通讯员", ("张华",)))
    assert a.body[0].text == "今年以来，全市经济运行总体平稳，稳中向好。"


def test_number_cut_by_column_breaks_is_rejoined(page):
    a = page.edition.articles[0]
    assert a.body[1].text == "据统计，前三季度全市完成固定资产投资总额约1200亿元，同比增长10.5%。"
    assert len([f for f in page.guesses if f.code == "rejoined"]) >= 2


def test_caption_with_inline_credit(page):
    fig = page.edition.articles[0].body[2]
    assert isinstance(fig, Figure)
    assert (fig.caption, fig.credit, fig.image) == ("图为咸宁高新区一家企业的生产线。",
                                                    "本报记者 刘明 摄", None)


def test_byline_line_without_lead(page):
    a = page.edition.articles[1]
    assert (a.headline, a.dateline, a.kind) == ("市民文化中心开放", None, ArticleKind.NEWS)
    assert a.byline.credits == (Credit("记者", ("王芳",)),)
    assert [type(b) for b in a.body] == [Paragraph, Paragraph]


def test_agency_lead(page):
    a = page.edition.articles[2]
    assert a.dateline == "新华社北京10月20日电（记者 赵强）"
    assert a.byline.names == ("赵强",)
    assert a.body[0].text.startswith("记者从国家粮食和物资储备局获悉")


def test_kuaixun_column(page):
    a = page.edition.articles[3]
    assert (a.kind, a.headline) == (ArticleKind.BRIEFS, "咸宁快讯")
    assert [(b.text, b.attribution) for b in a.body] == [
        ("10月19日，市图书馆举办读书分享会。", ("李明",)),
        ("10月20日，市体育中心举办全民健身活动，吸引市民1000余人参加。", ("周红", "吴刚")),
        ("10月20日，市气象台发布大风蓝色预警。", ()),
    ]
    missing = [f for f in page.guesses if f.code == "brief-attribution"]
    assert len(missing) == 1 and missing[0].slug == a.slug


def test_shapes_round_trip_through_the_native_format(tmp_path, page):
    out = tmp_path / "ed"
    from publisher.sources.writer import write_edition

    write_edition(page.edition, out)
    assert read_edition(out) == page.edition


def test_gb18030_bytes(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes(PAGE.encode("gb18030"))
    utf8 = tmp_path / "page.txt"
    utf8.write_text(PAGE, "utf-8")
    legacy = import_text(path, date="2019-10-21", paper="xnrb", encoding="gb18030")
    assert legacy.edition == import_text(utf8, date="2019-10-21", paper="xnrb").edition
    with pytest.raises(SourceError) as info:
        import_text(path, date="2019-10-21", paper="xnrb")  # strict UTF-8 by default
    problem = info.value.problems[0]
    first_bad = next(i for i, b in enumerate(PAGE.encode("gb18030")) if b >= 0x80)
    assert f"byte offset {first_bad}" in problem.message
    assert "GB18030" in (problem.hint or "") and problem.line == 1


def test_seed_without_any_markdown_marks_reads_the_same(tmp_path):
    text = SEED.read_text("utf-8")
    bare = "\n".join(line.lstrip("#").lstrip() for line in text.split("\n"))
    assert "#" not in bare
    marked = parse_copy(text, SEED, date="2019-10-21", paper="xnrb").edition
    unmarked = parse_copy(bare, SEED, date="2019-10-21", paper="xnrb").edition
    assert unmarked == marked
    assert [a.kind for a in unmarked.articles].count(ArticleKind.FEATURE) == 1


def test_markdown_levels_decide_kicker_and_subheads(tmp_path):
    copy = """\
# 第一篇的标题

本报讯 通讯员 甲乙报道：这是第一篇的正文。

### 秋收时节
# 田野里的丰收图景
## ——来自咸安区的报道

○ 记者 王小明 通讯员 李四

金秋十月，稻谷飘香。

### 一、机械化收割提速

收割机在田间来回穿梭。

### 二、 订单农业保收益

种粮大户算起了增收账。
"""
    ed = parse_copy(copy, Path("copy.txt"), date="2019-10-21", paper="xnrb").edition
    first, second = ed.articles
    assert first.body[0].text == "这是第一篇的正文。" and len(first.body) == 1
    assert (second.kicker, second.headline, second.subtitle) == ("秋收时节", "田野里的丰收图景",
                                                                 "来自咸安区的报道")
    assert second.kind is ArticleKind.FEATURE
    assert second.byline.credits == (Credit("记者", ("王小明",)), Credit("通讯员", ("李四",)))
    assert [b.text for b in second.body if isinstance(b, Subhead)] == ["一、机械化收割提速",
                                                                         "二、 订单农业保收益"]


def test_a_lead_without_headline_is_a_problem_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("本报讯 通讯员张三报道：没有标题的稿件。\n", "utf-8")
    with pytest.raises(SourceError) as info:
        run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper="xnrb")
    assert any(p.code == "no-headline" and p.line == 1 for p in info.value.problems)
    assert not (tmp_path / "ed").exists()


def test_strict_turns_guesses_into_failures(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, "utf-8")
    with pytest.raises(SourceError) as info:
        run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper="xnrb", strict=True)
    codes = {p.code for p in info.value.problems}
    assert {"rejoined", "kicker", "brief-attribution"} <= codes
    assert not (tmp_path / "ed").exists()
    run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper="xnrb")
    assert (tmp_path / "ed" / "import-report.txt").is_file()


def test_paper_file_gives_names_edition_and_page_names(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE.replace("第2版 要闻\n", ""), "utf-8")
    paper = tmp_path / "xnrb.toml"
    paper.write_text('[paper]\nid = "xnrb"\nname = "咸宁日报"\npublisher = "咸宁日报社"\n\n'
                     '[edition]\nname = "咸安"\ncode = "xianan"\n\n[pages]\n2 = "要闻"\n', "utf-8")
    result = run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper=paper,
                        page="2", number=8216)
    ed = read_edition(tmp_path / "ed")
    assert (ed.paper.name, ed.issue.number, ed.issue.edition, ed.id) == (
        "咸宁日报", 8216, "咸安", "xnrb-2019-10-21-xianan")
    assert ed.title == "咸宁日报·咸安版 2019年10月21日"
    assert ed.pages[0].name == "要闻"
    assert not any(f.code in ("paper", "issue-number", "page-name") and f.level is not Level.RECOGNISED
                   for f in result.report)


def test_paper_file_typo_is_an_error_with_did_you_mean(tmp_path):
    from publisher.errors import PublisherError

    path = tmp_path / "page.txt"
    path.write_text(PAGE, "utf-8")
    paper = tmp_path / "p.toml"
    paper.write_text('[paper]\nid = "xnrb"\nname = "咸宁日报"\npublsher = "咸宁日报社"\n\n'
                     '[edition]\nname = "咸安"\n', "utf-8")
    with pytest.raises(PublisherError) as info:
        run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper=paper)
    messages = {(p.line, p.message) for p in info.value.problems}
    assert (4, "unknown key publsher in [paper] (did you mean publisher?)") in messages
    assert (1, "missing key publisher in [paper]") in messages
    assert (6, "missing key code in [edition]") in messages
    assert not (tmp_path / "ed").exists()


def test_unknown_or_missing_paper_lists_the_known_papers(tmp_path):
    from publisher.errors import PublisherError

    path = tmp_path / "page.txt"
    path.write_text(PAGE, "utf-8")
    for paper, words in (("xnbr", "unknown paper 'xnbr' (did you mean 'xnrb'?)"),
                         (None, "does not say which paper")):
        with pytest.raises(PublisherError) as info:
            run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper=paper)
        problem = info.value.problems[0]
        assert words in problem.message
        assert "xnrb (咸宁日报·咸安版)" in (problem.hint or "") and "jjrb (经济日报)" in (problem.hint or "")
        assert "pyproject.toml" in (problem.hint or "")  # the house file in use


def test_invisible_characters_are_problems_with_their_line(tmp_path):
    path = tmp_path / "zw.txt"
    path.write_text("# 标题\n\n本报讯 正文\u200b里有零宽空格。\n", "utf-8")
    with pytest.raises(SourceError) as info:
        run_import("text", path, out=tmp_path / "ed", date="2019-10-21", paper="xnrb")
    assert [(p.code, p.line) for p in info.value.problems] == [("invisible-characters", 3)]
    assert "U+200B" in info.value.problems[0].message


def test_cli_import_text(tmp_path):
    from typer.testing import CliRunner

    from publisher.cli import app

    path = tmp_path / "page.txt"
    path.write_text(PAGE, "utf-8")
    out = tmp_path / "ed"
    run = CliRunner().invoke(app, ["import", "text", str(path), "--date", "2019-10-21",
                                   "--paper", "xnrb", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "imported 4 article(s)" in run.output and "rejoined" in run.output
    assert read_edition(out).articles[0].headline == "咸宁经济运行稳中向好"
    again = CliRunner().invoke(app, ["import", "text", str(path), "--date", "2019-10-21",
                                     "--out", str(out), "--strict"])
    assert again.exit_code == 1 and "nothing was written" in again.output
