"""Every sentence a person reads, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, one per feature (each owned by one part of the code): formatting, statuses and NIK
reasons, general (start/help), residents, staff, import, notifications and broadcasts. The five
texts of each of the 18 statuses are in `status_texts.toml` beside this module, for office staff
to correct without touching Python.

This module imports only the domain (states, nik, config): its functions take plain values and
the small dataclasses defined here; limits and menus belong to the modules that enforce them.
"""

from __future__ import annotations

import calendar
import errno
import html
import re
import sqlite3
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.config import ConfigError, ConfigProblem, OfficeInfo
from bot.nik import InvalidNumberError, Problem
from bot.operator_error import OperatorError, StorageError
from bot.states import ALL_STATUSES, STAGE_ORDER, Actor, KtpStatus, Stage, UnknownStatusError
from bot.text_fit import clip

#: Every value a sentence escapes (`_escape`) is also clipped: an echo of what someone
#: typed never makes a message too long (the longest real value, a staff note, is 500).
ECHO_LIMIT = 500


def _escape(value: str, quote: bool = True) -> str:
    return html.escape(clip(str(value), ECHO_LIMIT), quote)


# --- formatting -------------------------------------------------------------------------------

LOCALE = "id_ID"


def format_number(n: float) -> str:
    """A number as Indonesians write it: "11.000", "12,5"."""
    return babel_numbers.format_decimal(n, locale=LOCALE)


def format_date(d: date) -> str:
    """A date with its weekday: "Senin, 28 Januari 2019"."""
    return babel_dates.format_date(d, "EEEE, d MMMM y", locale=LOCALE)


def format_short_date(d: date) -> str:
    """A date without the weekday: "28 Januari 2019"."""
    return babel_dates.format_date(d, "d MMMM y", locale=LOCALE)


def _local(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:  # our clock works in UTC; a naive time is taken as UTC
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz))


def format_time(dt: datetime, tz: str) -> str:
    """The local clock time in tz: "06.00"."""
    return babel_dates.format_time(_local(dt, tz), "HH.mm", locale=LOCALE)


def format_datetime(dt: datetime, tz: str) -> str:
    """Local date and time in tz: "Senin, 28 Januari 2019 pukul 14.05 WIB"."""
    local = _local(dt, tz)
    zone = babel_dates.format_time(local, "zzz", locale=LOCALE)
    return f"{format_date(local.date())} pukul {format_time(local, tz)} {zone}"


def format_days(n: float) -> str:
    """A duration in whole days: "12 hari", "1.250 hari", "kurang dari 1 hari"."""
    days = int(n + 0.5) if n >= 0 else 0
    if days < 1:
        return "kurang dari 1 hari"
    return f"{format_number(days)} hari"


def _months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (later.day < earlier.day)


def format_ago(d: date, today: date) -> str:
    """How long ago a day was, in plain words: "hari ini", "kemarin", "3 bulan lalu"."""
    days = (today - d).days
    if days < 0:
        return "besok" if days == -1 else f"{format_number(-days)} hari lagi"
    if days == 0:
        return "hari ini"
    if days == 1:
        return "kemarin"
    if days < 14:
        return f"{days} hari lalu"
    months = _months_between(d, today)
    if months < 2:
        return f"{days // 7} minggu lalu"
    if months < 24:
        return f"{months} bulan lalu"
    return f"{format_number(months // 12)} tahun lalu"


def format_duration(delta: timedelta) -> str:
    """A waiting time in the largest sensible unit: "3 hari", "2 minggu", "5 bulan"."""
    return babel_dates.format_timedelta(delta, threshold=1.5, locale=LOCALE)


# --- statuses and NIK reasons -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusText:
    """What a resident reads about one status, in five short parts."""

    title: str  # a few words, shown in bold above the rest
    meaning: str  # what is happening to the data now
    why_slow: str  # why this step can take long
    who_acts: str  # who is handling it now
    what_to_do: str  # what the resident should do, and what to bring when they must come


# Things residents bring to the office, named as in bot/status_texts.toml.
_BRING_KK = "Kartu Keluarga (KK) asli"
_BRING_PROOF = "KTP lama, surat keterangan (suket) atau bukti perekaman yang Anda punya"

STATUS_TEXTS_FILE = "status_texts.toml"  # beside this module; office staff may correct it


class StatusTextsError(RuntimeError):
    """bot/status_texts.toml cannot be used: the message says which status and which text."""


def load_status_texts(path: Path | Traversable) -> dict[KtpStatus, StatusText]:
    """The five texts of every status from the TOML file at `path`, one table per status code.

    Line breaks inside a text are joined into single spaces (a text is one paragraph). Raises
    StatusTextsError when the file cannot be read, or when a status, or one of its texts, is
    missing, empty or unknown: the bot must not start with a hole in what residents read.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise StatusTextsError(f"{path}: cannot be read as TOML: {exc}") from exc
    parts = [f.name for f in fields(StatusText)]
    problems: list[str] = []
    unknown = sorted(set(data) - set(KtpStatus.__members__))
    if unknown:
        problems.append(f"unknown status code(s): {', '.join(unknown)}")
    texts: dict[KtpStatus, StatusText] = {}
    for status in ALL_STATUSES:
        table = data.get(status.value)
        if not isinstance(table, dict):
            problems.append(f"status {status.value} is missing (a [{status.value}] table)")
            continue
        extra = sorted(set(table) - set(parts))
        if extra:
            problems.append(f"[{status.value}] has unknown text(s): {', '.join(extra)}")
        values: dict[str, str] = {}
        for part in parts:
            value = table.get(part)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"[{status.value}] has no '{part}' text")
                continue
            values[part] = " ".join(value.split())
        if len(values) == len(parts):
            texts[status] = StatusText(**values)
    if problems:
        raise StatusTextsError(f"{path}: " + "; ".join(problems))
    return texts


#: What residents read about each status, from bot/status_texts.toml (read once, at import).
STATUS_TEXTS: dict[KtpStatus, StatusText] = load_status_texts(
    resources.files(__package__ or "bot").joinpath(STATUS_TEXTS_FILE)
)

#: Short names of the stages, for the journey line and staff figures.
STAGE_NAMES: dict[Stage, str] = {
    Stage.RECORDING: "Rekam",
    Stage.SENDING: "Kirim",
    Stage.CENTRAL: "Pusat",
    Stage.PROBLEM: "Perlu dicek",
    Stage.PRINTING: "Cetak",
    Stage.DONE: "Selesai",
}

#: Who acts now, in a few words.
ACTOR_NAMES: dict[Actor, str] = {
    Actor.RESIDENT: "Warga (Anda)",
    Actor.OFFICE: "Disdukcapil Musi Rawas",
    Actor.CENTRAL: "Pusat data Kemendagri di Jakarta",
    Actor.RESIDENT_AND_OFFICE: "Warga bersama Disdukcapil Musi Rawas",
    Actor.NOBODY: "Tidak ada, sudah selesai",
}

_DONE_MARK, _NOW_MARK, _TODO_MARK, _PROBLEM_MARK = "✅", "🔄", "⬜", "⚠️"
_YOUR_TURN_MARK = "👉"


def stage_track(status: KtpStatus) -> str:
    """The journey on one short line: "✅ Rekam › ✅ Kirim › 🔄 Pusat › ⬜ Cetak › ⬜ Selesai".

    A problem (data ganda, sidik jari mirip, perlu dicocokkan) shows as ⚠️ at the central
    step; a step where the resident must come shows as 👉; a finished card is all ✅.
    """
    facts = status.facts
    stage = Stage.CENTRAL if facts.stage is Stage.PROBLEM else facts.stage
    now = STAGE_ORDER.index(stage)
    marks: list[str] = []
    for i, step in enumerate(STAGE_ORDER):
        if i < now or status is KtpStatus.CARD_ISSUED:
            mark = _DONE_MARK
        elif i > now:
            mark = _TODO_MARK
        elif facts.stage is Stage.PROBLEM:
            mark = _PROBLEM_MARK
        elif facts.resident_must_come:
            mark = _YOUR_TURN_MARK
        else:
            mark = _NOW_MARK
        marks.append(f"{mark} {STAGE_NAMES[step]}")
    return " › ".join(marks)


def _shown(text: object, limit: int = 40) -> str:
    """Something a person typed, shortened and made safe inside an HTML message."""
    value = str(text)
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return html.escape(value, quote=False)


_LOOKALIKE_DIGITS = {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "i": "1", "S": "5"}
_MONTHS_FULL = babel_dates.get_month_names("wide", locale=LOCALE)


def _impossible_birth_date(detail: dict[str, object]) -> str:
    raw_day = int(str(detail.get("raw_day", detail.get("day", 0))))
    day = int(str(detail.get("day", raw_day)))
    month = int(str(detail.get("month", 0)))
    year = detail.get("year")
    digits = detail.get("digits")
    where = f"Angka ke-7 sampai ke-12 NIK ({digits})" if digits else "Angka ke-7 sampai ke-12 NIK"
    intro = f"{where} adalah tanggal lahir, tetapi tanggal itu tidak mungkin:"
    rule = (
        "Untuk laki-laki tanggalnya 01 sampai 31; untuk perempuan tanggal lahir ditambah 40,"
        " jadi 41 sampai 71."
    )
    if not 1 <= month <= 12:
        return f"{intro} bulan {month:02d} tidak ada, bulan hanya 01 sampai 12."
    if raw_day == 0 or 31 < raw_day <= 40 or raw_day > 71:
        return f"{intro} tanggal {raw_day:02d} tidak ada. {rule}"
    woman = f" ({raw_day} dikurangi 40 untuk perempuan)"
    woman = woman if raw_day > 40 else ""
    month_name = _MONTHS_FULL[month]
    if month == 2 and day == 29 and year:
        return (
            f"{intro} tanggal 29 Februari{woman} tidak ada pada tahun {year},"
            " karena tahun itu bukan tahun kabisat."
        )
    last_day = calendar.monthrange(2000, month)[1]  # 2000 is a leap year: Februari has 29
    return (
        f"{intro} tanggal {day} {month_name}{woman} tidak ada, karena {month_name} hanya"
        f" sampai tanggal {last_day}."
    )


def nik_problem(err: InvalidNumberError) -> str:
    """One sentence (or two) that says exactly what is wrong with a NIK or Nomor KK."""
    is_nik = err.kind == "nik"
    name = "NIK" if is_nik else "Nomor KK"
    detail = err.detail
    match err.problem:
        case Problem.EMPTY:
            if is_nik:
                return "NIK belum ada. Ketik 16 angka NIK yang tertulis di KTP atau Kartu Keluarga."
            return "Nomor KK belum ada. Ketik 16 angka di bagian atas Kartu Keluarga Anda."
        case Problem.NOT_DIGITS:
            found = str(detail.get("characters", ""))
            letters = [c for c in found if c.isalpha()]
            if letters and len(letters) == len(found):
                what = "huruf"
            elif letters:
                what = "huruf atau tanda"
            else:
                what = "tanda"
            shown = ", ".join(f"<b>{_shown(c)}</b>" for c in found) or "?"
            text = f"{name} hanya berisi angka, tetapi yang Anda kirim berisi {what}: {shown}."
            hints = [
                f"{c} mungkin maksudnya angka {_LOOKALIKE_DIGITS[c]}"
                for c in found
                if c in _LOOKALIKE_DIGITS
            ]
            if hints:
                text += " Huruf " + "; huruf ".join(hints) + "."
            return text
        case Problem.WRONG_LENGTH:
            length = int(str(detail.get("length", 0)))
            text = f"{name} harus 16 angka, yang Anda kirim {format_number(length)} angka."
            if length == 32:
                text += " Jika itu NIK dan Nomor KK, beri spasi di antara keduanya."
            elif length < 16:
                text += " Mungkin ada angka yang terlewat."
            else:
                text += " Mungkin ada angka yang terketik dua kali."
            return text
        case Problem.UNKNOWN_PROVINCE:
            code = _shown(detail.get("province", ""))
            where = "yang tertulis di KTP" if is_nik else "di bagian atas Kartu Keluarga"
            return (
                f"Dua angka pertama {name} ({code}) bukan kode provinsi di Indonesia."
                f" Untuk Sumatera Selatan, angka awalnya 16. Periksa lagi angka {where}."
            )
        case Problem.ZERO_REGION:
            return (
                f"Angka ke-3 dan ke-4 {name} adalah 00, padahal itu kode kabupaten atau kota"
                " dan tidak pernah 00. Untuk Musi Rawas, angka awalnya 1605."
            )
        case Problem.IMPOSSIBLE_BIRTH_DATE:
            return _impossible_birth_date(detail)
        case Problem.ZERO_SERIAL:
            if is_nik:
                return (
                    "Empat angka terakhir NIK adalah 0000. Nomor urut NIK selalu mulai dari"
                    " 0001, jadi NIK ini tidak mungkin benar."
                )
            return (
                "Empat angka terakhir Nomor KK adalah 0000. Nomor urut KK selalu mulai dari"
                " 0001, jadi Nomor KK ini tidak mungkin benar."
            )
    return f"{name} ini tidak bisa dipakai. Periksa lagi angkanya."


def status_reason(err: UnknownStatusError) -> str:
    """For staff: an unknown status spelling and the closest codes."""
    given = err.given.strip()
    text = f"Status '{_shown(given)}' tidak dikenal." if given else "Status belum ditulis."
    if err.suggestions:
        return text + " Mungkin maksud Anda: " + ", ".join(s.value for s in err.suggestions) + "."
    return text + " Tulis salah satu kode status, misalnya PRINT_READY_RECORD (boleh PRR)."


#: For staff help: every code in journey order with its title, and the short forms accepted.
STATUS_CODES_HELP: str = (
    "\n".join(f"{s.order}. {s.value} — {STATUS_TEXTS[s].title}" for s in ALL_STATUSES)
    + "\nSingkatan: PRR = PRINT_READY_RECORD, SFE = SENT_FOR_ENROLLMENT, DR/DUP = DUPLICATE_RECORD."
)


# --- general: start, help, errors -------------------------------------------------------------

#: What each command does, as the Telegram menu (setMyCommands) and /bantuan describe it.
#: Which commands each audience's menu shows, and in what order, is wired in
#: bot/handlers/general.py.
RESIDENT_COMMAND_DESCRIPTIONS: dict[str, str] = {
    "start": "Mulai: sambutan dan cara memakai bot",
    "cek": "Cek status KTP-el dengan NIK dan nomor KK",
    "langganan": "Daftar NIK yang Anda pantau dan statusnya",
    "berhenti": "Berhenti menerima kabar status",
    "pengumuman": "Nyalakan atau matikan pengumuman kantor",
    "hapusdata": "Hapus semua data Anda di bot ini",
    "privasi": "Cara bot menjaga data pribadi Anda",
    "bantuan": "Petunjuk singkat dan kontak kantor",
}
#: The same for staff and admins (a command both audiences have is described for staff here).
STAFF_COMMAND_DESCRIPTIONS: dict[str, str] = {
    "status": "Lihat data dan riwayat: /status NIK",
    "ubah": "Ubah status: /ubah NIK STATUS [catatan]",
    "impor": "Impor CSV status dari sistem pusat",
    "statistik": "Antrean, tunggakan dan angka terkini",
    "siaran": "Kirim pengumuman ke warga",
    "blanko": "Catat stok blanko: /blanko JUMLAH",
    "petugas": "Kelola petugas dan admin",
    "kantor": "Info kantor untuk warga: alamat, jam, kontak",
    "cek": "Cek status KTP-el seperti warga",
    "bantuan": "Petunjuk perintah petugas",
}


def _command_lines(commands: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"/{name} — {html.escape(about)}" for name, about in commands)


def office_contact(address: str, hours: str, contact: str) -> str:
    """The office block shown under /start and /bantuan."""
    return (
        "<b>Kantor Disdukcapil Kabupaten Musi Rawas</b>\n"
        f"Alamat: {html.escape(address)}\n"
        f"Jam layanan: {html.escape(hours)}\n"
        f"Kontak: {html.escape(contact)}"
    )


def welcome_private(first_name: str, office: str) -> str:
    """/start in a private chat: who we are, what the bot does, how to check."""
    return (
        f"Halo, {html.escape(first_name)}! Selamat datang di <b>Cek KTP-el</b>, layanan Dinas "
        "Kependudukan dan Pencatatan Sipil (Disdukcapil) Kabupaten Musi Rawas.\n\n"
        "Di sini Anda bisa melihat sampai mana proses KTP-el Anda: apa arti statusnya, "
        "mengapa bisa lama, siapa yang sedang bertindak, dan apakah Anda perlu datang ke "
        "kantor. Bot juga bisa memberi kabar saat KTP-el Anda sudah dicetak.\n\n"
        "<b>Cara cek:</b> ketik NIK Anda (16 angka, ada di Kartu Keluarga), atau tekan /cek. "
        "Untuk membuktikan data itu milik Anda, bot akan meminta nomor KK.\n\n"
        f"{office}\n\n"
        "Ketik /bantuan kapan saja untuk melihat semua perintah."
    )


def start_check(first_name: str) -> str:
    """/start from the group's button: straight to the check (ASK_NIK is in the residents part)."""
    return f"Halo, {html.escape(first_name)}! Mari cek status KTP-el Anda.\n\n{ASK_NIK}"


