"""What the operator reads in the shell: `python -m bot ...` and the faults they must fix.

`run` (and its workers), `import`, `staff`, `backup`, `outbox`, `audit`, `migrate-db`,
`jadwal import`, `sample-data`, the demo console, argparse's own words, settings problems and the
one line of an `OperatorError`. Plain text for a terminal: no markup, nothing escaped. A fault's
cause arrives already classified (`bot.domain.operator_error.Cause`): this module only words it.
This module imports only the domain, the other modules of sentences, the standard library and
Babel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.config import ConfigError, ConfigProblem
from bot.domain.operator_error import Cause
from bot.texts_common import format_datetime, format_number, format_time, local_time, zone_short
from bot.texts_staff import StaffLine, _member_line

_n = format_number


# The shell: python -m bot jadwal import FILE.csv
VISIT_IMPORT_NOT_UTF8 = "Berkas bukan teks UTF-8. Simpan ulang dari Excel sebagai CSV UTF-8."
VISIT_IMPORT_EMPTY = "Berkas kosong: baris pertama harus berisi judul kolom."
VISIT_IMPORT_CANCELLED_BEFORE = (
    "Jadwal ini (tanggal, jam mulai, kecamatan, tempat) sudah dibatalkan petugas; "
    "tidak dibuat lagi."
)


def visit_import_missing_columns(missing: Sequence[str]) -> str:
    return (
        f"Kolom {', '.join(missing)} tidak ada. Judul kolom yang dibutuhkan: tanggal, mulai, "
        "selesai, kecamatan, tempat, layanan (catatan boleh)."
    )


def visit_import_unreadable(line: int) -> str:
    return f"Berkas tidak bisa dibaca sebagai CSV (sekitar baris {line})."


def visit_import_summary(
    rows: int, new: int, changed: int, unchanged: int, rejected: int, notices: int
) -> str:
    return (
        f"Jadwal jemput bola: {format_number(rows)} baris dibaca. Baru {format_number(new)}, "
        f"berubah {format_number(changed)}, tetap {format_number(unchanged)}, ditolak "
        f"{format_number(rejected)}. {format_number(notices)} pemberitahuan diantrekan."
    )


def visit_import_errors(errors: Sequence[tuple[int, str]], limit: int = 20) -> str:
    if not errors:
        return ""
    lines = ["Baris yang ditolak:"]
    lines += [f"baris {line}: {reason}" for line, reason in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"… dan {format_number(len(errors) - limit)} baris lagi.")
    return "\n".join(lines)


def staff_list_plain(members: Sequence[StaffLine], tz: str) -> str:
    """`python -m bot staff list`."""
    if not members:
        return "Belum ada petugas. Tambahkan dengan: python -m bot staff add ID --role admin"
    return "\n".join(_member_line(m, tz) for m in members)


# `python -m bot audit` and audit rows shown to people
AUDIT_ACTIONS: dict[str, str] = {
    "ubah_status": "ubah status",
    "tambah_petugas": "tambah petugas",
    "ubah_peran": "ubah peran",
    "hapus_petugas": "hapus petugas",
    "ubah_blanko": "ubah stok blanko",
    "ubah_kantor": "ubah info kantor",
    "impor": "impor CSV",
    "buka_kunci_nik": "buka kunci NIK",
    "siaran": "kirim siaran",
    "hentikan_siaran": "hentikan siaran",
    "ditolak": "DITOLAK",
    "ubah_faq": "ubah pertanyaan umum",
    "kuitansi": "cetak tanda terima",
}


#: The audit log's `detail` codes as an operator reads them (`python -m bot audit`).
AUDIT_DETAILS: dict[str, str] = {
    "cli": "dari shell",
    "folder": "dari folder impor (BOT_IMPORT_DIR)",
    "fixed_admin": "admin tetap (BOT_ADMIN_IDS)",
    "last_admin": "admin terakhir",
    "not_staff": "bukan petugas",
    "same_role": "peran sudah sama",
    "bad_id": "ID tidak sah",
    "not_admin": "bukan admin",
}


#: The audit log's reason for a refused staff command or button (read with `audit`).
AUDIT_REFUSED_NOT_STAFF = "bukan petugas"
AUDIT_REFUSED_NOT_ADMIN = "bukan admin"


AUDIT_HEADERS: tuple[str, ...] = (
    "Waktu",
    "Pelaku",
    "Tindakan",
    "Sasaran",
    "Lama",
    "Baru",
    "Keterangan",
)


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One row of the audit log as the shell shows it."""

    at: str  # UTC ISO timestamp
    actor_id: int | None  # None: done in the shell
    action: str  # a code of bot/storage/audit.py, named by AUDIT_ACTIONS
    target: str | None
    old_value: str | None
    new_value: str | None
    detail: str | None


