"""The sample edition (editions/xnrb-2019-10-21-xianan) holds the seed page, faithfully.

These tests pin what was on the page: the articles in order, the feature's subheads and
byline, every news lead, the 简讯 items and who sent them, the two photos. They also
check the conventions the sample must follow (full-width punctuation in Chinese text,
the dateline kept out of the body) and that the placeholder photos are reproducible.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image as PILImage

from publisher.errors import Problems
from publisher.model import ArticleKind, Brief, Figure, Paragraph, Subhead
from publisher.sources import read_edition
from tests.conftest import script_module

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "editions" / "xnrb-2019-10-21-xianan"

# (slug, kind, headline), in the order of the page.
EXPECTED = [
    ("jiceng-zhili", ArticleKind.FEATURE, "打通基层治理最末端"),
    ("rencai-dasai", ArticleKind.NEWS, "全球高层次人才创新创业大赛九强选手决战“南鄂杯”"),
    ("kunlun-xingdong", ArticleKind.NEWS, "咸安“昆仑5号”行动 保护野生动植物资源"),
    ("mingchu-liangzao", ArticleKind.NEWS, "区教育局 推行“明厨亮灶”工程"),
    ("guanbuqiao-zhenggai", ArticleKind.NEWS, "官埠桥镇 主题教育立行立改"),
    ("hesheng-minjing", ArticleKind.NEWS, "女子感情受挫欲轻生 贺胜民警暖心劝解"),
    ("shuihulu", ArticleKind.PHOTO, None),
    ("yaozui-daqiao", ArticleKind.PHOTO, "窑咀大桥合龙"),
    ("xiangcheng-jianxun", ArticleKind.BRIEFS, "香城简讯"),
]

# News: byline names, and the start of the body right after the dateline.
NEWS = {
    "rencai-dasai": (("胡晓轩", "李文福"), "10月16日，2019咸宁“南鄂杯”"),
    "kunlun-xingdong": (("余勐", "蒋敦文"), "为深入推进“昆仑5号”专项行动"),
    "mingchu-liangzao": (("胡永光", "陈毅"), "为保障广大师生饮食安全健康"),
    "guanbuqiao-zhenggai": (("周瀚浩",), "“现在的环境越来越好"),
    "hesheng-minjing": (("徐程程", "汪伟霞"), "“您好，我要报案"),
}

# 香城简讯 as printed: 11 items, each with its sender(s).
BRIEF_ATTRIBUTIONS = [
    ("刘琼",), ("张新功",), ("陈鹏", "陈琦"), ("陈超", "邓青"), ("柯细喜", "胡建新"),
    ("饶利达",), ("胡红云",), ("陈建效",), ("刘洁", "胡昕"), ("吴丰",), ("刘艺", "谭陈"),
]

CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef“”‘’—…《》]"
ASCII_PUNCT_IN_CJK = re.compile(rf"(?<={CJK})[,:;?!()]|[,:;?!()](?={CJK})")


@pytest.fixture(scope="module")
def loaded():
    problems = Problems()
    edition = read_edition(SAMPLE, problems)
    return edition, problems


@pytest.fixture(scope="module")
def edition(loaded):
    return loaded[0]


def article(edition, slug):
    return next(a for a in edition.articles if a.slug == slug)


def test_loads_without_problems_or_warnings(loaded):
    edition, problems = loaded
    assert problems.items == []
    assert edition.id == "xnrb-2019-10-21-xianan"
    assert edition.issue.note and "示例" in edition.issue.note
    assert [p.name for p in edition.pages] == ["咸安新闻"]


def test_articles_in_page_order(edition):
    assert [(a.slug, a.kind, a.headline) for a in edition.articles] == EXPECTED


def test_feature_subheads_subtitle_and_byline(edition):
    feature = article(edition, "jiceng-zhili")
    assert feature.subtitle == "咸安区党建引领小区治理观察"  # the template adds the "——"
    subheads = [b for b in feature.body if isinstance(b, Subhead)]
    assert [(s.number, s.title, s.subtitle) for s in subheads] == [
        ("1", "如何破题？", "聚焦老旧小区——看幸福家园的“幸福回归”"),
        ("2", "如何运转？", "走进大型小区——看福星城里的“福星高照”"),
        ("3", "如何巩固？", "踏访商业楼盘——看佳和颐景的“家和怡景”"),
    ]
    assert [c.role for c in feature.byline.credits] == ["通讯员"]
    assert feature.byline.names == ("王颖", "潘尚", "夏宁宏", "王腾", "王梓琪")
    assert feature.figures == ()  # the seed page prints no photo with the feature
    paragraphs = [b for b in feature.body if isinstance(b, Paragraph)]
    assert len(paragraphs) == 17
    assert paragraphs[-1].text.endswith("正朝着不断深化拓展的方向前进。")


@pytest.mark.parametrize("slug", sorted(NEWS))
def test_news_dateline_byline_and_body_start(edition, slug):
    names, body_start = NEWS[slug]
    a = article(edition, slug)
    assert a.dateline.startswith("本报讯 通讯员") and a.dateline.endswith("报道：")
    assert a.byline.names == names
    assert [c.role for c in a.byline.credits] == ["通讯员"]
    for name in names:
        assert name in a.dateline
    first = a.body[0]
    assert isinstance(first, Paragraph) and first.text.startswith(body_start)
    assert not any(isinstance(b, Paragraph) and "本报讯" in b.text for b in a.body)


def test_briefs_items_and_attributions(edition):
    briefs = article(edition, "xiangcheng-jianxun")
    assert all(isinstance(b, Brief) for b in briefs.body)
    assert [b.attribution for b in briefs.body] == BRIEF_ATTRIBUTIONS
    for b in briefs.body:
        assert re.match(r"^10月1\d日", b.text) and b.text.endswith("。"), b.text
        assert "（" not in b.text[-12:]  # the attribution was taken out of the text
    # Items split by column breaks on the page are whole again.
    texts = [b.text for b in briefs.body]
    assert "提出切实可行的对策并作为" in texts[2]
    assert "水利施工情况良好，" in texts[5]
    assert "召开2019年秋季校园安全" in texts[8]


def test_photo_figures_have_existing_images(edition):
    water = article(edition, "shuihulu")
    bridge = article(edition, "yaozui-daqiao")
    assert [type(b) for b in water.body] == [Figure]
    assert [type(b) for b in bridge.body] == [Figure, Paragraph]
    for a, href, credit in ((water, "images/shuihulu.jpg", None),
                            (bridge, "images/yaozui-daqiao.jpg", "通讯员 吴涛 李启煌 摄")):
        (fig,) = a.figures
        assert fig.image is not None and fig.image.href == href
        assert fig.image.path.is_file() and fig.image.path.is_relative_to(SAMPLE.resolve())
        assert fig.image.media_type == "image/jpeg"
        assert fig.credit == credit
        assert fig.alt and fig.alt != fig.caption
        assert fig.caption.startswith("10月15日，")
        assert fig.image.path.stat().st_size < 150_000
    assert water.title == "工人们正在浐河窑嘴大桥处打捞外来物种水葫芦"  # caption's first sentence, no date
    assert bridge.figures[0].caption.endswith("这也标志着该座大桥正式合龙。")


def test_no_ascii_punctuation_inside_chinese_text(edition):
    offenders = []
    for a in edition.articles:
        for text in a.texts():
            if ASCII_PUNCT_IN_CJK.search(text):
                offenders.append((a.slug, text[:30]))
    assert offenders == []
    # The numbers and Latin text that stay half-width, as printed.
    everything = "".join(t for a in edition.articles for t in a.texts())
    for kept in ("53.97", "“1+7”", "30%", "S360", "266m", "运营模式 and 人才团队", "b超"):
        assert kept in everything


def test_ascii_punctuation_check_catches_a_comma():
    # The check above must be able to fail.
    assert ASCII_PUNCT_IN_CJK.search("支部,党员")
    assert ASCII_PUNCT_IN_CJK.search("（刘琼)")
    assert not ASCII_PUNCT_IN_CJK.search("53.97万元，S360省道")


def _placeholder_script():
    return script_module("scripts/make_placeholders.py")


def test_placeholders_are_reproducible(tmp_path, edition):
    script = _placeholder_script()
    linked = sorted(f.image.href for a in edition.articles for f in a.figures if f.image)
    assert script.linked_images(SAMPLE) == linked
    outputs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        (folder / "articles").mkdir(parents=True)
        for md in (SAMPLE / "articles").glob("*.md"):
            (folder / "articles" / md.name).write_bytes(md.read_bytes())
        assert script.main([str(folder)]) == 0
        outputs.append({href: (folder / href).read_bytes() for href in linked})
    assert outputs[0] == outputs[1]
    for href in linked:
        with PILImage.open(tmp_path / "a" / href) as im:
            assert (im.format, im.size) == ("JPEG", (1200, 800))
            assert "exif" not in im.info
