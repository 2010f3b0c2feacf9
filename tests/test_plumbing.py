"""The bot on the in-process Bot API: welcome, help, menus per audience, failures survived."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADMIN_ID, RESIDENT_ID, STAFF_ID, BotEnv, test_settings
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from bot import texts_id as texts
from bot import texts_ops
from bot.app import build_application, start_in_process, stop_in_process
from bot.cli.run import webhook_path
from bot.domain.commands import command_name
from bot.local_api import LocalBotApi, LocalUser, parse_html

RESIDENT_MENU = [
    "start",
    "cek",
    "langganan",
    "berhenti",
    "pengumuman",
    "tanya",
    "jadwal",
    "hapusdata",
    "privasi",
    "bantuan",
]


async def test_start_in_private_chat_welcomes_in_indonesian(resident: LocalUser) -> None:
    replies = await resident.send("/start")
    assert len(replies) == 1
    text = replies[0].plain
    assert "Halo, Siti! Selamat datang di Cek KTP-el" in text
    assert "Disdukcapil" in text and "Musi Rawas" in text
    assert "ketik NIK Bapak/Ibu" in text
    assert resident.keyboard and texts.MENU_OFFICE in resident.keyboard[1]  # the office's button
    assert "<b>Cek KTP-el</b>" in replies[0].text  # sent as HTML


async def test_start_in_group_points_to_private_chat(bot_env: BotEnv, resident: LocalUser) -> None:
    group = bot_env.api.group(-100123, "Warga Tugumulyo")
    replies = await group.send(resident, "/start@CekKtpElBot")
    assert len(replies) == 1
    assert "hanya bisa dicek lewat chat pribadi" in replies[0].plain
    assert "@CekKtpElBot" in replies[0].plain
    assert resident.messages == []  # nothing said in private


async def test_group_chatter_and_other_bots_commands_get_no_answer(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    group = bot_env.api.group(-100124)
    assert await group.send(resident, "selamat pagi semua") == []
    assert await group.send(resident, "/start@AnotherBot") == []
    replies = await group.send(resident, "/tidakada")
    assert "chat pribadi" in replies[0].plain


async def test_help_lists_the_commands_and_the_office(resident: LocalUser) -> None:
    replies = await resident.send("/bantuan")
    text = replies[0].plain
    for command in RESIDENT_MENU[1:-1]:  # all but /start and /bantuan itself
        assert f"/{command}" in text
    assert "Perintah petugas" not in text
    assert "Kantor Disdukcapil Kabupaten Musi Rawas" in text


async def test_unknown_command_gets_help(resident: LocalUser) -> None:
    replies = await resident.send("/apaini")
    assert len(replies) == 1
    assert replies[0].plain.startswith("Perintah /apaini tidak dikenal.")
    assert len(replies[0].plain.splitlines()) == 2 and resident.keyboard


async def test_free_text_gets_help_never_silence(resident: LocalUser) -> None:
    replies = await resident.send("apa kabar")
    assert len(replies) == 1
    assert replies[0].plain.startswith("Halo, Siti!") and resident.keyboard
    replies = await resident.send("xqzt vbnm plok")
    assert len(replies) == 1
    assert replies[0].plain.startswith("Maaf, saya belum mengerti pesan itu.")
    assert "💬 Tanya petugas" in replies[0].plain  # the way to a person, never a dead end
    assert replies[0].reply_markup == {
        "inline_keyboard": [[{"callback_data": "res:petugas", "text": "💬 Tanya petugas"}]]
    }


async def test_a_photo_sticker_document_or_voice_note_gets_an_answer(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    file = {"file_id": "LOCAL-FILE-X", "file_unique_id": "X"}
    sent = {
        "photo": {"photo": [{**file, "width": 640, "height": 480}], "caption": "ini KK saya"},
        "sticker": {
            "sticker": {
                **file,
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        "voice": {"voice": {**file, "duration": 4}},
    }
    for number, (kind, content) in enumerate(sent.items()):
        message = {**bot_env.api.make_message(resident.info, resident.chat_id), **content}
        update = {"update_id": 900 + number, "message": message}
        replies = await bot_env.api.deliver(update, resident.chat_id)
        assert len(replies) == 1, kind
        assert replies[0].plain.startswith("Maaf, saya hanya bisa membaca tulisan"), kind
        assert "jangan kirim foto KTP" in replies[0].plain and resident.keyboard
    document = await resident.send_document("kk.pdf", b"%PDF-1.4", mime_type="application/pdf")
    assert len(document) == 1 and "jangan kirim foto KTP" in document[0].plain


async def test_staff_help_adds_the_staff_commands(staff: LocalUser, admin: LocalUser) -> None:
    text = (await staff.send("/bantuan"))[0].plain
    assert "Menu petugas Cek KTP-el" in text and "/ubah — " in text
    assert "/petugas" not in text
    text = (await admin.send("/bantuan"))[0].plain
    assert "/petugas — " in text


async def test_commands_are_registered_per_scope(bot_env: BotEnv, staff: LocalUser) -> None:
    api = bot_env.api
    assert api.commands_for("default") == RESIDENT_MENU
    assert api.commands_for("all_private_chats") == RESIDENT_MENU
    admin_menu = api.commands_for("chat", ADMIN_ID)
    assert "petugas" in admin_menu and "ubah" in admin_menu and "impor" in admin_menu
    assert api.commands_for("chat", RESIDENT_ID) == []
    # the staff member was added after start: their menu comes with the next start
    await bot_env.restart()
    staff_menu = api.commands_for("chat", STAFF_ID)
    assert staff_menu[:3] == ["status", "ubah", "impor"]
    assert "petugas" not in staff_menu


async def test_requests_go_to_the_configured_api_root(make_env, tmp_path: Path) -> None:
    env = await make_env(tmp_path, api_url="http://127.0.0.1:8081/")
    await env.api.user(RESIDENT_ID).send("/start")
    assert env.api.calls
    for call in env.api.calls:
        assert call.url.startswith("http://127.0.0.1:8081/bot123456:LOCAL/")


async def test_a_429_is_waited_out_and_the_message_arrives(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    bot_env.api.fail("sendMessage", chat_id=RESIDENT_ID, kind="429", retry_after=1)
    replies = await resident.send("/start")
    assert len(replies) == 1 and "Selamat datang" in replies[0].plain
    sends = bot_env.api.calls_to("sendMessage")
    assert [c.failed for c in sends] == ["429", None]


async def test_a_403_reaches_the_error_path_without_a_crash(
    bot_env: BotEnv, resident: LocalUser, caplog: pytest.LogCaptureFixture
) -> None:
    resident.block()
    with caplog.at_level(logging.INFO, logger="bot.handlers.errors"):
        assert await resident.send("/start") == []
    assert "cannot be reached" in caplog.text
    assert [c.failed for c in bot_env.api.calls_to("sendMessage")] == ["403"]
    resident.unblock()
    replies = await resident.send("/start")
    assert "Selamat datang" in replies[0].plain


async def test_a_server_error_gets_a_kind_apology(bot_env: BotEnv, resident: LocalUser) -> None:
    bot_env.api.fail("sendMessage", chat_id=RESIDENT_ID, kind="500")
    replies = await resident.send("/bantuan")
    assert [m.plain for m in replies] == [texts.ERROR_KIND]


async def test_a_timeout_gets_an_apology(bot_env: BotEnv, resident: LocalUser) -> None:
    bot_env.api.fail(method=None, chat_id=RESIDENT_ID, kind="timeout")
    replies = await resident.send("/bantuan")
    assert [m.plain for m in replies] == [texts.ERROR_KIND]
    assert bot_env.api.calls_to("sendMessage")[0].failed == "timeout"


async def test_the_next_calls_of_any_method_can_fail(bot_env: BotEnv) -> None:
    bot_env.api.fail(method=None, times=2, kind="502")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot_env.bot.send_chat_action(RESIDENT_ID, "typing")
    assert await bot_env.bot.send_chat_action(RESIDENT_ID, "typing")


async def test_a_bug_is_logged_without_numbers_and_the_person_gets_an_apology(
    bot_env: BotEnv, resident: LocalUser, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        raise RuntimeError("cannot handle NIK 1605014101900012")

    bot_env.app.add_handler(CommandHandler("rusak", broken), group=-1)
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        replies = await resident.send("/rusak")
    assert replies[0].plain == texts.ERROR_KIND
    assert "RuntimeError" in caplog.text
    assert "1605014101900012" not in caplog.text
    assert "Traceback" not in replies[0].plain


# --- the in-process Bot API itself -------------------------------------------------------------


async def test_buttons_can_be_pressed_and_edits_are_seen(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = [[InlineKeyboardButton("Ya", callback_data="t:ya")]]
        await update.effective_message.reply_text(
            "Lanjut?", reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("Oke")
        await update.callback_query.edit_message_text(
            f"Dipilih: <b>{update.callback_query.data}</b>"
        )

    bot_env.app.add_handler(CommandHandler("tanya", ask), group=-1)
    bot_env.app.add_handler(CallbackQueryHandler(answer, pattern="^t:"), group=-1)
    replies = await resident.send("/tanya")
    assert replies[0].buttons == ["Ya"]
    replies = await resident.press("Ya")
    assert len(replies) == 1 and replies[0].edited
    assert replies[0].plain == "Dipilih: t:ya"
    assert replies[0].message_id == resident.messages[0].message_id
    assert resident.answers[0]["text"] == "Oke"
    with pytest.raises(LookupError):
        await resident.press("Ya")  # the edit removed the keyboard


async def test_documents_can_be_uploaded_and_downloaded(
    bot_env: BotEnv, resident: LocalUser
) -> None:
    async def echo_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = update.effective_message.document
        content = await (await document.get_file()).download_as_bytearray()
        await update.effective_message.reply_document(
            bytes(content).upper(), filename="balik.csv", caption=f"{len(content)} byte"
        )

    bot_env.app.add_handler(MessageHandler(filters.Document.ALL, echo_size), group=-1)
    replies = await resident.send_document("data.csv", b"nik;status\n", caption="/impor")
    assert replies[0].document == b"NIK;STATUS\n"
    assert replies[0].plain == "11 byte"
    assert replies[0].filename == "balik.csv"


async def test_bad_html_is_refused_like_telegram_does(bot_env: BotEnv, resident: LocalUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot_env.bot.send_message(RESIDENT_ID, "1 < 2 <b>tebal")
    # local_api refuses a text too long as Telegram does; the bot itself never sends one
    # (bot.handlers.telegram_text fits every outgoing text, see test_limits.py).
    status, body = await bot_env.api.answer(
        f"/bot{bot_env.settings.token}/sendMessage", {"chat_id": RESIDENT_ID, "text": "a" * 4097}
    )
    assert status == 400 and b"too long" in body
    sent = await bot_env.bot.send_message(RESIDENT_ID, "a" * 4097)
    assert len(sent.text) == 4096 and sent.text.endswith("…")


def test_html_becomes_plain_text_and_entities() -> None:
    plain, entities = parse_html('<b>Status</b>: &lt;PRR&gt; <a href="https://x.id">di sini</a>')
    assert plain == "Status: <PRR> di sini"
    assert entities[0] == {"type": "bold", "offset": 0, "length": 6}
    assert entities[1]["type"] == "text_link" and entities[1]["url"] == "https://x.id"


# --- `python -m bot run` -----------------------------------------------------------------------


def test_run_without_a_token_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip() == texts_ops.RUN_NO_TOKEN
    assert "python -m bot demo" in texts_ops.RUN_NO_TOKEN
    assert result.stdout == ""


def test_the_webhook_listens_on_the_path_of_its_public_url() -> None:
    assert webhook_path("https://bot.musirawaskab.go.id/telegram/hook") == "telegram/hook"
    assert webhook_path("https://bot.example.id") == ""


async def test_long_polling_against_the_local_api(tmp_path: Path) -> None:
    """The Updater's getUpdates loop works against local_api (what `run` does with Telegram)."""
    settings = test_settings(tmp_path)
    api = LocalBotApi(token=settings.token)
    app = build_application(settings, request=api)  # not attached: updates wait for getUpdates
    user = api.user(RESIDENT_ID, "Siti")
    await start_in_process(app)
    try:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        assert await user.send("/start") == []  # queued, handled by the polling loop
        for _ in range(200):
            if user.messages:
                break
            await asyncio.sleep(0.01)
        assert "Selamat datang" in user.messages[0].plain
        await app.updater.stop()
    finally:
        await stop_in_process(app)
    assert api.calls_to("deleteWebhook")
    assert api.calls_to("getUpdates")


def test_a_command_is_read_one_way() -> None:
    assert command_name("/Batal@CekKtpElBot sekarang") == "/batal"
    assert command_name("/ubah 1605010101900012 PRR") == "/ubah"
    assert command_name("halo /batal") is None and command_name(None) is None
