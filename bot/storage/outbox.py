"""The outbox table: queued messages, claiming due rows, marking them sent/failed, figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.storage.db import utc_iso
from bot.storage.driver import Conn, Dialect

KIND_STATUS = "status"
KIND_BROADCAST = "broadcast"

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
CANCELLED = "cancelled"

#: fail_reason values (short codes; the CLI and summaries turn them into words).
REASON_BLOCKED = "blocked"  # 403: the chat blocked the bot / removed it from the group
REASON_TIMEOUT = "timeout"
REASON_SERVER = "server_error"  # 5xx and other network failures
REASON_BAD_REQUEST = "bad_request"  # Telegram refused the message itself
REASON_ERROR = "error"  # anything else


@dataclass(frozen=True, slots=True)
class Subscriber:
    chat_id: int
    label: str | None


@dataclass(frozen=True, slots=True)
class DueRow:
    id: int
    kind: str
    chat_id: int
    chat_type: str
    text: str
    broadcast_id: int | None
    attempts: int
    dedup_key: str = ""
    reply_markup: str | None = None  # an inline keyboard as JSON (questions' desk buttons)


async def reachable_subscribers(conn: Conn, record_id: int) -> list[Subscriber]:
    """Chats with an active subscription to the record that have not blocked the bot."""
    sql = (
        "SELECT s.chat_id, s.label FROM subscriptions s JOIN chats c ON c.chat_id = s.chat_id"
        " WHERE s.record_id = ? AND s.active = 1 AND c.reachable = 1 ORDER BY s.chat_id"
    )
    async with conn.execute(sql, (record_id,)) as cur:
        return [Subscriber(r[0], r[1]) for r in await cur.fetchall()]


async def insert(
    conn: Conn,
    *,
    kind: str,
    chat_id: int,
    text: str,
    dedup_key: str,
    now: datetime,
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
    urgent: bool = False,
    reply_markup: str | None = None,
) -> bool:
    """Queue one message (caller's transaction); False when its dedup_key is already queued."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT OR IGNORE INTO outbox (kind, chat_id, text, dedup_key, broadcast_id, created_at,"
        " not_before, urgent, reply_markup) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            kind,
            chat_id,
            text,
            dedup_key,
            broadcast_id,
            stamp,
            utc_iso(not_before or now),
            int(urgent),
            reply_markup,
        ),
    )
    return cur.rowcount > 0


_CLAIM_COLUMNS = (
    "SELECT o.id, o.kind, o.chat_id, COALESCE(c.chat_type, 'private') AS chat_type, o.text,"
    " o.broadcast_id, o.attempts, o.dedup_key, o.reply_markup"
)
#: Pending rows in id order, personal news and announcements apart (index outbox_claim), or
#: the urgent ones alone (outbox_claim_urgent): a claim reads a few rows more than it takes,
#: whatever the number of pending rows.
_CLAIM_WHERE = "o.state = 'pending' AND (o.kind = 'broadcast') = ? AND o.not_before <= ?"
_CLAIM_URGENT_WHERE = "o.state = 'pending' AND o.urgent = 1 AND o.not_before <= ?"


def _claim_sql(dialect: Dialect, index: str, where: str) -> str:
    # PostgreSQL: rows another transaction is claiming are skipped, not waited for.
    return (
        f"{_CLAIM_COLUMNS} FROM outbox o{dialect.indexed_by(index)}"
        f" LEFT JOIN chats c ON c.chat_id = o.chat_id WHERE {where}"
        f" ORDER BY o.id LIMIT ?{dialect.skip_locked('o')}"
    )


