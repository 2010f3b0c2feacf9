"""Neutral messages (`bot.conversation.messages`) as WhatsApp Cloud API messages.

`render(message)` gives the `Outgoing` messages to send, in order, each within WhatsApp's
limits (`Limits`, checked again by the Cloud API double in the tests):

- text in WhatsApp's own markup (`whatsapp_text`): `*bold*`, `_italic_`, ```` ```code``` ````,
  a link as "label: url" (WhatsApp makes the url clickable); never HTML. A mark never crosses
  a line (WhatsApp draws no mark over a line break), and the spaces at a run's ends stay
  outside its marks (`* kata*` would not be drawn), and a `*` inside bold text (`_` inside
  italic) becomes a lookalike (`∗`, `＿`), as WhatsApp has no escape.
- a text over 4,096 characters is split (`split_text`): between paragraphs, else between
  lines, else between words, a run's marks repeated in each part.
- choices: up to 3 with labels of at most 20 characters become reply buttons; otherwise a
  list (≤ 10 rows, titles cut to 24 characters at a word, the whole label then in the row's
  description). More than 10 choices: pages of 9 and a "Berikutnya ›" row (`paged`, the
  default: the caller keeps `Rendered.keep_menu` with `storage.whatsapp.save_menu`, and
  `render_page` answers the row), or (`paged=False`) several lists, one after the other.
- a choice with a `url` is a link in the text ("label: url"), not a button.
- the body of a button or list message is at most 1,024 characters: a longer text goes
  first as text messages, and the choices follow under a short body.
- a venue is a `location` message (after the text); a picture or a document is a media
  message whose file the client uploads first (`Outgoing.upload`), its caption the text when
  that fits (1,024), else the text goes before it.
- `menu=True` without choices shows `main_menu` (the conversation's main menu choices) as a
  list: WhatsApp keeps no keyboard under the typing box.

The id of every choice comes back unchanged in the reply (`interactive.button_reply.id` or
`list_reply.id`); the "next page" row's id is read by `next_page`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot import texts_whatsapp as words
from bot.conversation.messages import Attachment, Choice, Message, Venue
from bot.domain.markup import Span, link, plain, spans


class Limits:
    """WhatsApp Cloud API's limits for what the bot sends (Meta's reference for messages)."""

    TEXT = 4096  # text.body
    BODY = 1024  # interactive body.text
    CAPTION = 1024  # image / document caption
    BUTTONS = 3  # reply buttons in a button message
    BUTTON_TITLE = 20
    BUTTON_ID = 256
    ROWS = 10  # rows in a list message, all sections together
    ROW_TITLE = 24
    ROW_DESCRIPTION = 72
    ROW_ID = 200
    SECTION_TITLE = 24
    LIST_BUTTON = 20
    LOCATION_NAME = 1000  # generous on Meta's side; kept short anyway
    LOCATION_ADDRESS = 1000


#: The id of a list's "next page" row: NEXT_PREFIX + menu key + ":" + page number.
NEXT_PREFIX = "wa:next:"
ELLIPSIS = "…"


def wa_len(text: str) -> int:
    """A length never below WhatsApp's count: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Cloud API message, without its recipient: `body` is the JSON object's `type` and
    its content (`{"type": "text", "text": {...}}`); the client adds `messaging_product`,
    `to` and, for a reply, `context`. When `upload` is set, the client uploads that file
    first and puts the media id it gets into `body[body["type"]]["id"]`."""

    body: dict[str, Any]
    upload: Attachment | None = None

    @property
    def type(self) -> str:
        return str(self.body["type"])


# --- text ------------------------------------------------------------------------------------

_WORD_CUT = re.compile(r"\s+")


def _wrap(text: str, left: str, right: str) -> str:
    """`text` (one line) inside marks, the spaces at its ends kept outside."""
    stripped = text.strip()
    if not stripped:
        return text
    start = text.index(stripped[0])
    end = start + len(stripped)
    return f"{text[:start]}{left}{stripped}{right}{text[end:]}"


def _inline(span: Span) -> str:
    """One run as WhatsApp markup; marks line by line."""
    if span.url is not None:
        label = span.text.strip()
        shown = span.url if label == span.url.strip() else f"{label}: {span.url.strip()}"
        return span.text.replace(label, shown, 1) if label else span.text
    text = span.text
    if span.bold:  # a mark's own character inside it would end it: a lookalike instead
        left, right, text = "*", "*", text.replace("*", "∗")
    elif span.italic:
        left, right, text = "_", "_", text.replace("_", "＿")
    elif span.code:
        left, right = "```", "```"
    else:
        return text
    return "\n".join(_wrap(line, left, right) for line in text.split("\n"))


def _merge(runs: Iterable[Span]) -> list[Span]:
    """Neighbouring runs with the same marks as one run (so marks are drawn once)."""
    merged: list[Span] = []
    for run in runs:
        if not run.text:
            continue
        if merged and _same_marks(merged[-1], run):
            merged[-1] = replace(merged[-1], text=merged[-1].text + run.text)
        else:
            merged.append(run)
    return merged


def _same_marks(a: Span, b: Span) -> bool:
    return (a.bold, a.italic, a.code, a.url) == (b.bold, b.italic, b.code, b.url)


def _render_runs(runs: Iterable[Span]) -> str:
    return "".join(_inline(run) for run in _merge(runs)).strip()


def whatsapp_text(marked: str) -> str:
    """A marked text (bot.domain.markup) in WhatsApp's markup, whole (see `split_text`)."""
    return _render_runs(spans(marked))


