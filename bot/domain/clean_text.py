"""Text that every database and log can hold: no NUL, no lone UTF-16 surrogate.

Telegram's JSON may carry "\\u0000" (PostgreSQL refuses it in text) and lone surrogates such
as "\\ud800" (no UTF-8 encoder takes them: SQLite, log files and Telegram's own reply all
fail). Both are removed at the door, before any handler sees the text: NUL is dropped, a lone
surrogate becomes U+FFFD, the replacement character people already know as "?".
"""

from __future__ import annotations

import re
from typing import Any

_BAD = re.compile("[\x00\ud800-\udfff]")


def _replace(found: re.Match[str]) -> str:
    return "" if found.group() == "\x00" else "\ufffd"


def clean(text: str) -> str:
    """`text` without NUL and with each lone surrogate replaced."""
    return _BAD.sub(_replace, text)


def is_clean(value: Any) -> bool:
    """True when no string inside `value` (a JSON-like tree of dicts, lists and scalars) needs
    cleaning: the common case, checked without copying anything."""
    if isinstance(value, str):
        return _BAD.search(value) is None
    if value is None:
        return True
    if isinstance(value, dict):
        return all(is_clean(v) and is_clean(k) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(is_clean(v) for v in value)
    return True


def cleaned(value: Any) -> Any:
    """A copy of the JSON-like `value` with every string cleaned."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {cleaned(k): cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [cleaned(v) for v in value]
    return value
