"""Storage: SQLite (aiosqlite) or PostgreSQL (asyncpg) through one `Conn` (driver.py), one module
per table group; no Telegram objects here."""

from bot.storage.db import Database, from_iso, utc_iso

__all__ = ["Database", "from_iso", "utc_iso"]
