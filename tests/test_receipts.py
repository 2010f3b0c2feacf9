"""Receipt slips: `/kuitansi NIK` and `python -m bot kuitansi` print a QR code that opens the bot
on the record (`/start <token>`), which then asks only for the KK. Slips are read back with a
QR decoder (zxing-cpp)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import zxingcpp
from conftest import BotEnv
from PIL import Image
from resident_support import KK, NIK, UNKNOWN_NIK, WRONG_KK, add_record, nik_of

from bot import texts_id as texts
from bot import texts_staff
from bot.domain.markup import plain
from bot.domain.privacy import mask_nik
from bot.local_api import BOT_USERNAME, LocalBotApiServer, LocalUser
from bot.services.verification import NIK_FAILURE_LIMIT
from bot.states import KtpStatus

S = KtpStatus
LINK = re.compile(r"^https://t\.me/(\w+)\?start=([A-Za-z0-9_-]+)$")
ROOT = Path(__file__).resolve().parent.parent


def qr_links(picture: bytes) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(picture)))]


def pdf_pages_links(document: bytes) -> list[str]:
    """Each page of a PDF written by Pillow is one JPEG image: decode the QR code on each."""
    links: list[str] = []
    for match in re.finditer(rb"/DCTDecode.*?stream\r?\n", document, re.S):
        start = match.end()
        end = document.index(b"\xff\xd9", start) + 2
        links += qr_links(document[start:end])
    return links


async def kuitansi(staff: LocalUser, nik: str = NIK) -> tuple[str, str]:
    """/kuitansi NIK: (the link read from the slip's QR code, the caption)."""
    replies = await staff.send(f"/kuitansi {nik}")
    assert len(replies) == 1 and replies[0].photo is not None, replies
    links = qr_links(replies[0].photo)
    assert len(links) == 1
    return links[0], replies[0].plain


async def test_a_slip_opens_the_bot_on_its_record_and_asks_only_for_the_kk(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    await add_record(bot_env)
    link, caption = await kuitansi(staff)
    found = LINK.match(link)
    assert found is not None and found.group(1) == BOT_USERNAME
    token = found.group(2)
    assert len(token) <= 64 and NIK not in token and NIK[-4:] not in token
    assert link in caption and mask_nik(NIK) in caption  # the same link as text
    # Only the hash is stored.
    row = await bot_env.services.db.fetchone("SELECT token_hash FROM receipt_tokens")
    assert row[0] == hashlib.sha256(token.encode()).hexdigest()

    opened = (await resident.send(f"/start {token}"))[0].plain
    assert mask_nik(NIK) in opened and "Nomor KK" in opened
    wrong = (await resident.send(WRONG_KK))[0].plain  # counts like any wrong KK
    assert "tidak cocok" in wrong
    row = await bot_env.services.db.fetchone("SELECT COUNT(*) FROM verify_attempts")
    assert row[0] == 1
    answer = (await resident.send(KK))[0].plain
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in answer


async def test_a_reprint_ends_the_old_link_and_unknown_links_get_the_usual_start(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    await add_record(bot_env)
    old, _ = await kuitansi(staff)
    new, caption = await kuitansi(staff)
    assert old != new and "cetak ulang" in caption
    old_token, new_token = old.rsplit("=", 1)[1], new.rsplit("=", 1)[1]
    welcome = (await resident.send("/start"))[0]
    for token in (old_token, "rTidakAdaYangSepertiIni", "halo"):
        reply = (await resident.send(f"/start {token}"))[0]
        assert reply.plain.startswith(texts.RECEIPT_LINK_UNKNOWN.split(" (")[0])
        assert welcome.plain in reply.plain and reply.reply_keyboard
    assert mask_nik(NIK) in (await resident.send(f"/start {new_token}"))[0].plain
    assert texts.STATUS_TEXTS[S.SENT_FOR_ENROLLMENT].title in (await resident.send(KK))[0].plain
    rows = await bot_env.services.db.fetchall(
        "SELECT new_value FROM audit_log WHERE action = 'kuitansi' ORDER BY id"
    )
    assert [r[0] for r in rows] == [
        texts_staff.AUDIT_RECEIPT_NEW,
        texts_staff.AUDIT_RECEIPT_REPRINT,
    ]


async def test_a_link_ends_when_the_card_is_collected(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    record_id = await add_record(bot_env, status=S.CARD_PRINTED)
    link, _ = await kuitansi(staff)
    async with bot_env.services.db.transaction() as conn:
        await conn.execute("UPDATE records SET status = 'CARD_ISSUED' WHERE id = ?", (record_id,))
    reply = (await resident.send(f"/start {link.rsplit('=', 1)[1]}"))[0].plain
    assert texts.RECEIPT_LINK_UNKNOWN.split(" (")[0] in reply and mask_nik(NIK) not in reply
    assert (await staff.send(f"/kuitansi {NIK}"))[0].plain == plain(texts_staff.KUITANSI_COLLECTED)


async def test_a_locked_nik_stays_locked_through_a_slip(bot_env: BotEnv, staff: LocalUser) -> None:
    await add_record(bot_env)
    link, _ = await kuitansi(staff)
    token = link.rsplit("=", 1)[1]
    for n in range(NIK_FAILURE_LIMIT):  # ten chats, one wrong KK each: the NIK locks
        guesser = bot_env.api.user(5000 + n, "Tamu")
        await guesser.send(f"/start {token}")
        await guesser.send(WRONG_KK)
    # The lock holds against the chats that gave the wrong KKs, through the slip too ...
    again = (await bot_env.api.user(5000, "Tamu").send(f"/start {token}"))[0].plain
    assert "sementara tidak bisa dicek lewat bot" in again, again
    assert "ketik Nomor KK" not in again
    # ... while the owner, from a chat that never failed, is asked for the KK as for any check.
    owner = bot_env.api.user(6000, "Warga")
    assert "ketik Nomor KK" in (await owner.send(f"/start {token}"))[0].plain


async def test_a_link_can_be_revoked_without_a_new_slip(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    await add_record(bot_env)
    link, _ = await kuitansi(staff)
    assert "dicabut" in (await staff.send(f"/kuitansi cabut {NIK}"))[0].plain
    assert "tidak punya tautan" in (await staff.send(f"/kuitansi cabut {NIK}"))[0].plain
    reply = (await resident.send(f"/start {link.rsplit('=', 1)[1]}"))[0].plain
    assert reply.startswith(texts.RECEIPT_LINK_UNKNOWN.split(" (")[0])
    assert mask_nik(NIK) not in reply


async def test_kuitansi_bad_input_and_residents(
    bot_env: BotEnv, staff: LocalUser, resident: LocalUser
) -> None:
    assert (await staff.send("/kuitansi"))[0].plain == plain(texts_staff.KUITANSI_USAGE)
    assert "16 angka" in (await staff.send("/kuitansi 1605"))[0].plain
    assert (await staff.send(f"/kuitansi {UNKNOWN_NIK}"))[0].plain == plain(
        texts_staff.KUITANSI_NOT_FOUND
    )
    await add_record(bot_env)
    refused = (await resident.send(f"/kuitansi {NIK}"))[0]
    assert "tidak dikenal" in refused.plain and refused.photo is None
    assert await bot_env.services.db.fetchone("SELECT 1 FROM receipt_tokens") is None


# --- the shell: `python -m bot kuitansi` --------------------------------------------------------


def _cli(env: BotEnv, folder: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    settings = env.settings
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    environ |= {
        "BOT_DB_PATH": str(settings.db_path),
        "BOT_SECRET_KEY_FILE": str(settings.secret_key_file),
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    if settings.database_url:
        environ["BOT_DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", "kuitansi", *args],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_shell_prints_a_png_for_one_and_a_pdf_page_per_recording(
    bot_env: BotEnv, resident: LocalUser, tmp_path: Path
) -> None:
    for n in (1, 2, 3):
        await add_record(bot_env, nik=nik_of(n), kk=KK, status=S.BIO_CAPTURED)
    one = tmp_path / "satu.png"
    done = await asyncio.to_thread(
        _cli, bot_env, tmp_path, nik_of(1), "--out", str(one), BOT_USERNAME="kantor_bot"
    )
    assert done.returncode == 0, done.stderr
    [link] = qr_links(one.read_bytes())
    assert link.startswith("https://t.me/kantor_bot?start=r") and link in done.stdout

    day = tmp_path / "rekam-hari-ini.csv"
    day.write_text(
        "nik;no_kk;nama;status;tanggal_status\n"
        f"{nik_of(1)};{KK};Siti Aminah;BIO_CAPTURED;05-12-2026\n"
        f"{nik_of(2)};{KK};Budi;BIO_CAPTURED;05-12-2026\n"
        f"{UNKNOWN_NIK};{KK};Rina;BIO_CAPTURED;05-12-2026\n"
        f"{nik_of(3)};{KK};Dewi;BIO_CAPTURED;2026-12-05\n",
        encoding="utf-8",
    )
    many = tmp_path / "hari-ini.pdf"
    with LocalBotApiServer() as server:  # the username from Telegram: getMe
        done = await asyncio.to_thread(
            _cli,
            bot_env,
            tmp_path,
            "--csv",
            str(day),
            "--out",
            str(many),
            TELEGRAM_BOT_TOKEN=server.api.token,
            TELEGRAM_API_URL=server.url,
        )
    assert done.returncode == 0, done.stderr
    assert "3 tanda terima ditulis" in done.stdout and "1 baris dilewati" in done.stdout
    assert "baris 4:" in done.stderr and "belum ada dalam data bot" in done.stderr
    links = pdf_pages_links(many.read_bytes())
    assert len(links) == 3 and all(
        x.startswith(f"https://t.me/{BOT_USERNAME}?start=") for x in links
    )
    assert link not in links  # the first slip of NIK 1 was reprinted: its link ended
    assert "Siti" not in done.stdout + done.stderr and nik_of(1) not in done.stdout + done.stderr
    # The resident of the first row opens the link of the PDF's first page.
    token = links[0].rsplit("=", 1)[1]
    assert mask_nik(nik_of(1)) in (await resident.send(f"/start {token}"))[0].plain
    assert (
        "tidak berlaku lagi" in (await resident.send(f"/start {link.rsplit('=', 1)[1]}"))[0].plain
    )


async def test_the_shell_says_what_it_needs(bot_env: BotEnv, tmp_path: Path) -> None:
    await add_record(bot_env)
    no_name = await asyncio.to_thread(_cli, bot_env, tmp_path, NIK, "--out", "x.png")
    assert no_name.returncode == 2 and "BOT_USERNAME" in no_name.stderr
    wrong = await asyncio.to_thread(
        _cli, bot_env, tmp_path, NIK, "--out", "x.pdf", BOT_USERNAME="b"
    )
    assert wrong.returncode == 2 and ".png" in wrong.stderr
    both = await asyncio.to_thread(_cli, bot_env, tmp_path, "--out", "x.png", BOT_USERNAME="b")
    assert both.returncode == 2 and "--csv" in both.stderr
    unknown = await asyncio.to_thread(
        _cli, bot_env, tmp_path, UNKNOWN_NIK, "--out", "x.png", BOT_USERNAME="b"
    )
    assert unknown.returncode == 1 and "belum ada dalam data bot" in unknown.stderr
    assert "Traceback" not in no_name.stderr + wrong.stderr + both.stderr + unknown.stderr