def welcome_group(bot_username: str) -> str:
    """/start in a group: the bot never shows statuses there."""
    return (
        "Halo! Saya <b>Cek KTP-el</b>, bot Disdukcapil Kabupaten Musi Rawas untuk mengecek "
        "status KTP-el.\n\n"
        "Demi menjaga data pribadi, status KTP-el hanya bisa dicek lewat chat pribadi. "
        f"Silakan buka @{html.escape(bot_username)} lalu tekan <b>Mulai</b>. Jangan kirim NIK atau "
        "nomor KK di grup."
    )


def help_private(
    office: str,
    commands: Sequence[tuple[str, str]],
    staff_commands: Sequence[tuple[str, str]] = (),
) -> str:
    """/bantuan (and the answer to anything the bot did not understand) in a private chat.

    `commands`: the residents' (command, description) pairs; `staff_commands`: the staff
    member's own commands, listed under their own heading (none for a resident)."""
    text = (
        "<b>Cara memakai Cek KTP-el</b>\n"
        "Ketik NIK Anda (16 angka) kapan saja, atau NIK dan nomor KK sekaligus, "
        "misalnya: <code>1605xxxxxxxxxxxx 1605xxxxxxxxxxxx</code>.\n\n"
        f"<b>Perintah</b>\n{_command_lines(commands)}"
    )
    if staff_commands:
        text += f"\n\n<b>Perintah petugas</b>\n{_command_lines(staff_commands)}"
    return f"{text}\n\n{office}"


def help_group(bot_username: str) -> str:
    """/bantuan or an unknown command in a group."""
    return (
        "Status KTP-el hanya bisa dicek lewat chat pribadi, demi menjaga data pribadi. "
        f"Buka @{html.escape(bot_username)}, tekan <b>Mulai</b>, lalu ketik NIK Anda. "
        "Jangan kirim NIK atau nomor KK di grup."
    )


def unknown_command(command: str) -> str:
    """First line of the answer to a command the bot does not have."""
    return f"Perintah <code>{html.escape(command)}</code> tidak dikenal. Ini yang bisa saya bantu:"


NOT_UNDERSTOOD = "Maaf, saya belum mengerti pesan itu. Ini yang bisa saya bantu:"

NOT_TEXT = (
    "Maaf, saya hanya bisa membaca tulisan, bukan foto, berkas, stiker atau pesan suara. "
    "Ketik NIK Anda (16 angka). Demi keamanan data Anda, jangan kirim foto KTP atau Kartu "
    "Keluarga di chat.\n\nIni yang bisa saya bantu:"
)

ERROR_KIND = (
    "Maaf, terjadi gangguan di sistem kami sehingga pesan Anda belum bisa diproses. "
    "Data Anda tetap aman. Silakan coba lagi beberapa menit lagi; bila masih gagal, "
    "hubungi kantor Disdukcapil."
)

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
DEMO_FILE_USAGE = "Cara pakai: /berkas PATH [keterangan], mis. /berkas data/status.csv /impor"


def demo_attachment(kind: str, name: str, size: int, saved: str) -> str:
    return f"[{kind}: {name}, {format_number(size)} byte, disimpan di {saved}]"


def demo_import_failed(reason: str) -> str:
    return f"Data demo gagal diimpor: {reason}"


# `python -m bot run`: messages for the operator.
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


# --- residents --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WaitingFigures:
    """How long a record has waited in its status, against the usual stay (bot/insights.py)."""

    waited_days: int  # days since it entered its current status
    usual_known: bool  # enough finished stays to say what is usual
    usual_median_days: float | None
    usual_p80_days: int | None
    longer_than_usual: bool  # waited more than the usual (p80), with enough samples
    queue_before: int | None = None  # PRINT_READY_RECORD: records ahead in the print queue
    blanko_stock: int | None = None  # PRINT_READY_RECORD: blank cards in stock, when set


#: Buttons under a check's answer.
BTN_SUBSCRIBE = "🔔 Beri tahu saya"
BTN_CHECK_ANOTHER = "🔎 Cek NIK lain"
BTN_ALL_STAGES = "📖 Penjelasan semua tahap"
#: Ready-made labels for a followed NIK; the resident may also type one.
LABEL_PRESETS: tuple[str, ...] = ("Saya sendiri", "Ibu", "Ayah", "Istri", "Suami", "Anak")
BTN_NO_LABEL = "Tanpa nama"
BTN_STOP_ALL = "Berhenti semua"
BTN_KEEP = "Batal"
BTN_ERASE_YES = "Ya, hapus data saya"
BTN_ERASE_NO = "Batal"
BTN_OPEN_PRIVATE = "💬 Buka chat pribadi"

ASK_NIK = (
    "Ketik <b>NIK</b> yang ingin dicek: 16 angka yang tertulis di KTP lama atau di Kartu "
    "Keluarga.\n\n"
    "Lebih cepat: kirim NIK lalu <b>Nomor KK</b> dalam satu pesan, dipisah spasi, misalnya\n"
    "<code>1605xxxxxxxxxxxx 1605xxxxxxxxxxxx</code>"
)


def ask_kk(nik_masked: str) -> str:
    """A valid NIK arrived alone: ask for the second factor."""
    return (
        f"NIK <b>{nik_masked}</b> diterima.\n\n"
        "Untuk memastikan data ini milik Anda atau keluarga Anda, sekarang ketik "
        "<b>Nomor KK</b>: 16 angka di bagian atas Kartu Keluarga.\n"
        "Ketik /batal bila tidak jadi."
    )


def same_as_nik(nik_masked: str | None) -> str:
    shown = f" ({nik_masked})" if nik_masked else ""
    return (
        f"Itu NIK yang sama{shown}. Sekarang yang diperlukan adalah <b>Nomor KK</b>: nomor "
        "di bagian atas Kartu Keluarga, bukan NIK."
    )


def invalid_number(problem: str) -> str:
    """`problem` is nik_problem(err): exactly what is wrong; then what to do."""
    return f"{problem}\n\nPeriksa lagi angkanya, lalu kirim ulang."


TOO_MANY_NUMBERS = (
    "Pesan Anda berisi lebih dari dua nomor. Kirim NIK saja, atau NIK lalu Nomor KK "
    "(dua nomor, dipisah spasi)."
)


def no_match(attempts_left: int | None) -> str:
    """Wrong KK or unknown NIK: deliberately one answer for both."""
    text = (
        "NIK dan Nomor KK itu <b>tidak cocok</b> dengan data kami.\n\n"
        "Periksa lagi keduanya: NIK ada di KTP lama atau di daftar anggota Kartu Keluarga; "
        "Nomor KK ada di bagian atas Kartu Keluarga. Jika keduanya sudah benar, mungkin data "
        "Anda belum masuk ke layanan ini (data diperbarui berkala dari sistem kantor). "
        "Silakan tanyakan ke kantor Disdukcapil."
    )
    if attempts_left is not None and 0 < attempts_left <= 3:
        text += f"\n\nSisa percobaan dari chat ini: {attempts_left} kali dalam satu jam."
    return text