async def claim_due(
    conn: Conn,
    *,
    now: datetime,
    quiet: bool,
    limit: int,
    exclude_ids: set[int],
) -> list[DueRow]:
    """The oldest due pending row of each chat (personal notifications before broadcasts).

    One row per chat keeps a chat's messages in order and lets the caller space them; rows in
    `exclude_ids` (already being sent by the caller) are skipped, and so is every later row of
    their chats. Inside quiet hours only urgent rows are due. Reads the oldest pending rows by
    an index (a few more than `limit`), so a claim costs the same at any queue length.
    """
    stamp = utc_iso(now)
    scan = 2 * (limit + len(exclude_ids)) + 16
    rows: list[Any] = []
    if quiet:
        sql = _claim_sql(conn.dialect, "outbox_claim_urgent", _CLAIM_URGENT_WHERE)
        async with conn.execute(sql, (stamp, scan)) as cur:
            rows += await cur.fetchall()
    else:
        sql = _claim_sql(conn.dialect, "outbox_claim", _CLAIM_WHERE)
        for broadcast in (False, True):
            async with conn.execute(sql, (broadcast, stamp, scan)) as cur:
                rows += await cur.fetchall()
    rows.sort(key=lambda r: r["id"])
    chats: set[int] = set()
    due: list[DueRow] = []
    for r in rows:
        if r["chat_id"] in chats:
            continue  # a later row of a chat: after the one before it
        chats.add(r["chat_id"])
        if r["id"] in exclude_ids:
            continue
        due.append(
            DueRow(
                id=r["id"],
                kind=r["kind"],
                chat_id=r["chat_id"],
                chat_type=r["chat_type"],
                text=r["text"],
                broadcast_id=r["broadcast_id"],
                attempts=r["attempts"],
                dedup_key=r["dedup_key"],
                reply_markup=r["reply_markup"],
            )
        )
    due.sort(key=lambda row: (row.kind == KIND_BROADCAST, row.id))
    return due[:limit]


async def cancel_outdated_status_rows(conn: Conn, rows: list[DueRow]) -> set[int]:
    """Cancel status notifications that are no longer true or wanted when their turn comes:
    the record has left that status since they were queued (staff corrected a mistake, or the
    record moved on while the message waited for the quiet hours to end), or the chat stopped
    following that NIK (/berhenti). Caller's transaction; returns the ids cancelled. Keys look
    like ``status:{record_id}:{STATUS}:{date}:{chat_id}``.
    """
    wanted: dict[int, tuple[int, str, int]] = {}
    for row in rows:
        parts = row.dedup_key.split(":")
        if row.kind == KIND_STATUS and len(parts) >= 3 and parts[1].isdigit():
            wanted[row.id] = (int(parts[1]), parts[2], row.chat_id)
    if not wanted:
        return set()
    record_ids = sorted({record_id for record_id, _, _ in wanted.values()})
    marks = ",".join("?" * len(record_ids))
    async with conn.execute(
        f"SELECT id, status FROM records WHERE id IN ({marks})", record_ids
    ) as cur:
        current = {r[0]: r[1] for r in await cur.fetchall()}
    async with conn.execute(
        f"SELECT record_id, chat_id FROM subscriptions WHERE active = 1 AND record_id IN ({marks})",
        record_ids,
    ) as cur:
        following = {(r[0], r[1]) for r in await cur.fetchall()}
    reasons: dict[int, str] = {}
    for row_id, (record_id, status, chat_id) in wanted.items():
        if current.get(record_id) != status:
            reasons[row_id] = "the record left this status before the message went out"
        elif (record_id, chat_id) not in following:
            reasons[row_id] = "the chat stopped following this record"
    for row_id, reason in reasons.items():
        await conn.execute(
            "UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id = ?"
            " AND state = 'pending'",
            (reason, row_id),
        )
    return set(reasons)


async def mark_sent(conn: Conn, row_id: int, now: datetime, message_id: int | None = None) -> None:
    """Telegram accepted the message; `message_id` (Telegram's id of the message) lets a reply
    to it be traced back. Also when the row was cancelled while it was on its way (a
    broadcast stopped meanwhile): it did go out, and the figures must say so."""
    await conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1,"
        " message_id = COALESCE(?, message_id) WHERE id = ? AND state IN ('pending', 'cancelled')",
        (utc_iso(now), message_id, row_id),
    )


