"""Every sentence a person reads, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, in this order: 1 formatting; 2 statuses and NIK reasons; 3 general (start, help, the
menu, errors); 4 the check, following a NIK, privacy; 5 conversation (everyday words, the
office, common questions); 6 questions to a person and office hours; 7 jemput bola visits;
8 staff commands; 9 import; 10 notifications; 11 broadcasts; 12 operators (the shell, the demo,
running the bot, faults). The five texts of each of the 18 statuses are in `status_texts.toml`
beside this module, for office staff to correct without touching Python.

Inside a section, a line `# --- AUDIENCE: subject ---` says who reads what follows it, until
the next such line: `residents` (and `everyone`) are read by residents and spoken to them as
Bapak/Ibu, never "Anda" (tests/test_texts.py checks every text there); `staff` and `operators`
are read by office staff and by whoever runs the server. A new text goes in its feature's
section, under the line of its audience.

This module imports only the domain (states, nik, config): its functions take plain values and
the small dataclasses defined here; limits and menus belong to the modules that enforce them.

The residents' sentences are written in the sentences' own markup (`bot.domain.markup`:
`bold`, `italic`, `code`, values quoted with `_said`), never in a channel's syntax; each channel
renders them (Telegram: `bot/handlers/render.py`). They name the main menu's buttons where a
resident would press one. Still in Telegram HTML: the notices the outbox stores finished
(section 10, a visit's notices, an answer from staff, an announcement's frame), until the outbox
renders its events per channel, and the staff's and operators' sentences (moving to modules of
their own). The status texts are read from `status_texts.toml` on first use
(`bot.domain.status_texts`), not at import.
"""

from __future__ import annotations

import errno
import html
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.domain import status_texts
from bot.domain.config import ConfigError, ConfigProblem, OfficeInfo
from bot.domain.markup import bold, code, esc, fit, italic
from bot.domain.nik import InvalidNumberError, Problem
from bot.domain.operator_error import OperatorError, StorageError
from bot.domain.text_fit import clip
from bot.states import ALL_STATUSES, STAGE_ORDER, KtpStatus, Stage, UnknownStatusError

#: Every value a sentence escapes (`_escape`) is also clipped: an echo of what someone
#: typed never makes a message too long (the longest real value, a staff note, is 500).
ECHO_LIMIT = 500


def _escape(value: str, quote: bool = True) -> str:
    return html.escape(clip(str(value), ECHO_LIMIT), quote)


# === 1. Formatting: numbers, dates, times, names ==================================================

# --- everyone: pieces of sentences ----------------------------------------------------------------

LOCALE = "id_ID"


def format_number(n: float) -> str:
    """A number as Indonesians write it: "11.000", "12,5"."""
    return babel_numbers.format_decimal(n, locale=LOCALE)


def format_date(d: date) -> str:
    """A date with its weekday: "Senin, 28 Januari 2019"."""
    return babel_dates.format_date(d, "EEEE, d MMMM y", locale=LOCALE)


#: "Januari" ... "Desember", by month number.
_MONTHS_FULL = babel_dates.get_month_names("wide", locale=LOCALE)


def format_short_date(d: date) -> str:
    """A date without the weekday: "28 Januari 2019" (babel's "d MMMM y", without parsing the
    locale and the pattern on every call: a check's answer shows two)."""
    return f"{d.day} {_MONTHS_FULL[d.month]} {d.year}"


def _local(dt: datetime, tz: str) -> datetime:
    if dt.tzinfo is None:  # our clock works in UTC; a naive time is taken as UTC
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(ZoneInfo(tz))


def format_time(dt: datetime, tz: str) -> str:
    """The local clock time in tz: "06.00" (babel's "HH.mm")."""
    return f"{_local(dt, tz):%H.%M}"


_ZONE_NAMES = {"+0700": "WIB", "+0800": "WITA", "+0900": "WIT"}


def _zone(local: datetime) -> str:
    """The short name of a local time's zone: "WIB", "WITA", "WIT" (elsewhere: "CEST")."""
    return _ZONE_NAMES.get(f"{local:%z}") or f"{local:%Z}"


def format_datetime(dt: datetime, tz: str) -> str:
    """Local date and time in tz: "Senin, 28 Januari 2019 pukul 14.05 WIB"."""
    local = _local(dt, tz)
    return f"{format_date(local.date())} pukul {format_time(local, tz)} {_zone(local)}"


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


_MONTH_PARTS = ((10, "awal"), (20, "pertengahan"), (31, "akhir"))


def _month_part(d: date) -> str:
    return next(name for last, name in _MONTH_PARTS if d.day <= last)


def format_month_part(d: date) -> str:
    """A day as people plan: "awal Desember 2026", "pertengahan Januari 2027", "akhir Mei 2027"."""
    return f"{_month_part(d)} {_MONTHS_FULL[d.month]} {d.year}"


def format_date_span(earliest: date, latest: date) -> str:
    """ "pertengahan Desember 2026 sampai awal Januari 2027" (shorter when both fall together)."""
    first, last = format_month_part(earliest), format_month_part(latest)
    if first == last:
        return first
    if (earliest.year, earliest.month) == (latest.year, latest.month):
        return f"{_month_part(earliest)} sampai {last}"
    if earliest.year == latest.year:
        return f"{_month_part(earliest)} {_MONTHS_FULL[earliest.month]} sampai {last}"
    return f"{first} sampai {last}"


def _shown(text: object, limit: int = 40) -> str:
    """Something a person typed, shortened and made safe inside an HTML message."""
    return html.escape(clip(str(text), limit), quote=False)


