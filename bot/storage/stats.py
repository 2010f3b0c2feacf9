"""Counting queries behind /statistik: records per status and district, waits, chats, outbox."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.states import FACTS, Stage
from bot.storage.db import utc_iso


async def count_by_status(conn: aiosqlite.Connection) -> dict[str, int]:
    """Status code -> number of records currently in it (codes with no records are absent)."""
    async with conn.execute("SELECT status, COUNT(*) FROM records GROUP BY status") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def count_by_district(conn: aiosqlite.Connection) -> dict[str, int]:
    """District code (first six NIK digits) -> number of records."""
    async with conn.execute("SELECT district, COUNT(*) FROM records GROUP BY district") as cur:
        return {r[0]: int(r[1]) for r in await cur.fetchall()}


async def subscribed_chats(conn: aiosqlite.Connection, record_id: int | None = None) -> int:
    """Chats with an active subscription (to one record when `record_id` is given)."""
    sql = "SELECT COUNT(DISTINCT chat_id) FROM subscriptions WHERE active = 1"
    params: tuple[object, ...] = ()
    if record_id is not None:
        sql += " AND record_id = ?"
        params = (record_id,)
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def outbox_outcomes(conn: aiosqlite.Connection, since: datetime) -> tuple[int, int]:
    """(sent, failed) notifications and broadcast messages since `since`."""
    sql = (
        "SELECT"
        " SUM(CASE WHEN state = 'sent' AND COALESCE(sent_at, created_at) >= ? THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'failed' AND COALESCE(sent_at, created_at) >= ? THEN 1 ELSE 0 END)"
        " FROM outbox WHERE state IN ('sent', 'failed')"
    )
    stamp = utc_iso(since)
    async with conn.execute(sql, (stamp, stamp)) as cur:
        row = await cur.fetchone()
    if row is None:
        return 0, 0
    return int(row[0] or 0), int(row[1] or 0)


def _stage_case() -> tuple[str, list[str]]:
    """A CASE expression mapping a status column to its stage, with its parameters."""
    parts: list[str] = []
    params: list[str] = []
    for status, facts in FACTS.items():
        parts.append("WHEN ? THEN ?")
        params.extend([status.value, facts.stage.value])
    return "CASE status " + " ".join(parts) + " END", params


async def stage_spans(conn: aiosqlite.Connection) -> dict[Stage, dict[int, int]]:
    """Completed stays in each stage: stage -> {days spent: how many stays}.

    A stay runs from the first history entry of a stage to the first entry of the next
    different stage of the same record; stays still running are not counted.
    """
    case, params = _stage_case()
    sql = f"""
        WITH h AS (
            SELECT record_id, entered_on, id, {case} AS stage FROM status_history
        ), m AS (
            SELECT record_id, entered_on, id, stage,
                   LAG(stage) OVER (PARTITION BY record_id ORDER BY entered_on, id) AS prev
            FROM h
        ), s AS (
            SELECT stage, entered_on,
                   LEAD(entered_on) OVER (PARTITION BY record_id ORDER BY entered_on, id) AS until
            FROM m WHERE prev IS NULL OR prev <> stage
        )
        SELECT stage, CAST(julianday(until) - julianday(entered_on) AS INTEGER) AS days,
               COUNT(*) FROM s WHERE until IS NOT NULL GROUP BY stage, days
    """
    spans: dict[Stage, dict[int, int]] = {}
    async with conn.execute(sql, params) as cur:
        for stage, days, count in await cur.fetchall():
            if stage is None:
                continue
            spans.setdefault(Stage(stage), {})[int(days)] = int(count)
    return spans
