"""An outbox row as WhatsApp shows it: the neutral message, and the template to use instead.

The words are the Telegram dispatcher's (`bot.services.notices.compose`, read when the row's
turn comes); the residents' notices are still written in Telegram's HTML, turned here into the
sentences' own markup (`bot.domain.markup`) for `render.py`. A question's "Balas" button
becomes the conversation's own `QuestionReply` choice.

Outside the 24-hour window a notice goes as the template of its kind (`templates.KINDS`), its
parameters read now as well:

| notice | template kind | parameters |
| --- | --- | --- |
| status change: card printed or shipped | `card_printed` | nik (masked), tempat_pengambilan |
| status change: the resident must come | `come_to_office` | nik (masked), alasan (the status) |
| a jemput bola visit, or its change | `jemput_bola` | kecamatan, waktu, tempat |
| a staff member's answer | `staff_answer` | jawaban |
| an announcement | `announcement` | isi |

Any other notice (a question closed or muted, a visit cancelled) has no template: it waits
for the resident's next message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

from bot import texts_id
from bot import texts_visits as visit_texts
from bot.conversation.buttons import QuestionReply
from bot.conversation.messages import Choice, Message
from bot.domain.markup import bold, code, esc, italic, link, plain
from bot.domain.notices import NoticeKind
from bot.services.container import Services
from bot.services.notices import compose, params_of
from bot.services.office import load_office_info
from bot.services.questions import REPLY, Keyboard
from bot.services.visits import Visit
from bot.states import KtpStatus
from bot.storage import broadcasts as broadcasts_store
from bot.storage import questions as questions_store
from bot.storage import records as records_store
from bot.storage import visits as visits_store
from bot.storage.outbox import DueRow
from bot.texts_common import format_date

CARD_PRINTED = "card_printed"
COME_TO_OFFICE = "come_to_office"
JEMPUT_BOLA = "jemput_bola"
STAFF_ANSWER = "staff_answer"
ANNOUNCEMENT = "announcement"

#: Card news that says "the card can be collected".
_CARD_READY = frozenset({KtpStatus.CARD_PRINTED, KtpStatus.CARD_SHIPPED})


@dataclass(frozen=True, slots=True)
class WhatsAppNotice:
    """What to send for a row: `message` inside the window; outside it, the template of
    `template_kind` (not in the templates file, or "": the notice waits) with `values`."""

    message: Message
    template_kind: str
    values: dict[str, object] = field(default_factory=dict)


async def compose_notice(svc: Services, row: DueRow) -> WhatsAppNotice | None:
    """The row's notice for WhatsApp now; None when there is nothing true left to say."""
    composed = await compose(svc, row)
    if composed is None:
        return None
    text = composed.text if composed.marked else marked_from_html(composed.text)
    message = Message(text=text, choices=_choices(composed.buttons))
    kind, values = await _template(svc, row)
    return WhatsAppNotice(message, kind, values)


def _choices(keyboard: Keyboard | None) -> tuple[tuple[Choice, ...], ...]:
    """A resident's question buttons as the conversation's choices (desk buttons dropped)."""
    rows = []
    for line in keyboard or []:
        row = tuple(
            Choice(QuestionReply(b.question_id).pack(), b.label) for b in line if b.action == REPLY
        )
        if row:
            rows.append(row)
    return tuple(rows)


async def _template(svc: Services, row: DueRow) -> tuple[str, dict[str, object]]:
    """The template kind of a row's notice and its parameters by name ("": none)."""
    if row.notice == NoticeKind.LEGACY:
        return "", {}
    kind = NoticeKind(row.notice)
    params = params_of(row)
    async with svc.db.snapshot() as conn:
        if kind == NoticeKind.STATUS_CHANGE:
            status = KtpStatus(params["status"])
            record = await records_store.get_by_id(conn, int(params["record_id"]))
            nik = record.nik_masked if record else "-"
            if status in _CARD_READY:
                office = await load_office_info(conn)
                return CARD_PRINTED, {"nik": nik, "tempat_pengambilan": office.pickup}
            if status.facts.resident_must_come:
                return COME_TO_OFFICE, {"nik": nik, "alasan": texts_id.plain_title(status)}
            return "", {}
        if kind in (NoticeKind.VISIT_NOTICE, NoticeKind.VISIT_CHANGED):
            found = await visits_store.get(conn, int(params["visit_id"]))
            if found is None:
                return "", {}
            info = Visit.from_row(found).info(svc.settings.timezone)
            when = f"{format_date(_day(info.day))}, {visit_texts.visit_hours(info)}"
            return JEMPUT_BOLA, {
                "kecamatan": info.district_name,
                "waktu": when,
                "tempat": info.place,
            }
        if kind == NoticeKind.QUESTION_ANSWER:
            message = await questions_store.message(conn, int(params["message_row"]))
            return STAFF_ANSWER, {"jawaban": message.text if message else "-"}
        if kind == NoticeKind.ANNOUNCEMENT:
            broadcast = await broadcasts_store.get(conn, int(params["broadcast_id"]))
            return ANNOUNCEMENT, {"isi": plain_from_html(broadcast.text) if broadcast else "-"}
    return "", {}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- Telegram's HTML -> the sentences' markup -------------------------------------------------


class _Marker(HTMLParser):
    """Telegram's few tags (b, strong, i, em, u, s, code, pre, a, tg-spoiler) as marks; any
    other tag dropped, its text kept; entities read."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._open: list[tuple[str, str | None]] = []  # (kind, href)
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _KIND.get(tag)
        if kind is None:
            return
        self._flush()
        href = dict(attrs).get("href") if kind == "link" else None
        self._open.append((kind, href))

    def handle_endtag(self, tag: str) -> None:
        kind = _KIND.get(tag)
        if kind is None or not self._open:
            return
        text = "".join(self._buffer)
        self._buffer = []
        opened, href = self._open.pop()
        self.out.append(_mark(opened, text, href))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._buffer.append(esc(data))
        else:
            self.out.append(esc(data))

    def _flush(self) -> None:
        """A tag opened inside another: the outer run so far is written (marks do not nest)."""
        if self._open and self._buffer:
            kind, href = self._open[-1]
            self.out.append(_mark(kind, "".join(self._buffer), href))
            self._buffer = []

    def result(self) -> str:
        if self._buffer:
            self.out.append("".join(self._buffer))
        return "".join(self.out)


_KIND = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "code": "code",
    "pre": "code",
    "a": "link",
    "u": "plain",
    "s": "plain",
    "tg-spoiler": "plain",
}


def _mark(kind: str, text: str, href: str | None) -> str:
    if not text:
        return ""
    if kind == "bold":
        return bold(text)
    if kind == "italic":
        return italic(text)
    if kind == "code":
        return code(text)
    if kind == "link" and href:
        return link(text, href)
    return text


def marked_from_html(text: str) -> str:
    """Telegram HTML (what the residents' notices are written in) as marked text."""
    parser = _Marker()
    parser.feed(text)
    parser.close()
    return parser.result()


def plain_from_html(text: str) -> str:
    """Telegram HTML as the plain text a template parameter carries."""
    parser = _Marker()
    parser.feed(text)
    parser.close()
    return plain(parser.result())
