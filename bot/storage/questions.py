"""Questions to staff: threads and their messages, the bot's posts of them, residents' steps,
mutes, holidays and the desk's settings. SQL only; writes run in the caller's transaction.

A question's texts are kept with NIK/KK-like numbers masked; its posts are outbox rows (the
desk's copies, the answers sent to the resident), so a reply to one of those messages in
Telegram is traced back by (chat, message id) once the dispatcher has sent it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import from_iso, inserted_id, utc_iso
from bot.storage.driver import Conn, Row

#: The outbox kind of every message about a question.
KIND_QUESTION = "question"

# Settings (bot.storage.settings keys).
SETTING_DESK = "questions_desk_chat"  # the staff group's chat id; absent: staff in private
SETTING_DESK_TITLE = "questions_desk_title"  # that group's title when it was named
SETTING_SCHEDULE = "questions_office_schedule"  # JSON, see bot.services.office_hours.Schedule
SETTING_RETENTION_DAYS = "questions_retention_days"
SETTING_REMIND_HOURS = "questions_remind_hours"

# States and who a thread waits for.
NEW = "new"
TAKEN = "taken"
CLOSED = "closed"
WAITING_RESIDENT = "resident"

RESIDENT = "resident"
STAFF = "staff"

# Kinds of posts: on the desk side, and in the resident's chat.
POST_DESK = "desk"
POST_REMINDER = "reminder"
POST_REPLY = "reply"
POST_ANSWER = "answer"
POST_NOTICE = "notice"
DESK_KINDS = (POST_DESK, POST_REMINDER, POST_REPLY)

# Residents' steps.
STEP_ASK = "ask"
STEP_REPLY = "reply"


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    chat_id: int | None
    state: str
    waiting_for: str
    record_id: int | None
    created_at: datetime
    last_activity_at: datetime
    taken_by: int | None
    taken_name: str | None
    taken_role: str | None
    first_answer_at: datetime | None
    reminded_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    erased: bool

    @property
    def closed(self) -> bool:
        return self.state == CLOSED


def _when(value: str | None) -> datetime | None:
    return from_iso(value) if value else None


def _question(row: Row) -> Question:
    return Question(
        id=row["id"],
        chat_id=row["chat_id"],
        state=row["state"],
        waiting_for=row["waiting_for"],
        record_id=row["record_id"],
        created_at=from_iso(row["created_at"]),
        last_activity_at=from_iso(row["last_activity_at"]),
        taken_by=row["taken_by"],
        taken_name=row["taken_name"],
        taken_role=row["taken_role"],
        first_answer_at=_when(row["first_answer_at"]),
        reminded_at=_when(row["reminded_at"]),
        closed_at=_when(row["closed_at"]),
        close_reason=row["close_reason"],
        erased=bool(row["erased"]),
    )


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    question_id: int
    author: str
    staff_name: str | None
    staff_role: str | None
    text: str
    at: datetime


def _message(row: Row) -> Message:
    return Message(
        id=row["id"],
        question_id=row["question_id"],
        author=row["author"],
        staff_name=row["staff_name"],
        staff_role=row["staff_role"],
        text=row["text"],
        at=from_iso(row["at"]),
    )


# --- questions --------------------------------------------------------------------------------


async def create(conn: Conn, chat_id: int, record_id: int | None, now: datetime) -> int:
    cur = await conn.execute(
        "INSERT INTO questions (chat_id, record_id, created_at, last_activity_at)"
        " VALUES (?, ?, ?, ?)",
        (chat_id, record_id, utc_iso(now), utc_iso(now)),
    )
    return inserted_id(cur)


async def get(conn: Conn, question_id: int) -> Question | None:
    async with conn.execute("SELECT * FROM questions WHERE id = ?", (question_id,)) as cur:
        row = await cur.fetchone()
    return _question(row) if row else None


async def add_message(
    conn: Conn,
    question_id: int,
    author: str,
    text: str,
    now: datetime,
    *,
    staff_id: int | None = None,
    staff_name: str | None = None,
    staff_role: str | None = None,
) -> int:
    cur = await conn.execute(
        "INSERT INTO question_messages"
        " (question_id, author, staff_id, staff_name, staff_role, text, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (question_id, author, staff_id, staff_name, staff_role, text, utc_iso(now)),
    )
    return inserted_id(cur)


async def messages(conn: Conn, question_id: int) -> list[Message]:
    sql = "SELECT * FROM question_messages WHERE question_id = ? ORDER BY id"
    async with conn.execute(sql, (question_id,)) as cur:
        return [_message(r) for r in await cur.fetchall()]


async def message(conn: Conn, message_row: int) -> Message | None:
    async with conn.execute("SELECT * FROM question_messages WHERE id = ?", (message_row,)) as cur:
        row = await cur.fetchone()
    return _message(row) if row else None


async def open_count(conn: Conn, chat_id: int) -> int:
    sql = "SELECT COUNT(*) FROM questions WHERE chat_id = ? AND state <> 'closed'"
    async with conn.execute(sql, (chat_id,)) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def resident_messages_since(conn: Conn, chat_id: int, since: datetime) -> int:
    """Messages this chat wrote in its questions from `since` on."""
    sql = (
        "SELECT COUNT(*) FROM question_messages m JOIN questions q ON q.id = m.question_id"
        " WHERE q.chat_id = ? AND m.author = 'resident' AND m.at >= ?"
    )
    async with conn.execute(sql, (chat_id, utc_iso(since))) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def tally(conn: Conn, chat_id: int, day: str) -> tuple[int, int]:
    """(messages, open questions) this chat had when it erased its data on `day`."""
    sql = "SELECT messages, open_questions FROM question_tallies WHERE chat_id = ? AND day = ?"
    async with conn.execute(sql, (chat_id, day)) as cur:
        row = await cur.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


async def add_tally(conn: Conn, chat_id: int, day: str, messages: int, open_questions: int) -> None:
    """Keep what an erased chat wrote on `day` (added to what an earlier erasure kept)."""
    await conn.execute(
        "INSERT INTO question_tallies (chat_id, day, messages, open_questions) VALUES (?,?,?,?)"
        " ON CONFLICT (chat_id, day) DO UPDATE SET"
        " messages = question_tallies.messages + excluded.messages,"
        " open_questions = question_tallies.open_questions + excluded.open_questions",
        (chat_id, day, messages, open_questions),
    )


async def purge_tallies(conn: Conn, before_day: str) -> None:
    await conn.execute("DELETE FROM question_tallies WHERE day < ?", (before_day,))


async def take(
    conn: Conn,
    question_id: int,
    *,
    staff_id: int,
    name: str,
    role: str,
    now: datetime,
) -> bool:
    """Give the question to this staff member unless someone has it (or it is closed)."""
    cur = await conn.execute(
        "UPDATE questions SET state = 'taken', taken_by = ?, taken_name = ?, taken_role = ?,"
        " taken_at = ?, desk_dirty = 1 WHERE id = ? AND state = 'new'",
        (staff_id, name, role, utc_iso(now), question_id),
    )
    return cur.rowcount == 1


async def record_answer(
    conn: Conn, question_id: int, now: datetime, working_seconds: float
) -> None:
    """Staff answered: the thread waits for the resident; the first answer's times are kept."""
    await conn.execute(
        "UPDATE questions SET waiting_for = 'resident', last_activity_at = ?, desk_dirty = 1,"
        " first_answer_work_s = COALESCE(first_answer_work_s, ?),"
        " first_answer_at = COALESCE(first_answer_at, ?) WHERE id = ?",
        (utc_iso(now), int(working_seconds), utc_iso(now), question_id),
    )


