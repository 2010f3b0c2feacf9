"""The sentences' own small markup: bold, italic, code and a link, rendered per channel.

A marked text is a plain `str`. A few characters from Unicode's private-use area (nobody types
them; `esc` removes them from every value a sentence quotes) open and close the marks, so a
sentence is written with `bold(...)`, `italic(...)`, `code(...)` and `link(label, url)` and
never in any channel's syntax. Everything else in the string is text exactly as the person
will read it: no entities, no escaping of `<`, `&` or `*`.

Each channel renders it: Telegram as HTML (`bot/handlers/render.py`), WhatsApp as `*bold*`
and `_italic_`, the terminal demo as plain text. `spans` walks a marked text once, left to right;
a mark left open is closed at the end of the text, and marks do not nest (an inner mark ends
the outer one), which keeps every renderer a loop of a few lines.

    >>> text = f"Status: {bold(esc('Siap cetak'))}"
    >>> [(s.text, s.bold) for s in spans(text)]
    [('Status: ', False), ('Siap cetak', True)]
    >>> plain(text)
    'Status: Siap cetak'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.text_fit import ELLIPSIS, _take, utf16_len

BOLD, BOLD_END = "\ue000", "\ue001"
ITALIC, ITALIC_END = "\ue002", "\ue003"
CODE, CODE_END = "\ue004", "\ue005"
LINK, LINK_URL, LINK_END = "\ue006", "\ue007", "\ue008"
MARKS = BOLD + BOLD_END + ITALIC + ITALIC_END + CODE + CODE_END + LINK + LINK_URL + LINK_END

_MARK_CHARS = re.compile(f"[{MARKS}]")
_SPLIT = re.compile(f"([{MARKS}])")


def esc(value: object) -> str:
    """`value` as text that carries no marks (what a person typed, a name, an address)."""
    return _MARK_CHARS.sub("", str(value))


def bold(text: str) -> str:
    return f"{BOLD}{text}{BOLD_END}"


def italic(text: str) -> str:
    return f"{ITALIC}{text}{ITALIC_END}"


def code(text: str) -> str:
    """Text to be copied as typed (a command, a number)."""
    return f"{CODE}{text}{CODE_END}"


def link(label: str, url: str) -> str:
    return f"{LINK}{label}{LINK_URL}{esc(url)}{LINK_END}"


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text with one set of marks."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    url: str | None = None  # the run is a link's label


def spans(marked: str) -> Iterator[Span]:
    """The runs of `marked`, in order; empty runs are skipped."""
    mark = ""  # the open mark: "", BOLD, ITALIC, CODE or LINK
    label = ""  # a link's label, while its url is read
    in_url = False
    for part in _SPLIT.split(marked):
        if not part:
            continue
        if part in (BOLD, ITALIC, CODE, LINK):
            mark, in_url, label = part, False, ""
        elif part == LINK_URL:
            in_url = mark == LINK
        elif part in (BOLD_END, ITALIC_END, CODE_END, LINK_END):
            mark, in_url = "", False
        elif mark == LINK and in_url:
            if label:
                yield Span(label, url=part)
            label = ""
        elif mark == LINK:
            label += part
        else:
            yield Span(part, bold=mark == BOLD, italic=mark == ITALIC, code=mark == CODE)
    if mark == LINK and label:  # a link never closed: its label as text
        yield Span(label)


def plain(marked: str) -> str:
    """The text a person reads, marks dropped (a link keeps its label)."""
    return "".join(span.text for span in spans(marked))


def length(marked: str) -> int:
    """How many characters a person reads (marks are not counted), as Telegram counts them
    (UTF-16 units)."""
    return utf16_len(plain(marked))


def _marked(span: Span, text: str) -> str:
    if span.url is not None:
        return link(text, span.url)
    if span.bold:
        return bold(text)
    if span.italic:
        return italic(text)
    if span.code:
        return code(text)
    return text


def fit(marked: str, limit: int) -> str:
    """`marked` with at most `limit` visible characters (as Telegram counts them: UTF-16
    units), cut at the end with "…" inside the mark it falls in; unchanged when it fits."""
    runs = list(spans(marked))
    if sum(utf16_len(run.text) for run in runs) <= limit:
        return marked
    budget = limit - 1  # room for the ellipsis
    out: list[str] = []
    for run in runs:
        size = utf16_len(run.text)
        if size <= budget:
            out.append(_marked(run, run.text))
            budget -= size
            continue
        out.append(_marked(run, _take(run.text, budget) + ELLIPSIS))
        return "".join(out)
    return "".join(out) + ELLIPSIS
