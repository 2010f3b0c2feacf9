"""Broadcast throughput: one announcement to N chats through local_api with the real limits on.

Usage: python bench/broadcast.py [--chats 10000] [--time-scale 1] [--plain-bot]

A staff member writes the announcement with /siaran and sends it to every chat, exactly as in
Telegram; the real dispatcher delivers it through the real Application (with PTB's
AIORateLimiter in front of the Bot API, as in production). Prints the rate achieved as a
fraction of the limit (30 msg/s overall), the busiest second, duplicates and lost messages.

--time-scale K multiplies every limit by K (K x 30 msg/s, per-chat spacing / K) so a run takes
1/K of the time; the figures are reported against the scaled limit. --plain-bot sends through
a Bot without PTB's rate limiter, to compare the cost of the two limiters together.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from telegram import Bot

from bot.app import (
    build_application,
    start_dispatcher,
    start_in_process,
    stop_dispatcher,
    stop_in_process,
)
from bot.clock import Clock
from bot.config import QuietHours, Settings
from bot.dispatcher import Dispatcher, Limits
from bot.handlers.broadcast import render_progress
from bot.local_api import LOCAL_TOKEN, LocalBotApi
from bot.storage import outbox as outbox_store
from bot.storage import staff as staff_store

STAFF_ID = 42
FIRST_CHAT = 10_000_000


class TimedApi(LocalBotApi):
    """local_api that notes when each announcement reached its chat."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delivered: list[tuple[float, int]] = []

    async def do_request(self, url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
        status, body = await super().do_request(url, method, request_data, **kw)
        call = self.calls[-1] if self.calls else None
        chat_id = call.chat_id if call is not None else None
        if chat_id is not None and chat_id >= FIRST_CHAT and call.method == "sendMessage":
            if status == 200:
                self.delivered.append((time.perf_counter(), chat_id))
            # local_api keeps every message for tests; a benchmark only needs the timings.
            self._log.pop(chat_id, None)
            self._current.pop((chat_id, 1), None)
        return status, body


async def seed_chats(app: Any, count: int) -> None:
    services = app.bot_data.services
    stamp = "2026-11-28T00:00:00+00:00"
    async with services.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO chats (chat_id, chat_type, first_seen, last_seen) VALUES (?,?,?,?)",
            [(FIRST_CHAT + i, "private", stamp, stamp) for i in range(count)],
        )
        await staff_store.put(conn, STAFF_ID, staff_store.PETUGAS, None, Clock().now())


def limits(scale: float) -> Limits:
    base = Limits()
    return Limits(
        per_second=base.per_second * scale,
        private_interval=base.private_interval / scale,
        group_interval=base.group_interval / scale,
        poll_interval=base.poll_interval,
        max_in_flight=base.max_in_flight,
        progress_interval=base.progress_interval,
    )


async def run(chats: int, scale: float, plain_bot: bool) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    settings = Settings(
        token=LOCAL_TOKEN,
        db_path=tmp / "bot.sqlite3",
        secret_key_file=tmp / "secret.key",
        quiet_hours=QuietHours(0, 0),
    )
    api = TimedApi(token=LOCAL_TOKEN)
    app = build_application(settings, request=api, clock=Clock(), background=False)
    api.attach(app)
    await start_in_process(app)
    await seed_chats(app, chats)
    if plain_bot:
        bot = Bot(LOCAL_TOKEN, base_url=settings.api_base_url, request=api)
        await bot.initialize()
        services = app.bot_data.services
        dispatcher = Dispatcher(bot, services, limits(scale), render_progress=render_progress)
        app.bot_data.dispatcher = dispatcher
        await dispatcher.start()
    else:
        dispatcher = await start_dispatcher(app, limits(scale))

    staff = api.user(STAFF_ID, "Petugas")
    await staff.send("/siaran")
    await staff.send("Perekaman KTP-el keliling di Kecamatan Tugumulyo hari Sabtu pukul 08.00.")
    await staff.press("bc:aud:all")
    queued_at = time.perf_counter()
    send = next(b for b in staff.last.buttons if b.startswith("✅ Kirim ke"))
    await staff.press(send)
    print(f"{chats:,} chats queued in {time.perf_counter() - queued_at:.2f} s; sending ...")

    limit = 30.0 * scale
    last_report = time.perf_counter()
    while True:
        figures = await outbox_store.figures(app.bot_data.services.db.conn)
        pending = figures.by_state.get("broadcast", {}).get("pending", 0)
        if pending == 0:
            break
        if time.perf_counter() - last_report > 10:
            last_report = time.perf_counter()
            print(f"  {len(api.delivered):,} delivered, {pending:,} pending", flush=True)
        await asyncio.sleep(0.2)
    await dispatcher.drain(timeout=60)
    if plain_bot:
        await dispatcher.stop()
    else:
        await stop_dispatcher(app)

    times = [t for t, _ in api.delivered]
    per_chat = Counter(chat for _, chat in api.delivered)
    duplicates = sum(n - 1 for n in per_chat.values() if n > 1)
    lost = chats - len(per_chat)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    rate = (len(times) - 1) / span if len(times) > 1 else 0.0
    peak = 0
    start = 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0 - 1e-3:  # a window [t, t + 1 s), 1 ms tolerance
            start += 1
        peak = max(peak, end - start + 1)
    # Telegram counts what arrives: the shortest time in which limit + 1 messages arrived.
    k = int(limit)
    tightest = min((times[i + k] - times[i] for i in range(len(times) - k)), default=float("nan"))
    db_figures = await outbox_store.figures(app.bot_data.services.db.conn)
    await stop_in_process(app)

    print()
    print(f"chats                 {chats:,}")
    print(f"limit                 {limit:g} msg/s (30 msg/s x time scale {scale:g})")
    print(
        f"sender                {'plain Bot' if plain_bot else 'Application bot + AIORateLimiter'}"
    )
    print(f"first to last        {span:8.2f} s")
    print(f"rate achieved        {rate:8.2f} msg/s = {rate / limit:.1%} of the limit")
    print(f"busiest 1 s window   {peak:5d} msgs (limit {limit:g})")
    print(f"{k + 1} msgs arrived in  {tightest:8.3f} s at the shortest (>= 1 s: within the limit)")
    print(f"duplicates           {duplicates:5d}")
    print(f"lost                 {lost:5d}")
    print(f"outbox               {db_figures.by_state}")
    print(f"dispatcher stats     sent={dispatcher.stats.sent} failed={dispatcher.stats.failed}")
    ok = rate / limit >= 0.95 and duplicates == 0 and lost == 0 and peak <= limit + 1
    print("RESULT", "OK" if ok else "BELOW GOAL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--plain-bot", action="store_true")
    args = parser.parse_args()
    return asyncio.run(run(args.chats, args.time_scale, args.plain_bot))


if __name__ == "__main__":
    sys.exit(main())
