"""The lunar date the masthead prints (农历己亥年九月廿三), from the ``lunardate`` tables."""

from __future__ import annotations

import datetime as dt

STEMS = "甲乙丙丁戊己庚辛壬癸"
BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
DAY_TENS = ("初", "十", "廿", "三")
DIGITS = "一二三四五六七八九十"


def lunar_day(day: int) -> str:
    if day == 10:
        return "初十"
    if day == 20:
        return "二十"
    if day == 30:
        return "三十"
    return DAY_TENS[day // 10] + DIGITS[day % 10 - 1]


def lunar_date_zh(date: dt.date) -> str:
    """农历己亥年九月廿三 for 2019-10-21; 闰 before a leap month."""
    from lunardate import LunarDate

    ld = LunarDate.from_solar_date(date.year, date.month, date.day)
    # The sexagenary year: 1984 was 甲子.
    cycle = (ld.year - 1984) % 60
    year = STEMS[cycle % 10] + BRANCHES[cycle % 12]
    leap = "闰" if ld.is_leap_month else ""
    return f"农历{year}年{leap}{MONTHS[ld.month - 1]}月{lunar_day(ld.day)}"
