"""WhatsApp's 24-hour customer-service window, and how a notice goes because of it.

Inside the window (less than 24 hours since the resident's latest message, by the timestamps
WhatsApp reports) a notice goes as an ordinary message; outside it, as the template of its
kind (`data/whatsapp_templates.toml`); a kind without a template waits for the resident's
next message. The outbox asks `route_notice` at send time, and treats a 131047 refusal
(`ErrorKind.WINDOW_CLOSED`: the window closed meanwhile) as `TEMPLATE` or `WAIT` the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from bot.whatsapp.templates import Template

WINDOW = timedelta(hours=24)
#: A notice is not started this close to the window's end (it could close before Meta
#: delivers); the template goes instead.
MARGIN = timedelta(minutes=5)


class NoticeRoute(StrEnum):
    MESSAGE = "message"  # render the notice as any answer
    TEMPLATE = "template"  # templates.template_message(kind, parameters)
    WAIT = "wait"  # keep it; show it when the resident next writes


def window_open(last_inbound: datetime | None, now: datetime) -> bool:
    """Whether a free-form message may go now, given the resident's latest message time."""
    return last_inbound is not None and now < last_inbound + WINDOW - MARGIN


def route_notice(
    kind: str,
    last_inbound: datetime | None,
    now: datetime,
    templates: Mapping[str, Template],
) -> NoticeRoute:
    if window_open(last_inbound, now):
        return NoticeRoute.MESSAGE
    return NoticeRoute.TEMPLATE if kind in templates else NoticeRoute.WAIT