def audit_table(rows: Sequence[AuditLine], tz: str) -> str:
    """The audit log as a plain-text table, oldest first, times in the office's zone (tz)."""
    if not rows:
        return "Log audit kosong untuk rentang ini."
    first = local_time(datetime.fromisoformat(rows[0].at), tz)
    table = [(f"{AUDIT_HEADERS[0]} ({zone_short(first)})", *AUDIT_HEADERS[1:])]
    for row in rows:
        when = local_time(datetime.fromisoformat(row.at), tz).strftime("%Y-%m-%d %H:%M")
        table.append(
            (
                when,
                "shell" if row.actor_id is None else str(row.actor_id),
                AUDIT_ACTIONS.get(row.action, row.action),
                row.target or "-",
                row.old_value or "-",
                row.new_value or "-",
                AUDIT_DETAILS.get(row.detail or "-", row.detail or "-").replace("\n", " "),
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(AUDIT_HEADERS) - 1)]
    lines = []
    for r in table:
        cells = [r[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join([*cells, r[-1]]))
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines) + f"\n\n{_n(len(rows))} baris."


def audit_bad_date(given: str) -> str:
    """`python -m bot audit --since` with something that is not a date."""
    return f"Tanggal tidak dikenali: {given!r}. Tulis seperti 2026-11-01."


# --- operators: `python -m bot import FILE` -------------------------------------------------------


def file_not_found(path: str) -> str:
    """A file named in the shell (`import`, the demo's /berkas) that is not there."""
    return f"Berkas tidak ditemukan: {path}"


def import_cli_unusable(reason: str) -> str:
    return f"Berkas tidak bisa diimpor. {reason}"


def import_is_a_folder(path: object) -> str:
    return f"{path} adalah folder, bukan berkas CSV. Sebutkan berkasnya, mis. {path}/harian.csv"


# === 12. Operators: the shell, the demo, running the bot, faults ==================================

# --- operators: `python -m bot run` ---------------------------------------------------------------

RUN_NO_TOKEN = (
    "TELEGRAM_BOT_TOKEN belum diisi (di lingkungan atau berkas .env). "
    "Untuk mencoba bot tanpa Telegram, jalankan: python -m bot demo"
)


def run_bad_token(api_url: str) -> str:
    return (
        f"Token bot ditolak oleh server Bot API ({api_url}). Periksa TELEGRAM_BOT_TOKEN "
        "(dari @BotFather) dan TELEGRAM_API_URL."
    )


def run_unreachable(api_url: str, reason: str) -> str:
    return f"Server Bot API tidak bisa dihubungi ({api_url}): {reason}"


def run_polling_started(api_url: str) -> str:
    return f"Memulai bot: long polling ke {api_url}. Tekan Ctrl-C untuk berhenti."


def run_webhook_started(url: str, listen: str, port: int) -> str:
    return f"Memulai bot: webhook {url}, mendengarkan di {listen}:{port}. Ctrl-C untuk berhenti."


RUN_WORKERS_NEED_POSTGRES = (
    "--workers lebih dari 1 butuh PostgreSQL (BOT_DATABASE_URL) dan mode webhook "
    "(BOT_WEBHOOK_URL): beberapa proses tidak bisa berbagi satu berkas SQLite, dan Telegram "
    "hanya mengizinkan satu pengambil long polling per token."
)


def workers_started(workers: int, first_port: int) -> str:
    last = first_port + workers - 1
    return (
        f"Memulai {workers} pekerja bot: webhook di port {first_port}-{last} "
        "(arahkan proxy ke port-port itu). Ctrl-C untuk berhenti."
    )


