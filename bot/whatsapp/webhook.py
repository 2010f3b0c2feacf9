"""The WhatsApp webhook: `GET /whatsapp` answers Meta's verification, `POST /whatsapp` takes
deliveries, on BOT_WEBHOOK_LISTEN:BOT_WHATSAPP_PORT.

Served by Tornado: it is already installed (python-telegram-bot's webhook extra runs its
Telegram webhook on it), well kept, native to asyncio, and lets a handler read the body as a
stream, so an oversize body is refused with 413 from its Content-Length without being
read (a chunked one is dropped as it comes, and cut off at four times the limit). aiohttp
would do as well but would be one more HTTP stack in the process for the same job.

Every POST is checked before anything is done: `X-Hub-Signature-256: sha256=<hex>` must be
the HMAC-SHA256 of the raw body with WHATSAPP_APP_SECRET, compared in constant time; missing
or wrong: 403, nothing read further. A signed delivery is answered 200 at once and worked
on afterwards, on the same event loop (`pending` tasks, awaited by `drain` and `stop`):

- each message is taken once by its id (`storage.whatsapp.claim_message`, a row shared by
  every worker and kept across restarts), then handed to `on_message`; a redelivery of the
  same id (Meta retries when it did not see our 200 in time) goes no further. Messages of
  one resident are handled one after the other, in the order they came.
- each status is recorded (`storage.whatsapp.record_status`: the furthest status and a
  failure's code, by the sent message's id), then handed to `on_status` (the outbox's hook).

Nothing here logs a wa_id in full (`inbound.masked`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.web

from bot.domain.clock import Clock
from bot.storage import whatsapp as whatsapp_store
from bot.storage.driver import Db
from bot.whatsapp.inbound import Delivery, Inbound, Status, StatusKind, masked, parse

log = logging.getLogger(__name__)

PATH = "/whatsapp"
#: Meta's deliveries are a few kilobytes (up to 3 MB by its documentation); more is refused.
MAX_BODY = 3 * 1024 * 1024
SIGNATURE_HEADER = "X-Hub-Signature-256"

MessageHandler = Callable[[Inbound], Awaitable[None]]
StatusHandler = Callable[[Status], Awaitable[None]]


def signature(body: bytes, app_secret: str) -> str:
    """The header value Meta sends with `body`: `sha256=<hex>`."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str | None, app_secret: str) -> bool:
    """True when `header` signs `body` with `app_secret` (constant-time comparison)."""
    if not header or not app_secret:
        return False
    expected = signature(body, app_secret).encode("ascii")
    return hmac.compare_digest(expected, header.strip().lower().encode("utf-8", "replace"))


