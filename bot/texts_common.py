"""Pieces of sentences every audience reads: numbers, dates, times and lists, through Babel.

The residents' (`texts_id`), the staff's (`texts_staff`, `texts_desk`) and the operators'
(`texts_ops`) sentences all write a number, a date or a time through these, in the `id_ID`
locale: "11.000", "Senin, 28 Januari 2019", "14.05 WIB". Plain text: no markup, nothing escaped.

`html_as_markup` is a bridge: a staff preview quotes a resident's sentence (an FAQ answer, a
visit as residents read it) that `texts_id` may still write in Telegram HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.domain.markup import bold, code, italic, link

LOCALE = "id_ID"


def format_number(n: float) -> str:
    """A number as Indonesians write it: "11.000", "12,5"."""
    return babel_numbers.format_decimal(n, locale=LOCALE)


def format_date(d: date) -> str:
    """A date with its weekday: "Senin, 28 Januari 2019"."""
    return babel_dates.format_date(d, "EEEE, d MMMM y", locale=LOCALE)


#: "Januari" ... "Desember", by month number.
_MONTHS_FULL = babel_dates.get_month_names("wide", locale=LOCALE)


def format_short_date(d: date) -> str:
    """A date without the weekday: "28 Januari 2019" (babel's "d MMMM y", without parsing the
    locale and the pattern on every call: a check's answer shows two)."""
    return f"{d.day} {_MONTHS_FULL[d.month]} {d.year}"


def local_time(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:  # our clock works in UTC; a naive time is taken as UTC
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz))


def format_time(dt: datetime, tz: str) -> str:
    """The local clock time in tz: "06.00" (babel's "HH.mm")."""
    return f"{local_time(dt, tz):%H.%M}"


_ZONE_NAMES = {"+0700": "WIB", "+0800": "WITA", "+0900": "WIT"}


def zone_short(local: datetime) -> str:
    """The short name of a local time's zone: "WIB", "WITA", "WIT" (elsewhere: "CEST")."""
    return _ZONE_NAMES.get(f"{local:%z}") or f"{local:%Z}"


def format_datetime(dt: datetime, tz: str) -> str:
    """Local date and time in tz: "Senin, 28 Januari 2019 pukul 14.05 WIB"."""
    local = local_time(dt, tz)
    return f"{format_date(local.date())} pukul {format_time(local, tz)} {zone_short(local)}"


def format_days(n: float) -> str:
    """A duration in whole days: "12 hari", "1.250 hari", "kurang dari 1 hari"."""
    days = int(n + 0.5) if n >= 0 else 0
    if days < 1:
        return "kurang dari 1 hari"
    return f"{format_number(days)} hari"


def _months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def format_ago(d: date, today: date) -> str:
    """How long ago a day was, in plain words: "hari ini", "kemarin", "3 bulan lalu"."""
    days = (today - d).days
    if days < 0:
        return "besok" if days == -1 else f"{format_number(-days)} hari lagi"
    if days == 0:
        return "hari ini"
    if days == 1:
        return "kemarin"
    if days < 14:
        return f"{days} hari lalu"
    months = _months_between(d, today)
    if months < 2:
        return f"{days // 7} minggu lalu"
    if months < 24:
        return f"{months} bulan lalu"
    return f"{format_number(months // 12)} tahun lalu"


_MONTH_PARTS = ((10, "awal"), (20, "pertengahan"), (31, "akhir"))


def _month_part(d: date) -> str:
    return next(name for last, name in _MONTH_PARTS if d.day <= last)


def format_month_part(d: date) -> str:
    """A day as people plan: "awal Desember 2026", "pertengahan Januari 2027", "akhir Mei 2027"."""
    return f"{_month_part(d)} {_MONTHS_FULL[d.month]} {d.year}"


def format_date_span(earliest: date, latest: date) -> str:
    """ "pertengahan Desember 2026 sampai awal Januari 2027" (shorter when both fall together)."""
    first, last = format_month_part(earliest), format_month_part(latest)
    if first == last:
        return first
    if (earliest.year, earliest.month) == (latest.year, latest.month):
        return f"{_month_part(earliest)} sampai {last}"
    if earliest.year == latest.year:
        return f"{_month_part(earliest)} {_MONTHS_FULL[earliest.month]} sampai {last}"
    return f"{first} sampai {last}"


def and_list(items: Sequence[str]) -> str:
    """ "A", "A dan B", "A, B dan C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " dan " + items[-1]


_HTML_TAG = re.compile(r'<(/?)(b|i|code|a)(?: href="([^"]*)")?>')
_HTML_MARKS = {"b": bold, "i": italic, "code": code}


def html_as_markup(text: str) -> str:
    """A sentence written in Telegram HTML (`<b>`, `<i>`, `<code>`, `<a href>`) as marked text;
    marked text passes through unchanged (it holds no tags and no entities of its own)."""
    out: list[str] = []
    at = 0
    opened: tuple[str, str] | None = None  # the open tag and its link
    inner: list[str] = []
    for match in _HTML_TAG.finditer(text):
        words = html.unescape(text[at : match.start()])
        (inner if opened else out).append(words)
        at = match.end()
        closing, tag, href = match.groups()
        if not closing:
            opened, inner = (tag, html.unescape(href or "")), []
        elif opened is not None:
            label = "".join(inner)
            tag, url = opened
            out.append(link(label, url) if tag == "a" else _HTML_MARKS[tag](label))
            opened, inner = None, []
    out += inner
    out.append(html.unescape(text[at:]))
    return "".join(out)