def worker_died(index: int, pid: int, status: int | None) -> str:
    return f"Pekerja {index + 1} (PID {pid}) berhenti dengan status {status}; dijalankan lagi."


MIGRATE_DB_NOT_POSTGRES = "--to harus alamat PostgreSQL: postgresql://pengguna:sandi@server/nama"


def migrate_db_start(db_path: object, url: str) -> str:
    return f"Menyalin {db_path} ke {url} ..."


def migrate_db_table(table: str, source: int, target: int, checksum: str, ok: bool) -> str:
    if ok:
        return f"  {table}: {format_number(source)} baris, cocok (checksum {checksum})"
    return (
        f"  {table}: {format_number(source)} baris di SQLite, {format_number(target)} di "
        "PostgreSQL: TIDAK COCOK"
    )


def migrate_db_done(url: str, rows: int) -> str:
    return (
        f"Selesai: {format_number(rows)} baris tersalin ke {url}, jumlah dan checksum setiap tabel "
        "cocok. Pakai berkas kunci yang sama (BOT_SECRET_KEY_FILE), isi BOT_DATABASE_URL, "
        "lalu jalankan bot lagi."
    )


def migrate_db_mismatch(tables: list[str]) -> str:
    return (
        f"Salinan TIDAK cocok untuk: {', '.join(tables)}. Jangan pakai basis data PostgreSQL "
        "ini; kosongkan, lalu ulangi migrate-db."
    )


def migrate_db_not_empty(url: str, table: str, rows: int) -> str:
    return (
        f"Basis data {url} tidak kosong (tabel {table}: {format_number(rows)} baris). "
        "migrate-db hanya menyalin ke basis data PostgreSQL yang baru dibuat (createdb)."
    )


def run_bad_response(api_url: str, reason: str) -> str:
    return (
        f"Server Bot API ({api_url}) menjawab dengan galat: {reason}. Bila ada proxy di depan "
        "server, periksa proxy itu; bot akan dijalankan ulang oleh systemd."
    )


RUN_NOT_JSON = "jawabannya halaman web, bukan JSON (biasanya dari proxy)"


# The terminal console of `python -m bot demo`.
DEMO_TITLE = "Cek KTP-el — demo di terminal (tanpa Telegram)"
DEMO_PREPARING = "Menyiapkan basis data demo berisi warga rekaan…"


def demo_data_ready(people: int, rows: int, folder: str) -> str:
    return (
        f"Basis data demo siap: {format_number(people)} warga rekaan, "
        f"{format_number(rows)} baris riwayat status.\n"
        f"Folder sementara: {folder} (dihapus saat demo selesai)."
    )


DEMO_PAIRS_HEADER = (
    "NIK dan nomor KK untuk dicoba (semuanya rekaan), satu untuk setiap status yang ada di data:"
)
DEMO_PAIRS_COLUMNS = ("Tahap", "Status", "NIK", "No. KK")


def demo_you_are(staff: bool, user_id: int) -> str:
    who = "petugas (admin)" if staff else "warga"
    return f"Anda chat sebagai {who}, ID Telegram {user_id}."


DEMO_HOW = (
    "Ketik pesan seperti di Telegram, mis. /start, /bantuan, atau NIK lalu nomor KK.\n"
    "Tombol: ketik nomornya, mis. 1, atau tulisannya.\n"
    "Pesan beberapa baris: akhiri baris dengan \\ lalu Enter, dan lanjutkan di baris berikutnya.\n"
    "/berkas PATH [keterangan]: kirim berkas (mis. CSV impor) · /ganti: pindah warga ⇄ petugas"
    " · /keluar atau Ctrl-D: selesai."
)
DEMO_BOT = "Bot"
DEMO_YOU = "Anda"
DEMO_EDITED = "pesan diperbarui"
DEMO_SWITCHED_RESIDENT = "Sekarang Anda chat sebagai warga."
DEMO_SWITCHED_STAFF = "Sekarang Anda chat sebagai petugas (admin)."
DEMO_BYE = "Demo selesai. Sampai jumpa!"
DEMO_NO_BUTTON = "Tidak ada tombol dengan nomor itu."
DEMO_BUTTONS_CHANGED = (
    "Tombolnya sudah berubah (lihat nomor yang baru di atas); belum ada yang ditekan. "
    "Ketik lagi nomornya."
)