def _cost(run: Span) -> int:
    """An upper bound of what `run` adds to a rendered part (marks and a link's url included)."""
    return wa_len(_inline(run))


def _pieces(runs: list[Span], separator: str) -> list[list[Span]]:
    """`runs` cut after each `separator` (kept at the end of its piece)."""
    pieces: list[list[Span]] = [[]]
    for run in runs:
        parts = run.text.split(separator)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            text = part if last else part + separator
            if text:
                pieces[-1].append(replace(run, text=text))
            if not last:
                pieces.append([])
    return [piece for piece in pieces if piece]


def _overhead(run: Span) -> int:
    """What `run`'s marks (or a link's url) add to its text."""
    return _cost(replace(run, text="x")) - 1


def _prefix(text: str, room: int) -> str:
    """The longest start of `text` of at most `room` characters (UTF-16 units)."""
    taken = 0
    for i, ch in enumerate(text):
        taken += wa_len(ch)
        if taken > room:
            return text[:i]
    return text


def _hard_cut(runs: list[Span], limit: int) -> list[list[Span]]:
    """`runs` cut anywhere (a word longer than a whole message)."""
    parts: list[list[Span]] = [[]]
    used = 0
    for run in runs:
        if run.url is not None and _overhead(run) >= limit // 2:
            run = Span(f"{run.text}: {run.url}")  # a url as long as a message: plain text
        text = run.text
        while text:
            take = _prefix(text, limit - used - _overhead(run))
            if not take and not parts[-1]:
                take = text[0]  # cannot happen within WhatsApp's limits; never loops
            if not take:
                parts.append([])
                used = 0
                continue
            piece = replace(run, text=take)
            parts[-1].append(piece)
            used += _cost(piece)
            text = text[len(take) :]
    return [part for part in parts if part]


def _raw_len(runs: list[Span]) -> int:
    """The length of `runs` rendered together (before the ends are stripped)."""
    return wa_len("".join(_inline(run) for run in _merge(runs)))


def _fit(runs: list[Span], limit: int, separators: Sequence[str]) -> list[list[Span]]:
    """`runs` in parts each rendering to at most `limit`, cut at the first separator that
    cuts, pieces packed greedily (a sum of each piece's own rendering is an upper bound of
    the part's; near the limit the part is measured exactly)."""
    if _raw_len(runs) <= limit:
        return [runs]
    if not separators:
        return _hard_cut(runs, limit)
    pieces = _pieces(runs, separators[0])
    if len(pieces) == 1:
        return _fit(runs, limit, separators[1:])
    parts: list[list[Span]] = []
    current: list[Span] = []
    used = 0
    for piece in pieces:
        cost = sum(_cost(run) for run in piece)
        if used + cost <= limit:
            current += piece
            used += cost
            continue
        if current and (exact := _raw_len(current + piece)) <= limit:
            current += piece
            used = exact
            continue
        if current:
            parts.append(current)
        if cost <= limit:
            current, used = list(piece), cost
        else:
            smaller = _fit(piece, limit, separators[1:])
            parts.extend(smaller[:-1])
            current = smaller[-1]
            used = sum(_cost(run) for run in current)
    if current:
        parts.append(current)
    return parts


def split_text(marked: str, limit: int = Limits.TEXT) -> list[str]:
    """A marked text as WhatsApp texts of at most `limit` characters each (none empty)."""
    runs = list(spans(marked))
    parts = _fit(runs, limit, ("\n\n", "\n", " "))
    rendered = [_render_runs(part) for part in parts]
    return [text for text in rendered if text]