def chat_must_wait(until: datetime, tz: str) -> str:
    return (
        "Sudah terlalu banyak percobaan yang tidak cocok dari chat ini. Demi keamanan data "
        f"warga, cek berikutnya bisa dilakukan lagi mulai <b>{format_datetime(until, tz)}</b>."
    )


def nik_locked(until: datetime, tz: str, office: str) -> str:
    """The NIK is locked for checks (the same for a NIK the bot does not know)."""
    return (
        "Demi keamanan, NIK ini sementara <b>tidak bisa dicek</b> lewat bot sampai "
        f"<b>{format_datetime(until, tz)}</b>, karena sudah terlalu sering dicoba dengan Nomor "
        "KK yang tidak cocok.\n\n"
        "Jika ini NIK Anda, Anda tetap bisa bertanya langsung ke kantor dengan membawa Kartu "
        f"Keluarga.\n\n{office}"
    )


def _waiting_lines(status: KtpStatus, waiting: WaitingFigures, office: OfficeInfo) -> list[str]:
    if status is KtpStatus.CARD_ISSUED or status.facts.resident_must_come:
        return []  # nothing to wait for, or the next step is the resident's: no usual times
    median, p80 = waiting.usual_median_days, waiting.usual_p80_days
    if not waiting.usual_known or median is None or p80 is None:
        return ["⏱️ Kami belum punya cukup data untuk memperkirakan berapa lama biasanya tahap ini."]
    lines = [
        f"⏱️ Biasanya data berada di tahap ini sekitar {format_days(median)}; "
        f"8 dari 10 data sudah pindah ke tahap berikutnya dalam {format_days(p80)}. "
        f"Data Anda sudah {format_days(waiting.waited_days)} di tahap ini."
    ]
    if waiting.longer_than_usual:
        lines.append(
            "⚠️ <b>Ini lebih lama dari biasanya.</b> Silakan tanyakan ke Disdukcapil Musi Rawas: "
            f"{_escape(office.contact)} ({_escape(office.hours)}; {_escape(office.address)})."
        )
    return lines


def _queue_line(waiting: WaitingFigures) -> str | None:
    if waiting.queue_before is None:
        return None
    ahead = waiting.queue_before
    stock = waiting.blanko_stock
    if ahead == 0:
        queue = "data Anda ada di urutan terdepan antrean cetak"
    else:
        queue = f"{format_number(ahead)} data antre sebelum Anda"
    if stock is None:  # staff have not set it: say what it depends on, not a number
        line = f"🖨️ {queue[0].upper()}{queue[1:]}. Data yang lebih dulu siap cetak, dicetak"
        return f"{line} lebih dulu; cepat lambatnya tergantung kiriman blanko dari pusat."
    if stock == 0:
        line = f"🖨️ Stok blanko saat ini sedang habis; {queue}."
        enough = "Pencetakan menunggu kiriman blanko berikutnya dari pusat."
    else:
        line = f"🖨️ Stok blanko saat ini {format_number(stock)} keping; {queue}."
        if stock > ahead:
            enough = "Blanko yang ada cukup sampai giliran Anda."
        else:
            enough = (
                "Blanko yang ada belum cukup sampai giliran Anda; sisanya menunggu kiriman"
                " blanko berikutnya dari pusat."
            )
    return f"{line} {enough} Data yang lebih dulu siap cetak, dicetak lebih dulu."


def check_result(
    *,
    nik_masked: str,
    name_masked: str | None,
    status: KtpStatus,
    status_date: date,
    today: date,
    waiting: WaitingFigures,
    office: OfficeInfo,
    as_of: datetime,
    tz: str,
) -> str:
    """The answer to a successful check: where the card is, why, who acts, what to do."""
    about = STATUS_TEXTS[status]
    name = f" · {_escape(name_masked)}" if name_masked else ""
    lines = [
        f"🪪 <b>KTP-el {nik_masked}</b>{name}",
        f"Status: <b>{about.title}</b>",
        about.meaning,
        "",
        f"📅 Sejak {format_date(status_date)} ({format_ago(status_date, today)})",
        stage_track(status),
        "",
        f"<b>Mengapa bisa lama?</b> {about.why_slow}",
        f"<b>Siapa yang menangani?</b> {about.who_acts}",
        f"<b>Yang perlu Anda lakukan:</b> {about.what_to_do}",
    ]
    if status in (KtpStatus.CARD_PRINTED, KtpStatus.CARD_SHIPPED):
        lines.append(
            f"<b>Tempat pengambilan:</b> {_escape(office.pickup)}. "
            f"Jam layanan: {_escape(office.hours)}."
        )
    elif status.facts.resident_must_come:
        lines.append(
            f"<b>Kantor:</b> {_escape(office.address)}. Jam layanan: {_escape(office.hours)}."
        )
    extra = _waiting_lines(status, waiting, office)
    queue = _queue_line(waiting)
    if queue:
        extra.append(queue)
    if extra:
        lines += ["", *extra]
    lines += ["", f"<i>Data per {format_datetime(as_of, tz)}</i>"]
    return "\n".join(lines)


def all_stages() -> list[str]:
    """Every status, stage by stage, in plain words; split into messages Telegram accepts."""
    parts = ["<b>Perjalanan data KTP-el, tahap demi tahap</b>"]
    order = (Stage.RECORDING, Stage.SENDING, Stage.CENTRAL, Stage.PROBLEM, Stage.PRINTING)
    for stage in (*order, Stage.DONE):
        statuses = [s for s in ALL_STATUSES if s.facts.stage is stage]
        block = [f"\n<b>{STAGE_NAMES[stage]}</b>"]
        block += [f"• <b>{STATUS_TEXTS[s].title}</b>: {STATUS_TEXTS[s].meaning}" for s in statuses]
        parts.append("\n".join(block))
    parts.append(
        "\nLamanya tiap tahap bergantung pada jaringan ke pusat data, keadaan data di pusat, "
        "persediaan blanko KTP-el dari pusat, bahan cetak (ribbon dan film) dan mesin cetak."
    )
    return _chunks(parts)


def _chunks(parts: list[str], limit: int = 3900) -> list[str]:
    messages: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(part) + 1 > limit:
            messages.append(current)
            current = part.lstrip("\n")
        else:
            current = f"{current}\n{part}" if current else part
    if current:
        messages.append(current)
    return messages


def _followed_name(label: str | None, nik_masked: str) -> str:
    return f"<b>{_escape(label)}</b> ({nik_masked})" if label else f"<b>{nik_masked}</b>"


def subscribed(nik_masked: str, following: int, limit: int) -> str:
    return (
        f"🔔 Siap! Bila ada kabar penting tentang KTP-el <b>{nik_masked}</b>, misalnya kartu "
        "sudah dicetak atau Anda perlu datang ke kantor, kami kabari di chat ini.\n"
        f"Chat ini memantau {following} dari paling banyak {limit} NIK.\n\n"
        "Mau beri nama supaya mudah dikenali? Pilih di bawah, atau ketik sendiri "
        "(misalnya Andi)."
    )


def already_subscribed(label: str | None, nik_masked: str) -> str:
    return (
        f"{_followed_name(label, nik_masked)} sudah ada di daftar pantauan Anda.\n\n"
        "Mau memberi atau mengganti namanya? Pilih di bawah, atau ketik sendiri."
    )


def subscriptions_full(limit: int) -> str:
    return (
        f"Chat ini sudah memantau {limit} NIK, jumlah paling banyak. Hentikan salah satu "
        "dengan /berhenti, lalu tekan tombol 🔔 Beri tahu saya lagi."
    )


CHECK_EXPIRED = (
    "Tombol ini sudah kedaluwarsa. Cek NIK itu sekali lagi (NIK dan Nomor KK), lalu tekan "
    "🔔 Beri tahu saya di bawah jawabannya."
)


def ask_label(label: str | None, nik_masked: str) -> str:
    return (
        f"Ketik nama untuk {_followed_name(label, nik_masked)}, paling banyak 30 huruf, "
        "misalnya Andi atau Ibu."
    )


def label_saved(label: str | None, nik_masked: str) -> str:
    if label is None:
        return f"Baik, {nik_masked} dipantau tanpa nama. Lihat daftarnya dengan /langganan."
    return (
        f"Tersimpan: {_followed_name(label, nik_masked)}. "
        "Lihat semua yang Anda pantau dengan /langganan."
    )


NOT_FOLLOWED = "NIK itu sudah tidak ada di daftar pantauan Anda. Lihat daftarnya: /langganan."

NO_SUBSCRIPTIONS = (
    "Anda belum memantau NIK apa pun.\n\n"
    "Cek NIK dulu (ketik NIK dan Nomor KK), lalu tekan 🔔 Beri tahu saya di bawah jawabannya. "
    "Satu chat bisa memantau sampai 10 NIK, misalnya seluruh keluarga."
)


def subscription_list(
    items: list[tuple[str | None, str, KtpStatus, date]], limit: int, today: date
) -> str:
    """/langganan: each followed NIK (label, masked NIK, status, since) with its status now."""
    lines = [f"<b>NIK yang Anda pantau</b> ({len(items)} dari {limit})", ""]
    for i, (label, nik_masked, status, since) in enumerate(items, 1):
        lines.append(f"{i}. {_followed_name(label, nik_masked)}")
        lines.append(
            f"    {STATUS_TEXTS[status].title}, sejak {format_short_date(since)}"
            f" ({format_ago(since, today)})"
        )
    lines += [
        "",
        "Kabar penting dikirim ke chat ini. Tekan tombol ✏️ untuk memberi atau mengganti nama. "
        "Untuk berhenti memantau: /berhenti.",
    ]
    return "\n".join(lines)


def label_button(index: int, label: str | None, nik_masked: str) -> str:
    return f"✏️ {index}. {label or nik_masked}"


def stop_button(index: int, label: str | None, nik_masked: str) -> str:
    return f"{index}. {label or nik_masked}"


STOP_CHOOSE = "Berhenti memantau NIK yang mana? Anda tidak akan menerima kabar tentangnya lagi."
STOP_KEPT = "Baik, daftar pantauan Anda tidak berubah."


def stopped(label: str | None, nik_masked: str) -> str:
    return (
        f"Baik, {_followed_name(label, nik_masked)} tidak dipantau lagi. "
        "Anda bisa memantaunya lagi kapan saja setelah cek NIK."
    )


def stopped_all(count: int) -> str:
    return f"Baik, {count} NIK tidak dipantau lagi. Chat ini tidak akan menerima kabar status."


def stop_usage(count: int) -> str:
    return (
        f"Nomor atau nama itu tidak ada di daftar. Tulis nomornya (1 sampai {count}) atau "
        "namanya, misalnya <code>/berhenti 1</code>, atau tulis <code>/berhenti semua</code>. "
        "Lihat daftarnya dengan /langganan."
    )


NOTHING_TO_STOP = (
    "Anda belum memantau NIK apa pun, jadi tidak ada kabar status yang perlu dihentikan.\n\n"
    "Tidak mau menerima pengumuman umum dari Disdukcapil? Kirim <code>/pengumuman mati</code>."
)


GROUP_PRIVATE_ONLY = (
    "Demi menjaga data pribadi, status KTP-el hanya bisa dicek di <b>chat pribadi</b> dengan "
    "bot. Tekan tombol di bawah untuk membukanya.\n\n"
    "Jangan kirim NIK atau Nomor KK di grup."
)

CANCELLED = "Dibatalkan. Ketik NIK kapan saja untuk mulai cek lagi."
NOTHING_TO_CANCEL = "Tidak ada yang sedang berjalan. Ketik NIK untuk cek status KTP-el."

#: What the keyed hash protects against, and what it does not (issue 11, item 7).
PRIVACY_HASH_LIMITS = (
    "Kode itu melindungi bila basis data saja yang bocor: tanpa kunci rahasia, NIK dan Nomor "
    "KK tidak bisa dicari dari kodenya. Siapa pun yang memegang basis data <i>dan</i> kuncinya "
    "sekaligus bisa menghitung ulang NIK (dari NIK tersamar dan wilayahnya); karena itu kunci "
    "disimpan terpisah dan hanya bisa dibaca oleh bot."
)