def demo_received_kept(folder: str) -> str:
    return f"Berkas dan gambar yang diterima tetap tersimpan di {folder}"


DEMO_FILE_USAGE = "Cara pakai: /berkas PATH [keterangan], mis. /berkas data/status.csv /impor"


def demo_attachment(kind: str, name: str, size: int, saved: str) -> str:
    return f"[{kind}: {name}, {format_number(size)} byte, disimpan di {saved}]"


def demo_import_failed(reason: str) -> str:
    return f"Data demo gagal diimpor: {reason}"


DEMO_MENU_TITLE = "Tombol menu (ketik m1, m2, … atau tulisannya; /menu menampilkannya lagi):"
DEMO_NO_MENU = "Belum ada tombol menu. Ketik /start."


def demo_place(title: str | None, address: str | None, link: str) -> str:
    """A venue (or a pin alone) in the terminal: name, address, and a map link to open."""
    if title is None:
        return f"📍 Titik lokasi: {link}"
    return f"📍 {title}\n{address or ''}\nPeta: {link}"


# The shell: argparse's own words
CLI_USAGE_PREFIX = "pemakaian: "
CLI_SECTION_TITLES: dict[str, str] = {
    "positional arguments": "argumen",
    "options": "opsi",
    "optional arguments": "opsi",
}
CLI_HELP_OPTION = "tampilkan bantuan ini lalu selesai"
CLI_COMMAND_METAVAR = "PERINTAH"
CLI_USER_ID_INVALID = "ID Telegram berupa angka, misalnya 123456789"


# argparse's error messages, said in Indonesian (bot/cli recognises which one it is).
def cli_missing_arguments(names: str) -> str:
    return f"belum diisi: {names}"


def cli_unknown_arguments(given: str) -> str:
    return f"tidak dikenal: {given}"


def cli_invalid_choice(argument: str, given: str, choices: str) -> str:
    return f"{argument}: {given} tidak ada; pilih {choices}"


def cli_not_an_integer(argument: str, given: str) -> str:
    return f"{argument}: {given} bukan bilangan bulat"


def cli_unreadable_value(argument: str, given: str) -> str:
    return f"{argument}: {given} tidak bisa dibaca"


def cli_expects_one_value(argument: str) -> str:
    return f"{argument} perlu diikuti satu nilai"


def cli_argument_problem(argument: str, problem: str) -> str:
    return f"{argument}: {problem}"


def cli_error(prog: str, message: str) -> str:
    """The last line of a shell command that was typed wrong."""
    kind = "belum lengkap" if message.startswith("belum diisi") else "salah ketik"
    return f"{prog}: {kind}: {message}\nKetik {prog} --help untuk petunjuk."


# Settings, the database, backups
def config_problem(err: ConfigError) -> str:
    """What is wrong with a setting, in one line for the operator."""
    name, given = err.setting, repr(err.given)
    match err.problem:
        case ConfigProblem.MISSING:
            return f"{name} belum diisi"
        case ConfigProblem.QUIET_HOURS_FORMAT:
            return f"{name} harus berbentuk jam-jam seperti 21-06, bukan {given}"
        case ConfigProblem.QUIET_HOURS_RANGE:
            return f"{name}: jam harus 0-23, bukan {given}"
        case ConfigProblem.NOT_A_USER_ID:
            return f"{name} harus berisi id pengguna Telegram (angka), bukan {given}"
        case ConfigProblem.UNKNOWN_TIMEZONE:
            return f"{name} bukan zona waktu yang dikenal: {given}"
        case ConfigProblem.NOT_A_NUMBER:
            return f"{name} harus angka, bukan {given}"
        case ConfigProblem.WEBHOOK_SECRET_CHARACTERS:
            return WEBHOOK_SECRET_INVALID
        case ConfigProblem.NEEDED_BY_WHATSAPP:
            return (
                f"{name} belum diisi: WhatsApp memerlukan WHATSAPP_TOKEN, "
                "WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET dan WHATSAPP_VERIFY_TOKEN "
                "(semuanya diisi, atau tidak satu pun)"
            )
        case ConfigProblem.NOT_A_DATABASE_URL:  # the value may hold a password: not repeated
            return f"{name} harus berbentuk postgresql://pengguna:sandi@server/nama_basis_data"
    return f"{name} tidak bisa dipakai: {given}"


