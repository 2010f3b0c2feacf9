"""A notice (card printed, come to the office, jemput bola, a staff answer, an announcement)
sent to a WhatsApp resident as the window allows: what the outbox calls at send time.

`send_notice` renders the notice's neutral message when the resident wrote in the last 24
hours, else sends the template of its kind with its parameters; when the Cloud API answers
131047 (the window closed meanwhile) it sends the template instead, at once. A kind without
a template is not sent: `NoticeRoute.WAIT`, for the outbox to keep until the resident writes.
Any other refusal comes back in `NoticeOutcome.error` for the outbox to act on by its kind
(retry after `retry_after`, stop for a number that is gone, pause for the operator...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.conversation.messages import Message
from bot.whatsapp.client import CloudApiClient, ErrorKind, SendError
from bot.whatsapp.render import render
from bot.whatsapp.templates import Template, template_message
from bot.whatsapp.window import NoticeRoute, route_notice


@dataclass(frozen=True, slots=True)
class NoticeOutcome:
    route: NoticeRoute  # how it went (or would have gone)
    message_ids: list[str] = field(default_factory=list)  # wamids, for the statuses
    error: SendError | None = None

    @property
    def sent(self) -> bool:
        return self.error is None and bool(self.message_ids)


async def send_notice(
    client: CloudApiClient,
    templates: Mapping[str, Template],
    *,
    wa_id: str,
    kind: str,
    message: Message,
    values: Mapping[str, object],
    last_inbound: datetime | None,
    now: datetime,
) -> NoticeOutcome:
    """Send one notice (see the module's docstring); never raises SendError."""
    route = route_notice(kind, last_inbound, now, templates)
    if route is NoticeRoute.MESSAGE:
        sent: list[str] = []
        try:
            for outgoing in render(message, paged=False).messages:
                sent.append(await client.deliver(wa_id, outgoing))
            return NoticeOutcome(route, sent)
        except SendError as exc:
            if exc.kind is not ErrorKind.WINDOW_CLOSED or sent:
                return NoticeOutcome(route, sent, exc)
            route = NoticeRoute.TEMPLATE if kind in templates else NoticeRoute.WAIT
    if route is NoticeRoute.WAIT:
        return NoticeOutcome(route)
    try:
        message_id = await client.deliver(wa_id, template_message(templates, kind, values))
    except SendError as exc:
        return NoticeOutcome(route, [], exc)
    return NoticeOutcome(route, [message_id])
