"""The outbox table: queued messages, claiming due rows, marking them sent/failed, figures."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.storage.db import utc_iso
from bot.storage.driver import Conn, Dialect

KIND_STATUS = "status"
KIND_BROADCAST = "broadcast"

#: The kind of notice of a row queued before rows were events: sent as it was stored.
NOTICE_LEGACY = "legacy"
#: The channels a row can be for (its `chat_id` is the recipient's contact id; the contact's
#: channel, `chats.channel`, decides it when the row is queued).
CHANNEL_TELEGRAM = "telegram"
CHANNEL_WHATSAPP = "whatsapp"

#: `not_before` of a row that waits for its recipient's next message (WhatsApp: the window is
#: closed and the notice has no template); `release_waiting` makes it due again.
WAITING_FOR_RESIDENT = datetime(9999, 1, 1, tzinfo=UTC)

#: The claim's lanes, served in this order (column `lane`).
LANE_PERSONAL = 0  # a person's own news: card notices, answers, visits, question notices
LANE_DESK = 1  # posts at the staff desk (a question, its reminders and replies)
LANE_BROADCAST = 2  # announcements
LANES = (LANE_PERSONAL, LANE_DESK, LANE_BROADCAST)

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
    reply_markup: str | None = None  # legacy rows: an inline keyboard as JSON
    lane: int = 0
    notice: str = NOTICE_LEGACY  # the kind of notice; legacy: `text` as stored
    params: str = "{}"  # its parameters, JSON
    channel: str = CHANNEL_TELEGRAM
    last_error: str = ""  # why the previous attempt did not go ("" for a first try)


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
    dedup_key: str,
    now: datetime,
    notice: str,
    params: dict[str, Any] | None = None,
    text: str = "",
    not_before: datetime | None = None,
    broadcast_id: int | None = None,
    urgent: bool = False,
    reply_markup: str | None = None,
    lane: int = LANE_PERSONAL,
    channel: str | None = None,
) -> bool:
    """Queue one notice (caller's transaction): the kind of notice and its parameters (plain
    values: ids, codes, dates), rendered for the channel when it is sent. `text` and
    `reply_markup` are only for a message already rendered (NOTICE_LEGACY). False when its
    dedup_key is already queued. The channel is the recipient contact's (`chats.channel`;
    Telegram for a chat the bot has not noted) unless `channel` is given."""
    stamp = utc_iso(now)
    cur = await conn.execute(
        "INSERT OR IGNORE INTO outbox (kind, chat_id, text, dedup_key, broadcast_id, created_at,"
        " not_before, urgent, reply_markup, lane, notice, params, channel)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,COALESCE(?, (SELECT c.channel FROM chats c"
        " WHERE c.chat_id = ?), 'telegram'))",
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
            lane,
            notice,
            json.dumps(params or {}, sort_keys=True, separators=(",", ":")),
            channel,
            chat_id,
        ),
    )
    return cur.rowcount > 0


_CLAIM_COLUMNS = (
    "SELECT o.id, o.kind, o.chat_id, COALESCE(c.chat_type, 'private') AS chat_type, o.text,"
    " o.broadcast_id, o.attempts, o.dedup_key, o.reply_markup, o.lane, o.notice, o.params,"
    " o.channel, COALESCE(o.last_error, '') AS last_error"
)


class Deposed(Exception):
    """The sender's term has moved on: another worker was elected; this one must stop."""


def _claim_sql(dialect: Dialect, *, urgent: bool, skip: int) -> str:
    """Pending due rows of one channel's lane in id order by the lane's partial index (chat id
    inside it), leaving out `skip` chats: those already on their way and those a scan has met.
    PostgreSQL: rows another transaction is claiming are skipped, not waited for."""
    index = "outbox_channel_urgent_lane" if urgent else "outbox_channel_lane"
    urgent_clause = " AND o.urgent = 1" if urgent else ""
    skip_clause = f" AND o.chat_id NOT IN ({','.join('?' * skip)})" if skip else ""
    return (
        f"{_CLAIM_COLUMNS} FROM outbox o{dialect.indexed_by(index)}"
        " LEFT JOIN chats c ON c.chat_id = o.chat_id"
        " WHERE o.state = 'pending' AND o.channel = ? AND o.lane = ?"
        f"{urgent_clause} AND o.not_before <= ?"
        f"{skip_clause} ORDER BY o.id LIMIT ?{dialect.skip_locked('o')}"
    )


