"""Broadcast throughput: one announcement to N chats through local_api with the real limits on.

Usage: python bench/broadcast.py [--chats 10000] [--time-scale 1] [--plain-bot]
                                 [--residents 2]

A staff member writes the announcement with /siaran and sends it to every chat, exactly as in
Telegram; the real dispatcher delivers it through the real Application (with PTB's
AIORateLimiter in front of the Bot API, as in production). Prints the rate achieved as a
fraction of the limit (30 msg/s overall), the busiest second, duplicates and lost messages.

--time-scale K multiplies every limit by K (K x 30 msg/s, per-chat spacing / K) so a run takes
1/K of the time; the figures are reported against the scaled limit. --plain-bot sends through
a Bot without PTB's rate limiter, to compare the cost of the two limiters together.

--residents R: while the announcement goes out, residents check their cards ("NIK KK", distinct
chats, R per second, people imported from `sample-data`) through the same Application and its
rate limiter; prints the p50/p95 of a check's reply (update in -> reply accepted). Replies come
first (the dispatcher sends in what they leave of the limit), so they never queue behind the
announcement, which still takes the rest of the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import statistics
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
from bot.domain.clock import Clock
from bot.domain.config import QuietHours, Settings
from bot.handlers.broadcast import render_progress
from bot.handlers.dispatcher import Dispatcher, Limits
from bot.local_api import LOCAL_TOKEN, LocalBotApi
from bot.services.importer import import_file
from bot.services.sample_data import COLUMNS, generate_rows
from bot.storage import outbox as outbox_store
from bot.storage import staff as staff_store

STAFF_ID = 42
FIRST_CHAT = 10_000_000
FIRST_RESIDENT = 900_000  # residents' chats: below FIRST_CHAT, so not in the announcement's count


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


async def import_people(app: Any, folder: Path, people: int) -> list[tuple[str, str]]:
    """Import `people` sample people; their (NIK, KK) pairs."""
    path = folder / "people.csv"
    pairs: dict[str, str] = {}
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in generate_rows(people, 7, Clock().now().date()):
            writer.writerow(row)
            pairs.setdefault(row["nik"], row["no_kk"])
    await import_file(app.bot_data.services, path, source_name=path.name)
    return list(pairs.items())


async def residents_check(
    api: LocalBotApi, pairs: list[tuple[str, str]], rate: float, done: asyncio.Event
) -> list[float]:
    """Checks at `rate` per second from distinct chats until `done`; each reply's latency."""
    latencies: list[float] = []

    async def one(i: int) -> None:
        nik, kk = pairs[i % len(pairs)]
        user = api.user(FIRST_RESIDENT + i, "Warga")
        start = time.perf_counter()
        await user.send(f"{nik} {kk}")
        latencies.append(time.perf_counter() - start)

    tasks: list[asyncio.Task[None]] = []
    i = 0
    while not done.is_set():
        tasks.append(asyncio.create_task(one(i)))
        i += 1
        await asyncio.sleep(1 / rate)
    await asyncio.gather(*tasks)
    return latencies


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


async def run(chats: int, scale: float, plain_bot: bool, residents: float = 0.0) -> int:
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
    pairs = await import_people(app, tmp, 200) if residents else []
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
    sent_all = asyncio.Event()
    checking = (
        asyncio.create_task(residents_check(api, pairs, residents, sent_all)) if residents else None
    )

    limit = 30.0 * scale
    last_report = time.perf_counter()
    while True:
        # The outbox is counted (a scan of every row) only every 10 s or once all seem sent,
        # so the watching does not take the CPU the bot needs.
        done = len(api.delivered) >= chats
        if done or time.perf_counter() - last_report > 10:
            figures = await outbox_store.figures(app.bot_data.services.db.conn)
            pending = figures.by_state.get("broadcast", {}).get("pending", 0)
            if pending == 0:
                break
            last_report = time.perf_counter()
            print(f"  {len(api.delivered):,} delivered, {pending:,} pending", flush=True)
        await asyncio.sleep(0.2)
    sent_all.set()
    latencies = await checking if checking is not None else []
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
    if residents:
        cuts = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else [float("nan")] * 19
        print(
            f"residents' checks     {len(latencies)} at {residents:g}/s during the announcement:"
            f" reply p50 {1000 * statistics.median(latencies):.0f} ms,"
            f" p95 {1000 * cuts[18]:.0f} ms, max {1000 * max(latencies):.0f} ms"
        )
    goal = 0.90 if residents else 0.95  # residents' replies take their share of the limit
    ok = rate / limit >= goal and duplicates == 0 and lost == 0 and peak <= limit + 1
    print("RESULT", "OK" if ok else "BELOW GOAL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--plain-bot", action="store_true")
    parser.add_argument(
        "--residents", type=float, default=0.0, help="checks per second during the announcement"
    )
    args = parser.parse_args()
    return asyncio.run(run(args.chats, args.time_scale, args.plain_bot, args.residents))


if __name__ == "__main__":
    sys.exit(main())