async def reschedule(conn: Conn, row_id: int, *, not_before: datetime, error: str) -> None:
    """A failed attempt that will be tried again at `not_before`."""
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ?"
        " WHERE id = ? AND state = 'pending'",
        (utc_iso(not_before), error[:500], row_id),
    )


async def mark_failed(conn: Conn, row_id: int, *, reason: str, error: str) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, fail_reason = ?,"
        " last_error = ? WHERE id = ? AND state = 'pending'",
        (reason, error[:500], row_id),
    )


async def block_chat(conn: Conn, chat_id: int, *, error: str) -> int:
    """The chat blocked the bot: unreachable, subscriptions off, its pending rows failed.

    Returns the number of pending rows failed as 'blocked'.
    """
    await conn.execute("UPDATE chats SET reachable = 0 WHERE chat_id = ?", (chat_id,))
    await conn.execute("UPDATE subscriptions SET active = 0 WHERE chat_id = ?", (chat_id,))
    cur = await conn.execute(
        "UPDATE outbox SET state = 'failed', fail_reason = ?, last_error = ?"
        " WHERE chat_id = ? AND state = 'pending'",
        (REASON_BLOCKED, error[:500], chat_id),
    )
    return cur.rowcount


async def has_due_or_pending(conn: Conn, *, now: datetime, quiet: bool) -> bool:
    quiet_clause = " AND urgent = 1" if quiet else ""
    sql = f"SELECT 1 FROM outbox WHERE state = 'pending' AND not_before <= ?{quiet_clause} LIMIT 1"
    async with conn.execute(sql, (utc_iso(now),)) as cur:
        return await cur.fetchone() is not None


@dataclass(frozen=True, slots=True)
class OutboxFigures:
    """Counts of outbox rows: kind -> state -> count, and kind -> fail reason -> count."""

    by_state: dict[str, dict[str, int]]
    failed_by_reason: dict[str, dict[str, int]]
    next_due: str | None  # not_before of the earliest pending row (UTC ISO)


async def figures(conn: Conn) -> OutboxFigures:
    by_state: dict[str, dict[str, int]] = {}
    async with conn.execute(
        "SELECT kind, state, COUNT(*) FROM outbox GROUP BY kind, state ORDER BY kind, state"
    ) as cur:
        for kind, state, count in await cur.fetchall():
            by_state.setdefault(kind, {})[state] = count
    failed: dict[str, dict[str, int]] = {}
    async with conn.execute(
        "SELECT kind, COALESCE(fail_reason, 'error'), COUNT(*) FROM outbox"
        " WHERE state = 'failed' GROUP BY 1, 2 ORDER BY kind = 'broadcast', kind, 3 DESC"
    ) as cur:
        for kind, reason, count in await cur.fetchall():
            failed.setdefault(kind, {})[reason] = count
    async with conn.execute("SELECT MIN(not_before) FROM outbox WHERE state = 'pending'") as cur:
        row = await cur.fetchone()
    return OutboxFigures(
        by_state=by_state, failed_by_reason=failed, next_due=row[0] if row else None
    )


async def requeue_blocked_status_news(conn: Conn, chat_id: int, now: datetime) -> int:
    """A chat that had blocked the bot is back: the card news that failed because of the block
    goes out after all (caller's transaction; at its turn the dispatcher still drops a message
    whose record has left that status). Announcements missed meanwhile stay missed."""
    cur = await conn.execute(
        "UPDATE outbox SET state = 'pending', fail_reason = NULL, last_error = NULL,"
        " not_before = ? WHERE chat_id = ? AND kind = ? AND state = 'failed' AND fail_reason = ?",
        (utc_iso(now), chat_id, KIND_STATUS, REASON_BLOCKED),
    )
    return cur.rowcount
