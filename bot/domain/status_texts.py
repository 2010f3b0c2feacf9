"""The five texts of each of the 18 statuses, read once from `bot/status_texts.toml`.

Office staff correct that file without touching Python (its header says how); the residents'
sentences (`bot/texts_id.py`) quote these texts. Reading and checking the file is done here, in
the domain, so that no module of sentences reads a file: a typo in it stops the bot at start,
naming the status and the text.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from bot.states import ALL_STATUSES, KtpStatus


@dataclass(frozen=True, slots=True)
class StatusText:
    """What a resident reads about one status: two lines for the first answer, three more
    behind the "Selengkapnya" button."""

    title: str  # a few words, shown in bold above the rest
    meaning: str  # ONE sentence: what is happening now (first answer)
    what_to_do: str  # ONE thing to do (first answer)
    why_slow: str  # why this step can take long (Selengkapnya)
    who_acts: str  # who is handling it now (Selengkapnya)
    more: str  # what else to know: what to bring, what comes next (Selengkapnya)


STATUS_TEXTS_FILE = "status_texts.toml"  # in bot/, beside texts_id.py; office staff may correct it


class StatusTextsError(RuntimeError):
    """bot/status_texts.toml cannot be used: the message says which status and which text."""


def load_status_texts(path: Path | Traversable) -> dict[KtpStatus, StatusText]:
    """The five texts of every status from the TOML file at `path`, one table per status code.

    Line breaks inside a text are joined into single spaces (a text is one paragraph). Raises
    StatusTextsError when the file cannot be read, or when a status, or one of its texts, is
    missing, empty or unknown: the bot must not start with a hole in what residents read.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StatusTextsError(f"{path}: cannot be read as TOML: {exc}") from exc
    parts = [f.name for f in fields(StatusText)]
    problems: list[str] = []
    unknown = sorted(set(data) - set(KtpStatus.__members__))
    if unknown:
        problems.append(f"unknown status code(s): {', '.join(unknown)}")
    texts: dict[KtpStatus, StatusText] = {}
    for status in ALL_STATUSES:
        table = data.get(status.value)
        if not isinstance(table, dict):
            problems.append(f"status {status.value} is missing (a [{status.value}] table)")
            continue
        extra = sorted(set(table) - set(parts))
        if extra:
            problems.append(f"[{status.value}] has unknown text(s): {', '.join(extra)}")
        values: dict[str, str] = {}
        for part in parts:
            value = table.get(part)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"[{status.value}] has no '{part}' text")
                continue
            values[part] = " ".join(value.split())
        if len(values) == len(parts):
            texts[status] = StatusText(**values)
    if problems:
        raise StatusTextsError(f"{path}: " + "; ".join(problems))
    return texts


#: What residents read about each status, from bot/status_texts.toml (read once, at import).
STATUS_TEXTS: dict[KtpStatus, StatusText] = load_status_texts(
    resources.files("bot").joinpath(STATUS_TEXTS_FILE)
)
