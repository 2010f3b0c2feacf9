"""Roles: who is staff, changes that keep an admin, and the shell commands `staff` and `audit`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import texts_ops
from bot.__main__ import main
from bot.domain.clock import FakeClock
from bot.services import broadcasting as broadcast
from bot.services.roles import Refusal, Role, StaffChangeError, StaffRoles
from bot.storage import Database, Db
from bot.storage import audit as audit_store


@pytest.fixture
async def db(any_db: Db) -> AsyncIterator[Db]:
    """SQLite or PostgreSQL (conftest: every test here runs on both)."""
    yield any_db


async def test_roles_from_environment_and_staff_table(db: Database) -> None:
    roles = StaffRoles(db, frozenset({1}), FakeClock())
    assert await roles.role_of(1) == Role.ADMIN
    assert await roles.role_of(2) is None and await roles.role_of(None) is None
    await roles.set_role(actor_id=1, user_id=2, role=Role.PETUGAS)
    assert await roles.is_staff(2) and not await roles.is_admin(2)
    members = await roles.members()
    assert [(m.user_id, m.role, m.fixed) for m in members] == [
        (1, Role.ADMIN, True),
        (2, Role.PETUGAS, False),
    ]


async def test_changes_that_would_leave_no_admin_are_refused(db: Database) -> None:
    roles = StaffRoles(db, frozenset(), FakeClock())
    await roles.set_role(actor_id=None, user_id=10, role=Role.ADMIN)
    with pytest.raises(StaffChangeError) as err:
        await roles.remove(actor_id=10, user_id=10)
    assert err.value.reason == Refusal.LAST_ADMIN
    with pytest.raises(StaffChangeError) as err:
        await roles.set_role(actor_id=10, user_id=10, role=Role.PETUGAS)
    assert err.value.reason == Refusal.LAST_ADMIN
    assert await roles.is_admin(10)
    # A fixed admin counts: the table's only admin may then go.
    with_fixed = StaffRoles(db, frozenset({1}), FakeClock())
    await with_fixed.remove(actor_id=1, user_id=10)
    with pytest.raises(StaffChangeError) as err:
        await with_fixed.remove(actor_id=1, user_id=1)
    assert err.value.reason == Refusal.FIXED_ADMIN
    with pytest.raises(StaffChangeError) as err:
        await with_fixed.set_role(actor_id=1, user_id=0, role=Role.PETUGAS)
    assert err.value.reason == Refusal.BAD_ID


async def test_every_change_and_refusal_is_audited(db: Database) -> None:
    clock = FakeClock()
    roles = StaffRoles(db, frozenset({1}), clock)
    await roles.set_role(actor_id=1, user_id=2, role=Role.PETUGAS)
    clock.advance(hours=1)
    await roles.set_role(actor_id=1, user_id=2, role=Role.ADMIN)
    await roles.remove(actor_id=1, user_id=2)
    await roles.record_refusal(99, "/ubah", "bukan petugas")
    rows = await audit_store.entries(db.conn)
    assert [(r.action, r.actor_id, r.target, r.old_value, r.new_value) for r in rows] == [
        ("tambah_petugas", 1, "2", None, "petugas"),
        ("ubah_peran", 1, "2", "petugas", "admin"),
        ("hapus_petugas", 1, "2", "admin", None),
        ("ditolak", 99, "/ubah", None, None),
    ]
    later = await audit_store.entries(db.conn, since=clock.now())
    assert len(later) == 3


# --- the shell -------------------------------------------------------------------------------


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "BOT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setenv("BOT_SECRET_KEY_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("BOT_ADMIN_IDS", "111")
    return tmp_path


def test_staff_cli_add_list_remove_and_audit(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["staff", "add", "222", "--role", "petugas"]) == 0
    assert "Pengguna 222 ditambahkan sebagai petugas." in capsys.readouterr().out
    assert main(["staff", "add", "333", "--role", "admin"]) == 0
    capsys.readouterr()
    assert main(["staff", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "111 — admin (tetap, dari BOT_ADMIN_IDS)"
    assert out[1].startswith("333 — admin (sejak ")
    assert out[2].startswith("222 — petugas (sejak ")
    assert main(["staff", "remove", "222"]) == 0
    assert "dihapus dari daftar petugas" in capsys.readouterr().out
    assert main(["staff", "remove", "111"]) == 1
    assert "admin tetap dari BOT_ADMIN_IDS" in capsys.readouterr().out
    assert main(["staff", "remove", "444"]) == 1
    assert "tidak ada dalam daftar petugas" in capsys.readouterr().out

    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == [
        "Waktu", "(WIB)", "Pelaku", "Tindakan", "Sasaran", "Lama", "Baru", "Keterangan"
    ]  # fmt: skip
    assert "shell" in out and "tambah petugas" in out and "hapus petugas" in out
    assert "5 baris." in out
    assert main(["audit", "--since", "2999-01-01"]) == 0
    assert "Log audit kosong" in capsys.readouterr().out
    assert main(["audit", "--since", "kemarin"]) == 2
    assert "Tanggal tidak dikenali" in capsys.readouterr().out


def test_staff_cli_refuses_removing_the_last_admin(
    shell: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_ADMIN_IDS", "")
    assert main(["staff", "add", "555", "--role", "admin"]) == 0
    assert main(["staff", "remove", "555"]) == 1
    assert "admin terakhir" in capsys.readouterr().out


def test_staff_cli_refusals_are_audited_as_the_shell(
    shell: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_ADMIN_IDS", "111")
    assert main(["staff", "add", "555", "--role", "admin"]) == 0
    assert main(["staff", "add", "555", "--role", "admin"]) == 1  # same role
    assert main(["staff", "remove", "111"]) == 1  # fixed admin
    monkeypatch.setenv("BOT_ADMIN_IDS", "")
    assert main(["staff", "remove", "555"]) == 1  # last admin
    capsys.readouterr()

    async def refusals() -> list[audit_store.AuditEntry]:
        database = await Database.open(shell / "bot.sqlite3")
        try:
            return await audit_store.entries(database.conn, action=audit_store.REFUSED)
        finally:
            await database.close()

    rows = asyncio.run(refusals())
    assert [(r.actor_id, r.target, r.detail) for r in rows] == [
        (None, "staff add", "same_role"),
        (None, "staff remove", "fixed_admin"),
        (None, "staff remove", "last_admin"),
    ]
    assert main(["audit"]) == 0
    lines = [line.split() for line in capsys.readouterr().out.splitlines() if "DITOLAK" in line]
    assert [(line[2], line[4], line[5]) for line in lines] == [
        ("shell", "staff", "add"),
        ("shell", "staff", "remove"),
        ("shell", "staff", "remove"),
    ]


def test_audit_shows_times_in_the_office_zone_and_says_which(
    shell: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seed() -> None:
        database = await Database.open(shell / "bot.sqlite3")
        try:
            async with database.transaction() as conn:
                await audit_store.add(
                    conn,
                    now=datetime(2026, 11, 28, 20, 30, tzinfo=UTC),
                    actor_id=222,
                    action=audit_store.BLANKO,
                    target="blanko_stock",
                    new="2500",
                )
        finally:
            await database.close()

    asyncio.run(seed())
    assert main(["audit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["Waktu", "(WIB)", "Pelaku"]
    assert lines[2].startswith("2026-11-29 03:30  222")  # 20.30 UTC is 03.30 WIB next day
    monkeypatch.setenv("BOT_TIMEZONE", "Asia/Jayapura")
    assert main(["audit", "--since", "2026-11-29"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["Waktu", "(WIT)", "Pelaku"]
    assert lines[2].startswith("2026-11-29 05:30  222")


def test_every_audited_action_has_an_indonesian_label(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = {v for k, v in vars(audit_store).items() if k.isupper() and isinstance(v, str)}
    stored |= {broadcast.AUDIT_BROADCAST, broadcast.AUDIT_BROADCAST_STOP}
    assert stored - set(texts_ops.AUDIT_ACTIONS) == set()

    async def seed() -> None:
        database = await Database.open(shell / "bot.sqlite3")
        try:
            async with database.transaction() as conn:
                for action in (broadcast.AUDIT_BROADCAST, broadcast.AUDIT_BROADCAST_STOP):
                    await audit_store.add(
                        conn, now=datetime.now(UTC), actor_id=222, action=action, target="#1"
                    )
        finally:
            await database.close()

    asyncio.run(seed())
    assert main(["audit"]) == 0
    rows = [line.split()[3:6] for line in capsys.readouterr().out.splitlines() if "#1" in line]
    assert rows == [["kirim", "siaran", "#1"], ["hentikan", "siaran", "#1"]]
