"""Sending through the WhatsApp Cloud API: `POST {WHATSAPP_API_URL}/{PHONE_NUMBER_ID}/messages`
with `Authorization: Bearer {WHATSAPP_TOKEN}`, files first to `.../media`.

Plain httpx (already installed with python-telegram-bot): the requests are a handful of JSON
posts, and the transport is replaceable (`transport=` or `http=`; the tests point
WHATSAPP_API_URL at a local double over real HTTP). pywa was weighed: its async client would
add a second object model of messages beside `render.Outgoing` and a webhook framework the
bot does not use, for what is here about a hundred lines.

Every refusal is classified (`ErrorKind`), from Meta's error code first and the HTTP status
after it (Meta's error-code reference for the Cloud API):

| kind | codes | what the sender does |
| --- | --- | --- |
| THROTTLED | 130429 throughput, 80007 / 4 rate limits, HTTP 429 | wait `retry_after`, retry |
| PAIR_RATE | 131056 too many to one number | wait (seconds) for that number, retry |
| WINDOW_CLOSED | 131047 more than 24 hours since the resident wrote | send the template |
| RECIPIENT_GONE | 131026 undeliverable (not on WhatsApp, blocked us, too old an app) | stop |
| OPTED_OUT | 131050 the resident stopped marketing messages | no announcements |
| HELD_BACK | 131049 Meta chose not to deliver, 131048 spam limit, 130472 experiment | much later |
| TRANSIENT | 1, 2, 131000, 131016, 133004, 131057, HTTP 5xx, timeouts, lost connections | backoff |
| ACCOUNT | 0, 3, 10, 190, 200-299, 131005, 131031, 131042, 368 (token, account) | operator |
| INVALID | anything else (100, 131008, 131009, 131051, 132xxx template mistakes) | a bug: give up |

`send` makes one request after the pacer (BOT_WHATSAPP_PER_SECOND messages a second, Meta's
default throughput being 80) and raises `SendError` on a refusal; `deliver` retries what
waiting fixes (THROTTLED, PAIR_RATE, TRANSIENT) a few times with backoff and raises the rest,
so an outbox can store the kind and `retry_after` of the last failure. (A timeout may hide a
message that did go: retried, the resident may read it twice, as with Telegram's timeouts.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any

import httpx

from bot.conversation.messages import Attachment
from bot.whatsapp.inbound import masked
from bot.whatsapp.render import Outgoing

log = logging.getLogger(__name__)


class ErrorKind(StrEnum):
    THROTTLED = "throttled"
    PAIR_RATE = "pair_rate"
    WINDOW_CLOSED = "window_closed"
    RECIPIENT_GONE = "recipient_gone"
    OPTED_OUT = "opted_out"
    HELD_BACK = "held_back"
    TRANSIENT = "transient"
    ACCOUNT = "account"
    INVALID = "invalid"

    @property
    def retried(self) -> bool:
        """Whether waiting a little and sending again is the answer."""
        return self in (ErrorKind.THROTTLED, ErrorKind.PAIR_RATE, ErrorKind.TRANSIENT)


_BY_CODE: dict[int, ErrorKind] = {
    130429: ErrorKind.THROTTLED,
    80007: ErrorKind.THROTTLED,
    4: ErrorKind.THROTTLED,
    131056: ErrorKind.PAIR_RATE,
    131047: ErrorKind.WINDOW_CLOSED,
    470: ErrorKind.WINDOW_CLOSED,  # the same, as the on-premises API numbered it
    131026: ErrorKind.RECIPIENT_GONE,
    131050: ErrorKind.OPTED_OUT,
    131049: ErrorKind.HELD_BACK,
    131048: ErrorKind.HELD_BACK,
    130472: ErrorKind.HELD_BACK,
    1: ErrorKind.TRANSIENT,
    2: ErrorKind.TRANSIENT,
    131000: ErrorKind.TRANSIENT,
    131016: ErrorKind.TRANSIENT,
    133004: ErrorKind.TRANSIENT,
    131057: ErrorKind.TRANSIENT,
    0: ErrorKind.ACCOUNT,
    3: ErrorKind.ACCOUNT,
    10: ErrorKind.ACCOUNT,
    190: ErrorKind.ACCOUNT,
    131005: ErrorKind.ACCOUNT,
    131031: ErrorKind.ACCOUNT,
    131042: ErrorKind.ACCOUNT,
    368: ErrorKind.ACCOUNT,
}

#: How long to wait before sending again, by kind (seconds), unless Meta says otherwise.
WAIT: dict[ErrorKind, float] = {
    ErrorKind.THROTTLED: 1.0,
    ErrorKind.PAIR_RATE: 6.0,  # Meta: about one message every six seconds to one number
    ErrorKind.TRANSIENT: 1.0,  # doubled at each attempt
    ErrorKind.HELD_BACK: 6 * 3600.0,
}


def classify(code: int | None, http_status: int | None) -> ErrorKind:
    """The kind of a refusal: Meta's error code when it gave one, else the HTTP status."""
    if code is not None:
        if code in _BY_CODE:
            return _BY_CODE[code]
        if 200 <= code <= 299:
            return ErrorKind.ACCOUNT
    if http_status is None or http_status >= 500:
        return ErrorKind.TRANSIENT
    if http_status == 429:
        return ErrorKind.THROTTLED
    if http_status in (401, 403):
        return ErrorKind.ACCOUNT
    return ErrorKind.INVALID


