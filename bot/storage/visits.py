"""Jemput bola visits (the office's mobile recording team), who asked to hear of them, who is
still to be recorded or to collect a card in a kecamatan, and the outbox rows of each visit.

SQL only; `bot.services.visits` decides what a visit means and who is told. Districts are six digits
(`1605xx`, as in `records.district`). Outbox rows of a visit have the kind `visit` and a dedup
key `visit:{visit_id}:{what}:{chat_id}`, so one visit's rows are found by a key range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.storage.db import inserted_id, utc_iso
from bot.storage.driver import Conn, Row

PLANNED = "planned"
CANCELLED = "cancelled"

#: The outbox kind of every message about a visit.
KIND_VISIT = "visit"


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: int
    visit_date: date
    start_time: str  # "08:00"
    end_time: str
    district: str  # "160501"
    place: str
    services: tuple[str, ...]
    note: str | None
    state: str
    revision: int
    reminded_for: date | None
    source: str
    created_by: int | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> VisitRow:
        return cls(
            id=row["id"],
            visit_date=date.fromisoformat(row["visit_date"]),
            start_time=row["start_time"],
            end_time=row["end_time"],
            district=row["district"],
            place=row["place"],
            services=tuple(s for s in row["services"].split(",") if s),
            note=row["note"],
            state=row["state"],
            revision=row["revision"],
            reminded_for=date.fromisoformat(row["reminded_for"]) if row["reminded_for"] else None,
            source=row["source"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


@dataclass(frozen=True, slots=True)
class VisitFields:
    """What staff plan: the parts of a visit that can be changed."""

    visit_date: date
    start_time: str
    end_time: str
    district: str
    place: str
    services: tuple[str, ...]
    note: str | None


# --- visits -----------------------------------------------------------------------------------


async def insert(
    conn: Conn,
    fields: VisitFields,
    *,
    source: str,
    created_by: int | None,
    now: datetime,
    reminded_for: date | None = None,
) -> int:
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT INTO visits (visit_date, start_time, end_time, district, place, services, note,"
        " source, created_by, created_at, updated_at, reminded_for)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            *_columns(fields),
            source,
            created_by,
            stamp,
            stamp,
            reminded_for.isoformat() if reminded_for else None,
        ),
    )
    return inserted_id(cur)


def _columns(fields: VisitFields) -> tuple[str, str, str, str, str, str, str | None]:
    """A visit's own columns, in the order insert and update write them."""
    return (
        fields.visit_date.isoformat(),
        fields.start_time,
        fields.end_time,
        fields.district,
        fields.place,
        ",".join(fields.services),
        fields.note,
    )


async def update(conn: Conn, visit_id: int, fields: VisitFields, *, now: datetime) -> bool:
    """Change a planned visit (its revision goes up); False when it is not planned."""
    cur = await conn.execute(
        "UPDATE visits SET visit_date = ?, start_time = ?, end_time = ?, district = ?, place = ?,"
        " services = ?, note = ?, revision = revision + 1, updated_at = ?"
        " WHERE id = ? AND state = ?",
        (
            *_columns(fields),
            utc_iso(now),
            visit_id,
            PLANNED,
        ),
    )
    return cur.rowcount > 0


