"""The office's working hours and holidays, and arithmetic in working time.

Admins set the hours per weekday (`/jamkerja Senin-Kamis 08.00-15.00; Jumat 08.00-11.30`) and
keep a list of holidays (`/libur tambah 2026-12-25 Natal`); the default is Monday to Friday,
08.00 to 15.00 in the office's time zone. `OfficeHours` answers "is the office open now?",
"when does it open next?", "how many working hours lie between two moments?" and "when will
four working hours have passed?"; questions to staff use it for their promises to residents,
their reminders and the statistics. Each change owns its transaction and its audit row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.services.container import Services
from bot.storage import audit as audit_store
from bot.storage import questions as questions_store
from bot.storage import settings as settings_store
from bot.storage.driver import Conn

#: Weekday names as admins type them (0 = Monday), and as the bot writes them.
DAY_NAMES: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_DAY_ALIASES = {name.casefold(): i for i, name in enumerate(DAY_NAMES)} | {
    "jum'at": 4,
    "jum’at": 4,
    "ahad": 6,
    "sen": 0,
    "sel": 1,
    "rab": 2,
    "kam": 3,
    "jum": 4,
    "sab": 5,
    "min": 6,
}
#: How far ahead `next_open` and `add_working` look for an open hour (a year and a bit).
SEARCH_DAYS = 400
#: Audit actions (read with `python -m bot audit`).
AUDIT_HOURS = "ubah_jam_kerja"
AUDIT_HOLIDAY_ADD = "tambah_libur"
AUDIT_HOLIDAY_REMOVE = "hapus_libur"
#: The longest holiday name kept.
HOLIDAY_NAME_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Schedule:
    """Opening hours per weekday (0 = Monday); a day that is not in `days` is closed."""

    days: Mapping[int, tuple[time, time]]

    def to_json(self) -> str:
        return json.dumps(
            {str(d): [o.strftime("%H:%M"), c.strftime("%H:%M")] for d, (o, c) in self.days.items()}
        )

    @classmethod
    def from_json(cls, text: str) -> Schedule:
        raw = json.loads(text)
        return cls(
            {int(d): (time.fromisoformat(o), time.fromisoformat(c)) for d, (o, c) in raw.items()}
        )

    def groups(self) -> list[tuple[list[int], time, time]]:
        """Consecutive weekdays with the same hours: ([0..4], 08.00, 15.00), for display."""
        found: list[tuple[list[int], time, time]] = []
        for day in sorted(self.days):
            opens, closes = self.days[day]
            if found and found[-1][0][-1] == day - 1 and found[-1][1:] == (opens, closes):
                found[-1][0].append(day)
            else:
                found.append(([day], opens, closes))
        return found


DEFAULT_SCHEDULE = Schedule({day: (time(8, 0), time(15, 0)) for day in range(5)})


class ScheduleProblem(StrEnum):
    """Why a /jamkerja text could not be read; texts_id turns each into a sentence."""

    EMPTY = "empty"
    UNKNOWN_DAY = "unknown_day"
    BAD_TIME = "bad_time"
    CLOSES_BEFORE_OPENING = "closes_before_opening"


class ScheduleError(ValueError):
    def __init__(self, problem: ScheduleProblem, part: str = "") -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.part = part


_TIME = re.compile(r"^(\d{1,2})(?:[.:](\d{2}))?$")
_SEGMENT = re.compile(
    r"^(?P<days>.+?)\s+(?P<opens>\d{1,2}(?:[.:]\d{2})?)\s*[-–—]\s*(?P<closes>\d{1,2}(?:[.:]\d{2})?)"
    r"(?:\s*(?:wib|wita|wit))?$",
    re.IGNORECASE,
)


def _parse_time(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise ScheduleError(ScheduleProblem.BAD_TIME, text)
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute == 0:
        return time(23, 59, 59)
    if hour > 23 or minute > 59:
        raise ScheduleError(ScheduleProblem.BAD_TIME, text)
    return time(hour, minute)


def _day(word: str) -> int:
    day = _DAY_ALIASES.get(word.strip().casefold().rstrip("."))
    if day is None:
        raise ScheduleError(ScheduleProblem.UNKNOWN_DAY, word.strip())
    return day


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*(?:,|\bdan\b)\s*", text.strip()):
        if not part:
            continue
        ends = re.split(r"\s*(?:[-–—]|\bs/?d\b|\bsampai\b|\bhingga\b)\s*", part)
        if len(ends) == 1:
            days.append(_day(ends[0]))
        elif len(ends) == 2:
            first, last = _day(ends[0]), _day(ends[1])
            span = (last - first) % 7
            days.extend((first + i) % 7 for i in range(span + 1))
        else:
            raise ScheduleError(ScheduleProblem.UNKNOWN_DAY, part)
    return days


def parse_schedule(text: str) -> Schedule:
    """`Senin-Jumat 08.00-15.00`, or several parts: `Senin-Kamis 08.00-15.00; Jumat 08-11.30`."""
    days: dict[int, tuple[time, time]] = {}
    for segment in re.split(r"[;\n]+", text):
        segment = " ".join(segment.split())
        if not segment:
            continue
        match = _SEGMENT.match(segment)
        if not match:
            raise ScheduleError(ScheduleProblem.BAD_TIME, segment)
        opens, closes = _parse_time(match.group("opens")), _parse_time(match.group("closes"))
        if closes <= opens:
            raise ScheduleError(ScheduleProblem.CLOSES_BEFORE_OPENING, segment)
        for day in _parse_days(match.group("days")):
            days[day] = (opens, closes)
    if not days:
        raise ScheduleError(ScheduleProblem.EMPTY)
    return Schedule(days)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """The office's hours in its time zone, with the holidays; all datetimes are aware."""

    schedule: Schedule
    tz: ZoneInfo
    holidays: Mapping[date, str] = field(default_factory=dict)

    def _open_interval(self, day: date) -> tuple[datetime, datetime] | None:
        if day in self.holidays:
            return None
        hours = self.schedule.days.get(day.weekday())
        if hours is None:
            return None
        opens, closes = hours
        return (
            datetime.combine(day, opens, tzinfo=self.tz),
            datetime.combine(day, closes, tzinfo=self.tz),
        )

    def _intervals_from(
        self, when: datetime, days: int = SEARCH_DAYS
    ) -> Iterator[tuple[datetime, datetime]]:
        first = when.astimezone(self.tz).date()
        for offset in range(days):
            interval = self._open_interval(first + timedelta(days=offset))
            if interval is not None:
                yield interval

    def is_open(self, when: datetime) -> bool:
        interval = self._open_interval(when.astimezone(self.tz).date())
        return interval is not None and interval[0] <= when < interval[1]

    def next_open(self, when: datetime) -> datetime | None:
        """`when` itself when the office is open then, else the next opening (None: the office
        never opens in the next year, e.g. no day is set)."""
        for opens, closes in self._intervals_from(when):
            if when < closes:
                return max(opens, when).astimezone(when.tzinfo)
        return None

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of office hours between `start` and `end` (0 when end is not later)."""
        if end <= start:
            return 0.0
        total = 0.0
        days = (end.astimezone(self.tz).date() - start.astimezone(self.tz).date()).days + 1
        for opens, closes in self._intervals_from(start, days):
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total

    def add_working(self, start: datetime, seconds: float) -> datetime | None:
        """The moment at which `seconds` of office hours have passed since `start`."""
        left = seconds
        for opens, closes in self._intervals_from(start):
            lo = max(opens, start)
            if closes <= lo:
                continue
            span = (closes - lo).total_seconds()
            if left <= span:
                return (lo + timedelta(seconds=left)).astimezone(start.tzinfo)
            left -= span
        return None


# --- reading and changing ---------------------------------------------------------------------


async def load(conn: Conn, tz: ZoneInfo) -> OfficeHours:
    """The office hours as the admin set them (the default when not set) and every holiday."""
    raw = await settings_store.get(conn, questions_store.SETTING_SCHEDULE)
    schedule = Schedule.from_json(raw) if raw else DEFAULT_SCHEDULE
    holidays = {date.fromisoformat(d): n for d, n in await questions_store.holidays(conn)}
    return OfficeHours(schedule, tz, holidays)


async def office_hours(svc: Services) -> OfficeHours:
    return await load(svc.db.conn, svc.settings.tz)


async def set_schedule(svc: Services, *, actor_id: int, text: str) -> tuple[Schedule, Schedule]:
    """Set the hours from an admin's text (ScheduleError when unreadable); (old, new), audited."""
    new = parse_schedule(text)
    async with svc.db.transaction() as conn:
        old = (await load(conn, svc.settings.tz)).schedule
        await settings_store.put(conn, questions_store.SETTING_SCHEDULE, new.to_json())
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=actor_id,
            action=AUDIT_HOURS,
            old=old.to_json(),
            new=new.to_json(),
        )
    return old, new


