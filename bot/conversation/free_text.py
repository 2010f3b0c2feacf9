"""A resident's own words: what they mean, and an answer with a way forward, whatever it is.

    free = FreeText(services, dialogue)     # `dialogue`: the answers it reuses (`Answers`)
    messages = await free.answer(event, text, current)

The message is read by `bot.domain.understanding` (the phrase table's exact phrases first, then
the classifier trained on data/understanding/). Then, in this order:

- a message over 200 characters (a plea, a complaint) gets the answer that fits, if the model
  is sure of one, and the offer to send it to the staff desk ("✉️ Kirim ke petugas": the
  resident consents; numbers are masked as for any question); a NIK in it is read as a check;
- "ya"/"tidak" (and "ok siap") answer the question the bot asked last (`storage/context`): the
  first of the answers offered under "Maksud Bapak/Ibu…?", sending a long message to staff,
  erasing the chat's data; while a NIK waits for its KK, "ya" asks for the KK again and "tidak"
  ends the check;
- not sure (and the phrase table's looser match is not among the model's likeliest answers):
  "Maksud Bapak/Ibu…?" with the two or three likeliest answers as buttons and
  💬 Tanya petugas (`ResIntent`, `ResAskStaff`);
- sure: that intent's answer (`answer_intent`). A question about a status ("apa itu DR", "knp
  lama", "antrean brp") is about the card whose status the chat was shown last (within a day),
  answered from the same facts as the check; numbers inside the words are read as a check.

While a NIK waits for its KK, every answer ends with a reminder that the KK is still awaited
(the step keeps waiting; the KK sent next completes the check). Every answer carries a way
forward: buttons, or the main menu, or one instruction.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from bot import texts_everyday as everyday
from bot import texts_id as texts
from bot.conversation import steps
from bot.conversation.buttons import (
    CallbackData,
    ResAskStaff,
    ResCheckAnother,
    ResIntent,
    ResMore,
    ResPrivacy,
    ResSendDraft,
    ResSubscribe,
)
from bot.conversation.events import Event
from bot.conversation.messages import Choice, Message, say
from bot.conversation.schedule import overview
from bot.domain import understanding
from bot.domain.intents import Intent, match, words
from bot.domain.markup import esc
from bot.domain.status_words import STATUS_PHRASES
from bot.domain.understanding import Reading
from bot.services import faq
from bot.services.container import Services
from bot.services.insights import RecordInsight
from bot.services.questions import clean_text
from bot.services.residents import Residents
from bot.states import KtpStatus, parse_status
from bot.storage import context as context_store
from bot.storage import records as records_store
from bot.storage.context import Context

Messages = list[Message]

#: What the bot asked, as kept in `storage/context` (`asked`).
ASKED_MEANING = "maksud"  # "Maksud Bapak/Ibu…?": detail = the intents offered, best first
ASKED_SEND = "kirim"  # send this long message to staff?: detail = the message, numbers masked
ASKED_ERASE = "hapus"  # erase what the bot keeps about this chat?
#: Intents that say yes, or no, to a question the bot asked.
YES = frozenset({"ya", "paham"})
NO = frozenset({"tidak"})
#: Questions about the status last shown (intents.toml: follow_up = true).
FOLLOW_UPS = frozenset(
    {"arti_status", "kenapa_lama", "harus_apa", "kapan_datang", "antrean", "berapa_lama"}
)
#: With a NIK in the message, these are answered by the check itself ("cek ktp anak saya
#: 1605…", "knp lama, nik sy 1605…").
CHECK_FIRST = FOLLOW_UPS | {"cek", "keluarga", "kabari"}
#: Intents answered by one of the questions people often ask (its key in `services.faq`).
FAQ_OF_INTENT: dict[str, str] = {
    Intent.BLANKO: "blanko",
    Intent.PUSAT: "pusat",
    Intent.SYARAT: "bawa",
    Intent.WAKIL: "wakil",
    Intent.HILANG: "hilang",
    Intent.REKAM: faq.RECORDING_KEY,
}
#: Words that turn announcements off or on ("matikan pengumuman"), or stop news of a card.
ANNOUNCEMENTS_OFF = frozenset({"matikan", "mati", "stop", "berhenti", "hentikan", "nonaktifkan"})
ANNOUNCEMENTS_ON = frozenset({"nyalakan", "hidupkan", "aktifkan", "hidup", "nyala"})
STOP_WORDS = frozenset({"berhenti", "stop", "hentikan", "henti", "setop"})
#: A long message of these intents is answered by the offer to send it to the staff alone.
OFFER_ANSWERS = frozenset({"keluhan", "tanya_petugas", "hapus_data"})
#: An offered answer below this probability is left out of "Maksud Bapak/Ibu…?" (two are
#: always offered).
OFFER_FLOOR = 0.05
#: Below this probability of its likeliest answer, a message is not guessed at ("wkwk"): the
#: bot says it did not understand and offers a person (held out, the right answer was among
#: such guesses 2 times in 5).
GUESS_FLOOR = 0.12
#: Intents never offered as a guess (a yes or no means nothing without a question).
NEVER_OFFERED = frozenset({"ya", "tidak"})


class Answers(Protocol):
    """The dialogue's answers that free text reuses (`bot.conversation.dialogue.Conversation`)."""

    async def ask_nik(self, chat: int) -> Message: ...
    async def family(self, event: Event) -> Messages: ...
    async def help(self, event: Event) -> Messages | None: ...
    async def office(self) -> Messages: ...
    async def faq_answer(self, key: str, *, with_menu: bool) -> Messages: ...
    async def tanya(self, event: Event) -> Messages: ...
    async def ask(self, chat: int, text: str) -> Messages: ...
    async def announcements(self, event: Event) -> Messages: ...
    async def set_announcements(self, chat: int, on: bool) -> None: ...
    async def stop_command(self, event: Event) -> Messages: ...
    async def erase_question(self, event: Event) -> Messages: ...
    async def erase(self, chat: int, yes: bool) -> Message: ...
    async def check(self, event: Event, text: str, current: steps.Current | None) -> Messages: ...
    async def office_reply(self, intent: Intent) -> str: ...


