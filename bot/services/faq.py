"""Questions people often ask: the office's answers, listed as buttons, changed by admins (/faq).

The defaults (`texts_id.FAQ_DEFAULTS`) are written from the office's published facts; an admin
may rewrite one, hide it, bring it back, or add answers of the office's own
(`bot.storage.faq` keeps only those changes). Every answer a resident reads fits in
`texts_id.FAQ_ANSWER_LIMIT` visible characters, whatever the office settings it quotes. Each
change owns its transaction and its audit row. No Telegram here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot import texts_id
from bot.domain.config import OfficeInfo
from bot.domain.markup import esc, fit, plain
from bot.domain.numbers import parse_int
from bot.services.container import Services
from bot.storage import audit as audit_store
from bot.storage import faq as faq_store
from bot.storage.driver import Conn

#: Added answers are named "t" + their row id (in buttons and the audit log).
ADDED_PREFIX = "t"
#: The keys of the defaults other answers point to.
RECORDING_KEY = "rekam"
#: At most this many answers (shown or hidden): a short list is one a resident can read.
MAX_ENTRIES = 20
#: The slots a default answer may quote from the office settings (`/kantor`).
_SLOT_LINE = re.compile(r"^.*\{(?:pickup|hours)\}.*$\n?", re.M)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question as the list shows it (`number` counts from 1, hidden ones included)."""

    number: int
    key: str
    title: str
    body: str  #: the admin's plain text (`changed`), or a default's template (HTML, with slots)
    default: texts_id.FaqDefault | None  #: the shipped answer behind it (None: an added one)
    changed: bool  #: the body is the admin's own text
    hidden: bool
    row_id: int | None = None

    @property
    def added(self) -> bool:
        return self.default is None


