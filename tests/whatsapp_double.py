"""A local double of the WhatsApp Cloud API, and signed webhook deliveries to the bot.

`CloudApiDouble` is a small HTTP server on 127.0.0.1 (Tornado, on the test's event loop)
answering `POST /{version}/{phone_number_id}/messages` and `.../media` as the Cloud API does,
after checking what it checks:

- `Authorization: Bearer <token>` (else 401, code 190) and the phone number id (else 400,
  code 100);
- the message: `messaging_product` "whatsapp", `to` a phone number in digits (8-15), a known
  `type` with its object: text ≤ 4,096; interactive `button` (1-3 reply buttons, ids ≤ 256
  and distinct, titles 1-20 and distinct, body 1-1,024) or `list` (button label 1-20,
  sections with titles ≤ 24 when more than one, 1-10 rows in all, row ids ≤ 200 and
  distinct, titles 1-24, descriptions ≤ 72); location (latitude, longitude in range);
  image/document (an uploaded media id or a link, caption ≤ 1,024); template (a name from
  data/whatsapp_templates.toml, its language, as many body parameters as it names, none with
  a line break, a tab or more than four spaces in a row); `context.message_id` a string;
- an upload: multipart with `messaging_product` and a `file`;
- marking a resident's message read (`status: read` and its `message_id`).

A refused message gets HTTP 400 with Meta's error object (code 100, or 131009 for a value out
of bounds) and is recorded in `refused`; an accepted one gets a `wamid.` id and is recorded
in `sent`. `fail(code, times=...)` makes the next requests fail with a Cloud API error code
(130429, 131047, 131056, 131026, ...), an HTTP status (`status=503`) or a timeout
(`timeout=True`: no answer until the client gives up).

`message_problems(body)` is the same check as a function (the rendering tests use it).
`sign`, `post_delivery`, `text_message`, `choice_message`, `status_update` build and POST
signed webhook deliveries.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import re
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import tornado.httpserver
import tornado.web

from bot.whatsapp.templates import Template, load_templates

TOKEN = "TEST-WHATSAPP-TOKEN"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
VERSION = "v26.0"

_PHONE = re.compile(r"^\+?\d{8,15}$")
_TYPES = {"text", "interactive", "location", "image", "document", "template", "audio", "video"}
_PARAMETER_FORBIDDEN = re.compile(r"[\n\t]| {5,}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _length_problem(where: str, value: Any, low: int, high: int) -> str | None:
    text = _text(value)
    if text is None:
        return f"{where}: not a string"
    if not low <= len(text) <= high:
        return f"{where}: {len(text)} characters, allowed {low}-{high}"
    if low and not text.strip():
        return f"{where}: blank"
    return None


def _interactive_problems(content: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    kind = content.get("type")
    body = content.get("body")
    if not isinstance(body, dict):
        return ["interactive.body missing"]
    if p := _length_problem("interactive.body.text", body.get("text"), 1, 1024):
        problems.append(p)
    action = content.get("action")
    if not isinstance(action, dict):
        return [*problems, "interactive.action missing"]
    if kind == "button":
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return [*problems, "button: 1-3 buttons allowed"]
        ids, titles = [], []
        for b in buttons:
            reply = b.get("reply") if isinstance(b, dict) else None
            if not isinstance(b, dict) or b.get("type") != "reply" or not isinstance(reply, dict):
                problems.append("button: each button is {type: reply, reply: {id, title}}")
                continue
            for p in (
                _length_problem("button id", reply.get("id"), 1, 256),
                _length_problem("button title", reply.get("title"), 1, 20),
            ):
                if p:
                    problems.append(p)
            ids.append(reply.get("id"))
            titles.append(reply.get("title"))
        if len(set(ids)) != len(ids):
            problems.append("button: ids must be unique")
        if len(set(titles)) != len(titles):
            problems.append("button: titles must be unique")
    elif kind == "list":
        if p := _length_problem("list button", action.get("button"), 1, 20):
            problems.append(p)
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            return [*problems, "list: 1-10 sections"]
        rows_seen: list[Any] = []
        for section in sections:
            if not isinstance(section, dict):
                problems.append("list: a section is an object")
                continue
            titled = len(sections) > 1 or "title" in section
            if titled and (p := _length_problem("section title", section.get("title"), 1, 24)):
                problems.append(p)
            rows = section.get("rows")
            if not isinstance(rows, list) or not rows:
                problems.append("list: a section needs rows")
                continue
            for row in rows:
                if not isinstance(row, dict):
                    problems.append("list: a row is an object")
                    continue
                for p in (
                    _length_problem("row id", row.get("id"), 1, 200),
                    _length_problem("row title", row.get("title"), 1, 24),
                    _length_problem("row description", row.get("description", ""), 0, 72),
                ):
                    if p:
                        problems.append(p)
                rows_seen.append(row.get("id"))
        if len(rows_seen) > 10:
            problems.append(f"list: {len(rows_seen)} rows, at most 10")
        if len(set(rows_seen)) != len(rows_seen):
            problems.append("list: row ids must be unique")
    else:
        problems.append(f"interactive type {kind!r} not known")
    return problems


def _template_problems(
    content: Mapping[str, Any], templates: Mapping[str, Template] | None
) -> list[str]:
    name = content.get("name")
    language = content.get("language")
    known = {t.name: t for t in (templates or {}).values()}
    if templates is not None and name not in known:
        return [f"template {name!r} does not exist"]
    if not isinstance(language, dict) or not isinstance(language.get("code"), str):
        return ["template.language.code missing"]
    template = known.get(str(name))
    if template is not None and language["code"] != template.language:
        return [f"template {name!r} does not exist in {language['code']!r}"]
    parameters: list[Any] = []
    for component in content.get("components", []):
        if isinstance(component, dict) and component.get("type") == "body":
            parameters += component.get("parameters", [])
    problems = []
    if template is not None and len(parameters) != len(template.parameters):
        problems.append(
            f"template {name!r}: {len(parameters)} parameters, expected {len(template.parameters)}"
        )
    for parameter in parameters:
        text = parameter.get("text") if isinstance(parameter, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append("template parameter: empty")
        elif _PARAMETER_FORBIDDEN.search(text):
            problems.append("template parameter: new line, tab or more than 4 spaces")
    return problems


def content_problems(
    body: Mapping[str, Any], templates: Mapping[str, Template] | None = None
) -> list[str]:
    """What the Cloud API would refuse in a message's type and content."""
    kind = body.get("type", "text")
    if kind not in _TYPES:
        return [f"type {kind!r} not supported"]
    content = body.get(kind)
    if not isinstance(content, dict):
        return [f"{kind} object missing"]
    if kind == "text":
        problem = _length_problem("text.body", content.get("body"), 1, 4096)
        return [problem] if problem else []
    if kind == "interactive":
        return _interactive_problems(content)
    if kind == "location":
        lat, lon = content.get("latitude"), content.get("longitude")
        if not isinstance(lat, int | float) or not isinstance(lon, int | float):
            return ["location: latitude and longitude are numbers"]
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return ["location: out of range"]
        return []
    if kind in ("image", "document", "audio", "video"):
        problems = []
        if ("id" in content) == ("link" in content):
            problems.append(f"{kind}: exactly one of id and link")
        if "caption" in content and (
            p := _length_problem(f"{kind}.caption", content["caption"], 1, 1024)
        ):
            problems.append(p)
        return problems
    return _template_problems(content, templates)


