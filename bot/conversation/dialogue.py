"""The residents' dialogue, channel-free: an `Event` in, the `Message`s to send out.

    conversation = Conversation(services)
    messages = await conversation.answer(event)          # None: not the residents' (staff)

`answer` follows `steps.ROUTING` for the residents: a button's value (`buttons.py`); a reply to
an answer from staff; the step the chat is in (a Nomor KK, a card's name, a question, a reply),
read once (`steps.read`), or given by the adapter that read it already; a command of the
residents; a main-menu button; a NIK and KK (the check); everyday words (`free_text.py`: read
by `domain.understanding`, with follow-ups, "Maksud Bapak/Ibu…?" and a long message offered
to the staff). Staff commands and buttons, and the staff's walk-throughs, are not the
dialogue's: it answers None and the channel's adapter hands them on.

The sentences come from `bot.texts_id` in the neutral markup (`bot.domain.markup`); choices
carry `buttons.py` values. Nothing here knows a channel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence

from bot import texts_id as texts
from bot import texts_visits as visit_texts
from bot.conversation import steps
from bot.conversation.buttons import (
    NO_LABEL,
    Announcements,
    CallbackData,
    FaqList,
    FaqShow,
    QuestionReply,
    ResAllStages,
    ResAskLabel,
    ResAskStaff,
    ResCheckAnother,
    ResErase,
    ResIntent,
    ResLabel,
    ResMore,
    ResPrivacy,
    ResSendDraft,
    ResStagesPage,
    ResStop,
    ResSubscribe,
    ScheduleDistrict,
    ScheduleDistricts,
    ScheduleFollow,
    unpack,
)
from bot.conversation.events import Event
from bot.conversation.free_text import FreeText, offered_intent, waiting_figures
from bot.conversation.messages import Choice, Message, Venue, say
from bot.conversation.schedule import district_view, follow_command, overview, unfollow_command
from bot.domain.intents import Intent
from bot.domain.markup import esc
from bot.domain.numbers import parse_int
from bot.services import faq, receipts
from bot.services import questions as questions_mod
from bot.services.broadcasting import Broadcasting
from bot.services.container import Services
from bot.services.insights import RecordInsight
from bot.services.office import load_office_info
from bot.services.questions import Outcome, Questions, ResidentResult
from bot.services.receipts import Opened
from bot.services.residents import MAX_PER_CHAT, Residents, Subscribed
from bot.services.roles import StaffRoles
from bot.services.verification import (
    CheckReply,
    KnownStep,
    Reply,
    Verification,
    handle_numbers,
    looks_like_numbers,
)
from bot.services.verification import Outcome as CheckOutcome
from bot.services.visits import Visits, districts_by_name
from bot.storage import context as context_store
from bot.storage.records import Record
from bot.storage.subscriptions import MAX_LABEL

#: `/start cek` (the deep link of a group's "open a private chat" button): ask for the NIK.
START_CHECK = "cek"
#: The residents' commands, in the order a channel's command menu shows them (Telegram's
#: setMyCommands: `bot/handlers/general.py`); each is answered here.
RESIDENT_COMMANDS: tuple[str, ...] = (
    "start",
    "cek",
    "langganan",
    "berhenti",
    "pengumuman",
    "tanya",
    "jadwal",
    "hapusdata",
    "privasi",
    "bantuan",
)
#: The commands a resident's /bantuan names in one line (for those used to typing them).
RESIDENT_HELP_COMMANDS: tuple[str, ...] = tuple(
    name for name in RESIDENT_COMMANDS if name not in ("start", "bantuan")
)
#: `/jadwal` words that are the staff's.
SCHEDULE_STAFF_WORDS = ("tambah", "hasil")
CANCEL = "/batal"
#: `/pengumuman` words.
ANNOUNCEMENTS_OFF_WORDS = frozenset(
    {"mati", "matikan", "off", "tidak", "stop", "berhenti", "nonaktif"}
)
ANNOUNCEMENTS_ON_WORDS = frozenset(
    {"hidup", "hidupkan", "on", "ya", "nyala", "nyalakan", "aktif", "aktifkan"}
)
#: The kind of chat a resident's dialogue happens in.
PRIVATE = "private"
MENU_LABELS = frozenset(texts.MAIN_MENU_LABELS)
#: The kinds of button the dialogue answers (every other known kind is the staff's).
RESIDENT_BUTTONS = (
    Announcements,
    ResSubscribe,
    ResMore,
    ResCheckAnother,
    ResAllStages,
    ResStagesPage,
    ResLabel,
    ResAskLabel,
    ResStop,
    ResErase,
    FaqShow,
    FaqList,
    ScheduleDistricts,
    ScheduleDistrict,
    ScheduleFollow,
    QuestionReply,
    ResIntent,
    ResAskStaff,
    ResSendDraft,
    ResPrivacy,
)

Messages = list[Message]
_Answerer = Callable[[Event], Awaitable[Messages]]


def choice(label: str, value: CallbackData) -> Choice:
    return Choice(value.pack(), label)


def rows_of(items: Sequence[Choice], per_row: int) -> tuple[tuple[Choice, ...], ...]:
    return tuple(tuple(items[i : i + per_row]) for i in range(0, len(items), per_row))


def menu(text: str) -> Message:
    """`text` with the resident's main menu."""
    return Message(text, menu=True)


