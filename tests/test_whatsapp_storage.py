"""WhatsApp's tables on both databases: a message id taken once, statuses that never move
back, paged menus kept, and the purge of what has expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import Db
from bot.storage import whatsapp as store

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


async def test_a_message_id_is_claimed_once(any_db: Db) -> None:
    async with any_db.transaction() as conn:
        assert await store.claim_message(conn, "wamid.A", NOW)
    async with any_db.transaction() as conn:
        assert not await store.claim_message(conn, "wamid.A", NOW)
        assert await store.claim_message(conn, "wamid.B", NOW)


async def test_a_status_never_moves_back_and_failed_keeps_its_code(any_db: Db) -> None:
    async with any_db.transaction() as conn:
        assert await store.record_status(conn, "wamid.X", "read", None, NOW, NOW)
        assert not await store.record_status(conn, "wamid.X", "delivered", None, NOW, NOW)
        assert not await store.record_status(conn, "wamid.X", "sent", None, NOW, NOW)
        assert not await store.record_status(conn, "wamid.X", "deleted", None, NOW, NOW)
        assert await store.record_status(conn, "wamid.Y", "sent", None, NOW, NOW)
        assert await store.record_status(conn, "wamid.Y", "failed", 131026, NOW, NOW)
    async with any_db.snapshot() as conn:
        read = await store.status_of(conn, "wamid.X")
        failed = await store.status_of(conn, "wamid.Y")
        assert await store.status_of(conn, "wamid.Z") is None
        counts = await store.status_counts(conn, NOW - timedelta(days=1))
    assert read is not None and read.status == "read" and read.error_code is None
    assert failed is not None and failed.status == "failed" and failed.error_code == 131026
    assert failed.reported_at == NOW
    assert counts == {"read": 1, "failed": 1}


async def test_menus_are_kept_and_expired_rows_purged(any_db: Db) -> None:
    old = NOW - timedelta(days=40)
    async with any_db.transaction() as conn:
        await store.save_menu(conn, "k1", '{"choices": []}', NOW)
        await store.save_menu(conn, "k1", '{"choices": []}', NOW)  # the same menu again
        await store.save_menu(conn, "old", "{}", old)
        await store.claim_message(conn, "wamid.old", old)
        await store.claim_message(conn, "wamid.new", NOW)
        await store.record_status(conn, "wamid.s", "sent", None, old, old)
    async with any_db.transaction() as conn:
        assert await store.purge_some(conn, NOW, 100) == 3
        assert await store.purge_some(conn, NOW, 100) == 0
        assert await store.load_menu(conn, "k1") == '{"choices": []}'
        assert await store.load_menu(conn, "old") is None
        assert not await store.claim_message(conn, "wamid.new", NOW)  # still remembered
        assert await store.claim_message(conn, "wamid.old", NOW)  # forgotten: taken again


async def test_the_periodic_purge_takes_whatsapps_expired_rows_too(any_db: Db) -> None:
    from bot.services import maintenance

    async with any_db.transaction() as conn:
        await store.claim_message(conn, "wamid.ancient", NOW - timedelta(days=30))
    dropped = await any_db.write(lambda conn: maintenance._purge_chunk(conn, NOW))
    assert dropped == 1