def message_problems(
    body: Mapping[str, Any], templates: Mapping[str, Template] | None = None
) -> list[str]:
    """What the Cloud API would refuse in a whole `/messages` request body."""
    problems = []
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product must be whatsapp")
    to = body.get("to")
    if not isinstance(to, str) or not _PHONE.match(to):
        problems.append(f"to: not a phone number: {to!r}")
    context = body.get("context")
    if context is not None and not (
        isinstance(context, dict) and isinstance(context.get("message_id"), str)
    ):
        problems.append("context.message_id must be a string")
    return problems + content_problems(body, templates)


@dataclass
class Failure:
    code: int | None = None
    status: int = 400
    timeout: bool = False
    times: int = 1
    to: str | None = None  # only requests to this number


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: Any
    answered: int = 0
    message_id: str | None = None
    at: float = field(default_factory=time.monotonic)  # when it arrived (for rate checks)


@dataclass
class CloudApiDouble:
    token: str = TOKEN
    phone_number_id: str = PHONE_NUMBER_ID
    templates: Mapping[str, Template] | None = field(default_factory=load_templates)
    requests: list[Request] = field(default_factory=list)
    sent: list[Request] = field(default_factory=list)
    refused: list[Request] = field(default_factory=list)
    uploads: list[Request] = field(default_factory=list)
    read: list[Request] = field(default_factory=list)  # "mark as read" requests
    failures: list[Failure] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._server: tornado.httpserver.HTTPServer | None = None
        self._held = asyncio.Event()

    @property
    def url(self) -> str:
        """What WHATSAPP_API_URL would be."""
        return f"http://127.0.0.1:{self.port}/{VERSION}"

    async def start(self) -> CloudApiDouble:
        app = tornado.web.Application(
            [(r"/(v\d+\.\d+)/([^/]+)/(messages|media)", _DoubleHandler, {"double": self})]
        )
        sock = socket.create_server(("127.0.0.1", 0))
        sock.setblocking(False)
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets([sock])
        self.port = int(sock.getsockname()[1])
        return self

    async def close(self) -> None:
        self._held.set()
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()

    async def __aenter__(self) -> CloudApiDouble:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def fail(
        self,
        code: int | None = None,
        *,
        status: int = 400,
        timeout: bool = False,
        times: int = 1,
        to: str | None = None,
    ) -> None:
        self.failures.append(Failure(code, status, timeout, times, to))

    def take_failure(self, to: str | None) -> Failure | None:
        for failure in self.failures:
            if failure.to is None or failure.to == to:
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
                return failure
        return None

    def next_id(self) -> str:
        return f"wamid.TEST{next(self._ids):06d}"

    def sent_to(self, to: str) -> list[dict[str, Any]]:
        return [r.body for r in self.sent if r.body.get("to") == to]