PRIVACY = (
    "<b>Data pribadi Anda di Cek KTP-el</b>\n\n"
    "<b>NIK dan Nomor KK yang Anda ketik tidak disimpan.</b> Bot mengubahnya menjadi kode "
    "dengan kunci rahasia kantor, lalu mencocokkannya dengan data kantor yang juga disimpan "
    "sebagai kode. NIK hanya ditampilkan tersamar (1605••••••••0012) dan nama hanya huruf "
    "depannya.\n\n"
    f"{PRIVACY_HASH_LIMITS}\n\n"
    "<b>Yang disimpan tentang chat ini:</b>\n"
    "• nomor chat Telegram dan kapan terakhir menulis, untuk mengirim kabar dan pengumuman "
    "(sampai Anda menghapusnya);\n"
    "• NIK yang Anda pantau dan nama yang Anda berikan, untuk memberi kabar penting, misalnya "
    "saat kartu sudah dicetak (sampai Anda berhenti memantau atau menghapusnya);\n"
    "• cek yang berhasil, selama 7 hari, supaya tombol 🔔 Beri tahu saya bisa dipakai;\n"
    "• cek yang sedang berjalan (menunggu Nomor KK), paling lama 30 menit;\n"
    "• percobaan yang tidak cocok (NIK dalam bentuk kode dan waktunya), selama 2 hari, untuk "
    "mencegah orang menebak-nebak Nomor KK.\n\n"
    "Data ini dipakai hanya untuk layanan ini, tidak dibagikan, dan dijaga sesuai UU No. 27 "
    "Tahun 2022 tentang Pelindungan Data Pribadi.\n\n"
    "Tidak mau menerima pengumuman? /pengumuman. Ingin semua data chat ini dihapus? "
    "/hapusdata."
)

ERASE_CONFIRM = (
    "<b>Hapus semua data Anda di bot ini?</b>\n\n"
    "Yang dihapus: daftar NIK yang Anda pantau beserta namanya, catatan cek, dan data chat "
    "ini (termasuk pilihan soal pengumuman). Anda tidak akan menerima kabar status lagi. "
    "Ini tidak bisa dibatalkan.\n\n"
    "Data KTP-el Anda di kantor Disdukcapil tidak terpengaruh."
)
ERASED = (
    "✅ Selesai. Data chat ini di bot sudah dihapus: daftar pantauan, nama-namanya, catatan "
    "cek dan data chat.\n\n"
    "Demi keamanan, catatan percobaan cek yang tidak cocok tidak ikut dihapus sekarang, supaya "
    "batas percobaan tetap berlaku (termasuk waktu tunggu yang sedang berjalan). Catatan itu "
    "hanya berisi NIK dalam bentuk kode dan waktunya, dan terhapus sendiri dalam 2 hari.\n\n"
    "Anda tetap bisa memakai bot ini kapan saja."
)
ERASE_KEPT = "Baik, tidak ada yang dihapus."

# --- staff and admins -------------------------------------------------------------------------

STAFF_PRIVATE_ONLY = (
    "Perintah petugas hanya bisa dipakai di chat pribadi dengan bot, supaya data warga tidak "
    "terbaca di grup."
)
ADMIN_ONLY = "Perintah ini khusus admin. Minta admin kantor bila perlu mengubahnya."

#: Stage names for staff figures (fuller than the resident's journey line).
STATS_STAGE_NAMES: dict[Stage, str] = {
    Stage.RECORDING: "Perekaman",
    Stage.SENDING: "Pengiriman",
    Stage.CENTRAL: "Di pusat",
    Stage.PROBLEM: "Bermasalah",
    Stage.PRINTING: "Pencetakan",
    Stage.DONE: "Selesai",
}


def _n(n: float) -> str:
    return format_number(n)


# /status NIK

STATUS_USAGE = (
    "Tulis NIK setelah perintahnya, misalnya:\n<code>/status 1605014101900001</code>\n"
    "Bot menampilkan status, riwayat, jumlah langganan, dan kunci verifikasi NIK itu."
)


def staff_not_found(nik_masked: str) -> str:
    """A NIK staff asked about that is not in the bot's data."""
    return (
        f"NIK <code>{_escape(nik_masked)}</code> belum ada dalam data bot. Periksa lagi "
        "angkanya; bila benar, data itu belum pernah diimpor (kirim /impor dengan data terbaru) "
        "atau belum direkam."
    )


def history_source(source: str, actor_id: int | None) -> str:
    """Who or what wrote a history row: "impor data.csv", "petugas 12345"."""
    if source.startswith("import:"):
        return f"impor {source.removeprefix('import:')}"
    if actor_id is not None:
        return f"petugas {actor_id}"
    if source == "staff":
        return "petugas"
    return source


#: /status stays under Telegram's 4096-character limit: older history lines give way first.
STATUS_MESSAGE_BUDGET = 3800
HISTORY_NOTE_LIMIT = 200


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One row of a record's status history, as /status shows it."""

    status: KtpStatus
    entered_on: date
    source: str  # "import:<file>", "staff", ...
    actor_id: int | None
    note: str | None


def staff_record(
    *,
    nik_masked: str,
    name_masked: str | None,
    district: str,
    status: KtpStatus,
    status_date: date,
    note: str | None,
    history: Sequence[HistoryLine],
    district_name: str | None,
    subscribers: int,
    locked_until: datetime | None,
    today: date,
    tz: str,
) -> str:
    """/status for staff: masked identity, current status, full history, subscribers, lock."""
    place = f"{_escape(district_name)} ({district})" if district_name else district
    head = [
        f"<b>NIK {_escape(nik_masked)}</b>",
        f"Nama: {_escape(name_masked or '-')}",
        f"Wilayah: {place}",
        f"Status: <b>{status.value}</b> sejak {format_short_date(status_date)}"
        f" ({format_ago(status_date, today)})",
    ]
    if note:
        head.append(f"Catatan: {_escape(_clip(note, HISTORY_NOTE_LIMIT))}")
    head += ["", f"<b>Riwayat</b> ({_n(len(history))} entri)"]
    tail = ["", f"Langganan: {_n(subscribers)} chat"]
    if locked_until is not None:
        tail.append(
            "Cek oleh warga: <b>terkunci</b> sampai "
            f"{_escape(format_datetime(locked_until, tz))} (terlalu banyak nomor KK yang salah)"
        )
    else:
        tail.append("Cek oleh warga: tidak terkunci")
    entries: list[str] = []
    for entry in history:
        line = (
            f"• {format_short_date(entry.entered_on)} — {entry.status.value} — "
            f"{_escape(history_source(entry.source, entry.actor_id))}"
        )
        if entry.note:
            line += f" — <i>{_escape(_clip(entry.note, HISTORY_NOTE_LIMIT))}</i>"
        entries.append(line)
    room = STATUS_MESSAGE_BUDGET - sum(len(line) + 1 for line in head + tail) - 60
    shown: list[str] = []
    for line in reversed(entries):  # newest first until the message is full
        if len(line) + 1 > room:
            break
        shown.insert(0, line)
        room -= len(line) + 1
    if len(shown) < len(entries):
        older = len(entries) - len(shown)
        shown.insert(0, f"… {_n(older)} entri lebih lama tidak ditampilkan")
    return "\n".join(head + shown + tail)


# /ubah NIK STATUS [catatan]

UBAH_USAGE = (
    "Tulis: <code>/ubah NIK STATUS [catatan]</code>\n"
    "Contoh: <code>/ubah 1605014101900001 PRR blanko sudah datang</code>\n"
    "Status boleh ditulis dengan spasi atau tanda hubung, atau singkatan PRR, SFE, DR."
)


def ubah_note_too_long(limit: int) -> str:
    return f"Catatan terlalu panjang; paling banyak {limit} huruf."


UBAH_BUTTON_YES = "✅ Ya, ubah"
UBAH_BUTTON_BACKWARD = "⚠️ Ya, mundurkan status"
UBAH_BUTTON_NO = "✖️ Batal"
UBAH_CANCELLED = "Dibatalkan. Status tidak diubah."
UBAH_EXPIRED = (
    "Permintaan ini sudah tidak berlaku (bot dimulai ulang atau sudah dijawab). "
    "Kirim /ubah lagi bila masih perlu."
)


def ubah_unknown_status(err: UnknownStatusError) -> str:
    """A status spelling /ubah did not recognise, with the closest codes."""
    return status_reason(err) + "\n\n" + UBAH_USAGE


def ubah_same_status(nik_masked: str, status: KtpStatus, since: date) -> str:
    return (
        f"NIK <code>{_escape(nik_masked)}</code> sudah berstatus <b>{status.value}</b> sejak "
        f"{format_short_date(since)}. Tidak ada yang diubah."
    )


def ubah_confirm(
    nik_masked: str,
    old: KtpStatus,
    old_since: date,
    new: KtpStatus,
    note: str | None,
    *,
    backward: bool,
) -> str:
    """The question before a status change: old → new, what it will cause."""
    lines = [
        f"Ubah status NIK <code>{_escape(nik_masked)}</code>?",
        f"<b>{old.value}</b> (sejak {format_short_date(old_since)})",
        f"→ <b>{new.value}</b> (hari ini)",
    ]
    if note:
        lines.append(f"Catatan: {_escape(note)}")
    if new.facts.notifies:
        lines.append("Warga yang berlangganan akan diberi kabar.")
    if backward:
        lines.append(
            f"⚠️ Ini langkah <b>mundur</b> dalam alur (urutan {old.order} → {new.order}); "
            "bot akan meminta konfirmasi sekali lagi."
        )
    return "\n".join(lines)


def ubah_confirm_backward(nik_masked: str, old: KtpStatus, new: KtpStatus) -> str:
    return (
        f"⚠️ <b>Yakin memundurkan status?</b>\nNIK <code>{_escape(nik_masked)}</code>: "
        f"{old.value} → {new.value}.\nPerubahan mundur biasanya hanya untuk koreksi salah input "
        "atau bila pusat mengembalikan data. Perubahan ini dicatat di log audit."
    )


def ubah_moved_meanwhile(nik_masked: str, current: KtpStatus) -> str:
    return (
        f"Status NIK <code>{_escape(nik_masked)}</code> sudah berubah sejak pertanyaan tadi "
        f"(sekarang <b>{current.value}</b>). Tidak ada yang diubah; kirim /ubah lagi bila perlu."
    )


def ubah_done(
    nik_masked: str,
    old: KtpStatus,
    new: KtpStatus,
    entered_on: date,
    notifications: int,
    held_until: str | None = None,
) -> str:
    """`held_until`: the local time ("06.00") the news waits for, inside quiet hours."""
    text = (
        f"✅ Status NIK <code>{_escape(nik_masked)}</code> diubah: {old.value} → "
        f"<b>{new.value}</b> ({format_short_date(entered_on)})."
    )
    if notifications and held_until:
        text += (
            f"\n{_n(notifications)} kabar untuk warga yang berlangganan menunggu jam tenang "
            f"selesai: dikirim pukul {held_until}."
        )
    elif notifications:
        text += f"\n{_n(notifications)} kabar untuk warga yang berlangganan sedang dikirim."
    return text


# /impor


def impor_ask(limit_mb: int, wait_minutes: int) -> str:
    """After /impor: what to send, and how big and how soon (the handler's limits)."""
    return (
        "Kirim berkas CSV sekarang, sebagai dokumen (📎 → Berkas). Kolom: nik, no_kk, nama, "
        "status, tanggal_status, keterangan; pemisah koma atau titik koma. "
        f"Ukuran paling besar {limit_mb} MB. Bot menunggu {wait_minutes} menit.\n"
        "Ketik /batal untuk membatalkan."
    )


def impor_wait_expired(wait_minutes: int) -> str:
    return (
        f"Berkas ini <b>tidak diimpor</b>: waktu tunggu /impor ({wait_minutes} menit) sudah "
        "habis. Untuk mengimpor, kirim /impor lagi lalu berkasnya, atau kirim berkas dengan "
        "keterangan (caption) /impor."
    )