def cli_bad_config(err: ConfigError) -> str:
    return f"Konfigurasi salah: {config_problem(err)}"


def cli_database_missing(path: object) -> str:
    return (
        f"Basis data tidak ditemukan: {path}. Perintah ini hanya membaca; basis data dibuat "
        "oleh run, import, atau staff add (periksa BOT_DB_PATH)."
    )


CLI_DATABASE_RULE = (
    "Basis data (BOT_DB_PATH) dibuat hanya oleh perintah yang menulis: run, import, staff add "
    "dan staff remove. Perintah yang hanya membaca (staff list, audit, outbox, backup) tidak "
    "pernah membuatnya; bila belum ada, mereka mengatakannya dan berhenti."
)


BACKUP_ONTO_ITSELF = "Tujuan backup tidak boleh sama dengan basis data itu sendiri."


def backup_use_pg_dump(url: object) -> str:
    return (
        f"Basis data ini PostgreSQL ({url}): cadangkan dengan pg_dump, mis. "
        "pg_dump -Fc -f /var/backups/dukcapil.dump NAMA_BASIS_DATA (lihat README, "
        "'Lebih dari satu server'). Berkas kunci (BOT_SECRET_KEY_FILE) dicadangkan terpisah."
    )


def backup_done(dest: object, key_file: object) -> str:
    return (
        f"Backup selesai: {dest}\n"
        f"Simpan juga kunci rahasia ({key_file}) di tempat aman dan terpisah."
    )


SAMPLE_COUNT_INVALID = "harus bilangan bulat 1 atau lebih"


# The outbox in the shell (python -m bot outbox)
OUTBOX_KIND_NAMES = {"status": "Kabar status", "broadcast": "Siaran", "visit": "Jemput bola"}
OUTBOX_STATE_NAMES = {
    "pending": "menunggu",
    "sent": "terkirim",
    "failed": "gagal",
    "cancelled": "dibatalkan",
}
OUTBOX_REASON_NAMES = {
    "blocked": "memblokir bot / chat tidak ada",
    "timeout": "waktu habis (timeout)",
    "server_error": "galat server atau jaringan",
    "bad_request": "ditolak Telegram (pesan salah)",
    "error": "galat lain",
}


#: How `python -m bot outbox` names what WhatsApp reported of a message.
WHATSAPP_STATUS_NAMES = {
    "sent": "diterima WhatsApp",
    "delivered": "sampai",
    "read": "dibaca",
    "failed": "gagal",
}


def outbox_whatsapp(
    by_state: Mapping[str, int], waiting_for_resident: int, reported: Mapping[str, int]
) -> str:
    """`python -m bot outbox`: the WhatsApp rows, and what WhatsApp reported of those sent."""
    states = ", ".join(
        f"{OUTBOX_STATE_NAMES.get(s, s).lower()} {format_number(n)}" for s, n in by_state.items()
    )
    lines = ["", f"WhatsApp: {states}"]
    if waiting_for_resident:
        lines.append(
            f"  {format_number(waiting_for_resident)} menunggu warga menulis lagi"
            " (di luar 24 jam, tanpa template)"
        )
    if reported:
        told = ", ".join(
            f"{WHATSAPP_STATUS_NAMES.get(s, s)} {format_number(reported[s])}"
            for s in WHATSAPP_STATUS_NAMES
            if s in reported
        )
        lines.append(f"  Dilaporkan WhatsApp: {told}")
    return "\n".join(lines)


