"""Residents become contacts (migration 160) with every row kept, on both databases.

The database is built as version 150 left it, with rows in every table that refers to a chat:
chats (private chats and a group), subscriptions, proofs (one of a chat never noted in
`chats`), failed attempts, questions (one of a chat never noted), jemput bola followers, the
outbox, and the steps (a check waiting for its KK, a question being written, a staff
walk-through). Upgraded, every row is still there, and each chat is a Telegram contact whose
address is its own id.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import pg_or_skip, test_settings

import bot.storage.db as sqlite_db
import bot.storage.pg as pg_db
from bot.domain.privacy import Hasher, load_or_create_key
from bot.states import KtpStatus
from bot.storage import open_database
from bot.storage import records as records_store
from bot.storage.schema import MIGRATIONS

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
STAMP = NOW.isoformat()
GROUP = -1001234567890
#: chat_id -> chat_type, as version 150 kept them
CHATS = {11: "private", 12: "private", GROUP: "supergroup"}
PROVED_UNNOTED = 13  # proved a card before its chat was noted
ASKED_UNNOTED = 14  # wrote a question before its chat was noted
TABLES = (
    "chats",
    "subscriptions",
    "verified_checks",
    "verify_attempts",
    "questions",
    "visit_followers",
    "outbox",
    "resident_pending",
    "question_steps",
    "staff_steps",
)
ROWS: list[tuple[str, tuple[object, ...]]] = [
    ("INSERT INTO subscriptions (chat_id, record_id, label, created_at) VALUES (?, 1, ?, ?)",
     (11, "Ibu", STAMP)),
    ("INSERT INTO verified_checks (chat_id, record_id, verified_at) VALUES (?, 1, ?)",
     (11, STAMP)),
    ("INSERT INTO verified_checks (chat_id, record_id, verified_at) VALUES (?, 1, ?)",
     (PROVED_UNNOTED, STAMP)),
    # a second card proved later by the same chat: still one contact
    ("INSERT INTO verified_checks (chat_id, record_id, verified_at) VALUES (?, 2, ?)",
     (PROVED_UNNOTED, "2026-11-30T04:00:00+00:00")),
    ("INSERT INTO verify_attempts (chat_id, nik_hash, at, success) VALUES (?, 'h', ?, 0)",
     (12, STAMP)),
    ("INSERT INTO questions (id, chat_id, created_at, last_activity_at) VALUES (1, ?, ?, ?)",
     (ASKED_UNNOTED, STAMP, STAMP)),
    ("INSERT INTO questions (id, chat_id, created_at, last_activity_at) VALUES (2, ?, ?, ?)",
     (11, STAMP, STAMP)),
    ("INSERT INTO visit_followers (chat_id, district, created_at) VALUES (?, '160501', ?)",
     (12, STAMP)),
    ("INSERT INTO outbox (kind, chat_id, text, dedup_key, created_at, not_before)"
     " VALUES ('status', ?, 'Kartu sudah dicetak', 'status:1:11', ?, ?)", (11, STAMP, STAMP)),
    ("INSERT INTO resident_pending (chat_id, kind, nik_hash, nik_masked, created_at)"
     " VALUES (?, 'kk', 'h', '1605••••••••0001', ?)", (12, STAMP)),
    ("INSERT INTO question_steps (chat_id, kind, expires_at) VALUES (?, 'ask', ?)",
     (11, STAMP)),
    ("INSERT INTO staff_steps (chat_id, user_id, kind, payload, created_at, expires_at)"
     " VALUES (?, ?, 'ubah', '{}', ?, ?)", (3003, 3003, STAMP, STAMP)),
]  # fmt: skip


async def _counts(db: object) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table}")  # type: ignore[attr-defined]
        counts[table] = int(row[0])
    return counts


async def test_every_chat_becomes_a_telegram_contact_and_no_row_is_lost(
    make_env: object, tmp_path: Path, db_backend: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = None if db_backend is None else await pg_or_skip().new_database(migrated=False)
    old = [m for m in MIGRATIONS if m[0] <= 150]
    monkeypatch.setattr(sqlite_db, "MIGRATIONS", old)
    monkeypatch.setattr(pg_db, "MIGRATIONS", old)
    settings = test_settings(tmp_path, database_url=url)
    hasher = Hasher(load_or_create_key(settings.secret_key_file))
    db = await open_database(settings)
    try:
        assert await db.schema_version() == 150
        async with db.transaction() as conn:
            for chat_id, chat_type in CHATS.items():
                await conn.execute(
                    "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen, announcements)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (chat_id, chat_type, STAMP, STAMP, int(chat_id != 12)),
                )
            for person in ("0001", "0002"):  # records 1 and 2
                await records_store.insert_record(
                    conn,
                    nik_hash=hasher.nik(f"160501410190{person}"),
                    kk_hash=hasher.kk(f"160501010120{person}"),
                    nik_masked=f"1605••••••••{person}",
                    name_masked="S•••",
                    district="160501",
                    status=KtpStatus.CARD_PRINTED,
                    status_date=date(2026, 11, 27),
                    note=None,
                    source="test",
                    actor_id=None,
                    now=NOW,
                )
            for sql, params in ROWS:
                await conn.execute(sql, params)
        before = await _counts(db)
    finally:
        await db.close()
    monkeypatch.undo()

    db = await open_database(settings)  # migrates to the newest version
    try:
        assert await db.schema_version() == max(v for v, _, _ in MIGRATIONS) >= 160
        after = await _counts(db)
        noted_since = 2  # the two residents whose chats were never noted are contacts now
        assert after == {**before, "chats": before["chats"] + noted_since}
        chats = await db.fetchall(
            "SELECT chat_id, chat_type, channel, address, announcements, last_inbound_at"
            " FROM chats ORDER BY chat_id"
        )
        assert {r[0]: tuple(r[1:]) for r in chats} == {
            GROUP: ("supergroup", "telegram", str(GROUP), 1, None),
            11: ("private", "telegram", "11", 1, None),
            12: ("private", "telegram", "12", 0, None),  # its choice kept
            PROVED_UNNOTED: ("private", "telegram", str(PROVED_UNNOTED), 1, None),
            ASKED_UNNOTED: ("private", "telegram", str(ASKED_UNNOTED), 1, None),
        }
        label = await db.fetchone("SELECT label FROM subscriptions WHERE chat_id = 11")
        assert label is not None and label[0] == "Ibu"
        pending = await db.fetchone("SELECT state, chat_id FROM outbox")
        assert pending is not None and tuple(pending) == ("pending", 11)
    finally:
        await db.close()