def choice(label: str, value: CallbackData) -> Choice:
    return Choice(value.pack(), label)


ASK_STAFF = choice(everyday.BTN_ASK_STAFF, ResAskStaff())


def with_person(text: str) -> Message:
    """`text` with 💬 Tanya petugas under it."""
    return say(text, (ASK_STAFF,))


class FreeText:
    def __init__(self, services: Services, dialogue: Answers) -> None:
        self.svc = services
        self.dialogue = dialogue

    # --- what the chat was shown and asked ---------------------------------------------------

    async def context(self, chat: int) -> Context:
        # a transaction: the status noted by the check just before (db.defer) is committed first
        async with self.svc.db.transaction() as conn:
            return await context_store.get(conn, chat, self.svc.clock.now())

    async def set_asked(self, chat: int, asked: str | None, detail: str = "") -> None:
        now = self.svc.clock.now()
        async with self.svc.db.transaction() as conn:
            await context_store.set_asked(conn, chat, asked, detail, now)

    # --- the one entry -----------------------------------------------------------------------

    async def answer(self, event: Event, text: str, current: steps.Current) -> Messages | None:
        chat = event.conversation
        reading = _second_opinion(text, understanding.understand(text))
        context = await self.context(chat)
        pending = current.get(steps.KK)
        waiting_nik = pending.nik_masked if pending is not None else None
        if context.asked is not None and not reading.is_long:
            cleared = context.asked
            await self.set_asked(chat, None)  # a question is answered once
        else:
            cleared = None
        if reading.is_long:
            return await self._long(event, text, reading, current, context)
        name = reading.intent
        if reading.sure and name in YES | NO and (cleared is not None or waiting_nik):
            said = await self._yes_or_no(event, name in YES, cleared, context, waiting_nik)
            if said is not None:
                return said
        if reading.sure and name == Intent.YA and cleared is None:
            said = await self._yes_after_a_card(context)
            if said is not None:
                return said
        if reading.nik_candidates and (not reading.sure or name in CHECK_FIRST):
            return await self.dialogue.check(event, " ".join(reading.nik_candidates[:2]), current)
        if not reading.sure or name is None:
            return await self._not_sure(chat, reading, waiting_nik)
        answered = await self.answer_intent(event, name, current, context)
        if not answered:
            return None  # staff asking for help: the adapter's own help
        if reading.greeted and answered and answered[0].text and answered[0].venue is None:
            greeting = _greeting_back(event, text)
            answered[0] = _prefixed(answered[0], greeting)
        if reading.nik_candidates:
            answered += await self.dialogue.check(
                event, " ".join(reading.nik_candidates[:2]), current
            )
        elif waiting_nik and name not in (Intent.CEK, "tidak"):
            answered.append(say(everyday.still_waiting_for_kk(waiting_nik)))
        return answered

    # --- "ya" and "tidak" --------------------------------------------------------------------

    async def _yes_or_no(
        self, event: Event, yes: bool, asked: str | None, context: Context, waiting_nik: str | None
    ) -> Messages | None:
        """The answer to the question the bot asked (None: it asked nothing "ya" answers)."""
        chat = event.conversation
        if asked == ASKED_MEANING:
            offered = [name for name in context.detail.split(",") if name]
            if yes and offered:
                return await self.answer_intent(event, offered[0], steps.NONE, context)
            return [with_person(everyday.NONE_OF_THESE)]
        if asked == ASKED_SEND:
            return await self._send_draft(chat, context.detail if yes else None)
        if asked == ASKED_ERASE:
            return [await self.dialogue.erase(chat, yes)]
        if waiting_nik:
            if yes:
                return [await self.dialogue.ask_nik(chat)]  # the KK is awaited: said again
            await Residents(self.svc).cancel_step(chat)
            return [Message(everyday.KK_STEP_DROPPED, menu=True)]
        return None

    async def _yes_after_a_card(self, context: Context) -> Messages | None:
        """ "ya" just after a card's status was shown, nothing else asked: be told of it?"""
        shown_at = context.shown_at
        if shown_at is None or self.svc.clock.now() - shown_at > context_store.ASKED_TTL:
            return None
        record = await self._shown(context)
        return [await self._about_status("kabari", record)] if record is not None else None

    async def pressed_send(self, chat: int, yes: bool) -> Messages:
        """✉️ Kirim ke petugas, or "Tidak usah", under the offer of a long message."""
        context = await self.context(chat)
        draft = context.detail if context.asked == ASKED_SEND else ""
        if context.asked == ASKED_SEND:
            await self.set_asked(chat, None)
        if yes and not draft:
            return [with_person(everyday.DRAFT_GONE)]
        return await self._send_draft(chat, draft if yes else None)

    async def _send_draft(self, chat: int, draft: str | None) -> Messages:
        if draft is None:
            return [Message(everyday.DRAFT_KEPT, menu=True)]
        return await self.dialogue.ask(chat, draft)

    # --- not sure, and long ------------------------------------------------------------------

    async def _not_sure(self, chat: int, reading: Reading, waiting_nik: str | None) -> Messages:
        offered = [
            name
            for i, (name, probability) in enumerate(
                (n, p) for n, p in reading.alternatives if n not in NEVER_OFFERED
            )
            if name in everyday.INTENT_LABELS and (i < 2 or probability >= OFFER_FLOOR)
        ]
        if not offered or reading.confidence < GUESS_FLOOR:  # "wkwk": no guess worth a button
            shown = [with_person(everyday.NOT_UNDERSTOOD_WITH_PERSON)]
        else:
            await self.set_asked(chat, ASKED_MEANING, ",".join(offered))
            rows = [(choice(everyday.INTENT_LABELS[name], ResIntent(name)),) for name in offered]
            shown = [say(everyday.maybe_meant(), *rows, (ASK_STAFF,))]
        if waiting_nik:
            shown.append(say(everyday.still_waiting_for_kk(waiting_nik)))
        return shown

    async def _long(
        self, event: Event, text: str, reading: Reading, current: steps.Current, context: Context
    ) -> Messages:
        """A plea or a complaint: what fits (when sure), the offer to send it to the staff,
        and a NIK in it read as a check."""
        chat = event.conversation
        shown: Messages = []
        name = reading.intent
        numbers = reading.nik_candidates
        quiet = YES | NO | OFFER_ANSWERS | ({Intent.CEK.value} if numbers else set())
        if reading.sure and name is not None and name not in quiet:
            shown += await self.answer_intent(event, name, current, context)
        await self.set_asked(chat, ASKED_SEND, clean_text(text))
        offer = everyday.long_message_offer(with_number=bool(reading.nik_candidates))
        send = choice(everyday.BTN_SEND_DRAFT, ResSendDraft("yes"))
        keep = choice(everyday.BTN_KEEP_DRAFT, ResSendDraft("no"))
        shown.append(say(offer, (send,), (keep,)))
        pending = current.get(steps.KK)
        if reading.nik_candidates:
            shown += await self.dialogue.check(event, " ".join(reading.nik_candidates[:2]), current)
        elif pending is not None and pending.nik_masked:
            shown.append(say(everyday.still_waiting_for_kk(pending.nik_masked)))
        return shown

    # --- an intent's answer ------------------------------------------------------------------

    async def answer_intent(
        self, event: Event, name: str, current: steps.Current, context: Context
    ) -> Messages:
        """The answer to `name` (an intent of intents.toml), typed or chosen by a button."""
        chat = event.conversation
        dialogue = self.dialogue
        if name == "kabari" and set(words(event.text or "")) & STOP_WORDS:
            return await dialogue.stop_command(event)  # "berhenti": which card, as /berhenti
        if name in FOLLOW_UPS or name == "kabari":
            about = await self._shown(context)
            named = named_status(event.text or "") if name == "arti_status" else None
            if named is not None and (about is None or about.status is not named):
                return [Message(everyday.status_explained(named), menu=True)]  # "apa itu DR"
            if about is not None:
                return [await self._about_status(name, about)]
        match name:
            case Intent.SAPA:
                return [Message(texts.greeting_reply(event.name, _part_of_day(event)), menu=True)]
            case Intent.SALAM:
                return [Message(texts.salam_reply(event.name), menu=True)]
            case Intent.TERIMA_KASIH:
                return [Message(texts.thanks_reply(event.name), menu=True)]
            case Intent.YA:
                return [Message(texts.YES_REPLY, menu=True)]
            case Intent.TIDAK:
                return [Message(texts.NO_REPLY, menu=True)]
            case Intent.CEK:
                shown = await self._shown(context)
                if shown is not None and current.get(steps.KK) is None:
                    return [await self._about_status("berapa_lama", shown, another=True)]
                return [await dialogue.ask_nik(chat)]
            case Intent.KELUARGA:
                return await dialogue.family(event)
            case Intent.BANTUAN:
                helped = await dialogue.help(event)  # None for staff: their help is the adapter's
                return helped if helped is not None else []
            case Intent.ALAMAT:
                return await dialogue.office()
            case Intent.JAM | Intent.KONTAK | Intent.AMBIL:
                return [Message(await dialogue.office_reply(Intent(name)), menu=True)]
            case "tanya_petugas":
                return await dialogue.tanya(event)
            case "hapus_data":
                await self.set_asked(chat, ASKED_ERASE)
                return await dialogue.erase_question(event)
            case "privasi":
                more = choice(everyday.BTN_PRIVACY_MORE, ResPrivacy())
                return [say(everyday.PRIVACY_SHORT, (more,), (ASK_STAFF,))]
            case "pengumuman":
                said = set(words(event.text or ""))
                if said & ANNOUNCEMENTS_OFF or said & ANNOUNCEMENTS_ON:
                    on = not said & ANNOUNCEMENTS_OFF
                    await dialogue.set_announcements(chat, on)
                    done = texts.ANNOUNCEMENTS_TURNED_ON if on else texts.ANNOUNCEMENTS_TURNED_OFF
                    return [Message(done, menu=True)]
                return await dialogue.announcements(event)
            case "jemput_bola":
                return [await overview(self.svc, chat)]
        if name in FAQ_OF_INTENT:
            return await dialogue.faq_answer(FAQ_OF_INTENT[name], with_menu=True)
        text = everyday.INTENT_ANSWERS.get(name)
        if text is None:  # an intent added to intents.toml without an answer here: its advice
            info = understanding.describe(name)
            if info is None:
                return [with_person(everyday.NOT_UNDERSTOOD_WITH_PERSON)]
            return [with_person(esc(info.advice))]
        if texts.MENU_ASK in text:
            return [with_person(text)]
        return [Message(text, menu=True)]

    async def _shown(self, context: Context) -> records_store.Record | None:
        if context.record_id is None:
            return None
        return await records_store.get_by_id(self.svc.db.conn, context.record_id)

    async def _about_status(
        self, name: str, record: records_store.Record, *, another: bool = False
    ) -> Message:
        """A question about the status the chat was shown last, from the check's own facts."""
        nik, status = record.nik_masked, record.status
        if name == "kabari":
            return say(
                everyday.follow_this_card(nik),
                (choice(texts.BTN_SUBSCRIBE, ResSubscribe(record.id)),),
            )
        if name == "arti_status":
            text = everyday.status_meaning(nik, status)
        elif name == "kenapa_lama":
            text = everyday.status_why_slow(nik, status)
        elif name == "harus_apa":
            text = everyday.status_what_to_do(nik, status)
        else:
            facts = await Residents(self.svc).card_facts(record)
            if name == "kapan_datang":
                text = everyday.status_when_to_come(nik, status, facts.office)
            else:
                figures = waiting_figures(facts.insight)
                if name == "antrean":
                    text = everyday.status_queue(nik, status, figures)
                else:
                    text = everyday.status_how_long(nik, status, figures, facts.today)
        rows = [(choice(texts.BTN_MORE, ResMore(record.id)),)]
        if another:  # "kapan jadi" again: this card, or another one
            rows.append((choice(texts.BTN_CHECK_ANOTHER, ResCheckAnother()),))
        if status is not KtpStatus.CARD_ISSUED:
            rows.append((ASK_STAFF,))
        return say(text, *rows)