IMPOR_CANCELLED = "Impor dibatalkan."
IMPOR_NOTHING_TO_CANCEL = "Tidak ada impor yang sedang ditunggu."
IMPOR_DOWNLOAD_FAILED = (
    "Berkas tidak bisa diunduh dari Telegram. Coba kirim sekali lagi; bila tetap gagal, "
    "impor lewat server dengan <code>python -m bot import BERKAS</code>."
)
IMPOR_FAILED = (
    "Impor berhenti karena gangguan di sistem. Baris yang sudah tersimpan tetap aman; kirim "
    "berkas yang sama lagi untuk melanjutkan (baris yang sama tidak akan diubah dua kali)."
)
IMPOR_REPORT_HEADER: tuple[str, ...] = ("baris", "alasan")


def impor_too_big(size_bytes: int, limit_mb: int) -> str:
    size_mb = size_bytes / (1024 * 1024)
    return (
        f"Berkas terlalu besar ({format_number(round(size_mb, 1))} MB). Batasnya "
        f"{limit_mb} MB, batas unduhan bot Telegram. Pecah berkas menjadi beberapa bagian, "
        "atau impor lewat server dengan <code>python -m bot import BERKAS</code>."
    )


def impor_not_csv(name: str) -> str:
    return (
        f"Berkas <code>{_escape(name)}</code> bukan CSV. Dari Excel: File → Save As → pilih "
        "<b>CSV</b> (dipisah koma atau titik koma), lalu kirim berkas .csv itu."
    )


def impor_started(name: str) -> str:
    return f"⏳ Mengimpor <code>{_escape(name)}</code>…"


def impor_progress(name: str, percent: int) -> str:
    return f"⏳ Mengimpor <code>{_escape(name)}</code>… {percent}% berkas sudah diproses."


def impor_file_problem(name: str, reason: str) -> str:
    """`reason` comes from the importer, already written as HTML."""
    return f"Berkas <code>{_escape(name)}</code> tidak bisa diimpor. {reason}"


def impor_report_caption(rejected: int, listed: int) -> str:
    """The caption of the rejected-rows report; `listed` rows of `rejected` are in it."""
    which = "rinciannya" if listed >= rejected else f"{_n(listed)} yang pertama"
    return (
        f"{_n(rejected)} baris ditolak; {which} ada di berkas ini (nomor baris, alasan, isi "
        "baris). Perbaiki lalu kirim ulang baris itu saja. Berkas yang Anda kirim tidak disimpan."
    )


# /statistik

STATS_TITLE = "Data KTP-el Musi Rawas"
STATS_OUTSIDE = "Luar Musi Rawas"
STATS_EMPTY = "Belum ada data. Impor dulu dengan /impor."


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on the /statistik chart (bot/stats.py draws it and holds no sentences)."""

    title: str
    stage_title: str
    district_title: str
    stage_names: dict[Stage, str]
    outside: str
    backlog_note: str
    empty: str


def chart_labels(prr_backlog: int, blanko_stock: int | None) -> ChartLabels:
    """The words on the /statistik chart."""
    stock = "belum diisi" if blanko_stock is None else _n(blanko_stock)
    return ChartLabels(
        title=STATS_TITLE,
        stage_title="Jumlah data per tahap",
        district_title="Jumlah data per kecamatan",
        stage_names=dict(STATS_STAGE_NAMES),
        outside=STATS_OUTSIDE,
        backlog_note=f"Antrean PRR {_n(prr_backlog)} · stok blanko {stock}",
        empty=STATS_EMPTY,
    )


def _backlog_line(prr_backlog: int, blanko_stock: int | None) -> str:
    if blanko_stock is None:
        return f"Antrean cetak (PRR): {_n(prr_backlog)} · stok blanko belum diisi (/blanko)"
    gap = prr_backlog - blanko_stock
    tail = f"kurang {_n(gap)} blanko" if gap > 0 else "blanko cukup"
    return f"Antrean cetak (PRR): {_n(prr_backlog)} · stok blanko {_n(blanko_stock)} ({tail})"


def _median_text(days: float | None, samples: int) -> str:
    if days is None:
        return "belum ada data"
    return f"{format_days(days)} (dari {_n(samples)} data)"


def statistics_caption(
    *,
    taken_at: datetime,
    total: int,
    by_stage: Mapping[Stage, int],
    prr_backlog: int,
    blanko_stock: int | None,
    subscribed_chats: int,
    sent_7d: int,
    failed_7d: int,
    tz: str,
) -> str:
    """The photo caption of /statistik: the key figures (stays under Telegram's 1024 limit)."""
    stage_lines = [f"{STATS_STAGE_NAMES[st]}: {_n(n)}" for st, n in by_stage.items()]
    lines = [
        f"<b>Statistik KTP-el</b> — {_escape(format_datetime(taken_at, tz))}",
        f"Total data: {_n(total)}",
        *stage_lines,
        _backlog_line(prr_backlog, blanko_stock),
        f"Chat berlangganan: {_n(subscribed_chats)}",
        f"Kabar 7 hari terakhir: {_n(sent_7d)} terkirim, {_n(failed_7d)} gagal",
    ]
    text = "\n".join(lines)
    return text if len(text) <= 1024 else text[:1020] + "…"


def statistics_detail(
    *,
    by_status: Mapping[KtpStatus, int],
    by_district: Sequence[tuple[str, int]],
    median_days: Mapping[Stage, float | None],
    stay_samples: Mapping[Stage, int],
    last_import: str | None,
    tz: str,
) -> str:
    """The message after the chart: counts per status, per district, median days per stage.

    `by_district`: (district name, or "luar" for other regencies, count), largest first."""
    lines = ["<b>Per status</b>"]
    lines += [f"{s.order}. {s.value}: {_n(n)}" for s, n in by_status.items()]
    lines += ["", "<b>Per kecamatan</b>"]
    if not by_district:
        lines.append("-")
    for name, count in by_district:
        label = STATS_OUTSIDE if name == "luar" else name
        lines.append(f"{_escape(label)}: {_n(count)}")
    lines += ["", "<b>Median lama per tahap</b> (dari data yang sudah pindah tahap)"]
    for stage, days in median_days.items():
        samples = stay_samples.get(stage, 0)
        lines.append(f"{STATS_STAGE_NAMES[stage]}: {_median_text(days, samples)}")
    if last_import:
        when = format_datetime(datetime.fromisoformat(last_import), tz)
        lines += ["", f"Impor terakhir: {_escape(when)}"]
    return "\n".join(lines)


# /blanko N

BLANKO_USAGE = (
    "Tulis jumlah stok blanko KTP-el yang ada sekarang, misalnya "
    "<code>/blanko 2500</code>. Angka ini dipakai saat bot menjelaskan antrean cetak (PRR)."
)
BLANKO_NOT_NUMBER = "Jumlah blanko harus angka bulat, misalnya <code>/blanko 2500</code>."
BLANKO_NEGATIVE = "Jumlah blanko tidak boleh kurang dari 0."


def blanko_too_big(limit: int) -> str:
    return (
        f"Angka itu tidak masuk akal untuk stok blanko (lebih dari {format_number(limit)}). "
        "Periksa lagi angkanya."
    )


def blanko_current(stock: int | None, backlog: int) -> str:
    now = "belum diisi" if stock is None else _n(stock)
    return f"Stok blanko: {now}. Antrean cetak (PRR): {_n(backlog)}.\n\n{BLANKO_USAGE}"


def blanko_set(old: int | None, new: int, backlog: int) -> str:
    before = "belum diisi" if old is None else _n(old)
    return (
        f"✅ Stok blanko dicatat: {_n(new)} (sebelumnya {before}). "
        f"Antrean cetak (PRR) saat ini: {_n(backlog)}."
    )


# /kantor [bagian teks]

OFFICE_FIELD_NAMES: dict[str, str] = {
    "alamat": "Alamat",
    "jam": "Jam layanan",
    "kontak": "Kontak (telepon/WhatsApp)",
    "pengambilan": "Tempat pengambilan KTP-el",
}


def office_too_long(limit: int) -> str:
    return f"Teks terlalu panjang; paling banyak {limit} huruf."


def office_view(info: OfficeInfo) -> str:
    """/kantor: the office information residents see, and how to change it."""
    values = {
        "alamat": info.address,
        "jam": info.hours,
        "kontak": info.contact,
        "pengambilan": info.pickup,
    }
    lines = ["<b>Informasi kantor yang dilihat warga</b>"]
    lines += [f"{OFFICE_FIELD_NAMES[k]}: {_escape(v)}" for k, v in values.items()]
    lines += [
        "",
        "Ubah dengan <code>/kantor BAGIAN teks baru</code>, BAGIAN salah satu dari: "
        + ", ".join(f"<code>{k}</code>" for k in OFFICE_FIELD_NAMES),
        "Contoh: <code>/kantor kontak 0812-3456-7890 (WhatsApp)</code>",
    ]
    return "\n".join(lines)


def office_unknown_field(field: str) -> str:
    return (
        f"Bagian <code>{_escape(field)}</code> tidak dikenal. Pilih salah satu: "
        + ", ".join(f"<code>{k}</code>" for k in OFFICE_FIELD_NAMES)
        + "."
    )


def office_missing_text(field: str) -> str:
    return f"Tulis teks barunya, misalnya <code>/kantor {_escape(field)} teks baru</code>."


def office_set(field: str, old: str, new: str) -> str:
    return (
        f"✅ {OFFICE_FIELD_NAMES[field]} diubah.\nSebelumnya: {_escape(old)}\n"
        f"Sekarang: {_escape(new)}\nWarga melihatnya di /bantuan dan di kabar KTP-el tercetak."
    )


# /petugas and `python -m bot staff`

PETUGAS_USAGE = (
    "Kelola petugas:\n"
    "<code>/petugas</code> — daftar petugas dan admin\n"
    "<code>/petugas tambah ID petugas</code> atau <code>/petugas tambah ID admin</code>\n"
    "<code>/petugas hapus ID</code>\n"
    "ID adalah nomor ID Telegram orangnya (angka; bisa dilihat lewat bot seperti @userinfobot)."
)


def petugas_bad_id(given: str) -> str:
    return (
        f"<code>{_escape(given)}</code> bukan ID Telegram. ID berupa angka, misalnya "
        "<code>123456789</code>.\n\n" + PETUGAS_USAGE
    )


def petugas_bad_role(given: str) -> str:
    return (
        f"Peran <code>{_escape(given)}</code> tidak dikenal; pilih <code>petugas</code> atau "
        "<code>admin</code>."
    )


def staff_refusal(reason: str, user_id: int) -> str:
    """Why a staff-list change was refused (plain text: also printed by the CLI)."""
    texts = {
        "fixed_admin": (
            f"Pengguna {user_id} adalah admin tetap dari BOT_ADMIN_IDS; ubah lewat pengaturan "
            "server, bukan lewat perintah."
        ),
        "last_admin": (
            f"Tidak bisa: {user_id} adalah admin terakhir. Tambahkan admin lain dulu, supaya "
            "selalu ada yang bisa mengelola petugas."
        ),
        "not_staff": f"Pengguna {user_id} tidak ada dalam daftar petugas.",
        "same_role": f"Pengguna {user_id} sudah terdaftar dengan peran itu.",
        "bad_id": f"{user_id} bukan ID Telegram yang sah.",
    }
    return texts[str(reason)]


def staff_changed(user_id: int, old: str | None, new: str | None) -> str:
    """The result of a staff-list change, old and new role (plain text: also printed by the CLI)."""
    if new is None:
        return f"Pengguna {user_id} dihapus dari daftar petugas (sebelumnya {old})."
    if old is None:
        return f"Pengguna {user_id} ditambahkan sebagai {new}."
    return f"Peran pengguna {user_id} diubah: {old} → {new}."


@dataclass(frozen=True, slots=True)
class StaffLine:
    """One member of staff as the staff list shows them."""

    user_id: int
    role: str  # "admin" or "petugas"
    fixed: bool  # from BOT_ADMIN_IDS
    added_by: int | None = None
    added_at: str | None = None  # UTC ISO timestamp


def _member_line(member: StaffLine, tz: str) -> str:
    line = f"{member.user_id} — {member.role}"
    if member.fixed:
        return line + " (tetap, dari BOT_ADMIN_IDS)"
    if member.added_at:
        added = format_short_date(_local(datetime.fromisoformat(member.added_at), tz).date())
        by = f" oleh {member.added_by}" if member.added_by else ""
        line += f" (sejak {added}{by})"
    return line


def staff_list(members: Sequence[StaffLine], tz: str) -> str:
    """/petugas: everyone who is staff now."""
    if not members:
        return "Belum ada petugas.\n\n" + PETUGAS_USAGE
    lines = ["<b>Petugas dan admin</b>"]
    lines += [f"• {_escape(_member_line(m, tz))}" for m in members]
    return "\n".join(lines) + "\n\n" + PETUGAS_USAGE


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
    "siaran": "kirim siaran",
    "hentikan_siaran": "hentikan siaran",
    "ditolak": "DITOLAK",
}
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
    first = _local(datetime.fromisoformat(rows[0].at), tz)
    zone = babel_dates.format_time(first, "zzz", locale=LOCALE)  # "WIB" for Asia/Jakarta
    table = [(f"{AUDIT_HEADERS[0]} ({zone})", *AUDIT_HEADERS[1:])]
    for row in rows:
        when = _local(datetime.fromisoformat(row.at), tz).strftime("%Y-%m-%d %H:%M")
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