def outbox_report(
    *,
    by_state: Mapping[str, Mapping[str, int]],
    failed_by_reason: Mapping[str, Mapping[str, int]],
    next_due: str | None,
    tz: str,
    quiet_note: str | None,
    now: datetime,
    quiet_end: datetime | None,
) -> str:
    """`python -m bot outbox`: a plain-text table per kind, failures by reason, and when the
    waiting messages go out (`quiet_end`: when the current quiet hours end, if they are on).

    `by_state`: kind -> state -> count; `failed_by_reason`: kind -> reason -> count;
    `next_due`: when the earliest waiting message is due (UTC ISO)."""
    states = list(OUTBOX_STATE_NAMES)
    kinds = list(OUTBOX_KIND_NAMES)
    kinds += [k for k in by_state if k not in OUTBOX_KIND_NAMES]
    width = max(len(OUTBOX_KIND_NAMES.get(k, k)) for k in kinds) + 2
    head = "".ljust(width) + "".join(OUTBOX_STATE_NAMES[s].rjust(12) for s in states)
    lines = ["Kotak keluar (outbox)", "", head]
    totals = dict.fromkeys(states, 0)
    for kind in kinds:
        counts = by_state.get(kind, {})
        for s in states:
            totals[s] += counts.get(s, 0)
        cells = "".join(format_number(counts.get(s, 0)).rjust(12) for s in states)
        lines.append(OUTBOX_KIND_NAMES.get(kind, kind).ljust(width) + cells)
    total_cells = "".join(format_number(totals[s]).rjust(12) for s in states)
    lines.append("Jumlah".ljust(width) + total_cells)
    lines.append("")
    if failed_by_reason:
        lines.append("Gagal menurut sebab:")
        for kind, reasons in failed_by_reason.items():
            for reason, count in reasons.items():
                name = OUTBOX_REASON_NAMES.get(reason, reason)
                lines.append(
                    f"  {OUTBOX_KIND_NAMES.get(kind, kind)}: {name}: {format_number(count)}"
                )
    else:
        lines.append("Tidak ada pesan yang gagal.")
    if next_due:
        lines.append(_outbox_next_due(datetime.fromisoformat(next_due), now, quiet_end, tz))
    if quiet_note:
        lines.append(quiet_note)
    return "\n".join(lines)


def _outbox_next_due(due: datetime, now: datetime, quiet_end: datetime | None, tz: str) -> str:
    """When the waiting messages go out: later, after the quiet hours, or now (overdue)."""
    when = format_datetime(due, tz)
    if due > now:
        return f"Pesan menunggu berikutnya dijadwalkan: {when}."
    if quiet_end is not None:
        return (
            f"Pesan menunggu (yang paling lama sejak {when}) dikirim setelah jam tenang "
            f"berakhir, pukul {format_time(quiet_end, tz)}."
        )
    return (
        f"Pesan menunggu sudah waktunya dikirim sejak {when}. Bot yang berjalan mengirimnya "
        "dalam beberapa detik; bila angka menunggu tidak berkurang, periksa apakah bot "
        "berjalan (python -m bot run)."
    )


def outbox_quiet_note(start: int, end: int, active: bool) -> str:
    now = "sedang berlaku" if active else "tidak sedang berlaku"
    return f"Jam tenang {start:02d}.00–{end:02d}.00 ({now})."


# Faults the operator must fix: one line each, the cause in Indonesian
#: What each kind of `Cause` (bot/domain/operator_error.py) is called.
CAUSE_NAMES: dict[str, str] = {
    "disk_full": "disk penuh",
    "quota": "kuota disk habis",
    "db_read_only": "hanya bisa dibaca (read-only)",
    "fs_read_only": "sistem berkas hanya bisa dibaca (read-only)",
    "not_a_database": "berkas itu bukan basis data SQLite",
    "corrupt": "basis data rusak",
    "locked": "basis data sedang dikunci program lain",
    "cannot_open": "berkas tidak bisa dibuka atau dibuat",
    "no_permission": "tidak ada izin akses",
    "io_error": "galat baca/tulis disk",
    "missing": "folder atau berkas tidak ada",
    "not_a_folder": "bagian dari jalurnya bukan folder",
    "a_folder": "itu sebuah folder, bukan berkas",
    "exists": "sudah ada berkas dengan nama itu",
}


