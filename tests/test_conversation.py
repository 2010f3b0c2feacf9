"""A resident's conversation, driven as a resident would: everyday words, the main-menu buttons,
the office on a map, the questions people often ask, and the admin's /kantor and /faq."""

from __future__ import annotations

import re

from conftest import ADMIN_ID, STAFF_ID, BotEnv
from resident_support import KK, NIK, add_record
from staff_support import audit_rows
from test_intents import PHRASINGS

from bot import texts_everyday, texts_id, texts_staff
from bot.domain.intents import Intent
from bot.domain.markup import plain
from bot.domain.understanding import describe
from bot.local_api import BotMessage, LocalUser
from bot.services import faq
from bot.services.office import TEXT_LIMIT, load_office_info
from bot.states import KtpStatus

K = Intent
MENU = texts_id.MAIN_MENU_LABELS
LAT, LON = -3.2867, 103.0203
PROXY = "Boleh diambil suami, istri, orang tua atau anak, dengan membawa KK asli dan surat kuasa."


def _faq_title(key: str) -> str:
    return next(d.title for d in texts_id.FAQ_DEFAULTS if d.key == key)


def _kind_of_answer(replies: list[BotMessage]) -> Intent | None:
    """Which intent the bot's answer serves, read as the resident reads it."""
    text = "\n".join(m.plain for m in replies)
    first = replies[0].plain
    head, _, rest = first.partition("\n\n")
    if rest and head.endswith((". 👋", ". 🙏")):  # greeted back above the answer
        first = rest
    if first.startswith(("Maaf, saya belum mengerti", "Maksud Bapak/Ibu yang mana?")):
        return None
    for name, answer in texts_everyday.INTENT_ANSWERS.items():  # a finer intent: its phrase section
        if first == plain(answer):
            section = describe(name)
            return section.phrase_intent if section else None
    if first.startswith("Wa'alaikumsalam"):
        return K.SALAM
    if first.startswith(("Halo, ", "Selamat ")) and "Ada yang bisa kami bantu?" in first:
        return K.SAPA
    if first.startswith("Sama-sama"):
        return K.TERIMA_KASIH
    if first.startswith("Baik. 👍"):
        return K.YA
    if first.startswith("Baik, tidak apa-apa"):
        return K.TIDAK
    if replies[0].venue is not None or first.startswith(texts_id.OFFICE_NAME):
        return K.ALAMAT
    if first.startswith("🕗 Jam layanan kantor"):
        return K.JAM
    if first.startswith("☎️ Kontak kantor"):
        return K.KONTAK
    if first.startswith("KTP-el yang sudah dicetak diambil di"):
        return K.AMBIL
    if first == plain(texts_id.NO_FAMILY_YET):
        return K.KELUARGA
    if first.startswith("Cara memakai Cek KTP-el"):
        return K.BANTUAN
    if first == plain(texts_id.ASK_NIK):
        return K.CEK
    for intent, key in {
        K.BLANKO: "blanko",
        K.PUSAT: "pusat",
        K.SYARAT: "bawa",
        K.WAKIL: "wakil",
        K.HILANG: "hilang",
        K.REKAM: "rekam",
    }.items():
        if first.startswith(f"❓ {_faq_title(key)}"):
            return intent
    raise AssertionError(f"an answer of no known kind: {text!r}")


# --- everyday words ---------------------------------------------------------------------------

#: Where the classifier (issue 20) reads a phrasing better than the phrase table did.
READ_NOW: dict[str, Intent | None] = {"apa kabar": K.SAPA}