def _text_messages(marked: str) -> list[Outgoing]:
    return [
        Outgoing({"type": "text", "text": {"body": text, "preview_url": "://" in text}})
        for text in split_text(marked)
    ]


# --- choices ---------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return _WORD_CUT.sub(" ", text).strip()


def cut(text: str, limit: int) -> str:
    """`text` on one line, at most `limit` characters: cut at a word, "…" added."""
    text = _one_line(text)
    if wa_len(text) <= limit:
        return text
    room = limit - wa_len(ELLIPSIS)
    head = ""
    for ch in text:
        if wa_len(head + ch) > room:
            break
        head += ch
    at_word = head.rsplit(" ", 1)[0] if " " in head else head
    if len(at_word) >= len(head) // 2:
        head = at_word
    return head.rstrip(" ,.;:-") + ELLIPSIS


def _label(choice: Choice, number: int) -> str:
    return _one_line(plain(choice.label)) or f"{words.SECTION} {number}"


def _check_ids(choices: Sequence[Choice]) -> None:
    seen: set[str] = set()
    for choice in choices:
        if not choice.id or len(choice.id) > Limits.ROW_ID:
            raise ValueError(f"a choice id must have 1-{Limits.ROW_ID} characters: {choice.id!r}")
        if choice.id.startswith(NEXT_PREFIX):
            raise ValueError(f"a choice id may not start with {NEXT_PREFIX!r}")
        if choice.id in seen:
            raise ValueError(f"two choices share the id {choice.id!r}")
        seen.add(choice.id)


def _row(choice: Choice, number: int) -> dict[str, str]:
    label = _label(choice, number)
    row = {"id": choice.id, "title": cut(label, Limits.ROW_TITLE)}
    if row["title"] != label:
        row["description"] = cut(label, Limits.ROW_DESCRIPTION)
    return row


def _buttons(body: str, choices: Sequence[Choice]) -> Outgoing:
    return Outgoing(
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": body},
                "action": {
                    "buttons": [
                        {
                            "type": "reply",
                            "reply": {"id": c.id, "title": _label(c, i + 1)},
                        }
                        for i, c in enumerate(choices)
                    ]
                },
            },
        }
    )


def _list(body: str, section_title: str, rows: list[dict[str, str]]) -> Outgoing:
    return Outgoing(
        {
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": body},
                "action": {
                    "button": words.LIST_BUTTON,
                    "sections": [{"title": cut(section_title, Limits.SECTION_TITLE), "rows": rows}],
                },
            },
        }
    )


def _fits_buttons(choices: Sequence[Choice]) -> bool:
    labels = [_label(c, i + 1) for i, c in enumerate(choices)]
    return (
        len(choices) <= Limits.BUTTONS
        and len(set(labels)) == len(labels)
        and all(
            wa_len(_label(c, i + 1)) <= Limits.BUTTON_TITLE and len(c.id) <= Limits.BUTTON_ID
            for i, c in enumerate(choices)
        )
    )


