"""The kinds of notice the outbox carries: what happened, not how a channel shows it.

An outbox row is an event: one of these kinds, its parameters (JSON of plain values: ids,
status codes, dates; never a NIK, KK or name) and the recipient's channel and key. It is
rendered for its channel when it is sent (`bot/handlers/notices.py` for Telegram), so a channel
that needs pre-approved templates (WhatsApp outside its 24 hours) can map a kind to a template.
"""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    """A kind of notice, with the parameters it carries."""

    #: A record entered a notifying status: record_id, status, entered_on (ISO date).
    STATUS_CHANGE = "status_change"
    #: A staff announcement: broadcast_id.
    ANNOUNCEMENT = "announcement"
    #: A question's card at the desk: question_id (a reminder when shown again: reminder).
    QUESTION_DESK = "question_desk"
    #: A resident's reply in a thread, at the desk: question_id, message_row.
    QUESTION_REPLY = "question_reply"
    #: A staff member's answer, to the resident: question_id, message_row.
    QUESTION_ANSWER = "question_answer"
    #: The thread was closed by staff, to the resident: question_id.
    QUESTION_CLOSED = "question_closed"
    #: The resident may not ask for a while: question_id, until (ISO time).
    QUESTION_MUTED = "question_muted"
    #: A jemput bola visit, planned or the day before it: visit_id, reminder, and for a chat
    #: that follows a card there: record_id, to_collect.
    VISIT_NOTICE = "visit_notice"
    #: A visit the chat was told of has changed: visit_id.
    VISIT_CHANGED = "visit_changed"
    #: A visit the chat was told of was cancelled: visit_id.
    VISIT_CANCELLED = "visit_cancelled"
    #: A note to the staff desk written in the sentences' own markup (bot.domain.markup), e.g.
    #: what became of a file in the import folder: markup (counts and reasons, no NIK).
    DESK_NOTE = "desk_note"
    #: A row queued before rows were events: Telegram HTML and keyboard, sent as stored.
    LEGACY = "legacy"