async def test_every_real_phrasing_gets_the_answer_that_fits_and_the_buttons(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    sent = [(text, READ_NOW.get(text, want)) for text, want in PHRASINGS if text]  # none empty
    assert len(sent) >= 60
    wrong = []
    for text, want in sent:
        replies = await resident.send(text)
        assert replies, text
        got = _kind_of_answer(replies)
        if got != want:
            wrong.append((text, want, got))
        last = replies[-1]  # every answer ends with the menu, or buttons of its own
        assert last.reply_keyboard is not None or last.reply_markup, text
    assert wrong == []


async def test_a_greeting_is_greeted_back_in_kind(resident: LocalUser) -> None:
    assert (await resident.send("Assalamualaikum"))[0].plain.startswith(
        "Wa'alaikumsalam warahmatullahi wabarakatuh, Siti."
    )
    assert (await resident.send("selamat pagi pak"))[0].plain.startswith("Selamat pagi, Siti!")
    assert (await resident.send("malam"))[0].plain.startswith("Selamat malam, Siti!")
    assert (await resident.send("p"))[0].plain.startswith("Halo, Siti!")
    thanks = (await resident.send("makasih 🙏"))[0].plain
    assert thanks.startswith("Sama-sama, Siti.") and "Bapak/Ibu" in thanks


async def test_what_the_bot_is_unsure_of_gets_choices_and_a_person(
    resident: LocalUser,
) -> None:
    (reply,) = await resident.send("foto di ktp jelek bisa ganti?")
    assert reply.plain.startswith("Maksud Bapak/Ibu yang mana?")
    assert len(reply.plain.splitlines()) == 2
    assert re.search(r"(^|\s)/\w", reply.plain) is None  # no command list
    labels = [b["text"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert 3 <= len(labels) <= 4 and labels[-1] == texts_everyday.BTN_ASK_STAFF
    for nothing_to_read in ("???", "wkwk"):
        (nothing,) = await resident.send(nothing_to_read)
        assert nothing.plain == plain(texts_everyday.NOT_UNDERSTOOD_WITH_PERSON)


async def test_cek_ktp_while_the_kk_is_awaited_asks_for_the_kk(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    await resident.send(NIK)
    (reply,) = await resident.send("cek ktp saya")
    assert "menunggu nomor KK" in reply.plain and "0012" in reply.plain
    answer = await resident.send(KK)  # the KK still completes the check
    assert texts_id.STATUS_TEXTS[KtpStatus.SENT_FOR_ENROLLMENT].title in answer[0].plain


# --- buttons instead of commands --------------------------------------------------------------


async def test_start_shows_the_main_menu_two_buttons_a_row(resident: LocalUser) -> None:
    (reply,) = await resident.send("/start")
    assert len(reply.plain.splitlines()) <= 5  # short: a greeting and how to check
    assert resident.keyboard is not None
    assert [label for row in resident.keyboard for label in row] == list(MENU)
    assert all(len(row) <= 2 for row in resident.keyboard)
    assert reply.reply_markup and reply.reply_markup["resize_keyboard"] is True
    assert reply.reply_markup["is_persistent"] is True


async def test_a_new_resident_needs_no_command_every_button_answers(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await resident.send("halo")  # no /start: the first answer brings the buttons
    assert resident.keyboard is not None
    for label in MENU:
        replies = await resident.press(label)
        assert replies, label
        text = "\n".join(m.plain for m in replies)
        assert "belum mengerti" not in text and "tidak dikenal" not in text, label
        assert len(text) > 40, label
    assert resident.keyboard is not None  # still there after every answer


async def test_the_check_button_asks_for_the_nik_and_the_check_works(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    await resident.send("/start")
    (ask,) = await resident.press(texts_id.MENU_CHECK)
    assert ask.plain == plain(texts_id.ASK_NIK)
    answer = await resident.send(f"{NIK} {KK}")
    assert texts_id.STATUS_TEXTS[KtpStatus.SENT_FOR_ENROLLMENT].title in answer[0].plain


async def test_the_family_button_lists_the_cards_followed(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    (none_yet,) = await resident.send(texts_id.MENU_FAMILY)
    assert none_yet.plain == plain(texts_id.NO_FAMILY_YET)
    await add_record(bot_env)
    await resident.send(f"{NIK} {KK}")
    await resident.press(texts_id.BTN_SUBSCRIBE)
    listed = await resident.send(texts_id.MENU_FAMILY)
    assert "0012" in listed[0].plain


async def test_a_menu_press_while_a_label_is_asked_is_not_taken_as_the_label(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    await add_record(bot_env)
    await resident.send(f"{NIK} {KK}")
    await resident.press(texts_id.BTN_SUBSCRIBE)
    replies = await resident.send(texts_id.MENU_OFFICE)
    assert replies[-1].plain.startswith(texts_id.OFFICE_NAME)
    listed = await resident.send(texts_id.MENU_FAMILY)
    assert texts_id.MENU_OFFICE not in listed[0].plain


async def test_help_is_short_and_every_command_still_works(resident: LocalUser) -> None:
    (reply,) = await resident.send("/bantuan")
    assert len(reply.plain.splitlines()) <= 14
    assert resident.keyboard is not None
    for command in ("/cek", "/langganan", "/privasi", "/berhenti"):
        answer = await resident.send(command)
        assert answer and "tidak dikenal" not in answer[0].plain, command


# --- the office on a map ----------------------------------------------------------------------


async def test_without_a_pin_the_office_button_gives_the_address_alone(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    replies = await resident.send(texts_id.MENU_OFFICE)
    assert len(replies) == 1 and replies[0].venue is None
    text = replies[0].plain
    assert "Alamat: Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti" in text
    assert "Jam layanan:" in text and "Kontak:" in text


async def test_the_admin_puts_the_office_on_the_map_and_residents_get_a_venue(
    bot_env: BotEnv, admin: LocalUser, resident: LocalUser
) -> None:
    text = (await admin.send(f"/kantor lokasi {LAT}, {LON}"))[0].plain
    assert "Lokasi di peta diubah." in text and "-3.286700,103.020300" in text
    await admin.send("/kantor kontak 0812-3456-7890 (WhatsApp)")

    venue, details = await resident.send(texts_id.MENU_OFFICE)
    assert venue.venue is not None
    assert venue.venue["title"] == texts_id.OFFICE_NAME
    assert venue.venue["address"] == "Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti"
    assert (venue.location or {}) == {"latitude": LAT, "longitude": LON}
    assert "Jam layanan: Senin–Jumat" in details.plain
    assert "0812-3456-7890 (WhatsApp)" in details.plain
    assert details.reply_keyboard is not None
    # "alamat kantor" typed gets the same
    typed = await resident.send("alamat kantor dimana")
    assert typed[0].venue is not None

    rows = await audit_rows(bot_env, "ubah_kantor")
    assert (rows[0].target, rows[0].old_value, rows[0].new_value) == (
        "lokasi",
        None,
        "-3.286700,103.020300",
    )
    assert "Lokasi di peta diubah." in (await admin.send("/kantor lokasi hapus"))[0].plain
    assert (await load_office_info(bot_env.services.db.conn)).location is None
    assert len(await resident.send(texts_id.MENU_OFFICE)) == 1


async def test_the_pin_may_be_sent_after_kantor_lokasi_even_across_a_restart(
    bot_env: BotEnv, admin: LocalUser, resident: LocalUser
) -> None:
    ask = (await admin.send("/kantor lokasi"))[0].plain
    assert "Kirim titik lokasi kantor" in ask
    await bot_env.restart()
    admin = bot_env.api.user(ADMIN_ID, "Rina")
    (done,) = await admin.send_location(LAT, LON)
    assert "Lokasi di peta diubah." in done.plain
    assert (await load_office_info(bot_env.services.db.conn)).location == (LAT, LON)
    # The step is over: the admin's next pin is an ordinary message.
    (again,) = await admin.send_location(1.0, 2.0)
    assert again.plain.startswith("Maaf, saya hanya bisa membaca tulisan")
    # A resident's pin never moves the office.
    (other,) = await bot_env.api.user(1001, "Siti").send_location(0.5, 0.5)
    assert other.plain.startswith("Maaf, saya hanya bisa membaca tulisan")
    assert (await load_office_info(bot_env.services.db.conn)).location == (LAT, LON)
    assert len(await audit_rows(bot_env, "ubah_kantor")) == 1


async def test_bad_coordinates_are_refused(bot_env: BotEnv, admin: LocalUser) -> None:
    for bad in ("di sini", "91,100", "-3.2 200", "0,0", "maps.google.com"):
        text = (await admin.send(f"/kantor lokasi {bad}"))[0].plain
        assert "Koordinat tidak bisa dibaca" in text, bad
    assert await audit_rows(bot_env, "ubah_kantor") == []


# --- whether someone else may collect ---------------------------------------------------------


async def test_diwakilkan_is_an_office_setting_every_answer_about_collecting_reads(
    bot_env: BotEnv, admin: LocalUser, resident: LocalUser
) -> None:
    default = (await resident.send("bisa diwakilkan?"))[0].plain
    assert "tanyakan dulu ke kantor" in default
    assert "surat kuasa" in default

    text = (await admin.send(f"/kantor diwakilkan {PROXY}"))[0].plain
    assert "Boleh diambilkan orang lain? diubah." in text
    assert (await load_office_info(bot_env.services.db.conn)).proxy_pickup == PROXY
    assert PROXY in (await resident.send("suami saya bisa ambilkan?"))[0].plain
    assert PROXY in (await admin.send("/kantor"))[0].plain
    (row,) = await audit_rows(bot_env, "ubah_kantor")
    assert (row.target, row.new_value) == ("diwakilkan", PROXY)
    assert row.old_value == texts_id.OFFICE_PROXY_PICKUP_DEFAULT


# --- questions people often ask ---------------------------------------------------------------


async def test_faq_buttons_answer_within_one_screen_even_with_the_longest_office_texts(
    bot_env: BotEnv, admin: LocalUser, resident: LocalUser
) -> None:
    for field in ("alamat", "jam", "kontak", "pengambilan", "diwakilkan"):
        await admin.send(f"/kantor {field} {'x' * TEXT_LIMIT}")
    (listing,) = await resident.send(texts_id.MENU_FAQ)
    assert listing.buttons == [d.title for d in texts_id.FAQ_DEFAULTS]
    for default in texts_id.FAQ_DEFAULTS:
        (answer,) = await resident.press(default.title)
        assert answer.plain.startswith(f"❓ {default.title}")
        assert len(answer.plain) <= texts_id.FAQ_ANSWER_LIMIT, default.key
        assert answer.buttons == [texts_id.BTN_FAQ_MORE]
    (again,) = await resident.press(texts_id.BTN_FAQ_MORE)
    assert again.buttons == listing.buttons


async def test_the_default_answers_fit_and_speak_to_bapak_ibu(bot_env: BotEnv) -> None:
    office = await load_office_info(bot_env.services.db.conn)
    for entry in await faq.entries(bot_env.services.db.conn):
        text = plain(faq.render(entry, office))
        assert len(text) <= texts_id.FAQ_ANSWER_LIMIT, entry.key
        assert "Anda" not in text and "ribbon" not in text and "film" not in text, entry.key


async def test_the_admin_rewrites_adds_hides_and_restores_answers(
    bot_env: BotEnv, admin: LocalUser, resident: LocalUser
) -> None:
    listing = (await admin.send("/faq"))[0].plain
    assert "1. Apa itu blanko? Mengapa bisa habis?" in listing and "/faq ubah N TEKS" in listing

    new_blanko = "Blanko adalah kartu kosong.\nStok kami sekarang cukup untuk 2 minggu."
    reply = (await admin.send(f"/faq ubah 1 {new_blanko}"))[0].plain
    assert reply.startswith("✅ Jawaban nomor 1")
    answer = (await resident.send("blanko habis?"))[0].plain
    assert "Stok kami sekarang cukup untuk 2 minggu." in answer

    reply = (await admin.send("/faq tambah Berapa biayanya? | Gratis, tidak dipungut biaya."))[0]
    assert reply.plain == "✅ Pertanyaan nomor 7 ditambahkan: Berapa biayanya?."
    (listing_msg,) = await resident.send(texts_id.MENU_FAQ)
    assert listing_msg.buttons[-1] == "Berapa biayanya?"
    (fee,) = await resident.press("Berapa biayanya?")
    assert "Gratis, tidak dipungut biaya." in fee.plain

    assert "disembunyikan" in (await admin.send("/faq hapus 2"))[0].plain
    assert "dihapus" in (await admin.send("/faq hapus 7"))[0].plain
    (listing_msg,) = await resident.send(texts_id.MENU_FAQ)
    assert _faq_title("pusat") not in listing_msg.buttons
    assert "Berapa biayanya?" not in listing_msg.buttons
    # "kenapa lama di pusat" now gets the list of the other answers, not an empty reply
    assert (await resident.send("kenapa lama di pusat"))[0].buttons == listing_msg.buttons

    assert "kembali memakai jawaban bawaan" in (await admin.send("/faq asal 2"))[0].plain
    assert "kembali memakai jawaban bawaan" in (await admin.send("/faq asal 1"))[0].plain
    assert "sudah memakai jawaban bawaan" in (await admin.send("/faq asal 1"))[0].plain
    (listing_msg,) = await resident.send(texts_id.MENU_FAQ)
    assert listing_msg.buttons == [d.title for d in texts_id.FAQ_DEFAULTS]

    rows = await audit_rows(bot_env, "ubah_faq")
    assert [(r.actor_id, r.target, r.detail) for r in rows] == [
        (ADMIN_ID, "blanko", "ubah"),
        (ADMIN_ID, "t2", "tambah"),
        (ADMIN_ID, "pusat", "hapus"),
        (ADMIN_ID, "t2", "hapus"),
        (ADMIN_ID, "pusat", "asal"),
        (ADMIN_ID, "blanko", "asal"),
    ]
    assert rows[0].new_value == new_blanko


async def test_faq_bad_input(bot_env: BotEnv, admin: LocalUser) -> None:
    assert "Nomornya 1 sampai 6" in (await admin.send("/faq ubah 9 teks"))[0].plain
    assert "Tulis teksnya juga" in (await admin.send("/faq ubah 1"))[0].plain
    assert "Teks terlalu panjang" in (await admin.send(f"/faq ubah 1 {'x' * 600}"))[0].plain
    assert "dipisah tanda |" in (await admin.send("/faq tambah Judul saja"))[0].plain
    assert "tidak punya jawaban bawaan" not in (await admin.send("/faq asal 3"))[0].plain
    await admin.send("/faq tambah Judul | Teks")
    assert "tidak punya jawaban bawaan" in (await admin.send("/faq asal 7"))[0].plain
    assert "Nomor 2:" in (await admin.send("/faq lihat 2"))[0].plain
    assert [r.detail for r in await audit_rows(bot_env, "ubah_faq")] == ["tambah"]


async def test_faq_is_refused_to_staff_and_residents_and_audited(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    assert (await staff.send("/faq ubah 1 Habis."))[0].plain == texts_staff.ADMIN_ONLY
    reply = (await resident.send("/faq ubah 1 Habis."))[0].plain
    assert "tidak dikenal" in reply
    assert await audit_rows(bot_env, "ubah_faq") == []
    refused = await audit_rows(bot_env, "ditolak")
    assert [(r.actor_id, r.target, r.detail) for r in refused] == [
        (STAFF_ID, "/faq", "bukan admin"),
        (1001, "/faq", "bukan petugas"),
    ]
    assert "faq" in bot_env.api.commands_for("chat", ADMIN_ID)