def _due_row(r: Any) -> DueRow:
    return DueRow(
        id=r["id"],
        kind=r["kind"],
        chat_id=r["chat_id"],
        chat_type=r["chat_type"],
        text=r["text"],
        broadcast_id=r["broadcast_id"],
        attempts=r["attempts"],
        dedup_key=r["dedup_key"],
        reply_markup=r["reply_markup"],
        lane=r["lane"],
        notice=r["notice"],
        params=r["params"],
        channel=r["channel"],
        last_error=r["last_error"],
    )


async def check_term(conn: Conn, term: int) -> None:
    """Raise `Deposed` when the sender's term is no longer `term` (caller's transaction)."""
    async with conn.execute("SELECT term FROM dispatcher_term WHERE id = 1") as cur:
        row = await cur.fetchone()
    if row is None or row[0] != term:
        raise Deposed(f"term {term} is over (now {row[0] if row else None})")


async def claim_due(
    conn: Conn,
    *,
    now: datetime,
    quiet: bool,
    limit: int,
    exclude_ids: set[int],
    busy_chats: Collection[int] = (),
    term: int | None = None,
    channel: str = CHANNEL_TELEGRAM,
) -> list[DueRow]:
    """The oldest due pending row of each chat: a person's own news first, then the desk's
    posts, then announcements (the lanes), at most `limit`, oldest first within a lane.

    One row per chat keeps a chat's messages in order and lets the caller space them. Chats in
    `busy_chats` (a message of theirs is on its way) are left out by the query itself, and so
    are chats a scan has already met, so however long one chat's queue is (a desk group 20 a
    minute, 500 questions deep), every other chat's oldest row is found: each scan reads a few
    rows more than it takes, and a scan filled by one chat's backlog is followed by one that
    skips that chat. Rows in `exclude_ids` (being sent by the caller) are skipped, and so is
    every later row of their chats. Inside quiet hours only urgent rows are due. Only rows of
    `channel` are claimed: each channel has its own sender, so one's outage holds no other back.

    `term` (PostgreSQL's elected sender): the claim is refused (`Deposed`) when the term has
    moved on, and the rows claimed carry it, so a deposed sender cannot mark them sent.
    """
    if term is not None:
        await check_term(conn, term)
    stamp = utc_iso(now)
    seen: set[int] = set(busy_chats)
    due: list[DueRow] = []
    for lane in LANES:
        while len(due) < limit:
            scan = 2 * (limit - len(due)) + 16
            sql = _claim_sql(conn.dialect, urgent=quiet, skip=len(seen))
            async with conn.execute(sql, (channel, lane, stamp, *sorted(seen), scan)) as cur:
                rows = await cur.fetchall()
            for r in rows:
                if r["chat_id"] in seen:
                    continue  # a later row of a chat: after the one before it
                seen.add(r["chat_id"])
                if r["id"] not in exclude_ids:
                    due.append(_due_row(r))
            if len(rows) < scan:
                break  # this lane has nothing more that is due
    due = due[:limit]
    if term is not None and due:
        ids = [row.id for row in due]
        await conn.execute(
            f"UPDATE outbox SET claim_term = ? WHERE id IN ({','.join('?' * len(ids))})",
            (term, *ids),
        )
    return due


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


def _fence(term: int | None) -> tuple[str, tuple[int, ...]]:
    """The clause that lets only the sender that claimed a row under `term` change it."""
    return (" AND claim_term = ?", (term,)) if term is not None else ("", ())


async def mark_sent(
    conn: Conn,
    row_id: int,
    now: datetime,
    message_id: int | None = None,
    *,
    term: int | None = None,
    wamid: str | None = None,
) -> bool:
    """Telegram accepted the message; `message_id` (Telegram's id of the message: the
    delivery's result) lets a reply to it be traced back and a desk post be edited. Also when
    the row was cancelled while it was on its way (a broadcast stopped meanwhile): it did go
    out, and the figures must say so. False when the row was claimed again under a later term
    (this sender was deposed) or is no longer pending. `wamid`: WhatsApp's id of the message,
    which its statuses name."""
    fence, extra = _fence(term)
    cur = await conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1,"
        " message_id = COALESCE(?, message_id), wamid = COALESCE(?, wamid)"
        " WHERE id = ? AND state IN ('pending', 'cancelled')" + fence,
        (utc_iso(now), message_id, wamid, row_id, *extra),
    )
    return cur.rowcount > 0