def _said(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value quoted in a marked sentence (what someone typed, a name, an address):
    clipped, and carrying no marks (`bot.domain.markup`)."""
    return esc(clip(str(value), limit))


def _and_list(items: Sequence[str]) -> str:
    """ "A", "A dan B", "A, B dan C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " dan " + items[-1]


#: A short name for `format_number`, for sentences full of figures.
_n = format_number


# === 2. Statuses and NIK reasons ==================================================================

# --- residents: what each status means, the journey line, what is wrong with a number -------------


# Things residents bring to the office, named as in bot/status_texts.toml.
_BRING_KK = "Kartu Keluarga (KK) asli"
_BRING_PROOF = "KTP lama, surat keterangan (suket) atau bukti perekaman, bila ada"

#: What residents read about each status, from bot/status_texts.toml: read the first time a
#: text is asked for (`bot.domain.status_texts`), never at import.
STATUS_TEXTS = status_texts.STATUS_TEXTS
StatusText = status_texts.StatusText
StatusTextsError = status_texts.StatusTextsError
STATUS_TEXTS_FILE = status_texts.STATUS_TEXTS_FILE
load_status_texts = status_texts.load_status_texts

#: Short names of the stages, for the journey line and staff figures.
STAGE_NAMES: dict[Stage, str] = {
    Stage.RECORDING: "Rekam",
    Stage.SENDING: "Kirim",
    Stage.CENTRAL: "Pusat",
    Stage.PROBLEM: "Perlu dicek",
    Stage.PRINTING: "Cetak",
    Stage.DONE: "Selesai",
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


_LOOKALIKE_DIGITS = {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "i": "1", "S": "5"}


#: Which of "NIK KK" a problem is about.
_POSITION_NAMES = {"first": "nomor pertama", "second": "nomor kedua"}


def nik_problem(err: InvalidNumberError, position: str | None = None) -> str:
    """One or two short sentences (marked) that say exactly what is wrong with a NIK or Nomor KK.

    `position` ("first", "second"): which of the two numbers of "NIK KK" it is."""
    is_nik = err.kind == "nik"
    name = "NIK" if is_nik else "Nomor KK"
    if position in _POSITION_NAMES:
        name = f"{name} ({_POSITION_NAMES[position]})"
    detail = err.detail
    match err.problem:
        case Problem.EMPTY:
            if is_nik:
                return "NIK belum ada. Ketik 16 angka NIK di KTP atau Kartu Keluarga."
            return "Nomor KK belum ada. Ketik 16 angka di bagian atas Kartu Keluarga."
        case Problem.NOT_DIGITS:
            found = str(detail.get("characters", ""))
            letters = [bold(_said(c, 40)) for c in found if c.isalpha()]
            signs = [bold(_said(c, 40)) for c in found if not c.isalpha()]
            what = []
            if letters:
                what.append(f"huruf {_and_list(letters)}")
            if signs:
                what.append(f"tanda {_and_list(signs)}")
            text = f"Di {name} itu ada {' dan '.join(what) or 'tanda'}; {name} hanya berisi angka."
            hints = [
                f"{c} mungkin angka {_LOOKALIKE_DIGITS[c]}" for c in found if c in _LOOKALIKE_DIGITS
            ]
            if hints:
                text += " Huruf " + ", huruf ".join(hints) + "."
            return text
        case Problem.WRONG_LENGTH:
            length = int(str(detail.get("length", 0)))
            text = f"{name} harus 16 angka, tetapi ini {format_number(length)} angka."
            if length == 32:
                text += " Bila itu NIK dan Nomor KK, beri spasi di antara keduanya."
            elif length < 16:
                text += " Mungkin ada angka yang terlewat."
            else:
                text += " Mungkin ada angka yang terketik dua kali."
            return text
        case Problem.UNKNOWN_PROVINCE:
            province = _said(detail.get("province", ""), 40)
            return (
                f"Dua angka pertama {name} ({province}) bukan kode provinsi."
                f" Di Sumatera Selatan, {name} mulai dengan 16."
            )
        case Problem.ZERO_REGION:
            return f"Angka ke-3 dan ke-4 {name} tidak mungkin 00. Di Musi Rawas, awalnya 1605."
        case Problem.IMPOSSIBLE_BIRTH_DATE:
            digits = _said(detail.get("digits", ""), 40)
            shown = f" ({digits})" if digits else ""
            return f"Angka ke-7 sampai ke-12 {name}{shown} tidak mungkin benar."
        case Problem.ZERO_SERIAL:
            return f"Empat angka terakhir {name} tidak mungkin 0000."
    return f"{name} ini tidak bisa dipakai. Periksa lagi angkanya."


# --- staff: an unknown status code ----------------------------------------------------------------


def status_reason(err: UnknownStatusError) -> str:
    """For staff: an unknown status spelling and the closest codes."""
    given = err.given.strip()
    text = f"Status '{_shown(given)}' tidak dikenal." if given else "Status belum ditulis."
    if err.suggestions:
        return text + " Mungkin maksud Anda: " + ", ".join(s.value for s in err.suggestions) + "."
    return text + " Tulis salah satu kode status, misalnya PRINT_READY_RECORD (boleh PRR)."


# === 3. General: start, help, the menu, errors ====================================================

# --- residents: the command menu, the main menu, /start, /bantuan, not understood -----------------

#: What each command does, as the Telegram menu (setMyCommands) and /bantuan describe it.
#: Which commands each audience's menu shows, and in what order, is wired in
#: bot/handlers/general.py.
RESIDENT_COMMAND_DESCRIPTIONS: dict[str, str] = {
    "start": "Mulai: sambutan dan cara memakai bot",
    "cek": "Cek status KTP-el dengan NIK dan nomor KK",
    "langganan": "Daftar NIK yang Bapak/Ibu pantau dan statusnya",
    "berhenti": "Berhenti menerima kabar status",
    "pengumuman": "Nyalakan atau matikan pengumuman kantor",
    "hapusdata": "Hapus semua catatan Bapak/Ibu di bot ini",
    "privasi": "Cara bot menjaga data pribadi Bapak/Ibu",
    "bantuan": "Petunjuk singkat dan kontak kantor",
    "tanya": "Kirim pertanyaan kepada petugas Disdukcapil",
    "jadwal": "Jadwal jemput bola (petugas datang ke desa)",
}


#: The resident's main menu (a persistent reply keyboard, `bot/handlers/menu.py`). A press sends
#: the label as a message; each label has one handler (B: MENU_ASK, C: MENU_SCHEDULE, A1: rest).
MENU_CHECK = "🔎 Cek KTP-el"
MENU_FAMILY = "👪 KTP-el keluarga"
MENU_OFFICE = "🏢 Kantor Dukcapil"
MENU_FAQ = "❓ Pertanyaan umum"
MENU_ASK = "💬 Tanya petugas"
MENU_SCHEDULE = "🚐 Jemput bola"
MENU_HELP = "ℹ️ Bantuan"

#: Every label of the main menu, in the order the keyboard shows them (two per row).
MAIN_MENU_LABELS: tuple[str, ...] = (
    MENU_CHECK,
    MENU_FAMILY,
    MENU_OFFICE,
    MENU_FAQ,
    MENU_ASK,
    MENU_SCHEDULE,
    MENU_HELP,
)

#: The placeholder in the typing box while the main menu is shown.
MENU_PLACEHOLDER = "Ketik NIK atau tekan tombol"


def resident_welcome(first_name: str) -> str:
    """/start in a private chat: a greeting and how to check, in one line each."""
    return (
        f"Halo, {_said(first_name)}! Selamat datang di {bold('Cek KTP-el')} "
        "Disdukcapil Kabupaten Musi Rawas.\n\n"
        "Untuk cek KTP-el, ketik NIK Bapak/Ibu (16 angka).\n"
        "Atau tekan salah satu tombol di bawah."
    )


def start_check(first_name: str) -> str:
    """/start from the group's button: straight to the check (ASK_NIK: section 4)."""
    return f"Halo, {_said(first_name)}! Mari cek status KTP-el Bapak/Ibu.\n\n{ASK_NIK}"


def welcome_group(bot_username: str) -> str:
    """/start in a group: the bot never shows statuses there."""
    return (
        f"Halo! Saya {bold('Cek KTP-el')}, bot Disdukcapil Kabupaten Musi Rawas untuk mengecek "
        "status KTP-el.\n\n"
        "Demi menjaga data pribadi, status KTP-el hanya bisa dicek lewat chat pribadi.\n"
        f"Silakan buka @{_said(bot_username)} lalu tekan {bold('Mulai')}.\n"
        "Jangan kirim NIK atau nomor KK di grup."
    )


def resident_help(commands: Sequence[str]) -> str:
    """/bantuan (and the help button) for a resident: short, the buttons first; the office
    block follows."""
    listed = " ".join(f"/{name}" for name in commands)
    return (
        f"{bold('Cara memakai Cek KTP-el')}\n"
        "1. Ketik NIK (16 angka). Bot lalu meminta nomor KK.\n"
        "2. Atau kirim NIK dan nomor KK sekaligus, dipisah spasi.\n"
        "3. Tekan tombol di bawah untuk info kantor dan pertanyaan umum.\n\n"
        f"Bagi yang biasa memakai perintah: {listed}"
    )


def help_group(bot_username: str) -> str:
    """/bantuan or an unknown command in a group."""
    return (
        "Status KTP-el hanya bisa dicek lewat chat pribadi, demi menjaga data pribadi.\n"
        f"Buka @{_said(bot_username)}, tekan {bold('Mulai')}, lalu ketik NIK Bapak/Ibu.\n"
        "Jangan kirim NIK atau nomor KK di grup."
    )


#: Free text that matches nothing: two lines, then the buttons.
NOT_UNDERSTOOD_SHORT = (
    "Maaf, saya belum mengerti pesan itu.\n"
    "Ketik NIK (16 angka) untuk cek KTP-el, atau tekan salah satu tombol di bawah."
)
#: A photo, sticker, voice note or file in a private chat.
NOT_TEXT_SHORT = (
    "Maaf, saya hanya bisa membaca tulisan, bukan foto, stiker, berkas atau pesan suara.\n"
    "Ketik NIK (16 angka) untuk cek KTP-el. Demi keamanan, jangan kirim foto KTP atau Kartu "
    "Keluarga (KK) di chat."
)


def unknown_command_short(command: str) -> str:
    return (
        f"Perintah {code(_said(command))} tidak dikenal.\n"
        "Ketik NIK (16 angka) untuk cek KTP-el, atau tekan salah satu tombol di bawah."
    )


ERROR_KIND = (
    "Maaf, ada gangguan di sistem kami. Pesan Bapak/Ibu belum bisa diproses.\n"
    "Catatan Bapak/Ibu tetap aman.\n"
    "Silakan coba lagi beberapa menit lagi. Bila masih gagal, hubungi kantor Disdukcapil."
)


#: A button the bot no longer knows (an older version's, or one no longer valid).
BUTTON_UNKNOWN = "Tombol ini sudah tidak berlaku. Silakan ulangi perintahnya."

# --- staff: the command menu and /bantuan of staff and admins -------------------------------------

#: What each staff and admin command does, as their Telegram menu and /bantuan describe it
#: (a command both audiences have is described for staff here).
STAFF_COMMAND_DESCRIPTIONS: dict[str, str] = {
    "status": "Lihat data dan riwayat: /status NIK",
    "ubah": "Ubah status: /ubah NIK STATUS [catatan]",
    "impor": "Impor CSV status dari sistem pusat",
    "statistik": "Antrean, tunggakan dan angka terkini",
    "siaran": "Kirim pengumuman ke warga",
    "blanko": "Catat stok blanko: /blanko JUMLAH",
    "buka": "Buka kunci cek NIK: /buka NIK",
    "petugas": "Kelola petugas dan admin",
    "kantor": "Info kantor untuk warga: alamat, jam, kontak",
    "cek": "Cek status KTP-el seperti warga",
    "bantuan": "Petunjuk perintah petugas",
    "faq": "Jawaban pertanyaan umum warga",
    "pertanyaan": "Pertanyaan warga yang belum selesai",
    "bisukan": "Hentikan sementara pertanyaan dari warga: /bisukan NOMOR",
    "meja": "Meja pertanyaan warga: grup petugas, jam kerja, libur",
    "jamkerja": "Jam kerja kantor untuk pertanyaan warga",
    "libur": "Daftar hari libur kantor",
    "jadwal": "Jadwal jemput bola: /jadwal tambah, /jadwal hasil",
}


def _command_lines(commands: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"/{name} — {html.escape(about)}" for name, about in commands)


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


def unknown_command(command: str) -> str:
    """First line of the answer to a command the bot does not have."""
    return f"Perintah <code>{html.escape(command)}</code> tidak dikenal. Ini yang bisa saya bantu:"


# === 4. The check, following a NIK, privacy =======================================================

# --- residents: the check: asking for the numbers, the answer, Selengkapnya -----------------------

#: The first answer to a check fits one phone screen: at most this many visible characters
#: (about 15 lines of 36 columns), whatever the office information says (tests/test_texts.py).
FIRST_ANSWER_LIMIT = 600
#: Office texts (up to 300 characters each) are shortened in the first answer; the
#: "Selengkapnya" message and the office button show them whole.
_FIRST_PLACE_LIMIT = 60
_FIRST_HOURS_LIMIT = 30
#: The office's "diwakilkan" text is shown whole in the first answer up to this length;
#: a longer one is pointed to (Selengkapnya shows it), never cut in the middle of its sense.
_FIRST_PROXY_LIMIT = 100
#: The next "jemput bola" visit in the resident's kecamatan, one line in the first answer.
VISIT_LINE_LIMIT = 80


@dataclass(frozen=True, slots=True)
class WaitingFigures:
    """How long a record has waited in its status, against the usual stay (services/insights.py)."""

    waited_days: int  # days since it entered its current status
    usual_known: bool  # enough finished stays to say what is usual
    usual_median_days: float | None
    usual_p80_days: int | None
    longer_than_usual: bool  # waited more than the usual (p80), with enough samples
    queue_before: int | None = None  # PRINT_READY_RECORD: records ahead in the print queue
    blanko_stock: int | None = None  # PRINT_READY_RECORD: blank cards in stock, when set
    usual_samples: int = 0  # finished stays the figures come from
    printed_recently: int | None = None  # PRINT_READY_RECORD: cards printed in the last 30 days
    #: The estimate, as `services.insights.EstimateKind` names it ("range", "queue", ...; "none").
    estimate_kind: str = "none"
    estimate_from: date | None = None
    estimate_to: date | None = None
    blanko_known: bool = False  # the queue estimate counted the blanko stock


#: Buttons under a check's answer.
BTN_MORE = "📄 Selengkapnya"
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
    f"Ketik {bold('NIK')} yang ingin dicek: 16 angka di KTP lama atau di Kartu Keluarga.\n\n"
    f"Lebih cepat: NIK lalu {bold('Nomor KK')} dalam satu pesan, dipisah spasi. Contoh:\n"
    f"{code('1605xxxxxxxxxxxx 1605xxxxxxxxxxxx')}"
)


def ask_kk(nik_masked: str) -> str:
    """A valid NIK arrived alone: ask for the second factor."""
    return (
        f"NIK {bold(nik_masked)} diterima.\n\n"
        f"Sekarang ketik {bold('Nomor KK')}: 16 angka di bagian atas Kartu Keluarga.\n"
        "Ini untuk memastikan KTP-el itu milik Bapak/Ibu atau keluarga.\n"
        "Tidak jadi? Ketik /batal."
    )


def same_as_nik(nik_masked: str | None) -> str:
    """The NIK was sent again where the Nomor KK was expected (nothing counted)."""
    shown = f" ({nik_masked})" if nik_masked else ""
    return (
        f"Itu NIK yang sama{shown}.\n"
        f"Sekarang ketik {bold('Nomor KK')}: nomor di bagian atas Kartu Keluarga, bukan NIK."
    )


#: The same number twice in one message (nothing counted).
SAME_NUMBER_TWICE = (
    f"Dua nomor itu sama.\nKirim NIK, lalu {bold('Nomor KK')}: nomor di bagian atas Kartu Keluarga."
)

#: NIK and Nomor KK arrived the other way round (nothing counted).
NUMBERS_SWAPPED = (
    "Urutannya terbalik: nomor pertama itu Nomor KK.\n"
    f"Kirim {bold('NIK dulu')}, lalu Nomor KK, dipisah spasi."
)


def invalid_number(problem: str) -> str:
    """`problem` is nik_problem(err): exactly what is wrong; then what to do."""
    return f"{problem}\nPeriksa lagi angkanya, lalu kirim ulang."


TOO_MANY_NUMBERS = (
    "Pesan itu berisi lebih dari dua nomor.\nKirim NIK saja, atau NIK lalu Nomor KK, dipisah spasi."
)


NUMBERS_TOO_LONG = (
    "Pesan itu terlalu panjang untuk sebuah NIK.\nKirim NIK saja (16 angka), atau NIK lalu "
    "Nomor KK, dipisah spasi."
)


def no_match(attempts_left: int | None, nik_masked: str | None = None) -> str:
    """Wrong KK or unknown NIK: deliberately one answer for both. With `nik_masked`, the NIK
    is still waiting for its Nomor KK."""
    lines = [
        f"NIK dan Nomor KK itu {bold('tidak cocok')} dengan catatan kami.",
        "Nomor KK ada di bagian atas Kartu Keluarga.",
    ]
    if nik_masked:
        lines.append(f"Ketik lagi Nomor KK untuk NIK {nik_masked}, atau /batal untuk NIK lain.")
    lines.append(
        "Bila keduanya sudah benar, mungkin catatannya belum masuk ke bot ini. "
        f"Tanyakan ke petugas: tekan {MENU_ASK}."
    )
    if attempts_left is not None and 0 < attempts_left <= 3:
        lines.append(f"Sisa percobaan dari chat ini: {attempts_left} kali dalam satu jam.")
    return "\n".join(lines)


def chat_must_wait(until: datetime, tz: str) -> str:
    return (
        "Sudah terlalu banyak percobaan yang tidak cocok dari chat ini.\n"
        "Demi keamanan, cek berikutnya bisa lagi mulai "
        f"{bold(format_datetime(until, tz))}."
    )


def nik_locked(until: datetime, tz: str, office: str) -> str:
    """The NIK is locked for checks (the same for a NIK the bot does not know)."""
    return (
        f"Demi keamanan, NIK ini sementara {bold('tidak bisa dicek')} lewat bot sampai "
        f"{bold(format_datetime(until, tz))}.\n"
        "NIK ini sudah terlalu sering dicoba dengan Nomor KK yang tidak cocok.\n\n"
        "Bila ini NIK Bapak/Ibu, tanyakan langsung ke kantor dengan membawa Kartu Keluarga."
        f"\n\n{office}"
    )


def _turn(day: date, today: date) -> str:
    return "lebih dari setahun lagi" if (day - today).days > 365 else format_month_part(day)


def _ask_a_person() -> str:
    """The hand-off to a person when the next step is the office's or the centre's."""
    return f"Bapak/Ibu bisa bertanya ke petugas: tekan {MENU_ASK}."


_BLANKO_RUNS_OUT = "Kalau blanko habis, menunggu kiriman dari pusat."


def estimate_line(waiting: WaitingFigures, today: date) -> str | None:
    """The estimate in one line ("Perkiraan: ..."), or an honest line when there is none."""
    start, end = waiting.estimate_from, waiting.estimate_to
    match waiting.estimate_kind:
        case "range" if start is not None and end is not None:
            return f"📅 Perkiraan: {format_date_span(start, end)}."
        case "queue" if start is not None:
            lead = "Dengan stok blanko sekarang" if waiting.blanko_known else "Bila blanko cukup"
            return (
                f"📅 {lead}, giliran Bapak/Ibu kira-kira {_turn(start, today)}. " + _BLANKO_RUNS_OUT
            )
        case "too_little_history":
            return "📅 Perkiraan belum bisa dibuat: riwayat di kantor ini belum cukup."
        case "past_usual":
            return (
                "⏳ Ini sudah lebih lama dari biasanya, jadi tanggalnya belum bisa diperkirakan. "
                + _ask_a_person()
            )
        case "queue_no_pace":
            return (
                "📅 Sebulan terakhir hampir tidak ada kartu yang dicetak, jadi giliran "
                "Bapak/Ibu belum bisa diperkirakan."
            )
        case "queue_no_blanko":
            return "📅 Blanko sedang habis. Giliran Bapak/Ibu menunggu kiriman blanko dari pusat."
        case "queue_blanko_short":
            return (
                "📅 Stok blanko sekarang habis sebelum giliran Bapak/Ibu. Sesudah itu menunggu "
                "kiriman dari pusat."
            )
    return None


#: Statuses whose advice is about collecting the card (they read the office's "diwakilkan").
COLLECT_STATUSES = frozenset({KtpStatus.CARD_PRINTED, KtpStatus.CARD_SHIPPED})


def _as_of_line(as_of: datetime, tz: str) -> str:
    local = _local(as_of, tz)
    when = f"{format_short_date(local.date())}, {format_time(local, tz)} {_zone(local)}"
    return italic(f"Data per {when}")


def _office_where(office: OfficeInfo, *, place: str | None = None) -> str:
    """Where to go, when it is open and whom to ask (marked); `place` is where cards are
    collected."""
    return _where_lines(office, place, bold, _said)


def _shows_visit(status: KtpStatus) -> bool:
    return status is KtpStatus.UNREGISTERED or status.facts.resident_must_come


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
    visit_line: str | None = None,
) -> str:
    """The first answer to a check, one phone screen (FIRST_ANSWER_LIMIT): whose card, the
    status in plain words, the journey, what is happening, ONE thing to do, the estimate.

    `visit_line`: the next "jemput bola" visit in the resident's kecamatan, one marked line
    (shown for a resident who must come). The rest is in `check_details` (Selengkapnya)."""
    about = STATUS_TEXTS[status]
    name = f" · {_said(name_masked, 24)}" if name_masked else ""
    lines = [
        f"🪪 {bold(f'KTP-el {nik_masked}')}{name}",
        f"Status: {bold(about.title)}",
        stage_track(status),
        f"Sejak {format_short_date(status_date)} ({format_ago(status_date, today)}).",
        about.meaning,
        f"👉 {about.what_to_do}",
    ]
    if status in COLLECT_STATUSES:
        lines.append(
            f"📍 {_said(office.pickup, _FIRST_PLACE_LIMIT)}"
            f" · {_said(office.hours, _FIRST_HOURS_LIMIT)}"
        )
        proxy = office.proxy_pickup
        if len(proxy) <= _FIRST_PROXY_LIMIT:
            lines.append(f"👪 {_said(proxy)}")
        else:
            lines.append(f"👪 Boleh diambil keluarga? Lihat {BTN_MORE}.")
    elif status.facts.resident_must_come:
        lines.append(
            f"🏢 {_said(office.address, _FIRST_PLACE_LIMIT)}"
            f" · {_said(office.hours, _FIRST_HOURS_LIMIT)}"
        )
    estimate = None if status.facts.resident_must_come else estimate_line(waiting, today)
    if estimate:
        lines.append(estimate)
    if visit_line and _shows_visit(status):
        lines.append(fit(visit_line, VISIT_LINE_LIMIT))
    lines.append(_as_of_line(as_of, tz))
    return "\n".join(lines)


def _waiting_lines(status: KtpStatus, waiting: WaitingFigures) -> list[str]:
    if status is KtpStatus.CARD_ISSUED or status.facts.resident_must_come:
        return []  # nothing to wait for, or the next step is the resident's: no usual times
    median, p80 = waiting.usual_median_days, waiting.usual_p80_days
    if not waiting.usual_known or median is None or p80 is None:
        return ["⏱️ Riwayat di kantor ini belum cukup untuk menghitung lama tahap ini."]
    lines = [
        f"⏱️ Dari {format_number(waiting.usual_samples)} orang yang sudah melewati tahap ini, "
        f"separuhnya selesai dalam {format_days(median)}, dan 8 dari 10 orang dalam "
        f"{format_days(p80)}.",
        f"KTP-el ini sudah {format_days(waiting.waited_days)} di tahap ini.",
    ]
    if waiting.longer_than_usual:
        lines.append(f"⚠️ {bold('Ini lebih lama dari biasanya.')} {_ask_a_person()}")
    return lines


