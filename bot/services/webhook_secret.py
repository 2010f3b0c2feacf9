"""The webhook's secret token: webhook mode never runs without one.

Telegram sends the token in the `X-Telegram-Bot-Api-Secret-Token` header of every webhook call;
PTB's webhook server answers 403 to a request without the exact token and hands it to no
handler. When BOT_WEBHOOK_SECRET is not set, a strong token is generated once, kept in the data
folder (mode 0600) and registered with `setWebhook` at every start.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from bot import texts_ops
from bot.domain.config import ConfigError, ConfigProblem, Settings
from bot.domain.operator_error import OperatorError, cause_of

FILE_NAME = "webhook.secret"
#: What Telegram accepts as a secret token: 1-256 of A-Z, a-z, 0-9, _ and -.
_VALID = re.compile(r"[A-Za-z0-9_-]{1,256}")
#: Generated tokens: 48 random bytes, 64 characters.
_GENERATED_BYTES = 48


def secret_path(settings: Settings) -> Path:
    """Where a generated token is kept: beside the database, in the data folder."""
    return settings.db_path.parent / FILE_NAME


def webhook_secret(settings: Settings) -> str:
    """BOT_WEBHOOK_SECRET when set (checked), else the kept token, generated on first use."""
    if settings.webhook_secret is not None:
        if not _VALID.fullmatch(settings.webhook_secret):
            raise ConfigError("BOT_WEBHOOK_SECRET", ConfigProblem.WEBHOOK_SECRET_CHARACTERS)
        return settings.webhook_secret
    path = secret_path(settings)
    try:
        kept = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        kept = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise OperatorError(texts_ops.webhook_secret_unreadable(path, cause_of(exc))) from None
    if _VALID.fullmatch(kept) and len(kept) >= 32:
        return kept
    token = secrets.token_urlsafe(_GENERATED_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(token + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except OSError as exc:
        raise OperatorError(texts_ops.webhook_secret_unreadable(path, cause_of(exc))) from None
    return token
