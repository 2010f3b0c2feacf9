"""Admins manage staff (/petugas) and office information (/kantor); staff set /blanko."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from conftest import ADMIN_ID, STAFF_ID, BotEnv
from staff_support import NIK_A, audit_rows

from bot.local_api import LocalUser
from bot.services.office import FIELDS
from bot.storage import settings as settings_store
from bot.storage import staff as staff_store

NEW_ID = 4004


# --- /petugas --------------------------------------------------------------------------------


async def test_admin_lists_staff(bot_env: BotEnv, admin: LocalUser, staff: LocalUser) -> None:
    text = (await admin.send("/petugas"))[0].plain
    assert f"{ADMIN_ID} — admin (tetap, dari BOT_ADMIN_IDS)" in text
    assert f"{STAFF_ID} — petugas (sejak 28 November 2026 oleh {ADMIN_ID})" in text
    assert "/petugas tambah ID petugas" in text


async def test_admin_adds_promotes_and_removes_staff(bot_env: BotEnv, admin: LocalUser) -> None:
    newcomer = bot_env.api.user(NEW_ID, "Dewi")
    assert "tidak dikenal" in (await newcomer.send(f"/status {NIK_A}"))[0].plain

    text = (await admin.send(f"/petugas tambah {NEW_ID} petugas"))[0].plain
    assert text == f"Pengguna {NEW_ID} ditambahkan sebagai petugas."
    assert "status" in bot_env.api.commands_for("chat", NEW_ID)
    assert "petugas" not in bot_env.api.commands_for("chat", NEW_ID)
    assert "belum ada dalam data bot" in (await newcomer.send(f"/status {NIK_A}"))[0].plain

    text = (await admin.send(f"/petugas tambah {NEW_ID} admin"))[0].plain
    assert text == f"Peran pengguna {NEW_ID} diubah: petugas → admin."
    assert "petugas" in bot_env.api.commands_for("chat", NEW_ID)

    text = (await admin.send(f"/petugas hapus {NEW_ID}"))[0].plain
    assert text == f"Pengguna {NEW_ID} dihapus dari daftar petugas (sebelumnya admin)."
    assert bot_env.api.commands_for("chat", NEW_ID) == []
    assert "tidak dikenal" in (await newcomer.send(f"/status {NIK_A}"))[0].plain

    rows = [
        (r.action, r.actor_id, r.target, r.old_value, r.new_value)
        for r in await audit_rows(bot_env)
        if r.action != "ditolak"
    ]
    assert rows == [
        ("tambah_petugas", ADMIN_ID, str(NEW_ID), None, "petugas"),
        ("ubah_peran", ADMIN_ID, str(NEW_ID), "petugas", "admin"),
        ("hapus_petugas", ADMIN_ID, str(NEW_ID), "admin", None),
    ]


async def test_fixed_admin_cannot_be_removed_by_command(bot_env: BotEnv, admin: LocalUser) -> None:
    text = (await admin.send(f"/petugas hapus {ADMIN_ID}"))[0].plain
    assert "admin tetap dari BOT_ADMIN_IDS" in text
    (row,) = await audit_rows(bot_env, "ditolak")
    assert (row.actor_id, row.target, row.detail) == (ADMIN_ID, "/petugas hapus", "fixed_admin")


async def test_last_admin_cannot_be_removed_or_demoted(
    tmp_path: Path, make_env: Callable[..., Awaitable[BotEnv]]
) -> None:
    env = await make_env(tmp_path, admin_ids=frozenset())
    async with env.services.db.transaction() as conn:
        await staff_store.put(conn, 5005, staff_store.ADMIN, None, env.clock.now())
    boss = env.api.user(5005, "Kepala")
    text = (await boss.send("/petugas hapus 5005"))[0].plain
    assert "Tidak bisa: 5005 adalah admin terakhir" in text
    text = (await boss.send("/petugas tambah 5005 petugas"))[0].plain
    assert "admin terakhir" in text
    assert (await staff_store.get(env.services.db.conn, 5005)).role == "admin"
    # With a second admin, the first may go.
    await boss.send("/petugas tambah 6006 admin")
    text = (await boss.send("/petugas hapus 5005"))[0].plain
    assert "dihapus dari daftar petugas" in text
    refused = await audit_rows(env, "ditolak")
    assert [r.detail for r in refused] == ["last_admin", "last_admin"]


async def test_petugas_bad_input(bot_env: BotEnv, admin: LocalUser, staff: LocalUser) -> None:
    assert "bukan ID Telegram" in (await admin.send("/petugas tambah budi"))[0].plain
    assert "Peran raja tidak dikenal" in (await admin.send("/petugas tambah 77 raja"))[0].plain
    assert "Kelola petugas" in (await admin.send("/petugas pecat 77"))[0].plain
    assert "tidak ada dalam daftar petugas" in (await admin.send("/petugas hapus 77"))[0].plain
    assert "sudah terdaftar" in (await admin.send(f"/petugas tambah {STAFF_ID}"))[0].plain


async def test_petugas_is_for_admins_only(bot_env: BotEnv, staff: LocalUser) -> None:
    for command in ("/petugas", f"/petugas tambah {NEW_ID} admin", "/kantor alamat Jl. Baru"):
        replies = await staff.send(command)
        assert replies[0].plain.startswith("Perintah ini khusus admin.")
    assert await staff_store.get(bot_env.services.db.conn, NEW_ID) is None
    refused = await audit_rows(bot_env, "ditolak")
    assert [(r.actor_id, r.target, r.detail) for r in refused] == [
        (STAFF_ID, "/petugas", "bukan admin"),
        (STAFF_ID, "/petugas", "bukan admin"),
        (STAFF_ID, "/kantor", "bukan admin"),
    ]


# --- /kantor ---------------------------------------------------------------------------------


async def test_admin_sets_office_information_residents_see(
    bot_env: BotEnv, admin: LocalUser, resident: LocalUser
) -> None:
    text = (await admin.send("/kantor"))[0].plain
    assert "Informasi kantor yang dilihat warga" in text
    assert "Alamat: Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti" in text

    text = (await admin.send("/kantor alamat  Jl. Lintas Sumatera  Km 12, Muara Beliti"))[0].plain
    assert "Alamat diubah." in text
    assert "Sekarang: Jl. Lintas Sumatera Km 12, Muara Beliti" in text
    await admin.send("/kantor kontak 0812-3456-7890 (WhatsApp)")
    await admin.send("/kantor pengambilan Loket 3, Mal Pelayanan Publik")

    help_text = (await resident.send("/bantuan"))[0].plain
    assert "Jl. Lintas Sumatera Km 12, Muara Beliti" in help_text
    assert "0812-3456-7890 (WhatsApp)" in help_text
    stored = await settings_store.get(bot_env.services.db.conn, settings_store.OFFICE_PICKUP)
    assert stored == "Loket 3, Mal Pelayanan Publik"

    rows = await audit_rows(bot_env, "ubah_kantor")
    assert [(r.target, r.new_value) for r in rows] == [
        ("alamat", "Jl. Lintas Sumatera Km 12, Muara Beliti"),
        ("kontak", "0812-3456-7890 (WhatsApp)"),
        ("pengambilan", "Loket 3, Mal Pelayanan Publik"),
    ]
    assert rows[0].old_value == "Kantor Disdukcapil Kabupaten Musi Rawas, Muara Beliti"


async def test_each_office_field_is_read_back_from_where_it_was_kept(
    bot_env: BotEnv, admin: LocalUser
) -> None:
    for field in FIELDS:
        await admin.send(f"/kantor {field} {field} satu")
        await admin.send(f"/kantor {field} {field} dua")
    rows = await audit_rows(bot_env, "ubah_kantor")
    assert [(r.target, r.old_value) for r in rows[1::2]] == [(f, f"{f} satu") for f in FIELDS]


async def test_kantor_bad_input(bot_env: BotEnv, admin: LocalUser) -> None:
    assert "Bagian telepon tidak dikenal" in (await admin.send("/kantor telepon 0812"))[0].plain
    assert "Tulis teks barunya" in (await admin.send("/kantor jam"))[0].plain
    long_text = "x" * 301
    assert "Teks terlalu panjang" in (await admin.send(f"/kantor jam {long_text}"))[0].plain
    assert await audit_rows(bot_env, "ubah_kantor") == []


# --- /blanko ---------------------------------------------------------------------------------


async def test_staff_set_blanko_stock_within_bounds(bot_env: BotEnv, staff: LocalUser) -> None:
    text = (await staff.send("/blanko"))[0].plain
    assert "Stok blanko: belum diisi" in text
    text = (await staff.send("/blanko 2500"))[0].plain
    assert "Stok blanko dicatat: 2.500 (sebelumnya belum diisi)" in text
    text = (await staff.send("/blanko 3.000"))[0].plain
    assert "Stok blanko dicatat: 3.000 (sebelumnya 2.500)" in text
    for bad, answer in (
        ("-5", "tidak boleh kurang dari 0"),
        ("abc", "harus angka bulat"),
        ("12,5", "harus angka bulat"),
        ("1000001", "tidak masuk akal"),
        ("99999999999999999999", "tidak masuk akal"),
    ):
        assert answer in (await staff.send(f"/blanko {bad}"))[0].plain, bad
    stored = await settings_store.get(bot_env.services.db.conn, settings_store.BLANKO_STOCK)
    assert stored == "3000"
    rows = await audit_rows(bot_env, "ubah_blanko")
    assert [(r.actor_id, r.old_value, r.new_value) for r in rows] == [
        (STAFF_ID, None, "2500"),
        (STAFF_ID, "2500", "3000"),
    ]
    text = (await staff.send("/blanko 1000000"))[0].plain
    assert "1.000.000" in text


async def test_admin_finds_kantor_in_the_menu_and_help_and_petugas_does_not(
    bot_env: BotEnv, admin: LocalUser, staff: LocalUser
) -> None:
    assert "kantor" in bot_env.api.commands_for("chat", ADMIN_ID)
    text = (await admin.send("/bantuan"))[0].plain
    assert "/kantor — Info kantor untuk warga: alamat, jam, kontak" in text
    assert "/kantor" not in (await staff.send("/bantuan"))[0].plain
    await admin.send(f"/petugas tambah {NEW_ID} admin")
    assert "kantor" in bot_env.api.commands_for("chat", NEW_ID)
    await admin.send(f"/petugas tambah {NEW_ID} petugas")
    assert "kantor" not in bot_env.api.commands_for("chat", NEW_ID)


async def test_staff_start_and_help_show_the_staff_menu_in_one_register(
    bot_env: BotEnv, admin: LocalUser, staff: LocalUser
) -> None:
    """An admin's and a petugas' /start and /bantuan are their own menu, addressed as "Anda",
    never the residents' greeting, main menu or "Bapak/Ibu"."""
    for person, who in ((admin, "admin"), (staff, "petugas")):
        for command in ("/start", "/bantuan"):
            replies = await person.send(command)
            assert len(replies) == 1, (who, command)
            text = replies[0].plain
            assert text.startswith(f"Menu {who} Cek KTP-el\nAnda terdaftar sebagai {who}."), text
            assert "/ubah — Ubah status: /ubah NIK STATUS [catatan]" in text
            assert "Bapak/Ibu" not in text, (who, command, text)
            assert "Selamat datang" not in text
            assert replies[0].reply_keyboard is None, (who, command)
    assert "/kantor" in (await admin.send("/start"))[0].plain
    assert "/kantor" not in (await staff.send("/start"))[0].plain