#: The buttons under every answer that do not name its record (made once: they never change).
_CHECK_ANOTHER = choice(texts.BTN_CHECK_ANOTHER, ResCheckAnother())
_ALL_STAGES = choice(texts.BTN_ALL_STAGES, ResAllStages())


def _stages_page(page: int, *, replaces: bool) -> Message:
    """One screen of the all-stages explanation, with ‹ › to the others."""
    pages = texts.all_stages_pages()
    page = min(max(page, 0), len(pages) - 1)
    row: list[Choice] = []
    if page > 0:
        row.append(choice(texts.BTN_STAGES_PREV, ResStagesPage(page - 1)))
    if page < len(pages) - 1:
        row.append(choice(texts.BTN_STAGES_NEXT, ResStagesPage(page + 1)))
    shown = say(pages[page], tuple(row)) if row else say(pages[page])
    return dataclasses.replace(shown, replaces_pressed=replaces)


class Conversation:
    """The residents' side of the bot, for any channel."""

    def __init__(self, services: Services) -> None:
        self.svc = services
        self.residents = Residents(services)
        self.questions = Questions(services)
        self.free = FreeText(services, self)

    # --- the one entry point ---------------------------------------------------------------

    async def answer(self, event: Event, current: steps.Current | None = None) -> Messages | None:
        """What to send for `event`; None when it is not the residents' dialogue's (a staff
        command or button: the adapter hands it on). `current`: the chat's steps, when the
        adapter read them already (else they are read here, once, when they matter)."""
        if event.button is not None:
            return await self._pressed(event)
        if event.edited:  # a corrected NIK gets its answer; other edits need none
            text = event.text
            if text and not event.command and looks_like_numbers(text):
                return await self.check(event, text, None)
            return None
        if event.reply_to is not None:
            chat = event.conversation
            if await self.questions.question_of_desk_post(chat, event.reply_to) is not None:
                return None  # a staff member's answer at the desk: the staff's handlers
            if event.private:
                replied = await self._reply_to(event)
                if replied is not None:
                    return replied
        if event.text is None and event.location is None and event.attachment is None:
            return None
        if event.private:
            if current is None:
                current = await steps.read(self.svc, event.conversation, event.person)
            if current.any:
                in_step = await self._in_step(event, current)
                if in_step is not None:
                    return in_step
        command = event.command
        if command is not None:
            return await self._command(event, command, current or steps.NONE)
        text = event.text
        if not event.private:  # a group: only a NIK sent there is answered (not here)
            return [self._private_only(event)] if text and looks_like_numbers(text) else None
        if text is None:
            return [menu(texts.NOT_TEXT_SHORT)]
        if text in MENU_LABELS:
            return await self._menu(event, text)
        if looks_like_numbers(text):
            return await self.check(event, text, current)
        return await self.free.answer(event, text, current or steps.NONE)

    # --- steps -----------------------------------------------------------------------------

    async def _in_step(self, event: Event, current: steps.Current) -> Messages | None:
        """A message while the chat is in a step: the step takes it (its answer), or, when it
        interrupts the step as declared (`steps.interruption`), the step ends and the message
        is answered as usual (None)."""
        chat = event.conversation
        text = event.text
        label = current.get(steps.LABEL)
        check_step = steps.LABEL if label is not None else steps.KK
        if label is not None or current.get(steps.KK) is not None:
            why = steps.interruption(check_step, event, MENU_LABELS)
            if why is not None and why is not steps.Interrupt.CANCEL:  # /batal: its command
                await self.residents.cancel_step(chat)
            elif label is not None and text and event.command is None and label.number:
                if not _looks_like_a_name(text):  # "kapan jadinya?": answered, name still asked
                    answered = await self.free.answer(event, text, steps.NONE) or []
                    return [*answered, await self.ask_label_again(chat, label.number)]
                return [await self._label_typed(chat, label.number, text)]
        question = current.get(steps.ASK) or current.get(steps.REPLY)
        if question is None:
            return None
        kind = steps.ASK if question.kind == steps.ASK.name else steps.REPLY
        why = steps.interruption(kind, event, MENU_LABELS)
        if why is steps.Interrupt.CANCEL:
            await self.questions.cancel_step(chat)
            asking = kind is steps.ASK
            cancelled = texts.QUESTION_ASK_CANCELLED if asking else texts.QUESTION_REPLY_CANCELLED
            return [menu(cancelled)]
        if why is not None:
            await self.questions.cancel_step(chat)  # they moved on: answered as usual
            return None
        if text is None:
            return [say(texts.QUESTION_NOT_TEXT)]
        if kind is steps.ASK:
            return await self.ask(chat, text)
        return await self._reply(chat, question.number or 0, text)

    async def _label_typed(self, chat: int, record_id: int, text: str) -> Message:
        if not await self.residents.set_label(chat, record_id, text):
            return say(texts.NOT_FOLLOWED)
        followed = await self.residents.followed(chat, record_id)
        return say(texts.label_saved(followed.label, followed.nik_masked))

    # --- commands --------------------------------------------------------------------------

    async def _command(self, event: Event, command: str, current: steps.Current) -> Messages | None:
        match command:
            case "/start":
                return await self.start(event, event.args[0] if event.args else "")
            case "/cek":
                if not event.private:
                    return [self._private_only(event)]
                rest = event.rest
                if rest and looks_like_numbers(rest):
                    return await self.check(event, rest, current)
                return [say(texts.ASK_NIK)]
            case "/langganan":
                return await self._private(event, self._following)
            case "/berhenti":
                return await self._private(event, self.stop_command)
            case "/privasi":
                return [say(texts.privacy(event.channel))]
            case "/hapusdata":
                return await self._private(event, self.erase_question)
            case "/batal":
                if not event.private:
                    return None
                cleared = await self.residents.cancel_step(event.conversation)
                return [say(texts.CANCELLED if cleared else texts.NOTHING_TO_CANCEL)]
            case "/bantuan" | "/help":
                return await self.help(event)
            case "/tanya":
                return await self.tanya(event)
            case "/jadwal":
                return await self._jadwal(event)
            case "/pengumuman":
                return await self.announcements(event)
        return None

    async def _private(self, event: Event, then: _Answerer) -> Messages:
        if not event.private:
            return [self._private_only(event)]
        return await then(event)

    def _private_only(self, event: Event) -> Message:
        """A check asked for in a group: said to belong in a private chat, with its link."""
        if not event.start_link:
            return say(texts.GROUP_PRIVATE_ONLY)
        url = f"{event.start_link}{START_CHECK}"
        return say(texts.GROUP_PRIVATE_ONLY, (Choice("", texts.BTN_OPEN_PRIVATE, url=url),))

    async def start(self, event: Event, payload: str) -> Messages | None:
        """/start, and what a link that opens the chat carries (`payload`): the one place a
        start word is read."""
        if not event.private:
            return [say(texts.welcome_group(event.bot_username))]
        if payload.casefold() == START_CHECK:
            return [menu(texts.start_check(event.name))]  # from a group's button
        if payload:  # a receipt slip's link: that record's NIK, now its KK
            opened = await self._receipt_opened(event.conversation, payload)
            if opened is not None:
                return opened
            welcome = texts.resident_welcome(event.name)
            return [menu(f"{texts.RECEIPT_LINK_UNKNOWN}\n\n{welcome}")]
        if await StaffRoles.of(self.svc).role_of(event.person) is not None:
            return None  # staff are greeted with their own menu (the adapter's help)
        return [menu(texts.resident_welcome(event.name))]

    async def _receipt_opened(self, chat: int, token: str) -> Messages | None:
        """A receipt slip's link opened (`services.receipts`): the record's masked NIK and the
        ask for its KK (the ordinary check step), or why not now; None when the token is
        unknown, revoked or expired."""
        opening = await receipts.open_link(self.svc, chat, token)
        if opening.outcome is Opened.UNKNOWN:
            return None
        if opening.outcome is Opened.ASK_KK:
            return [say(texts.receipt_opened(opening.nik_masked or ""))]
        refusal = opening.refusal
        if refusal is None or refusal.until is None:
            return []
        if refusal.outcome is CheckOutcome.NIK_LOCKED:
            office = await self.residents.office()
            block = texts.office_contact(office.address, office.hours, office.contact)
            text = texts.nik_locked(refusal.until, self.svc.settings.timezone, block)
        else:
            text = texts.chat_must_wait(refusal.until, self.svc.settings.timezone)
        return [menu(text)]

    async def help(self, event: Event) -> Messages | None:
        if not event.private:
            return [say(texts.help_group(event.bot_username))]
        if await StaffRoles.of(self.svc).role_of(event.person) is not None:
            return None  # staff read their commands too (the adapter's help)
        office = await load_office_info(self.svc.db.conn)
        block = texts.office_contact(office.address, office.hours, office.contact)
        return [menu(f"{texts.resident_help(RESIDENT_HELP_COMMANDS)}\n\n{block}")]

    # --- the main menu ---------------------------------------------------------------------

    async def _menu(self, event: Event, label: str) -> Messages | None:
        match label:
            case texts.MENU_CHECK:
                return [await self.ask_nik(event.conversation)]
            case texts.MENU_FAMILY:
                return await self.family(event)
            case texts.MENU_OFFICE:
                return await self.office()
            case texts.MENU_FAQ:
                return await self._faq_list()
            case texts.MENU_HELP:
                return await self.help(event)
            case texts.MENU_ASK:
                return await self.tanya(event)
            case texts.MENU_SCHEDULE:
                return [await overview(self.svc, event.conversation)]
        return None

    async def family(self, event: Event) -> Messages:
        """The cards this chat follows (as /langganan), or how to start following them."""
        if await self.residents.count(event.conversation):
            return await self._following(event)
        return [menu(texts.NO_FAMILY_YET)]

    async def ask_nik(self, chat: int) -> Message:
        """Ask for the NIK, or, when a NIK already waits for its KK, remind of that."""
        current = await steps.read(self.svc, chat, chat)
        pending = current.get(steps.KK)
        if pending is not None and pending.nik_masked:
            return menu(texts.kk_still_awaited(pending.nik_masked))
        return menu(texts.ASK_NIK)

    async def office_reply(self, intent: Intent) -> str:
        """Hours, contact, or where cards are collected, from the office's settings."""
        office = await load_office_info(self.svc.db.conn)
        if intent is Intent.JAM:
            return texts.hours_answer(office.hours, office.address)
        if intent is Intent.KONTAK:
            return texts.contact_answer(office.contact, office.hours)
        return texts.pickup_answer(office.pickup, office.hours)

    async def office(self) -> Messages:
        """The office on a map (a venue) and then its hours and contact; with no pin set, the
        address in the text instead."""
        office = await load_office_info(self.svc.db.conn)
        shown: Messages = []
        if office.location is not None:
            latitude, longitude = office.location
            venue = Venue(latitude, longitude, texts.OFFICE_NAME, office.address)
            shown.append(Message(venue=venue))
        text = texts.office_answer(
            office.address,
            office.hours,
            office.contact,
            office.pickup,
            on_map=office.location is not None,
        )
        shown.append(menu(text))
        return shown

    # --- questions people often ask --------------------------------------------------------

    async def _faq_list(self) -> Messages:
        entries = await faq.shown(self.svc.db.conn)
        if not entries:
            return [menu(texts.FAQ_EMPTY)]
        rows = [(choice(entry.title, FaqShow(entry.key)),) for entry in entries]
        return [say(texts.FAQ_LIST_TITLE, *rows)]

    async def faq_answer(self, key: str, *, with_menu: bool) -> Messages:
        """The answer `key`: under the list (with "more questions"), or for everyday words
        (with the main menu); the list when the office hid it."""
        conn = self.svc.db.conn
        entry = await faq.find(conn, key)
        if entry is None:
            return await self._faq_list()
        text = faq.render(entry, await load_office_info(conn))
        if with_menu:
            return [menu(text)]
        return [say(text, (choice(texts.BTN_FAQ_MORE, FaqList()),))]

    # --- the check -------------------------------------------------------------------------

    async def check(self, event: Event, text: str, current: steps.Current | None) -> Messages:
        """A NIK, a KK, or both: a step of the check (the chat's check step is taken from
        `current`, read with the others, when the adapter read them)."""
        if not event.private:
            return [self._private_only(event)]
        known = None
        if current is not None:
            pending = current.get(steps.KK)
            stored = current.get(steps.KK, expired=True) or current.get(steps.LABEL, expired=True)
            known = KnownStep(steps.pending_of(pending, event.conversation), stored is not None)
        step = await handle_numbers(self.svc, event.conversation, text, known)
        match step.reply:
            case Reply.ASK_KK:
                return [say(texts.ask_kk(step.nik_masked or ""))]
            case Reply.INVALID if step.error is not None:
                problem = texts.nik_problem(step.error, step.position)
                return [say(texts.invalid_number(problem))]
            case Reply.TOO_MANY:
                return [say(texts.TOO_MANY_NUMBERS)]
            case Reply.TOO_LONG:
                return [say(texts.NUMBERS_TOO_LONG)]
            case Reply.SAME_AS_NIK:
                return [say(texts.same_as_nik(step.nik_masked))]
            case Reply.SAME_TWICE:
                return [say(texts.SAME_NUMBER_TWICE)]
            case Reply.SWAPPED:
                return [say(texts.NUMBERS_SWAPPED)]
            case Reply.CHECKED if step.verification and step.verification.record is not None:
                return [await self._result(event.conversation, step.verification.record)]
        return [say(await self._refusal_text(step))]

    async def _refusal_text(self, step: CheckReply) -> str:
        """No match, a chat that must wait, or a locked NIK."""
        result = step.verification or Verification(CheckOutcome.NO_MATCH)
        tz = self.svc.settings.timezone
        parts: list[str] = []
        if result.outcome is CheckOutcome.NO_MATCH:
            left = None if result.started else result.attempts_left
            parts.append(texts.no_match(left, None if result.started else step.nik_masked))
        kind = result.started if result.outcome is CheckOutcome.NO_MATCH else result.outcome
        if kind is CheckOutcome.CHAT_WAIT and result.until is not None:
            parts.append(texts.chat_must_wait(result.until, tz))
        elif kind is CheckOutcome.NIK_LOCKED and result.until is not None:
            office = await self.residents.office()
            block = texts.office_contact(office.address, office.hours, office.contact)
            parts.append(texts.nik_locked(result.until, tz, block))
        return "\n\n".join(parts)

    async def _result(self, chat: int, record: Record) -> Message:
        # the subject of follow-ups ("apa itu DR", "knp lama"): a note on the next commit
        context_store.note_shown(self.svc.db, chat, record.id, self.svc.clock.now())
        visit_line = await Visits(self.svc).check_line(record.district, record.status)
        return say(
            await check_answer(self.svc, record, visit_line),
            (choice(texts.BTN_MORE, ResMore(record.id)),),
            (choice(texts.BTN_SUBSCRIBE, ResSubscribe(record.id)),),
            (_CHECK_ANOTHER,),
            (_ALL_STAGES,),
        )

    # --- following a family's cards --------------------------------------------------------

    async def _following(self, event: Event) -> Messages:
        items = await self.residents.following(event.conversation)
        if not items:
            return [say(texts.NO_SUBSCRIPTIONS)]
        text = texts.subscription_list(
            [(s.label, s.record.nik_masked, s.record.status, s.record.status_date) for s in items],
            MAX_PER_CHAT,
            self.svc.today(),
        )
        rows = [
            (choice(texts.label_button(i, s.label, s.record.nik_masked), ResAskLabel(s.record.id)),)
            for i, s in enumerate(items, 1)
        ]
        return [say(text, *rows)]

    async def stop_command(self, event: Event) -> Messages:
        residents = self.residents
        chat = event.conversation
        items = await residents.following(chat)
        if not items:
            return [say(texts.NOTHING_TO_STOP)]
        arg = event.rest.strip().casefold()
        if arg in ("semua", "all"):
            return [say(texts.stopped_all(await residents.stop_all(chat)))]
        if arg:
            # By its number in /langganan, or by the name the resident gave it ("/berhenti ibu").
            named = [s for s in items if s.label and s.label.casefold() == arg]
            position = parse_int(arg, max_digits=3)
            if position is not None and 1 <= position <= len(items):
                chosen = items[position - 1]
            elif len(named) == 1:
                chosen = named[0]
            else:
                return [say(texts.stop_usage(len(items)))]
            await residents.stop(chat, chosen.record.id)
            return [say(texts.stopped(chosen.label, chosen.record.nik_masked))]
        rows = [
            (choice(texts.stop_button(i, s.label, s.record.nik_masked), ResStop(str(s.record.id))),)
            for i, s in enumerate(items, 1)
        ]
        last = (
            choice(texts.BTN_STOP_ALL, ResStop(ResStop.ALL)),
            choice(texts.BTN_KEEP, ResStop(ResStop.KEEP)),
        )
        return [say(texts.STOP_CHOOSE, *rows, last)]

    async def erase_question(self, event: Event) -> Messages:
        answers = (
            choice(texts.BTN_ERASE_YES, ResErase("yes")),
            choice(texts.BTN_ERASE_NO, ResErase("no")),
        )
        return [say(texts.ERASE_CONFIRM, answers)]

    # --- buttons ---------------------------------------------------------------------------

    async def _pressed(self, event: Event) -> Messages | None:
        data = unpack(event.button)
        if not isinstance(data, RESIDENT_BUTTONS):
            return None  # a staff member's button, or one nobody knows: the adapter's leftovers
        if isinstance(data, ScheduleDistricts | ScheduleDistrict | ScheduleFollow):
            return await self._schedule_button(event, data)
        if not event.private:
            return []
        chat = event.conversation
        match data:
            case ResSubscribe(record_id):
                return [await self.subscribe(chat, record_id)]
            case ResMore(record_id):
                record = await self.residents.proved(chat, record_id)
                if record is None:
                    return [say(texts.CHECK_EXPIRED)]
                return [say(await check_more(self.svc, record))]
            case ResCheckAnother():
                return [say(texts.ASK_NIK)]
            case ResAllStages():
                return [_stages_page(0, replaces=False)]
            case ResStagesPage(page):
                return [_stages_page(page, replaces=True)]
            case ResLabel():
                return [await self._choose_label(chat, data)]
            case ResAskLabel(record_id):
                return [await self._ask_label(chat, record_id)]
            case ResStop():
                return [await self._stop(chat, data)]
            case ResErase():
                return [await self.erase(chat, data.confirmed)]
            case FaqShow(key):
                return await self.faq_answer(key, with_menu=False)
            case FaqList():
                return await self._faq_list()
            case Announcements():
                await self.set_announcements(chat, data.on)
                done = texts.ANNOUNCEMENTS_TURNED_ON if data.on else texts.ANNOUNCEMENTS_TURNED_OFF
                return [_replacing(done)]
            case ResIntent(name):
                if not offered_intent(name):
                    return [say(texts.BUTTON_UNKNOWN)]
                context = await self.free.context(chat)
                if context.asked is not None:
                    await self.free.set_asked(chat, None)  # the choice answered "Maksud…?"
                return await self.free.answer_intent(event, name, steps.NONE, context)
            case ResAskStaff():
                return await self.tanya(event)
            case ResPrivacy():
                return [say(texts.privacy(event.channel))]
            case ResSendDraft():
                return await self.free.pressed_send(chat, data.confirmed)
            case QuestionReply(question_id):
                result = await self.questions.begin_reply(chat, question_id)
                if result.outcome is not Outcome.OK:
                    return [self._refused(result)]
                return [say(texts.question_reply_prompt(question_id))]
        return None

    def _label_choices(self, record_id: int) -> tuple[tuple[Choice, ...], ...]:
        presets = [
            choice(name, ResLabel(record_id, str(i))) for i, name in enumerate(texts.LABEL_PRESETS)
        ]
        return (*rows_of(presets, 3), (choice(texts.BTN_NO_LABEL, ResLabel(record_id, NO_LABEL)),))

    async def subscribe(self, chat: int, record_id: int) -> Message:
        residents = self.residents
        outcome = await residents.subscribe(chat, record_id)
        if outcome is None:
            return say(texts.CHECK_EXPIRED)
        if outcome is Subscribed.FULL:
            return say(texts.subscriptions_full(MAX_PER_CHAT))
        followed = await residents.followed(chat, record_id)
        if outcome is Subscribed.ADDED:
            following = await residents.count(chat)
            text = texts.subscribed(followed.nik_masked, following, MAX_PER_CHAT)
        else:
            text = texts.already_subscribed(followed.label, followed.nik_masked)
        return say(text, *self._label_choices(record_id))

    async def ask_label_again(self, chat: int, record_id: int) -> Message:
        """The name of a followed card is still awaited (after a question was answered)."""
        followed = await self.residents.followed(chat, record_id)
        text = texts.label_still_awaited(followed.label, followed.nik_masked)
        return say(text, *self._label_choices(record_id))

    async def _ask_label(self, chat: int, record_id: int) -> Message:
        if not await self.residents.ask_label(chat, record_id):
            return say(texts.NOT_FOLLOWED)
        followed = await self.residents.followed(chat, record_id)
        text = texts.ask_label(followed.label, followed.nik_masked)
        return say(text, *self._label_choices(record_id))

    async def _choose_label(self, chat: int, data: ResLabel) -> Message:
        preset = data.preset
        presets = texts.LABEL_PRESETS
        label = presets[preset] if preset is not None and preset < len(presets) else None
        if not await self.residents.set_label(chat, data.record_id, label):
            return _replacing(texts.NOT_FOLLOWED)
        followed = await self.residents.followed(chat, data.record_id)
        return _replacing(texts.label_saved(followed.label, followed.nik_masked))

    async def _stop(self, chat: int, data: ResStop) -> Message:
        residents = self.residents
        if data.choice == ResStop.KEEP:
            return _replacing(texts.STOP_KEPT)
        if data.choice == ResStop.ALL:
            return _replacing(texts.stopped_all(await residents.stop_all(chat)))
        record_id = data.record_id or 0
        followed = await residents.followed(chat, record_id)
        stopped = await residents.stop(chat, record_id)
        if not stopped:
            return _replacing(texts.NOT_FOLLOWED)
        return _replacing(texts.stopped(followed.label, followed.nik_masked))

    async def erase(self, chat: int, yes: bool) -> Message:
        if not yes:
            return _replacing(texts.ERASE_KEPT)
        await self.residents.erase(chat)
        return _replacing(texts.ERASED)

    # --- questions to staff (Tanya petugas) ------------------------------------------------

    async def tanya(self, event: Event) -> Messages:
        """ "Tanya petugas" or /tanya: ask for the question (or take `/tanya teks…` as it)."""
        if not event.private:
            return [say(texts.QUESTION_PRIVATE_ONLY)]
        chat = event.conversation
        if event.command is not None and event.rest.strip():
            return await self.ask(chat, event.rest)
        result = await self.questions.begin_ask(chat)
        if result.outcome is not Outcome.OK:
            return [self._refused(result)]
        tz = self.svc.settings.timezone
        return [say(texts.question_ask_prompt(result.opens_at, not result.office_open, tz))]

    async def ask(self, chat: int, text: str) -> Messages:
        result = await self.questions.ask(chat, text)
        if result.outcome is not Outcome.OK or result.number is None:
            return [self._refused(result)]
        tz = self.svc.settings.timezone
        closed = not result.office_open
        return [menu(texts.question_asked(result.number, result.opens_at, closed, tz))]

    async def reply_in_thread(self, chat: int, question_id: int, text: str) -> Messages:
        """The resident's words as a reply in a thread (a channel that knows it is one)."""
        return await self._reply(chat, question_id, text)

    async def _reply(self, chat: int, question_id: int, text: str) -> Messages:
        result = await self.questions.reply(chat, question_id, text)
        if result.outcome is not Outcome.OK:
            return [self._refused(result)]
        return [menu(texts.question_replied(question_id))]

    async def _reply_to(self, event: Event) -> Messages | None:
        """A reply to one of the bot's messages that carried an answer from staff: the
        resident's reply in that thread (None: a reply to anything else)."""
        assert event.reply_to is not None
        chat = event.conversation
        question_id = await self.questions.question_of_resident_post(chat, event.reply_to)
        if question_id is None or event.command is not None:
            return None
        if event.text is None:
            return [say(texts.QUESTION_NOT_TEXT)]
        return await self._reply(chat, question_id, event.text)

    def _refused(self, result: ResidentResult) -> Message:
        match result.outcome:
            case Outcome.MUTED if result.muted_until is not None:
                text = texts.question_muted(result.muted_until, self.svc.settings.timezone)
            case Outcome.TOO_MANY_OPEN:
                text = texts.question_limit_open(questions_mod.MAX_OPEN)
            case Outcome.DAY_LIMIT:
                text = texts.question_limit_day(questions_mod.MAX_PER_DAY)
            case Outcome.CLOSED:
                text = texts.question_thread_closed(result.number or 0)
            case _:
                text = texts.QUESTION_NOT_YOURS
        return menu(text)

    # --- announcements: in or out ----------------------------------------------------------

    async def announcements(self, event: Event) -> Messages:
        """/pengumuman [mati|hidup]: whether this chat receives the office's announcements."""
        if not event.private:
            return [say(texts.ANNOUNCEMENTS_PRIVATE_ONLY)]
        chat = event.conversation
        word = event.args[0].casefold() if event.args else ""
        if not word:
            on = await Broadcasting.of(self.svc).announcements_on(chat)
            turn = (
                choice(texts.ANNOUNCEMENTS_OFF_BUTTON, Announcements("off"))
                if on
                else choice(texts.ANNOUNCEMENTS_ON_BUTTON, Announcements("on"))
            )
            return [say(texts.announcements_state(on), (turn,))]
        if word in ANNOUNCEMENTS_OFF_WORDS:
            await self.set_announcements(chat, False)
            return [say(texts.ANNOUNCEMENTS_TURNED_OFF)]
        if word in ANNOUNCEMENTS_ON_WORDS:
            await self.set_announcements(chat, True)
            return [say(texts.ANNOUNCEMENTS_TURNED_ON)]
        return [say(texts.ANNOUNCEMENTS_USAGE)]

    async def set_announcements(self, chat: int, on: bool) -> None:
        await Broadcasting.of(self.svc).set_announcements(chat, PRIVATE, on)

    # --- jemput bola: the residents' side --------------------------------------------------

    async def _jadwal(self, event: Event) -> Messages | None:
        args = event.args
        word = args[0].casefold() if args else ""
        staff = await StaffRoles.of(self.svc).is_staff(event.person)
        if word in SCHEDULE_STAFF_WORDS or (staff and word == ""):
            return None  # the staff's /jadwal (a refusal for others is recorded there)
        if not event.private:
            return [say(visit_texts.SCHEDULE_PRIVATE_ONLY)]
        chat = event.conversation
        rest = " ".join(args[1:])
        if word == "ikuti":
            return [await follow_command(self.svc, chat, rest)]
        if word == "berhenti":
            return [await unfollow_command(self.svc, chat, rest)]
        if word:
            return [await district_view(self.svc, chat, " ".join(args))]
        return [await overview(self.svc, chat)]

    async def _schedule_button(
        self, event: Event, data: ScheduleDistricts | ScheduleDistrict | ScheduleFollow
    ) -> Messages:
        if not event.private:
            return [Message(visit_texts.SCHEDULE_PRIVATE_ONLY, notice=True)]
        chat = event.conversation
        known = dict(districts_by_name())
        match data:
            case ScheduleDistricts():
                shown = await overview(self.svc, chat)
            case ScheduleDistrict(code) if code in known:
                shown = await district_view(self.svc, chat, code, by_code=True)
            case ScheduleFollow(code, turn) if code in known:
                shown = await district_view(self.svc, chat, code, by_code=True, turn=turn)
            case _:
                return [say(texts.BUTTON_UNKNOWN)]
        return [Message(shown.text, shown.choices, replaces_pressed=True)]