async def cancel(conn: Conn, visit_id: int, *, now: datetime) -> bool:
    """Cancel a planned visit; False when it was not planned."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "UPDATE visits SET state = ?, cancelled_at = ?, updated_at = ? WHERE id = ? AND state = ?",
        (CANCELLED, stamp, stamp, visit_id, PLANNED),
    )
    return cur.rowcount > 0


async def set_reminded(conn: Conn, visit_id: int, visit_date: date) -> None:
    await conn.execute(
        "UPDATE visits SET reminded_for = ? WHERE id = ?", (visit_date.isoformat(), visit_id)
    )


async def get(conn: Conn, visit_id: int) -> VisitRow | None:
    async with conn.execute("SELECT * FROM visits WHERE id = ?", (visit_id,)) as cur:
        row = await cur.fetchone()
    return VisitRow.from_row(row) if row else None


async def upcoming(
    conn: Conn,
    from_date: date,
    *,
    districts: list[str] | None = None,
    limit: int = 50,
) -> list[VisitRow]:
    """Planned visits on or after `from_date`, soonest first (of some districts only)."""
    sql = "SELECT * FROM visits WHERE state = ? AND visit_date >= ?"
    params: list[object] = [PLANNED, from_date.isoformat()]
    if districts is not None:
        if not districts:
            return []
        sql += f" AND district IN ({','.join('?' * len(districts))})"
        params += districts
    sql += " ORDER BY visit_date, start_time, id LIMIT ?"
    params.append(limit)
    async with conn.execute(sql, params) as cur:
        return [VisitRow.from_row(r) for r in await cur.fetchall()]


async def upcoming_counts(conn: Conn, from_date: date) -> dict[str, int]:
    """Planned visits on or after `from_date` per district."""
    async with conn.execute(
        "SELECT district, COUNT(*) FROM visits WHERE state = ? AND visit_date >= ?"
        " GROUP BY district",
        (PLANNED, from_date.isoformat()),
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}


async def past(conn: Conn, before: date, since: date, limit: int) -> list[VisitRow]:
    """Planned visits dated in [since, before), latest first."""
    async with conn.execute(
        "SELECT * FROM visits WHERE state = ? AND visit_date < ? AND visit_date >= ?"
        " ORDER BY visit_date DESC, start_time DESC, id DESC LIMIT ?",
        (PLANNED, before.isoformat(), since.isoformat(), limit),
    ) as cur:
        return [VisitRow.from_row(r) for r in await cur.fetchall()]


async def find_same(
    conn: Conn, visit_date: date, start_time: str, district: str, place: str
) -> VisitRow | None:
    """The visit with this date, start, district and place (any case), planned or cancelled."""
    async with conn.execute(
        "SELECT * FROM visits WHERE visit_date = ? AND start_time = ? AND district = ?"
        " AND lower(place) = lower(?) ORDER BY state = 'planned' DESC, id LIMIT 1",
        (visit_date.isoformat(), start_time, district, place),
    ) as cur:
        row = await cur.fetchone()
    return VisitRow.from_row(row) if row else None


async def due_reminders(conn: Conn, visit_date: date) -> list[VisitRow]:
    """Planned visits on `visit_date` whose day-before notice has not been queued."""
    day = visit_date.isoformat()
    async with conn.execute(
        "SELECT * FROM visits WHERE state = ? AND visit_date = ?"
        " AND (reminded_for IS NULL OR reminded_for <> ?) ORDER BY id",
        (PLANNED, day, day),
    ) as cur:
        return [VisitRow.from_row(r) for r in await cur.fetchall()]


async def month_counts(conn: Conn, first: date, last: date) -> dict[str, int]:
    """Visits dated within [first, last] by state."""
    async with conn.execute(
        "SELECT state, COUNT(*) FROM visits WHERE visit_date >= ? AND visit_date <= ?"
        " GROUP BY state",
        (first.isoformat(), last.isoformat()),
    ) as cur:
        return {r[0]: r[1] for r in await cur.fetchall()}


async def month_told(conn: Conn, first: date, last: date) -> int:
    """Chats told of the planned visits dated within [first, last] (a chat per visit once)."""
    async with conn.execute(
        "SELECT COUNT(DISTINCT o.chat_id || ':' || v.id) FROM visits v JOIN outbox o"
        " ON o.dedup_key >= 'visit:' || v.id || ':' AND o.dedup_key < 'visit:' || v.id || ';'"
        " WHERE v.state = ? AND v.visit_date >= ? AND v.visit_date <= ? AND o.state = 'sent'",
        (PLANNED, first.isoformat(), last.isoformat()),
    ) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


# --- who hears of a visit ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listener:
    """A chat to tell of a visit: one it follows a card for (its label and masked NIK), or
    one that asked for the kecamatan's visits (`label` and `nik_masked` None)."""

    chat_id: int
    follows_card: bool
    label: str | None = None
    nik_masked: str | None = None
    status: str | None = None
    record_id: int | None = None


async def card_followers(conn: Conn, district: str, statuses: list[str]) -> list[Listener]:
    """Chats following a card in `district` whose status is one of `statuses` (one row a chat:
    its first such card)."""
    if not statuses:
        return []
    marks = ",".join("?" * len(statuses))
    sql = (
        "SELECT s.chat_id, s.label, r.nik_masked, r.status, r.id FROM subscriptions s"
        " JOIN records r ON r.id = s.record_id JOIN chats c ON c.chat_id = s.chat_id"
        f" WHERE s.active = 1 AND c.reachable = 1 AND r.district = ? AND r.status IN ({marks})"
        " ORDER BY s.chat_id, s.created_at, r.id"
    )
    found: dict[int, Listener] = {}
    async with conn.execute(sql, (district, *statuses)) as cur:
        for chat_id, label, masked, status, record_id in await cur.fetchall():
            found.setdefault(chat_id, Listener(chat_id, True, label, masked, status, record_id))
    return list(found.values())


