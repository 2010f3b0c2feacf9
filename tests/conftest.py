"""The test harness: the real Application on a temporary database, talking to bot.local_api.

Fixtures say who acts: `resident`, `staff` (a petugas in the staff table), `admin` (from
BOT_ADMIN_IDS). Each sends what a person would and reads what the bot answered:

    replies = await resident.send("/start")
    assert "Selamat datang" in replies[0].plain

`bot_env` is the running bot (`env.app`, `env.api`, `env.services`, `env.clock`, `env.settings`,
`await env.restart()`); `make_env(tmp_path, quiet_hours="21-06", ...)` builds one with other
settings. Background work (`bot.app.on_start`) does not run unless `background=True` or
`await env.start_background()`. `env` is a bot with its outbox dispatcher running (fast limits,
`notifier_env`), `officer` a petugas of it: the notification, announcement and visit tests'.

Both databases: every test that uses `bot_env`, `make_env` or `any_db` runs twice, as
`[sqlite]` and as `[postgresql]` (a database of its own on a throw-away server, see
tests/pg_support.py), unless marked `@pytest.mark.sqlite_only` (it checks something only SQLite
has: files, modes, the instance lock). Without a server the `[postgresql]` runs are skipped
with the reason, repeated at the end of the run.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pg_support import PgServer

from bot.app import build_application, on_start, start_in_process, stop_in_process
from bot.domain.clock import FakeClock
from bot.domain.config import QuietHours, Settings
from bot.handlers.context import BotApplication
from bot.handlers.dispatcher import Dispatcher, Limits
from bot.local_api import LOCAL_TOKEN, LocalBotApi, LocalUser
from bot.services import leader
from bot.services.container import Services
from bot.storage import Db, open_database
from bot.storage import staff as staff_store

RESIDENT_ID = 1001
STAFF_ID = 2002
ADMIN_ID = 3003


@dataclasses.dataclass
class BotEnv:
    """A running bot on a temporary database, driven through the in-process Bot API."""

    settings: Settings
    clock: FakeClock
    api: LocalBotApi
    app: BotApplication
    background: bool = False
    _closed: bool = False

    @property
    def services(self) -> Services:
        return self.app.bot_data.services

    @property
    def bot(self) -> Any:
        return self.app.bot

    async def start_background(self) -> None:
        """Run what `bot.app.on_start` starts (e.g. the outbox dispatcher)."""
        await on_start(self.app)

    async def restart(self) -> None:
        """Stop the bot and start a fresh Application on the same database and Bot API."""
        await stop_in_process(self.app)
        self.app = await _start(self.settings, self.api, self.clock, self.background)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await stop_in_process(self.app)


def test_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test bot: temp database and key, ADMIN_ID as admin, quiet hours off."""
    quiet = overrides.pop("quiet_hours", QuietHours(0, 0))
    if isinstance(quiet, str):
        quiet = QuietHours.parse(quiet)
    base = Settings(
        token=LOCAL_TOKEN,
        db_path=tmp_path / "bot.sqlite3",
        secret_key_file=tmp_path / "secret.key",
        admin_ids=frozenset({ADMIN_ID}),
        quiet_hours=quiet,
    )
    return dataclasses.replace(base, **overrides)


test_settings.__test__ = False  # type: ignore[attr-defined]  # not a test, despite the name


async def _start(
    settings: Settings, api: LocalBotApi, clock: FakeClock, background: bool
) -> BotApplication:
    app = build_application(settings, request=api, clock=clock, background=background)
    api.attach(app)
    await start_in_process(app)
    return app


async def start_env(
    tmp_path: Path, *, background: bool = False, clock: FakeClock | None = None, **overrides: Any
) -> BotEnv:
    """A running bot with `test_settings(tmp_path, **overrides)`; close it with `env.close()`."""
    settings = test_settings(tmp_path, **overrides)
    clock = clock or FakeClock()
    api = LocalBotApi(token=settings.token, clock=clock)
    app = await _start(settings, api, clock, background)
    return BotEnv(settings=settings, clock=clock, api=api, app=app, background=background)


# --- the two databases -------------------------------------------------------------------------

SQLITE, POSTGRESQL = "sqlite", "postgresql"
_DB_FIXTURES = {"bot_env", "make_env", "any_db"}
_pg: PgServer | None = None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: runs on SQLite only (checks files, modes, the instance lock)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (
        "db_backend" in metafunc.fixturenames
        and _DB_FIXTURES & set(metafunc.fixturenames)
        and metafunc.definition.get_closest_marker("sqlite_only") is None
    ):
        metafunc.parametrize("db_backend", [SQLITE, POSTGRESQL], indirect=True)


def pg_server() -> PgServer:
    """The session's PostgreSQL server (started on first use, stopped at the end)."""
    global _pg
    if _pg is None:
        _pg = PgServer.start()
    return _pg


