"""An office upgrades with messages still queued: rows rendered for Telegram before rows became
events (migrations 110-111) are delivered exactly as they were stored, on both databases.

The database is built as the previous version left it (every migration up to 90), holding a
pending row of every kind that version queued: a card notice, an announcement, a question's
card at the desk group (with its buttons), a staff answer to a resident (with its button) and
a jemput bola notice. Then the real Application starts on it: it migrates, and its dispatcher
sends each row with the text and keyboard it was stored with, once.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import dispatcher_of, fast_limits, pg_or_skip, test_settings

import bot.storage.db as sqlite_db
import bot.storage.pg as pg_db
from bot.domain.clock import FakeClock
from bot.domain.notices import NoticeKind
from bot.domain.privacy import Hasher, load_or_create_key
from bot.states import KtpStatus
from bot.storage import open_database
from bot.storage import records as records_store
from bot.storage.schema import MIGRATIONS

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
STAMP = NOW.isoformat()
GROUP = -300
DESK_KEYBOARD = {
    "inline_keyboard": [
        [{"text": "🙋 Saya tangani", "callback_data": "meja:take:1"}],
        [
            {"text": "✍️ Jawab", "callback_data": "meja:answer:1"},
            {"text": "✅ Tutup", "callback_data": "meja:close:1"},
        ],
    ]
}
ANSWER_KEYBOARD = {"inline_keyboard": [[{"text": "↩️ Balas", "callback_data": "tanya:balas:1"}]]}
#: chat -> (outbox kind, dedup key, stored HTML, stored keyboard or None)
OLD_ROWS: dict[int, tuple[str, str, str, dict[str, object] | None]] = {
    11: (
        "status",
        "status:1:CARD_PRINTED:2026-11-27:11",
        "🎉 <b>KTP-el sudah dicetak!</b>\nKTP-el 1605••••••••0001 sudah jadi (teks lama).",
        None,
    ),
    12: ("broadcast", "broadcast:1:12", "📢 <b>Pengumuman</b>\n\nKantor tutup Jumat.", None),
    GROUP: (
        "question",
        "q:1:desk:-300",
        "❓ <b>Pertanyaan #1</b> · Senin\n\nKapan KTP-el saya jadi?",
        DESK_KEYBOARD,
    ),
    13: (
        "question",
        "q:1:answer:2",
        "💬 <b>Jawaban petugas Disdukcapil:</b>\n\nSudah dicetak, Bu.",
        ANSWER_KEYBOARD,
    ),
    14: ("visit", "visit:1:baru:14", "🚐 <b>Jemput bola</b> di Tugumulyo, Sabtu.", None),
}


async def _old_database(tmp_path: Path, url: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database as the version before events left it, with a pending row of each kind."""
    old = [m for m in MIGRATIONS if m[0] < 110]
    monkeypatch.setattr(sqlite_db, "MIGRATIONS", old)
    monkeypatch.setattr(pg_db, "MIGRATIONS", old)
    settings = test_settings(tmp_path, database_url=url)
    hasher = Hasher(load_or_create_key(settings.secret_key_file))
    db = await open_database(settings)
    try:
        async with db.transaction() as conn:
            for chat_id in OLD_ROWS:
                await conn.execute(
                    "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen)"
                    " VALUES (?, ?, ?, ?)",
                    (chat_id, "private" if chat_id > 0 else "supergroup", STAMP, STAMP),
                )
            record_id = await records_store.insert_record(
                conn,
                nik_hash=hasher.nik("1605014101900001"),
                kk_hash=hasher.kk("1605010101200001"),
                nik_masked="1605••••••••0001",
                name_masked="S•••",
                district="160501",
                status=KtpStatus.CARD_PRINTED,
                status_date=date(2026, 11, 27),
                note=None,
                source="test",
                actor_id=None,
                now=NOW,
            )
            assert record_id == 1
            await conn.execute(
                "INSERT INTO subscriptions (chat_id, record_id, created_at) VALUES (11, 1, ?)",
                (STAMP,),
            )
            await conn.execute(
                "INSERT INTO broadcasts (id, created_by, text, audience, created_at)"
                " VALUES (1, 1, 'Kantor tutup Jumat.', '{\"kind\": \"all\"}', ?)",
                (STAMP,),
            )
            await conn.execute(
                "INSERT INTO questions (id, chat_id, created_at, last_activity_at)"
                " VALUES (1, 13, ?, ?)",
                (STAMP, STAMP),
            )
            for chat_id, (kind, key, text, keyboard) in OLD_ROWS.items():
                await conn.execute(
                    "INSERT INTO outbox (kind, chat_id, text, dedup_key, broadcast_id,"
                    " created_at, not_before, reply_markup) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        kind,
                        chat_id,
                        text,
                        key,
                        1 if kind == "broadcast" else None,
                        STAMP,
                        STAMP,
                        json.dumps(keyboard, ensure_ascii=False) if keyboard else None,
                    ),
                )
            for key, post in (("q:1:desk:-300", "desk"), ("q:1:answer:2", "answer")):
                await conn.execute(
                    "INSERT INTO question_posts (outbox_id, question_id, kind)"
                    " SELECT id, 1, ? FROM outbox WHERE dedup_key = ?",
                    (post, key),
                )
        assert await db.schema_version() == old[-1][0]
    finally:
        await db.close()
    monkeypatch.undo()


async def test_rows_queued_before_the_upgrade_go_out_as_they_were(
    make_env, tmp_path: Path, db_backend: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = None if db_backend is None else await pg_or_skip().new_database(migrated=False)
    await _old_database(tmp_path, url, monkeypatch)

    env = await make_env(tmp_path, background=True, database_url=url, clock=FakeClock(NOW))
    assert await env.services.db.schema_version() == max(v for v, _, _ in MIGRATIONS)
    rows = await env.services.db.fetchall(
        "SELECT chat_id, notice, channel, lane, state FROM outbox ORDER BY chat_id"
    )
    assert {r["chat_id"]: (r["notice"], r["channel"], r["lane"], r["state"]) for r in rows} == {
        GROUP: (NoticeKind.LEGACY, "telegram", 1, "pending"),  # a desk post
        11: (NoticeKind.LEGACY, "telegram", 0, "pending"),
        12: (NoticeKind.LEGACY, "telegram", 2, "pending"),  # an announcement
        13: (NoticeKind.LEGACY, "telegram", 0, "pending"),
        14: (NoticeKind.LEGACY, "telegram", 0, "pending"),
    }

    env.api.group(GROUP, "Petugas Dukcapil")
    dispatcher_of(env.app).limits = fast_limits()
    env.services.wake_outbox()
    await dispatcher_of(env.app).drain()

    for chat_id, (_, _, text, keyboard) in OLD_ROWS.items():
        calls = [
            c for c in env.api.calls_to("sendMessage") if c.chat_id == chat_id and c.failed is None
        ]
        assert len(calls) == 1, chat_id
        assert calls[0].params["text"] == text
        sent_markup = calls[0].params.get("reply_markup")
        if isinstance(sent_markup, str):
            sent_markup = json.loads(sent_markup)
        assert sent_markup == keyboard
    states = await env.services.db.fetchall("SELECT chat_id, state, last_error FROM outbox")
    assert {r[0]: (r[1], r[2]) for r in states} == {c: ("sent", None) for c in OLD_ROWS}
