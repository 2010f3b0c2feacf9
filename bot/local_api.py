"""An in-process Telegram Bot API (a PTB `BaseRequest`) that the demo console and the tests use.

The bot talks to it exactly as it talks to Telegram: every Bot API call arrives at `do_request`
as a URL and parameters and gets back the JSON Telegram would send. People are simulated with
`LocalUser` (a private chat) and `LocalGroup`: they send text, commands and documents and press
inline buttons; each action is turned into an `Update` and handed to the Application, so when
`await user.send(...)` returns, the bot has finished handling it.

Failures can be injected per method, per chat or for the next N calls (403 blocked, 429 with
`retry_after`, 5xx, timeouts). Bot messages are checked like Telegram checks them (HTML
entities, length, callback data size) so a mistake fails in the tests, not in production.

Over HTTP: `LocalBotApiServer` serves the same API at http://127.0.0.1:{port} (its own thread
and event loop) for a bot in another process, `python -m bot run` with TELEGRAM_API_URL set to
it, as the tests of `run`, of several workers and bench/memory.py start it; `HttpFront` is that
front on an event loop of the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.message
import html
import http
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qsl, unquote

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.domain.clock import Clock
from bot.domain.markup import MARKS

LOCAL_TOKEN = "123456:LOCAL"
BOT_ID = 123456
BOT_USERNAME = "CekKtpElBot"
BOT_NAME = "Cek KTP-el"

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
#: With `keep_history=False`: how many of the latest messages stay editable and pressable.
RECENT_MESSAGES = 1000

_METHOD_URL = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_FILE_URL = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


# --- Telegram's HTML -------------------------------------------------------------------------

_ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}
_TOKEN = re.compile(r"<[^>]*>|&[^;\s<>&]*;?|[^<&]+")
_TAG = re.compile(r"<(?P<close>/)?(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>(?:\s[^<>]*)?)>$")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);$")
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class HtmlError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: the plain text and its entities (offsets in UTF-16 units)."""
    plain: list[str] = []
    length = 0
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, int, dict[str, Any]]] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token.startswith("<"):
            tag = _TAG.match(token)
            if not tag or tag.group("name").lower() not in _ENTITY_OF_TAG:
                raise HtmlError(f"unsupported start tag {token!r} at byte offset {match.start()}")
            name = tag.group("name").lower()
            if tag.group("close"):
                if not stack or stack[-1][0] != name:
                    raise HtmlError(f"unmatched end tag {token!r} at byte offset {match.start()}")
                _, start, opened = stack.pop()
                if length > start:
                    entities.append(
                        {"type": _ENTITY_OF_TAG[name], "offset": start, "length": length - start}
                        | opened
                    )
                continue
            extra: dict[str, Any] = {}
            if name == "a":
                href = _HREF.search(tag.group("attrs") or "")
                if not href:
                    raise HtmlError(f"a link without href at byte offset {match.start()}")
                extra["url"] = html.unescape(href.group(1) or href.group(2) or "")
            stack.append((name, length, extra))
        elif token.startswith("&"):
            if not _ENTITY.match(token):
                raise HtmlError(f"unescaped '&' or unknown entity {token!r} (use &amp;)")
            piece = html.unescape(token)
            plain.append(piece)
            length += _utf16_len(piece)
        else:
            plain.append(token)
            length += _utf16_len(token)
    if stack:
        raise HtmlError(f"can't find end tag corresponding to start tag {stack[-1][0]!r}")
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def html_to_plain(text: str) -> str:
    """HTML as a person reads it: tags removed, entities decoded (lenient: never raises)."""
    try:
        return parse_html(text)[0]
    except HtmlError:
        return html.unescape(re.sub(r"<[^>]*>", "", text))


# --- what a test or the console reads --------------------------------------------------------


@dataclass
class BotMessage:
    """One message the bot sent (or one edit of it), as the person sees it."""

    chat_id: int
    message_id: int
    text: str | None = None  # as sent, HTML
    caption: str | None = None  # as sent, HTML
    reply_markup: dict[str, Any] | None = None
    photo: bytes | None = None
    document: bytes | None = None
    filename: str | None = None
    #: A venue (sendVenue): title, address, latitude, longitude; a pin alone (sendLocation) has
    #: only the coordinates.
    venue: dict[str, Any] | None = None
    location: dict[str, float] | None = None
    edited: bool = False
    deleted: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the Message Telegram returns

    @property
    def plain(self) -> str:
        """The text (or caption) with HTML tags stripped and entities unescaped; a venue reads
        as its title and address."""
        if self.venue is not None:
            return f"{self.venue['title']}\n{self.venue['address']}"
        return html_to_plain(self.text if self.text is not None else self.caption or "")

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The labels of the reply keyboard this message set (None: it set none)."""
        if not self.reply_markup or "keyboard" not in self.reply_markup:
            return None
        return [[_label(button) for button in row] for row in self.reply_markup["keyboard"]]

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        """Inline keyboard rows of button dicts (text, callback_data or url)."""
        if not self.reply_markup:
            return []
        rows: list[list[dict[str, Any]]] = self.reply_markup.get("inline_keyboard", [])
        return rows

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline buttons, row by row."""
        return [button["text"] for row in self.keyboard for button in row]

    def find_button(self, label_or_data: str) -> dict[str, Any] | None:
        """The button whose label or callback_data is `label_or_data` (labels: case-insensitive)."""
        wanted = label_or_data.strip().casefold()
        for row in self.keyboard:
            for button in row:
                if button.get("callback_data") == label_or_data:
                    return button
        for row in self.keyboard:
            for button in row:
                if button["text"].strip().casefold() == wanted:
                    return button
        return None

    def __str__(self) -> str:
        return self.plain