def _queue_lines(waiting: WaitingFigures) -> list[str]:
    if waiting.queue_before is None:
        return []
    ahead = waiting.queue_before
    if ahead == 0:
        queue = "🖨️ Bapak/Ibu ada di urutan terdepan antrean cetak."
    else:
        queue = f"🖨️ Antrean cetak: {format_number(ahead)} orang sebelum Bapak/Ibu."
    stock = waiting.blanko_stock
    if stock is None:
        blanko = "Stok blanko belum dicatat petugas."
    elif stock == 0:
        blanko = "Stok blanko sedang habis."
    else:
        blanko = f"Stok blanko sekarang {format_number(stock)} keping."
    lines = [queue, blanko]
    if waiting.printed_recently is not None:
        lines.append(f"Sebulan terakhir dicetak {format_number(waiting.printed_recently)} kartu.")
    lines.append("Yang lebih dulu siap cetak, dicetak lebih dulu.")
    return lines


def check_details(
    *,
    nik_masked: str,
    status: KtpStatus,
    waiting: WaitingFigures,
    office: OfficeInfo,
) -> str:
    """The rest of a check's answer (the "Selengkapnya" button): why it can take long, who
    acts, what else to know, the waiting-time figures, the print queue, the office."""
    about = STATUS_TEXTS[status]
    lines = [
        f"📄 {bold(f'Selengkapnya · KTP-el {nik_masked}')}",
        f"Status: {bold(about.title)} ({status.value})",
        "",
        f"{bold('Mengapa bisa lama?')} {about.why_slow}",
        f"{bold('Siapa yang menangani?')} {about.who_acts}",
        f"{bold('Perlu diketahui:')} {about.more}",
    ]
    figures = _waiting_lines(status, waiting) + _queue_lines(waiting)
    if figures:
        lines += ["", *figures]
    if status in COLLECT_STATUSES:
        lines += [
            "",
            _office_where(office, place=office.pickup),
            f"👪 {bold('Diambil keluarga:')} {_said(office.proxy_pickup)}",
        ]
    elif status.facts.resident_must_come:
        lines += ["", _office_where(office)]
    return "\n".join(lines)