def error_body(code: int, message: str, details: str = "") -> dict[str, Any]:
    return {
        "error": {
            "message": f"(#{code}) {message}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or message},
            "fbtrace_id": "ATestTraceId",
        }
    }


class _DoubleHandler(tornado.web.RequestHandler):
    double: CloudApiDouble

    def initialize(self, double: CloudApiDouble) -> None:
        self.double = double

    def check_xsrf_cookie(self) -> None:
        return None

    def _answer(self, status: int, body: dict[str, Any], record: Request) -> None:
        record.answered = status
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    async def post(self, version: str, number_id: str, what: str) -> None:
        double = self.double
        headers = dict(self.request.headers)
        if what == "messages":
            try:
                body: Any = json.loads(self.request.body or b"null")
            except ValueError:
                body = None
        else:
            body = {
                "fields": {
                    k: [v.decode() for v in vs] for k, vs in self.request.body_arguments.items()
                },
                "files": {
                    k: [(f.filename, len(f.body), f.content_type) for f in fs]
                    for k, fs in self.request.files.items()
                },
            }
        record = Request(self.request.path, headers, body)
        double.requests.append(record)
        if self.request.headers.get("Authorization") != f"Bearer {double.token}":
            self._answer(401, error_body(190, "Invalid OAuth access token"), record)
            return
        if number_id != double.phone_number_id:
            self._answer(
                400,
                error_body(
                    100, f"Unsupported post request. Object with ID '{number_id}' does not exist"
                ),
                record,
            )
            return
        to = body.get("to") if isinstance(body, dict) and what == "messages" else None
        failure = double.take_failure(to)
        if failure is not None:
            if failure.timeout:
                await double._held.wait()
                return
            if failure.code is None:
                self._answer(failure.status, {"error": {"message": "Service unavailable"}}, record)
            else:
                self._answer(failure.status, error_body(failure.code, "injected failure"), record)
            return
        if what == "media":
            fields = body["fields"]
            if fields.get("messaging_product") != ["whatsapp"] or "file" not in body["files"]:
                double.refused.append(record)
                self._answer(400, error_body(100, "Invalid parameter", "file missing"), record)
                return
            double.uploads.append(record)
            self._answer(200, {"id": f"media-{len(double.uploads)}"}, record)
            return
        if isinstance(body, dict) and "status" in body:  # marking a message read
            ok = (
                body.get("messaging_product") == "whatsapp"
                and body.get("status") == "read"
                and isinstance(body.get("message_id"), str)
            )
            (double.read if ok else double.refused).append(record)
            self._answer(
                200 if ok else 400,
                {"success": True} if ok else error_body(100, "Invalid parameter"),
                record,
            )
            return
        problems = (
            message_problems(body, double.templates)
            if isinstance(body, dict)
            else ["body is not a JSON object"]
        )
        if problems:
            double.refused.append(record)
            code = 131009 if any("characters" in p for p in problems) else 100
            self._answer(400, error_body(code, "Invalid parameter", "; ".join(problems)), record)
            return
        record.message_id = double.next_id()
        double.sent.append(record)
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
            "messages": [{"id": record.message_id}],
        }
        if body.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        self._answer(200, answer, record)


