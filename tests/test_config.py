"""Settings from the environment: defaults, quiet hours, admin ids, clear errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from conftest import BotEnv

from bot.domain.config import DEFAULT_API_URL, ConfigError, QuietHours, load_settings


def test_defaults_match_the_contract() -> None:
    s = load_settings({})
    assert s.token is None
    assert s.api_url == DEFAULT_API_URL
    assert s.db_path == Path("data/dukcapil.sqlite3")
    assert s.secret_key_file == Path("data/secret.key")
    assert s.quiet_hours == QuietHours(21, 6)
    assert s.timezone == "Asia/Jakarta"
    assert s.api_base_url == "https://api.telegram.org/bot"
    assert s.api_file_url == "https://api.telegram.org/file/bot"


def test_self_hosted_api_root_and_admins() -> None:
    s = load_settings({"TELEGRAM_API_URL": "http://127.0.0.1:8081/", "BOT_ADMIN_IDS": "1, 22,333"})
    assert s.api_base_url == "http://127.0.0.1:8081/bot"
    assert s.api_file_url == "http://127.0.0.1:8081/file/bot"
    assert s.admin_ids == frozenset({1, 22, 333})


@pytest.mark.parametrize(
    ("hour", "quiet"), [(20, False), (21, True), (23, True), (0, True), (5, True), (6, False)]
)
def test_quiet_hours_wrap_midnight(hour: int, quiet: bool) -> None:
    assert QuietHours.parse("21-06").contains(hour) is quiet


def test_quiet_hours_can_be_switched_off() -> None:
    assert not any(QuietHours.parse("off").contains(h) for h in range(24))


@pytest.mark.parametrize(
    "env",
    [
        {"BOT_QUIET_HOURS": "malam"},
        {"BOT_QUIET_HOURS": "25-06"},
        {"BOT_ADMIN_IDS": "budi"},
        {"BOT_TIMEZONE": "Mars/Olympus"},
        {"BOT_WEBHOOK_PORT": "http"},
    ],
)
def test_bad_settings_say_which(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env)
    assert next(iter(env)) in str(err.value)


async def test_today_is_the_date_in_the_offices_time_zone(bot_env: BotEnv) -> None:
    bot_env.clock.set(datetime(2026, 11, 28, 16, 59, tzinfo=UTC))  # 23.59 WIB
    assert bot_env.services.today() == date(2026, 11, 28)
    bot_env.clock.advance(minutes=1)  # 00.00 WIB, still the 28th in UTC
    assert bot_env.services.today() == date(2026, 11, 29)
    assert bot_env.services.today(datetime(2026, 11, 29, 16, 59, tzinfo=UTC)) == date(2026, 11, 29)
