"""The secret key can never be silently replaced.

A fingerprint of the key (an HMAC of a fixed label with the key, never the key itself) is kept
in the database's `settings` table at first use. Every start (`run`, every CLI command) reads
the key and compares: a key that is missing, unreadable, too short or different from the one
the database was made with stops the command with one line saying what to do. A new key is
created only for a database that holds no records yet. A key or database file that group or
others may read is warned about in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import stat
from pathlib import Path

from bot import texts_ops
from bot.domain.operator_error import OperatorError, cause_of
from bot.domain.privacy import KEY_BYTES, load_or_create_key
from bot.storage import Db
from bot.storage import settings as settings_store

log = logging.getLogger(__name__)

FINGERPRINT_SETTING = "key_fingerprint"
_LABEL = b"cek-ktp-el: fingerprint of the NIK/KK hashing key, v1"
#: Shorter than this is a damaged key (the bot writes KEY_BYTES bytes).
MIN_KEY_BYTES = 16


def fingerprint(key: bytes) -> str:
    """HMAC-SHA256 of a fixed label under the key: tells keys apart, reveals nothing of them."""
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()


def _read_key(path: Path) -> bytes | None:
    """The key's bytes, None when the file does not exist; OperatorError when unusable."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OperatorError(texts_ops.key_unreadable(path, cause_of(exc))) from None
    if len(key) < MIN_KEY_BYTES:
        raise OperatorError(texts_ops.key_truncated(path, len(key), KEY_BYTES))
    return key


async def _holds_records(db: Db) -> bool:
    row = await db.fetchone("SELECT EXISTS (SELECT 1 FROM records)")
    return bool(row and row[0])


async def checked_key(db: Db, path: Path | str, *, create: bool = True) -> bytes | None:
    """The key for `db`, checked against the fingerprint stored in it (stored at first use).

    A missing key is created only when `create` and the database holds no records; otherwise
    OperatorError. Returns None only when the key is missing, `create` is False and the
    database has neither a fingerprint nor records (a read-only command on a fresh install).
    """
    path = Path(path)
    stored = await settings_store.get(db.conn, FINGERPRINT_SETTING)
    key = _read_key(path)
    if key is None:
        if stored is not None or await _holds_records(db):
            raise OperatorError(texts_ops.key_missing(path, db.path))
        if not create:
            return None
        try:
            key = load_or_create_key(path)
        except OSError as exc:
            raise OperatorError(texts_ops.key_unreadable(path, cause_of(exc))) from None
    if stored is None:
        async with db.transaction() as conn:
            await settings_store.put(conn, FINGERPRINT_SETTING, fingerprint(key))
    elif not hmac.compare_digest(stored, fingerprint(key)):
        raise OperatorError(texts_ops.key_different(path, db.path))
    warn_if_readable_by_others(path, db.path)
    return key


def readable_by_others(path: Path | str) -> bool:
    """True when group or others have any permission on the file (False when it is absent)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return bool(stat.S_IMODE(mode) & 0o077)


def warn_if_readable_by_others(*paths: Path | str) -> None:
    for path in paths:
        if str(path) != ":memory:" and readable_by_others(path):
            log.warning(texts_ops.file_readable_by_others(path))
