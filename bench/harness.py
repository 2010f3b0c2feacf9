"""The harness of bench/checks.py and bench/profile_check.py: updates in, replies timed out.

Updates go into `app.update_queue` as PTB's Updater puts them there (a JSON update turned into
a telegram.Update); a reply counts when `bot.local_api` accepts the bot's first message to that
chat. `Feeder` keeps a fixed number of updates in flight (a closed loop): a new update goes in as
soon as one is answered; `Feeder.run_open` sends them at a fixed rate instead (an open loop, for
latency below capacity). Chats are distinct per run, so each update waits for its own reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.local_api import LOCAL_TOKEN, BotMessage, LocalBotApi

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Warga", "language_code": "id"}


def text_update(chat_id: int, text: str) -> dict[str, Any]:
    """What Telegram sends when a person types `text` in their private chat with the bot."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": _user(chat_id),
        "chat": {"id": chat_id, "type": "private", "first_name": "Warga"},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(_update_ids), "message": message}


def press_update(chat_id: int, reply: BotMessage) -> dict[str, Any]:
    """The person presses the first inline button of the bot's message `reply`."""
    data = next(
        (
            button["callback_data"]
            for row in (reply.reply_markup or {}).get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ),
        "echo",
    )
    query = {
        "id": f"BENCH-CB-{next(_update_ids)}",
        "from": _user(chat_id),
        "message": reply.raw,
        "chat_instance": f"BENCH-{chat_id}",
        "data": data,
    }
    return {"update_id": next(_update_ids), "callback_query": query}


def echo_application(api: LocalBotApi, *, rate_limiter: bool, concurrent: bool) -> Application:
    """The floor: a bare PTB Application that answers every message and button with one message."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(message.text or "ok")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and query.message is not None:
            await query.answer()
            await context.bot.send_message(query.message.chat.id, "ok")

    builder = (
        ApplicationBuilder()
        .token(LOCAL_TOKEN)
        .request(api)
        .get_updates_request(api)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(concurrent)
    )
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


@dataclass
class Job:
    """One update to send: a kind (for the figures), its chat, how to make it, what to expect."""

    kind: str
    chat_id: int
    make: Callable[[], dict[str, Any]]
    expect: str | None = None  # a piece of the reply's text that shows it is the right answer
    then_press: bool = False  # after the reply, press its first button (a follow-up job)


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    wrong: int = 0  # replies without the expected text
    missing: int = 0  # updates never answered within the time allowed
    seconds: float = 0.0  # first update in -> last reply
    cpu: float = 0.0  # process CPU time (all threads) over the same span
    updates: int = 0
    samples: list[str] = field(default_factory=list)  # one unexpected reply, for the report

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


class Feeder:
    """Feeds jobs into an Application with `in_flight` unanswered at most; times each reply."""

    def __init__(self, api: LocalBotApi, app: Application) -> None:
        self.app = app
        self._waiting: dict[int, tuple[float, Job]] = {}  # chat -> (time in, job)
        self._followups: deque[Job] = deque()
        self._slots: asyncio.Semaphore | None = None
        self._done = asyncio.Event()
        self._expected = 0
        self._answered = 0
        self.outcome = Outcome()
        api.on_message = self._on_message

    def _on_message(self, message: BotMessage) -> None:
        entry = self._waiting.pop(message.chat_id, None)
        if entry is None:
            return
        took = time.perf_counter() - entry[0]
        job = entry[1]
        self.outcome.latencies.setdefault(job.kind, []).append(took)
        text = message.text or message.caption or ""
        if job.expect is not None and job.expect not in text:
            self.outcome.wrong += 1
            if not self.outcome.samples:
                self.outcome.samples.append(f"{job.kind}: {text[:300]!r}")
        if job.then_press:
            reply = message
            self._followups.append(
                Job("subscribe", job.chat_id, lambda: press_update(job.chat_id, reply))
            )
        self._answered += 1
        if self._slots is not None:
            self._slots.release()
        if self._answered >= self._expected:
            self._done.set()

    async def put(self, job: Job) -> None:
        self._waiting[job.chat_id] = (time.perf_counter(), job)
        await self.app.update_queue.put(Update.de_json(job.make(), self.app.bot))

    async def one(self, job: Job, timeout: float = 600.0) -> float:
        """Send one job alone and wait for its reply; its latency in seconds."""
        self._expected, self._answered = 1, 0
        self._done.clear()
        await self.put(job)
        await asyncio.wait_for(self._done.wait(), timeout)
        return self.outcome.latencies[job.kind][-1]

    async def run_open(self, jobs: list[Job], rate: float, timeout: float) -> Outcome:
        """All `jobs` arriving at `rate` per second whatever the replies (an open loop: as
        residents send, not as the bot answers), and the presses they ask for as soon as their
        reply is there. Latency counts from each update's due time, so a loop that falls
        behind shows in the figures instead of slowing the arrivals (no coordinated omission).
        """
        self.outcome = Outcome()
        self._slots = None
        total = len(jobs) + sum(job.then_press for job in jobs)
        self._expected, self._answered = total, 0
        self._done.clear()
        cpu0, t0 = time.process_time(), time.perf_counter()

        async def arrive(job: Job, due: float) -> None:
            self._waiting[job.chat_id] = (due, job)
            await self.app.update_queue.put(Update.de_json(job.make(), self.app.bot))

        async def feed() -> None:
            for i, job in enumerate(jobs):
                due = t0 + i / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await arrive(job, due)
                while self._followups:
                    await arrive(self._followups.popleft(), time.perf_counter())
            while not self._done.is_set():  # presses still to come after the last arrival
                while self._followups:
                    await arrive(self._followups.popleft(), time.perf_counter())
                await asyncio.sleep(0.001)

        return await self._until_answered(feed(), total, t0, cpu0, timeout)

    async def run(self, jobs: list[Job], in_flight: int, timeout: float) -> Outcome:
        """All `jobs` (and the presses they ask for) with at most `in_flight` unanswered."""
        self.outcome = Outcome()
        self._slots = asyncio.Semaphore(in_flight)
        total = len(jobs) + sum(job.then_press for job in jobs)
        self._expected, self._answered = total, 0
        self._done.clear()
        cpu0, t0 = time.process_time(), time.perf_counter()
        queue = deque(jobs)

        async def feed() -> None:
            sent = 0
            while sent < total:
                await self._slots.acquire()
                if self._followups:
                    job = self._followups.popleft()
                elif queue:
                    job = queue.popleft()
                else:  # only follow-ups are left: wait for the replies that bring them
                    self._slots.release()
                    await asyncio.sleep(0.001)
                    continue
                await self.put(job)
                sent += 1

        outcome = await self._until_answered(feed(), total, t0, cpu0, timeout)
        self._slots = None
        return outcome

    async def _until_answered(
        self, feed: Coroutine[Any, Any, None], total: int, t0: float, cpu0: float, timeout: float
    ) -> Outcome:
        """Run `feed` until all `total` updates are answered (or `timeout`), then stop it and
        fill in the outcome's time, CPU and counts."""
        feeding = asyncio.create_task(feed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), timeout)
        self.outcome.seconds = time.perf_counter() - t0
        self.outcome.cpu = time.process_time() - cpu0
        self.outcome.updates = self._answered
        self.outcome.missing = total - self._answered
        feeding.cancel()
        await asyncio.gather(feeding, return_exceptions=True)
        return self.outcome