async def record_resident_reply(conn: Conn, question_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE questions SET waiting_for = 'staff', last_activity_at = ? WHERE id = ?",
        (utc_iso(now), question_id),
    )


async def close(
    conn: Conn, question_id: int, *, by: int | None, reason: str, now: datetime
) -> bool:
    """Close the thread; False when it was closed already."""
    cur = await conn.execute(
        "UPDATE questions SET state = 'closed', closed_at = ?, closed_by = ?, close_reason = ?,"
        " desk_dirty = 1 WHERE id = ? AND state <> 'closed'",
        (utc_iso(now), by, reason, question_id),
    )
    return cur.rowcount == 1


async def open_questions(
    conn: Conn,
    *,
    taken_by: int | None = None,
    untaken: bool = False,
    limit: int = 50,
) -> tuple[list[Question], int]:
    """Questions not closed, oldest first (up to `limit`), and how many there are in all."""
    where = "state <> 'closed'"
    params: list[object] = []
    if taken_by is not None:
        where += " AND taken_by = ?"
        params.append(taken_by)
    if untaken:
        where += " AND state = 'new'"
    async with conn.execute(f"SELECT COUNT(*) FROM questions WHERE {where}", params) as cur:
        row = await cur.fetchone()
    total = int(row[0]) if row else 0
    sql = f"SELECT * FROM questions WHERE {where} ORDER BY created_at, id LIMIT ?"
    async with conn.execute(sql, [*params, limit]) as cur:
        return [_question(r) for r in await cur.fetchall()], total


