"""/statistik: a chart a phone can read, and a caption whose figures match the database."""

from __future__ import annotations

import struct
from datetime import date, timedelta

from conftest import RESIDENT_ID, BotEnv
from staff_support import KK_A, KK_B, KK_C, NIK_A, NIK_B, NIK_C, add_record, subscribe

from bot.local_api import LocalUser
from bot.services import stats
from bot.states import KtpStatus, Stage
from bot.storage import settings as settings_store
from bot.storage.db import utc_iso

S = KtpStatus


async def _data(env: BotEnv) -> None:
    a = await add_record(
        env,
        NIK_A,
        KK_A,
        [
            (S.BIO_CAPTURED, date(2026, 1, 5)),
            (S.SENT_FOR_ENROLLMENT, date(2026, 2, 1)),
            (S.PRINT_READY_RECORD, date(2026, 9, 14)),
        ],
    )
    b = await add_record(
        env,
        NIK_B,
        KK_B,
        [(S.BIO_CAPTURED, date(2026, 3, 1)), (S.PROCESSING, date(2026, 3, 4))],
    )
    await add_record(env, NIK_C, KK_C, [(S.DUPLICATE_RECORD, date(2026, 6, 1))])
    await subscribe(env, RESIDENT_ID, a)
    await subscribe(env, 7007, a)
    await subscribe(env, 7007, b)
    now = env.clock.now()
    rows = [
        ("sent", now - timedelta(days=3), now - timedelta(days=3)),
        ("sent", now - timedelta(days=2), now - timedelta(days=1)),
        ("sent", now - timedelta(days=10), now - timedelta(days=10)),  # too old
        ("failed", now - timedelta(days=1), None),
        ("pending", now, None),
    ]
    async with env.services.db.transaction() as conn:
        for i, (state, created, sent) in enumerate(rows):
            await conn.execute(
                "INSERT INTO outbox (kind, chat_id, text, dedup_key, created_at, not_before,"
                " state, sent_at) VALUES ('status', ?, 'x', ?, ?, ?, ?, ?)",
                (RESIDENT_ID, f"k{i}", utc_iso(created), utc_iso(created), state,
                 utc_iso(sent) if sent else None),
            )  # fmt: skip
        await settings_store.put(conn, settings_store.BLANKO_STOCK, "2500")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def test_statistik_sends_a_chart_whose_caption_matches_the_database(
    bot_env: BotEnv, staff: LocalUser
) -> None:
    await _data(bot_env)
    replies = await staff.send("/statistik")
    photo = next(m for m in replies if m.photo)
    width, height = _png_size(photo.photo)
    assert width >= 700 and height > width  # tall: fills a phone screen
    caption = html_plain(photo.caption or "")
    assert len(photo.caption or "") <= 1024

    db = bot_env.services.db
    total = (await db.fetchone("SELECT COUNT(*) FROM records"))[0]
    prr = (await db.fetchone("SELECT COUNT(*) FROM records WHERE status = 'PRINT_READY_RECORD'"))[0]
    chats = (await db.fetchone("SELECT COUNT(DISTINCT chat_id) FROM subscriptions"))[0]
    assert (total, prr, chats) == (3, 1, 2)
    assert f"Total data: {total}" in caption
    assert "Perekaman: 0" in caption and "Pengiriman: 1" in caption
    assert "Bermasalah: 1" in caption and "Pencetakan: 1" in caption
    assert f"Antrean cetak (PRR): {prr} · stok blanko 2.500 (blanko cukup)" in caption
    assert f"Chat berlangganan: {chats}" in caption
    assert "Kabar 7 hari terakhir: 2 terkirim, 1 gagal" in caption
    assert "Sabtu, 28 November 2026 pukul 10.00 WIB" in caption

    detail = next(m for m in replies if m.text).plain
    assert "14. PRINT_READY_RECORD: 1" in detail
    assert "3. PROCESSING: 1" in detail and "11. DUPLICATE_RECORD: 1" in detail
    assert "Tugumulyo: 1" in detail and "Muara Beliti: 1" in detail
    assert "Luar Musi Rawas: 1" in detail
    # Recording stays: 27 days (A) and 3 days (B) -> median 15; sending: SFE for 225 days.
    assert "Perekaman: 15 hari (dari 2 data)" in detail
    assert "Pengiriman: 225 hari (dari 1 data)" in detail
    assert "Pencetakan: belum ada data" in detail


async def test_every_word_and_number_on_the_chart_is_big_enough_for_a_phone(
    bot_env: BotEnv,
) -> None:
    await _data(bot_env)
    figures = await stats.gather(bot_env.services)
    fig = stats.chart_figure(figures, figures.chart_labels())
    fig.draw_without_rendering()  # ticks get their labels when drawn
    width_px = fig.get_figwidth() * fig.dpi
    shown = [
        t
        for t in fig.findobj(lambda o: hasattr(o, "get_text") and hasattr(o, "get_fontsize"))
        if t.get_visible() and t.get_text().strip()
    ]
    assert {"Tugumulyo", "Luar Musi Rawas", "Bermasalah", "1"} <= {t.get_text() for t in shown}
    # A phone shows the picture about 360 px wide: text under width/32 px becomes unreadable.
    small = {
        t.get_text(): t.get_fontsize()
        for t in shown
        if t.get_fontsize() * fig.dpi / 72 < width_px / 32
    }
    assert small == {}


def html_plain(text: str) -> str:
    from bot.local_api import html_to_plain

    return html_to_plain(text)


async def test_statistik_with_no_data_and_no_stock(bot_env: BotEnv, admin: LocalUser) -> None:
    replies = await admin.send("/statistik")
    photo = next(m for m in replies if m.photo)
    caption = html_plain(photo.caption or "")
    assert "Total data: 0" in caption
    assert "stok blanko belum diisi (/blanko)" in caption
    assert "Kabar 7 hari terakhir: 0 terkirim, 0 gagal" in caption


async def test_backlog_larger_than_stock_says_how_many_blanko_are_missing(
    bot_env: BotEnv,
) -> None:
    await _data(bot_env)
    async with bot_env.services.db.transaction() as conn:
        await settings_store.put(conn, settings_store.BLANKO_STOCK, "0")
    figures = await stats.gather(bot_env.services)
    caption = figures.caption("Asia/Jakarta")
    assert "Antrean cetak (PRR): 1 · stok blanko 0 (kurang 1 blanko)" in html_plain(caption)
    assert figures.by_stage[Stage.PROBLEM] == 1
    assert figures.by_district[0][1] == 1


def test_district_labels() -> None:
    assert stats.district_label("160501") == "Tugumulyo"
    assert stats.district_label("160521") == "Suka Karya"
    assert stats.district_label("160599") == "160599"
    assert stats.district_label("167301") == stats.OUTSIDE


async def test_statistik_refused_for_a_resident(bot_env: BotEnv, resident: LocalUser) -> None:
    replies = await resident.send("/statistik")
    assert all(m.photo is None for m in replies)
    assert "tidak dikenal" in replies[0].plain
