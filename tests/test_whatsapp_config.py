"""WhatsApp's settings (DESIGN.md §4): off unless the token and the phone number id are set;
on or half on, all four secrets are needed, else one clear line and exit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import texts_ops
from bot.domain.config import DEFAULT_WHATSAPP_API_URL, ConfigError, load_settings

FULL = {
    "WHATSAPP_TOKEN": "EAAG-token",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_APP_SECRET": "secret",
    "WHATSAPP_VERIFY_TOKEN": "verify",
}


def test_off_by_default_with_the_contracts_defaults() -> None:
    settings = load_settings({}, dotenv=False)
    assert not settings.whatsapp_enabled
    assert settings.whatsapp_api_url == DEFAULT_WHATSAPP_API_URL
    assert DEFAULT_WHATSAPP_API_URL.startswith("https://graph.facebook.com/v")
    assert (settings.whatsapp_port, settings.whatsapp_per_second) == (8445, 80.0)


def test_on_with_all_four_and_the_optional_ones_read() -> None:
    settings = load_settings(
        {
            **FULL,
            "WHATSAPP_API_URL": "http://127.0.0.1:9/v26.0/",
            "BOT_WHATSAPP_PORT": "9445",
            "BOT_WHATSAPP_PER_SECOND": "20",
        },
        dotenv=False,
    )
    assert settings.whatsapp_enabled
    assert settings.whatsapp_api_url == "http://127.0.0.1:9/v26.0"
    assert (settings.whatsapp_port, settings.whatsapp_per_second) == (9445, 20.0)


@pytest.mark.parametrize("missing", sorted(FULL))
def test_half_configured_names_what_is_missing(missing: str) -> None:
    env = {k: v for k, v in FULL.items() if k != missing}
    with pytest.raises(ConfigError) as err:
        load_settings(env, dotenv=False)
    line = texts_ops.cli_bad_config(err.value)
    assert err.value.setting == missing and missing in line and "\n" not in line


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_WHATSAPP_PORT", "port"),
        ("BOT_WHATSAPP_PORT", "70000"),
        ("BOT_WHATSAPP_PER_SECOND", "0"),
    ],
)
def test_bad_numbers_say_which(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({name: value}, dotenv=False)
    assert err.value.setting == name


def _run(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot run` in `tmp_path` with only `settings` of the bot's environment."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_", "WHATSAPP_"))
    }
    env.update(TELEGRAM_BOT_TOKEN="123:abc", **settings)
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_run_half_configured_says_one_line_and_exits(tmp_path: Path) -> None:
    result = _run(tmp_path, WHATSAPP_TOKEN="EAAG", WHATSAPP_PHONE_NUMBER_ID="1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "WHATSAPP_APP_SECRET" in lines[0], result.stderr
    assert "EAAG" not in result.stderr


def test_run_with_a_broken_templates_file_says_one_line_and_exits(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "whatsapp_templates.toml").write_text("[card_printed\nname = 1\n")
    result = _run(
        tmp_path,
        WHATSAPP_TOKEN="EAAG",
        WHATSAPP_PHONE_NUMBER_ID="1",
        WHATSAPP_APP_SECRET="s3cret",
        WHATSAPP_VERIFY_TOKEN="verify",
        BOT_DB_PATH=str(tmp_path / "bot.sqlite3"),
        BOT_SECRET_KEY_FILE=str(tmp_path / "secret.key"),
    )
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "whatsapp_templates.toml" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
