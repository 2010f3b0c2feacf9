"""Every outgoing text fits Telegram, measured as Telegram measures it.

Telegram counts a message's length in UTF-16 code units of its *visible* text (an emoji is two,
`&amp;` is one, tags are nothing): 4,096 for a message, 1,024 for a caption, 200 for a callback
answer. `fit_html` cuts HTML text to such a limit without ever cutting inside a tag or an entity
or between the halves of an emoji, closes the tags it leaves open and ends with "…".

`handlers.telegram_text.FittingRateLimiter` applies `fit_request` to every request the bot makes,
so no message anywhere in the code can fail for its length. `clip` shortens echoed user input.
Pure text rules (the domain floor): `texts_id` uses `clip` for every echo.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
ELLIPSIS = "…"

#: Which parameter of which method carries text, and its limit.
_FIELDS: dict[str, tuple[str, int]] = {
    "sendMessage": ("text", MESSAGE_LIMIT),
    "editMessageText": ("text", MESSAGE_LIMIT),
    "sendDocument": ("caption", CAPTION_LIMIT),
    "sendPhoto": ("caption", CAPTION_LIMIT),
    "sendVideo": ("caption", CAPTION_LIMIT),
    "sendAnimation": ("caption", CAPTION_LIMIT),
    "sendAudio": ("caption", CAPTION_LIMIT),
    "sendVoice": ("caption", CAPTION_LIMIT),
    "editMessageCaption": ("caption", CAPTION_LIMIT),
    "answerCallbackQuery": ("text", CALLBACK_ANSWER_LIMIT),
}

_TOKEN = re.compile(r"<[^>]*>|&[^;\s<>&]*;|[^<&]+|&")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (characters beyond U+FFFF count 2)."""
    if text.isascii():
        return len(text)
    # surrogatepass: a lone surrogate (possible in decoded JSON) counts 1, as Telegram counts it
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _visible_len(token: str) -> int:
    if token.startswith("<"):
        return 0
    if _ENTITY.fullmatch(token):
        return 1
    return utf16_len(token)


def _take(text: str, budget: int) -> str:
    """The longest start of `text` within `budget` UTF-16 units (never half a character)."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return text[:i]
    return text


def clip(text: str, limit: int) -> str:
    """Plain text shortened to `limit` UTF-16 units, "…" at the end when cut."""
    if utf16_len(text) <= limit:
        return text
    return _take(text, limit - 1) + ELLIPSIS


def fit_html(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """HTML text whose visible part is at most `limit` UTF-16 units (unchanged when it fits)."""
    if 2 * len(text) <= limit:  # a character is at most two units: it fits, nothing to count
        return text
    tokens = _TOKEN.findall(text)
    if sum(_visible_len(t) for t in tokens) <= limit:
        return text
    budget = limit - 1  # room for the ellipsis
    out: list[str] = []
    open_tags: list[str] = []
    for token in tokens:
        if token.startswith("<"):
            name = _TAG_NAME.match(token)
            if name is None:
                continue
            if token.startswith("</"):
                if open_tags and open_tags[-1] == name.group(1).lower():
                    open_tags.pop()
                    out.append(token)
                continue
            if budget <= 0:
                break
            open_tags.append(name.group(1).lower())
            out.append(token)
            continue
        size = _visible_len(token)
        if size <= budget:
            out.append(token)
            budget -= size
            continue
        if not token.startswith("&"):  # an entity is whole or not at all
            out.append(_take(token, budget))
        break
    # Drop tags opened with nothing inside them, then close the rest.
    while open_tags and out and out[-1].startswith("<") and not out[-1].startswith("</"):
        out.pop()
        open_tags.pop()
    out.append(ELLIPSIS)
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out)


def fit_request(endpoint: str, data: dict[str, Any]) -> None:
    """Shorten the text parameter of a Bot API request in place to the method's limit."""
    field = _FIELDS.get(endpoint)
    if field is None:
        return
    key, limit = field
    value = data.get(key)
    if not isinstance(value, str):
        return
    if str(data.get("parse_mode") or "").upper() == "HTML":
        data[key] = fit_html(value, limit)
    else:
        data[key] = clip(value, limit)