# --- the shell: argparse's own words ----------------------------------------------------------

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
        case ConfigProblem.NOT_A_DATABASE_URL:  # the value may hold a password: not repeated
            return f"{name} harus berbentuk postgresql://pengguna:sandi@server/nama_basis_data"
    return f"{name} tidak bisa dipakai: {given}"


def cli_bad_config(err: ConfigError) -> str:
    return f"Konfigurasi salah: {config_problem(err)}"


def cli_no_database(path: object) -> str:
    return f"Basis data tidak ditemukan: {path}"


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


# --- import -----------------------------------------------------------------------------------

IMPORT_FILE_EMPTY = (
    "Berkasnya kosong, tidak ada isinya. Kirim berkas CSV yang berisi judul kolom dan data status."
)
IMPORT_FILE_SPREADSHEET = (
    "Ini berkas Excel, bukan CSV. Buka di Excel, pilih <b>Simpan Sebagai</b> (Save As) dengan"
    " jenis <b>CSV UTF-8</b>, lalu kirim berkas .csv itu."
)
IMPORT_FILE_BINARY = (
    "Berkas ini bukan teks CSV (isinya seperti gambar, PDF atau arsip)."
    " Kirim berkas .csv hasil ekspor status."
)
IMPORT_FILE_UTF16 = (
    "Berkas ini tersimpan sebagai teks Unicode (UTF-16), bukan CSV UTF-8. Di Excel, simpan"
    " ulang dengan jenis <b>CSV UTF-8</b>."
)
IMPORT_FILE_NOT_CSV = (
    "Berkas ini tidak terbaca sebagai CSV impor. Baris pertama harus berisi judul kolom,"
    " misalnya:\nnik;no_kk;nama;status;tanggal_status;keterangan"
)
IMPORT_ROW_STATUS_EMPTY = "Kolom status kosong."
IMPORT_ROW_KK_REQUIRED = "NIK ini belum ada di data bot, jadi kolom no_kk wajib diisi."
IMPORT_ROW_KK_MISMATCH = (
    "Nomor KK berbeda dengan yang sudah tercatat untuk NIK ini. Baris tidak dipakai dan data"
    " lama tetap; periksa lagi nomor KK-nya."
)
IMPORT_ROW_UNREADABLE = "Baris ini tidak bisa dibaca sebagai CSV. Periksa tanda kutipnya."
IMPORT_PROGRESS = "Mengimpor"
SAMPLE_COUNT_INVALID = "harus bilangan bulat 1 atau lebih"


def import_file_not_utf8(line: int) -> str:
    return (
        f"Berkas ini bukan teks UTF-8: ada huruf yang tidak terbaca di baris {format_number(line)}."
        " Di Excel, simpan ulang dengan jenis <b>CSV UTF-8</b>."
    )


def import_missing_columns(missing: list[str], found: list[str]) -> str:
    """The required columns the header lacks, and the ones it has."""
    text = "Kolom wajib tidak ada: " + ", ".join(f"<b>{_shown(c)}</b>" for c in missing) + "."
    if found:
        text += " Kolom yang terbaca: " + ", ".join(_shown(c) for c in found) + "."
    return text + (
        " Baris pertama harus berisi judul kolom: nik dan status wajib; no_kk, nama,"
        " tanggal_status dan keterangan boleh ada."
    )


def import_row_too_many_cells(got: int, expected: int) -> str:
    return (
        f"Baris ini berisi {format_number(got)} kolom, padahal judulnya hanya"
        f" {format_number(expected)}. Mungkin ada koma atau titik koma di dalam nama atau"
        " keterangan: apit isinya dengan tanda kutip."
    )


def import_row_excel_number(column: str, text: str) -> str:
    return (
        f"Kolom {column} berisi '{_shown(text)}': Excel mengubah angka 16 digit menjadi angka"
        " pendek dan digit terakhirnya hilang. Format kolom itu sebagai <b>Teks</b> di Excel,"
        " isi lagi angkanya, lalu simpan ulang."
    )


def import_row_bad_date(text: str, impossible: bool) -> str:
    if impossible:
        return f"Tanggal '{_shown(text)}' tidak ada di kalender."
    return (
        f"Tanggal '{_shown(text)}' tidak terbaca. Tulis seperti 2024-01-28, 28-01-2024 atau"
        " 28/01/2024."
    )


def import_row_future_date(d: date) -> str:
    return (
        f"Tanggal {format_short_date(d)} belum lewat; tanggal status tidak boleh sesudah hari ini."
    )


def import_summary(
    *,
    rows_read: int,
    new: int,
    changed: int,
    unchanged: int,
    rejected: int,
    notifications: int = 0,
    ignored_columns: Sequence[str] = (),
) -> str:
    """What an import did, for the staff member who ran it (CLI and Telegram alike)."""
    n = format_number
    if rows_read == 0:
        lines = [
            "<b>Impor selesai</b>, tetapi berkas hanya berisi judul kolom: tidak ada baris data,"
            " jadi tidak ada yang berubah."
        ]
    else:
        lines = [
            "<b>Impor selesai.</b>",
            f"Baris dibaca: {n(rows_read)}",
            f"• Baru: {n(new)} (NIK yang belum ada di bot)",
            f"• Berubah: {n(changed)} (riwayat status bertambah)",
            f"• Tetap: {n(unchanged)} (sudah sama dengan data bot)",
            f"• Ditolak: {n(rejected)}",
        ]
    if notifications:
        lines.append(f"Kabar untuk warga yang berlangganan: {n(notifications)} pesan dijadwalkan.")
    if ignored_columns:
        names = ", ".join(_shown(c) for c in ignored_columns)
        lines.append(f"Kolom yang tidak dikenal dan diabaikan: {names}.")
    if rejected:
        lines.append(
            "Baris yang ditolak tidak mengubah apa pun. Perbaiki lalu impor lagi berkas yang"
            " sama: baris yang sudah masuk tidak akan tercatat dua kali."
        )
    elif rows_read and unchanged == rows_read:
        lines.append("Semua baris sudah sama dengan data bot; tidak ada yang berubah.")
    return "\n".join(lines)


def import_row_errors(errors: Sequence[tuple[int, str]], rejected: int, limit: int = 10) -> str:
    """The first rejected rows, each (line number, reason), listed ("" when none)."""
    if not errors:
        return ""
    shown = errors[:limit]
    if rejected > len(shown):
        head = f"Baris yang ditolak ({len(shown)} pertama dari {format_number(rejected)}):"
    else:
        head = "Baris yang ditolak:"
    return "\n".join([head, *(f"• Baris {format_number(line)}: {why}" for line, why in shown)])


def file_not_found(path: str) -> str:
    """A file named in the shell (`import`, the demo's /berkas) that is not there."""
    return f"Berkas tidak ditemukan: {path}"


def import_cli_unusable(reason: str) -> str:
    return f"Berkas tidak bisa diimpor. {reason}"


# --- notifications and broadcasts -------------------------------------------------------------


def _notice_who(label: str | None, nik_masked: str) -> str:
    if label:
        return f"<b>{html.escape(label)}</b> · NIK {nik_masked}"
    return f"NIK {nik_masked}"


