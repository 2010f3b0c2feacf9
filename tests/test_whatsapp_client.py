"""The Cloud API client against the local double over real HTTP: what it sends passes the
double's checks; each kind of refusal is classified and retried or not as its kind says;
uploads; pacing; templates from data/whatsapp_templates.toml."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from whatsapp_double import PHONE_NUMBER_ID, TOKEN, CloudApiDouble

from bot.conversation.messages import Attachment, Choice, Message, Venue
from bot.whatsapp.client import CloudApiClient, ErrorKind, Pacer, SendError, classify
from bot.whatsapp.render import render
from bot.whatsapp.templates import (
    KINDS,
    TemplatesError,
    load_templates,
    parse_templates,
    template_message,
)

WA = "6281234567890"
TEXT = render(Message(text="halo")).messages[0]


class Sleeps:
    """Waits asked for, none waited (a test never sleeps on a timing)."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def double() -> AsyncIterator[CloudApiDouble]:
    async with CloudApiDouble() as server:
        yield server


def client_for(double: CloudApiDouble, sleeps: Sleeps, **kwargs: object) -> CloudApiClient:
    options: dict[str, object] = {
        "api_url": double.url,
        "phone_number_id": PHONE_NUMBER_ID,
        "token": TOKEN,
        "per_second": 1000.0,
        "timeout": 0.5,
        "sleep": sleeps,
    }
    options.update(kwargs)
    return CloudApiClient(**options)  # type: ignore[arg-type]


async def test_a_rendered_answer_is_sent_in_order_as_a_reply(double: CloudApiDouble) -> None:
    message = Message(
        text="Kantor kami *buka*",
        choices=((Choice("a", "Selengkapnya"), Choice("b", "Ikuti")),),
        venue=Venue(-3.2, 102.9, "Disdukcapil", "Muara Beliti"),
    )
    async with client_for(double, Sleeps()) as client:
        ids = await client.deliver_all(WA, render(message).messages, reply_to="wamid.IN1")
    assert ids == [r.message_id for r in double.sent] and len(ids) == 2
    first, second = double.sent_to(WA)
    assert first["context"] == {"message_id": "wamid.IN1"} and "context" not in second
    assert (first["type"], second["type"]) == ("interactive", "location")
    assert double.refused == []


async def test_a_picture_is_uploaded_then_sent_by_its_media_id(double: CloudApiDouble) -> None:
    picture = Attachment("picture", "kuitansi.png", b"\x89PNG...", "image/png")
    async with client_for(double, Sleeps()) as client:
        await client.deliver_all(WA, render(Message(text="Kuitansi", attachment=picture)).messages)
    assert len(double.uploads) == 1
    assert double.uploads[0].body["files"]["file"][0][0] == "kuitansi.png"
    assert double.uploads[0].body["fields"]["messaging_product"] == ["whatsapp"]
    (sent,) = double.sent_to(WA)
    assert sent["image"] == {"caption": "Kuitansi", "id": "media-1"}
    double.fail(status=503, to=WA)  # the message fails once: the file is not sent again
    async with client_for(double, Sleeps()) as client:
        await client.deliver_all(WA, render(Message(text="Lagi", attachment=picture)).messages)
    assert len(double.uploads) == 2 and len(double.sent_to(WA)) == 2


@pytest.mark.parametrize(
    ("failure", "kind", "waits"),
    [
        ({"code": 130429}, ErrorKind.THROTTLED, [1.0]),
        ({"code": 131056}, ErrorKind.PAIR_RATE, [6.0]),
        ({"code": None, "status": 503}, ErrorKind.TRANSIENT, [1.0]),
        ({"code": 131000, "status": 500}, ErrorKind.TRANSIENT, [1.0]),
        ({"timeout": True}, ErrorKind.TRANSIENT, [1.0]),
    ],
)
async def test_what_waiting_fixes_is_retried(
    double: CloudApiDouble, failure: dict[str, object], kind: ErrorKind, waits: list[float]
) -> None:
    double.fail(**failure)  # type: ignore[arg-type]
    sleeps = Sleeps()
    async with client_for(double, sleeps) as client:
        with pytest.raises(SendError) as once:
            await client.send(WA, TEXT)
        assert once.value.kind is kind
        double.fail(**failure)  # type: ignore[arg-type]
        message_id = await client.deliver(WA, TEXT)
    assert message_id == double.sent[-1].message_id
    assert sleeps.waits == waits
    assert len(double.sent) == 1  # sent once in the end


async def test_backoff_grows_and_the_last_refusal_is_raised(double: CloudApiDouble) -> None:
    double.fail(status=502, times=10)
    sleeps = Sleeps()
    async with client_for(double, sleeps, attempts=4) as client:
        with pytest.raises(SendError) as failed:
            await client.deliver(WA, TEXT)
    assert failed.value.kind is ErrorKind.TRANSIENT and failed.value.http_status == 502
    assert sleeps.waits == [1.0, 2.0, 4.0]
    assert double.sent == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (131047, ErrorKind.WINDOW_CLOSED),
        (131026, ErrorKind.RECIPIENT_GONE),
        (131050, ErrorKind.OPTED_OUT),
        (131049, ErrorKind.HELD_BACK),
        (131009, ErrorKind.INVALID),
    ],
)
async def test_what_waiting_does_not_fix_is_raised_at_once(
    double: CloudApiDouble, code: int, kind: ErrorKind
) -> None:
    double.fail(code)
    sleeps = Sleeps()
    async with client_for(double, sleeps) as client:
        with pytest.raises(SendError) as refused:
            await client.deliver(WA, TEXT)
    assert (refused.value.kind, refused.value.code) == (kind, code)
    assert sleeps.waits == [] and len(double.requests) == 1


