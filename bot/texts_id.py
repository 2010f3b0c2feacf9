"""Every sentence a person reads, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, one per feature (each owned by one part of the code): formatting, statuses and NIK
reasons, general (start/help), residents, staff, import, notifications and broadcasts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

# --- formatting -------------------------------------------------------------------------------

LOCALE = "id_ID"


def format_number(n: float) -> str:
    """A number as Indonesians write it: "11.000", "12,5"."""
    return babel_numbers.format_decimal(n, locale=LOCALE)


def format_date(d: date) -> str:
    """A date with its weekday: "Senin, 28 Januari 2019"."""
    return babel_dates.format_date(d, "EEEE, d MMMM y", locale=LOCALE)


def format_short_date(d: date) -> str:
    """A date without the weekday: "28 Januari 2019"."""
    return babel_dates.format_date(d, "d MMMM y", locale=LOCALE)


def _local(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:  # our clock works in UTC; a naive time is taken as UTC
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz))


def format_time(dt: datetime, tz: str) -> str:
    """The local clock time in tz: "06.00"."""
    return babel_dates.format_time(_local(dt, tz), "HH.mm", locale=LOCALE)


def format_datetime(dt: datetime, tz: str) -> str:
    """Local date and time in tz: "Senin, 28 Januari 2019 pukul 14.05 WIB"."""
    local = _local(dt, tz)
    zone = babel_dates.format_time(local, "zzz", locale=LOCALE)
    return f"{format_date(local.date())} pukul {format_time(local, tz)} {zone}"


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


def format_duration(delta: timedelta) -> str:
    """A waiting time in the largest sensible unit: "3 hari", "2 minggu", "5 bulan"."""
    return babel_dates.format_timedelta(delta, threshold=1.5, locale=LOCALE)


# --- statuses and NIK reasons -----------------------------------------------------------------

# --- general: start, help, errors -------------------------------------------------------------

# --- residents --------------------------------------------------------------------------------

# --- staff and admins -------------------------------------------------------------------------

# --- import -----------------------------------------------------------------------------------

# --- notifications and broadcasts -------------------------------------------------------------