async def reschedule(
    conn: Conn, row_id: int, *, not_before: datetime, error: str, term: int | None = None
) -> None:
    """A failed attempt that will be tried again at `not_before`."""
    fence, extra = _fence(term)
    await conn.execute(
        "UPDATE outbox SET attempts = attempts + 1, not_before = ?, last_error = ?"
        " WHERE id = ? AND state = 'pending'" + fence,
        (utc_iso(not_before), error[:500], row_id, *extra),
    )


async def mark_failed(
    conn: Conn, row_id: int, *, reason: str, error: str, term: int | None = None
) -> None:
    fence, extra = _fence(term)
    await conn.execute(
        "UPDATE outbox SET state = 'failed', attempts = attempts + 1, fail_reason = ?,"
        " last_error = ? WHERE id = ? AND state = 'pending'" + fence,
        (reason, error[:500], row_id, *extra),
    )


async def cancel(conn: Conn, row_id: int, *, reason: str) -> None:
    """A pending row that is no longer to be sent (its subject is gone)."""
    await conn.execute(
        "UPDATE outbox SET state = 'cancelled', last_error = ? WHERE id = ? AND state = 'pending'",
        (reason[:500], row_id),
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


async def move_chat(conn: Conn, old_chat: int, new_chat: int) -> int:
    """A group became a supergroup (a new chat id): its pending rows go to the new id."""
    cur = await conn.execute(
        "UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND state = 'pending'",
        (new_chat, old_chat),
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
    async with conn.execute(
        "SELECT MIN(not_before) FROM outbox WHERE state = 'pending' AND not_before < ?",
        (utc_iso(WAITING_FOR_RESIDENT),),
    ) as cur:
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


# --- WhatsApp: rows waiting for the resident, statuses joined by the message id -------------

#: last_error of a row kept until its recipient writes again.
WAITING_NOTE = "waiting for the resident's next message (window closed, no template)"


async def wait_for_resident(
    conn: Conn, row_id: int, now: datetime, *, term: int | None = None
) -> None:
    """Keep a pending row until its recipient writes again (`release_waiting`, or
    `release_answered` once the contact's latest message is later than `now`)."""
    fence, extra = _fence(term)
    await conn.execute(
        "UPDATE outbox SET not_before = ?, last_error = ?, waiting_since = ? WHERE id = ?"
        " AND state = 'pending'" + fence,
        (utc_iso(WAITING_FOR_RESIDENT), WAITING_NOTE, utc_iso(now), row_id, *extra),
    )


_ANSWERED = (
    " FROM outbox WHERE state = 'pending' AND not_before >= ?"
    " AND EXISTS (SELECT 1 FROM chats c WHERE c.chat_id = outbox.chat_id"
    " AND c.last_inbound_at > outbox.waiting_since)"
)


async def any_answered(conn: Conn) -> bool:
    """Whether `release_answered` has anything to release (a read, for the usual nothing)."""
    sql = "SELECT 1" + _ANSWERED + " LIMIT 1"
    async with conn.execute(sql, (utc_iso(WAITING_FOR_RESIDENT),)) as cur:
        return await cur.fetchone() is not None


async def release_answered(conn: Conn, now: datetime) -> int:
    """Rows kept for their resident's next message whose contact has written since (its
    `last_inbound_at`, noted by the door, is later than when the row began to wait): due now.
    Reads only the waiting rows (by `outbox_due`)."""
    cur = await conn.execute(
        "UPDATE outbox SET not_before = ? WHERE id IN (SELECT id" + _ANSWERED + ")",
        (utc_iso(now), utc_iso(WAITING_FOR_RESIDENT)),
    )
    return cur.rowcount


async def release_waiting(conn: Conn, chat_id: int, now: datetime) -> int:
    """The contact wrote: its rows kept for that moment are due now (caller's transaction)."""
    cur = await conn.execute(
        "UPDATE outbox SET not_before = ? WHERE chat_id = ? AND state = 'pending'"
        " AND not_before >= ?",
        (utc_iso(now), chat_id, utc_iso(WAITING_FOR_RESIDENT)),
    )
    return cur.rowcount


async def has_waiting_or_stopped(conn: Conn, chat_id: int) -> bool:
    """Whether the contact has rows kept for its next message, or was stopped (unreachable)."""
    async with conn.execute(
        "SELECT 1 FROM outbox WHERE chat_id = ? AND state = 'pending' AND not_before >= ?"
        " UNION ALL SELECT 1 FROM chats WHERE chat_id = ? AND reachable = 0 LIMIT 1",
        (chat_id, utc_iso(WAITING_FOR_RESIDENT), chat_id),
    ) as cur:
        return await cur.fetchone() is not None


@dataclass(frozen=True, slots=True)
class SentRow:
    """An outbox row found by the id of the message that carried it."""

    id: int
    chat_id: int
    kind: str
    state: str
    broadcast_id: int | None
    attempts: int


async def by_wamid(conn: Conn, wamid: str) -> SentRow | None:
    async with conn.execute(
        "SELECT id, chat_id, kind, state, broadcast_id, attempts FROM outbox WHERE wamid = ?",
        (wamid,),
    ) as cur:
        r = await cur.fetchone()
    return None if r is None else SentRow(r[0], r[1], r[2], r[3], r[4], r[5])


async def failed_after_sent(conn: Conn, *, since: datetime) -> list[tuple[str, int | None]]:
    """(wamid, error code) of the rows marked sent whose message WhatsApp reported `failed`
    since `since` (the webhook's records, by their time)."""
    async with conn.execute(
        "SELECT s.message_id, s.error_code FROM whatsapp_statuses s JOIN outbox o"
        " ON o.wamid = s.message_id WHERE s.recorded_at >= ? AND s.status = 'failed'"
        " AND o.state = 'sent'",
        (utc_iso(since),),
    ) as cur:
        return [(r[0], None if r[1] is None else int(r[1])) for r in await cur.fetchall()]


async def requeue_sent(
    conn: Conn, row_id: int, *, not_before: datetime, error: str, window_closed: bool = False
) -> bool:
    """A row reported sent and then failed for a reason waiting fixes: pending again (its
    message id forgotten). `window_closed`: the next try goes as the template."""
    note = ("window_closed: " if window_closed else "status failed: ") + error
    cur = await conn.execute(
        "UPDATE outbox SET state = 'pending', sent_at = NULL, wamid = NULL, not_before = ?,"
        " last_error = ? WHERE id = ? AND state = 'sent'",
        (utc_iso(not_before), note[:500], row_id),
    )
    return cur.rowcount > 0


async def fail_sent(conn: Conn, row_id: int, *, reason: str, error: str) -> bool:
    """A row reported sent and then failed for good (WhatsApp's `failed` status)."""
    cur = await conn.execute(
        "UPDATE outbox SET state = 'failed', fail_reason = ?, last_error = ?"
        " WHERE id = ? AND state = 'sent'",
        (reason, error[:500], row_id),
    )
    return cur.rowcount > 0


@dataclass(frozen=True, slots=True)
class WhatsAppDelivery:
    """The WhatsApp rows of the outbox: by state, those waiting for their resident, and the
    furthest status WhatsApp reported for the sent ones (joined by the message id)."""

    by_state: dict[str, int]
    waiting_for_resident: int
    reported: dict[str, int]  # sent, delivered, read, failed -> rows


async def whatsapp_delivery(conn: Conn) -> WhatsAppDelivery:
    by_state: dict[str, int] = {}
    async with conn.execute(
        "SELECT state, COUNT(*) FROM outbox WHERE channel = ? GROUP BY state",
        (CHANNEL_WHATSAPP,),
    ) as cur:
        for state, count in await cur.fetchall():
            by_state[state] = int(count)
    async with conn.execute(
        "SELECT COUNT(*) FROM outbox WHERE channel = ? AND state = 'pending' AND not_before >= ?",
        (CHANNEL_WHATSAPP, utc_iso(WAITING_FOR_RESIDENT)),
    ) as cur:
        row = await cur.fetchone()
    reported: dict[str, int] = {}
    async with conn.execute(
        "SELECT s.status, COUNT(*) FROM outbox o JOIN whatsapp_statuses s"
        " ON s.message_id = o.wamid WHERE o.channel = ? GROUP BY s.status",
        (CHANNEL_WHATSAPP,),
    ) as cur:
        for status, count in await cur.fetchall():
            reported[status] = int(count)
    return WhatsAppDelivery(by_state, int(row[0]) if row else 0, reported)
