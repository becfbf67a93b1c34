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


# The dates the ``lunardate`` tables cover (lunar years 1900-2099). Outside them the library
# returns dates that do not exist (1899-12-31 gave "the -30th day of the first month") or
# fails; the masthead then prints no lunar date (build_print warns, code lunar-date).
FIRST, LAST = dt.date(1900, 1, 31), dt.date(2100, 2, 8)


def lunar_date_zh(date: dt.date) -> str | None:
    """农历己亥年九月廿三 for 2019-10-21; 闰 before a leap month. None outside the tables."""
    from lunardate import LunarDate

    if not FIRST <= date <= LAST:
        return None
    ld = LunarDate.from_solar_date(date.year, date.month, date.day)
    if not (1 <= ld.day <= 30 and 1 <= ld.month <= 12) or ld.to_solar_date() != date:
        return None  # never print a date that does not exist
    # The sexagenary year: 1984 was 甲子.
    cycle = (ld.year - 1984) % 60
    year = STEMS[cycle % 10] + BRANCHES[cycle % 12]
    leap = "闰" if ld.is_leap_month else ""
    return f"农历{year}年{leap}{MONTHS[ld.month - 1]}月{lunar_day(ld.day)}"
