"""Staff steps in the database: put replaces, get hides expired steps, delete, purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import Db, steps

NOW = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


async def test_put_get_replace_delete(any_db: Db) -> None:
    db = any_db
    if True:
        async with db.transaction() as conn:
            await steps.put(conn, 10, 20, "ubah", {"a": 1}, NOW, NOW + timedelta(minutes=5))
            await steps.put(conn, 10, 20, "impor", {}, NOW, NOW + timedelta(minutes=5))
        step = await steps.get(db.conn, 10, 20, "ubah", NOW)
        assert step is not None
        assert step.payload == {"a": 1}
        assert step.created_at == NOW
        assert step.expires_at == NOW + timedelta(minutes=5)
        # Another user in the same chat, or another kind, is another step.
        assert await steps.get(db.conn, 10, 21, "ubah", NOW) is None
        assert await steps.get(db.conn, 10, 20, "siaran", NOW) is None

        async with db.transaction() as conn:
            await steps.put(conn, 10, 20, "ubah", {"a": 2}, NOW, NOW + timedelta(minutes=9))
        step = await steps.get(db.conn, 10, 20, "ubah", NOW)
        assert step is not None and step.payload == {"a": 2}

        async with db.transaction() as conn:
            assert await steps.delete(conn, 10, 20, "ubah") is True
            assert await steps.delete(conn, 10, 20, "ubah") is False
        assert await steps.get(db.conn, 10, 20, "ubah", NOW) is None
        assert await steps.get(db.conn, 10, 20, "impor", NOW) is not None


async def test_expired_steps_are_hidden_then_purged(any_db: Db) -> None:
    db = any_db
    if True:
        async with db.transaction() as conn:
            await steps.put(conn, 1, 1, "ubah", {"x": "y"}, NOW, NOW + timedelta(minutes=5))
            await steps.put(conn, 2, 2, "siaran", {}, NOW, NOW + timedelta(days=1))
        later = NOW + timedelta(minutes=5)
        assert await steps.get(db.conn, 1, 1, "ubah", later) is None
        old = await steps.get(db.conn, 1, 1, "ubah", later, include_expired=True)
        assert old is not None and old.expired(later) and old.payload == {"x": "y"}

        async with db.transaction() as conn:
            assert await steps.purge_expired(conn, later) == 1
        assert await steps.get(db.conn, 1, 1, "ubah", later, include_expired=True) is None
        assert await steps.get(db.conn, 2, 2, "siaran", later) is not None

        async with db.transaction() as conn:
            await steps.forget_chat(conn, 2)
        assert await steps.get(db.conn, 2, 2, "siaran", later) is None
