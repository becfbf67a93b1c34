"""The single-line recognisers of Chinese newspaper copy, as tables."""

from __future__ import annotations

import pytest

from publisher.model import Credit
from publisher.sources.importers import conventions as cv
from publisher.typeset.punctuation import normalize


@pytest.mark.parametrize("text, dateline, credits, rest", [
    ("本报讯 通讯员胡晓轩、李文福报道：10月16日，大赛举行。", "本报讯 通讯员胡晓轩、李文福报道：",
     (Credit("通讯员", ("胡晓轩", "李文福")),), "10月16日，大赛举行。"),
    ("本报讯（记者 刘明 通讯员 张华）今年以来，", "本报讯（记者 刘明 通讯员 张华）",
     (Credit("记者", ("刘明",)), Credit("通讯员", ("张华",))), "今年以来，"),
    ("本报讯 记者 赵六 报道：今天上午，", "本报讯 记者 赵六 报道：", (Credit("记者", ("赵六",)),),
     "今天上午，"),
    ("新华社北京10月20日电（记者 王五）记者从", "新华社北京10月20日电（记者 王五）",
     (Credit("记者", ("王五",)),), "记者从"),
    ("新华社武汉10月20日电 湖北省今天", "新华社武汉10月20日电", None, "湖北省今天"),
    ("本报咸安讯（通讯员 钱七 实习生 孙八）近日，", "本报咸安讯（通讯员 钱七 实习生 孙八）",
     (Credit("通讯员", ("钱七",)), Credit("实习生", ("孙八",))), "近日，"),
    ("本报讯 10月16日，某地", "本报讯", None, "10月16日，某地"),
    ("本报讯 通讯员周瀚浩文报道：“现在", "本报讯 通讯员周瀚浩文报道：",
     (Credit("通讯员", ("周瀚浩",)),), "“现在"),
    ("本报讯 通讯员欧阳晓文报道：正文", "本报讯 通讯员欧阳晓文报道：",
     (Credit("通讯员", ("欧阳晓文",)),), "正文"),
])
def test_leads(text, dateline, credits, rest):
    lead = cv.match_lead(text)
    assert lead.dateline == dateline and lead.rest == rest
    assert (lead.byline.credits if lead.byline else None) == credits


@pytest.mark.parametrize("text", ["本报记者昨天获悉，", "据悉，本报讯这个词", "新华社是通讯社。"])
def test_not_leads(text):
    assert cv.match_lead(text) is None


@pytest.mark.parametrize("text, credits", [
    ("○ 通讯员 王颖 潘尚 夏宁宏 王腾 王梓琪", (Credit("通讯员", ("王颖", "潘尚", "夏宁宏", "王腾", "王梓琪")),)),
    ("记者 张三", (Credit("记者", ("张三",)),)),
    ("（本报记者 李四）", (Credit("本报记者", ("李四",)),)),
    ("本报记者 张三 通讯员 李四、王五", (Credit("本报记者", ("张三",)), Credit("通讯员", ("李四", "王五")))),
    ("● 王颖 潘尚", (Credit(None, ("王颖", "潘尚")),)),
])
def test_byline_lines(text, credits):
    assert cv.match_byline_line(text).credits == credits


@pytest.mark.parametrize("text", ["王颖 潘尚", "通讯员 吴涛 李启煌 摄", "记者节快乐",
                                  "怎么办？", "区教育局 推行“明厨亮灶”工程"])
def test_not_byline_lines(text):
    assert cv.match_byline_line(text) is None


@pytest.mark.parametrize("text, credit", [
    ("通讯员 吴涛 李启煌 摄", "通讯员 吴涛 李启煌 摄"),
    ("本报记者 刘明 摄", "本报记者 刘明 摄"),
    ("（记者 张三 摄）", "记者 张三 摄"),
    ("张三摄", "张三 摄"),
    ("工人们正在作业 通讯员 张三 摄", None),
    ("摄影展开幕", None),
])
def test_credit_lines(text, credit):
    assert cv.match_credit_line(text) == credit


@pytest.mark.parametrize("text, caption, credit", [
    ("图为工人们正在作业。 通讯员 吴涛 摄", "图为工人们正在作业。", "通讯员 吴涛 摄"),
    ("图为工人们正在作业。（本报记者 张三 摄）", "图为工人们正在作业。", "本报记者 张三 摄"),
    ("图为工人们正在作业。", "图为工人们正在作业。", None),
    ("他为大家拍摄", "他为大家拍摄", None),
])
def test_caption_credit_tail(text, caption, credit):
    assert cv.split_credit_tail(text) == (caption, credit)


@pytest.mark.parametrize("name, yes", [("香城简讯", True), ("咸宁快讯", True), ("短讯", True),
                                       ("工作动态", True), ("打通基层治理最末端", False),
                                       ("关于进一步做好简讯报送工作的若干意见和建议", False)])
def test_briefs_names(name, yes):
    assert cv.is_briefs_name(name) is yes


@pytest.mark.parametrize("text, yes", [
    ("1 如何破题？ 聚焦老旧小区——看幸福家园的“幸福回归”", True),
    ("一、机械化收割提速", True), ("（二）订单农业保收益", True), ("2. 加强管理", True),
    ("2018年8月，通过群众推荐", False), ("71岁的王森，是书记。", False), ("10月15日", False),
])
def test_numbered_subheads(text, yes):
    assert cv.numbered_subhead(text) is yes


@pytest.mark.parametrize("left, right, joined", [
    ("召开2019", "年秋季", "召开2019年秋季"), ("约12", "00亿元", "约1200亿元"),
    ("增长10.", "5%", "增长10.5%"), ("提出切实可行的", "对策", "提出切实可行的对策"),
    ("in the", "middle", "in the middle"), ("价值1,", "000元", "价值1,000元"),
])
def test_join_broken(left, right, joined):
    assert cv.join_broken(left, right) == joined


@pytest.mark.parametrize("text, found", [
    ("运营模式 and 人才团队", ["and"]), ("进行了b超、心电图", []), ("S360省道", []),
    ("GDP增长", []), ("使用iPhone拍摄", []), ("这是 the best 方案", ["the best"]),
])
def test_foreign_fragments(text, found):
    assert cv.foreign_fragments(text) == found


@pytest.mark.parametrize("raw, want", [
    ("党的十九大提出,要“推动”。那么,如何建立的?如今", "党的十九大提出，要“推动”。那么，如何建立的？如今"),
    ("1 如何破题? 聚焦", "1 如何破题？ 聚焦"),
    ("报道:10月16日", "报道：10月16日"),
    ("(陈鹏、陈琦)", "（陈鹏、陈琦）"),
    ("10:30 1,000 3.5 S360 1+7 hello, world", "10:30 1,000 3.5 S360 1+7 hello, world"),
    ("达30%,居民", "达30%，居民"),
    ('他说"好的"。', "他说“好的”。"),
    ("据悉.", "据悉。"), ("等等...", "等等……"),
    ("全角，已经。", "全角，已经。"),
])
def test_punctuation(raw, want):
    assert normalize(raw) == want
    assert normalize(want) == want  # idempotent