def waiting_figures(insight: RecordInsight) -> texts.WaitingFigures:
    """How long a card has waited, against the usual, as the sentences take it."""
    estimate = insight.estimate
    return texts.WaitingFigures(
        waited_days=insight.waited_days,
        usual_known=insight.usual.enough,
        usual_median_days=insight.usual.median_days,
        usual_p80_days=insight.usual.p80_days,
        longer_than_usual=insight.longer_than_usual,
        queue_before=insight.queue_before,
        blanko_stock=insight.blanko_stock,
        usual_samples=insight.usual.samples,
        printed_recently=insight.printed_recently,
        estimate_kind=estimate.kind.value if estimate else "none",
        estimate_from=estimate.earliest if estimate else None,
        estimate_to=estimate.latest if estimate else None,
        blanko_known=estimate.blanko_known if estimate else False,
    )


def offered_intent(name: str) -> bool:
    """A button's intent the bot can answer (an older version's may be gone)."""
    return name in everyday.INTENT_LABELS


#: A status's short form or name, said alone ("apa itu DR", "rekaman ganda itu apa").
_SHORT_FORMS = frozenset({"prr", "sfe", "dr", "dup"})


def named_status(text: str) -> KtpStatus | None:
    """The status a question names: a short form (PRR, DR) or a name of two words or more
    ("siap cetak", "rekaman ganda"); None when it names none."""
    said = [w.casefold() for w in words(text)]
    for start in range(len(said)):
        for size in (4, 3, 2):
            found = STATUS_PHRASES.get(" ".join(said[start : start + size]))
            if found is not None and start + size <= len(said):
                return found
        if said[start] in _SHORT_FORMS:
            return parse_status(said[start])
    return None


def _second_opinion(text: str, reading: Reading) -> Reading:
    """When the model is not sure, the phrase table's looser match (its phrases' words in any
    order) decides between the model's likeliest answers: "kapan jadi" is `cek`."""
    if reading.sure or reading.is_long:
        return reading
    rule = match(text)
    if rule is None or rule.value not in (name for name, _ in reading.alternatives):
        return reading
    confidence = max(understanding.SURE, reading.confidence)
    return dataclasses.replace(reading, intent=rule.value, confidence=confidence)


def _part_of_day(event: Event) -> str | None:
    return next((word for word in words(event.text or "") if word in texts.DAY_GREETINGS), None)


def _greeting_back(event: Event, text: str) -> str:
    first = words(text)[:1]
    if first and first[0].startswith(("assalam", "asalam", "askum", "ass")):
        return everyday.salam_back(event.name)
    return everyday.hello_back(event.name, _part_of_day(event))


def _prefixed(message: Message, line: str) -> Message:
    return dataclasses.replace(message, text=f"{line}\n\n{message.text}")


__all__ = ["ASK_STAFF", "Answers", "FreeText", "offered_intent", "waiting_figures"]
