"""Numbers typed by people: ASCII digits only, of bounded length.

`str.isdigit()` accepts "²", "①" and other digits that `int()` then refuses, and `int()` of
5,000 digits passes Python's limit on integer strings: both once ended in an apology instead of
an answer. Every count, day or number a command takes is read here.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]+")


def parse_int(text: str, *, max_digits: int = 9) -> int | None:
    """`text` (spaces around it aside; a leading "#" too) as a whole number of at most
    `max_digits` ASCII digits; None for anything else."""
    word = text.strip().removeprefix("#")
    if not 0 < len(word) <= max_digits or not _DIGITS.fullmatch(word):
        return None
    return int(word)