async def untaken(conn: Conn) -> list[Question]:
    async with conn.execute("SELECT * FROM questions WHERE state = 'new' ORDER BY id") as cur:
        return [_question(r) for r in await cur.fetchall()]


async def set_reminded(conn: Conn, question_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE questions SET reminded_at = ? WHERE id = ?", (utc_iso(now), question_id)
    )


async def quiet_threads(conn: Conn, before: datetime) -> list[int]:
    """Answered threads not closed whose last word is older than `before`."""
    sql = (
        "SELECT id FROM questions WHERE state <> 'closed' AND waiting_for = 'resident'"
        " AND last_activity_at < ? ORDER BY id"
    )
    async with conn.execute(sql, (utc_iso(before),)) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def closed_before(conn: Conn, before: datetime) -> list[int]:
    """Closed threads whose texts are still kept and that were closed before `before`."""
    sql = "SELECT id FROM questions WHERE state = 'closed' AND erased = 0 AND closed_at < ?"
    async with conn.execute(sql, (utc_iso(before),)) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def awaiting_resident(conn: Conn, chat_id: int, since: datetime) -> list[int]:
    """This chat's threads that wait for its word (answered, not closed), active since `since`."""
    sql = (
        "SELECT id FROM questions WHERE chat_id = ? AND state <> 'closed'"
        " AND waiting_for = 'resident' AND last_activity_at >= ? ORDER BY id"
    )
    async with conn.execute(sql, (chat_id, utc_iso(since))) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def of_chat(conn: Conn, chat_id: int) -> list[int]:
    async with conn.execute("SELECT id FROM questions WHERE chat_id = ?", (chat_id,)) as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def erase(
    conn: Conn, question_id: int, *, placeholder: str, now: datetime, reason: str
) -> None:
    """Forget a thread's texts and its resident: messages deleted, the chat unlinked, the
    bot's copies in the outbox replaced by `placeholder` (those not sent yet are cancelled).
    The row stays, without text, so the numbers and the statistics stay true."""
    await conn.execute("DELETE FROM question_messages WHERE question_id = ?", (question_id,))
    await conn.execute(
        "UPDATE questions SET chat_id = NULL, record_id = NULL, erased = 1, desk_dirty = 1,"
        " state = 'closed', closed_at = COALESCE(closed_at, ?),"
        " close_reason = COALESCE(close_reason, ?) WHERE id = ?",
        (utc_iso(now), reason, question_id),
    )
    await conn.execute(
        "UPDATE outbox SET text = ?, reply_markup = NULL,"
        " state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END"
        " WHERE id IN (SELECT outbox_id FROM question_posts WHERE question_id = ?)",
        (placeholder, question_id),
    )


async def dirty(conn: Conn) -> list[int]:
    async with conn.execute("SELECT id FROM questions WHERE desk_dirty = 1 ORDER BY id") as cur:
        return [int(r[0]) for r in await cur.fetchall()]


