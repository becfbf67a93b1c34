"""The seed page imported as plain text: the structure a newspaper reader sees on it.

The hand-made sample edition (editions/xnrb-2019-10-21-xianan) was made from the same page
by a person; the importer must find the same articles, subheads, bylines, datelines,
captions and briefs on its own, and its edition must build.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from publisher.model import ArticleKind, Brief, Figure, Paragraph, Subhead
from publisher.sources import read_edition
from publisher.sources.importers import REPORT_FILE, Level, run_import
from publisher.sources.importers.plaintext import import_text
from tests.conftest import SAMPLE, SEED_PAGE as SEED


@pytest.fixture(scope="module")
def result():
    return import_text(SEED, date="2019-10-21", paper="xnrb", page_label="1")


@pytest.fixture(scope="module")
def articles(result):
    return result.edition.articles


def test_page_order_kinds_and_headlines(articles):
    assert [(a.kind, a.headline) for a in articles] == [
        (ArticleKind.FEATURE, "打通基层治理最末端"),
        (ArticleKind.NEWS, "全球高层次人才创新创业大赛九强选手决战“南鄂杯”"),
        (ArticleKind.NEWS, "咸安“昆仑5号”行动 保护野生动植物资源"),
        (ArticleKind.NEWS, "区教育局 推行“明厨亮灶”工程"),
        (ArticleKind.NEWS, "官埠桥镇 主题教育立行立改"),
        (ArticleKind.NEWS, "女子感情受挫欲轻生 贺胜民警暖心劝解"),
        (ArticleKind.PHOTO, None),
        (ArticleKind.PHOTO, "窑咀大桥合龙"),
        (ArticleKind.BRIEFS, "香城简讯"),
    ]
    assert [a.slug for a in articles] == [f"p01-a{i:02d}" for i in range(1, 10)]


def test_feature_has_three_numbered_subheads_and_five_name_byline(articles):
    feature = articles[0]
    assert feature.subtitle == "咸安区党建引领小区治理观察"
    assert feature.byline.credits[0].role == "通讯员"
    assert feature.byline.names == ("王颖", "潘尚", "夏宁宏", "王腾", "王梓琪")
    subs = [b for b in feature.body if isinstance(b, Subhead)]
    assert [(s.number, s.title) for s in subs] == [("1", "如何破题？"), ("2", "如何运转？"),
                                                   ("3", "如何巩固？")]
    assert subs[0].subtitle == "聚焦老旧小区——看幸福家园的“幸福回归”"
    assert feature.dateline is None
    # the intro and the three sections: 4 + 4 + 7 + 5 paragraphs … 17 in all
    assert sum(isinstance(b, Paragraph) for b in feature.body) == 17


NEWS = [
    ("本报讯 通讯员胡晓轩、李文福报道：", ("胡晓轩", "李文福"), "10月16日，2019咸宁“南鄂杯”"),
    ("本报讯 通讯员余勐、蒋敦文报道：", ("余勐", "蒋敦文"), "为深入推进“昆仑5号”专项行动"),
    ("本报讯 通讯员胡永光、陈毅报道：", ("胡永光", "陈毅"), "为保障广大师生饮食安全健康"),
    ("本报讯 通讯员周瀚浩文报道：", ("周瀚浩",), "“现在的环境越来越好"),
    ("本报讯 通讯员徐程程、汪伟霞报道：", ("徐程程", "汪伟霞"), "“您好，我要报案"),
]


@pytest.mark.parametrize("index", range(5))
def test_each_news_lead_is_a_dateline_with_its_reporters(articles, index):
    art = articles[index + 1]
    dateline, names, start = NEWS[index]
    assert art.dateline == dateline
    assert art.byline.names == names
    assert all(c.role == "通讯员" for c in art.byline.credits)
    first = art.body[0]
    assert isinstance(first, Paragraph) and first.text.startswith(start)
    assert "本报讯" not in first.text  # the lead is not repeated in the body


def test_run_together_name_is_flagged(result):
    flagged = [f for f in result.report if f.code == "byline-uncertain"]
    assert [f.line for f in flagged] == [73] and "周瀚浩文" in flagged[0].message


def test_photo_captions_with_their_credits(articles, result):
    lone, bridge = articles[6], articles[7]
    assert [type(b) for b in lone.body] == [Figure]
    assert lone.body[0].caption.startswith("10月15日，工人们正在浐河窑嘴大桥处打捞")
    assert lone.body[0].credit is None and lone.body[0].image is None
    fig = bridge.body[0]
    assert isinstance(fig, Figure) and fig.image is None
    assert fig.credit == "通讯员 吴涛 李启煌 摄"
    assert fig.caption.startswith("10月15日，咸安区浐河流域窑咀大桥工地上")
    assert isinstance(bridge.body[1], Paragraph) and "桥长266m" in bridge.body[1].text
    flagged = {f.line for f in result.report if f.code == "caption-without-image"}
    assert flagged == {87, 91}


BRIEF_ATTRIBUTIONS = [
    ("刘琼",), ("张新功",), ("陈鹏", "陈琦"), ("陈超", "邓青"), ("柯细喜", "胡建新"),
    ("饶利达",), ("胡红云",), ("陈建效",), ("刘洁", "胡昕"), ("吴丰",), ("刘艺", "谭陈"),
]


def test_briefs_column_split_into_items_with_attribution(articles):
    column = articles[8]
    items = [b for b in column.body if isinstance(b, Brief)]
    assert len(items) == len(column.body) == 11  # the seed prints 11 items (11 attributions)
    assert [b.attribution for b in items] == BRIEF_ATTRIBUTIONS
    assert all(b.text.startswith("10月") and b.text.endswith("。") for b in items)
    assert all("（" not in b.text[-6:] for b in items)  # the attribution is out of the text


def test_column_breaks_rejoined(articles, result):
    texts = [b.text for b in articles[8].body]
    assert any("提出切实可行的对策并作为" in t for t in texts)
    assert any("施工情况良好，全区" in t for t in texts)
    assert any("召开2019年秋季校园安全" in t for t in texts)
    rejoined = sorted(f.line for f in result.report if f.code == "rejoined")
    assert rejoined == [107, 115, 123]


def test_punctuation_normalised_and_foreign_word_kept(articles, result):
    feature_first = articles[0].body[0].text
    assert feature_first.startswith("党的十九大提出，要")
    assert "?" not in feature_first and "，" in feature_first
    every = "".join(t for a in articles for t in a.texts())
    for mark in ",:;?!()":
        assert mark not in every
    assert "运营模式 and 人才团队" in articles[1].body[1].text
    foreign = [f for f in result.report if f.code == "foreign"]
    assert [(f.line, f.level) for f in foreign] == [(53, Level.GUESS)]


def _plain(article):
    body = tuple(replace(b, image=None, alt=None) if isinstance(b, Figure) else b
                 for b in article.body)
    return replace(article, slug="", body=body)


def test_same_structure_as_the_hand_made_sample_edition(articles):
    sample = read_edition(SAMPLE).articles
    assert len(sample) == len(articles)
    for hand, imported in zip(sample, articles, strict=True):
        # the same kinds, titles, bylines, datelines and body blocks, text for text;
        # only slugs, photos and alt texts (which the text copy cannot carry) differ
        assert _plain(imported) == _plain(hand), hand.slug


def test_imported_edition_builds(tmp_path):
    from publisher.check import run_epubcheck
    from publisher.publish import publish

    out = tmp_path / "ed"
    result = run_import("text", SEED, out=out, date="2019-10-21", paper="xnrb", page="1")
    assert read_edition(out) == result.edition
    report = (out / REPORT_FILE).read_text("utf-8")
    assert "9 articles" in report and "line 107" in report
    built = publish(out, tmp_path / "dist")
    epub = next(p for p in built.files if p.suffix == ".epub")
    check = run_epubcheck(epub)
    assert check.clean, check.messages
