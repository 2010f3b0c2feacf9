"""An answer's delivery during a burst of questions to the staff desk group, real limits on.

Usage: python bench/desk_burst.py [--questions 500] [--answers 10] [--database-url URL]

An admin names the staff group as the question desk (/meja); `--questions` residents ask a
question each ("Tanya petugas", then the text), all within a few seconds, so the desk group
has a backlog that Telegram's 20 messages a minute per group drains in many minutes. As each of
the first desk posts arrives, a petugas answers it in the group (a reply to the post), through
the real Application; the bench times each answer from the petugas' message to the moment
the Bot API accepted the answer in the resident's chat. Goal: every answer under 2 s, however
deep the desk's queue (the claim serves a person's own news before desk posts and skips the
chats already on their way). Also prints the desk's posts delivered meanwhile and the busiest
second.

SQLite by default; --database-url postgresql://... runs on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot import texts_id
from bot.app import build_application, start_dispatcher, start_in_process, stop_in_process
from bot.domain.clock import Clock
from bot.domain.config import QuietHours, Settings
from bot.local_api import LOCAL_TOKEN, BotMessage, LocalBotApi
from bot.storage import staff as staff_store

ADMIN_ID = 41
STAFF_ID = 42
GROUP_ID = -1_000_500
FIRST_RESIDENT = 700_000
GOAL_S = 2.0


class TimedApi(LocalBotApi):
    """local_api that notes when each message reached its chat (sendMessage accepted)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[tuple[float, int, str]] = []

    async def do_request(self, url: str, method: str, request_data: Any = None, **kw: Any) -> Any:
        status, body = await super().do_request(url, method, request_data, **kw)
        call = self.calls[-1] if self.calls else None
        if call is not None and call.method == "sendMessage" and status == 200:
            text = str(call.params.get("text", ""))
            self.arrivals.append((time.perf_counter(), call.chat_id or 0, text[:40]))
        return status, body


def _is_post(text: str) -> bool:
    """A question's card at the desk (not the bot's direct replies in the group)."""
    return text.startswith("❓")


def _desk_post(group_messages: list[BotMessage], number: int) -> BotMessage | None:
    for message in group_messages:
        if not message.edited and f"Pertanyaan #{number}</b>" in (message.text or ""):
            return message
        if not message.edited and f"Pertanyaan #{number} " in message.plain:
            return message
    return None


async def run(questions: int, answers: int, database_url: str | None) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-desk-"))
    settings = Settings(
        token=LOCAL_TOKEN,
        db_path=tmp / "bot.sqlite3",
        secret_key_file=tmp / "secret.key",
        quiet_hours=QuietHours(0, 0),
        admin_ids=frozenset({ADMIN_ID}),
        database_url=database_url,
    )
    api = TimedApi(token=LOCAL_TOKEN)
    app = build_application(settings, request=api, clock=Clock(), background=False)
    api.attach(app)
    await start_in_process(app)
    services = app.bot_data.services
    async with services.db.transaction() as conn:
        await staff_store.put(conn, STAFF_ID, staff_store.PETUGAS, ADMIN_ID, Clock().now())
    dispatcher = await start_dispatcher(app)  # the real limits: 30/s, 1/s a chat, 20/min a group
    admin, budi = api.user(ADMIN_ID, "Rina"), api.user(STAFF_ID, "Budi")
    group = api.group(GROUP_ID, "Petugas Dukcapil")
    await group.send(admin, "/meja")

    started = time.perf_counter()
    residents = []
    for i in range(questions):
        resident = api.user(FIRST_RESIDENT + i, "Warga")
        await resident.send(texts_id.MENU_ASK)
        await resident.send(f"Pertanyaan ke-{i + 1}: kapan KTP-el saya selesai dicetak?")
        residents.append(resident)
    asked = time.perf_counter() - started
    print(f"{questions} questions asked in {asked:.1f} s; answering the first {answers} ...")

    times: list[float] = []
    for number in range(1, answers + 1):
        while (post := _desk_post(group.messages, number)) is None:
            await asyncio.sleep(0.05)
        # A reply finds its question by the message id the outbox records once Telegram has
        # accepted the post: a person cannot reply faster than that, a bench can.
        while not await services.db.fetchall(
            "SELECT 1 FROM outbox WHERE chat_id = ? AND message_id = ?",
            (GROUP_ID, post.message_id),
        ):
            await asyncio.sleep(0.01)
        resident = residents[number - 1]
        before = len(resident.messages)
        sent_at = time.perf_counter()
        await group.send(
            budi, f"Jawaban untuk pertanyaan {number}: kartu sudah dicetak.", reply_to=post
        )
        while not any(
            "Jawaban petugas" in m.plain for m in resident.messages[before:] if not m.edited
        ):
            await asyncio.sleep(0.005)
        arrived = next(t for t, chat, text in reversed(api.arrivals) if chat == resident.chat_id)
        times.append(arrived - sent_at)
        print(f"  answer {number:3d}: {arrived - sent_at:6.3f} s", flush=True)

    desk_sent = sum(1 for _, chat, text in api.arrivals if chat == GROUP_ID and _is_post(text))
    pending = await services.db.fetchall(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND state = 'pending'", (GROUP_ID,)
    )
    # the outbox's own messages: the desk's posts and the answers (the bot's direct replies to
    # the residents asking are paced by PTB's limiter, not by the outbox)
    stamps = sorted(t for t, _, text in api.arrivals if _is_post(text) or "Jawaban petugas" in text)
    desk_times = sorted(t for t, chat, text in api.arrivals if chat == GROUP_ID and _is_post(text))
    closest = min((b - a for a, b in itertools.pairwise(desk_times)), default=0.0)
    peak, first = 0, 0
    for last, t in enumerate(stamps):
        while t - stamps[first] >= 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    await dispatcher.stop()
    await stop_in_process(app)

    print()
    print(f"database              {'PostgreSQL' if database_url else 'SQLite'}")
    print(f"questions to the desk {questions}")
    print(f"desk posts sent       {desk_sent} (still queued for the group: {pending[0][0]})")
    print(
        f"answer delivery       median {statistics.median(times):.3f} s,"
        f" max {max(times):.3f} s over {len(times)} answers (goal < {GOAL_S:g} s)"
    )
    print(f"busiest second        {peak} outbox messages (limit 30)")
    print(f"desk posts            at least {closest:.2f} s apart (limit: 20 a minute)")
    ok = max(times) < GOAL_S
    print("RESULT", "OK" if ok else "BELOW GOAL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--answers", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    return asyncio.run(run(args.questions, args.answers, args.database_url))


if __name__ == "__main__":
    sys.exit(main())
