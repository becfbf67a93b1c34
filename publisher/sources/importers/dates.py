"""The dates newsrooms write, read exactly or not at all.

Chinese CMSs and feeds date items as ``2019-10-20 08:30``, ``2019/10/20 08:30:00``,
``2019.10.20``, ``2019年10月20日``, ``2019年10月20日 08:30`` or ``2019年10月20日 8时30分``,
sometimes with the weekday (``星期日``, ``周日``) and in full-width digits; ISO 8601 / RFC 3339
(``2019-10-20T08:30:00+08:00``) is the same pattern with a ``T`` and a zone. ``newsroom_date``
reads these whole or returns None: never a guess from a prefix (feedparser's ISO 8601 reader
takes ``2019/10/20`` for the year 2019 and fills in the current month), never a date that does
not exist, never a weekday that contradicts the date.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_DATE = (r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"  # 2019-10-20, 2019/10/20
         r"|年\s*(?P<cm>\d{1,2})\s*月\s*(?P<cd>\d{1,2})\s*日"  # 2019年10月20日
         r"|(?P<im>\d{2})(?P<id>\d{2}))")  # 20191020
_WEEKDAY = r"(?:\s*[(（]?\s*(?:星期|周|礼拜)(?P<wd>[一二三四五六日天])\s*[)）]?)?"
_TIME = (r"(?:(?:\s*T\s*|\s+|(?<=日))"
         r"(?:(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d{1,9})?)?"  # 08:30, 08:30:00.000
         r"|(?P<cH>\d{1,2})\s*[时点]\s*(?:(?P<cM>\d{1,2})\s*分\s*(?:(?P<cS>\d{1,2})\s*秒)?)?))?")  # 8时30分
_ZONE = r"(?:\s*(?P<z>Z|(?:UTC|GMT)?\s*[+-]\d{1,2}(?::?\d{2})?|UTC|GMT))?"
_FORM = re.compile(_DATE + _WEEKDAY + _TIME + _WEEKDAY.replace("wd", "wd2") + _ZONE)
_WEEKDAYS = "一二三四五六日"


def newsroom_date(text: str) -> dt.datetime | dt.date | None:
    """``text`` as a date (no time given) or a datetime (aware where a zone is given), else None."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    m = _FORM.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not m:
        return None
    g = m.groupdict()
    try:
        day = dt.date(int(g["y"]), int(g["m"] or g["cm"] or g["im"]), int(g["d"] or g["cd"] or g["id"]))
    except ValueError:  # 2019-02-30
        return None
    wd = g["wd"] or g["wd2"]
    if g["wd"] and g["wd2"]:
        return None
    if wd and _WEEKDAYS.index("日" if wd == "天" else wd) != day.weekday():
        return None
    hour, minute, second = (g["H"] or g["cH"]), (g["M"] or g["cM"] or "0"), (g["S"] or g["cS"] or "0")
    if hour is None:
        return None if g["z"] else day  # a zone without a time is not a form anyone writes
    try:
        when = dt.datetime.combine(day, dt.time(int(hour), int(minute), int(second)))
    except ValueError:  # 25:00
        return None
    zone = g["z"]
    if not zone:
        return when
    zone = zone.replace("UTC", "").replace("GMT", "").strip()
    if zone in ("", "Z"):
        return when.replace(tzinfo=dt.UTC)
    zm = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", zone)
    if not zm or int(zm.group(2)) > 14 or int(zm.group(3) or 0) > 59:
        return None
    offset = dt.timedelta(hours=int(zm.group(2)), minutes=int(zm.group(3) or 0))
    return when.replace(tzinfo=dt.timezone(-offset if zm.group(1) == "-" else offset))


def starts_like_a_date(text: str) -> bool:
    """Whether ``text`` opens with a four-digit year, as newsroom and ISO dates do."""
    return isinstance(text, str) and re.match(r"\d{4}", unicodedata.normalize("NFKC", text).strip()) is not None


__all__ = ["newsroom_date", "starts_like_a_date"]