class SendError(Exception):
    """The Cloud API did not take a message; `kind` says what to do about it."""

    def __init__(
        self,
        kind: ErrorKind,
        *,
        code: int | None = None,
        http_status: int | None = None,
        detail: str = "",
        retry_after: float | None = None,
    ) -> None:
        self.kind = kind
        self.code = code
        self.http_status = http_status
        self.detail = detail
        self.retry_after = retry_after if retry_after is not None else WAIT.get(kind)
        super().__init__(f"{kind.value} (code {code}, HTTP {http_status}): {detail}")


class Pacer:
    """At most `per_second` sends a second, evenly spaced (no burst beyond one)."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await self._sleep(start - now)


class CloudApiClient:
    """One business phone number's sender. `async with` or `await close()` at the end."""

    def __init__(
        self,
        *,
        api_url: str,
        phone_number_id: str,
        token: str,
        per_second: float = 80.0,
        timeout: float = 15.0,
        attempts: int = 4,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base = f"{api_url.rstrip('/')}/{phone_number_id}"
        self.attempts = attempts
        self.pacer = Pacer(per_second, sleep=sleep)
        self._sleep = sleep
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(transport=transport, timeout=timeout)
        self._headers = {"Authorization": f"Bearer {token}"}

    async def __aenter__(self) -> CloudApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_http:
            await self.http.aclose()

    # --- one request -------------------------------------------------------------------

    async def _post(self, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self.http.post(f"{self.base}/{path}", headers=self._headers, **kwargs)
        except httpx.TimeoutException:
            raise SendError(ErrorKind.TRANSIENT, detail="timeout") from None
        except httpx.TransportError as exc:
            raise SendError(ErrorKind.TRANSIENT, detail=type(exc).__name__) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.is_success and isinstance(data, dict):
            return data
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        details = error.get("error_data")
        detail = str(
            (details.get("details") if isinstance(details, dict) else None)
            or error.get("message")
            or response.reason_phrase
        )
        retry_after = response.headers.get("Retry-After")
        raise SendError(
            classify(code, response.status_code),
            code=code,
            http_status=response.status_code,
            detail=detail[:300],
            retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
        )

    async def upload(self, attachment: Attachment) -> str:
        """Upload a file; the media id to send it with."""
        await self.pacer.wait()
        data = await self._post(
            "media",
            data={"messaging_product": "whatsapp", "type": attachment.mime_type},
            files={"file": (attachment.filename, attachment.data, attachment.mime_type)},
        )
        media_id = data.get("id")
        if not isinstance(media_id, str):
            raise SendError(ErrorKind.TRANSIENT, detail="no media id in the answer")
        return media_id

    async def _uploaded(self, message: Outgoing) -> Outgoing:
        """`message` with its file uploaded and named by its media id (no upload left)."""
        if message.upload is None:
            return message
        media_id = await self.upload(message.upload)
        kind = message.type
        return Outgoing({**message.body, kind: {**message.body[kind], "id": media_id}})

    async def send(self, to: str, message: Outgoing, *, reply_to: str | None = None) -> str:
        """Send one message (uploading its file first); the message id (wamid) WhatsApp gave.
        Raises SendError on a refusal."""
        message = await self._uploaded(message)
        body: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            **message.body,
        }
        if reply_to:
            body["context"] = {"message_id": reply_to}
        await self.pacer.wait()
        data = await self._post("messages", json=body)
        sent = data.get("messages")
        if not isinstance(sent, list) or not sent or not isinstance(sent[0], dict):
            raise SendError(ErrorKind.TRANSIENT, detail="no message id in the answer")
        return str(sent[0].get("id", ""))

    async def mark_read(self, message_id: str) -> None:
        """Tell WhatsApp a resident's message was read (their blue ticks); one attempt."""
        await self.pacer.wait()
        await self._post(
            "messages",
            json={"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
        )

    # --- with retries ------------------------------------------------------------------

    async def deliver(self, to: str, message: Outgoing, *, reply_to: str | None = None) -> str:
        """`send`, retried up to `attempts` times when waiting fixes the refusal (throughput,
        pair rate, 5xx and timeouts, with growing waits); raises the last SendError."""
        for attempt in range(1, self.attempts + 1):
            try:
                message = await self._uploaded(message)  # once, whatever is retried after
                return await self.send(to, message, reply_to=reply_to)
            except SendError as exc:
                if not exc.kind.retried or attempt == self.attempts:
                    log.info(
                        "WhatsApp: not sent to %s: %s (code %s)",
                        masked(to),
                        exc.kind.value,
                        exc.code,
                    )
                    raise
                wait = exc.retry_after or 1.0
                if exc.kind is ErrorKind.TRANSIENT:
                    wait *= 2 ** (attempt - 1)
                await self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    async def deliver_all(
        self, to: str, messages: Sequence[Outgoing], *, reply_to: str | None = None
    ) -> list[str]:
        """Send a rendered answer in order (the first as the reply); the message ids."""
        ids: list[str] = []
        for i, message in enumerate(messages):
            ids.append(await self.deliver(to, message, reply_to=reply_to if i == 0 else None))
        return ids
