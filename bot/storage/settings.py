"""Key-value settings the office changes at run time (blanko stock, office information, ...)."""

from __future__ import annotations

from bot.storage.driver import Conn

BLANKO_STOCK = "blanko_stock"
LAST_IMPORT_AT = "last_import_at"
OFFICE_ADDRESS = "office_address"
OFFICE_HOURS = "office_hours"
OFFICE_PHONE = "office_phone"
OFFICE_PICKUP = "office_pickup"
OFFICE_PROXY_PICKUP = "office_proxy_pickup"
OFFICE_LOCATION = "office_location"  # "LAT,LON"


async def get(conn: Conn, key: str) -> str | None:
    rows = await conn.execute_fetchall("SELECT value FROM settings WHERE key = ?", (key,))
    row = next(iter(rows), None)
    return row[0] if row else None


async def read_all(conn: Conn) -> dict[str, str]:
    """Every setting (the reader, `Db.reader`, answers it at once): one small table."""
    return {
        row[0]: row[1] for row in await conn.execute_fetchall("SELECT key, value FROM settings")
    }


async def get_many(conn: Conn, keys: list[str]) -> dict[str, str]:
    marks = ",".join("?" * len(keys))
    sql = f"SELECT key, value FROM settings WHERE key IN ({marks})"
    async with conn.execute(sql, keys) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


async def put(conn: Conn, key: str, value: str) -> None:
    """Set a setting (caller's transaction)."""
    await conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
