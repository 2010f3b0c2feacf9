"""Memory of `python -m bot run` with N people, after M resident checks.

    python bench/memory.py [--people 300000] [--checks 10000] [--in-flight 64]

The bot runs exactly as an operator runs it (`python -m bot run`, long polling, PTB's rate
limiter on) in its own process, against `bot.local_api` served over HTTP on 127.0.0.1 by this
script (`LocalBotApiServer`, TELEGRAM_API_URL), on a fresh copy of the database that
bench/checks.py builds (same cache). Residents send "NIK KK" from distinct chats through
getUpdates; at most --in-flight wait for their answer. Prints the resident set size (VmRSS, and
the peak VmHWM) of the bot process after start-up, after the first check and after the M
checks. The local_api keeps no history (`keep_history=False`), and it lives in this process, so
it does not count.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from checks import copy_database
from common import people_db, read_pairs
from harness import text_update

from bot.local_api import LOCAL_TOKEN, BotMessage, LocalBotApi, LocalBotApiServer

FIRST_CHAT = 600_000_000


def proc_memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MB (Linux)."""
    found: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
    return found


class Replies:
    """When each chat got its first answer; `answered` is released once per such chat."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}  # chat -> when its first answer came
        self.answered = threading.Semaphore(0)

    def on_message(self, message: BotMessage) -> None:
        """Called by the local_api (on its server's loop) for every message the bot sends."""
        if message.chat_id >= FIRST_CHAT - 1 and message.chat_id not in self.first:
            self.first[message.chat_id] = time.perf_counter()
            self.answered.release()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds for all checks")
    args = parser.parse_args()

    people = people_db(args.people, args.seed, args.cache)
    pairs = read_pairs(people.csv_path)
    random.Random(args.seed).shuffle(pairs)
    replies = Replies()
    api = LocalBotApi(token=LOCAL_TOKEN, keep_history=False, on_message=replies.on_message)
    server = LocalBotApiServer(api).start()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        folder = Path(tmp)
        db_path = copy_database(people.db_path, folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
        env |= {
            "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN,
            "TELEGRAM_API_URL": server.url,
            "BOT_DB_PATH": str(db_path),
            "BOT_SECRET_KEY_FILE": str(people.key_path),
            "BOT_LOG_LEVEL": "WARNING",
        }
        log_path = folder / "bot.log"
        with log_path.open("w") as log:
            bot = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=log, cwd=tmp
            )
        try:
            figures = drive(server, replies, bot, pairs, args)
        finally:
            bot.terminate()
            try:
                bot.wait(30)
            except subprocess.TimeoutExpired:
                bot.kill()
            server.stop()
        if figures is None:
            sys.stderr.write(log_path.read_text()[-4000:])
            return 1
    print("bot process: python -m bot run (long polling, rate limiter on) against local_api/HTTP")
    print(f"database: {args.people:,} people ({people.db_path.name})")
    for label, memory in figures["memory"]:
        print(f"{label:32} RSS {memory['VmRSS']:7.1f} MB   peak {memory['VmHWM']:7.1f} MB")
    print(
        f"{figures['checks']:,} checks answered in {figures['seconds']:.1f} s"
        f" ({figures['checks'] / figures['seconds']:,.0f}/s), {figures['missing']} unanswered"
    )
    return 0 if figures["missing"] == 0 else 1


def drive(
    server: LocalBotApiServer,
    replies: Replies,
    bot: subprocess.Popen,
    pairs: list[tuple[str, str]],
    args: Any,
) -> dict[str, Any] | None:
    memory: list[tuple[str, dict[str, float]]] = []
    nik, kk = pairs[-1]
    server.push_update(text_update(FIRST_CHAT - 1, f"{nik} {kk}"))
    deadline = time.monotonic() + 300
    while not replies.answered.acquire(timeout=0.2):
        if bot.poll() is not None or time.monotonic() > deadline:
            print("the bot did not answer the first check", file=sys.stderr)
            return None
    memory.append(("after the first check", proc_memory(bot.pid)))
    count = min(args.checks, len(pairs) - 1)
    in_flight = 0
    sent = 0
    answered = 0
    marked = 0
    start = time.perf_counter()
    deadline = time.monotonic() + args.timeout
    while answered < count and time.monotonic() < deadline and bot.poll() is None:
        while sent < count and in_flight < args.in_flight:
            nik, kk = pairs[sent]
            server.push_update(text_update(FIRST_CHAT + sent, f"{nik} {kk}"))
            sent += 1
            in_flight += 1
        if replies.answered.acquire(timeout=1.0):
            answered += 1
            in_flight -= 1
        if answered and answered % 2500 == 0 and answered != marked:
            marked = answered
            memory.append((f"after {answered:,} checks", proc_memory(bot.pid)))
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    if bot.poll() is not None:
        return None
    memory.append((f"end ({answered:,} checks, +0.5 s)", proc_memory(bot.pid)))
    return {"memory": memory, "checks": answered, "seconds": seconds, "missing": count - answered}


if __name__ == "__main__":
    sys.exit(main())
