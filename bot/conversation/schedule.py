"""Jemput bola as residents see it: the upcoming visits by kecamatan, and being told of them.

The staff's side (planning, changing, results) stays with the staff's handlers.
"""

from __future__ import annotations

from bot import texts_visits as visit_texts
from bot.conversation.buttons import ScheduleDistrict, ScheduleDistricts, ScheduleFollow
from bot.conversation.messages import Choice, Message
from bot.domain.nik import district_name as _district_name
from bot.services.container import Services
from bot.services.visits import VisitInputError, Visits, districts_by_name, parse_district

#: Residents' chats are private (visits are followed per chat).
PRIVATE = "private"


def district_name(code: str) -> str:
    """A kecamatan's name (its code when it has none)."""
    return _district_name(code) or code


def _rows(buttons: list[Choice], per_row: int = 2) -> tuple[tuple[Choice, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def _district_choices(counts: dict[str, int]) -> tuple[tuple[Choice, ...], ...]:
    return _rows(
        [
            Choice(
                ScheduleDistrict(code).pack(),
                visit_texts.schedule_district_button(name, counts.get(code, 0)),
            )
            for code, name in districts_by_name()
        ]
    )


def _follow_choices() -> tuple[tuple[Choice, ...], ...]:
    return _rows(
        [Choice(ScheduleFollow(code, "on").pack(), name) for code, name in districts_by_name()]
    )


async def overview(svc: Services, chat_id: int, note: str | None = None) -> Message:
    """The upcoming visits near the chat's cards, and a button per kecamatan."""
    visits = Visits(svc)
    seen = await visits.chat_schedule(chat_id)
    text = visit_texts.schedule_overview(
        [v.info(visits.tz) for v in seen.visits],
        [district_name(c) for c in seen.card_codes],
        [district_name(c) for c in seen.followed_codes],
    )
    if note:
        text = f"{note}\n\n{text}"
    return Message(text, choices=_district_choices(seen.counts))


async def district_view(
    svc: Services, chat_id: int, name: str, *, by_code: bool = False, turn: str | None = None
) -> Message:
    """One kecamatan's visits with its follow button (`name` as typed, or its code when
    `by_code`); `turn` "on"/"off" first follows or stops following it."""
    if by_code:
        code = name
    else:
        try:
            code = parse_district(name)
        except VisitInputError:
            return await overview(svc, chat_id, note=visit_texts.schedule_unknown_district(name))
    visits = Visits(svc)
    shown = district_name(code)
    note: str | None = None
    if turn == "on":
        new = await visits.follow(chat_id, PRIVATE, code)
        note = visit_texts.schedule_followed(shown, already=not new)
    elif turn == "off":
        count = await visits.unfollow(chat_id, code)
        note = visit_texts.schedule_unfollowed(shown, count)
    following = await visits.is_following(chat_id, code)
    upcoming = await visits.upcoming([code])
    text = visit_texts.schedule_district(shown, [v.info(visits.tz) for v in upcoming], following)
    if note:
        text = f"{note}\n\n{text}"
    toggle = (
        Choice(ScheduleFollow(code, "off").pack(), visit_texts.schedule_unfollow_button(shown))
        if following
        else Choice(ScheduleFollow(code, "on").pack(), visit_texts.schedule_follow_button(shown))
    )
    back = Choice(ScheduleDistricts().pack(), visit_texts.SCHEDULE_BACK_BUTTON)
    return Message(text, choices=((toggle,), (back,)))


async def follow_command(svc: Services, chat_id: int, name: str) -> Message:
    """`/jadwal ikuti KECAMATAN`: be told of the visits there."""
    if not name.strip():
        return Message(visit_texts.SCHEDULE_WHICH_DISTRICT, choices=_follow_choices())
    try:
        code = parse_district(name)
    except VisitInputError:
        return Message(visit_texts.schedule_unknown_district(name), choices=_follow_choices())
    new = await Visits(svc).follow(chat_id, PRIVATE, code)
    return Message(visit_texts.schedule_followed(district_name(code), already=not new))


async def unfollow_command(svc: Services, chat_id: int, name: str) -> Message:
    """`/jadwal berhenti [KECAMATAN]`: no more notices of visits (there, or anywhere)."""
    visits = Visits(svc)
    if not name.strip():
        count = await visits.unfollow(chat_id)
        return Message(visit_texts.schedule_unfollowed(None, count))
    try:
        code = parse_district(name)
    except VisitInputError:
        return Message(visit_texts.schedule_unknown_district(name))
    count = await visits.unfollow(chat_id, code)
    return Message(visit_texts.schedule_unfollowed(district_name(code), count))