def cause(why: Cause) -> str:
    """An OS or SQLite error's cause in Indonesian (the error's own words only when unknown)."""
    if why.kind is not None:
        return CAUSE_NAMES[why.kind]
    return f"galat SQLite ({why.detail})" if why.sqlite else why.detail


WEBHOOK_SECRET_INVALID = (
    "BOT_WEBHOOK_SECRET hanya boleh berisi huruf A-Z a-z, angka, _ dan -, paling banyak 256 "
    "karakter."
)


def webhook_secret_unreadable(path: object, why: Cause) -> str:
    return (
        f"Token rahasia webhook di {path} tidak bisa dibaca atau dibuat: {cause(why)}. "
        "Perbaiki izin folder data, atau isi BOT_WEBHOOK_SECRET."
    )


def key_missing(key_path: object, db_path: object) -> str:
    return (
        f"Kunci rahasia {key_path} tidak ada, padahal basis data {db_path} dibuat dengan kunci. "
        "Tanpa kunci yang sama tidak ada data yang bisa dicocokkan: kembalikan berkas kunci dari "
        "cadangannya (atau periksa BOT_SECRET_KEY_FILE), lalu jalankan lagi."
    )


def key_different(key_path: object, db_path: object) -> str:
    return (
        f"Kunci rahasia {key_path} bukan kunci yang dipakai untuk basis data {db_path}. Bot "
        "tidak dijalankan agar data tidak tercampur: kembalikan kunci yang benar dari "
        "cadangannya (atau periksa BOT_SECRET_KEY_FILE dan BOT_DB_PATH)."
    )


def key_truncated(key_path: object, length: int, expected: int) -> str:
    return (
        f"Kunci rahasia {key_path} rusak: hanya {length} byte (seharusnya {expected}). "
        "Kembalikan berkas kunci dari cadangannya."
    )


def key_unreadable(key_path: object, why: Cause) -> str:
    return (
        f"Kunci rahasia {key_path} tidak bisa dibaca: {cause(why)}. Periksa izin berkasnya "
        "(pemilik: pengguna yang menjalankan bot, mode 0600)."
    )


def file_readable_by_others(path: object) -> str:
    return (
        f"Peringatan: {path} bisa dibaca pengguna lain di server ini. "
        f"Batasi dengan: chmod 600 {path}"
    )


def storage_failed(path: object, why: Cause) -> str:
    return f"Basis data {path} tidak bisa dipakai: {cause(why)}."


def bot_already_running(db_path: object, holder: str) -> str:
    who = f" ({holder})" if holder else ""
    return (
        f"Bot lain sudah berjalan dengan basis data {db_path}{who}. Hanya satu bot boleh "
        "berjalan per basis data; hentikan yang lain dulu (mis. systemctl stop), atau pakai "
        "BOT_DB_PATH lain."
    )


def lock_unusable(path: object, why: Cause) -> str:
    return f"Berkas kunci proses {path} tidak bisa dibuat atau dikunci: {cause(why)}."


# The shell: python -m bot kuitansi (receipt slips)
CLI_KUITANSI_NO_USERNAME = (
    "Nama pengguna bot tidak diketahui: isi BOT_USERNAME (mis. BOT_USERNAME=cekktpel_bot), "
    "atau TELEGRAM_BOT_TOKEN agar ditanyakan ke Telegram (getMe)."
)
CLI_KUITANSI_NEEDS_ONE = "Tulis satu NIK, atau --csv BERKAS untuk banyak tanda terima."
CLI_KUITANSI_NONE = "Tidak ada tanda terima yang dibuat."


def cli_kuitansi_getme_failed(reason: str) -> str:
    return f"Telegram tidak bisa ditanya nama pengguna bot (getMe): {reason}. Isi BOT_USERNAME."


def cli_kuitansi_row(line: int, reason: str) -> str:
    return f"baris {line}: {reason}"


def cli_kuitansi_done(count: int, path: str, skipped: int) -> str:
    text = f"{_n(count)} tanda terima ditulis ke {path}."
    if skipped:
        text += f" {_n(skipped)} baris dilewati (lihat di atas)."
    return text


def cli_kuitansi_wrong_suffix(path: str, wanted: str) -> str:
    return f"Berkas keluaran {path} harus berakhiran {wanted}."