async def set_clean(conn: Conn, question_id: int) -> None:
    await conn.execute("UPDATE questions SET desk_dirty = 0 WHERE id = ?", (question_id,))


# --- posts (outbox rows about a question) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Post:
    outbox_id: int
    question_id: int
    kind: str
    message_row: int | None
    chat_id: int
    message_id: int | None
    state: str  # the outbox row's state


async def link_post(
    conn: Conn,
    dedup_key: str,
    question_id: int,
    kind: str,
    message_row: int | None = None,
) -> None:
    """Note that the outbox row with `dedup_key` is a post of this question."""
    await conn.execute(
        "INSERT OR IGNORE INTO question_posts (outbox_id, question_id, kind, message_row)"
        " SELECT id, ?, ?, ? FROM outbox WHERE dedup_key = ?",
        (question_id, kind, message_row, dedup_key),
    )


def _post(row: Row) -> Post:
    return Post(
        outbox_id=row["outbox_id"],
        question_id=row["question_id"],
        kind=row["kind"],
        message_row=row["message_row"],
        chat_id=row["chat_id"],
        message_id=row["message_id"],
        state=row["state"],
    )


_POSTS = (
    "SELECT p.outbox_id, p.question_id, p.kind, p.message_row, o.chat_id, o.message_id, o.state"
    " FROM question_posts p JOIN outbox o ON o.id = p.outbox_id"
)


async def post_at(conn: Conn, chat_id: int, message_id: int) -> Post | None:
    """The post that is message `message_id` of `chat_id`, or None."""
    sql = f"{_POSTS} WHERE o.chat_id = ? AND o.message_id = ?"
    async with conn.execute(sql, (chat_id, message_id)) as cur:
        row = await cur.fetchone()
    return _post(row) if row else None


async def post_sent_as(conn: Conn, chat_id: int, wamid: str) -> Post | None:
    """The post that went to `chat_id` on WhatsApp as message `wamid`, or None."""
    sql = f"{_POSTS} WHERE o.chat_id = ? AND o.wamid = ?"
    async with conn.execute(sql, (chat_id, wamid)) as cur:
        row = await cur.fetchone()
    return _post(row) if row else None


async def posts(conn: Conn, question_id: int) -> list[Post]:
    sql = f"{_POSTS} WHERE p.question_id = ? ORDER BY p.outbox_id"
    async with conn.execute(sql, (question_id,)) as cur:
        return [_post(r) for r in await cur.fetchall()]


# --- residents' steps -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    chat_id: int
    kind: str  # STEP_ASK or STEP_REPLY
    question_id: int | None
    expires_at: datetime


