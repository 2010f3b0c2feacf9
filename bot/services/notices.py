"""What an outbox event says when its turn comes: kind + parameters -> sentence and buttons.

Rows are queued as events (`bot.domain.notices.NoticeKind` and plain parameters) in the
transaction that caused them; the dispatcher asks `compose` for each row just before sending,
and its channel's adapter renders the result (`bot/handlers/notices.py` for Telegram: the text
as sent today, buttons as an inline keyboard). The facts are read then: the record's masked NIK
and the chat's label for it, the office's details, the question's card as it is now, the
visit as planned. `None` means there is nothing true left to say (the record, question or visit
is gone): the row is cancelled instead of sent.

A row queued before rows were events (NoticeKind.LEGACY) carries its Telegram text and
keyboard; it is sent exactly as stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import texts_id
from bot import texts_visits as visit_texts
from bot.domain.notices import NoticeKind
from bot.services.container import Services
from bot.services.office import load_office_info
from bot.services.questions import Keyboard, Questions
from bot.services.visits import Visit
from bot.states import KtpStatus
from bot.storage import broadcasts as broadcasts_store
from bot.storage import outbox as outbox_store
from bot.storage import questions as questions_store
from bot.storage import records as records_store
from bot.storage import visits as visits_store
from bot.storage.db import from_iso
from bot.storage.driver import Conn


@dataclass(frozen=True, slots=True)
class Composed:
    """A notice ready for a channel's renderer: the sentence (the texts' markup), its buttons
    (neutral), or for a legacy row the Telegram keyboard it was stored with (JSON)."""

    text: str
    buttons: Keyboard | None = None
    legacy_keyboard: str | None = None
    #: `text` is in the sentences' own markup (bot.domain.markup), not yet in a channel's
    marked: bool = False


def params_of(row: outbox_store.DueRow) -> dict[str, Any]:
    value = json.loads(row.params or "{}")
    return value if isinstance(value, dict) else {}


async def compose(svc: Services, row: outbox_store.DueRow) -> Composed | None:
    """The notice of `row` as it reads now (None: nothing left to say; cancel the row)."""
    if row.notice == NoticeKind.LEGACY:
        return Composed(row.text, legacy_keyboard=row.reply_markup)
    kind = NoticeKind(row.notice)
    params = params_of(row)
    async with svc.db.snapshot() as conn:
        if kind == NoticeKind.STATUS_CHANGE:
            return await _status_change(conn, row.chat_id, params)
        if kind == NoticeKind.DESK_NOTE:
            return Composed(str(params["markup"]), marked=True)
        if kind == NoticeKind.ANNOUNCEMENT:
            broadcast = await broadcasts_store.get(conn, int(params["broadcast_id"]))
            return Composed(texts_id.broadcast_message(broadcast.text)) if broadcast else None
        if kind in _QUESTION_KINDS:
            return await _question(svc, conn, kind, params)
        return await _visit(svc, conn, row.chat_id, kind, params)


async def _label(conn: Conn, chat_id: int, record_id: int) -> str | None:
    async with conn.execute(
        "SELECT label FROM subscriptions WHERE chat_id = ? AND record_id = ?", (chat_id, record_id)
    ) as cur:
        found = await cur.fetchone()
    return found[0] if found else None


async def _status_change(conn: Conn, chat_id: int, params: dict[str, Any]) -> Composed | None:
    record = await records_store.get_by_id(conn, int(params["record_id"]))
    if record is None:
        return None
    text = texts_id.status_notice(
        KtpStatus(params["status"]),
        nik_masked=record.nik_masked,
        label=await _label(conn, chat_id, record.id),
        entered_on=date.fromisoformat(params["entered_on"]),
        office=await load_office_info(conn),
    )
    return Composed(text)


_QUESTION_KINDS = frozenset(
    {
        NoticeKind.QUESTION_DESK,
        NoticeKind.QUESTION_REPLY,
        NoticeKind.QUESTION_ANSWER,
        NoticeKind.QUESTION_CLOSED,
        NoticeKind.QUESTION_MUTED,
    }
)


async def _question(
    svc: Services, conn: Conn, kind: NoticeKind, params: dict[str, Any]
) -> Composed | None:
    number = int(params["question_id"])
    questions = Questions(svc)
    if kind == NoticeKind.QUESTION_CLOSED:
        if params.get("why"):  # closed with a reason (nobody answered it, or staff gave one)
            preset = params.get("preset")
            return Composed(
                texts_id.question_closed_with_reason(
                    number, None if preset is None else int(preset), params.get("reason")
                )
            )
        return Composed(texts_id.question_closed_notice(number))
    if kind == NoticeKind.QUESTION_MUTED:
        return Composed(texts_id.question_muted(from_iso(params["until"]), questions.tz))
    question = await questions_store.get(conn, number)
    if question is None or question.erased:
        return None
    if kind == NoticeKind.QUESTION_ANSWER:
        message = await questions_store.message(conn, int(params["message_row"]))
        if message is None:
            return None
        text = texts_id.question_answer(
            number, message.text, message.staff_name, message.staff_role
        )
        return Composed(text, questions.answer_keyboard(number))
    post_kind = (
        questions_store.POST_REPLY
        if kind == NoticeKind.QUESTION_REPLY
        else questions_store.POST_REMINDER
        if params.get("reminder")
        else questions_store.POST_DESK
    )
    text, keyboard = await questions.render_post(
        conn, question, post_kind, params.get("message_row"), svc.clock.now()
    )
    return Composed(text, keyboard or None)


async def _visit(
    svc: Services, conn: Conn, chat_id: int, kind: NoticeKind, params: dict[str, Any]
) -> Composed | None:
    found = await visits_store.get(conn, int(params["visit_id"]))
    if found is None:
        return None
    info = Visit.from_row(found).info(svc.settings.timezone)
    if kind == NoticeKind.VISIT_CHANGED:
        return Composed(visit_texts.visit_changed(info))
    if kind == NoticeKind.VISIT_CANCELLED:
        return Composed(visit_texts.visit_cancelled(info))
    record_id = params.get("record_id")
    record = await records_store.get_by_id(conn, int(record_id)) if record_id else None
    text = visit_texts.visit_notice(
        info,
        reminder=bool(params.get("reminder")),
        nik_masked=record.nik_masked if record else None,
        label=await _label(conn, chat_id, record.id) if record else None,
        to_collect=bool(params.get("to_collect")),
    )
    return Composed(text)