async def test_a_wrong_token_or_number_id_is_the_operators_to_fix(double: CloudApiDouble) -> None:
    async with client_for(double, Sleeps(), token="wrong") as client:
        with pytest.raises(SendError) as token:
            await client.deliver(WA, TEXT)
    async with client_for(double, Sleeps(), phone_number_id="999") as client:
        with pytest.raises(SendError) as number:
            await client.deliver(WA, TEXT)
    assert (token.value.kind, token.value.code, token.value.http_status) == (
        ErrorKind.ACCOUNT,
        190,
        401,
    )
    assert (number.value.kind, number.value.code) == (ErrorKind.INVALID, 100)


async def test_the_double_refuses_what_the_cloud_api_refuses(double: CloudApiDouble) -> None:
    from bot.whatsapp.render import Outgoing

    four_buttons = Outgoing(
        {
            "type": "interactive",
            "interactive": {
                "type": "button",
                "body": {"text": "x"},
                "action": {
                    "buttons": [
                        {"type": "reply", "reply": {"id": str(i), "title": f"t{i}"}}
                        for i in range(4)
                    ]
                },
            },
        }
    )
    long_text = Outgoing({"type": "text", "text": {"body": "x" * 4097}})
    async with client_for(double, Sleeps()) as client:
        for bad, to in ((four_buttons, WA), (long_text, WA), (TEXT, "not-a-number")):
            with pytest.raises(SendError) as refused:
                await client.deliver(to, bad)
            assert refused.value.kind is ErrorKind.INVALID
    assert len(double.refused) == 3 and double.sent == []


async def test_pacing_spaces_sends_evenly() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))

    pacer = Pacer(80, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await pacer.wait()
    assert waits == [0.0125, 0.025, 0.0375]


def test_classification_without_a_code_falls_back_on_the_http_status() -> None:
    assert classify(None, 429) is ErrorKind.THROTTLED
    assert classify(None, 500) is ErrorKind.TRANSIENT
    assert classify(None, None) is ErrorKind.TRANSIENT
    assert classify(None, 403) is ErrorKind.ACCOUNT
    assert classify(None, 400) is ErrorKind.INVALID
    assert classify(200, 403) is ErrorKind.ACCOUNT


# --- templates ---------------------------------------------------------------------------


async def test_each_shipped_template_is_accepted_by_the_double(double: CloudApiDouble) -> None:
    templates = load_templates()
    assert set(templates) == set(KINDS)
    async with client_for(double, Sleeps()) as client:
        for kind, template in templates.items():
            values = {
                name: f"isi {name}\nbaris dua\t  dan    spasi" for name in template.parameters
            }
            await client.deliver(WA, template_message(templates, kind, values))
    assert len(double.sent) == len(KINDS) and double.refused == []
    parameters = double.sent[0].body["template"]["components"][0]["parameters"]
    assert parameters[0]["text"] == "isi nik baris dua dan spasi"


def test_a_template_needs_exactly_its_parameters() -> None:
    templates = load_templates()
    with pytest.raises(ValueError):
        template_message(templates, "card_printed", {"nik": "1605••••••••0012"})
    with pytest.raises(KeyError):
        template_message({}, "card_printed", {})


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[card_printed]\nname = "x"\nlanguage = "id"\nparameters = ["a"\n', 4, "TOML"),
        ('[card_printed]\nname = "x"\nlanguage = "id"\n', 1, "parameters"),
        ('# c\n\n[kartu]\nname = "x"\n', 3, "tidak dikenal"),
        ('[card_printed]\nname = "Kartu Siap"\nlanguage = "id"\nparameters = []\n', 2, "name"),
        ('[card_printed]\nname = "k"\nlanguage = "Indonesia"\nparameters = []\n', 3, "language"),
        ('[card_printed]\nname = "k"\nlanguage = "id"\nparameters = "nik"\n', 4, "parameters"),
        ('[card_printed]\nname = "k"\nlanguage = "id"\nparameters = []\nbody = "x"\n', 5, "body"),
        ("card_printed = 3\n", 1, "tabel"),
    ],
)
def test_a_broken_templates_file_is_refused_in_one_line_with_its_line_number(
    text: str, line: int, words: str
) -> None:
    with pytest.raises(TemplatesError) as broken:
        parse_templates(text, Path("data/whatsapp_templates.toml"))
    message = str(broken.value)
    assert broken.value.line == line, message
    assert f"baris {line}" in message and words in message
    assert "\n" not in message and message.startswith("Berkas template WhatsApp")


def test_a_missing_templates_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(TemplatesError) as missing:
        load_templates(tmp_path / "none.toml")
    assert "\n" not in str(missing.value)


async def test_the_double_refuses_an_unknown_template_and_a_broken_parameter(
    double: CloudApiDouble,
) -> None:
    from bot.whatsapp.render import Outgoing

    def template(name: str, texts: list[str]) -> Outgoing:
        return Outgoing(
            {
                "type": "template",
                "template": {
                    "name": name,
                    "language": {"code": "id"},
                    "components": [
                        {"type": "body", "parameters": [{"type": "text", "text": t} for t in texts]}
                    ],
                },
            }
        )

    async with client_for(double, Sleeps()) as client:
        for bad in (
            template("kartu_siap", ["x"]),  # not in data/whatsapp_templates.toml
            template("jawaban_petugas", ["baris\nbaru"]),
            template("jawaban_petugas", ["a", "b"]),  # one parameter too many
        ):
            with pytest.raises(SendError) as refused:
                await client.deliver(WA, bad)
            assert refused.value.kind is ErrorKind.INVALID
    assert len(double.refused) == 3
