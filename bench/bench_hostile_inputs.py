"""CPU time the bot spends answering the worst messages found by attacking it.

Usage: python bench/bench_hostile_inputs.py [--repeat 5]

Each input in `bot.services.hostile_inputs.WORST_INPUTS` is sent by a resident through the real
Application and `local_api` (a fresh check each time); the figure is the process CPU time from
the update arriving to the answer being sent, the least of `--repeat` tries, and separately the
CPU time of reading the text alone (what once took 0.8 s on a 4,095-digit message).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bot.app import build_application, start_in_process, stop_in_process
from bot.domain.clock import FakeClock
from bot.domain.config import QuietHours, Settings
from bot.local_api import LOCAL_TOKEN, LocalBotApi
from bot.services.hostile_inputs import WORST_INPUTS
from bot.services.verification import MAX_NUMBERS_TEXT, looks_like_numbers, read_numbers


def text_cpu_ms(text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        if looks_like_numbers(text) and len(text) <= MAX_NUMBERS_TEXT:
            read_numbers(text)
        best = min(best, time.process_time() - start)
    return best * 1000


async def handler_cpu_ms(repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            token=LOCAL_TOKEN,
            db_path=Path(folder) / "bench.sqlite3",
            secret_key_file=Path(folder) / "secret.key",
            quiet_hours=QuietHours(0, 0),
        )
        clock = FakeClock()
        api = LocalBotApi(token=LOCAL_TOKEN, clock=clock)
        app = build_application(settings, request=api, clock=clock, background=False)
        api.attach(app)
        await start_in_process(app)
        try:
            figures: dict[str, float] = {}
            for n, (name, text) in enumerate(WORST_INPUTS.items()):
                best = float("inf")
                for r in range(repeat):
                    user = api.user(10_000 + n * 100 + r, "Warga")
                    start = time.process_time()
                    replies = await user.send(text)
                    best = min(best, time.process_time() - start)
                    assert replies, name
                figures[name] = best * 1000
            return figures
        finally:
            await stop_in_process(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    handler = asyncio.run(handler_cpu_ms(args.repeat))
    print(f"{'masukan':32} {'baca teks (ms CPU)':>20} {'seluruh jawaban (ms CPU)':>26}")
    for name, text in WORST_INPUTS.items():
        print(f"{name:32} {text_cpu_ms(text, args.repeat):20.2f} {handler[name]:26.2f}")


if __name__ == "__main__":
    main()