class WhatsAppWebhook:
    """The webhook server; `await start()` listens, `await stop()` ends it after the work in
    progress. `on_message` and `on_status` are the conversation's and the outbox's doors."""

    def __init__(
        self,
        *,
        db: Db,
        clock: Clock,
        app_secret: str,
        verify_token: str,
        on_message: MessageHandler,
        on_status: StatusHandler | None = None,
        max_body: int = MAX_BODY,
        phone_number_id: str | None = None,
    ) -> None:
        self.db = db
        #: Updates of another number of the same business account are left alone.
        self.phone_number_id = phone_number_id
        self.clock = clock
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.on_message = on_message
        self.on_status = on_status
        self.max_body = max_body
        self.pending: set[asyncio.Task[None]] = set()
        self._queues: dict[str, _Queue] = {}
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port: int | None = None
        self.app = tornado.web.Application(
            [(PATH, _Endpoint, {"hook": self})], log_function=_log_request
        )

    async def start(self, host: str = "0.0.0.0", port: int = 0, *, reuse_port: bool = False) -> int:
        """Listen on `host`:`port` (0: any free port); the port listened on. `reuse_port`:
        several worker processes listen on the same port (Linux shares the connections out),
        so Meta's one webhook URL reaches them all without a proxy."""
        sock = socket.create_server((host, port), reuse_port=reuse_port)
        sock.setblocking(False)
        # a body without a length is read (and dropped) up to four times the limit, then cut
        self._server = tornado.httpserver.HTTPServer(
            self.app, xheaders=True, max_body_size=4 * self.max_body
        )
        self._server.add_sockets([sock])
        self.port = int(sock.getsockname()[1])
        log.info("WhatsApp webhook listening on %s:%s%s", host, self.port, PATH)
        return self.port

    async def drain(self) -> None:
        """Wait until every delivery taken so far is worked on."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop listening; finish the deliveries already answered (up to `timeout`)."""
        if self._server is not None:
            self._server.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.close_all_connections(), timeout)
            self._server = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), timeout)

    # --- the work after the 200 ----------------------------------------------------------

    def accept(self, delivery: Delivery) -> None:
        """Work on `delivery` in the background (the HTTP answer does not wait for it)."""
        if not delivery.messages and not delivery.statuses:
            return
        task = asyncio.get_running_loop().create_task(self._work(delivery))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def _work(self, delivery: Delivery) -> None:
        for status in delivery.statuses:
            await self._status(status)
        for message in delivery.messages:
            await self._message(message)

    async def _status(self, status: Status) -> None:
        try:
            if status.status is not StatusKind.OTHER:
                now = self.clock.now()
                async with self.db.transaction() as conn:
                    await whatsapp_store.record_status(
                        conn,
                        status.message_id,
                        status.status.value,
                        status.error_code,
                        status.timestamp,
                        now,
                    )
            if status.status is StatusKind.FAILED:
                log.info(
                    "WhatsApp: a message to %s failed (code %s)",
                    masked(status.recipient),
                    status.error_code,
                )
            if self.on_status is not None:
                await self.on_status(status)
        except Exception:
            log.exception("WhatsApp: a status could not be recorded")

    async def _message(self, message: Inbound) -> None:
        queue = self._queues.setdefault(message.wa_id, _Queue())
        queue.users += 1
        try:
            async with queue.lock:
                async with self.db.transaction() as conn:
                    new = await whatsapp_store.claim_message(
                        conn, message.message_id, self.clock.now()
                    )
                if not new:
                    log.info("WhatsApp: a message from %s came again", masked(message.wa_id))
                    return
                await self.on_message(message)
        except Exception:
            log.exception("WhatsApp: a message from %s was not handled", masked(message.wa_id))
        finally:
            queue.users -= 1
            if queue.users == 0:
                self._queues.pop(message.wa_id, None)


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """Tornado's access line without the query string (Meta's GET carries the verify token)."""
    status = handler.get_status()
    level = logging.DEBUG if status < 400 else logging.WARNING
    log.log(
        level,
        "%s %s %s %.1fms",
        status,
        handler.request.method,
        handler.request.path,
        1000.0 * handler.request.request_time(),
    )


class _Queue:
    """One resident's messages, handled one at a time."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


@tornado.web.stream_request_body
class _Endpoint(tornado.web.RequestHandler):
    """GET: Meta's verification; POST: a delivery (signed, at most `max_body` bytes)."""

    hook: WhatsAppWebhook

    def initialize(self, hook: WhatsAppWebhook) -> None:
        self.hook = hook
        self._chunks: list[bytes] = []
        self._size = 0
        self._refused = False

    def check_xsrf_cookie(self) -> None:  # a machine posts here, with a signature instead
        return None

    def prepare(self) -> None:
        if self.request.method != "POST":
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > self.hook.max_body):
            self._refuse(413 if length.isdigit() else 400)

    def _refuse(self, status: int) -> None:
        self._refused = True
        self._chunks = []
        self.set_status(status)
        self.finish()

    def data_received(self, chunk: bytes) -> None:
        if self._refused:
            return
        self._size += len(chunk)
        if self._size > self.hook.max_body:
            self._chunks = []  # read to its end (so the sender sees the 413), never kept
            return
        self._chunks.append(chunk)

    def get(self) -> None:
        mode = self.get_query_argument("hub.mode", "")
        token = self.get_query_argument("hub.verify_token", "")
        challenge = self.get_query_argument("hub.challenge", "")
        token_ok = hmac.compare_digest(
            token.encode("utf-8"), self.hook.verify_token.encode("utf-8")
        )
        if mode != "subscribe" or not token_ok or not challenge:
            self.set_status(403)
            return
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write(challenge)

    def post(self) -> None:
        if self._refused:
            return
        if self._size > self.hook.max_body:
            self.set_status(413)
            return
        body = b"".join(self._chunks)
        if not signature_ok(body, self.request.headers.get(SIGNATURE_HEADER), self.hook.app_secret):
            log.warning("WhatsApp webhook: a POST without a valid signature was refused")
            self.set_status(403)
            return
        try:
            payload: Any = json.loads(body)
        except ValueError:
            self.set_status(400)
            return
        self.hook.accept(parse(payload, self.hook.phone_number_id))
        self.set_status(200)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.finish()  # no traceback, no page: the status says it