async def put_step(
    conn: Conn,
    chat_id: int,
    kind: str,
    question_id: int | None,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT OR REPLACE INTO question_steps (chat_id, kind, question_id, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (chat_id, kind, question_id, utc_iso(expires_at)),
    )


async def get_step(conn: Conn, chat_id: int, now: datetime) -> Step | None:
    """The chat's step, unless it has expired."""
    sql = "SELECT chat_id, kind, question_id, expires_at FROM question_steps WHERE chat_id = ?"
    rows = await conn.execute_fetchall(sql, (chat_id,))  # one trip: asked on every update
    row = next(iter(rows), None)
    if row is None or from_iso(row["expires_at"]) <= now:
        return None
    return Step(row["chat_id"], row["kind"], row["question_id"], from_iso(row["expires_at"]))


async def delete_step(conn: Conn, chat_id: int) -> bool:
    cur = await conn.execute("DELETE FROM question_steps WHERE chat_id = ?", (chat_id,))
    return cur.rowcount > 0


async def purge_steps(conn: Conn, now: datetime) -> None:
    await conn.execute("DELETE FROM question_steps WHERE expires_at <= ?", (utc_iso(now),))


# --- mutes ------------------------------------------------------------------------------------


async def mute(conn: Conn, chat_id: int, *, until: datetime, by: int, now: datetime) -> None:
    await conn.execute(
        "INSERT OR REPLACE INTO question_mutes (chat_id, until, muted_by, muted_at)"
        " VALUES (?, ?, ?, ?)",
        (chat_id, utc_iso(until), by, utc_iso(now)),
    )


async def unmute(conn: Conn, chat_id: int) -> bool:
    cur = await conn.execute("DELETE FROM question_mutes WHERE chat_id = ?", (chat_id,))
    return cur.rowcount > 0


async def muted_until(conn: Conn, chat_id: int, now: datetime) -> datetime | None:
    sql = "SELECT until FROM question_mutes WHERE chat_id = ? AND until > ?"
    async with conn.execute(sql, (chat_id, utc_iso(now))) as cur:
        row = await cur.fetchone()
    return from_iso(row[0]) if row else None


async def purge_mutes(conn: Conn, now: datetime) -> None:
    await conn.execute("DELETE FROM question_mutes WHERE until <= ?", (utc_iso(now),))


# --- holidays ---------------------------------------------------------------------------------


async def holidays(conn: Conn) -> list[tuple[str, str]]:
    async with conn.execute("SELECT day, name FROM holidays ORDER BY day") as cur:
        return [(r[0], r[1]) for r in await cur.fetchall()]


async def holiday_name(conn: Conn, day: str) -> str | None:
    async with conn.execute("SELECT name FROM holidays WHERE day = ?", (day,)) as cur:
        row = await cur.fetchone()
    return row[0] if row else None


async def put_holiday(conn: Conn, day: str, name: str) -> None:
    await conn.execute(
        "INSERT INTO holidays (day, name) VALUES (?, ?)"
        " ON CONFLICT(day) DO UPDATE SET name = excluded.name",
        (day, name),
    )


async def delete_holiday(conn: Conn, day: str) -> None:
    await conn.execute("DELETE FROM holidays WHERE day = ?", (day,))


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    asked: int  # questions asked since the window's start
    answered: int  # of those, answered at least once
    first_answer_work_s: list[int]  # working seconds to the first answer, of those answered
    open_older: int  # questions not closed that are older than the cut-off


async def figures(conn: Conn, since: datetime, older_than: datetime) -> Figures:
    sql = "SELECT COUNT(*), COUNT(first_answer_at) FROM questions WHERE created_at >= ?"
    async with conn.execute(sql, (utc_iso(since),)) as cur:
        row = await cur.fetchone()
    asked, answered = (int(row[0]), int(row[1])) if row else (0, 0)
    sql = (
        "SELECT first_answer_work_s FROM questions WHERE created_at >= ?"
        " AND first_answer_work_s IS NOT NULL ORDER BY first_answer_work_s"
    )
    async with conn.execute(sql, (utc_iso(since),)) as cur:
        waits = [int(r[0]) for r in await cur.fetchall()]
    sql = "SELECT COUNT(*) FROM questions WHERE state <> 'closed' AND created_at < ?"
    async with conn.execute(sql, (utc_iso(older_than),)) as cur:
        row = await cur.fetchone()
    return Figures(asked, answered, waits, int(row[0]) if row else 0)


async def latest_proved_record(conn: Conn, chat_id: int, since: datetime) -> int | None:
    """The record this chat proved most recently (NIK + KK), from `since` on."""
    sql = (
        "SELECT record_id FROM verified_checks WHERE chat_id = ? AND verified_at >= ?"
        " ORDER BY verified_at DESC LIMIT 1"
    )
    async with conn.execute(sql, (chat_id, utc_iso(since))) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else None


async def reachable(conn: Conn, chat_id: int) -> bool:
    """False when the chat is known and has blocked the bot (or removed it from the group)."""
    async with conn.execute("SELECT reachable FROM chats WHERE chat_id = ?", (chat_id,)) as cur:
        row = await cur.fetchone()
    return row is None or bool(row[0])


async def delete_setting(conn: Conn, key: str) -> None:
    await conn.execute("DELETE FROM settings WHERE key = ?", (key,))
