"""`python -m bot demo`: the terminal chat on invented data, scripted and interactive pieces."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import BotEnv
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts_id as texts
from bot import texts_ops
from bot.demo import Console, _scripted, pairs_by_stage, render_html, run_demo
from bot.local_api import LocalUser
from bot.services import sample_data
from bot.states import KtpStatus, Stage


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env["NO_COLOR"] = "1"
    return env


def test_scripted_demo_answers_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--count", "60"],
        input="/start\n/keluar\nthis line is never read\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_clean_env(),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert texts_ops.DEMO_PAIRS_HEADER in out
    assert "Anda: /start" in out
    assert "Halo, Warga Demo! Selamat datang di Cek KTP-el" in out
    assert out.rstrip().endswith(texts_ops.DEMO_BYE)
    assert "this line is never read" not in out
    assert "\033[" not in out  # no colour codes when not on a terminal


async def test_demo_prints_a_pair_per_stage_and_chats_as_staff() -> None:
    out = io.StringIO()
    code = await run_demo(
        staff=True, count=60, stdin=io.StringIO("/bantuan\n"), out=out, interactive=False
    )
    text = out.getvalue()
    assert code == 0
    for stage in (Stage.RECORDING, Stage.SENDING, Stage.CENTRAL, Stage.PRINTING, Stage.DONE):
        assert f"\n  {texts.STAGE_NAMES[stage]} " in text
    assert texts_ops.demo_you_are(True, 700002) in text
    assert "Perintah petugas" in text  # the admin's help


def test_pairs_cover_every_stage_and_every_status_in_the_data() -> None:
    found = sample_data.pairs_to_try(300, seed=1)
    pairs = pairs_by_stage(found)
    stages = {pair.stage for pair in pairs}
    assert stages >= {Stage.RECORDING, Stage.SENDING, Stage.CENTRAL, Stage.PRINTING, Stage.DONE}
    assert sorted(p.status for p in pairs) == sorted(found) and len(found) >= 15
    assert all(len(p.nik) == 16 and len(p.kk) == 16 for p in pairs)


async def test_the_demos_print_ready_pair_shows_queue_and_blanko_stock() -> None:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    nik, kk = sample_data.pairs_to_try(200, 1, today)[KtpStatus.PRINT_READY_RECORD]
    out = io.StringIO()
    stdin = io.StringIO(f"{nik} {kk}\n1\n")  # the check, then its first button: Selengkapnya
    code = await run_demo(count=200, stdin=stdin, out=out, interactive=False)
    text = out.getvalue()
    assert code == 0
    assert f"{KtpStatus.PRINT_READY_RECORD.value}" in text.split("Anda chat sebagai")[0]
    assert "blanko" in text.split("Selengkapnya ·")[0]  # the estimate in the first answer
    assert "Stok blanko sekarang" in text and "Antrean cetak" in text


def test_html_is_rendered_for_the_terminal() -> None:
    html = '<b>PRR</b> &amp; <a href="https://x.id">situs</a> <code>1605</code>'
    assert render_html(html, colour=False) == "PRR & situs (https://x.id) 1605"
    coloured = render_html(html, colour=True)
    assert "\033[1mPRR\033[22m" in coloured


async def test_buttons_are_pressed_by_number_or_label(
    bot_env: BotEnv, resident: LocalUser, tmp_path: Path
) -> None:
    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        buttons = [[InlineKeyboardButton("Ya", callback_data="d:ya")]]
        buttons.append([InlineKeyboardButton("Tidak", callback_data="d:tidak")])
        await update.effective_message.reply_text(
            "Langganan?", reply_markup=InlineKeyboardMarkup(buttons)
        )

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.effective_message.reply_text(f"Pilihan: {update.callback_query.data}")

    bot_env.app.add_handler(CommandHandler("pilih", ask), group=-1)
    bot_env.app.add_handler(CallbackQueryHandler(answer, pattern="^d:"), group=-1)
    admin = bot_env.api.user(5005, "Petugas")
    out = io.StringIO()
    console = Console(
        bot_env.api, resident, admin, staff=False, out=out, colour=False, folder=tmp_path
    )
    assert await console.handle("/pilih")
    assert "  [1] Ya\n" in out.getvalue() and "  [2] Tidak\n" in out.getvalue()
    await console.handle("2")
    assert "Pilihan: d:tidak" in out.getvalue()
    await console.handle("ya")
    assert "Pilihan: d:ya" in out.getvalue()
    await console.handle("9")
    assert texts_ops.DEMO_NO_BUTTON in out.getvalue()
    assert await console.handle("/keluar") is False


async def test_a_scripted_demo_waits_for_a_large_import_to_finish(tmp_path: Path) -> None:
    """A large upload is imported in the background; the script must not end before it does."""
    big = tmp_path / "besar.csv"
    with big.open("w", encoding="utf-8", newline="") as f:
        sample_data.write_csv(f, 8_000, seed=7)
    assert big.stat().st_size > 512 * 1024
    out = io.StringIO()
    code = await run_demo(
        staff=True,
        count=60,
        stdin=io.StringIO(f"/berkas {big} /impor\n"),
        out=out,
        interactive=False,
    )
    assert code == 0
    assert "Impor selesai" in out.getvalue()


async def test_on_a_terminal_long_lines_are_wrapped_to_its_width(
    bot_env: BotEnv, resident: LocalUser, tmp_path: Path
) -> None:
    admin = bot_env.api.user(5005, "Petugas")
    out = io.StringIO()
    console = Console(
        bot_env.api, resident, admin, staff=False, out=out, colour=False, folder=tmp_path, width=40
    )
    await console.handle("/bantuan")
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines if not line.startswith("Anda")) <= 40
    assert "Ketik NIK (16 angka). Bot lalu meminta nomor KK." in " ".join(" ".join(lines).split())

    wide = io.StringIO()
    unwrapped = Console(
        bot_env.api, resident, admin, staff=False, out=wide, colour=False, folder=tmp_path
    )
    await unwrapped.handle("/bantuan")
    assert max(len(line) for line in wide.getvalue().splitlines()) > 40  # scripts keep lines


async def test_a_number_means_the_button_shown_with_it_even_after_the_message_changed(
    bot_env: BotEnv, resident: LocalUser, tmp_path: Path
) -> None:
    """README: the numbered buttons keep their numbers while a message changes; when the
    message's buttons changed meanwhile, the demo shows the new numbers and presses nothing."""
    sent: list[int] = []

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        buttons = [[InlineKeyboardButton("Ya", callback_data="d:ya")]]
        buttons.append([InlineKeyboardButton("Tidak", callback_data="d:tidak")])
        message = await update.effective_message.reply_text(
            "Langganan?", reply_markup=InlineKeyboardMarkup(buttons)
        )
        sent.append(message.message_id)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer()
        await update.effective_message.reply_text(f"Pilihan: {update.callback_query.data}")

    bot_env.app.add_handler(CommandHandler("pilih", ask), group=-1)
    bot_env.app.add_handler(CallbackQueryHandler(answer, pattern="^d:"), group=-1)
    out = io.StringIO()
    console = Console(
        bot_env.api, resident, resident, staff=False, out=out, colour=False, folder=tmp_path
    )
    await console.handle("/pilih")
    # In the background (a progress message, a desk card), the message gets another button
    # first: "1" on the screen still means "Ya".
    changed = [
        [InlineKeyboardButton("Batal", callback_data="d:batal")],
        [InlineKeyboardButton("Ya", callback_data="d:ya")],
    ]
    await bot_env.bot.edit_message_reply_markup(
        chat_id=resident.chat_id, message_id=sent[0], reply_markup=InlineKeyboardMarkup(changed)
    )
    await console.handle("1")
    shown = out.getvalue()
    assert "Pilihan" not in shown and texts_ops.DEMO_BUTTONS_CHANGED in shown
    assert "  [1] Batal\n" in shown and "  [2] Ya\n" in shown  # the new numbers, shown first
    await console.handle("2")
    assert "Pilihan: d:ya" in out.getvalue()


