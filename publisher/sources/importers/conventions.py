"""The conventions of Chinese newspaper copy, as small recognisers on one line of text.

Owns the knowledge of what copy looks like, independent of where it came from: bylines
("○ 通讯员 王颖 潘尚", "记者 张三"), dateline leads ("本报讯 通讯员胡晓轩、李文福报道：",
"本报讯（记者 甲 通讯员 乙）", "新华社北京10月20日电"), photo credits ("通讯员 吴涛 摄"),
captions ("图为…"), briefs column names (简讯, 快讯, 短讯 …), numbered subheads, title-like
lines, column-break rejoining and stray foreign words. Both the plain-text and the JSON
importer use these; each function is pure (str in, small record out), so each convention is
tested on its own.

It must not decide document structure (which line is a headline of which article): that
belongs to the importer, which has the context.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ...model import Byline, Credit
from ...typeset.punctuation import CLOSING_MARKS, unspaced
from ..edition import BYLINE_ROLES, parse_byline

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# The roles the native reader's byline parser knows (so a byline written out reads back
# the same), longest first; the one-character roles 文 and 图 are too ambiguous in copy.
ROLES = tuple(sorted((r for r in BYLINE_ROLES if len(r) > 1), key=len, reverse=True))
_ROLE = "|".join(re.escape(r) for r in ROLES)
_NAME = f"[{HAN}·]{{2,5}}"

# Marks that may end a paragraph; a paragraph ending in anything else was probably cut by a
# column break ("…召开2019" + "年秋季…"). "：" counts: "他说：" is often followed by a quote.
TERMINAL = set("。！？…”’」』）》】：；!?;:)\"'")

DATE_LEAD = re.compile(r"^\s*(?:\d{4}年)?\d{1,2}月\d{1,2}日")
BULLET = re.compile(r"^[■□●○◆◇▲△★☆•▪·]\s*")
BRIEFS_NAME = re.compile(r"(简讯|快讯|短讯|速递|速览|简报|集锦|短波|一句话新闻|新闻速览|动态|点滴)$")
SUBHEAD_NUMBER = re.compile(r"^(?:(\d{1,2})[\s.、．]+|([一二三四五六七八九十]{1,3})[、．.]\s*|"
                            r"[（(]([一二三四五六七八九十\d]{1,3})[）)]\s*)\S")
EDITOR = re.compile(r"^[（(]?\s*(责任编辑|责编|美术编辑|美编|校对|版式设计|编辑)\s*[：:]\s*"
                    rf"({_NAME}(?:\s*[、\s]\s*{_NAME})*)\s*[）)]?$")
PAGE_HEAD = re.compile(r"^(第\s*(\d{1,3})\s*版|([A-Z]\d{1,3}))\s*[：:·\s]\s*(\S{2,12})$")

# An outlet's own dateline: "科技日报兰州6月11日电", "中国经济网北京6月12日讯" — a name ending
# like a paper, agency, site or station, a place, the date, then 电 or 讯.
_OUTLET = (rf"[{HAN}]{{1,8}}?(?:日报|晚报|时报|商报|报|通讯社|社|网|电视台|台)[{HAN}]{{0,8}}?"
           rf"\d{{1,2}}月\d{{1,2}}日[电讯]")
_LEAD = re.compile(
    rf"""^(?P<agency>本报讯|本报[{HAN}]{{1,8}}[讯电]|新华社[{HAN}\d]{{0,20}}?电|
          (?:中新社|人民网|新华网|央视网)[{HAN}\d]{{0,20}}?电|据[{HAN}]{{2,12}}报道|{_OUTLET})
        (?P<sp1>\s*)
        (?:[（(](?P<paren>[^（）()]{{1,60}})[）)])?
        \s*
        (?:(?P<credits>(?:{_ROLE})[^：:，,。（）]{{0,60}}?)\s*报道)?
        \s*[：:]?
    """, re.VERBOSE)

_CREDIT_BODY = rf"(?:(?:{_ROLE})\s*)?{_NAME}(?:[\s、]+{_NAME}){{0,5}}"
CREDIT_LINE = re.compile(rf"^[（(]?\s*(?P<who>{_CREDIT_BODY}|(?:{_ROLE}))\s*摄\s*[）)]?$")
_CREDIT_WINDOW = 100  # characters: a role, six names and their spaces fit easily
CREDIT_TAIL = re.compile(rf"(?<=[。！？”\s）])\s*[（(]?\s*(?P<who>{_CREDIT_BODY})\s*摄\s*[）)]?$")
BYLINE_LINE = re.compile(rf"^(?P<mark>[○●◎■□◆])?\s*[（(]?\s*(?P<body>(?:(?:{_ROLE})\s*[:：]?\s*)?"
                         rf"{_NAME}(?:[\s、，]+(?:(?:{_ROLE})\s*)?{_NAME}){{0,11}})\s*[）)]?$")
FOREIGN = re.compile(rf"(?<=[{HAN}，。、])\s*\b([a-z]{{2,}}(?:\s+[a-z]{{2,}})*)\b\s*(?=[{HAN}])")
# Compound surnames: a four-character name is only plausible with one of these.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
                     "夏侯", "轩辕", "令狐", "宇文", "司徒", "端木", "南宫", "独孤")


# Common surnames (the first ~300 of 百家姓 by frequency, with the compound ones' first
# characters): a line like "记者节快乐" is a headline, not 记者 + 节快乐.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘"
    "祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟"
    "艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞"
    "姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕"
    "楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣"
    "晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉"
    "银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由上诸葛东皇令端独"
    # rarer ones met in bylines
    "颉郗郦逄闫芈岳靖藏仉督眭暴钮龚禄蓟郄郏笪糜粘郇酆"
)


@dataclass(frozen=True)
class Lead:
    """A dateline lead at the start of a paragraph, and what follows it."""

    dateline: str  # verbatim, e.g. "本报讯 通讯员胡晓轩、李文福报道："
    byline: Byline | None
    rest: str  # the paragraph's text after the lead
    note: str | None = None  # a reading of the credits an editor should check


def match_lead(text: str) -> Lead | None:
    m = _LEAD.match(text)
    if not m:
        return None
    credits = m.group("credits") or m.group("paren")
    lead = m.group(0).rstrip()
    rest = text[m.end():].lstrip()
    if not credits and not m.group("paren"):
        lead = m.group("agency")
        rest = text[m.end("agency"):].lstrip(" ：:")
    byline = parse_credits(credits) if credits else None
    note = None
    if byline and m.group("credits"):
        byline, note = _strip_text_by(byline)
    return Lead(lead, byline, rest, note)


def _strip_text_by(byline: Byline) -> tuple[Byline, str | None]:
    """"通讯员周瀚浩文报道": a four-character last name ending in 文 (or 图) before 报道 is read
    as the name plus 文 "text by" (as in 文/图), unless it starts with a compound surname."""
    last = byline.credits[-1]
    if not last.names:
        return byline, None
    name = last.names[-1]
    if len(name) == 4 and name[-1] in "文图" and not name.startswith(COMPOUND_SURNAMES):
        fixed = Credit(last.role, (*last.names[:-1], name[:-1]))
        return (Byline((*byline.credits[:-1], fixed)),
                f"{name!r} read as {name[:-1]!r} + {name[-1]!r} (\"{name[-1]}\" = text by); "
                f"if the name is {name!r}, change the byline")
    return byline, None


# A two-character name spaced out to the width of three ("田 鹏", "李　文"), as bylines are
# set: one name. Only a surname followed by one character and then the end or a separator.
_SPACED_NAME = re.compile(rf"(?<![{HAN}])([{HAN}])[ \u3000]([{HAN}])(?![{HAN}])")


def join_spaced_names(text: str) -> str:
    return _SPACED_NAME.sub(lambda m: m.group(1) + m.group(2) if m.group(1) in SURNAMES
                            else m.group(0), text)


def parse_credits(text: str) -> Byline | None:
    """Roles and names ("通讯员胡晓轩、李文福", "记者 甲 通讯员 乙") as a Byline."""
    text = join_spaced_names(re.sub(r"[:：]", " ", text))
    byline = parse_byline(text)
    return byline if byline.credits else None


def match_byline_line(text: str) -> Byline | None:
    """A line that is only a byline: "○ 通讯员 王颖 潘尚", "记者 张三", "（本报记者 李四）",
    "本报记者 田 鹏" (a two-character name spaced out), "■ 李 文" (a commentary's author)."""
    if len(text) > 80 or text.endswith("摄"):
        return None
    text = join_spaced_names(text)
    m = BYLINE_LINE.match(text)
    if not m:
        return None
    body = m.group("body")
    has_role = re.search(_ROLE, body) is not None
    if not (has_role or m.group("mark")):
        return None  # bare names are too easily a short sentence or a headline
    byline = parse_credits(body)
    if byline is None or (not m.group("mark") and any(n[0] not in SURNAMES for n in byline.names)):
        return None  # "记者节快乐" is a headline
    return byline


def match_credit_line(text: str) -> str | None:
    """A photo credit standing alone: "通讯员 吴涛 李启煌 摄" -> that text without brackets."""
    m = CREDIT_LINE.match(text)
    if not m:
        return None
    return f"{m.group('who').strip()} 摄"


def split_credit_tail(text: str) -> tuple[str, str | None]:
    """A caption ending with its credit: ("图为…。", "本报记者 张三 摄")."""
    # A credit is short and ends the caption: search only the end. The pattern backtracks
    # badly over long runs of spaces (a line of 800 spaces took 28 s; found by fuzzing).
    if not text.rstrip(" \t)）").endswith("摄"):
        return text, None
    m = CREDIT_TAIL.search(text, max(0, len(text) - _CREDIT_WINDOW))
    if not m or m.start() == 0:
        return text, None
    return text[: m.start()].rstrip(), f"{m.group('who').strip()} 摄"


def is_caption_start(text: str) -> bool:
    return text.startswith(("图为", "上图", "下图", "左图", "右图", "图一", "图二", "▲"))


def is_briefs_name(headline: str) -> bool:
    return len(headline) <= 12 and BRIEFS_NAME.search(headline) is not None


def numbered_subhead(text: str) -> bool:
    return len(text) <= 48 and "。" not in text[:-1] and SUBHEAD_NUMBER.match(text) is not None


def is_title_like(text: str) -> bool:
    """Short, unpunctuated at the end and free of sentence marks: a headline or subhead.

    For unmarked copy only (a ``#`` line is a title whatever it says): a comma is taken as
    the sign of a sentence, since a short paragraph with a comma is more common in copy than
    a headline with one.
    """
    if not text or len(text) > 40:
        return False
    if text[-1] in "。；，、：:;,":
        return False
    if any(m in text for m in "。；，") or DATE_LEAD.match(text):
        return False
    return not text.startswith(("“", "‘", "（")) and not cannot_start_title(text)


def cannot_start_title(text: str) -> bool:
    """A line starting like this is the rest of a cut sentence, never a headline."""
    return bool(text) and ((text[0].isdigit() and not SUBHEAD_NUMBER.match(text))
                           or text[0] in CLOSING_MARKS or text[0] in "%％)…")


def unterminated(text: str) -> bool:
    return bool(text) and text[-1] not in TERMINAL


def join_broken(left: str, right: str) -> str:
    """Rejoin a paragraph cut by a column: no space in Chinese text or inside a number."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if unspaced(a) or unspaced(b) or (a.isdigit() and (b.isdigit() or b in ".%")) \
            or (a in ".," and b.isdigit()):
        return left + right
    return left.rstrip() + " " + right.lstrip()


def foreign_fragments(text: str) -> list[str]:
    """Lower-case Latin words alone inside Chinese text ("运营模式 and 人才团队")."""
    return [m.group(1) for m in FOREIGN.finditer(text)]


def not_names(byline: Byline, confirmed: AbstractSet[str] = frozenset()) -> list[str]:
    """The names of ``byline`` that cannot be people's names: a field of a feed such as
    ``reporter`` often holds scraper residue ("了解到，在年货运", "走访北京多个商圈").

    A name is Han characters only (a transliterated name may hold "·"), two or three of them
    starting with a known surname, or four starting with a compound surname; a name the
    body's own byline or lead confirms (``confirmed``) is taken as it is.
    """
    bad = []
    for credit in byline.credits:
        for name in credit.names:
            if name in confirmed:
                continue
            if "·" in name:
                ok = re.fullmatch(rf"[{HAN}]{{1,8}}(?:·[{HAN}]{{1,8}})+", name) is not None
            elif len(name) == 4:
                ok = name.startswith(COMPOUND_SURNAMES) and re.fullmatch(f"[{HAN}]{{4}}", name) is not None
            else:
                ok = re.fullmatch(f"[{HAN}]{{2,3}}", name) is not None and name[0] in SURNAMES
            if not ok:
                bad.append(name)
    return bad


def looks_like_names(text: str) -> bool:
    """A field value made only of names (with roles): no sentence marks, no quotes."""
    if re.search(r"[，。；：！？“”‘’《》「」,.;:!?\"'（）()]", text.strip()):
        return False
    byline = parse_credits(text)
    return byline is not None and bool(byline.names) and not not_names(byline)


# "《 人民日报 》（ 2026年06月12日   06 版）": where a reprinted article first appeared, as a
# web page appends it; not part of the article's text.
SOURCE_TRAILER = re.compile(r"^《\s*(?P<paper>[^》]{1,20}?)\s*》\s*[（(]\s*(?P<date>\d{4}年\d{1,2}月\d{1,2}日)"
                            r"\s*(?P<page>[A-Z]?\d{1,3})\s*版\s*[）)]$")


def uncertain_names(byline: Byline | None) -> list[str]:
    """Names in a byline that are probably two names run together or a name plus a role."""
    if byline is None:
        return []
    odd = []
    for credit in byline.credits:
        if not credit.names:
            odd.append(f"{credit.role or '?'} (no name)")
        for name in credit.names:
            if len(name) > 4 or (len(name) == 4 and not name.startswith(COMPOUND_SURNAMES)) or len(name) < 2:
                odd.append(name)
    return odd


def split_brief_items(text: str) -> list[str]:
    """One paragraph holding several briefs: split after an attribution before a date."""
    parts = re.split(r"(?<=[）)])\s*(?=(?:\d{4}年)?\d{1,2}月\d{1,2}日)", text)
    return [p.strip() for p in parts if p.strip()]