def _bring_list(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def _office_block(office: OfficeInfo, *, place: str | None = None) -> str:
    """Where to go, when it is open and whom to ask; `place` is where cards are collected."""
    if place and place != office.address:
        lines = [
            f"📍 <b>Tempat pengambilan:</b> {html.escape(place)}",
            f"🏢 <b>Alamat kantor:</b> {html.escape(office.address)}",
        ]
    else:
        lines = [f"📍 <b>Tempat:</b> {html.escape(office.address)}"]
    lines.append(f"🕗 <b>Jam layanan:</b> {html.escape(office.hours)}")
    lines.append(f"☎️ <b>Kontak:</b> {html.escape(office.contact)}")
    return "\n".join(lines)


_NOTICE_FOOTER = (
    "Cek kapan saja dengan mengirim NIK ke bot ini. "
    "Berhenti menerima kabar untuk NIK ini: /berhenti"
)

#: Why the resident must come, per status that needs them (the record cannot move without them).
_COME_REASON: dict[KtpStatus, tuple[str, str, list[str]]] = {
    KtpStatus.UNREGISTERED: (
        "⚠️ <b>Perlu perekaman KTP-el</b>",
        "Data perekaman KTP-el (foto, sidik jari, iris mata) untuk NIK ini belum ada atau "
        "harus diulang. Kartu baru bisa diproses setelah Anda direkam di kantor Disdukcapil "
        "atau di layanan perekaman keliling.",
        [_BRING_KK],
    ),
    KtpStatus.DUPLICATE_RECORD: (
        "⚠️ <b>Perlu datang ke kantor Disdukcapil</b>",
        "Pusat menemukan sidik jari atau wajah yang sama di bawah NIK lain (data ganda). "
        "Kartu tidak bisa dicetak sampai ini dibereskan. Petugas perlu memeriksa ulang sidik "
        "jari Anda atau merekam ulang, lalu meminta pusat menghapus data yang ganda.",
        [_BRING_KK, _BRING_PROOF],
    ),
    KtpStatus.ADJUDICATE_RECORD: (
        "⚠️ <b>Perlu datang ke kantor Disdukcapil</b>",
        "Sidik jari Anda mirip dengan data orang lain, dan pusat sedang menilainya. Supaya "
        "cepat selesai, petugas perlu mencocokkan sidik jari Anda secara langsung.",
        [_BRING_KK, _BRING_PROOF],
    ),
    KtpStatus.REQUEST_VALIDATION: (
        "⚠️ <b>Perlu datang ke kantor Disdukcapil</b>",
        "Pusat meminta Disdukcapil memastikan data Anda, misalnya jenis kelamin di NIK yang "
        "tidak cocok dengan foto. Petugas perlu bertemu Anda untuk mencocokkan data.",
        [_BRING_KK, "Akta kelahiran atau ijazah, bila ada", _BRING_PROOF],
    ),
}


def status_notice(
    status: KtpStatus,
    *,
    nik_masked: str,
    label: str | None,
    entered_on: date,
    office: OfficeInfo,
) -> str:
    """The message a subscriber gets when their record enters a notifying status (HTML)."""
    who = _notice_who(label, nik_masked)
    if status == KtpStatus.CARD_PRINTED:
        return (
            "🎉 <b>KTP-el sudah dicetak!</b>\n"
            f"{who}\n\n"
            f"Kartu sudah jadi sejak {format_date(entered_on)} dan bisa diambil.\n\n"
            f"{_office_block(office, place=office.pickup)}\n\n"
            "<b>Yang perlu dibawa:</b>\n"
            f"{_bring_list([_BRING_KK, _BRING_PROOF])}\n\n"
            "Pemilik kartu harus datang sendiri, tidak bisa diwakilkan: saat penyerahan sidik "
            "jarinya dicocokkan untuk mengaktifkan kartu.\n\n"
            f"{_NOTICE_FOOTER}"
        )
    if status == KtpStatus.CARD_SHIPPED:
        return (
            "📦 <b>KTP-el dikirim ke tempat pengambilan</b>\n"
            f"{who}\n\n"
            f"Sejak {format_date(entered_on)} kartu dalam perjalanan ke "
            f"{html.escape(office.pickup)}. Anda bisa mengambilnya di sana pada jam layanan.\n\n"
            f"{_office_block(office, place=office.pickup)}\n\n"
            "<b>Yang perlu dibawa:</b>\n"
            f"{_bring_list([_BRING_KK, _BRING_PROOF])}\n\n"
            f"{_NOTICE_FOOTER}"
        )
    if status in _COME_REASON:
        title, why, bring = _COME_REASON[status]
        return (
            f"{title}\n{who}\n\n"
            f"{why}\n\n"
            f"{_office_block(office)}\n\n"
            "<b>Yang perlu dibawa:</b>\n"
            f"{_bring_list(bring)}\n\n"
            f"Status ini tercatat sejak {format_date(entered_on)}.\n"
            f"{_NOTICE_FOOTER}"
        )
    # Any other status that notifies: the status code with the date, and where to ask.
    return (
        "ℹ️ <b>Ada kabar tentang KTP-el Anda</b>\n"
        f"{who}\n\n"
        f"Status baru sejak {format_date(entered_on)}: <b>{status.value}</b>.\n\n"
        f"{_office_block(office)}\n\n"
        f"{_NOTICE_FOOTER}"
    )


# Broadcasts: what residents receive


def broadcast_message(text_html: str) -> str:
    """An announcement as residents receive it: a header, the staff's text, how to opt out."""
    return (
        "📢 <b>Pengumuman Disdukcapil Musi Rawas</b>\n\n"
        f"{text_html}\n\n"
        "<i>Tidak ingin menerima pengumuman lagi? Kirim /pengumuman</i>"
    )


# Broadcasts: the /siaran conversation (staff)

BROADCAST_ASK_TEXT = (
    "📢 <b>Pengumuman baru</b>\n"
    "Tulis isi pengumuman dalam satu pesan. Huruf tebal dan miring ikut terkirim.\n"
    "Setelah itu Anda memilih penerima dan melihat pratinjaunya sebelum dikirim.\n\n"
    "Ketik /batal untuk membatalkan."
)
BROADCAST_LIST_BUTTON = "📋 Siaran terakhir"
BROADCAST_NOT_TEXT = "Kirim isi pengumuman sebagai pesan teks biasa (foto dan berkas belum bisa)."
BROADCAST_EMPTY = "Pengumuman tidak boleh kosong. Tulis isinya, atau ketik /batal."
BROADCAST_CANCELLED = "Pengumuman dibatalkan. Tidak ada yang dikirim."
BROADCAST_NOTHING_TO_CANCEL = "Tidak ada pengumuman yang sedang dibuat."
BROADCAST_EXPIRED = "Pengumuman ini sudah tidak aktif. Mulai lagi dengan /siaran."


BROADCAST_HAS_ID_NUMBER = (
    "🔒 Pengumuman ini memuat angka 16 digit seperti NIK atau nomor KK. NIK dan KK adalah data "
    "pribadi (UU 27/2022) dan tidak boleh disebar lewat pengumuman. Hapus angkanya (sebut "
    "saja, misalnya, <i>warga yang menerima kabar</i>), lalu kirim lagi, atau ketik /batal."
)


def broadcast_too_long(length: int, limit: int) -> str:
    return (
        f"Pengumuman terlalu panjang ({format_number(length)} huruf). Paling banyak "
        f"{format_number(limit)} huruf; ringkas lalu kirim lagi, atau ketik /batal."
    )


BROADCAST_ASK_AUDIENCE = "👥 <b>Siapa yang menerima pengumuman ini?</b>"
BROADCAST_AUDIENCE_DISTRICT_BUTTON = "🗺 Per kecamatan"
BROADCAST_AUDIENCE_STATUS_BUTTON = "🪪 Per status KTP-el"
BROADCAST_BACK_BUTTON = "⬅️ Kembali"
BROADCAST_CANCEL_BUTTON = "✖️ Batal"
BROADCAST_EDIT_TEXT_BUTTON = "✏️ Ubah teks"
BROADCAST_EDIT_AUDIENCE_BUTTON = "👥 Ubah penerima"
BROADCAST_SEND_NOW_BUTTON = "⚡ Kirim sekarang juga"
BROADCAST_STOP_BUTTON = "⏹ Hentikan siaran"
BROADCAST_STOP_YES_BUTTON = "⏹ Ya, hentikan"
BROADCAST_STOP_NO_BUTTON = "Jangan"
BROADCAST_ASK_DISTRICT = (
    "🗺 <b>Pilih kecamatan.</b>\n"
    "Penerimanya warga yang berlangganan kabar untuk NIK yang terdaftar di kecamatan itu "
    "(angka dalam kurung: jumlah chat)."
)
BROADCAST_ASK_STATUS = (
    "🪪 <b>Pilih status KTP-el.</b>\n"
    "Penerimanya warga yang berlangganan kabar untuk NIK yang sekarang berstatus itu "
    "(angka dalam kurung: jumlah chat)."
)
BROADCAST_ASK_NEW_TEXT = "✏️ Tulis isi pengumuman yang baru (atau ketik /batal)."


def broadcast_all_button(count: int) -> str:
    return f"📣 Semua chat ({format_number(count)})"


def broadcast_choice_button(name: str, count: int) -> str:
    return f"{name} ({format_number(count)})"


def broadcast_status_name(status: KtpStatus) -> str:
    """A status on a staff button: its order and short title, e.g. "14. Siap cetak (PRR)"."""
    return f"{status.order}. {STATUS_TEXTS[status].title}"


def broadcast_audience_name(kind: str, value: str | None, district_name: str | None) -> str:
    """How an audience is named to staff: "semua chat ...", "pelanggan di Kecamatan ..."."""
    if kind == "district":
        return f"pelanggan di Kecamatan {html.escape(district_name or value or '?')}"
    if kind == "status" and value is not None and value in KtpStatus.__members__:
        status = KtpStatus(value)
        return f"pelanggan dengan status {status.value} ({html.escape(STATUS_TEXTS[status].title)})"
    if kind == "status":
        return f"pelanggan dengan status {html.escape(value or '?')}"
    return "semua chat yang tidak menolak pengumuman"


def broadcast_audience_chosen(audience_name: str) -> str:
    return f"👥 Penerima: {audience_name}."


def broadcast_send_button(count: int) -> str:
    return f"✅ Kirim ke {format_number(count)} chat"


def broadcast_after_quiet_button(end: datetime, tz: str) -> str:
    return f"🌙 Kirim pukul {format_time(end, tz)}"


def broadcast_preview(
    audience_name: str,
    count: int,
    *,
    quiet_start: int,
    quiet_end: datetime | None,
    tz: str,
) -> str:
    """The confirmation under the preview: exact number of recipients, quiet hours."""
    if count == 0:
        return (
            f"Penerima: {audience_name}.\n\n"
            "<b>Tidak ada penerima</b> untuk pilihan ini. Pilih penerima lain."
        )
    text = (
        "⬆️ Itulah pesan yang akan diterima warga.\n\n"
        f"Penerima: {audience_name}.\nJumlah: <b>{format_number(count)} chat</b>."
    )
    if quiet_end is not None:
        text += (
            f"\n\n🌙 Sekarang jam tenang ({quiet_start:02d}.00–{format_time(quiet_end, tz)}). "
            f"Pengumuman biasanya menunggu sampai pukul {format_time(quiet_end, tz)} supaya "
            "warga tidak terganggu malam hari. Pilih <b>Kirim sekarang juga</b> hanya bila "
            "pengumumannya mendesak."
        )
    else:
        text += "\n\nPeriksa pratinjau di atas, lalu kirim."
    return text


def broadcast_started(broadcast_id: int, count: int) -> str:
    return (
        f"📢 <b>Siaran #{broadcast_id}</b> mulai dikirim ke {format_number(count)} chat.\n"
        "Pesan ini diperbarui selama pengiriman."
    )


@dataclass(frozen=True, slots=True)
class BroadcastCounts:
    """How far a broadcast got: its outbox rows by outcome."""

    total: int
    sent: int
    failed: int  # failed for any reason except a block
    blocked: int  # the chat blocked the bot
    pending: int
    cancelled: int


def _broadcast_figures_line(figures: BroadcastCounts) -> str:
    line = (
        f"Terkirim {format_number(figures.sent)} dari {format_number(figures.total)} · "
        f"gagal {format_number(figures.failed)} · "
        f"memblokir bot {format_number(figures.blocked)}"
    )
    if figures.cancelled:
        line += f" · tidak dikirim {format_number(figures.cancelled)}"
    return line


def broadcast_progress(
    broadcast_id: int, figures: BroadcastCounts, *, waiting_until: datetime | None, tz: str
) -> str:
    """The progress message, edited every few seconds while a broadcast goes out."""
    text = f"📢 <b>Siaran #{broadcast_id}</b> sedang dikirim\n{_broadcast_figures_line(figures)}"
    if waiting_until is not None:
        text += (
            f"\n\n🌙 Jam tenang: sisa {format_number(figures.pending)} pesan dikirim mulai "
            f"pukul {format_time(waiting_until, tz)}."
        )
    return text


def broadcast_final(
    broadcast_id: int,
    figures: BroadcastCounts,
    *,
    cancelled: bool,
    finished_at: str | None,
    tz: str,
) -> str:
    """The summary of a finished or stopped (`cancelled`) broadcast; `finished_at` UTC ISO."""
    if cancelled:
        title = f"⏹ <b>Siaran #{broadcast_id}</b> dihentikan"
    else:
        title = f"✅ <b>Siaran #{broadcast_id}</b> selesai"
    text = f"{title}\n{_broadcast_figures_line(figures)}"
    if finished_at:
        text += f"\nSelesai: {format_datetime(datetime.fromisoformat(finished_at), tz)}"
    return text


def broadcast_done_notice(
    broadcast_id: int,
    figures: BroadcastCounts,
    *,
    cancelled: bool,
    finished_at: str | None,
    tz: str,
) -> str:
    return broadcast_final(
        broadcast_id, figures, cancelled=cancelled, finished_at=finished_at, tz=tz
    )


BROADCAST_LIST_EMPTY = "Belum ada siaran."
_BROADCAST_STATE_NAMES = {
    "sending": "sedang dikirim",
    "done": "selesai",
    "cancelled": "dihentikan",
}


def _snippet(text_html: str, limit: int = 80) -> str:
    plain = html.unescape(re.sub(r"<[^>]*>", "", text_html)).replace("\n", " ").strip()
    if len(plain) > limit:
        plain = plain[: limit - 1].rstrip() + "…"
    return html.escape(plain)


@dataclass(frozen=True, slots=True)
class BroadcastLine:
    """One broadcast in the staff's list of recent broadcasts."""

    broadcast_id: int
    text_html: str  # the announcement as staff wrote it
    created_at: str  # UTC ISO timestamp
    state: str  # "sending", "done" or "cancelled"
    send_now: bool  # sent straight away, even in quiet hours
    audience_name: str  # from broadcast_audience_name()
    figures: BroadcastCounts


def broadcast_list(
    items: Sequence[BroadcastLine],
    *,
    tz: str,
    quiet_end: datetime | None = None,
) -> str:
    """Recent broadcasts with their figures.

    `quiet_end`: when the current quiet hours end, if they are on (a broadcast that was not
    sent "now" waits for it)."""
    if not items:
        return BROADCAST_LIST_EMPTY
    blocks = []
    for item in items:
        created = format_datetime(datetime.fromisoformat(item.created_at), tz)
        state = _BROADCAST_STATE_NAMES.get(item.state, "")
        if item.state == "sending" and not item.send_now and quiet_end is not None:
            state = f"menunggu jam tenang, dikirim pukul {format_time(quiet_end, tz)}"
        blocks.append(
            f"<b>#{item.broadcast_id}</b> · {state}\n"
            f"{created}\n"
            f"Untuk: {item.audience_name}\n"
            f"{_broadcast_figures_line(item.figures)}\n"
            f"<i>“{_snippet(item.text_html)}”</i>"
        )
    return "📋 <b>Siaran terakhir</b>\n\n" + "\n\n".join(blocks)


def broadcast_stop_button(broadcast_id: int) -> str:
    return f"⏹ Hentikan #{broadcast_id}"


def broadcast_stop_confirm(broadcast_id: int, pending: int) -> str:
    return (
        f"Hentikan <b>siaran #{broadcast_id}</b>?\n"
        f"{format_number(pending)} pesan yang belum terkirim tidak akan dikirim. "
        "Pesan yang sudah terkirim tidak bisa ditarik kembali."
    )


def broadcast_stopped(broadcast_id: int, dropped: int) -> str:
    return f"⏹ Siaran #{broadcast_id} dihentikan. {format_number(dropped)} pesan tidak dikirim."


def broadcast_not_running(broadcast_id: int) -> str:
    return f"Siaran #{broadcast_id} sudah tidak berjalan; tidak ada yang dihentikan."


BROADCAST_STOP_KEPT = "Siaran tetap berjalan."


# Announcements: the resident's choice (/pengumuman)

ANNOUNCEMENTS_OFF_BUTTON = "🔕 Matikan pengumuman"
ANNOUNCEMENTS_ON_BUTTON = "🔔 Hidupkan pengumuman"
ANNOUNCEMENTS_PRIVATE_ONLY = (
    "Pengaturan pengumuman hanya bisa diubah lewat chat pribadi dengan bot. Di grup, "
    "pengumuman berhenti bila bot dikeluarkan dari grup."
)
ANNOUNCEMENTS_USAGE = (
    "Tulis <code>/pengumuman mati</code> untuk berhenti menerima pengumuman, atau "
    "<code>/pengumuman hidup</code> untuk menerimanya lagi."
)
_CARD_NEWS_KEPT = (
    "Kabar tentang KTP-el yang Anda langganan (misalnya saat kartu sudah dicetak) tetap dikirim."
)


def announcements_state(on: bool) -> str:
    if on:
        return (
            "🔔 Anda <b>menerima</b> pengumuman umum dari Disdukcapil Musi Rawas, misalnya "
            "jadwal perekaman keliling atau libur kantor.\n"
            f"{_CARD_NEWS_KEPT}"
        )
    return (
        "🔕 Anda <b>tidak menerima</b> pengumuman umum dari Disdukcapil Musi Rawas.\n"
        f"{_CARD_NEWS_KEPT}"
    )


ANNOUNCEMENTS_TURNED_OFF = (
    "🔕 Pengumuman umum dimatikan. " + _CARD_NEWS_KEPT + "\nMau menerima lagi? Kirim "
    "<code>/pengumuman hidup</code>."
)
ANNOUNCEMENTS_TURNED_ON = (
    "🔔 Pengumuman umum dihidupkan. Anda akan menerima kabar penting dari Disdukcapil Musi "
    "Rawas. Berhenti kapan saja: <code>/pengumuman mati</code>."
)


# The outbox in the shell (python -m bot outbox)

OUTBOX_KIND_NAMES = {"status": "Kabar status", "broadcast": "Siaran"}
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


# --- new texts (appended by other modules' owners during the architecture change; sorted later) ---


# H-C2: buttons, announcement drafts, audit details of announcements

#: A button the bot no longer knows (an older version's, or one no longer valid).
BUTTON_UNKNOWN = "Tombol ini sudah tidak berlaku. Silakan ulangi perintahnya."
BROADCAST_DRAFT_EXPIRED = (
    "Draf pengumuman Anda sudah lebih dari sehari dan tidak disimpan lagi. "
    "Mulai lagi dengan /siaran."
)


def audit_broadcast_detail(recipients: int, send_now: bool) -> str:
    """The audit row's detail of a broadcast sent (read with `audit` in the shell)."""
    return f"{recipients} penerima" + (", kirim sekarang (jam tenang)" if send_now else "")


def audit_broadcast_stop_detail(dropped: int) -> str:
    return f"{dropped} pesan tidak dikirim"


#: The audit log's reason for a refused staff command or button (read with `audit`).
AUDIT_REFUSED_NOT_STAFF = "bukan petugas"
AUDIT_REFUSED_NOT_ADMIN = "bukan admin"


# H-C1: staff steps kept across restarts (/ubah, /impor); audit rows of staff work

#: An /ubah question already answered (or its buttons no longer fit an open question).
UBAH_NOT_VALID = "Permintaan ini sudah tidak berlaku. Kirim /ubah lagi bila masih perlu."


def ubah_expired(minutes: int) -> str:
    """An /ubah question nobody answered within `minutes`."""
    return (
        f"Permintaan ini sudah tidak berlaku: tidak dijawab dalam {minutes} menit. Status "
        "tidak diubah; kirim /ubah lagi bila masih perlu."
    )


def audit_import_counts(
    rows_read: int, new: int, changed: int, unchanged: int, rejected: int
) -> str:
    """The audit row's new value for an import sent through the bot."""
    return (
        f"dibaca {rows_read}, baru {new}, berubah {changed}, tetap {unchanged}, ditolak {rejected}"
    )


def audit_import_detail(import_id: int) -> str:
    return f"impor #{import_id}"


# --- hardening (issue 11): operators' one-line errors, limits, redaction ----------------------
# One block, kept at the end of the file so it merges cleanly with the reorganised texts.


def _cause(exc: BaseException) -> str:
    """An OS or SQLite error's cause in Indonesian (the English words only when unknown)."""
    if isinstance(exc, sqlite3.Error):
        name = getattr(exc, "sqlite_errorname", "") or ""
        message = str(exc).lower()
        for code, words, cause in _SQLITE_CAUSES:
            if name.startswith(code) or any(w in message for w in words):
                return cause
        return f"galat SQLite ({exc})"
    if isinstance(exc, OSError):
        known = _OS_CAUSES.get(exc.errno or 0)
        if known:
            return known
        return exc.strerror or str(exc)
    return str(exc)


_SQLITE_CAUSES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("SQLITE_FULL", ("disk is full",), "disk penuh"),
    ("SQLITE_READONLY", ("readonly", "read-only"), "hanya bisa dibaca (read-only)"),
    ("SQLITE_NOTADB", ("not a database",), "berkas itu bukan basis data SQLite"),
    ("SQLITE_CORRUPT", ("malformed",), "basis data rusak"),
    ("SQLITE_BUSY", ("database is locked",), "basis data sedang dikunci program lain"),
    ("SQLITE_LOCKED", ("table is locked",), "basis data sedang dikunci program lain"),
    ("SQLITE_CANTOPEN", ("unable to open",), "berkas tidak bisa dibuka atau dibuat"),
    ("SQLITE_PERM", ("access permission",), "tidak ada izin akses"),
    ("SQLITE_IOERR", ("disk i/o error",), "galat baca/tulis disk"),
)