# --- webhook deliveries ------------------------------------------------------------------


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-ID", "changes": [{"value": value, "field": "messages"}]}],
    }


def inbound_message(
    wa_id: str,
    message_type: str,
    content: dict[str, Any],
    *,
    message_id: str,
    timestamp: int = 1_765_000_000,
    name: str = "Warga Uji",
    reply_to: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": message_type,
        message_type: content,
    }
    if reply_to:
        message["context"] = {"from": "6281100000000", "id": reply_to}
    return envelope(
        {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
    )


def text_message(wa_id: str, text: str, *, message_id: str, **kwargs: Any) -> dict[str, Any]:
    return inbound_message(wa_id, "text", {"body": text}, message_id=message_id, **kwargs)


def choice_message(
    wa_id: str, choice_id: str, title: str, *, message_id: str, list_row: bool = False, **kw: Any
) -> dict[str, Any]:
    reply_kind = "list_reply" if list_row else "button_reply"
    content = {"type": reply_kind, reply_kind: {"id": choice_id, "title": title}}
    return inbound_message(wa_id, "interactive", content, message_id=message_id, **kw)


def status_update(
    message_id: str,
    status: str,
    recipient: str,
    *,
    error_code: int | None = None,
    timestamp: int = 1_765_000_100,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp),
        "recipient_id": recipient,
    }
    if error_code is not None:
        item["errors"] = [{"code": error_code, "title": "injected", "message": "injected"}]
    return envelope({"statuses": [item]})


async def post_delivery(
    url: str,
    payload: dict[str, Any] | bytes,
    *,
    secret: str | None = APP_SECRET,
    signature: str | None = None,
    http: httpx.AsyncClient | None = None,
) -> httpx.Response:
    """POST a webhook delivery to `url`, signed with `secret` (or with `signature` as given;
    no header at all when both are None)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif secret is not None:
        headers["X-Hub-Signature-256"] = sign(body, secret)
    if http is not None:
        return await http.post(url, content=body, headers=headers)
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, content=body, headers=headers)