def parse_day(text: str) -> date | None:
    """`2026-12-25`, `25-12-2026` or `25/12/2026`; None when it is not a date."""
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


async def add_holiday(svc: Services, *, actor_id: int, day: date, name: str) -> bool:
    """Add (or rename) a holiday; False when it was already there with that name. Audited."""
    name = " ".join(name.split())[:HOLIDAY_NAME_LIMIT]
    async with svc.db.transaction() as conn:
        old = await questions_store.holiday_name(conn, day.isoformat())
        if old == name:
            return False
        await questions_store.put_holiday(conn, day.isoformat(), name)
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=actor_id,
            action=AUDIT_HOLIDAY_ADD,
            target=day.isoformat(),
            old=old,
            new=name,
        )
    return True


async def remove_holiday(svc: Services, *, actor_id: int, day: date) -> str | None:
    """Take a holiday off the list; its name, or None when it was not on it. Audited."""
    async with svc.db.transaction() as conn:
        old = await questions_store.holiday_name(conn, day.isoformat())
        if old is None:
            return None
        await questions_store.delete_holiday(conn, day.isoformat())
        await audit_store.add(
            conn,
            now=svc.clock.now(),
            actor_id=actor_id,
            action=AUDIT_HOLIDAY_REMOVE,
            target=day.isoformat(),
            old=old,
        )
    return old


async def upcoming_holidays(svc: Services) -> list[tuple[date, str]]:
    """Holidays from today on, soonest first."""
    today = svc.today()
    rows = await questions_store.holidays(svc.db.conn)
    return [(date.fromisoformat(d), n) for d, n in rows if date.fromisoformat(d) >= today]
