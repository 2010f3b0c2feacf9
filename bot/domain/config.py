"""Settings: one frozen object built from the environment (and a `.env` file beside the bot)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_API_URL = "https://api.telegram.org"
#: Meta's Graph API root with its current version (v26.0, July 2026; each lasts two years).
DEFAULT_WHATSAPP_API_URL = "https://graph.facebook.com/v26.0"


class ConfigProblem(StrEnum):
    """What is wrong with a setting; texts_id turns each into a sentence for the operator."""

    MISSING = "missing"
    QUIET_HOURS_FORMAT = "quiet_hours_format"  # not "21-06"
    QUIET_HOURS_RANGE = "quiet_hours_range"  # an hour outside 0-23
    NOT_A_USER_ID = "not_a_user_id"
    UNKNOWN_TIMEZONE = "unknown_timezone"
    NOT_A_NUMBER = "not_a_number"
    NOT_A_DATABASE_URL = "not_a_database_url"  # BOT_DATABASE_URL is not postgresql://...
    WEBHOOK_SECRET_CHARACTERS = "webhook_secret_characters"  # Telegram's rule: A-Z a-z 0-9 _ -
    #: WhatsApp is on or half on (token or phone number id set) but this setting is not.
    NEEDED_BY_WHATSAPP = "needed_by_whatsapp"


class ConfigError(ValueError):
    """A setting that cannot be used: which one, what is wrong, and the value given."""

    def __init__(self, setting: str, problem: ConfigProblem, given: str | None = None) -> None:
        self.setting = setting
        self.problem = problem
        self.given = given
        super().__init__(f"{setting}: {problem.value}" + ("" if given is None else f" {given!r}"))


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours [start, end) in which notifications wait; start > end wraps midnight."""

    start: int = 21
    end: int = 6

    def contains(self, hour: int) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        text = text.strip()
        if text.lower() in ("", "off", "none", "0-0"):
            return cls(0, 0)
        try:
            start_s, end_s = text.split("-")
            start, end = int(start_s), int(end_s)
        except ValueError:
            raise ConfigError("BOT_QUIET_HOURS", ConfigProblem.QUIET_HOURS_FORMAT, text) from None
        if not (0 <= start <= 23 and 0 <= end <= 24):
            raise ConfigError("BOT_QUIET_HOURS", ConfigProblem.QUIET_HOURS_RANGE, text)
        return cls(start, end % 24)


#: The office information admins set with /kantor: the name they type -> the OfficeInfo attribute.
OFFICE_FIELD_ATTRIBUTES: dict[str, str] = {
    "alamat": "address",
    "jam": "hours",
    "kontak": "contact",
    "pengambilan": "pickup",
    "diwakilkan": "proxy_pickup",
}


@dataclass(frozen=True, slots=True)
class OfficeInfo:
    """The office information residents see (address, hours, contact, where cards are collected).

    Kept in the database and changed by admins (services/office.py); a plain value everywhere else.
    """

    address: str
    hours: str
    contact: str
    pickup: str
    #: Whether someone else (family) may collect a printed card, and with what (KK, surat
    #: kuasa); `bot.services.office.load_office_info` always fills it (its default: ask the office).
    proxy_pickup: str = ""
    #: Where the office is on a map (latitude, longitude); None until an admin sets it.
    location: tuple[float, float] | None = None

    def text(self, field: str) -> str:
        """One field's text, by the name admins type in /kantor ("alamat", "jam", ...)."""
        return str(getattr(self, OFFICE_FIELD_ATTRIBUTES[field]))


@dataclass(frozen=True, slots=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("data/dukcapil.sqlite3")
    secret_key_file: Path = Path("data/secret.key")
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    quiet_hours: QuietHours = field(default_factory=QuietHours)
    timezone: str = "Asia/Jakarta"
    #: postgresql://user:pass@host/db: PostgreSQL (several workers); None: SQLite at db_path.
    database_url: str | None = None
    #: Outbox messages per second, all workers together (Telegram allows 30). Lower it for a
    #: shared token; tests raise it (with a local Bot API) to keep a big broadcast short.
    outbox_per_second: float = 30.0
    #: BOT_IMPORT_DIR: a folder `run` watches for the daily export (None: no folder watched).
    import_dir: Path | None = None
    #: WhatsApp (residents only): on when the token and the phone number id are both set.
    whatsapp_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_api_url: str = DEFAULT_WHATSAPP_API_URL
    whatsapp_port: int = 8445
    #: Cloud API messages per second (Meta's default throughput per business number is 80).
    whatsapp_per_second: float = 80.0

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_token and self.whatsapp_phone_number_id)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def api_base_url(self) -> str:
        """PTB's base_url: requests go to {root}/bot{token}/{method}."""
        return self.api_url.rstrip("/") + "/bot"

    @property
    def api_file_url(self) -> str:
        """PTB's base_file_url: files come from {root}/file/bot{token}/{path}."""
        return self.api_url.rstrip("/") + "/file/bot"


