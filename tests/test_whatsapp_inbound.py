"""Cloud API webhook payloads read as plain values: every message type a resident can send,
the statuses of what the bot sent, and whatever else arrives, never an exception."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from whatsapp_double import choice_message, envelope, inbound_message, status_update, text_message

from bot.whatsapp.inbound import (
    Delivery,
    InboundKind,
    Location,
    StatusKind,
    event_fields,
    masked,
    parse,
)

WA = "6281234567890"


def one(payload: dict[str, Any]) -> Any:
    delivery = parse(payload)
    assert len(delivery.messages) == 1 and not delivery.statuses
    return delivery.messages[0]


def test_a_text_with_the_senders_profile_and_the_message_it_replies_to() -> None:
    message = one(
        text_message(WA, "halo", message_id="wamid.1", timestamp=1_765_000_000, reply_to="wamid.0")
    )
    assert message.kind is InboundKind.TEXT and message.text == "halo"
    assert message.wa_id == WA and message.profile_name == "Warga Uji"
    assert message.message_id == "wamid.1" and message.reply_to == "wamid.0"
    assert message.timestamp == datetime.fromtimestamp(1_765_000_000, UTC)
    assert message.phone_number_id is not None


def test_a_pressed_button_a_list_row_and_a_templates_quick_reply_give_the_choice_id() -> None:
    button = one(choice_message(WA, "detail:7", "Selengkapnya", message_id="wamid.2"))
    row = one(choice_message(WA, "kec:160501", "Tugumulyo", message_id="wamid.3", list_row=True))
    quick = one(
        inbound_message(
            WA, "button", {"payload": "stop-news", "text": "Berhenti"}, message_id="wamid.4"
        )
    )
    assert (button.kind, button.choice_id, button.text) == (
        InboundKind.CHOICE,
        "detail:7",
        "Selengkapnya",
    )
    assert (row.kind, row.choice_id) == (InboundKind.CHOICE, "kec:160501")
    assert (quick.kind, quick.choice_id) == (InboundKind.CHOICE, "stop-news")


def test_location_files_reactions_and_the_unknown() -> None:
    place = one(
        inbound_message(
            WA,
            "location",
            {"latitude": -3.2, "longitude": 102.9, "name": "Rumah", "address": "Jl. Mawar"},
            message_id="wamid.5",
        )
    )
    assert place.location == Location(-3.2, 102.9, "Rumah", "Jl. Mawar")
    photo = one(
        inbound_message(
            WA,
            "image",
            {"id": "m1", "mime_type": "image/jpeg", "sha256": "x", "caption": "ktp saya"},
            message_id="wamid.6",
        )
    )
    assert photo.kind is InboundKind.IMAGE and photo.media.media_id == "m1"
    assert photo.text == "ktp saya"
    doc = one(
        inbound_message(
            WA,
            "document",
            {"id": "m2", "filename": "kk.pdf", "mime_type": "application/pdf"},
            message_id="wamid.7",
        )
    )
    assert doc.kind is InboundKind.DOCUMENT and doc.media.filename == "kk.pdf"
    voice = one(inbound_message(WA, "audio", {"id": "m3", "voice": True}, message_id="wamid.8"))
    sticker = one(inbound_message(WA, "sticker", {"id": "m4"}, message_id="wamid.9"))
    reaction = one(
        inbound_message(
            WA, "reaction", {"message_id": "wamid.out", "emoji": "👍"}, message_id="wamid.10"
        )
    )
    odd = one(
        inbound_message(
            WA,
            "unsupported",
            {},
            message_id="wamid.11",
        )
    )
    assert voice.kind is InboundKind.AUDIO and sticker.kind is InboundKind.STICKER
    assert reaction.kind is InboundKind.REACTION and reaction.reacted_to == "wamid.out"
    assert reaction.text == "👍"
    assert odd.kind is InboundKind.UNSUPPORTED


def test_statuses_with_a_failures_code() -> None:
    delivered = parse(status_update("wamid.out1", "delivered", WA)).statuses
    failed = parse(status_update("wamid.out2", "failed", WA, error_code=131026)).statuses
    other = parse(status_update("wamid.out3", "deleted", WA)).statuses
    assert [(s.message_id, s.status, s.error_code) for s in delivered + failed + other] == [
        ("wamid.out1", StatusKind.DELIVERED, None),
        ("wamid.out2", StatusKind.FAILED, 131026),
        ("wamid.out3", StatusKind.OTHER, None),
    ]
    assert failed[0].recipient == WA


def test_several_entries_and_changes_in_one_delivery_and_other_fields_skipped() -> None:
    first = text_message(WA, "satu", message_id="wamid.a")
    second = text_message("6289876543210", "dua", message_id="wamid.b")
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            first["entry"][0],
            {"id": "x", "changes": [*second["entry"][0]["changes"], {"field": "account_update"}]},
            {"id": "y", "changes": [{"field": "message_template_status_update", "value": {}}]},
        ],
    }
    delivery = parse(payload)
    assert [(m.text, m.wa_id) for m in delivery.messages] == [
        ("satu", WA),
        ("dua", "6289876543210"),
    ]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["entry", "changes", "value", "messages", "statuses", "type", "id", "from"]
            )
            | st.text(max_size=3),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


@given(_json)
def test_any_json_is_read_without_an_exception(payload: Any) -> None:
    assert isinstance(parse(payload), Delivery)
    assert isinstance(parse(envelope({"messages": [payload], "statuses": [payload]})), Delivery)


def test_the_conversation_gets_the_wa_id_as_both_keys_and_one_kind_of_content() -> None:
    fields = event_fields(one(choice_message(WA, "faq:3", "Biaya", message_id="wamid.c")))
    assert fields["channel"] == "whatsapp"
    assert fields["conversation"] == fields["person"] == WA
    assert fields["button"] == "faq:3" and fields["text"] is None
    assert fields["attachment"] is None and fields["name"] == "Warga"
    photo = event_fields(
        one(inbound_message(WA, "image", {"id": "m", "caption": "ktp"}, message_id="wamid.d"))
    )
    assert (photo["attachment"], photo["caption"], photo["text"]) == ("photo", "ktp", None)
    sticker = event_fields(one(inbound_message(WA, "sticker", {"id": "s"}, message_id="wamid.e")))
    assert sticker["attachment"] == "other"
    text = event_fields(one(text_message(WA, "halo", message_id="wamid.f", reply_to="wamid.x")))
    assert (text["text"], text["reply_to"]) == ("halo", "wamid.x")


def test_a_wa_id_is_masked_for_logs() -> None:
    assert masked("6281234567890") == "62••••••••890"
    assert "1234567" not in masked("6281234567890")
    assert masked("123") == "•••"


def test_only_the_offices_number_and_only_whatsapp_business_accounts() -> None:
    payload = text_message(WA, "halo", message_id="wamid.n")
    number = payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]
    assert len(parse(payload, number).messages) == 1
    assert parse(payload, "another-number").messages == []
    assert parse(status_update("wamid.s", "sent", WA), "another-number").statuses == []
    assert parse({**payload, "object": "page"}).messages == []