def menu_key(text: str, choices: Sequence[Choice]) -> str:
    """A short key naming a menu by its content (the same menu, the same key)."""
    blob = json.dumps([text, [[c.id, c.label] for c in choices]], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def menu_json(text: str, choices: Sequence[Choice]) -> str:
    """A paged menu as kept in storage (read back by `menu_from_json`)."""
    return json.dumps({"text": text, "choices": [[c.id, c.label] for c in choices]})


def menu_from_json(kept: str) -> Message:
    data = json.loads(kept)
    choices = tuple(Choice(str(i), str(label)) for i, label in data["choices"])
    return Message(text=str(data["text"]), choices=(choices,))


def next_page(choice_id: str) -> tuple[str, int] | None:
    """(menu key, page) when `choice_id` is a list's "next page" row, else None."""
    if not choice_id.startswith(NEXT_PREFIX):
        return None
    key, _, page = choice_id[len(NEXT_PREFIX) :].rpartition(":")
    if not key or not page.isdigit():
        return None
    return key, int(page)


def pages_of(count: int) -> list[range]:
    """The choices shown on each page of a paged menu: 9 and a "next" row, the last up to 10."""
    pages: list[range] = []
    start = 0
    while count - start > Limits.ROWS:
        pages.append(range(start, start + Limits.ROWS - 1))
        start += Limits.ROWS - 1
    pages.append(range(start, count))
    return pages


def _choice_messages(
    body: str, choices: Sequence[Choice], key: str | None, page: int
) -> list[Outgoing]:
    if _fits_buttons(choices):
        return [_buttons(body, choices)]
    if len(choices) <= Limits.ROWS:
        return [_list(body, words.SECTION, [_row(c, i + 1) for i, c in enumerate(choices)])]
    if key is not None:
        pages = pages_of(len(choices))
        page = min(max(page, 0), len(pages) - 1)
        rows = [_row(choices[i], i + 1) for i in pages[page]]
        if page + 1 < len(pages):
            rows.append(
                {
                    "id": f"{NEXT_PREFIX}{key}:{page + 1}",
                    "title": words.NEXT_PAGE,
                    "description": words.NEXT_PAGE_DESCRIPTION,
                }
            )
        return [_list(body, words.section_part(page + 1, len(pages)), rows)]
    groups = [choices[i : i + Limits.ROWS] for i in range(0, len(choices), Limits.ROWS)]
    out: list[Outgoing] = []
    for n, group in enumerate(groups):
        rows = [_row(c, n * Limits.ROWS + i + 1) for i, c in enumerate(group)]
        out.append(
            _list(body if n == 0 else words.CHOOSE, words.section_part(n + 1, len(groups)), rows)
        )
    return out


# --- venue and files -------------------------------------------------------------------------


def _location(venue: Venue) -> Outgoing:
    return Outgoing(
        {
            "type": "location",
            "location": {
                "latitude": venue.latitude,
                "longitude": venue.longitude,
                "name": cut(venue.title, Limits.LOCATION_NAME),
                "address": cut(venue.address, Limits.LOCATION_ADDRESS),
            },
        }
    )


def _media(attachment: Attachment, caption: str | None) -> Outgoing:
    kind = "image" if attachment.kind == "picture" else "document"
    content: dict[str, Any] = {}
    if kind == "document":
        content["filename"] = attachment.filename
    if caption:
        content["caption"] = caption
    return Outgoing({"type": kind, kind: content}, upload=attachment)


# --- a whole message -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendered:
    """What `render` gives: the messages, and the menu to keep when it was paged."""

    messages: list[Outgoing] = field(default_factory=list)
    #: (key, JSON) to keep with storage.whatsapp.save_menu when a "next page" row was drawn.
    keep_menu: tuple[str, str] | None = None


def render(
    message: Message,
    *,
    main_menu: Sequence[Choice] = (),
    page: int = 0,
    paged: bool = True,
) -> Rendered:
    """`message` as Cloud API messages, in the order they are to be sent.

    `main_menu`: the resident's main menu, shown as a list when the message asks for it
    (`menu=True`) and has no choices of its own. `paged`: a menu of more than 10 choices is
    shown a page at a time (the page `page`, with a "next page" row whose menu the caller
    keeps: `Rendered.keep_menu`); `paged=False` sends every page at once as separate lists.
    """
    flat = [c for row in message.choices for c in row]
    links = [c for c in flat if c.url]
    choices = [c for c in flat if not c.url]
    if not choices and message.menu:
        choices = list(main_menu)
    _check_ids(choices)
    marked = message.text
    if links:
        lines = "\n".join(link(c.label, c.url or "") for c in links)
        marked = f"{marked}\n\n{lines}" if marked.strip() else lines

    out: list[Outgoing] = []
    keep: tuple[str, str] | None = None
    whole = whatsapp_text(marked)
    caption_fits = 0 < wa_len(whole) <= Limits.CAPTION
    if choices:
        key = None
        if paged and len(choices) > Limits.ROWS:
            key = menu_key(message.text, choices)
            keep = (key, menu_json(message.text, choices))
        if whole and wa_len(whole) <= Limits.BODY:
            body = whole
        else:
            out += _text_messages(marked)
            body = words.CHOOSE
        out += _choice_messages(body, choices, key, page)
    elif message.attachment is not None and caption_fits and message.venue is None:
        out.append(_media(message.attachment, whole))
        return Rendered(out)
    elif whole:
        out += _text_messages(marked)
    if message.venue is not None:
        out.append(_location(message.venue))
    if message.attachment is not None:
        out.append(_media(message.attachment, None))
    return Rendered(out, keep)


def render_page(kept_menu: str, page: int) -> Rendered:
    """The page `page` of a menu kept by `render` (its "next page" row was chosen)."""
    menu = menu_from_json(kept_menu)
    rendered = render(menu, page=page)
    # the text was read with the first page: the next pages carry only the choices
    only_choices = [m for m in rendered.messages if m.type == "interactive"]
    for m in only_choices:
        m.body["interactive"]["body"]["text"] = words.CHOOSE
    return Rendered(only_choices, rendered.keep_menu)