def _ids(text: str) -> frozenset[int]:
    ids = set()
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ids.add(int(part))
        except ValueError:
            raise ConfigError("BOT_ADMIN_IDS", ConfigProblem.NOT_A_USER_ID, part) from None
    return frozenset(ids)


def load_settings(env: Mapping[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Build Settings from `env` (default: os.environ, after reading ./.env when present)."""
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env", override=False)
        env = os.environ
    tz = env.get("BOT_TIMEZONE", "Asia/Jakarta") or "Asia/Jakarta"
    try:
        ZoneInfo(tz)
    except Exception:
        raise ConfigError("BOT_TIMEZONE", ConfigProblem.UNKNOWN_TIMEZONE, tz) from None
    port_text = env.get("BOT_WEBHOOK_PORT", "8443") or "8443"
    if not port_text.isdigit():
        raise ConfigError("BOT_WEBHOOK_PORT", ConfigProblem.NOT_A_NUMBER, port_text)
    database_url = (env.get("BOT_DATABASE_URL") or "").strip() or None
    if database_url is not None and not database_url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("BOT_DATABASE_URL", ConfigProblem.NOT_A_DATABASE_URL, database_url)
    rate_text = env.get("BOT_OUTBOX_PER_SECOND", "30") or "30"
    try:
        outbox_per_second = float(rate_text)
    except ValueError:
        raise ConfigError("BOT_OUTBOX_PER_SECOND", ConfigProblem.NOT_A_NUMBER, rate_text) from None
    if not outbox_per_second > 0:
        raise ConfigError("BOT_OUTBOX_PER_SECOND", ConfigProblem.NOT_A_NUMBER, rate_text)
    whatsapp = _whatsapp_settings(env)
    return Settings(
        token=env.get("TELEGRAM_BOT_TOKEN") or None,
        api_url=env.get("TELEGRAM_API_URL") or DEFAULT_API_URL,
        db_path=Path(env.get("BOT_DB_PATH") or "data/dukcapil.sqlite3"),
        secret_key_file=Path(env.get("BOT_SECRET_KEY_FILE") or "data/secret.key"),
        admin_ids=_ids(env.get("BOT_ADMIN_IDS", "")),
        webhook_url=env.get("BOT_WEBHOOK_URL") or None,
        webhook_secret=env.get("BOT_WEBHOOK_SECRET") or None,
        webhook_listen=env.get("BOT_WEBHOOK_LISTEN") or "0.0.0.0",
        webhook_port=int(port_text),
        quiet_hours=QuietHours.parse(env.get("BOT_QUIET_HOURS", "21-06")),
        timezone=tz,
        database_url=database_url,
        outbox_per_second=outbox_per_second,
        import_dir=Path(env["BOT_IMPORT_DIR"])
        if (env.get("BOT_IMPORT_DIR") or "").strip()
        else None,
        **whatsapp,
    )


def _positive_number(env: Mapping[str, str], name: str, default: str) -> float:
    text = env.get(name, default) or default
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(name, ConfigProblem.NOT_A_NUMBER, text) from None
    if not value > 0:
        raise ConfigError(name, ConfigProblem.NOT_A_NUMBER, text)
    return value


def _whatsapp_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The WhatsApp fields of Settings; half a configuration is refused (ConfigError)."""
    token = (env.get("WHATSAPP_TOKEN") or "").strip() or None
    phone_number_id = (env.get("WHATSAPP_PHONE_NUMBER_ID") or "").strip() or None
    app_secret = env.get("WHATSAPP_APP_SECRET") or None
    verify_token = env.get("WHATSAPP_VERIFY_TOKEN") or None
    if token or phone_number_id:  # on, or half on: every one of the four is needed
        for name, value in (
            ("WHATSAPP_TOKEN", token),
            ("WHATSAPP_PHONE_NUMBER_ID", phone_number_id),
            ("WHATSAPP_APP_SECRET", app_secret),
            ("WHATSAPP_VERIFY_TOKEN", verify_token),
        ):
            if not value:
                raise ConfigError(name, ConfigProblem.NEEDED_BY_WHATSAPP)
    port_text = env.get("BOT_WHATSAPP_PORT", "8445") or "8445"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("BOT_WHATSAPP_PORT", ConfigProblem.NOT_A_NUMBER, port_text)
    return {
        "whatsapp_token": token,
        "whatsapp_phone_number_id": phone_number_id,
        "whatsapp_app_secret": app_secret,
        "whatsapp_verify_token": verify_token,
        "whatsapp_api_url": (env.get("WHATSAPP_API_URL") or DEFAULT_WHATSAPP_API_URL).rstrip("/"),
        "whatsapp_port": int(port_text),
        "whatsapp_per_second": _positive_number(env, "BOT_WHATSAPP_PER_SECOND", "80"),
    }