@dataclass
class ApiCall:
    """One Bot API call the bot made: method, decoded parameters, and what happened."""

    method: str
    params: dict[str, Any]
    url: str
    failed: str | None = None  # the injected failure kind, if any
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None


@dataclass
class _Failure:
    kind: str
    method: str | None
    chat_id: int | None
    times: int | None  # None: until cleared
    retry_after: int
    status: int

    def matches(self, method: str, chat_id: int | None) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id


FAILURE_KINDS = ("403", "429", "500", "502", "timeout", "400")


# --- the API ---------------------------------------------------------------------------------


class LocalBotApi(BaseRequest):
    """A Telegram Bot API server living inside the process; hand it to `build_application`."""

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_id: int = BOT_ID,
        bot_username: str = BOT_USERNAME,
        bot_name: str = BOT_NAME,
        clock: Clock | None = None,
        keep_history: bool = True,
        on_message: Callable[[BotMessage], None] | None = None,
    ) -> None:
        """`keep_history=False` (benchmarks): no record of calls, button answers, the message
        log or reply keyboards, only the latest RECENT_MESSAGES messages (for edits and
        presses), so memory stays flat however long it runs. `on_message` is called with every
        message and edit the bot sends, as it is accepted (e.g. to time replies)."""
        self.token = token  # None: accept any token
        self.keep_history = keep_history
        self.on_message = on_message
        self.clock = clock or Clock()
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.app: Application | None = None
        self.calls: list[ApiCall] = []
        self.commands: dict[tuple[Any, ...], list[dict[str, str]]] = {}
        self.webhook_url = ""
        self.webhook_secret: str | None = None  # the secret_token given to setWebhook
        self._failures: list[_Failure] = []
        self._chats: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._migrated: dict[int, int] = {}  # a group's old id -> its supergroup's id
        self._log: dict[int, list[BotMessage]] = {}  # every bot message and edit, per chat
        #: The reply keyboard each chat shows now (set by a message that carries one, removed by
        #: ReplyKeyboardRemove).
        self._reply_keyboards: dict[int, list[list[str]]] = {}
        self._current: dict[tuple[int, int], BotMessage] = {}  # latest state of each message
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self._paths: dict[str, bytes] = {}
        self._next_update_id = 1
        self._next_file = 1
        self._next_callback = 1
        self._pending_updates: list[dict[str, Any]] = []
        self._updates_arrived = asyncio.Event()
        self.answers: list[dict[str, Any]] = []  # answerCallbackQuery calls
        self.callback_from: dict[str, int] = {}  # callback query id -> user id

    # BaseRequest ---------------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open: the server lives in this object."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        params = request_data.parameters if request_data else {}
        return await self.answer(url, params, _uploaded_files(request_data))

    async def answer(
        self, url: str, params: dict[str, Any], files: dict[str, Any] | None = None
    ) -> tuple[int, bytes]:
        """One Bot API request as (url, decoded params) -> (HTTP status, JSON), e.g. behind HTTP."""
        file_match = _FILE_URL.search(unquote(url))
        if file_match:
            if not self._token_ok(file_match.group("token")):
                return _error(401, "Unauthorized")
            content = self._paths.get(file_match.group("path"))
            if content is None:
                return _error(404, "Not Found")
            return 200, content
        match = _METHOD_URL.search(url)
        if not match:
            return _error(404, "Not Found")
        if not self._token_ok(match.group("token")):
            return _error(401, "Unauthorized")
        api_method = match.group("method")
        params = dict(params)
        files = files or {}
        call = ApiCall(method=api_method, params=params, url=url)
        if self.keep_history:
            self.calls.append(call)

        failure = self._take_failure(api_method, call.chat_id)
        if failure is not None:
            call.failed = failure.kind
            if failure.kind == "timeout":
                raise TimedOut("Timed out (injected by local_api)")
            return _failure_response(failure)
        if call.chat_id is not None and call.chat_id in self._blocked and api_method != "getChat":
            call.failed = "403"
            return _error(403, "Forbidden: bot was blocked by the user")
        if call.chat_id is not None and call.chat_id in self._migrated:
            call.failed = "400"
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=self._migrated[call.chat_id],
            )

        handler = getattr(self, "_api_" + api_method, None)
        if handler is None:
            return _error(400, f"Bad Request: method {api_method} is not implemented by local_api")
        try:
            if api_method == "getUpdates":
                result = await self._api_getUpdates(params)
            else:
                result = handler(params, files)
        except _ApiError as exc:
            call.failed = str(exc.status)
            return _error(exc.status, exc.description)
        call.result = result
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # failures ------------------------------------------------------------------------------

    def fail(
        self,
        method: str | None = "sendMessage",
        chat_id: int | None = None,
        times: int | None = 1,
        kind: str = "403",
        retry_after: int = 1,
    ) -> None:
        """Make the next `times` matching calls fail (`method=None`: any method; `times=None`:
        every time). kind: "403" blocked, "429" flood wait, "500"/"502" server
        errors, "400" bad request, "timeout" (raises TimedOut)."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; use one of {FAILURE_KINDS}")
        status = 500 if kind == "timeout" else int(kind)
        self._failures.append(_Failure(kind, method, chat_id, times, retry_after, status))

    def _take_failure(self, method: str, chat_id: int | None) -> _Failure | None:
        for failure in self._failures:
            if failure.matches(method, chat_id):
                if failure.times is not None:
                    failure.times -= 1
                return failure
        return None

    # people and chats ----------------------------------------------------------------------

    def attach(self, app: Application) -> None:
        """The Application that handles what simulated people send."""
        self.app = app

    def user(
        self,
        user_id: int,
        first_name: str = "Warga",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "id",
    ) -> LocalUser:
        """A person with a private chat with the bot (chat id = user id)."""
        info: dict[str, Any] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        if last_name:
            info["last_name"] = last_name
        if username:
            info["username"] = username
        chat = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat["last_name"] = last_name
        if username:
            chat["username"] = username
        self._chats[user_id] = chat
        return LocalUser(self, info)

    def group(self, chat_id: int, title: str = "Grup Warga") -> LocalGroup:
        """A group chat (negative id) in which users may write to the bot."""
        if chat_id > 0:
            raise ValueError("group chat ids are negative")
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        self._chats[chat_id] = chat
        return LocalGroup(self, chat)

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: every call to that chat answers 403."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    def migrate_group(self, chat_id: int, new_chat_id: int) -> LocalGroup:
        """The group became a supergroup with a new id (Telegram does this when an admin makes
        its history visible or gives it a public link): every call to the old id answers 400
        with `migrate_to_chat_id`, as Telegram does. Returns the new group."""
        title = str(self._chats.get(chat_id, {}).get("title", "Grup Warga"))
        self._migrated[chat_id] = new_chat_id
        return self.group(new_chat_id, title)

    # reading what happened -----------------------------------------------------------------

    def messages(self, chat_id: int) -> list[BotMessage]:
        """Everything the bot sent to a chat (edits included, flagged `.edited`), oldest first."""
        return list(self._log.get(chat_id, []))

    def current(self, chat_id: int) -> list[BotMessage]:
        """The bot's messages in a chat as they are now (edited, not deleted), oldest first."""
        found = [m for (c, _), m in self._current.items() if c == chat_id and not m.deleted]
        return sorted(found, key=lambda m: m.message_id)

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    def commands_for(self, scope: str = "default", chat_id: int | None = None) -> list[str]:
        """Command names registered for a scope ("default", "all_private_chats", "chat", ...)."""
        key = (scope, chat_id) if chat_id is not None else (scope,)
        return [c["command"] for c in self.commands.get(key, [])]

    # turning actions into updates ----------------------------------------------------------

    def _now(self) -> int:
        return int(self.clock.now().timestamp())

    def _message_id(self, chat_id: int) -> int:
        next_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = next_id + 1
        return next_id

    def _update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def store_file(self, content: bytes, filename: str, folder: str = "documents") -> str:
        """Keep bytes as Telegram would; return the file_id."""
        number = self._next_file
        self._next_file += 1
        file_id = f"LOCAL-FILE-{number}"
        suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
        path = f"{folder}/file_{number}.{suffix}"
        self._files[file_id] = (path, content)
        self._paths[path] = content
        return file_id

    def make_message(
        self,
        user: dict[str, Any],
        chat_id: int,
        text: str | None = None,
        document: dict[str, Any] | None = None,
        caption: str | None = None,
        *,
        photo: list[dict[str, Any]] | None = None,
        location: dict[str, float] | None = None,
        reply_to: BotMessage | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._message_id(chat_id),
            "from": user,
            "chat": self._chats[chat_id],
            "date": self._now(),
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to.raw
        if photo is not None:
            message["photo"] = photo
            if caption:
                message["caption"] = caption
        if location is not None:
            message["location"] = location
        if text is not None:
            message["text"] = text
            entities = _command_entities(text)
            if entities:
                message["entities"] = entities
        if document is not None:
            message["document"] = document
            if caption:
                message["caption"] = caption
                entities = _command_entities(caption)
                if entities:
                    message["caption_entities"] = entities
        return message

    async def deliver(self, update: dict[str, Any], chat_id: int) -> list[BotMessage]:
        """Hand an update to the Application and return what the bot sent to `chat_id` meanwhile.

        Without an attached Application (a real Updater polls us instead) the update is queued
        for getUpdates and nothing is awaited."""
        if self.app is None:
            self.push_update(update)
            return []
        before = len(self._log.get(chat_id, []))
        await self.app.process_update(Update.de_json(update, self.app.bot))
        return self._log.get(chat_id, [])[before:]

    async def press(
        self, user: dict[str, Any], chat_id: int, label_or_data: str
    ) -> list[BotMessage]:
        """`user` presses a button (label or callback_data) on the latest bot message in the
        chat that shows it; returns the bot's messages and edits in that chat meanwhile."""
        for message in reversed(self.current(chat_id)):
            button = message.find_button(label_or_data)
            if button is None:
                continue
            if "callback_data" not in button:
                raise ValueError(f"button {button['text']!r} is a link, not a callback button")
            query_id = f"LOCAL-CB-{self._next_callback}"
            self._next_callback += 1
            self.callback_from[query_id] = user["id"]
            query = {
                "id": query_id,
                "from": user,
                "message": message.raw,
                "chat_instance": f"LOCAL-{chat_id}",
                "data": button["callback_data"],
            }
            return await self.deliver(_update(self, callback_query=query), chat_id)
        wanted = label_or_data.strip().casefold()
        for row in self._reply_keyboards.get(chat_id, []):
            for label in row:
                if label.strip().casefold() == wanted:  # a reply-keyboard button sends its label
                    typed = self.make_message(user, chat_id, text=label)
                    return await self.deliver(_update(self, message=typed), chat_id)
        shown = [m.buttons for m in self.current(chat_id) if m.buttons]
        keyboard = self._reply_keyboards.get(chat_id)
        raise LookupError(
            f"no button {label_or_data!r} in this chat; buttons shown: {shown};"
            f" keyboard: {keyboard}"
        )

    async def press_data(
        self, user: dict[str, Any], chat_id: int, data: str, *, vanished: bool = False
    ) -> list[BotMessage]:
        """A callback query with any `data`, as a forged or outdated button would send it: on
        the latest bot message in the chat (whatever its buttons), or, with `vanished`, on a
        message since deleted (Telegram then sends it as inaccessible: its date is 0). Returns
        what the bot sent meanwhile."""
        query_id = f"LOCAL-CB-{self._next_callback}"
        self._next_callback += 1
        self.callback_from[query_id] = user["id"]
        query: dict[str, Any] = {
            "id": query_id,
            "from": user,
            "chat_instance": f"LOCAL-{chat_id}",
            "data": data,
        }
        latest = self.current(chat_id)
        if vanished:
            if latest:
                latest[-1].deleted = True  # the person deleted it
            query["message"] = {
                "chat": self._chat(chat_id),
                "message_id": latest[-1].message_id if latest else 1,
                "date": 0,
            }
        elif latest:
            query["message"] = latest[-1].raw
        return await self.deliver(_update(self, callback_query=query), chat_id)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """The reply keyboard the chat shows now, as rows of labels (None: none)."""
        return self._reply_keyboards.get(chat_id)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        self._pending_updates.append(update)
        self._updates_arrived.set()

    # Bot API methods -----------------------------------------------------------------------

    def _token_ok(self, token: str) -> bool:
        return self.token is None or token == self.token

    def _chat(self, chat_id: Any) -> dict[str, Any]:
        try:
            key = int(chat_id)
        except (TypeError, ValueError):
            raise _ApiError(400, "Bad Request: chat not found") from None
        if key not in self._chats:
            if key <= 0:
                raise _ApiError(400, "Bad Request: chat not found")
            # A private chat we have not seen (e.g. a subscription seeded by a test): allow it.
            self._chats[key] = {"id": key, "type": "private", "first_name": "Warga"}
        return self._chats[key]

    def _record(self, message: BotMessage) -> None:
        key = (message.chat_id, message.message_id)
        if not self.keep_history:
            self._current.pop(key, None)
            if len(self._current) >= RECENT_MESSAGES:
                del self._current[next(iter(self._current))]
            self._current[key] = message
            if self.on_message is not None:
                self.on_message(message)
            return
        self._log.setdefault(message.chat_id, []).append(message)
        self._current[key] = message
        if self.on_message is not None:
            self.on_message(message)
        markup = message.reply_markup or {}
        if not message.edited and "keyboard" in markup:
            self._reply_keyboards[message.chat_id] = message.reply_keyboard or []
        elif not message.edited and markup.get("remove_keyboard"):
            self._reply_keyboards.pop(message.chat_id, None)

    def _api_getMe(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_logOut(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_close(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.webhook_url = ""
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.webhook_url = str(params.get("url", ""))
        self.webhook_secret = params.get("secret_token")
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending_updates),
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        timeout = float(params.get("timeout", 0) or 0)
        if offset:
            self._pending_updates = [u for u in self._pending_updates if u["update_id"] >= offset]
        if not self._pending_updates and timeout > 0:
            self._updates_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_arrived.wait(), timeout)
        return self._pending_updates[:limit]

    def _api_setMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        commands = _as_json(params.get("commands", []))
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise _ApiError(400, "Bad Request: command description is invalid")
        self.commands[_scope_key(params)] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> list[Any]:
        return self.commands.get(_scope_key(params), [])

    def _api_deleteMyCommands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self.commands.pop(_scope_key(params), None)
        return True

    def _api_sendChatAction(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self._chat(params.get("chat_id"))
        return True

    def _api_getChat(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self._chat(params.get("chat_id")) | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    def _new_message(
        self, chat: dict[str, Any], params: dict[str, Any], **content: Any
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """The Message Telegram returns for a new bot message in `chat` (with `content`, and
        the inline keyboard when one is sent), and the reply markup as sent."""
        markup = _markup(params.get("reply_markup"))
        raw: dict[str, Any] = {
            "message_id": self._message_id(chat["id"]),
            "from": self.bot_user,
            "chat": chat,
            "date": self._now(),
            **content,
        }
        if markup and "inline_keyboard" in markup:
            raw["reply_markup"] = markup
        return raw, markup

    def _api_sendMessage(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        text = str(params.get("text", ""))
        plain, entities = _formatted(text, params.get("parse_mode"), MAX_TEXT, "message text")
        raw, markup = self._new_message(
            chat, params, text=plain, **({"entities": entities} if entities else {})
        )
        self._record(
            BotMessage(chat["id"], raw["message_id"], text=text, reply_markup=markup, raw=raw)
        )
        return raw

    def _api_sendVenue(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        for name in ("latitude", "longitude", "title", "address"):
            if params.get(name) in (None, ""):
                raise _ApiError(400, f"Bad Request: {name} is empty")
        location = _coordinates(params)
        venue = {
            "location": location,
            "title": str(params["title"]),
            "address": str(params["address"]),
        }
        return self._send_place(chat, params, venue=venue, location=location)

    def _api_sendLocation(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        return self._send_place(chat, params, venue=None, location=_coordinates(params))

    def _send_place(
        self,
        chat: dict[str, Any],
        params: dict[str, Any],
        *,
        venue: dict[str, Any] | None,
        location: dict[str, float],
    ) -> dict[str, Any]:
        place = {"venue": venue} if venue is not None else {}
        raw, markup = self._new_message(chat, params, location=location, **place)
        self._record(
            BotMessage(
                chat["id"],
                raw["message_id"],
                reply_markup=markup,
                venue=venue | location if venue is not None else None,
                location=location,
                raw=raw,
            )
        )
        return raw

    def _send_media(
        self, params: dict[str, Any], files: dict[str, Any], kind: str
    ) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        caption = params.get("caption")
        content, filename = _media(params.get(kind), files.get(kind), self._files)
        if content is None:
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        file_id = self.store_file(content, filename or kind, folder=kind + "s")
        ids = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(content)}
        media: dict[str, Any] = (
            {"photo": [ids | {"width": 800, "height": 600}]}
            if kind == "photo"
            else {"document": ids | {"file_name": filename or "document"}}
        )
        if caption:
            plain, entities = _formatted(
                str(caption), params.get("parse_mode"), MAX_CAPTION, "caption"
            )
            media["caption"] = plain
            if entities:
                media["caption_entities"] = entities
        raw, markup = self._new_message(chat, params, **media)
        self._record(
            BotMessage(
                chat["id"],
                raw["message_id"],
                caption=str(caption) if caption else None,
                reply_markup=markup,
                photo=content if kind == "photo" else None,
                document=content if kind == "document" else None,
                filename=filename,
                raw=raw,
            )
        )
        return raw

    def _api_sendDocument(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(params, files, "document")

    def _api_sendPhoto(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(params, files, "photo")

    def _existing(self, params: dict[str, Any], action: str) -> BotMessage:
        if params.get("inline_message_id"):
            raise _ApiError(400, "Bad Request: inline messages are not supported by local_api")
        chat = self._chat(params.get("chat_id"))
        message = self._current.get((chat["id"], int(params.get("message_id", 0) or 0)))
        if message is None or message.deleted:
            raise _ApiError(400, f"Bad Request: message to {action} not found")
        return message

    def _edited(self, old: BotMessage, **changes: Any) -> dict[str, Any]:
        new = BotMessage(
            old.chat_id,
            old.message_id,
            text=changes.get("text", old.text),
            caption=changes.get("caption", old.caption),
            reply_markup=changes.get("reply_markup", old.reply_markup),
            photo=old.photo,
            document=old.document,
            filename=old.filename,
            edited=True,
        )
        if (new.text, new.caption, new.reply_markup) == (old.text, old.caption, old.reply_markup):
            raise _ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        raw = {k: v for k, v in old.raw.items() if k not in ("reply_markup", "edit_date")}
        raw["edit_date"] = self._now()
        for part, entities_key in (("text", "entities"), ("caption", "caption_entities")):
            if part in changes:  # the new words as Telegram returns them: plain, with entities
                raw[part], entities = changes["formatted"]
                raw.pop(entities_key, None)
                if entities:
                    raw[entities_key] = entities
        if new.reply_markup and "inline_keyboard" in new.reply_markup:
            raw["reply_markup"] = new.reply_markup
        new.raw = raw
        self._record(new)
        return raw

    def _api_editMessageText(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        old = self._existing(params, "edit")
        if old.text is None:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        return self._edited_words(old, params, "text")

    def _api_editMessageCaption(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._edited_words(self._existing(params, "edit"), params, "caption")

    def _edited_words(self, old: BotMessage, params: dict[str, Any], part: str) -> Any:
        """editMessageText / editMessageCaption: the new `part` and, optionally, buttons."""
        words = str(params.get(part, ""))
        limit, what = (MAX_TEXT, "message text") if part == "text" else (MAX_CAPTION, "caption")
        return self._edited(
            old,
            **{part: words},
            reply_markup=_markup(params.get("reply_markup")),
            formatted=_formatted(words, params.get("parse_mode"), limit, what),
        )

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        old = self._existing(params, "edit")
        return self._edited(old, reply_markup=_markup(params.get("reply_markup")))

    def _api_deleteMessage(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        message = self._existing(params, "delete")
        message.deleted = True
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        _formatted(str(params.get("text", "")), None, 200, "callback answer")
        if self.keep_history:
            self.answers.append(dict(params))
        return True

    def _api_getFile(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self._files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, content = self._files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": len(content),
            "file_path": path,
        }


# --- simulated people ------------------------------------------------------------------------


class LocalUser:
    """A person in a private chat with the bot."""

    def __init__(self, api: LocalBotApi, info: dict[str, Any]) -> None:
        self.api = api
        self.info = info
        self.id: int = info["id"]
        self.chat_id: int = info["id"]

    @property
    def first_name(self) -> str:
        return str(self.info["first_name"])

    async def send(self, text: str, *, reply_to: BotMessage | None = None) -> list[BotMessage]:
        """Type a message or a command (as a reply to one of the bot's messages when
        `reply_to` is given); returns the bot's messages sent meanwhile."""
        message = self.api.make_message(self.info, self.chat_id, text=text, reply_to=reply_to)
        return await self.api.deliver(_update(self.api, message=message), self.chat_id)

    async def send_location(self, latitude: float, longitude: float) -> list[BotMessage]:
        """Share a location pin (the paperclip's "Location")."""
        location = {"latitude": latitude, "longitude": longitude}
        message = self.api.make_message(self.info, self.chat_id, location=location)
        return await self.api.deliver(_update(self.api, message=message), self.chat_id)

    async def send_photo(
        self, content: bytes = b"JPEG", caption: str | None = None
    ) -> list[BotMessage]:
        """Send a picture (e.g. a photo of a KTP), with an optional caption."""
        file_id = self.api.store_file(content, "photo.jpg", folder="photos")
        size = {"file_id": file_id, "file_unique_id": file_id, "width": 800, "height": 600}
        message = self.api.make_message(self.info, self.chat_id, photo=[size], caption=caption)
        return await self.api.deliver(_update(self.api, message=message), self.chat_id)

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard this person sees under the text field now (rows of labels)."""
        return self.api.reply_keyboard(self.chat_id)

    async def send_document(
        self,
        filename: str,
        content: bytes,
        caption: str | None = None,
        mime_type: str = "text/csv",
    ) -> list[BotMessage]:
        """Upload a file (e.g. the CSV export)."""
        file_id = self.api.store_file(content, filename)
        document = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        message = self.api.make_message(self.info, self.chat_id, document=document, caption=caption)
        return await self.api.deliver(_update(self.api, message=message), self.chat_id)

    async def press(self, label_or_data: str) -> list[BotMessage]:
        """Press an inline button (by label or callback_data) on the latest bot message in this
        chat that has it; returns the bot's messages and edits sent meanwhile."""
        return await self.api.press(self.info, self.chat_id, label_or_data)

    def block(self) -> None:
        """This person blocks the bot (later messages to them fail with 403)."""
        self.api.block(self.chat_id)

    def unblock(self) -> None:
        self.api.unblock(self.chat_id)

    @property
    def messages(self) -> list[BotMessage]:
        """Everything the bot sent to this chat (edits as extra entries), oldest first."""
        return self.api.messages(self.chat_id)

    @property
    def last(self) -> BotMessage | None:
        log = self.api.messages(self.chat_id)
        return log[-1] if log else None

    @property
    def answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery calls made for this person's button presses (toasts, alerts)."""
        return [
            answer
            for answer in self.api.answers
            if self.api.callback_from.get(str(answer.get("callback_query_id"))) == self.id
        ]


class LocalGroup:
    """A group chat in which people write to the bot."""

    def __init__(self, api: LocalBotApi, chat: dict[str, Any]) -> None:
        self.api = api
        self.chat = chat
        self.chat_id: int = chat["id"]

    async def send(
        self, user: LocalUser, text: str, *, reply_to: BotMessage | None = None
    ) -> list[BotMessage]:
        """`user` writes `text` in the group (as a reply to one of the bot's messages when
        `reply_to` is given); returns the bot's messages in the group meanwhile."""
        message = self.api.make_message(user.info, self.chat_id, text=text, reply_to=reply_to)
        return await self.api.deliver(_update(self.api, message=message), self.chat_id)

    async def press(self, user: LocalUser, label_or_data: str) -> list[BotMessage]:
        """`user` presses an inline button on the latest bot message in the group that has it."""
        return await self.api.press(user.info, self.chat_id, label_or_data)

    @property
    def messages(self) -> list[BotMessage]:
        return self.api.messages(self.chat_id)

    @property
    def last(self) -> BotMessage | None:
        log = self.api.messages(self.chat_id)
        return log[-1] if log else None


# --- over HTTP -------------------------------------------------------------------------------

#: How long a request answered by an injected "timeout" is held open (the client gives up long
#: before: PTB reads for 5 s), as a server that never answers.
HELD_TIMEOUT = 60.0
#: The methods that send a new message (what `LocalBotApiServer.sent_messages` notes).
SENDING_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVenue", "sendLocation"}
)

_T = TypeVar("_T")


@dataclass(frozen=True)
class HttpCall:
    """One request the HTTP front answered."""

    arrived: float  # time.monotonic() once its body had been read
    method: str  # the Bot API method; "" for a file download or a path that names none
    params: dict[str, Any]
    status: int  # 0: an injected timeout, held without an answer


@dataclass(frozen=True)
class SentMessage:
    """A new message the bot sent over HTTP and the API accepted."""

    arrived: float  # time.monotonic() when its request arrived
    method: str  # one of SENDING_METHODS
    chat_id: int


class HttpFront:
    """A `LocalBotApi` served over HTTP/1.1 (keep-alive) on the running event loop, answering
    as Telegram's server (or a self-hosted telegram-bot-api) does: GET or POST
    `/bot<token>/<method>`, parameters in a form, JSON or multipart body (or the query string),
    gets Telegram's status and JSON; GET `/file/bot<token>/<path>` the file's bytes. An injected
    "timeout" holds the request without answer until the client gives up. On the loop,
    `on_request` is told each request's method as it arrives, and `on_answer` sees each request
    once answered, before its answer is written."""

    def __init__(
        self,
        api: LocalBotApi,
        *,
        on_request: Callable[[str], None] | None = None,
        on_answer: Callable[[HttpCall], None] | None = None,
    ) -> None:
        self.api = api
        self.on_request = on_request
        self.on_answer = on_answer
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None
    ) -> None:
        """Listen on `host`:`port` (0: a free port), or on the bound socket `sock`."""
        if sock is not None:
            self._server = await asyncio.start_server(self._connection, sock=sock)
        else:
            self._server = await asyncio.start_server(self._connection, host, port)

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the HTTP front is not started")
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop listening and drop every connection (a waiting getUpdates included)."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # the client hung up, or spoke no HTTP we know
        except asyncio.CancelledError:
            pass  # close() drops it; ending cancelled would be logged as an error by Python 3.11
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and answer it; False when the connection is to be closed."""
        line = await reader.readline()
        if not line:
            return False
        if not line.strip():
            return True  # a stray empty line between requests
        verb, target, version = line.decode("latin-1").split()  # ValueError: not HTTP
        headers = await _read_headers(reader)
        body = await _read_body(reader, headers)
        arrived = time.monotonic()
        keep_alive = _keeps_alive(version, headers)
        path, _, query = target.partition("?")
        named = _METHOD_URL.search(path)
        api_method = named.group("method") if named else ""
        if self.on_request is not None:
            self.on_request(api_method)
        params: dict[str, Any] = {}
        if verb not in ("GET", "POST"):
            status, payload = _error(405, "Method Not Allowed")
        else:
            try:
                params, files = _request_params(headers.get("content-type", ""), body, query)
            except ValueError as exc:
                status, payload = _error(400, f"Bad Request: {exc}")
            else:
                try:
                    status, payload = await self.api.answer(path, params, files)
                except TimedOut:
                    self._answered(HttpCall(arrived, api_method, params, 0))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(reader.read(), HELD_TIMEOUT)
                    return False
                except Exception as exc:  # a bug in local_api: say so rather than hang up
                    status, payload = _error(500, f"Internal Server Error: {exc!r}")
        self._answered(HttpCall(arrived, api_method, params, status))
        is_file = status == 200 and _FILE_URL.search(unquote(path)) is not None
        head = (
            f"HTTP/1.1 {status} {_reason(status)}\r\n"
            f"Content-Type: {'application/octet-stream' if is_file else 'application/json'}\r\n"
            f"Content-Length: {len(payload)}\r\n"
            + ("" if keep_alive else "Connection: close\r\n")
            + "\r\n"
        )
        writer.write(head.encode("latin-1") + payload)
        await writer.drain()
        return keep_alive

    def _answered(self, call: HttpCall) -> None:
        if self.on_answer is not None:
            self.on_answer(call)


class LocalBotApiServer:
    """A `LocalBotApi` served over HTTP from a thread of its own (with its own event loop), for
    a bot in another process (`python -m bot run` with TELEGRAM_API_URL=`url`) driven by plain
    synchronous code: tests and benchmarks. `with LocalBotApiServer() as server:` starts and
    stops it; without an `api`, it serves a fresh `LocalBotApi(token=LOCAL_TOKEN)`.

    The API lives on the server's loop: read and change it there, with `read(fn)` and
    `run(coro)` (`push_update` and `fail` do so), so no request is seen half-recorded. Readable
    from any thread: the requests per method (`count`, `counts`) and, unless the API keeps no
    history, every message sent with the time its request arrived (`sent_messages`)."""

    def __init__(
        self, api: LocalBotApi | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.api = api if api is not None else LocalBotApi(token=LOCAL_TOKEN)
        self.loop = asyncio.new_event_loop()
        self._socket = socket.create_server((host, port))
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        self._front = HttpFront(self.api, on_request=self._arrived, on_answer=self._answered)
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="local-bot-api", daemon=True
        )
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._sent: list[SentMessage] = []

    def start(self) -> LocalBotApiServer:
        self._thread.start()
        self.run(self._front.start(sock=self._socket))
        return self

    def stop(self) -> None:
        """Drop every connection (a waiting getUpdates included), cancel whatever still runs
        on the loop, end the thread. Safe to call twice."""
        if self._thread.is_alive():
            try:
                self.run(self._shutdown(), timeout=5)
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join(5)
        if not self._thread.is_alive() and not self.loop.is_closed():
            self.loop.close()
        self._socket.close()

    def __enter__(self) -> LocalBotApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float = 10.0) -> _T:
        """Run `coro` on the server's loop (where the API lives) and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def read(self, fn: Callable[[], _T], timeout: float = 10.0) -> _T:
        """Call `fn` on the server's loop, between requests, and return what it returns."""

        async def reading() -> _T:
            return fn()

        return self.run(reading(), timeout)

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (returns at once)."""
        self.loop.call_soon_threadsafe(self.api.push_update, update)

    def fail(
        self,
        method: str | None = "sendMessage",
        chat_id: int | None = None,
        times: int | None = 1,
        kind: str = "403",
        retry_after: int = 1,
    ) -> None:
        """`LocalBotApi.fail` on the server's loop, e.g. `fail(kind="429", retry_after=3)`."""
        self.read(lambda: self.api.fail(method, chat_id, times, kind, retry_after))

    def count(self, method: str) -> int:
        """How many requests for `method` have arrived (counted before they are answered)."""
        with self._lock:
            return self._counts[method]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def sent_messages(self) -> list[SentMessage]:
        """The messages sent so far, oldest first (none when the API keeps no history)."""
        with self._lock:
            return list(self._sent)

    async def _shutdown(self) -> None:
        await self._front.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _arrived(self, method: str) -> None:
        with self._lock:
            self._counts[method] += 1

    def _answered(self, call: HttpCall) -> None:
        if call.status != 200 or call.method not in SENDING_METHODS or not self.api.keep_history:
            return
        with contextlib.suppress(KeyError, TypeError, ValueError):
            sent = SentMessage(call.arrived, call.method, int(call.params["chat_id"]))
            with self._lock:
                self._sent.append(sent)


async def _read_headers(reader: asyncio.StreamReader) -> dict[str, str]:
    headers: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise ConnectionResetError("the client hung up mid-request")
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise ValueError(f"not a header: {line!r}")
        headers[name.strip().lower()] = value.strip()


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        while size := int(((await reader.readline()).split(b";")[0].strip() or b"0"), 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)  # the CRLF after the chunk
        while (await reader.readline()).strip():
            pass  # trailers
        return b"".join(chunks)
    length = int(headers.get("content-length") or 0)
    return await reader.readexactly(length) if length > 0 else b""


def _keeps_alive(version: str, headers: dict[str, str]) -> bool:
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _request_params(
    content_type: str, body: bytes, query: str
) -> tuple[dict[str, Any], dict[str, tuple[str | None, bytes]]]:
    """The parameters (and uploaded files) of a Bot API request; ValueError if unreadable."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    files: dict[str, tuple[str | None, bytes]] = {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        decoded = json.loads(body or b"{}")
        if not isinstance(decoded, dict):
            raise ValueError("the JSON body is not an object")
        params.update(decoded)
    elif kind in ("", "application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode(), keep_blank_values=True))
    elif kind == "multipart/form-data":
        fields, files = _multipart(body, content_type)
        params.update(fields)
    else:
        raise ValueError(f"unsupported Content-Type {kind!r}")
    return params, files


def _multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, str], dict[str, tuple[str | None, bytes]]]:
    """multipart/form-data: plain fields, and the parts with a filename as (filename, bytes)."""
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ValueError("multipart/form-data without a boundary")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str | None, bytes]] = {}
    for part in (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        _, _, part = part.partition(b"\r\n")  # the rest of the delimiter line
        head, blank, content = part.partition(b"\r\n\r\n")
        if not blank:
            raise ValueError("a multipart part without headers")
        described = email.message_from_string(head.decode("utf-8", "replace") + "\r\n\r\n")
        name = described.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise ValueError("a multipart part without a name")
        filename = described.get_filename()
        if filename is None:
            fields[name] = content.decode()
        else:
            files[name] = (filename, content)
    return fields, files


# --- helpers ---------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _error(status: int, description: str, **parameters: Any) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, json.dumps(body).encode()


def _failure_response(failure: _Failure) -> tuple[int, bytes]:
    if failure.kind == "403":
        return _error(403, "Forbidden: bot was blocked by the user")
    if failure.kind == "429":
        return _error(
            429,
            f"Too Many Requests: retry after {failure.retry_after}",
            retry_after=failure.retry_after,
        )
    if failure.kind == "400":
        return _error(400, "Bad Request: injected by local_api")
    if failure.status == 502:
        return _error(502, "Bad Gateway")
    return _error(failure.status, "Internal Server Error")


def _update(api: LocalBotApi, **content: Any) -> dict[str, Any]:
    return {"update_id": api._update_id(), **content}


def _command_entities(text: str) -> list[dict[str, Any]]:
    match = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}]


def _formatted(
    text: str, parse_mode: Any, limit: int, what: str
) -> tuple[str, list[dict[str, Any]]]:
    if any(mark in text for mark in MARKS):
        # A sentence in the sentences' own markup that no renderer turned into Telegram's.
        raise _ApiError(400, f"Bad Request: {what} carries unrendered markup (bot.domain.markup)")
    if parse_mode is not None and str(parse_mode).upper() == "HTML":
        try:
            plain, entities = parse_html(text)
        except HtmlError as exc:
            raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    elif parse_mode is None:
        plain, entities = text, []
    else:
        raise _ApiError(400, f"Bad Request: local_api only understands HTML, not {parse_mode}")
    if what == "message text" and not plain.strip():
        raise _ApiError(400, "Bad Request: message text is empty")
    if _utf16_len(plain) > limit:
        raise _ApiError(400, f"Bad Request: {what} is too long")
    return plain, entities


def _label(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


def _coordinates(params: dict[str, Any]) -> dict[str, float]:
    try:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        raise _ApiError(400, "Bad Request: wrong coordinates") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _ApiError(400, "Bad Request: wrong coordinates")
    return {"latitude": latitude, "longitude": longitude}


def _markup(value: Any) -> dict[str, Any] | None:
    markup = _as_json(value) if value is not None else None
    if not markup:
        return None
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise _ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    checked: dict[str, Any] = markup
    return checked


def _as_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _scope_key(params: dict[str, Any]) -> tuple[Any, ...]:
    scope = _as_json(params.get("scope")) or {"type": "default"}
    kind = str(scope["type"])
    chat_id = scope.get("chat_id")
    if chat_id is not None:
        return (kind, int(chat_id))
    return (kind,)


def _uploaded_files(request_data: RequestData | None) -> dict[str, tuple[str | None, bytes]]:
    if request_data is None or not request_data.contains_files:
        return {}
    uploaded: dict[str, tuple[str | None, bytes]] = {}
    for name, field_tuple in request_data.multipart_data.items():
        filename, content = field_tuple[0], field_tuple[1]
        if hasattr(content, "read"):
            content = content.read()
        uploaded[name] = (filename, bytes(content))
    return uploaded


def _media(
    value: Any,
    upload: tuple[str | None, bytes] | None,
    stored: dict[str, tuple[str, bytes]],
) -> tuple[bytes | None, str | None]:
    if upload is not None:
        return upload[1], upload[0]
    if isinstance(value, str) and value.startswith("attach://"):
        return None, None
    if isinstance(value, str) and value in stored:
        path, content = stored[value]
        return content, path.rsplit("/", 1)[-1]
    return None, None