def pg_or_skip() -> PgServer:
    """The server, or skip the test saying why (fail instead when BOT_TEST_POSTGRES_REQUIRED=1,
    as in CI: there a missing server is a broken check, not a choice)."""
    server = pg_server()
    if not server.available:
        if os.environ.get("BOT_TEST_POSTGRES_REQUIRED") == "1":
            pytest.fail(f"PostgreSQL required but not available: {server.reason}")
        pytest.skip(f"PostgreSQL: {server.reason}")
    return server


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _pg is not None:
        _pg.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _pg is not None:
        if _pg.available:
            terminalreporter.write_line(f"PostgreSQL tests ran on {_pg.admin_url}")
        else:
            terminalreporter.write_line(f"PostgreSQL tests SKIPPED: {_pg.reason}", yellow=True)


@pytest.fixture(autouse=True)
def _no_takeover_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process bots on PostgreSQL deliver at once (bot/services/leader.py waits a second before a
    new leader's first message; tests/test_workers.py keeps that wait)."""
    monkeypatch.setattr(leader, "TAKEOVER_GRACE", 0.0)


@pytest.fixture
async def db_backend(request: pytest.FixtureRequest) -> AsyncIterator[str | None]:
    """None for SQLite; for PostgreSQL the URL of a fresh, migrated database."""
    if getattr(request, "param", SQLITE) == SQLITE:
        yield None
        return
    server = pg_or_skip()
    url = await server.new_database()
    yield url
    await server.release(url)


@pytest.fixture
async def any_db(tmp_path: Path, db_backend: str | None) -> AsyncIterator[Db]:
    """An open database of this run's kind (SQLite file in tmp_path, or PostgreSQL)."""
    db = await open_database(test_settings(tmp_path, database_url=db_backend))
    yield db
    await db.close()


@pytest.fixture
async def make_env(db_backend: str | None) -> AsyncIterator[Callable[..., Awaitable[BotEnv]]]:
    """Factory: `env = await make_env(tmp_path, quiet_hours="21-06")`; closed after the test."""
    envs: list[BotEnv] = []

    async def factory(tmp_path: Path, **kwargs: Any) -> BotEnv:
        kwargs.setdefault("database_url", db_backend)
        env = await start_env(tmp_path, **kwargs)
        envs.append(env)
        return env

    yield factory
    for env in reversed(envs):
        await env.close()


@pytest.fixture
async def bot_env(tmp_path: Path, db_backend: str | None) -> AsyncIterator[BotEnv]:
    env = await start_env(tmp_path, database_url=db_backend)
    yield env
    await env.close()


@pytest.fixture
def resident(bot_env: BotEnv) -> LocalUser:
    return bot_env.api.user(RESIDENT_ID, "Siti")


@pytest.fixture
async def staff(bot_env: BotEnv) -> LocalUser:
    async with bot_env.services.db.transaction() as conn:
        await staff_store.put(conn, STAFF_ID, staff_store.PETUGAS, ADMIN_ID, bot_env.clock.now())
    return bot_env.api.user(STAFF_ID, "Budi")


@pytest.fixture
def admin(bot_env: BotEnv) -> LocalUser:
    return bot_env.api.user(ADMIN_ID, "Rina")


# --- a bot with its outbox dispatcher running (notifications, announcements, visits) --------


def fast_limits(**overrides: float) -> Limits:
    """Real behaviour, test speed: no spacing, retries due at once unless a test says so."""
    values: dict[str, float] = {
        "per_second": 1000.0,
        "private_interval": 0.0,
        "group_interval": 0.0,
        "max_attempts": 3,
        "backoff_base": 0.0,
        "poll_interval": 0.05,
        "progress_interval": 0.05,
    }
    values.update(overrides)
    return Limits(**values)  # type: ignore[arg-type]


def dispatcher_of(app: BotApplication) -> Dispatcher:
    """The outbox dispatcher of a bot started with background work."""
    dispatcher = app.bot_data.dispatcher
    assert dispatcher is not None, "the dispatcher is not running (background=False?)"
    return dispatcher


async def notifier_env(
    make_env, tmp_path: Path, limits: Limits | None = None, **settings: object
) -> BotEnv:
    """A bot with its outbox dispatcher running, with fast limits unless `limits` are given."""
    env = await make_env(tmp_path, background=True, **settings)
    dispatcher_of(env.app).limits = limits or fast_limits()
    return env


async def add_officer(env: BotEnv) -> LocalUser:
    """STAFF_ID as a petugas in the staff table, and their private chat."""
    async with env.services.db.transaction() as conn:
        await staff_store.put(conn, STAFF_ID, staff_store.PETUGAS, ADMIN_ID, env.clock.now())
    return env.api.user(STAFF_ID, "Budi")


@pytest.fixture
async def env(make_env, tmp_path: Path) -> BotEnv:
    """A bot with its outbox dispatcher running and fast limits (a module may define its own)."""
    return await notifier_env(make_env, tmp_path)


@pytest.fixture
async def officer(env: BotEnv) -> LocalUser:
    """STAFF_ID as a petugas of `env`, and their private chat."""
    return await add_officer(env)
