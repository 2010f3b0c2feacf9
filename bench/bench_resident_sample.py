"""Time one resident check end to end on a database imported from `python -m bot sample-data`.

    python -m bot sample-data --count 100000 > sample.csv
    BOT_DB_PATH=db.sqlite3 BOT_SECRET_KEY_FILE=secret.key python -m bot import sample.csv
    BOT_DB_PATH=db.sqlite3 BOT_SECRET_KEY_FILE=secret.key \
        python bench/bench_resident_sample.py --count 100000

Sends "NIK KK" for a print-ready person through the same service the handler uses
(`handle_numbers`) and renders the answer as the handler does (`check_answer`); prints the time
of the first check (waiting-time figures computed) and of later ones (figures cached).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from bot.conversation.dialogue import check_answer
from bot.domain.config import load_settings
from bot.services.container import Services
from bot.services.sample_data import pairs_to_try
from bot.services.verification import Reply, handle_numbers
from bot.states import KtpStatus


async def one_check(svc: Services, chat_id: int, nik: str, kk: str) -> str:
    step = await handle_numbers(svc, chat_id, f"{nik} {kk}")
    assert step.reply is Reply.CHECKED and step.verification and step.verification.record
    return await check_answer(svc, step.verification.record)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000, help="people in the sample data")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pairs = pairs_to_try(args.count, args.seed)
    svc = await Services.open(load_settings())
    records = await svc.db.fetchone("SELECT COUNT(*) FROM records")
    history = await svc.db.fetchone("SELECT COUNT(*) FROM status_history")
    print(f"database: {records[0]} records, {history[0]} history rows")
    try:
        for label, status in (
            ("first check (figures computed)", KtpStatus.PRINT_READY_RECORD),
            ("second check (figures cached)", KtpStatus.PRINT_READY_RECORD),
            ("another status (cached)", KtpStatus.SENT_FOR_ENROLLMENT),
        ):
            nik, kk = pairs[status]
            t = time.perf_counter()
            answer = await one_check(svc, 1, nik, kk)
            print(f"{label}: {1000 * (time.perf_counter() - t):.1f} ms")
        print(answer.splitlines()[1])
    finally:
        await svc.close()


if __name__ == "__main__":
    asyncio.run(main())