def all_stages() -> list[str]:
    """Every status, stage by stage, in plain words; split into messages Telegram accepts."""
    parts = [bold("Perjalanan KTP-el, tahap demi tahap")]
    order = (Stage.RECORDING, Stage.SENDING, Stage.CENTRAL, Stage.PROBLEM, Stage.PRINTING)
    for stage in (*order, Stage.DONE):
        statuses = [s for s in ALL_STATUSES if s.facts.stage is stage]
        block = [f"\n{bold(STAGE_NAMES[stage])}"]
        block += [f"• {bold(STATUS_TEXTS[s].title)}: {STATUS_TEXTS[s].meaning}" for s in statuses]
        parts.append("\n".join(block))
    parts.append(
        "\nLamanya tiap tahap tergantung jaringan internet ke pusat, keadaan rekaman di pusat, "
        "kiriman blanko dari pusat, pita tinta dan lapisan pelindung kartu, dan mesin cetak."
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


# Following a NIK: 🔔 Beri tahu saya, names, /langganan, /berhenti
#: Where a resident sees the cards they follow: the main menu's button (not a command).
_FAMILY_BUTTON = f"tekan tombol {MENU_FAMILY}"


def _followed_name(label: str | None, nik_masked: str) -> str:
    return f"{bold(_said(label))} ({nik_masked})" if label else bold(nik_masked)


def subscribed(nik_masked: str, following: int, limit: int) -> str:
    return (
        f"🔔 Siap! Ada kabar penting tentang KTP-el {bold(nik_masked)}? Kami kabari di chat ini.\n"
        "Misalnya saat kartu sudah dicetak, atau bila perlu datang ke kantor.\n"
        f"Chat ini memantau {following} dari paling banyak {limit} NIK.\n\n"
        "Mau beri nama supaya mudah dikenali? Pilih di bawah, atau ketik sendiri "
        "(misalnya Andi)."
    )


def already_subscribed(label: str | None, nik_masked: str) -> str:
    return (
        f"{_followed_name(label, nik_masked)} sudah ada di daftar pantauan.\n\n"
        "Mau memberi atau mengganti namanya? Pilih di bawah, atau ketik sendiri."
    )


def subscriptions_full(limit: int) -> str:
    return (
        f"Chat ini sudah memantau {limit} NIK, jumlah paling banyak.\n"
        "Hentikan salah satu dengan /berhenti, lalu tekan 🔔 Beri tahu saya lagi."
    )


CHECK_EXPIRED = (
    "Tombol ini sudah kedaluwarsa.\n"
    "Cek NIK itu sekali lagi (NIK dan Nomor KK), lalu tekan tombol di bawah jawabannya."
)


def ask_label(label: str | None, nik_masked: str) -> str:
    return (
        f"Ketik nama untuk {_followed_name(label, nik_masked)}, paling banyak 30 huruf, "
        "misalnya Andi atau Ibu."
    )


def label_saved(label: str | None, nik_masked: str) -> str:
    if label is None:
        return f"Baik, {nik_masked} dipantau tanpa nama. Lihat daftarnya: {_FAMILY_BUTTON}."
    return (
        f"Tersimpan: {_followed_name(label, nik_masked)}.\n"
        f"Lihat semua yang dipantau: {_FAMILY_BUTTON}."
    )


NOT_FOLLOWED = f"NIK itu sudah tidak ada di daftar pantauan. Lihat daftarnya: {_FAMILY_BUTTON}."

NO_SUBSCRIPTIONS = (
    "Bapak/Ibu belum memantau NIK apa pun.\n\n"
    "Cek NIK dulu (NIK dan Nomor KK), lalu tekan 🔔 Beri tahu saya di bawah jawabannya.\n"
    "Satu chat bisa memantau sampai 10 NIK, misalnya seluruh keluarga."
)


def subscription_list(
    items: list[tuple[str | None, str, KtpStatus, date]], limit: int, today: date
) -> str:
    """/langganan: each followed NIK (label, masked NIK, status, since) with its status now."""
    lines = [f"{bold('NIK yang dipantau')} ({len(items)} dari {limit})", ""]
    for i, (label, nik_masked, status, since) in enumerate(items, 1):
        lines.append(f"{i}. {_followed_name(label, nik_masked)}")
        lines.append(
            f"    {STATUS_TEXTS[status].title}, sejak {format_short_date(since)}"
            f" ({format_ago(since, today)})"
        )
    lines += [
        "",
        "Kabar penting dikirim ke chat ini.\n"
        "Tekan tombol ✏️ untuk memberi atau mengganti nama.\n"
        "Berhenti memantau: /berhenti.",
    ]
    return "\n".join(lines)


def label_button(index: int, label: str | None, nik_masked: str) -> str:
    return f"✏️ {index}. {label or nik_masked}"


def stop_button(index: int, label: str | None, nik_masked: str) -> str:
    return f"{index}. {label or nik_masked}"


STOP_CHOOSE = "Berhenti memantau NIK yang mana? Sesudah itu tidak ada kabar lagi tentangnya."
STOP_KEPT = "Baik, daftar pantauan tidak berubah."


def stopped(label: str | None, nik_masked: str) -> str:
    return (
        f"Baik, {_followed_name(label, nik_masked)} tidak dipantau lagi.\n"
        "Bisa dipantau lagi kapan saja setelah cek NIK."
    )


def stopped_all(count: int) -> str:
    return f"Baik, {count} NIK tidak dipantau lagi. Chat ini tidak akan menerima kabar status."


def stop_usage(count: int) -> str:
    return (
        f"Nomor atau nama itu tidak ada di daftar. Tulis nomornya (1 sampai {count}) atau "
        f"namanya, misalnya {code('/berhenti 1')}, atau tulis {code('/berhenti semua')}. "
        f"Lihat daftarnya: {_FAMILY_BUTTON}."
    )


NOTHING_TO_STOP = (
    "Bapak/Ibu belum memantau NIK apa pun, jadi tidak ada kabar status untuk dihentikan.\n\n"
    f"Tidak mau menerima pengumuman dari Disdukcapil? Kirim {code('/pengumuman mati')}."
)


# Groups, /batal
GROUP_PRIVATE_ONLY = (
    f"Demi menjaga data pribadi, status KTP-el hanya bisa dicek di {bold('chat pribadi')} dengan "
    "bot. Tekan tombol di bawah untuk membukanya.\n\n"
    "Jangan kirim NIK atau Nomor KK di grup."
)

CANCELLED = "Dibatalkan. Ketik NIK kapan saja untuk mulai cek lagi."
NOTHING_TO_CANCEL = "Tidak ada yang sedang berjalan. Ketik NIK untuk cek status KTP-el."


# Privacy: /privasi, /hapusdata
#: What the keyed hash is, and what it does not protect against (issue 11 item 7, issue 10).
PRIVACY_HASH_LIMITS = (
    "Kode itu dibuat dengan kunci rahasia kantor (HMAC-SHA256). NIK yang sama selalu menjadi "
    "kode yang sama, supaya bisa dicocokkan.\n"
    "Bila basis data saja yang bocor, NIK dan Nomor KK tidak bisa dicari dari kodenya.\n"
    f"Tetapi siapa pun yang memegang basis data {italic('dan')} kuncinya sekaligus bisa menghitung "
    "ulang kodenya, lalu mencoba NIK satu per satu. Karena itu kunci disimpan terpisah dan "
    "hanya bisa dibaca oleh bot."
)

PRIVACY = (
    f"{bold('Data pribadi di Cek KTP-el')}\n\n"
    f"{bold('NIK dan Nomor KK yang Bapak/Ibu ketik tidak disimpan apa adanya.')} Bot mengubahnya "
    "menjadi kode, lalu mencocokkannya dengan catatan kantor yang juga disimpan sebagai kode.\n"
    "NIK hanya ditampilkan tersamar (1605••••••••0012), dan nama hanya huruf depannya.\n\n"
    f"{PRIVACY_HASH_LIMITS}\n\n"
    f"{bold('Yang disimpan tentang chat ini:')}\n"
    "• nomor chat Telegram dan kapan terakhir menulis, untuk mengirim kabar dan pengumuman "
    "(sampai dihapus);\n"
    "• NIK yang dipantau dan nama yang diberikan, untuk memberi kabar penting, misalnya "
    "saat kartu sudah dicetak (sampai berhenti memantau atau dihapus);\n"
    "• cek yang berhasil, selama 7 hari, supaya tombol di bawah jawaban bisa dipakai;\n"
    "• cek yang sedang berjalan (menunggu Nomor KK), paling lama 30 menit;\n"
    "• percobaan yang tidak cocok (NIK dalam bentuk kode dan waktunya), selama 2 hari, untuk "
    "mencegah orang menebak-nebak Nomor KK.\n\n"
    "Semua ini dipakai hanya untuk layanan ini, tidak dibagikan, dan dijaga sesuai UU No. 27 "
    "Tahun 2022 tentang Pelindungan Data Pribadi.\n\n"
    "Tidak mau menerima pengumuman? /pengumuman. Ingin semua catatan chat ini dihapus? "
    "/hapusdata."
)

ERASE_CONFIRM = (
    f"{bold('Hapus semua catatan chat ini di bot?')}\n\n"
    "Yang dihapus: daftar NIK yang dipantau beserta namanya, catatan cek, dan catatan chat "
    "ini (termasuk pilihan soal pengumuman).\n"
    "Sesudah itu tidak ada lagi kabar status. Ini tidak bisa dibatalkan.\n\n"
    "Catatan KTP-el di kantor Disdukcapil tidak terpengaruh."
)
ERASED = (
    "✅ Selesai. Catatan chat ini di bot sudah dihapus: daftar pantauan, nama-namanya, catatan "
    "cek dan catatan chat.\n\n"
    "Demi keamanan, percobaan cek yang tidak cocok tidak ikut dihapus sekarang, supaya batas "
    "percobaan tetap berlaku. Catatan itu hanya berisi NIK dalam bentuk kode dan waktunya, "
    "dan terhapus sendiri dalam 2 hari.\n\n"
    "Bot ini tetap bisa dipakai kapan saja."
)
ERASE_KEPT = "Baik, tidak ada yang dihapus."


# === 5. Conversation: everyday words, the office, common questions (FAQ) ==========================

# --- residents: greetings, the office and its map pin, the FAQ ------------------------------------

#: Greetings by the part of the day a resident named ("selamat pagi" is greeted back so).
DAY_GREETINGS: dict[str, str] = {
    "pagi": "Selamat pagi",
    "siang": "Selamat siang",
    "sore": "Selamat sore",
    "malam": "Selamat malam",
}
_NEXT_STEP = "Untuk cek KTP-el, ketik NIK Bapak/Ibu (16 angka), atau tekan tombol di bawah."


def greeting_reply(first_name: str, part_of_day: str | None) -> str:
    """A greeting ("halo", "selamat pagi", "p") greeted back."""
    hello = DAY_GREETINGS.get(part_of_day or "", "Halo")
    return f"{hello}, {_said(first_name)}! 👋\nAda yang bisa kami bantu?\n{_NEXT_STEP}"


def salam_reply(first_name: str) -> str:
    """ "Assalamualaikum" answered as it is answered."""
    return (
        f"Wa'alaikumsalam warahmatullahi wabarakatuh, {_said(first_name)}. 🙏\n"
        f"Ada yang bisa kami bantu?\n{_NEXT_STEP}"
    )


def thanks_reply(first_name: str) -> str:
    return (
        f"Sama-sama, {_said(first_name)}. 🙏\n"
        "Semoga urusan KTP-el Bapak/Ibu lancar.\n"
        "Bila perlu lagi, tekan tombol di bawah kapan saja."
    )


YES_REPLY = "Baik. 👍\n" + _NEXT_STEP
NO_REPLY = "Baik, tidak apa-apa.\nBila nanti perlu, tekan tombol di bawah kapan saja."


def kk_still_awaited(nik_masked: str) -> str:
    """ "cek ktp" while the bot waits for the KK of a NIK already sent."""
    return (
        f"Bot sedang menunggu {bold('nomor KK')} untuk NIK {bold(_said(nik_masked))}.\n"
        "Ketik nomor KK (16 angka di bagian atas Kartu Keluarga).\n"
        "Atau ketik NIK lain untuk mulai lagi."
    )


NO_FAMILY_YET = (
    "Belum ada KTP-el keluarga yang Bapak/Ibu pantau.\n"
    "Cara menambah: ketik NIK dan nomor KK anggota keluarga.\n"
    "Lalu tekan 🔔 di bawah jawabannya. Satu chat bisa memantau sampai 10 orang."
)


# The office: the venue on the map, then hours and contact.
#: The venue's name on the map (sendVenue's title).
OFFICE_NAME = "Kantor Disdukcapil Kabupaten Musi Rawas"


#: The office's default answer to "may someone else collect my card?" (`/kantor diwakilkan`).
OFFICE_PROXY_PICKUP_DEFAULT = (
    "KTP-el diaktifkan dengan sidik jari pemiliknya saat diserahkan. Karena itu, tanyakan dulu "
    "ke kantor apakah KTP-el boleh diambilkan keluarga, dan apa yang harus dibawa (misalnya "
    "Kartu Keluarga atau surat kuasa)."
)


def _office_lines(address: str | None, hours: str, contact: str) -> list[str]:
    """The office's name, address (None: the map pin shows it), hours and contact."""
    lines = [bold(OFFICE_NAME)]
    if address is not None:
        lines.append(f"📍 Alamat: {_said(address)}")
    lines += [f"🕗 Jam layanan: {_said(hours)}", f"☎️ Kontak: {_said(contact)}"]
    return lines


def office_contact(address: str, hours: str, contact: str) -> str:
    """The office block shown under /bantuan."""
    return "\n".join(_office_lines(address, hours, contact))


def office_answer(address: str, hours: str, contact: str, pickup: str, *, on_map: bool) -> str:
    """The office button (and "alamat kantor"): after the map pin, or alone when none is set."""
    lines = _office_lines(None if on_map else address, hours, contact)
    lines.append(f"🪪 Pengambilan KTP-el: {_said(pickup)}")
    if on_map:
        lines.append("Tekan peta di atas untuk membuka petunjuk jalan.")
    return "\n".join(lines)


def hours_answer(hours: str, address: str) -> str:
    """ "jam buka", "sabtu buka gak"."""
    return (
        f"🕗 Jam layanan kantor: {_said(hours)}.\n"
        f"📍 Alamat: {_said(address)}.\n"
        "Untuk peta, tekan tombol kantor di bawah."
    )


def contact_answer(contact: str, hours: str) -> str:
    """ "nomor wa", "nomor telepon kantor"."""
    return (
        f"☎️ Kontak kantor: {_said(contact)}.\n"
        f"🕗 Jam layanan: {_said(hours)}.\n"
        "Untuk alamat dan peta, tekan tombol kantor di bawah."
    )


def pickup_answer(pickup: str, hours: str) -> str:
    """ "dimana ambilnya": where printed cards are collected."""
    return (
        f"KTP-el yang sudah dicetak diambil di: {_said(pickup)}.\n"
        f"🕗 Jam layanan: {_said(hours)}.\n"
        "Belum tahu apakah sudah dicetak? Ketik NIK Bapak/Ibu (16 angka) untuk cek."
    )


#: "Tanya petugas" before the questions to staff exist: how to reach a person.
def ask_staff_fallback(contact: str, hours: str) -> str:
    return (
        "Untuk bertanya langsung kepada petugas:\n"
        f"☎️ Kontak kantor: {_said(contact)}\n"
        f"🕗 Jam layanan: {_said(hours)}"
    )


# Questions people often ask (FAQ): the list as buttons, each answer at most 600 characters.
FAQ_LIST_TITLE = f"❓ {bold('Pertanyaan yang sering ditanyakan')}\nTekan salah satu pertanyaan:"
FAQ_EMPTY = "Belum ada pertanyaan umum. Silakan hubungi kantor lewat tombol kantor di bawah."
BTN_FAQ_MORE = "❓ Pertanyaan lain"
#: An answer's longest length (visible characters), and a question's (a button's label).
FAQ_ANSWER_LIMIT = 600
FAQ_TITLE_LIMIT = 60


@dataclass(frozen=True, slots=True)
class FaqDefault:
    """One of the office's default answers; `key` is how it is kept and named in buttons."""

    key: str
    title: str
    body: str  # "{proxy_pickup}", "{pickup}", "{hours}" are filled from the office settings


#: The default answers, in the order residents see them (facts from the office's website).
FAQ_DEFAULTS: tuple[FaqDefault, ...] = (
    FaqDefault(
        "blanko",
        "Apa itu blanko? Mengapa bisa habis?",
        "Blanko adalah kartu kosong tempat KTP-el dicetak.\n"
        "Blanko tidak dibuat di kabupaten. Blanko dikirim oleh Direktorat Jenderal Dukcapil "
        "di Jakarta, dengan jatah untuk setiap daerah.\n"
        "Jatah itu sering lebih sedikit dari jumlah orang yang menunggu. Musi Rawas pernah "
        "menerima 6.000 keping, padahal lebih dari 11.000 orang sudah siap cetak.\n"
        "Bila blanko habis, pencetakan berhenti sampai kiriman berikutnya datang. Kantor "
        "mencetak menurut urutan antrean.",
    ),
    FaqDefault(
        "pusat",
        "Mengapa lama menunggu di pusat?",
        "Setelah direkam, foto, sidik jari dan iris mata dikirim ke pusat Kementerian Dalam "
        "Negeri di Jakarta.\n"
        "Di sana diperiksa agar satu orang hanya punya satu KTP-el. Rekaman Bapak/Ibu "
        "dibandingkan dengan rekaman jutaan orang lain.\n"
        "Kiriman dari seluruh Indonesia antre di sana, dan jaringan kadang lambat. Tahap ini "
        "bisa 3 hari, 20 hari, atau lebih.\n"
        "Selama di pusat, kantor kabupaten hanya bisa memantau. Bapak/Ibu tidak perlu datang.",
    ),
    FaqDefault(
        "bawa",
        "Apa yang dibawa saat mengambil KTP-el?",
        "Bawa Kartu Keluarga (KK) asli.\n"
        "Bawa juga KTP lama, surat keterangan (suket) atau bukti perekaman, bila ada.\n"
        "Tempat pengambilan: {pickup}.\n"
        "Jam layanan: {hours}.\n"
        "Sebelum berangkat, cek dulu apakah KTP-el sudah dicetak: ketik NIK Bapak/Ibu.",
    ),
    FaqDefault(
        "wakil",
        "Bolehkah KTP-el diambilkan orang lain?",
        "{proxy_pickup}\nTempat pengambilan: {pickup}.\nJam layanan: {hours}.",
    ),
    FaqDefault(
        "hilang",
        "KTP-el hilang atau rusak?",
        "KTP-el yang hilang atau rusak bisa dicetak ulang. Bapak/Ibu tidak perlu direkam lagi.\n"
        "Bila hilang: minta surat keterangan hilang dari kantor polisi, lalu bawa ke kantor "
        "Disdukcapil bersama Kartu Keluarga (KK) asli.\n"
        "Bila rusak: bawa KTP-el yang rusak dan KK asli.\n"
        "Bila ada tulisan yang salah di kartu, bawa juga dokumen yang benar, misalnya akta "
        "kelahiran.\n"
        "Cetak ulang juga memakai blanko, jadi bisa menunggu stok.",
    ),
    FaqDefault(
        "rekam",
        "Belum pernah rekam? Di mana merekam?",
        "KTP-el dibuat untuk warga yang sudah berumur 17 tahun atau sudah pernah menikah.\n"
        "Perekaman (foto, sidik jari, iris mata dan tanda tangan) bisa di kantor Disdukcapil "
        "pada jam layanan: {hours}.\n"
        "Petugas juga datang ke desa, sekolah dan rumah sakit (jemput bola). Tanyakan jadwalnya "
        "ke kantor desa atau kecamatan.\n"
        "Bawa Kartu Keluarga (KK) asli. Layanan ini gratis.",
    ),
)


def faq_fill(body: str, *, proxy_pickup: str, pickup: str, hours: str) -> str:
    """An answer with the office's settings put in (an admin's own text has no slots)."""
    return (
        body.replace("{proxy_pickup}", _said(proxy_pickup))
        .replace("{pickup}", _said(pickup))
        .replace("{hours}", _said(hours))
    )


def faq_answer(title: str, body: str) -> str:
    """One answer as the resident reads it (`body` is already filled, and marked)."""
    return f"❓ {bold(_said(title))}\n\n{body}"


# --- staff: /faq and /kantor for admins -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaqAdminLine:
    number: int
    title: str
    changed: bool  # an office default the admin rewrote
    added: bool  # an answer the admin added
    hidden: bool  # a default the admin took off the list


def faq_admin_list(lines: Sequence[FaqAdminLine]) -> str:
    rows = ["<b>Pertanyaan umum yang dilihat warga</b>"]
    for line in lines:
        mark = ""
        if line.hidden:
            mark = " (disembunyikan)"
        elif line.added:
            mark = " (tambahan)"
        elif line.changed:
            mark = " (diubah)"
        rows.append(f"{line.number}. {_escape(line.title)}{mark}")
    rows += ["", FAQ_USAGE]
    return "\n".join(rows)


FAQ_USAGE = (
    "Cara mengubah:\n"
    "<code>/faq lihat N</code>: lihat jawaban nomor N\n"
    "<code>/faq ubah N TEKS</code>: ganti jawaban nomor N\n"
    "<code>/faq tambah JUDUL | TEKS</code>: tambah pertanyaan baru\n"
    "<code>/faq hapus N</code>: sembunyikan atau hapus nomor N\n"
    "<code>/faq asal N</code>: kembalikan jawaban bawaan nomor N\n"
    "Jawaban paling banyak 600 huruf, pakai Bapak/Ibu. Jawaban bawaan nomor 4 diambil dari "
    "<code>/kantor diwakilkan</code>."
)


def faq_no_such_number(text: str, count: int) -> str:
    return f"Tidak ada pertanyaan nomor <code>{_escape(text)}</code>. Nomornya 1 sampai {count}."


def faq_too_long(length: int) -> str:
    return f"Teks terlalu panjang: {length} huruf. Paling banyak {FAQ_ANSWER_LIMIT} huruf."


def faq_title_too_long(length: int) -> str:
    return f"Judul terlalu panjang: {length} huruf. Paling banyak {FAQ_TITLE_LIMIT} huruf."


FAQ_MISSING_TEXT = "Tulis teksnya juga, misalnya <code>/faq ubah 2 Teks jawaban baru</code>."
FAQ_MISSING_TITLE = (
    "Tulis judul dan jawaban dipisah tanda |, misalnya "
    "<code>/faq tambah Berapa biayanya? | Gratis, tidak dipungut biaya.</code>"
)


def faq_preview(number: int, title: str, body: str) -> str:
    return f"Nomor {number}:\n\n{faq_answer(title, body)}"


def faq_changed(number: int, title: str) -> str:
    return f"✅ Jawaban nomor {number} ({_escape(title)}) diubah. Warga langsung melihatnya."


def faq_added(number: int, title: str) -> str:
    return f"✅ Pertanyaan nomor {number} ditambahkan: {_escape(title)}."


def faq_removed(number: int, title: str, hidden: bool) -> str:
    if hidden:
        return (
            f"✅ Nomor {number} ({_escape(title)}) disembunyikan dari warga. "
            f"Tampilkan lagi dengan <code>/faq asal {number}</code>."
        )
    return f"✅ Pertanyaan nomor {number} ({_escape(title)}) dihapus."


def faq_restored(number: int, title: str) -> str:
    return f"✅ Nomor {number} ({_escape(title)}) kembali memakai jawaban bawaan."


def faq_not_a_default(number: int) -> str:
    return (
        f"Nomor {number} adalah tambahan, tidak punya jawaban bawaan. "
        f"Ubah dengan <code>/faq ubah {number} TEKS</code> atau hapus dengan "
        f"<code>/faq hapus {number}</code>."
    )


def faq_already_default(number: int) -> str:
    return f"Nomor {number} sudah memakai jawaban bawaan."


FAQ_TOO_MANY = (
    "Sudah ada 20 pertanyaan. Hapus salah satu dulu: daftar yang pendek lebih mudah dibaca."
)


# /kantor: every field, the map pin, whether someone else may collect.


OFFICE_SETTING_NAMES: dict[str, str] = {
    "alamat": "Alamat",
    "jam": "Jam layanan",
    "kontak": "Kontak (telepon/WhatsApp)",
    "pengambilan": "Tempat pengambilan KTP-el",
    "diwakilkan": "Boleh diambilkan orang lain?",
    "lokasi": "Lokasi di peta",
}


def _office_setting_codes() -> str:
    return ", ".join(f"<code>{k}</code>" for k in OFFICE_SETTING_NAMES)


def office_settings_view(info: OfficeInfo) -> str:
    """/kantor: the office information residents see, and how to change it."""
    location = f"{info.location[0]:.6f},{info.location[1]:.6f}" if info.location else None
    values = {
        "alamat": info.address,
        "jam": info.hours,
        "kontak": info.contact,
        "pengambilan": info.pickup,
        "diwakilkan": info.proxy_pickup,
        "lokasi": location or "belum diisi (warga hanya melihat alamat)",
    }
    lines = ["<b>Informasi kantor yang dilihat warga</b>"]
    lines += [f"{OFFICE_SETTING_NAMES[k]}: {_escape(v)}" for k, v in values.items()]
    lines += [
        "",
        "Ubah dengan <code>/kantor BAGIAN teks baru</code>, BAGIAN salah satu dari: "
        + _office_setting_codes(),
        "Contoh: <code>/kantor kontak 0812-3456-7890 (WhatsApp)</code>",
        "Lokasi: <code>/kantor lokasi -3.2851,103.0475</code>, atau <code>/kantor lokasi</code> "
        "lalu kirim titik lokasi dari Telegram.",
    ]
    return "\n".join(lines)


def office_setting_unknown(field: str) -> str:
    return (
        f"Bagian <code>{_escape(field)}</code> tidak dikenal. Pilih salah satu: "
        + _office_setting_codes()
        + "."
    )


def office_too_long(limit: int) -> str:
    return f"Teks terlalu panjang; paling banyak {limit} huruf."


def office_missing_text(field: str) -> str:
    return f"Tulis teks barunya, misalnya <code>/kantor {_escape(field)} teks baru</code>."


def office_setting_changed(field: str, old: str, new: str) -> str:
    return (
        f"✅ {OFFICE_SETTING_NAMES[field]} diubah.\nSebelumnya: {_escape(old or '-')}\n"
        f"Sekarang: {_escape(new or '-')}\n"
        "Warga melihatnya di tombol kantor, pertanyaan umum dan kabar KTP-el tercetak."
    )


OFFICE_LOCATION_ASK = (
    "Kirim titik lokasi kantor sekarang: tekan 📎, pilih <b>Lokasi</b>, geser peta ke kantor, "
    "lalu kirim.\n"
    "Atau ketik koordinatnya: <code>/kantor lokasi -3.2851,103.0475</code> "
    "(dari Google Maps: tekan lama titik kantor, lalu salin angkanya).\n"
    "Menghapus lokasi: <code>/kantor lokasi hapus</code>."
)
OFFICE_LOCATION_BAD = (
    "Koordinat tidak bisa dibaca. Tulis lintang dan bujur dipisah koma, misalnya "
    "<code>/kantor lokasi -3.2851,103.0475</code>."
)
#: Words after `/kantor lokasi` that take the pin away.
OFFICE_LOCATION_REMOVE_WORDS = ("hapus", "kosong", "tidak")


# === 6. Questions to a person (Tanya petugas) and office hours ====================================

# --- residents: asking, answers, replies ----------------------------------------------------------

#: How residents read a staff member's role.
STAFF_ROLE_NAMES: dict[str, str] = {"admin": "admin", "petugas": "petugas"}


BTN_QUESTION_REPLY = "↩️ Balas"

_ASK_SAFETY = "Demi keamanan, jangan kirim foto KTP atau Kartu Keluarga di chat."


def _staff_sign(name: str | None, role: str | None) -> str:
    role_name = STAFF_ROLE_NAMES.get(role or "", "petugas")
    return f"{html.escape(name)} ({role_name})" if name else role_name


def _opens_line(opens_at: datetime | None, tz: str) -> str:
    if opens_at is None:
        return "Kantor sedang tutup. Petugas akan membacanya pada hari kerja berikutnya."
    return f"Kantor sedang tutup.\nPetugas akan membacanya mulai {format_datetime(opens_at, tz)}."


def question_ask_prompt(closed_until: datetime | None, closed: bool, tz: str) -> str:
    """After "Tanya petugas": what to write (and when the office will read it, when closed)."""
    lines = [
        "Silakan tulis pertanyaan Bapak/Ibu dalam satu pesan.",
        "Petugas Disdukcapil akan menjawab di chat ini.",
        _ASK_SAFETY,
    ]
    if closed:
        lines += ["", _opens_line(closed_until, tz)]
    lines += ["", "Ketik /batal bila tidak jadi."]
    return "\n".join(lines)


def question_asked(number: int, closed_until: datetime | None, closed: bool, tz: str) -> str:
    lines = [
        f"✅ {bold(f'Pertanyaan #{number}')} sudah kami terima.",
        "Sekarang menunggu petugas membacanya.",
        "Jawaban akan datang di chat ini.",
    ]
    if closed:
        lines += ["", _opens_line(closed_until, tz)]
    return "\n".join(lines)


QUESTION_ASK_CANCELLED = "Baik, pertanyaan tidak jadi dikirim."
QUESTION_PRIVATE_ONLY = (
    "Pertanyaan kepada petugas hanya lewat chat pribadi dengan bot ini, demi menjaga data "
    "pribadi. Buka chat dengan bot, lalu tekan Tanya petugas."
)
QUESTION_REPLY_CANCELLED = "Baik, balasan tidak jadi dikirim."
QUESTION_NOT_TEXT = (
    "Mohon maaf, petugas hanya bisa menerima tulisan, bukan foto atau berkas.\n"
    f"{_ASK_SAFETY}\n"
    "Silakan tulis pertanyaan Bapak/Ibu dengan kata-kata."
)


def question_limit_open(limit: int) -> str:
    return (
        f"Bapak/Ibu masih punya {limit} pertanyaan yang belum selesai.\n"
        "Mohon tunggu jawaban petugas dulu.\n"
        "Untuk menambah keterangan, tekan Balas pada jawaban petugas."
    )


def question_limit_day(limit: int) -> str:
    return (
        f"Hari ini Bapak/Ibu sudah mengirim {limit} pesan kepada petugas.\n"
        "Petugas akan membaca yang sudah ada.\n"
        "Pesan baru bisa dikirim lagi besok."
    )


def question_muted(until: datetime, tz: str) -> str:
    """A muted resident asks (or is told of the mute)."""
    return (
        "Mohon maaf, untuk sementara Bapak/Ibu belum bisa mengirim pertanyaan kepada petugas.\n"
        f"Ini berlaku sampai {format_date(_local(until, tz).date())}.\n"
        "Untuk keperluan penting, silakan datang ke kantor Disdukcapil."
    )


def question_answer(number: int, text: str, name: str | None, role: str | None) -> str:
    """A staff member's answer, as the resident receives it."""
    return (
        "💬 <b>Jawaban petugas Disdukcapil:</b>\n\n"
        f"{html.escape(text)}\n\n"
        f"— {_staff_sign(name, role)}, Pertanyaan #{number}\n"
        "Untuk membalas, tekan tombol Balas."
    )


def question_reply_prompt(number: int) -> str:
    return (
        f"Silakan tulis balasan untuk Pertanyaan #{number}.\n"
        f"{_ASK_SAFETY}\n"
        "Ketik /batal bila tidak jadi."
    )


def question_replied(number: int) -> str:
    return f"✅ Balasan Bapak/Ibu untuk Pertanyaan #{number} sudah diteruskan ke petugas."


_ASK_AGAIN = f"Bila masih ada yang ingin ditanyakan, tekan {MENU_ASK}."


def question_thread_closed(number: int) -> str:
    return f"Pertanyaan #{number} sudah selesai.\n{_ASK_AGAIN}"


def question_closed_notice(number: int) -> str:
    """Sent to the resident when staff close the thread."""
    return (
        f"Pertanyaan #{number} sudah selesai dan ditutup petugas.\n"
        f"Terima kasih sudah bertanya.\n{_ASK_AGAIN}"
    )


QUESTION_NOT_YOURS = "Pertanyaan itu tidak ada di chat ini."

# --- staff: the desk, /pertanyaan, /bisukan, /meja, /jamkerja, /libur -----------------------------

#: What staff see where a resident erased a question (/hapusdata), or the bot erased it.
QUESTION_ERASED = "[dihapus oleh warga]"
QUESTION_PURGED = "[dihapus: masa simpan habis]"

BTN_QUESTION_TAKE = "🙋 Saya tangani"
BTN_QUESTION_ANSWER = "✍️ Jawab"
BTN_QUESTION_CLOSE = "✅ Tutup"
BTN_QUESTION_CHECK = "🔎 Cek warga"


def format_work_time(seconds: float) -> str:
    """A span of office hours: "kurang dari 1 menit", "45 menit", "4 jam 5 menit"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "kurang dari 1 menit"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} menit"
    return f"{_n(hours)} jam" + (f" {minutes} menit" if minutes else "")


@dataclass(frozen=True, slots=True)
class QuestionRecordLine:
    """The record the resident proved in this chat (masked), for the desk."""

    nik_masked: str
    name_masked: str | None
    status: KtpStatus
    status_date: date


@dataclass(frozen=True, slots=True)
class QuestionCard:
    """What the desk shows about a question now."""

    number: int
    created_at: datetime
    state: str  # new, taken, closed
    waiting_for: str  # staff, resident
    text: str | None  # the question (numbers masked); None once erased
    erased_by_resident: bool
    taken_name: str | None
    taken_role: str | None
    close_reason: str | None
    record: QuestionRecordLine | None
    replies: int  # messages after the question, both sides
    reminder_age_s: float | None = None  # set on a reminder: office time waited so far


def question_card(card: QuestionCard, tz: str) -> str:
    """The desk's message about a question (its first post, reminders and later edits)."""
    head = f"❓ <b>Pertanyaan #{card.number}</b> · {format_datetime(card.created_at, tz)}"
    if card.text is None:
        gone = QUESTION_ERASED if card.erased_by_resident else QUESTION_PURGED
        return f"{head}\n{gone}"
    lines: list[str] = []
    if card.reminder_age_s is not None:
        lines.append(
            f"⏰ <b>Belum ada yang menangani</b> sejak {format_work_time(card.reminder_age_s)}"
            " jam kerja."
        )
    lines += [head, "", html.escape(card.text), ""]
    if card.record is not None:
        record = card.record
        name = f" · {html.escape(record.name_masked)}" if record.name_masked else ""
        lines.append(
            f"Warga sudah membuktikan NIK {html.escape(record.nik_masked)}{name} di chat ini:"
            f" {record.status.value} sejak {format_short_date(record.status_date)}"
            " (tombol Cek warga)."
        )
    if card.state == "closed":
        lines.append("Status: <b>selesai</b> (ditutup).")
    elif card.state == "taken":
        who = _staff_sign(card.taken_name, card.taken_role)
        waiting = "menunggu warga" if card.waiting_for == "resident" else "menunggu jawaban"
        lines.append(f"Status: ditangani {who} · {waiting}.")
    else:
        lines.append("Status: <b>baru</b>, belum ada yang menangani.")
    if card.replies:
        lines.append(f"Percakapan: {_n(card.replies)} pesan sesudah pertanyaan.")
    if card.state != "closed":
        lines.append("Jawab: balas (reply) pesan ini, atau tekan Jawab.")
    return "\n".join(lines)


def question_reply_card(number: int, text: str | None, at: datetime, closed: bool, tz: str) -> str:
    """The desk's message for a resident's reply in a thread."""
    head = f"↩️ <b>Balasan warga</b> · Pertanyaan #{number} · {format_datetime(at, tz)}"
    if text is None:
        return f"{head}\n{QUESTION_ERASED}"
    tail = "Pertanyaan ini sudah selesai." if closed else "Jawab: balas (reply) pesan ini."
    return f"{head}\n\n{html.escape(text)}\n\n{tail}"


def question_take_won(number: int) -> str:
    return f"Pertanyaan #{number} sekarang Anda tangani."


def question_take_lost(number: int, name: str | None, role: str | None) -> str:
    return f"Pertanyaan #{number} sudah ditangani {_staff_sign(name, role)}."


def question_answer_prompt(number: int, user_id: int, name: str, in_group: bool) -> str:
    """After "Jawab": the staff member writes (mentioned in a group, so only they get the
    reply box)."""
    if not in_group:
        return (
            f"✍️ Tulis jawaban untuk Pertanyaan #{number} di pesan berikutnya. "
            "Ketik /batal untuk batal."
        )
    mention = f'<a href="tg://user?id={int(user_id)}">{html.escape(name)}</a>'
    return (
        f"✍️ {mention}, tulis jawaban untuk Pertanyaan #{number} sebagai balasan "
        "(reply) pesan ini. Ketik /batal untuk batal."
    )


def question_answer_sent(number: int) -> str:
    return f"✅ Jawaban untuk Pertanyaan #{number} dikirim ke warga."


def question_answer_not_yours(number: int, name: str | None, role: str | None) -> str:
    return (
        f"Pertanyaan #{number} ditangani {_staff_sign(name, role)}. Jawaban tidak dikirim; "
        "minta yang menangani, atau admin, untuk menjawab."
    )


def question_is_closed(number: int) -> str:
    return f"Pertanyaan #{number} sudah ditutup. Tidak ada yang dikirim."


def question_closed_by_staff(number: int) -> str:
    return f"Pertanyaan #{number} ditutup; warga diberi tahu."


def question_unknown(number: int) -> str:
    return f"Pertanyaan #{number} tidak ada."


QUESTION_ANSWER_NOT_TEXT = "Jawaban harus berupa tulisan. Kirim lagi sebagai teks."
QUESTION_ANSWER_CANCELLED = "Baik, jawaban tidak dikirim."
QUESTION_NO_RECORD = "Warga ini belum membuktikan NIK di chat ini (atau sudah lebih dari 7 hari)."


@dataclass(frozen=True, slots=True)
class QuestionListItem:
    number: int
    state: str
    waiting_for: str
    taken_name: str | None
    taken_role: str | None
    age_s: float  # office time since it was asked
    snippet: str | None


QUESTION_LIST_FILTERS = {"saya": "yang Anda tangani", "baru": "yang belum ditangani"}


def question_list(items: Sequence[QuestionListItem], total: int, filter_name: str | None) -> str:
    """/pertanyaan: questions not closed, oldest first."""
    which = QUESTION_LIST_FILTERS.get(filter_name or "", "")
    title = "<b>Pertanyaan warga yang belum selesai</b>" + (f" ({which})" if which else "")
    if not items:
        return f"{title}\nTidak ada. 👍"
    lines = [f"{title}: {_n(total)}, yang terlama di atas.", ""]
    for item in items:
        if item.state == "new":
            who = "<b>baru</b>"
        else:
            who = "ditangani " + _staff_sign(item.taken_name, item.taken_role)
        waiting = " · menunggu warga" if item.waiting_for == "resident" else ""
        snippet = html.escape(clip(" ".join((item.snippet or QUESTION_ERASED).split()), 60))
        lines.append(
            f"#{item.number} · {format_work_time(item.age_s)} jam kerja · {who}{waiting}\n"
            f"   {snippet}"
        )
    if total > len(items):
        lines.append(f"… dan {_n(total - len(items))} lagi.")
    lines += [
        "",
        "Buka satu: <code>/pertanyaan NOMOR</code>. Saring: <code>/pertanyaan saya</code>,"
        " <code>/pertanyaan baru</code>.",
    ]
    return "\n".join(lines)


QUESTION_LIST_USAGE = (
    "Pakai <code>/pertanyaan</code> (semua yang belum selesai), <code>/pertanyaan saya</code>,"
    " <code>/pertanyaan baru</code>, atau <code>/pertanyaan NOMOR</code>."
)


def question_thread(number: int, lines: Sequence[tuple[str, str, datetime]], tz: str) -> str:
    """The whole conversation of one question: (who, text, when) per message."""
    out = [f"<b>Percakapan Pertanyaan #{number}</b>"]
    for who, text, at in lines:
        out.append(f"\n<b>{html.escape(who)}</b> · {format_datetime(at, tz)}\n{html.escape(text)}")
    return "\n".join(out)


QUESTION_THREAD_RESIDENT = "Warga"


# /bisukan
QUESTION_MUTE_USAGE = (
    "Hentikan sementara pertanyaan dari seorang warga (misalnya karena kata kasar atau pesan "
    "berulang): <code>/bisukan NOMOR [HARI]</code>, NOMOR pertanyaannya, HARI lamanya "
    "(bawaan 7, paling lama 365). Cabut dengan <code>/bisukan NOMOR cabut</code>."
)


def question_muted_staff(number: int, until: datetime, tz: str) -> str:
    return (
        f"🔇 Warga dari Pertanyaan #{number} tidak bisa bertanya sampai "
        f"{format_date(_local(until, tz).date())}. Warga sudah diberi tahu dengan sopan."
    )


def question_unmuted_staff(number: int, was_muted: bool) -> str:
    if not was_muted:
        return f"Warga dari Pertanyaan #{number} tidak sedang dibisukan."
    return f"🔈 Warga dari Pertanyaan #{number} bisa bertanya lagi."


def question_mute_gone(number: int) -> str:
    return f"Pertanyaan #{number} sudah dihapus; warganya tidak bisa dibisukan lagi."


# /meja, /jamkerja, /libur (admins)
#: Weekday names (0 = Monday), as the bot writes them.
WEEKDAY_NAMES: tuple[str, ...] = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def format_schedule(groups: Sequence[tuple[Sequence[int], time, time]]) -> str:
    """Office hours as read: "Senin–Jumat 08.00–15.00"; groups of consecutive weekdays."""
    if not groups:
        return "tidak ada hari kerja"
    parts = []
    for days, opens, closes in groups:
        first, last = WEEKDAY_NAMES[days[0]], WEEKDAY_NAMES[days[-1]]
        names = first if len(days) == 1 else f"{first}–{last}"
        parts.append(f"{names} {opens.strftime('%H.%M')}–{closes.strftime('%H.%M')}")
    return "; ".join(parts)


def question_desk_view(
    *,
    group_title: str | None,
    group_set: bool,
    staff_count: int,
    schedule: str,
    zone: str,
    holidays: Sequence[tuple[date, str]],
    remind_hours: float,
    retention_days: int,
) -> str:
    """/meja in a private chat: where questions go and the desk's settings."""
    if group_set:
        where = f"grup <b>{html.escape(group_title or 'petugas')}</b>"
    else:
        where = f"chat pribadi setiap petugas ({_n(staff_count)} orang)"
    upcoming = ", ".join(f"{format_short_date(d)} ({html.escape(n)})" for d, n in holidays[:5])
    lines = [
        "<b>Meja pertanyaan warga</b>",
        f"Pertanyaan masuk ke: {where}.",
        f"Jam kerja: {html.escape(schedule)} {html.escape(zone)}.",
        f"Libur berikutnya: {upcoming or '-'}.",
        f"Diingatkan lagi bila belum ditangani setelah {format_number(remind_hours)} jam kerja.",
        f"Percakapan yang sudah selesai dihapus setelah {_n(retention_days)} hari.",
        "",
        "Ubah:",
        "• grup meja: kirim <code>/meja</code> di grup petugas (admin); kembali ke chat pribadi:"
        " <code>/meja pribadi</code>",
        "• <code>/jamkerja Senin-Kamis 08.00-15.00; Jumat 08.00-11.30</code>",
        "• <code>/libur tambah 2026-12-25 Natal</code>, <code>/libur hapus 2026-12-25</code>",
        "• <code>/meja ingatkan 4</code> (jam kerja), <code>/meja simpan 90</code> (hari)",
    ]
    return "\n".join(lines)


def question_desk_set(title: str | None) -> str:
    return (
        f"✅ Grup ini ({html.escape(title or 'petugas')}) sekarang menjadi meja pertanyaan warga. "
        "Pertanyaan baru muncul di sini; jawab dengan membalas (reply) pesan pertanyaannya."
    )


QUESTION_DESK_PRIVATE = (
    "✅ Pertanyaan warga sekarang dikirim ke chat pribadi setiap petugas (tidak ke grup)."
)
QUESTION_DESK_GROUP_ADMIN_ONLY = "Hanya admin yang bisa menjadikan grup ini meja pertanyaan."
QUESTION_DESK_NUMBER_USAGE = (
    "Tulis angka bulat, misalnya <code>/meja ingatkan 4</code> (1–40 jam kerja) atau "
    "<code>/meja simpan 90</code> (7–3650 hari)."
)


def question_remind_set(hours: int) -> str:
    return f"✅ Pertanyaan yang belum ditangani diingatkan lagi setelah {_n(hours)} jam kerja."


def question_retention_set(days: int) -> str:
    return f"✅ Percakapan yang sudah selesai dihapus bot setelah {_n(days)} hari."


def question_hours_view(schedule: str, zone: str) -> str:
    return (
        f"Jam kerja untuk pertanyaan warga: <b>{html.escape(schedule)} {html.escape(zone)}</b>.\n"
        "Ubah dengan, misalnya, <code>/jamkerja Senin-Jumat 08.00-15.00</code> atau "
        "<code>/jamkerja Senin-Kamis 08.00-15.00; Jumat 08.00-11.30</code>.\n"
        "Jam ini dipakai untuk memberi tahu warga kapan pertanyaannya dibaca. Teks jam layanan "
        "untuk warga diubah dengan <code>/kantor jam</code>."
    )


def question_hours_set(old: str, new: str, zone: str) -> str:
    return f"✅ Jam kerja: {html.escape(new)} {html.escape(zone)} (sebelumnya {html.escape(old)})."


_SCHEDULE_PROBLEMS = {
    "empty": "Tulis hari dan jamnya.",
    "unknown_day": "Nama hari <code>{part}</code> tidak dikenal (Senin … Minggu).",
    "bad_time": "Bagian <code>{part}</code> tidak terbaca. Tulis hari lalu jam, misalnya "
    "<code>Senin-Jumat 08.00-15.00</code>.",
    "closes_before_opening": "Di <code>{part}</code> jam tutup tidak sesudah jam buka.",
}


def question_hours_error(problem: str, part: str) -> str:
    return _SCHEDULE_PROBLEMS.get(problem, _SCHEDULE_PROBLEMS["bad_time"]).format(
        part=html.escape(part[:60])
    )


def question_holidays(items: Sequence[tuple[date, str]]) -> str:
    lines = ["<b>Hari libur kantor</b> (pertanyaan warga menunggu hari kerja berikutnya)"]
    if not items:
        lines.append("Belum ada libur yang akan datang.")
    lines += [f"• {format_date(d)}: {html.escape(n)}" for d, n in items]
    lines += [
        "",
        "Tambah: <code>/libur tambah 2026-12-25 Natal</code>. Hapus: "
        "<code>/libur hapus 2026-12-25</code>.",
    ]
    return "\n".join(lines)


QUESTION_HOLIDAY_USAGE = (
    "Pakai <code>/libur</code> (daftar), <code>/libur tambah TANGGAL nama</code> atau "
    "<code>/libur hapus TANGGAL</code>; TANGGAL seperti 2026-12-25 atau 25-12-2026."
)


def question_holiday_added(day: date, name: str, changed: bool) -> str:
    if not changed:
        return f"{format_date(day)} sudah ada di daftar libur ({html.escape(name)})."
    return f"✅ {format_date(day)} dicatat sebagai libur: {html.escape(name)}."


def question_holiday_removed(day: date, name: str | None) -> str:
    if name is None:
        return f"{format_date(day)} tidak ada di daftar libur."
    return f"✅ {format_date(day)} ({html.escape(name)}) dihapus dari daftar libur."


# /statistik
def question_statistics(
    *,
    days: int,
    asked: int,
    answered: int,
    median_first_answer_s: float | None,
    open_older: int,
) -> str:
    """The questions' block of /statistik."""
    median = (
        "belum ada"
        if median_first_answer_s is None
        else f"{format_work_time(median_first_answer_s)} jam kerja"
    )
    return "\n".join(
        [
            f"<b>Pertanyaan warga</b> ({_n(days)} hari terakhir)",
            f"Masuk: {_n(asked)} · dijawab: {_n(answered)}",
            f"Median sampai jawaban pertama: {median}",
            f"Belum selesai dan lebih dari sehari: {_n(open_older)}",
        ]
    )


# === 7. Jemput bola: visits planned by staff, told to the residents they are for ==================

# --- residents: a visit, its notices, /jadwal -----------------------------------------------------

#: Words residents read for what a visit serves (codes as in `bot.services.visits.SERVICE_CODES`).
VISIT_SERVICE_NAMES: dict[str, str] = {
    "rekam": "perekaman KTP-el",
    "ambil": "pengambilan KTP-el yang sudah jadi",
    "kk": "pembuatan dan perubahan Kartu Keluarga (KK)",
    "akta": "akta kelahiran dan akta kematian",
}


#: What to bring, per service (an item named for two services is listed once).
VISIT_BRING: dict[str, tuple[str, ...]] = {
    "rekam": ("Kartu Keluarga (KK) asli",),
    "ambil": (
        "Kartu Keluarga (KK) asli",
        "surat keterangan (suket) atau bukti perekaman, bila ada",
    ),
    "kk": ("Kartu Keluarga (KK) lama", "surat pendukung perubahan"),
    "akta": ("surat keterangan lahir atau kematian", "KK dan KTP-el orang tua atau pelapor"),
}


@dataclass(frozen=True, slots=True)
class VisitInfo:
    """A visit as people read it (plain values)."""

    visit_id: int | None
    day: date
    start: str  # "08:00", office time
    end: str
    district_name: str
    place: str
    services: tuple[str, ...]
    note: str | None
    tz: str


def _clock(hhmm: str) -> str:
    return hhmm.replace(":", ".")


def _zone_name(tz: str) -> str:
    return _zone(datetime.now(ZoneInfo(tz)))


def visit_hours(info: VisitInfo) -> str:
    """ "08.00–12.00 WIB"."""
    return f"{_clock(info.start)}–{_clock(info.end)} {_zone_name(info.tz)}"


def visit_services_text(services: Sequence[str]) -> str:
    return _and_list([VISIT_SERVICE_NAMES.get(s, s) for s in services])


def _html_bold(text: str) -> str:
    return f"<b>{text}</b>"


def _visit_lines(info: VisitInfo, strong: Callable[[str], str], said: Callable[[str], str]) -> str:
    """Date, time, place, services, what to bring and the note: one idea per line (`strong`
    and `said` mark and quote: marked for the conversation, HTML for the notices and staff)."""
    bring = list(dict.fromkeys(item for s in info.services for item in VISIT_BRING.get(s, ())))
    lines = [
        f"📅 {strong(format_date(info.day))}",
        f"🕗 Pukul {visit_hours(info)}",
        f"📍 {said(info.place)}, Kecamatan {said(info.district_name)}",
        f"🛎️ Layanan: {visit_services_text(info.services)}",
    ]
    if bring:
        lines.append("🎒 Bawa:")
        lines += [f"• {item}" for item in bring]
    if info.note:
        lines.append(f"📝 {said(info.note)}")
    return "\n".join(lines)


def visit_block(info: VisitInfo) -> str:
    """A visit in Telegram HTML (the notices, until the outbox renders them per channel; staff)."""
    return _visit_lines(info, _html_bold, _escape)


def visit_said(info: VisitInfo) -> str:
    """A visit as the residents' /jadwal shows it (marked)."""
    return _visit_lines(info, bold, _said)


def visit_notice(
    info: VisitInfo,
    *,
    reminder: bool,
    nik_masked: str | None = None,
    label: str | None = None,
    to_collect: bool = False,
) -> str:
    """The message a chat gets when a visit is planned (or, `reminder`, the day before it).

    With `nik_masked`: the chat follows a card in that kecamatan whose owner must still be
    recorded (or, `to_collect`, collect the printed card); without: the chat asked for the
    kecamatan's visits."""
    name = _escape(info.district_name)
    if reminder:
        title = f"⏰ <b>Pengingat: jemput bola di Kecamatan {name}</b>"
        lead = "Petugas Disdukcapil datang sesuai jadwal ini."
    else:
        title = f"🚐 <b>Jemput bola di Kecamatan {name}</b>"
        lead = "Petugas Disdukcapil akan datang ke dekat Bapak/Ibu."
    if nik_masked:
        who = f"<b>{_escape(label)}</b> (NIK {nik_masked})" if label else f"NIK {nik_masked}"
        if to_collect:
            why = (
                f"KTP-el {who} sudah jadi.\n"
                "Kartunya bisa diambil di jemput bola ini. Pemilik kartu datang sendiri."
            )
        else:
            why = f"KTP-el {who} belum direkam.\nDatang ke sini supaya direkam tanpa ke kantor."
        why += "\nBerhenti menerima kabar untuk NIK ini: /berhenti"
    else:
        why = f"Bapak/Ibu meminta kabar jadwal di Kecamatan {name}.\nBerhenti: /jadwal berhenti"
    return f"{title}\n{lead}\n\n{visit_block(info)}\n\n{why}"


def visit_changed(info: VisitInfo) -> str:
    """To the chats already told of a visit that has changed."""
    return (
        "⚠️ <b>Jadwal jemput bola berubah</b>\n"
        "Jadwal yang kami kirim sebelumnya sudah diganti. Ini jadwal yang baru:\n\n"
        f"{visit_block(info)}\n\n"
        "Mohon maaf atas perubahan ini."
    )


def visit_cancelled(info: VisitInfo) -> str:
    """To the chats already told of a visit that was cancelled."""
    return (
        "❌ <b>Jemput bola dibatalkan</b>\n"
        f"Jemput bola pada {format_date(info.day)} di {_escape(info.place)}, Kecamatan "
        f"{_escape(info.district_name)} <b>tidak jadi</b>.\n"
        "Mohon maaf.\n"
        "Lihat jadwal lain: /jadwal"
    )


def visit_check_line(info: VisitInfo) -> str:
    """One line under a check's answer: the next visit in the resident's kecamatan, within
    VISIT_LINE_LIMIT (the place is shortened when needed; /jadwal shows it whole)."""
    day = babel_dates.format_date(info.day, "EEEE, d MMM", locale=LOCALE)
    head = f"🚐 Jemput bola {day}, {_clock(info.start)} {_zone_name(info.tz)} di "
    tail = " · /jadwal"
    room = VISIT_LINE_LIMIT - len((head + tail).encode("utf-16-le")) // 2
    return f"{head}{_said(info.place, max(room, 8))}{tail}"


# The resident's /jadwal (and the 🚐 Jemput bola button)
SCHEDULE_TITLE = (
    f"🚐 {bold('Jemput bola')}\n"
    "Petugas Disdukcapil datang ke desa dan sekolah untuk merekam KTP-el dan melayani warga."
)
SCHEDULE_PICK_DISTRICT = "Pilih kecamatan untuk melihat jadwalnya:"
SCHEDULE_PRIVATE_ONLY = (
    "Jadwal jemput bola bisa dilihat di chat pribadi dengan bot ini. "
    f"Di sana, tekan tombol {MENU_SCHEDULE}."
)
SCHEDULE_BACK_BUTTON = "⬅️ Kecamatan lain"


def schedule_overview(
    visits: Sequence[VisitInfo], card_districts: Sequence[str], followed: Sequence[str]
) -> str:
    """/jadwal for a resident: the visits in the kecamatan of their cards (and those they asked
    for), then the choice of kecamatan."""
    parts = [SCHEDULE_TITLE]
    shown = list(dict.fromkeys([*card_districts, *followed]))
    if visits:
        parts.append(bold("Jadwal di kecamatan Bapak/Ibu:"))
        parts += [visit_said(v) for v in visits[:5]]
        if len(visits) > 5:
            parts.append(
                f"Ada {format_number(len(visits) - 5)} jadwal lagi. Pilih kecamatannya di bawah."
            )
    elif shown:
        names = ", ".join(_said(n) for n in shown)
        parts.append(f"Belum ada jadwal di Kecamatan {names}.")
    if followed:
        names = ", ".join(_said(n) for n in followed)
        parts.append(
            f"🔔 Bapak/Ibu diberi tahu bila ada jadwal di Kecamatan {names}.\n"
            "Berhenti: /jadwal berhenti"
        )
    parts.append(SCHEDULE_PICK_DISTRICT)
    return "\n\n".join(parts)


def schedule_district_button(name: str, count: int) -> str:
    return f"{name} ({count})" if count else name


def schedule_district(name: str, visits: Sequence[VisitInfo], following: bool) -> str:
    """The visits in one kecamatan, for a resident."""
    title = f"🚐 {bold(f'Jemput bola di Kecamatan {_said(name)}')}"
    if not visits:
        body = "Belum ada jadwal di kecamatan ini."
        if not following:
            body += "\nTekan tombol di bawah supaya Bapak/Ibu diberi tahu bila ada jadwal."
    else:
        body = "\n\n".join(visit_said(v) for v in visits)
    if following:
        body += "\n\n🔔 Bapak/Ibu akan diberi tahu bila ada jadwal baru di sini."
    return f"{title}\n\n{body}"


def schedule_follow_button(name: str) -> str:
    return f"🔔 Beri tahu saya jadwal di Kecamatan {name}"


def schedule_unfollow_button(name: str) -> str:
    return f"🔕 Berhenti kabar jadwal Kecamatan {name}"


def schedule_followed(name: str, already: bool) -> str:
    if already:
        return f"Bapak/Ibu sudah terdaftar untuk kabar jadwal di Kecamatan {_said(name)}."
    return (
        f"🔔 Baik. Bapak/Ibu akan diberi tahu bila ada jadwal jemput bola di Kecamatan "
        f"{_said(name)}, dan diingatkan sehari sebelumnya.\n"
        "Berhenti kapan saja: /jadwal berhenti"
    )


def schedule_unfollowed(name: str | None, count: int) -> str:
    if count == 0:
        return "Bapak/Ibu belum meminta kabar jadwal jemput bola."
    if name is None:
        return "Baik. Bapak/Ibu tidak lagi diberi tahu jadwal jemput bola di kecamatan mana pun."
    return f"Baik. Bapak/Ibu tidak lagi diberi tahu jadwal jemput bola di Kecamatan {_said(name)}."


SCHEDULE_WHICH_DISTRICT = "Kecamatan mana yang jadwalnya ingin Bapak/Ibu terima? Pilih di bawah."


def schedule_unknown_district(given: str) -> str:
    return (
        f"Kecamatan “{_said(given)}” tidak ada di Kabupaten Musi Rawas.\n"
        "Pilih kecamatannya di bawah."
    )


# --- staff: /jadwal tambah (a walk-through with buttons), /jadwal (the list), /jadwal hasil -------

#: Short names for buttons and staff lists.
VISIT_SERVICE_SHORT: dict[str, str] = {
    "rekam": "Perekaman KTP-el",
    "ambil": "Pengambilan KTP-el",
    "kk": "KK",
    "akta": "Akta",
}


VISIT_STEPS_TOTAL = 7
VISIT_CANCEL_BUTTON = "✖️ Batal"
VISIT_SERVICES_DONE_BUTTON = "Lanjut ➡️"
VISIT_NO_NOTE_BUTTON = "Tanpa catatan"
VISIT_SAVE_BUTTON = "💾 Simpan"
VISIT_SAVE_CHANGE_BUTTON = "💾 Simpan perubahan"
VISIT_EDIT_BUTTONS: dict[str, str] = {
    "date": "✏️ Tanggal",
    "time": "✏️ Jam",
    "district": "✏️ Kecamatan",
    "place": "✏️ Tempat",
    "services": "✏️ Layanan",
    "note": "✏️ Catatan",
}
VISIT_DRAFT_EXPIRED = (
    "Jadwal yang sedang dibuat ini sudah tidak berlaku. Mulai lagi dengan /jadwal tambah."
)
VISIT_DRAFT_CANCELLED = "Dibatalkan. Tidak ada jadwal yang disimpan."
VISIT_PICK_ONE_SERVICE = "Pilih paling sedikit satu layanan."
VISIT_NOT_PLANNED = "Jadwal ini sudah dibatalkan atau tidak ada lagi. Lihat /jadwal."
VISIT_KEPT = "Baik, jadwal tetap berjalan."


def _visit_step_head(visit_id: int | None, number: int) -> str:
    if visit_id is not None:
        return f"✏️ <b>Ubah jadwal #{visit_id}</b>"
    return f"🚐 <b>Jadwal jemput bola baru</b> · langkah {number} dari {VISIT_STEPS_TOTAL}"


def visit_ask(step: str, visit_id: int | None, current: str | None = None) -> str:
    """The question of one step of the walk-through (`step` as in `bot.services.visits.Step`)."""
    number, question = {
        "date": (1, "Tanggal berapa? Pilih di bawah, atau ketik tanggalnya, mis. 07-12-2026."),
        "start": (2, "Mulai pukul berapa (WIB)? Pilih, atau ketik mis. 08.30."),
        "end": (3, "Selesai pukul berapa (WIB)? Pilih, atau ketik mis. 12.00."),
        "district": (4, "Di kecamatan mana?"),
        "place": (
            5,
            "Di mana tempatnya? Ketik nama desa, sekolah atau balai desa, "
            "mis. Balai Desa Wonokerto.",
        ),
        "services": (6, "Layanan apa saja? Tekan semua yang dilayani, lalu Lanjut."),
        "note": (
            7,
            "Catatan untuk warga (boleh kosong)? Ketik catatannya, atau tekan Tanpa catatan.",
        ),
    }[step]
    text = f"{_visit_step_head(visit_id, number)}\n\n{question}"
    if current:
        text += f"\nSekarang: {_escape(current)}"
    return text + "\n\nBerhenti: /batal"


def visit_day_button(d: date) -> str:
    return babel_dates.format_date(d, "EEE d MMM", locale=LOCALE)


def visit_time_button(hhmm: str) -> str:
    return _clock(hhmm)


def visit_service_button(code: str, chosen: bool) -> str:
    return ("✅ " if chosen else "▫️ ") + VISIT_SERVICE_SHORT.get(code, code)


def visit_problem(problem: str, given: str) -> str:
    """Why a value cannot be used (`problem` as in `bot.services.visits.Problem`)."""
    shown = _escape(given)
    return {
        "bad_date": f"Tanggal “{shown}” tidak terbaca. Tulis mis. 07-12-2026 atau 2026-12-07.",
        "past_date": f"Tanggal {shown} sudah lewat.",
        "far_date": f"Tanggal {shown} lebih dari setahun lagi.",
        "bad_time": f"Jam “{shown}” tidak terbaca. Tulis mis. 08.00 atau 13.30.",
        "end_not_after_start": "Jam selesai harus sesudah jam mulai.",
        "unknown_district": f"Kecamatan “{shown}” tidak ada di Kabupaten Musi Rawas.",
        "no_place": "Tempatnya belum ditulis.",
        "place_too_long": f"Nama tempat terlalu panjang (paling banyak {shown} huruf).",
        "no_services": "Layanannya belum ada. Tulis mis. perekaman KTP-el, pengambilan KTP-el.",
        "unknown_service": (
            f"Layanan “{shown}” tidak dikenal. Pilih dari: perekaman KTP-el, pengambilan "
            "KTP-el, KK, akta."
        ),
        "note_too_long": f"Catatan terlalu panjang (paling banyak {shown} huruf).",
        "id_number": (
            "Teks ini memuat nomor 16 angka (NIK atau KK). Nomor pribadi tidak boleh ada di "
            "jadwal yang dikirim ke warga. Tulis tanpa nomor itu."
        ),
    }.get(problem, problem)


def visit_preview(
    info: VisitInfo,
    *,
    card_followers: int,
    district_followers: int,
    total: int,
    told_before: int | None,
) -> str:
    """The preview before saving: the visit as residents read it, and who will be told.

    `told_before`: for a change, how many chats were told already (they get a correction)."""
    head = (
        f"✏️ <b>Ubah jadwal #{info.visit_id}</b> · pratinjau"
        if told_before is not None
        else "🚐 <b>Jadwal jemput bola baru</b> · pratinjau"
    )
    lines = [
        head,
        "Begini warga akan membacanya:",
        "",
        visit_block(info),
        "",
        f"Diberi tahu saat disimpan: <b>{format_number(total)} chat</b>",
        f"• {format_number(card_followers)} mengikuti NIK di kecamatan itu yang belum rekam"
        " atau kartunya sudah jadi",
        f"• {format_number(district_followers)} meminta kabar jadwal kecamatan itu",
        "Sehari sebelumnya mereka diingatkan lagi (di luar jam tenang).",
    ]
    if told_before:
        lines.append(
            f"{format_number(told_before)} chat yang sudah diberi tahu mendapat kabar perubahan."
        )
    return "\n".join(lines)


def visit_saved(visit_id: int, queued: int) -> str:
    return (
        f"✅ Jadwal #{visit_id} disimpan. {format_number(queued)} chat akan diberi tahu "
        "(pesan menunggu bila sedang jam tenang).\nDaftar jadwal: /jadwal"
    )


def visit_changed_saved(visit_id: int, queued: int, corrections: int) -> str:
    return (
        f"✅ Jadwal #{visit_id} diubah. {format_number(corrections)} chat yang sudah diberi tahu "
        f"mendapat kabar perubahan; {format_number(queued)} chat lain diberi tahu jadwalnya.\n"
        "Daftar jadwal: /jadwal"
    )


def visit_cancel_confirm(info: VisitInfo, told: int) -> str:
    return (
        f"Batalkan jadwal #{info.visit_id}?\n\n{visit_block(info)}\n\n"
        f"{format_number(told)} chat sudah diberi tahu; mereka akan mendapat kabar pembatalan."
    )


VISIT_CANCEL_YES_BUTTON = "Ya, batalkan"
VISIT_CANCEL_NO_BUTTON = "Tidak"


def visit_cancel_done(visit_id: int, corrections: int, dropped: int) -> str:
    return (
        f"❌ Jadwal #{visit_id} dibatalkan. {format_number(corrections)} chat mendapat kabar "
        f"pembatalan; {format_number(dropped)} pesan yang belum terkirim tidak dikirim."
    )


def visit_edit_button(visit_id: int) -> str:
    return f"✏️ Ubah #{visit_id}"


def visit_cancel_button(visit_id: int) -> str:
    return f"❌ Batalkan #{visit_id}"


@dataclass(frozen=True, slots=True)
class VisitStaffLine:
    info: VisitInfo
    told: int
    pending: int


def visit_staff_list(lines: Sequence[VisitStaffLine], more: int) -> str:
    """/jadwal for staff: the upcoming visits with how many chats were told."""
    if not lines:
        return (
            "Belum ada jadwal jemput bola mendatang.\n"
            "Tambah: /jadwal tambah\n"
            "Dari berkas di server: <code>python -m bot jadwal import BERKAS.csv</code>"
        )
    out = ["🚐 <b>Jadwal jemput bola mendatang</b>"]
    for line in lines:
        info = line.info
        services = ", ".join(VISIT_SERVICE_SHORT.get(s, s) for s in info.services)
        told = f"diberi tahu {format_number(line.told)} chat"
        if line.pending:
            told += f", {format_number(line.pending)} pesan menunggu"
        out.append(
            f"\n<b>#{info.visit_id}</b> · {format_date(info.day)} · {visit_hours(info)}\n"
            f"{_escape(info.place)}, Kec. {_escape(info.district_name)} · {services}\n{told}"
        )
    if more:
        out.append(f"\n… dan {format_number(more)} jadwal lagi.")
    out.append("\nTambah: /jadwal tambah · Hasil: /jadwal hasil")
    return "\n".join(out)


@dataclass(frozen=True, slots=True)
class VisitResultLine:
    info: VisitInfo
    told: int
    unrecorded_before: int
    moved_since: int
    until: date
    complete: bool


def visit_results(lines: Sequence[VisitResultLine], days: int) -> str:
    """/jadwal hasil: per past visit, how many were told and how many unrecorded people there
    moved on within `days` days."""
    if not lines:
        return "Belum ada jemput bola yang sudah lewat (90 hari terakhir)."
    out = [f"📊 <b>Hasil jemput bola</b> (perubahan status dalam {days} hari sesudahnya)"]
    for line in lines:
        info = line.info
        until = "" if line.complete else f" (baru sampai {format_short_date(line.until)})"
        out.append(
            f"\n<b>#{info.visit_id}</b> · {format_date(info.day)}\n"
            f"{_escape(info.place)}, Kec. {_escape(info.district_name)}\n"
            f"Diberi tahu: {format_number(line.told)} chat\n"
            f"Belum rekam sebelum kunjungan: {format_number(line.unrecorded_before)} orang; "
            f"sudah berubah status: {format_number(line.moved_since)} orang{until}"
        )
    return "\n".join(out)


def statistics_visits(planned: int, done: int, cancelled: int, told: int) -> str:
    """The /statistik line about this month's visits."""
    extra = f", {format_number(cancelled)} dibatalkan" if cancelled else ""
    return (
        f"<b>Jemput bola bulan ini</b>: {format_number(planned)} jadwal "
        f"({format_number(done)} sudah lewat{extra}); {format_number(told)} chat diberi tahu."
    )


def audit_visit_detail(queued: int, corrections: int, source: str) -> str:
    where = "" if source == "staff" else f", {source.removeprefix('import:')}"
    fixed = f", {corrections} kabar perubahan" if corrections else ""
    return f"{queued} pemberitahuan{fixed}{where}"


def audit_visit_cancel_detail(corrections: int, dropped: int) -> str:
    return f"{corrections} kabar pembatalan, {dropped} pesan tidak dikirim"


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


# === 8. Staff commands ============================================================================

# --- staff: /status, /ubah, /buka, /statistik, /blanko, /petugas, the audit log -------------------

STAFF_PRIVATE_ONLY = (
    "Perintah petugas hanya bisa dipakai di chat pribadi dengan bot, supaya data warga tidak "
    "terbaca di grup."
)
ADMIN_ONLY = "Perintah ini khusus admin. Minta admin kantor bila perlu mengubahnya."


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
        head.append(f"Catatan: {_escape(clip(note, HISTORY_NOTE_LIMIT))}")
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
            line += f" — <i>{_escape(clip(entry.note, HISTORY_NOTE_LIMIT))}</i>"
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


#: An /ubah question already answered (or its buttons no longer fit an open question).
UBAH_NOT_VALID = "Permintaan ini sudah tidak berlaku. Kirim /ubah lagi bila masih perlu."


def ubah_expired(minutes: int) -> str:
    """An /ubah question nobody answered within `minutes`."""
    return (
        f"Permintaan ini sudah tidak berlaku: tidak dijawab dalam {minutes} menit. Status "
        "tidak diubah; kirim /ubah lagi bila masih perlu."
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


# /buka NIK: lift a NIK's lock
BUKA_USAGE = (
    "Cara pakai: <code>/buka NIK</code>\n"
    "Membuka kunci cek sebuah NIK yang terkunci karena nomor KK salah berkali-kali. "
    "Pakai hanya setelah memeriksa orangnya dan KK aslinya di loket."
)


def buka_not_locked(nik_masked: str) -> str:
    return f"NIK {nik_masked} tidak sedang terkunci. Tidak ada yang diubah."


def buka_done(nik_masked: str, until: datetime, tz: str) -> str:
    return (
        f"🔓 Kunci NIK {nik_masked} dibuka (seharusnya sampai {format_datetime(until, tz)}).\n"
        "Percobaan yang salah dihapus: warga bisa cek lagi sekarang. Tercatat di log audit."
    )


# /statistik
#: Stage names for staff figures (fuller than the resident's journey line).
STATS_STAGE_NAMES: dict[Stage, str] = {
    Stage.RECORDING: "Perekaman",
    Stage.SENDING: "Pengiriman",
    Stage.CENTRAL: "Di pusat",
    Stage.PROBLEM: "Bermasalah",
    Stage.PRINTING: "Pencetakan",
    Stage.DONE: "Selesai",
}


STATS_TITLE = "Data KTP-el Musi Rawas"
STATS_OUTSIDE = "Luar Musi Rawas"
STATS_EMPTY = "Belum ada data. Impor dulu dengan /impor."


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on the /statistik chart (bot/services/stats.py draws it and holds no sentences)."""

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
    "buka_kunci_nik": "buka kunci NIK",
    "siaran": "kirim siaran",
    "hentikan_siaran": "hentikan siaran",
    "ditolak": "DITOLAK",
    "ubah_faq": "ubah pertanyaan umum",
}


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
    first = _local(datetime.fromisoformat(rows[0].at), tz)
    table = [(f"{AUDIT_HEADERS[0]} ({_zone(first)})", *AUDIT_HEADERS[1:])]
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


# === 9. Import: /impor and `python -m bot import` =================================================

# --- staff: /impor in Telegram --------------------------------------------------------------------


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
_IMPORT_ON_SERVER = "impor lewat server dengan <code>python -m bot import BERKAS</code>."
IMPOR_DOWNLOAD_FAILED = (
    "Berkas tidak bisa diunduh dari Telegram. Coba kirim sekali lagi; bila tetap gagal, "
    + _IMPORT_ON_SERVER
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
        f"atau {_IMPORT_ON_SERVER}"
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


# What the importer says about a file and its rows (Telegram and the shell alike)
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
_SAVE_AS_UTF8 = "Di Excel, simpan ulang dengan jenis <b>CSV UTF-8</b>."
IMPORT_FILE_UTF16 = (
    "Berkas ini tersimpan sebagai teks Unicode (UTF-16), bukan CSV UTF-8. " + _SAVE_AS_UTF8
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


IMPORT_ROW_OPEN_QUOTE = (
    'Tanda kutip (") di baris ini tidak ditutup, jadi isinya akan menyambung ke baris '
    "berikutnya. Baris ini ditolak; baris berikutnya tetap dibaca sendiri."
)


def import_file_not_utf8(line: int) -> str:
    return (
        f"Berkas ini bukan teks UTF-8: ada huruf yang tidak terbaca di baris {format_number(line)}."
        f" {_SAVE_AS_UTF8}"
    )


def import_header_too_long(limit: int) -> str:
    return (
        f"Baris judul kolom lebih dari {format_number(limit)} karakter, jadi ini bukan berkas "
        "impor yang benar. Simpan ulang dari Excel sebagai CSV dan kirim lagi."
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


def import_row_too_long(limit: int) -> str:
    return f"Baris ini terlalu panjang (lebih dari {format_number(limit)} karakter)."


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


def audit_import_counts(
    rows_read: int, new: int, changed: int, unchanged: int, rejected: int
) -> str:
    """The audit row's new value for an import sent through the bot."""
    return (
        f"dibaca {rows_read}, baru {new}, berubah {changed}, tetap {unchanged}, ditolak {rejected}"
    )


#: A visits import (`python -m bot jadwal import`) is counted the same way.
audit_visit_import_counts = audit_import_counts


def audit_import_detail(import_id: int) -> str:
    return f"impor #{import_id}"


def upload_label(actor_id: int | None, when: datetime, tz: str) -> str:
    """What is kept of a Telegram upload instead of its file name (which may hold a NIK or a
    name): who sent it and when."""
    who = f"petugas {actor_id}" if actor_id is not None else "petugas"
    local = when.astimezone(ZoneInfo(tz))
    return f"unggahan {who} {local:%Y-%m-%d %H.%M} {_zone(local)}"


# --- operators: `python -m bot import FILE` -------------------------------------------------------


def file_not_found(path: str) -> str:
    """A file named in the shell (`import`, the demo's /berkas) that is not there."""
    return f"Berkas tidak ditemukan: {path}"


def import_cli_unusable(reason: str) -> str:
    return f"Berkas tidak bisa diimpor. {reason}"


def import_is_a_folder(path: object) -> str:
    return f"{path} adalah folder, bukan berkas CSV. Sebutkan berkasnya, mis. {path}/harian.csv"


# === 10. Notifications: news about a followed card ================================================

# --- residents: what a subscriber receives when their card moves ----------------------------------


def _notice_who(label: str | None, nik_masked: str) -> str:
    if label:
        return f"<b>{html.escape(label)}</b> · NIK {nik_masked}"
    return f"NIK {nik_masked}"


def _bring_list(items: list[str]) -> str:
    return "<b>Yang perlu dibawa:</b>\n" + "\n".join(f"• {item}" for item in items)


def _where_lines(
    office: OfficeInfo,
    place: str | None,
    strong: Callable[[str], str],
    said: Callable[[str], str],
) -> str:
    """Where to go, when it is open and whom to ask; `place` is where cards are collected
    (`strong` and `said` mark and quote: marked for a check's answer, HTML for the notices)."""
    if place and place != office.address:
        lines = [
            f"📍 {strong('Tempat pengambilan:')} {said(place)}",
            f"🏢 {strong('Alamat kantor:')} {said(office.address)}",
        ]
    else:
        lines = [f"📍 {strong('Tempat:')} {said(office.address)}"]
    lines.append(f"🕗 {strong('Jam layanan:')} {said(office.hours)}")
    lines.append(f"☎️ {strong('Kontak:')} {said(office.contact)}")
    return "\n".join(lines)


def _office_block(office: OfficeInfo, *, place: str | None = None) -> str:
    """`_office_where` in Telegram HTML, for the notices the outbox stores finished."""
    return _where_lines(office, place, _html_bold, html.escape)


_NOTICE_FOOTER = (
    "Cek kapan saja dengan mengirim NIK ke bot ini. "
    "Berhenti menerima kabar untuk NIK ini: /berhenti"
)

#: Why the resident must come, per status that needs them (the record cannot move without them).
#: The advice is the status's own (`what_to_do` in status_texts.toml), so the check's answer
#: and the notice never disagree.
_COME_REASON: dict[KtpStatus, tuple[str, str, list[str]]] = {
    KtpStatus.UNREGISTERED: (
        "⚠️ <b>Perlu perekaman KTP-el</b>",
        "Untuk NIK ini belum ada rekaman foto wajah, sidik jari, iris mata dan tanda tangan, "
        "atau rekamannya harus diulang.\nKartu baru bisa dibuat setelah direkam.",
        [_BRING_KK],
    ),
    KtpStatus.DUPLICATE_RECORD: (
        "⚠️ <b>Perlu datang ke kantor Disdukcapil</b>",
        "Sidik jari atau iris mata yang sama juga tercatat dengan NIK lain (rekaman ganda).\n"
        "Kartu tidak bisa dicetak sampai ini dibereskan. Petugas memeriksa ulang sidik jari "
        "atau merekam ulang.",
        [_BRING_KK, _BRING_PROOF],
    ),
    KtpStatus.ADJUDICATE_RECORD: (
        "⚠️ <b>Perlu datang ke kantor Disdukcapil</b>",
        "Sidik jari ini mirip sidik jari orang lain, dan pusat sedang memutuskannya.\n"
        "Petugas perlu mencocokkan sidik jari secara langsung.",
        [_BRING_KK, _BRING_PROOF],
    ),
    KtpStatus.REQUEST_VALIDATION: (
        "⚠️ <b>Perlu datang ke kantor Disdukcapil</b>",
        "Pusat menemukan isian yang tidak cocok, misalnya jenis kelamin di NIK dan di foto "
        "wajah.\nPetugas perlu bertemu untuk mencocokkannya.",
        [_BRING_KK, "Akta kelahiran, bila ada", _BRING_PROOF],
    ),
}


def _proxy_line(office: OfficeInfo) -> str:
    """Whether family may collect the card, as the office set it (/kantor diwakilkan)."""
    return f"👪 <b>Diambil keluarga:</b> {_escape(office.proxy_pickup)}"


def _collect_block(office: OfficeInfo) -> str:
    """Where and when to collect a card, what to bring, whether family may collect it."""
    return (
        f"{_office_block(office, place=office.pickup)}\n\n"
        f"{_bring_list([_BRING_KK, _BRING_PROOF])}\n\n"
        f"{_proxy_line(office)}"
    )


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
            f"Kartu sudah jadi sejak {format_date(entered_on)} dan bisa diambil.\n"
            f"👉 {STATUS_TEXTS[status].what_to_do}\n\n"
            f"{_collect_block(office)}\n\n"
            f"{_NOTICE_FOOTER}"
        )
    if status == KtpStatus.CARD_SHIPPED:
        return (
            "📦 <b>KTP-el dikirim ke tempat pengambilan</b>\n"
            f"{who}\n\n"
            f"Sejak {format_date(entered_on)} kartu dalam perjalanan ke "
            f"{_escape(office.pickup)}.\n"
            f"👉 {STATUS_TEXTS[status].what_to_do}\n\n"
            f"{_collect_block(office)}\n\n"
            f"{_NOTICE_FOOTER}"
        )
    if status in _COME_REASON:
        title, why, bring = _COME_REASON[status]
        return (
            f"{title}\n{who}\n\n"
            f"{why}\n"
            f"👉 {STATUS_TEXTS[status].what_to_do}\n\n"
            f"{_office_block(office)}\n\n"
            f"{_bring_list(bring)}\n\n"
            f"Status ini tercatat sejak {format_date(entered_on)}.\n"
            f"{_NOTICE_FOOTER}"
        )
    # Any other status that notifies: its plain title and advice, the code in brackets.
    about = STATUS_TEXTS[status]
    return (
        "ℹ️ <b>Ada kabar tentang KTP-el</b>\n"
        f"{who}\n\n"
        f"Sejak {format_date(entered_on)}: <b>{about.title}</b> ({status.value}).\n"
        f"{about.meaning}\n"
        f"👉 {about.what_to_do}\n\n"
        f"{_NOTICE_FOOTER}"
    )


# === 11. Broadcasts: announcements ================================================================

# --- residents: an announcement as received, /pengumuman ------------------------------------------


def broadcast_message(text_html: str) -> str:
    """An announcement as residents receive it: a header, the staff's text, how to opt out."""
    return (
        "📢 <b>Pengumuman Disdukcapil Musi Rawas</b>\n\n"
        f"{text_html}\n\n"
        "<i>Tidak ingin menerima pengumuman lagi? Kirim /pengumuman</i>"
    )


ANNOUNCEMENTS_OFF_BUTTON = "🔕 Matikan pengumuman"
ANNOUNCEMENTS_ON_BUTTON = "🔔 Hidupkan pengumuman"
ANNOUNCEMENTS_PRIVATE_ONLY = (
    "Pengaturan pengumuman hanya bisa diubah lewat chat pribadi dengan bot. Di grup, "
    "pengumuman berhenti bila bot dikeluarkan dari grup."
)
ANNOUNCEMENTS_USAGE = (
    f"Tulis {code('/pengumuman mati')} untuk berhenti menerima pengumuman, atau "
    f"{code('/pengumuman hidup')} untuk menerimanya lagi."
)
_CARD_NEWS_KEPT = (
    "Kabar tentang KTP-el yang Bapak/Ibu pantau tetap dikirim, misalnya saat kartu sudah dicetak."
)


def announcements_state(on: bool) -> str:
    if on:
        return (
            f"🔔 Bapak/Ibu {bold('menerima')} pengumuman umum dari Disdukcapil Musi Rawas.\n"
            "Misalnya jadwal perekaman keliling atau libur kantor.\n"
            f"{_CARD_NEWS_KEPT}"
        )
    return (
        f"🔕 Bapak/Ibu {bold('tidak menerima')} pengumuman umum dari Disdukcapil Musi Rawas.\n"
        f"{_CARD_NEWS_KEPT}"
    )


ANNOUNCEMENTS_TURNED_OFF = (
    f"🔕 Pengumuman umum dimatikan.\n{_CARD_NEWS_KEPT}\n"
    f"Mau menerima lagi? Kirim {code('/pengumuman hidup')}."
)
ANNOUNCEMENTS_TURNED_ON = (
    "🔔 Pengumuman umum dihidupkan.\n"
    "Bapak/Ibu akan menerima kabar penting dari Disdukcapil Musi Rawas.\n"
    f"Berhenti kapan saja: {code('/pengumuman mati')}."
)

# --- staff: /siaran: writing, choosing recipients, sending, stopping ------------------------------

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
BROADCAST_EXPIRED = "Pengumuman ini sudah tidak aktif. Mulai lagi dengan /siaran."


BROADCAST_DRAFT_EXPIRED = (
    "Draf pengumuman Anda sudah lebih dari sehari dan tidak disimpan lagi. "
    "Mulai lagi dengan /siaran."
)


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


#: What the staff member who sent a broadcast is told when it is over: its final summary.
broadcast_done_notice = broadcast_final


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


def audit_broadcast_detail(recipients: int, send_now: bool) -> str:
    """The audit row's detail of a broadcast sent (read with `audit` in the shell)."""
    return f"{recipients} penerima" + (", kirim sekarang (jam tenang)" if send_now else "")


def audit_broadcast_stop_detail(dropped: int) -> str:
    return f"{dropped} pesan tidak dikirim"


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