async def district_followers(conn: Conn, district: str) -> list[int]:
    """Chats that asked to hear of visits in `district` (and have not blocked the bot)."""
    async with conn.execute(
        "SELECT f.chat_id FROM visit_followers f JOIN chats c ON c.chat_id = f.chat_id"
        " WHERE f.district = ? AND c.reachable = 1 ORDER BY f.chat_id",
        (district,),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def follow(conn: Conn, chat_id: int, chat_type: str, district: str, now: datetime) -> bool:
    """This chat hears of visits in `district` from now on; False when it already did."""
    stamp = utc_iso(now)
    await conn.execute(
        "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(chat_id) DO NOTHING",
        (chat_id, chat_type, stamp, stamp),
    )
    cur = await conn.execute(
        "INSERT OR IGNORE INTO visit_followers (chat_id, district, created_at) VALUES (?, ?, ?)",
        (chat_id, district, stamp),
    )
    return cur.rowcount > 0


async def unfollow(conn: Conn, chat_id: int, district: str | None) -> int:
    """Stop hearing of visits in `district` (None: in every kecamatan); how many were stopped."""
    if district is None:
        cur = await conn.execute("DELETE FROM visit_followers WHERE chat_id = ?", (chat_id,))
    else:
        cur = await conn.execute(
            "DELETE FROM visit_followers WHERE chat_id = ? AND district = ?", (chat_id, district)
        )
    return cur.rowcount


async def followed_districts(conn: Conn, chat_id: int) -> list[str]:
    async with conn.execute(
        "SELECT district FROM visit_followers WHERE chat_id = ? ORDER BY district", (chat_id,)
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def card_districts(conn: Conn, chat_id: int) -> list[str]:
    """The districts of the cards this chat follows."""
    async with conn.execute(
        "SELECT DISTINCT r.district FROM subscriptions s JOIN records r ON r.id = s.record_id"
        " WHERE s.chat_id = ? AND s.active = 1 ORDER BY r.district",
        (chat_id,),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


# --- a visit's outbox rows --------------------------------------------------------------------


def _key_range(visit_id: int) -> tuple[str, str]:
    return f"visit:{visit_id}:", f"visit:{visit_id};"


async def told_chats(conn: Conn, visit_id: int) -> list[int]:
    """Chats that got at least one message about this visit."""
    low, high = _key_range(visit_id)
    async with conn.execute(
        "SELECT DISTINCT chat_id FROM outbox WHERE dedup_key >= ? AND dedup_key < ?"
        " AND state = 'sent' ORDER BY chat_id",
        (low, high),
    ) as cur:
        return [r[0] for r in await cur.fetchall()]


async def drop_pending(conn: Conn, visit_id: int) -> int:
    """Delete this visit's messages that have not gone out yet; how many."""
    low, high = _key_range(visit_id)
    cur = await conn.execute(
        "DELETE FROM outbox WHERE dedup_key >= ? AND dedup_key < ? AND state = 'pending'",
        (low, high),
    )
    return cur.rowcount


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    told: int  # distinct chats a message about the visit reached
    pending: int  # messages still waiting (e.g. for the quiet hours to end)


async def outbox_counts(conn: Conn, visit_id: int) -> OutboxCounts:
    low, high = _key_range(visit_id)
    async with conn.execute(
        "SELECT COUNT(DISTINCT CASE WHEN state = 'sent' THEN chat_id END),"
        " SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) FROM outbox"
        " WHERE dedup_key >= ? AND dedup_key < ?",
        (low, high),
    ) as cur:
        row = await cur.fetchone()
    return OutboxCounts(int(row[0] or 0), int(row[1] or 0)) if row else OutboxCounts(0, 0)


# --- the effect of a visit ------------------------------------------------------------------


async def unrecorded_moved(
    conn: Conn, district: str, visit_date: date, until: date
) -> tuple[int, int]:
    """(records in `district` that were UNREGISTERED just before `visit_date`, how many of them
    entered another status from `visit_date` up to `until`)."""
    sql = (
        "WITH base AS (SELECT r.id FROM records r WHERE r.district = ? AND ("
        "  SELECT h.status FROM status_history h WHERE h.record_id = r.id AND h.entered_on < ?"
        "  ORDER BY h.entered_on DESC, h.id DESC LIMIT 1) = 'UNREGISTERED')"
        " SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM status_history h"
        "  WHERE h.record_id = base.id AND h.status <> 'UNREGISTERED'"
        "  AND h.entered_on >= ? AND h.entered_on <= ?) THEN 1 ELSE 0 END), 0) FROM base"
    )
    day = visit_date.isoformat()
    async with conn.execute(sql, (district, day, day, until.isoformat())) as cur:
        row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)
