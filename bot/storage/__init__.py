"""Storage: SQLite (aiosqlite) or PostgreSQL (asyncpg) through one `Conn` (driver.py), one module
per table group; no Telegram objects here."""

from bot.domain.config import Settings
from bot.storage.db import Database, from_iso, utc_iso
from bot.storage.driver import Conn, Db

__all__ = ["Conn", "Database", "Db", "from_iso", "open_database", "utc_iso"]


async def open_database(settings: Settings) -> Db:
    """The bot's database: PostgreSQL when BOT_DATABASE_URL is set, else SQLite at BOT_DB_PATH."""
    if settings.database_url:
        from bot.storage.pg import PgDatabase

        return await PgDatabase.open(settings.database_url)
    return await Database.open(settings.db_path)