def _os_causes() -> dict[int, str]:
    return {
        errno.ENOSPC: "disk penuh",
        errno.EDQUOT: "kuota disk habis",
        errno.EROFS: "sistem berkas hanya bisa dibaca (read-only)",
        errno.EACCES: "tidak ada izin akses",
        errno.EPERM: "tidak ada izin akses",
        errno.ENOENT: "folder atau berkas tidak ada",
        errno.ENOTDIR: "bagian dari jalurnya bukan folder",
        errno.EISDIR: "itu sebuah folder, bukan berkas",
        errno.EEXIST: "sudah ada berkas dengan nama itu",
    }


_OS_CAUSES = _os_causes()


WEBHOOK_SECRET_INVALID = (
    "BOT_WEBHOOK_SECRET hanya boleh berisi huruf A-Z a-z, angka, _ dan -, paling banyak 256 "
    "karakter."
)


def webhook_secret_unreadable(path: object, exc: BaseException) -> str:
    return (
        f"Token rahasia webhook di {path} tidak bisa dibaca atau dibuat: {_cause(exc)}. "
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


def key_unreadable(key_path: object, exc: BaseException) -> str:
    return (
        f"Kunci rahasia {key_path} tidak bisa dibaca: {_cause(exc)}. Periksa izin berkasnya "
        "(pemilik: pengguna yang menjalankan bot, mode 0600)."
    )


def file_readable_by_others(path: object) -> str:
    return (
        f"Peringatan: {path} bisa dibaca pengguna lain di server ini. "
        f"Batasi dengan: chmod 600 {path}"
    )


def storage_failed(path: object, exc: BaseException) -> str:
    return f"Basis data {path} tidak bisa dipakai: {_cause(exc)}."


def operator_line(error: OperatorError) -> str:
    """The one line an operator reads for a condition they must fix."""
    if isinstance(error, StorageError):
        return storage_failed(error.path, error.cause)
    return str(error)


def bot_already_running(db_path: object, holder: str) -> str:
    who = f" ({holder})" if holder else ""
    return (
        f"Bot lain sudah berjalan dengan basis data {db_path}{who}. Hanya satu bot boleh "
        "berjalan per basis data; hentikan yang lain dulu (mis. systemctl stop), atau pakai "
        "BOT_DB_PATH lain."
    )


def lock_unusable(path: object, exc: BaseException) -> str:
    return f"Berkas kunci proses {path} tidak bisa dibuat atau dikunci: {_cause(exc)}."


def cli_database_missing(path: object) -> str:
    return (
        f"Basis data tidak ditemukan: {path}. Perintah ini hanya membaca; basis data dibuat "
        "oleh run, import, atau staff add (periksa BOT_DB_PATH)."
    )


IMPORT_ROW_OPEN_QUOTE = (
    'Tanda kutip (") di baris ini tidak ditutup, jadi isinya akan menyambung ke baris '
    "berikutnya. Baris ini ditolak; baris berikutnya tetap dibaca sendiri."
)


def import_row_too_long(limit: int) -> str:
    return f"Baris ini terlalu panjang (lebih dari {format_number(limit)} karakter)."


def import_header_too_long(limit: int) -> str:
    return (
        f"Baris judul kolom lebih dari {format_number(limit)} karakter, jadi ini bukan berkas "
        "impor yang benar. Simpan ulang dari Excel sebagai CSV dan kirim lagi."
    )


NUMBERS_TOO_LONG = (
    "Pesan Anda terlalu panjang untuk sebuah NIK. Kirim NIK saja (16 angka), atau NIK lalu "
    "Nomor KK (dua nomor, dipisah spasi)."
)


def upload_label(actor_id: int | None, when: datetime, tz: str) -> str:
    """What is kept of a Telegram upload instead of its file name (which may hold a NIK or a
    name): who sent it and when."""
    who = f"petugas {actor_id}" if actor_id is not None else "petugas"
    local = when.astimezone(ZoneInfo(tz))
    return f"unggahan {who} {local:%Y-%m-%d %H.%M} {_zone_abbreviation(local)}"


def _zone_abbreviation(local: datetime) -> str:
    return {"+0700": "WIB", "+0800": "WITA", "+0900": "WIT"}.get(f"{local:%z}", f"{local:%Z}")


#: The audit log's `detail` codes as an operator reads them (`python -m bot audit`).
AUDIT_DETAILS: dict[str, str] = {
    "cli": "dari shell",
    "fixed_admin": "admin tetap (BOT_ADMIN_IDS)",
    "last_admin": "admin terakhir",
    "not_staff": "bukan petugas",
    "same_role": "peran sudah sama",
    "bad_id": "ID tidak sah",
    "not_admin": "bukan admin",
}


def import_is_a_folder(path: object) -> str:
    return f"{path} adalah folder, bukan berkas CSV. Sebutkan berkasnya, mis. {path}/harian.csv"


CLI_DATABASE_RULE = (
    "Basis data (BOT_DB_PATH) dibuat hanya oleh perintah yang menulis: run, import, staff add "
    "dan staff remove. Perintah yang hanya membaca (staff list, audit, outbox, backup) tidak "
    "pernah membuatnya; bila belum ada, mereka mengatakannya dan berhenti."
)


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