class FaqError(ValueError):
    """A /faq change that cannot be made; `problem` says why, `value` carries a detail."""

    NO_SUCH_NUMBER = "no_such_number"
    MISSING_TEXT = "missing_text"
    MISSING_TITLE = "missing_title"
    TOO_LONG = "too_long"
    TITLE_TOO_LONG = "title_too_long"
    NOT_A_DEFAULT = "not_a_default"
    ALREADY_DEFAULT = "already_default"
    TOO_MANY = "too_many"

    def __init__(self, problem: str, value: int = 0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.value = value


@dataclass(frozen=True, slots=True)
class FaqChange:
    number: int
    title: str
    hidden: bool = False  #: a removal that hid a default (it can come back with "asal")


async def entries(conn: Conn) -> list[FaqEntry]:
    """Every answer, the defaults first (as shipped or as changed), then the added ones."""
    rows = await faq_store.all_rows(conn)
    by_key = {row.key: row for row in rows if row.key is not None}
    found: list[FaqEntry] = []
    for default in texts_id.FAQ_DEFAULTS:
        row = by_key.get(default.key)
        found.append(
            FaqEntry(
                number=len(found) + 1,
                key=default.key,
                title=row.title if row and row.title else default.title,
                body=row.body if row and row.body else default.body,
                default=default,
                changed=bool(row and row.body),
                hidden=bool(row and row.hidden),
            )
        )
    for row in rows:
        if row.key is None:
            found.append(
                FaqEntry(
                    number=len(found) + 1,
                    key=f"{ADDED_PREFIX}{row.id}",
                    title=row.title or "",
                    body=row.body or "",
                    default=None,
                    changed=True,
                    hidden=False,
                    row_id=row.id,
                )
            )
    return found


async def shown(conn: Conn) -> list[FaqEntry]:
    """The answers residents see, in order."""
    return [entry for entry in await entries(conn) if not entry.hidden]


async def find(conn: Conn, key: str) -> FaqEntry | None:
    """A shown answer by its key (from a button), or None (hidden, removed, or never was)."""
    return next((entry for entry in await shown(conn) if entry.key == key), None)


def visible_length(text: str) -> int:
    """Characters a resident sees of a marked text."""
    return len(plain(text))


def render(entry: FaqEntry, office: OfficeInfo) -> str:
    """The answer as the resident reads it (marked), at most FAQ_ANSWER_LIMIT visible characters.

    A default quoting long office settings drops its hours and pickup lines first, then is
    clipped; an admin's own text was checked for length when it was set."""
    if entry.changed:  # the admin's own plain text
        return texts_id.faq_answer(entry.title, esc(entry.body))
    answer = texts_id.faq_answer(entry.title, _fill(entry.body, office))
    if visible_length(answer) > texts_id.FAQ_ANSWER_LIMIT:
        shorter = _fill(_SLOT_LINE.sub("", entry.body), office)
        answer = fit(texts_id.faq_answer(entry.title, shorter), texts_id.FAQ_ANSWER_LIMIT)
    return answer


def _fill(template: str, office: OfficeInfo) -> str:
    return texts_id.faq_fill(
        template, proxy_pickup=office.proxy_pickup, pickup=office.pickup, hours=office.hours
    )


def body_limit(title: str) -> int:
    """The longest answer text an admin may give under `title`."""
    return texts_id.FAQ_ANSWER_LIMIT - visible_length(texts_id.faq_answer(title, ""))


def _tidy(text: str) -> str:
    """Spaces tidied on each line, empty lines at the ends dropped (line breaks are kept)."""
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()


def _checked_body(title: str, text: str) -> str:
    body = _tidy(text)
    if not body:
        raise FaqError(FaqError.MISSING_TEXT)
    if len(body) > body_limit(title):
        raise FaqError(FaqError.TOO_LONG, len(body))
    return body


def parse_number(text: str, count: int) -> int:
    """A list number as typed ("3"), checked against the list; FaqError otherwise."""
    value = parse_int(text.strip().rstrip("."), max_digits=6)
    if value is not None and 1 <= value <= count:
        return value
    raise FaqError(FaqError.NO_SUCH_NUMBER, count)


async def _entry(conn: Conn, number_text: str) -> FaqEntry:
    found = await entries(conn)
    return found[parse_number(number_text, len(found)) - 1]


async def change(svc: Services, *, actor_id: int, number: str, text: str) -> FaqChange:
    """Replace the answer of list number `number` (a default keeps its title)."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        entry = await _entry(conn, number)
        body = _checked_body(entry.title, text)
        if entry.default is not None:
            await faq_store.put_default(
                conn, entry.key, title=None, body=body, hidden=False, now=now, actor_id=actor_id
            )
        elif entry.row_id is not None:
            await faq_store.update_added(conn, entry.row_id, body=body, now=now, actor_id=actor_id)
        await _audit(conn, svc, actor_id, entry.key, entry.body, body, "ubah")
    return FaqChange(entry.number, entry.title)


async def add(svc: Services, *, actor_id: int, title: str, text: str) -> FaqChange:
    """A new question and its answer, at the end of the list."""
    title = " ".join(title.split())
    if not title:
        raise FaqError(FaqError.MISSING_TITLE)
    if len(title) > texts_id.FAQ_TITLE_LIMIT:
        raise FaqError(FaqError.TITLE_TOO_LONG, len(title))
    body = _checked_body(title, text)
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        if len(await entries(conn)) >= MAX_ENTRIES:
            raise FaqError(FaqError.TOO_MANY)
        row_id = await faq_store.add(conn, title=title, body=body, now=now, actor_id=actor_id)
        key = f"{ADDED_PREFIX}{row_id}"
        await _audit(conn, svc, actor_id, key, None, f"{title} | {body}", "tambah")
        number = next(e.number for e in await entries(conn) if e.key == key)
    return FaqChange(number, title)


async def remove(svc: Services, *, actor_id: int, number: str) -> FaqChange:
    """Take list number `number` away: a default is hidden (it can come back), an added one
    is deleted."""
    now = svc.clock.now()
    async with svc.db.transaction() as conn:
        entry = await _entry(conn, number)
        if entry.default is not None:
            changed_body = entry.body if entry.changed else None
            await faq_store.put_default(
                conn,
                entry.key,
                title=None,
                body=changed_body,
                hidden=True,
                now=now,
                actor_id=actor_id,
            )
        elif entry.row_id is not None:
            await faq_store.delete_added(conn, entry.row_id)
        await _audit(conn, svc, actor_id, entry.key, entry.body, None, "hapus")
    return FaqChange(entry.number, entry.title, hidden=entry.default is not None)


async def restore(svc: Services, *, actor_id: int, number: str) -> FaqChange:
    """List number `number` back to the answer the bot ships with (shown again)."""
    async with svc.db.transaction() as conn:
        entry = await _entry(conn, number)
        if entry.default is None:
            raise FaqError(FaqError.NOT_A_DEFAULT, entry.number)
        if not await faq_store.forget_default(conn, entry.key):
            raise FaqError(FaqError.ALREADY_DEFAULT, entry.number)
        await _audit(conn, svc, actor_id, entry.key, entry.body, entry.default.body, "asal")
    return FaqChange(entry.number, entry.default.title)


async def _audit(
    conn: Conn,
    svc: Services,
    actor_id: int,
    key: str,
    old: str | None,
    new: str | None,
    what: str,
) -> None:
    await audit_store.add(
        conn,
        now=svc.clock.now(),
        actor_id=actor_id,
        action=audit_store.FAQ,
        target=key,
        old=old,
        new=new,
        detail=what,
    )