#: A typed name for a followed card is short: longer text, or a question, is not one.
NAME_WORDS = 3


def _looks_like_a_name(text: str) -> bool:
    return "?" not in text and len(text) <= MAX_LABEL and len(text.split()) <= NAME_WORDS


def _replacing(text: str) -> Message:
    """The pressed button's message, now reading `text` (its buttons gone)."""
    return Message(text, replaces_pressed=True)


# --- a check's answer (bench/ times it too) ---------------------------------------------------


def _waiting(insight: RecordInsight) -> texts.WaitingFigures:
    return waiting_figures(insight)


async def check_answer(svc: Services, record: Record, visit_line: str | None = None) -> str:
    """The first answer a resident reads after a successful check, one phone screen.
    `visit_line`: the next "jemput bola" visit near the resident, if any."""
    facts = await Residents(svc).card_facts(record)
    return texts.check_result(
        nik_masked=record.nik_masked,
        name_masked=record.name_masked,
        status=record.status,
        status_date=record.status_date,
        today=facts.today,
        waiting=_waiting(facts.insight),
        office=facts.office,
        as_of=facts.as_of,
        tz=svc.settings.timezone,
        visit_line=visit_line,
    )


async def check_more(svc: Services, record: Record) -> str:
    """The rest of the answer, behind the "Selengkapnya" button."""
    facts = await Residents(svc).card_facts(record)
    return texts.check_details(
        nik_masked=record.nik_masked,
        status=record.status,
        waiting=_waiting(facts.insight),
        office=facts.office,
    )


__all__ = ["Conversation", "Event", "Message", "check_answer", "check_more", "esc"]
