"""The 24-hour window's routing of notices, and the terminal preview of WhatsApp messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.conversation.messages import Attachment, Choice, Message, Venue
from bot.whatsapp.preview import pick, preview
from bot.whatsapp.render import render
from bot.whatsapp.templates import load_templates, template_message
from bot.whatsapp.window import NoticeRoute, route_notice, window_open

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_inside_the_window_a_message_outside_a_template_or_a_wait() -> None:
    templates = load_templates()
    recent, old = NOW - timedelta(hours=3), NOW - timedelta(hours=25)
    assert window_open(recent, NOW) and not window_open(old, NOW)
    assert not window_open(None, NOW)
    assert not window_open(NOW - timedelta(hours=23, minutes=58), NOW)  # too near its end
    assert route_notice("card_printed", recent, NOW, templates) is NoticeRoute.MESSAGE
    assert route_notice("card_printed", old, NOW, templates) is NoticeRoute.TEMPLATE
    del templates["jemput_bola"]
    assert route_notice("jemput_bola", old, NOW, templates) is NoticeRoute.WAIT


def test_the_preview_draws_buttons_lists_and_pins_and_reads_a_typed_choice() -> None:
    buttons = render(
        Message(text="*Siap cetak*", choices=((Choice("d", "Selengkapnya"), Choice("f", "Ikuti")),))
    ).messages[0]
    drawn = preview(buttons)
    assert drawn.text == "*Siap cetak*\n[ 1. Selengkapnya ]  [ 2. Ikuti ]"
    assert pick(drawn.options, "2") == "f" and pick(drawn.options, "selengkapnya") == "d"
    assert pick(drawn.options, "9") is None
    listed = preview(
        render(
            Message(text="FAQ", choices=((Choice("q1", "Bagaimana jika KTP-el saya hilang?"),),))
        ).messages[0]
    )
    assert "≡ Lihat pilihan" in listed.text
    assert "1. Bagaimana jika KTP-el… — Bagaimana jika KTP-el saya hilang?" in listed.text
    pin = preview(render(Message(venue=Venue(-3.2, 102.9, "Kantor", "Muara Beliti"))).messages[0])
    assert pin.text.startswith("📍 Kantor")
    picture = Attachment("picture", "kuitansi.png", b"x", "image/png")
    assert preview(render(Message(text="Ini", attachment=picture)).messages[0]).text == (
        "🖼 kuitansi.png\nIni"
    )
    template = template_message(load_templates(), "staff_answer", {"jawaban": "Bisa, Pak."})
    assert preview(template).text == "[template jawaban_petugas] Bisa, Pak."
