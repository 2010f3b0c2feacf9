"""The resident check's writes as parts of one job on the writer's thread (`Database.write`).

Each function takes the raw sqlite3 connection inside the job's transaction, so a wrong KK (the
step cleared, the failure counted, a lock perhaps set, the step kept) or a NIK sent alone (the
step set, or cleared when refused) is one trip to the writer and one group-committed
transaction. The same statements as `attempts` and `checks` use in their async forms.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.storage.attempts import LockScope
from bot.storage.checks import Step
from bot.storage.db import utc_iso


def clear_pending(conn: sqlite3.Connection, chat_id: int) -> None:
    conn.execute("DELETE FROM resident_pending WHERE chat_id = ?", (chat_id,))


def set_pending(
    conn: sqlite3.Connection,
    chat_id: int,
    step: Step,
    now: datetime,
    *,
    nik_hash: str | None = None,
    nik_masked: str | None = None,
) -> None:
    """Remember the one step this chat is in (replaces any earlier step)."""
    conn.execute(
        "INSERT OR REPLACE INTO resident_pending"
        " (chat_id, kind, nik_hash, nik_masked, record_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (chat_id, step.value, nik_hash, nik_masked, None, utc_iso(now)),
    )


def record_failure(conn: sqlite3.Connection, chat_id: int, nik_hash: str, now: datetime) -> None:
    """One failed check (successful checks are not kept)."""
    conn.execute(
        "INSERT INTO verify_attempts (chat_id, nik_hash, at, success) VALUES (?, ?, ?, 0)",
        (chat_id, nik_hash, utc_iso(now)),
    )


def failures_since(
    conn: sqlite3.Connection, chat_id: int, chat_since: datetime, nik_hash: str, nik_since: datetime
) -> tuple[int, int]:
    """Failed checks from this chat since `chat_since`, and for this NIK since `nik_since`."""
    chat = conn.execute(
        "SELECT COUNT(*) FROM verify_attempts WHERE chat_id = ? AND at > ? AND success = 0",
        (chat_id, utc_iso(chat_since)),
    ).fetchone()
    nik = conn.execute(
        "SELECT COUNT(*) FROM verify_attempts WHERE nik_hash = ? AND at > ? AND success = 0",
        (nik_hash, utc_iso(nik_since)),
    ).fetchone()
    return int(chat[0]), int(nik[0])


def lock(
    conn: sqlite3.Connection, scope: LockScope, key: str, now: datetime, until: datetime
) -> None:
    conn.execute(
        "INSERT INTO verify_locks (scope, key, locked_at, until) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(scope, key) DO UPDATE SET locked_at = excluded.locked_at,"
        " until = excluded.until",
        (scope.value, key, utc_iso(now), utc_iso(until)),
    )
