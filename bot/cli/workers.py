"""`run --workers N`: N bot processes on one PostgreSQL database, each its own webhook port.

The parent checks the settings, the key and the database once (so the key is made once, not
raced for by N processes), then starts N children: `python -m bot run` with
BOT_WEBHOOK_PORT = BOT_WEBHOOK_PORT + i (i = 0 .. N-1). The proxy in front (README, 'Lebih dari
satu server') spreads Telegram's webhook calls over those ports. Every child answers updates;
one of them, elected by an advisory lock (bot/services/leader.py), delivers the outbox. A child that
dies is started again after a short wait; SIGTERM or Ctrl-C stops them all.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from types import FrameType

from bot import texts_ops
from bot.domain.config import Settings

log = logging.getLogger(__name__)

#: Seconds before a child that died is started again (so a crash loop cannot spin).
RESTART_DELAY = 2.0
#: Marks a child of `run --workers`, so it never starts children of its own.
CHILD_MARK = "BOT_WORKER_INDEX"


def is_child() -> bool:
    return CHILD_MARK in os.environ


def supervise(settings: Settings, workers: int) -> int:
    """Run `workers` children until a signal; returns the exit status."""
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    children: dict[int, subprocess.Popen[bytes]] = {}
    try:
        for index in range(workers):
            children[index] = _spawn(settings, index)
        print(
            texts_ops.workers_started(workers, settings.webhook_port), file=sys.stderr, flush=True
        )
        while not stopping:
            time.sleep(0.2)
            for index, child in list(children.items()):
                if child.poll() is not None and not stopping:
                    print(
                        texts_ops.worker_died(index, child.pid, child.returncode), file=sys.stderr
                    )
                    time.sleep(RESTART_DELAY)
                    children[index] = _spawn(settings, index)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 30
        for child in children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0


def _spawn(settings: Settings, index: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env[CHILD_MARK] = str(index)
    env["BOT_WEBHOOK_PORT"] = str(settings.webhook_port + index)
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env)
