"""The office's own FAQ answers: rewrites of the defaults, answers added, defaults hidden.

The default answers live in `bot.texts_id.FAQ_DEFAULTS` (so improving their wording reaches every
office); this table holds only what an admin changed with /faq. A row's `key` is a default's key
("blanko", ...) or, for an added answer, "t" followed by its id. SQL only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.storage.db import inserted_id, utc_iso
from bot.storage.driver import Conn


@dataclass(frozen=True, slots=True)
class FaqRow:
    id: int
    key: str | None  #: a default's key; None for an answer an admin added (its key is "t<id>")
    title: str | None  #: None: the default's title
    body: str | None  #: None: the default's answer
    hidden: bool


async def all_rows(conn: Conn) -> list[FaqRow]:
    """Every row, in the order they were first written."""
    sql = "SELECT id, default_key, title, body, hidden FROM faq_answers ORDER BY id"
    async with conn.execute(sql) as cur:
        rows = await cur.fetchall()
    return [FaqRow(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


async def put_default(
    conn: Conn,
    key: str,
    *,
    title: str | None,
    body: str | None,
    hidden: bool,
    now: datetime,
    actor_id: int | None,
) -> None:
    """Rewrite (or hide) the default answer `key` (caller's transaction)."""
    await conn.execute(
        "INSERT INTO faq_answers (default_key, title, body, hidden, changed_at, changed_by)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(default_key) DO UPDATE SET title = excluded.title, body = excluded.body,"
        " hidden = excluded.hidden, changed_at = excluded.changed_at,"
        " changed_by = excluded.changed_by",
        (key, title, body, int(hidden), utc_iso(now), actor_id),
    )


async def forget_default(conn: Conn, key: str) -> bool:
    """The default answer `key` as it ships again; True when there was a change to forget."""
    cur = await conn.execute("DELETE FROM faq_answers WHERE default_key = ?", (key,))
    return (cur.rowcount or 0) > 0


async def add(conn: Conn, *, title: str, body: str, now: datetime, actor_id: int | None) -> int:
    """A new answer (caller's transaction); returns its id."""
    cur = await conn.execute(
        "INSERT INTO faq_answers (default_key, title, body, hidden, changed_at, changed_by)"
        " VALUES (NULL, ?, ?, 0, ?, ?)",
        (title, body, utc_iso(now), actor_id),
    )
    return inserted_id(cur)


async def update_added(
    conn: Conn, row_id: int, *, body: str, now: datetime, actor_id: int | None
) -> None:
    await conn.execute(
        "UPDATE faq_answers SET body = ?, changed_at = ?, changed_by = ? WHERE id = ?",
        (body, utc_iso(now), actor_id, row_id),
    )


async def delete_added(conn: Conn, row_id: int) -> bool:
    cur = await conn.execute(
        "DELETE FROM faq_answers WHERE id = ? AND default_key IS NULL", (row_id,)
    )
    return (cur.rowcount or 0) > 0
