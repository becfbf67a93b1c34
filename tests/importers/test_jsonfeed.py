"""The JSON feed importer: a CMS export of 30+ articles over three channels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image as PILImage

from publisher.errors import SourceError
from publisher.model import ArticleKind, Credit, Figure, Subhead
from publisher.sources import read_edition
from publisher.sources.importers import parse_channel_map, run_import
from publisher.sources.importers.jsonfeed import import_json

CHANNELS = ["要闻", "咸安新闻", "社会"]
PLACES = ["咸安区", "温泉街道", "马桥镇", "贺胜桥镇", "大幕乡", "桂花镇"]


def make_feed(n: int = 33) -> dict:
    """A feed in the shapes CMSs export: lists and texts, strings and lists of names."""
    articles = []
    for i in range(n):
        place = PLACES[i % len(PLACES)]
        art: dict = {
            "id": 1000 + i,
            "title": f"{place}推进第{i + 1}项民生工程",
            "channel": CHANNELS[i % 3],
            "publish_time": f"2019-10-20T{8 + i % 12:02d}:30:00+08:00",
            "source": "本报讯",
        }
        if i % 3 == 0:
            art["author"] = "记者 张三 通讯员 李四"
            art["paragraphs"] = [f"10月{i % 20 + 1}日,{place}召开民生工程推进会。",
                                 "会议要求,各部门要抓好落实,确保工程按期完工。"]
        elif i % 3 == 1:
            art["reporter"] = ["王五", "赵六"]
            art["content"] = f"{place}今年共实施民生项目{i + 3}个。\n\n项目涉及教育、医疗和交通等领域。"
        else:
            art["section"] = art.pop("channel")
            art["subtitle"] = "——来自基层的报道"
            art["paragraphs"] = [f"本报讯 通讯员钱七、孙八报道:{place}的变化有目共睹。",
                                 {"type": "subhead", "text": "1 如何起步? 从小处着手"},
                                 "居民们说,日子越过越好了。"]
        if i == 4:
            art["images"] = [{"src": "https://cms.example.invalid/p/4.jpg",
                              "caption": "图为工程现场。 通讯员 吴涛 摄"}]
        if i % 10 == 7:
            art["tags"] = ["民生", "工程"]  # not in the schema: must be reported
        articles.append(art)
    articles.append({"title": "香城快讯", "channel": "咸安新闻", "paragraphs": [
        "10月19日,市图书馆举办读书分享会。(李明)",
        {"type": "brief", "text": "10月20日,市体育中心举办健身活动。", "attribution": ["周红", "吴刚"]},
    ]})
    return {"paper": {"id": "xnrb", "name": "咸宁日报", "publisher": "咸宁日报社"},
            "issue": {"number": 8216, "edition": "咸安", "edition_code": "xianan"},
            "generator": "cms 4.2", "articles": articles}


@pytest.fixture
def feed_file(tmp_path):
    def write(feed) -> Path:
        path = tmp_path / "feed.json"
        path.write_text(json.dumps(feed, ensure_ascii=False, indent=1), "utf-8")
        return path
    return write


def test_feed_of_34_articles_over_three_channels(feed_file):
    result = import_json(feed_file(make_feed()), date="2019-10-21")
    ed = result.edition
    assert ed.id == "xnrb-2019-10-21-xianan" and ed.issue.number == 8216
    assert [(p.number, p.name, len(p.articles)) for p in ed.pages] == [
        (1, "要闻", 11), (2, "咸安新闻", 12), (3, "社会", 11)]
    assert len(ed.articles) == 34
    assert not result.problems


def test_fields_map_onto_the_model(feed_file):
    ed = import_json(feed_file(make_feed()), date="2019-10-21").edition
    first = ed.pages[0].articles[0]
    assert first.byline.credits == (Credit("记者", ("张三",)), Credit("通讯员", ("李四",)))
    assert first.dateline == "本报讯"
    assert first.body[0].text == "10月1日，咸安区召开民生工程推进会。"
    second = ed.pages[1].articles[0]
    assert second.byline.credits == (Credit("记者", ("王五", "赵六")),)
    assert [b.text for b in second.body] == ["温泉街道今年共实施民生项目4个。", "项目涉及教育、医疗和交通等领域。"]
    third = ed.pages[2].articles[0]  # section instead of channel; lead inside the text
    assert third.kind is ArticleKind.FEATURE and third.subtitle == "来自基层的报道"
    assert third.dateline == "本报讯 通讯员钱七、孙八报道："
    assert third.byline.credits == (Credit("通讯员", ("钱七", "孙八")),)
    assert isinstance(third.body[1], Subhead) and third.body[1].title == "如何起步？"
    photo = ed.pages[1].articles[1]
    fig = photo.body[0]
    assert isinstance(fig, Figure) and (fig.caption, fig.credit, fig.image) == (
        "图为工程现场。", "通讯员 吴涛 摄", None)
    briefs = ed.pages[1].articles[-1]
    assert briefs.kind is ArticleKind.BRIEFS
    assert [(b.text, b.attribution) for b in briefs.body] == [
        ("10月19日，市图书馆举办读书分享会。", ("李明",)),
        ("10月20日，市体育中心举办健身活动。", ("周红", "吴刚"))]


def test_unknown_fields_are_listed_once_with_counts_as_notes(feed_file):
    from publisher.sources.importers import Level

    result = import_json(feed_file(make_feed()), date="2019-10-21")
    unknown = {f.where: f for f in result.report if f.code == "unknown-field"}
    assert sorted(str(k) for k in unknown) == ["articles[*].tags", "feed.generator"]
    tags = unknown["articles[*].tags"]
    assert "in 3 of 34 articles" in tags.message and "民生" in tags.message
    assert {f.level for f in unknown.values()} == {Level.NOTE}  # noise never fails --strict
    remote = [f for f in result.report if f.code == "remote-image"]
    assert len(remote) == 1


def test_imports_round_trips_and_builds(feed_file, tmp_path):
    from publisher.publish import publish

    out = tmp_path / "ed"
    result = run_import("json", feed_file(make_feed()), out=out, date="2019-10-21")
    assert read_edition(out) == result.edition
    report = (out / "import-report.txt").read_text("utf-8")
    assert "articles[*].tags" in report and "34 articles" in report
    built = publish(out, tmp_path / "dist", ["epub"])
    assert any(p.suffix == ".epub" for p in built.files)


def test_channel_map(feed_file):
    cmap = parse_channel_map("社会=5, 要闻=A01")
    assert cmap == {"社会": 5, "要闻": "A01"}
    result = import_json(feed_file(make_feed()), date="2019-10-21", channel_map=cmap)
    pages = [(p.number, p.name, p.label) for p in result.edition.pages]
    assert pages == [(1, "要闻", "A01"), (5, "社会", None), (6, "咸安新闻", None)]
    assert any(f.code == "channel-map" and "咸安新闻" in f.message for f in result.guesses)
    both = import_json(feed_file(make_feed()), date="2019-10-21",
                       channel_map={"要闻": 1, "咸安新闻": 1, "社会": 2})
    assert [(p.number, p.name, len(p.articles)) for p in both.edition.pages] == [
        (1, "要闻", 23), (2, "社会", 11)]


def test_local_image_is_copied_and_measured(feed_file, tmp_path):
    PILImage.new("RGB", (40, 30), "white").save(tmp_path / "photo.jpg")
    feed = [{"title": "窑咀大桥合龙", "channel": "要闻",
             "images": [{"src": "photo.jpg", "caption": "工人们正在吊装最后一块箱梁。",
                         "credit": "通讯员 吴涛 李启煌 摄"}]}]
    out = tmp_path / "ed"
    result = run_import("json", feed_file(feed), out=out, date="2019-10-21", paper="xnrb")
    art = read_edition(out).articles[0]
    assert art.kind is ArticleKind.PHOTO
    img = art.body[0].image
    assert (img.href, img.width, img.height) == ("images/p01-a01-1.jpg", 40, 30)
    assert (out / img.href).read_bytes() == (tmp_path / "photo.jpg").read_bytes()
    assert result.images == {"images/p01-a01-1.jpg": (tmp_path / "photo.jpg").read_bytes()}  # as checked


def test_image_outside_the_feed_folder_is_refused(feed_file, tmp_path):
    feed = [{"title": "标题", "channel": "要闻", "paragraphs": ["正文。"],
             "images": [{"src": "../../etc/passwd", "caption": "图。"}]}]
    with pytest.raises(SourceError) as info:
        run_import("json", feed_file(feed), out=tmp_path / "ed", date="2019-10-21", paper="xnrb")
    assert any(p.code == "image-outside" for p in info.value.problems)
    assert not (tmp_path / "ed").exists()


def test_schema_errors_fail_with_their_place(feed_file, tmp_path):
    feed = [{"title": "", "channel": "要闻", "paragraphs": {"段落": "不是文本"}}]
    with pytest.raises(SourceError) as info:
        run_import("json", feed_file(feed), out=tmp_path / "ed", date="2019-10-21", paper="xnrb")
    text = str(info.value)
    assert "articles[0].title" in text and "articles[0].paragraphs" in text


def test_invalid_json_names_its_line(feed_file, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n{"title": "a",\n "channel" "要闻"}\n]', "utf-8")
    with pytest.raises(SourceError) as info:
        import_json(path, date="2019-10-21")
    assert info.value.problems[0].line == 3


@pytest.mark.parametrize("feed, words", [
    ({"paper": {}}, "no list of articles"), ("just text", "no list of articles"),
    ([], "no articles"), ({"data": {"rows": [1]}, "x": []}, "(lists under: x)")])
def test_feeds_without_articles(feed_file, feed, words):
    with pytest.raises(SourceError) as info:
        import_json(feed_file(feed), date="2019-10-21", paper="xnrb")
    assert words in str(info.value)


def test_publish_time_far_from_the_edition_date_is_a_guess(feed_file):
    feed = [{"title": "旧闻", "channel": "要闻", "paragraphs": ["正文。"], "publish_time": "2019-09-01"},
            {"title": "新闻", "channel": "要闻", "paragraphs": ["正文。"], "publish_time": "2019-10-20 18:00"}]
    result = import_json(feed_file(feed), date="2019-10-21", paper="xnrb")
    assert [f.where for f in result.guesses if f.code == "publish-time"] == ["articles[0].publish_time"]
    with pytest.raises(SourceError):
        import_json(feed_file(feed), date="21/10/2019", paper="xnrb")