async def test_a_message_of_several_lines_is_one_message(
    bot_env: BotEnv, resident: LocalUser, tmp_path: Path
) -> None:
    """README: a line ending in a backslash goes on on the next line (scripted and typed)."""
    received: list[str] = []

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        received.append(update.effective_message.text or "")

    bot_env.app.add_handler(MessageHandler(filters.TEXT, echo), group=-1)
    out = io.StringIO()
    console = Console(
        bot_env.api, resident, resident, staff=False, out=out, colour=False, folder=tmp_path
    )
    await _scripted(console, io.StringIO("Apakah KTP-el bisa \\\ndiambil kakak\\\nsaya?\nhalo\n"))
    assert received == ["Apakah KTP-el bisa \ndiambil kakak\nsaya?", "halo"]


async def test_the_statistik_picture_is_kept_where_the_demo_says() -> None:
    out = io.StringIO()
    code = await run_demo(
        staff=True, count=60, stdin=io.StringIO("/statistik\n"), out=out, interactive=False
    )
    assert code == 0
    shown = out.getvalue()
    picture = shown.split("[gambar: statistik.png, ")[1].split("disimpan di ")[1].split("]")[0]
    kept = Path(picture)
    assert kept.is_file() and kept.read_bytes().startswith(b"\x89PNG")  # after the demo too
    assert texts_ops.demo_received_kept(str(kept.parent)) in shown
    for leftover in kept.parent.iterdir():
        leftover.unlink()
    kept.parent.rmdir()
