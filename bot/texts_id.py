"""The residents' sentences, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, in this order: 2 statuses and NIK reasons; 3 general (start, help, the menu,
errors); 4 the check, following a NIK, privacy; 5 conversation (everyday words, the office,
common questions); 6 questions to a person and office hours; 7 jemput bola visits;
10 notifications; 11 broadcasts. The five texts of each of the 18 statuses are in
`status_texts.toml` beside this module, for office staff to correct without touching Python
(read and checked by `bot/domain/status_texts.py`: no module of sentences reads a file).
Beside this module: `texts_common` (1: numbers, dates, times), `texts_staff` (8 staff commands,
9 import, the staff's /bantuan, /faq and /kantor, /siaran), `texts_desk` (the desk of
questions, jemput bola planning) and `texts_ops` (12: the shell, the demo, faults).

Inside a section, a line `# --- AUDIENCE: subject ---` says who reads what follows it, until
the next such line: `residents` (and `everyone`) are read by residents and spoken to them as
Bapak/Ibu, never "Anda" (tests/test_texts.py checks every text there). A new text goes in its
feature's section, under the line of its audience.

This module imports only the domain (states, nik, config) and `texts_common`: its functions
take plain values and the small dataclasses defined here; limits and menus belong to the
modules that enforce them.

The sentences are written in the sentences' own markup (`bot.domain.markup`: `bold`,
`italic`, `code`, values quoted with `said`), never in a channel's syntax; each channel
renders them (Telegram: `bot/handlers/render.py`). They name the main menu's buttons where a
resident would press one. Still in Telegram HTML: the notices the outbox stores finished
(section 10, a visit's notices, an answer from staff, an announcement's frame), until the
outbox renders its events per channel.

"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.config import OfficeInfo
from bot.domain.markup import bold, code, esc, fit, italic, plain
from bot.domain.nik import InvalidNumberError, Problem
from bot.domain.status_texts import STATUS_TEXTS
from bot.domain.text_fit import clip
from bot.states import ALL_STATUSES, STAGE_ORDER, KtpStatus, Stage
from bot.texts_common import LOCALE as LOCALE
from bot.texts_common import and_list as _and_list
from bot.texts_common import (
    format_ago,
    format_date,
    format_date_span,
    format_datetime,
    format_days,
    format_month_part,
    format_number,
    format_short_date,
    format_time,
)
from bot.texts_common import local_time as _local
from bot.texts_common import zone_short as _zone

#: Every value a sentence escapes (`escape`) is also clipped: an echo of what someone
#: typed never makes a message too long (the longest real value, a staff note, is 500).
ECHO_LIMIT = 500


def escape(value: str, quote: bool = True) -> str:
    return html.escape(clip(str(value), ECHO_LIMIT), quote)


def _shown(text: object, limit: int = 40) -> str:
    """Something a person typed, shortened and made safe inside an HTML message."""
    return html.escape(clip(str(text), limit), quote=False)


def said(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value quoted in a marked sentence (what someone typed, a name, an address):
    clipped, and carrying no marks (`bot.domain.markup`)."""
    return esc(clip(str(value), limit))


#: A short name for `format_number`, for sentences full of figures.
_n = format_number


# === 2. Statuses and NIK reasons ==================================================================

# --- residents: what each status means, the journey line, what is wrong with a number -------------


# Things residents bring to the office, named as in bot/status_texts.toml.
_BRING_KK = "Kartu Keluarga (KK) asli"
_BRING_PROOF = "KTP lama, surat keterangan (suket) atau bukti perekaman, bila ada"

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
            letters = [bold(said(c, 40)) for c in found if c.isalpha()]
            signs = [bold(said(c, 40)) for c in found if not c.isalpha()]
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
            province = said(detail.get("province", ""), 40)
            return (
                f"Dua angka pertama {name} ({province}) bukan kode provinsi."
                f" Di Sumatera Selatan, {name} mulai dengan 16."
            )
        case Problem.ZERO_REGION:
            return f"Angka ke-3 dan ke-4 {name} tidak mungkin 00. Di Musi Rawas, awalnya 1605."
        case Problem.IMPOSSIBLE_BIRTH_DATE:
            digits = said(detail.get("digits", ""), 40)
            shown = f" ({digits})" if digits else ""
            return f"Angka ke-7 sampai ke-12 {name}{shown} tidak mungkin benar."
        case Problem.ZERO_SERIAL:
            return f"Empat angka terakhir {name} tidak mungkin 0000."
    return f"{name} ini tidak bisa dipakai. Periksa lagi angkanya."


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
#: Where the main menu is a list (WhatsApp): announcements are chosen there.
MENU_ANNOUNCEMENTS = "📣 Pengumuman"

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
        f"Halo, {said(first_name)}! Selamat datang di {bold('Cek KTP-el')} "
        "Disdukcapil Kabupaten Musi Rawas.\n\n"
        "Untuk cek KTP-el, ketik NIK Bapak/Ibu (16 angka).\n"
        "Atau tekan salah satu tombol di bawah."
    )


def start_check(first_name: str) -> str:
    """/start from the group's button: straight to the check (ASK_NIK: section 4)."""
    return f"Halo, {said(first_name)}! Mari cek status KTP-el Bapak/Ibu.\n\n{ASK_NIK}"


def welcome_group(bot_username: str) -> str:
    """/start in a group: the bot never shows statuses there."""
    return (
        f"Halo! Saya {bold('Cek KTP-el')}, bot Disdukcapil Kabupaten Musi Rawas untuk mengecek "
        "status KTP-el.\n\n"
        "Demi menjaga data pribadi, status KTP-el hanya bisa dicek lewat chat pribadi.\n"
        f"Silakan buka @{said(bot_username)} lalu tekan {bold('Mulai')}.\n"
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
        f"Buka @{said(bot_username)}, tekan {bold('Mulai')}, lalu ketik NIK Bapak/Ibu.\n"
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
        f"Perintah {code(said(command))} tidak dikenal.\n"
        "Ketik NIK (16 angka) untuk cek KTP-el, atau tekan salah satu tombol di bawah."
    )


ERROR_KIND = (
    "Maaf, ada gangguan di sistem kami. Pesan Bapak/Ibu belum bisa diproses.\n"
    "Catatan Bapak/Ibu tetap aman.\n"
    "Silakan coba lagi beberapa menit lagi. Bila masih gagal, hubungi kantor Disdukcapil."
)


#: A button the bot no longer knows (an older version's, or one no longer valid).
BUTTON_UNKNOWN = "Tombol ini sudah tidak berlaku. Silakan ulangi perintahnya."


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
        "Tidak jadi? Ketik batal."
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
        lines.append(
            f"Ketik lagi Nomor KK untuk NIK {nik_masked}, atau ketik batal untuk NIK lain."
        )
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
            return (
                "📅 Perkiraan belum bisa dibuat: baru sedikit orang di kantor ini yang sudah "
                "melewati tahap ini."
            )
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
    return _where_lines(office, place, bold, said)


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
    name = f" · {said(name_masked, 24)}" if name_masked else ""
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
            f"📍 {said(office.pickup, _FIRST_PLACE_LIMIT)}"
            f" · {said(office.hours, _FIRST_HOURS_LIMIT)}"
        )
        proxy = office.proxy_pickup
        if len(proxy) <= _FIRST_PROXY_LIMIT:
            lines.append(f"👪 {said(proxy)}")
        else:
            lines.append(f"👪 Boleh diambil keluarga? Lihat {BTN_MORE}.")
    elif status.facts.resident_must_come:
        lines.append(
            f"🏢 {said(office.address, _FIRST_PLACE_LIMIT)}"
            f" · {said(office.hours, _FIRST_HOURS_LIMIT)}"
        )
    estimate = None if status.facts.resident_must_come else estimate_line(waiting, today)
    if estimate:
        lines.append(estimate)
    if visit_line and _shows_visit(status):
        lines.append(fit(visit_line, VISIT_LINE_LIMIT))
    lines.append(_as_of_line(as_of, tz))
    return "\n".join(lines)


def waiting_lines(status: KtpStatus, waiting: WaitingFigures) -> list[str]:
    if status is KtpStatus.CARD_ISSUED or status.facts.resident_must_come:
        return []  # nothing to wait for, or the next step is the resident's: no usual times
    median, p80 = waiting.usual_median_days, waiting.usual_p80_days
    if not waiting.usual_known or median is None or p80 is None:
        return [
            "⏱️ Lama tahap ini belum bisa dihitung: baru sedikit orang di kantor ini yang sudah "
            "melewatinya."
        ]
    lines = [
        f"⏱️ Dari {format_number(waiting.usual_samples)} orang yang melewati tahap ini, "
        f"separuhnya selesai dalam {format_days(median)}, 8 dari 10 dalam {format_days(p80)}. "
        f"KTP-el ini sudah {format_days(waiting.waited_days)} di tahap ini.",
    ]
    if waiting.longer_than_usual:
        lines.append(
            f"⚠️ {bold('Ini lebih lama dari biasanya.')} Tanyakan ke petugas: tekan {MENU_ASK}."
        )
    return lines


def queue_lines(waiting: WaitingFigures) -> list[str]:
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
    if waiting.printed_recently is not None:
        blanko += f" Sebulan terakhir dicetak {format_number(waiting.printed_recently)} kartu."
    return [queue, blanko]


_CODE_IN_BRACKETS = re.compile(r"\s*\([A-Z]{2,4}\)")

#: The most a resident reads after "Selengkapnya" (visible characters) with the office's usual
#: information; tests/test_texts.py measures every status.
DETAILS_LIMIT = 800


def plain_title(status: KtpStatus) -> str:
    """A status's title without the staff's short code in brackets ("Siap cetak", not
    "Siap cetak (PRR)"): the first answer explains the code, the details need not."""
    return _CODE_IN_BRACKETS.sub("", STATUS_TEXTS[status].title)


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
        f"Status: {bold(plain_title(status))}",
        "",
        f"{bold('Mengapa bisa lama?')} {about.why_slow}",
        f"{bold('Siapa yang menangani?')} {about.who_acts}",
        f"{bold('Perlu diketahui:')} {about.more}",
    ]
    figures = waiting_lines(status, waiting) + queue_lines(waiting)
    if figures:
        lines += ["", *figures]
    if status in COLLECT_STATUSES:  # the first answer has the hours, 🏢 Kantor the address
        lines += [
            "",
            f"📍 {bold('Tempat pengambilan:')} {said(office.pickup)}",
            f"👪 {bold('Diambil keluarga:')} {said(office.proxy_pickup)}",
        ]
    elif status.facts.resident_must_come:
        lines += ["", _office_where(office)]
    return "\n".join(lines)


#: Buttons between the screens of the all-stages explanation.
BTN_STAGES_PREV = "‹ Sebelumnya"
BTN_STAGES_NEXT = "Berikutnya ›"
#: The most a resident reads on one screen of the all-stages explanation (visible characters).
STAGES_PAGE_LIMIT = 800
_STAGES_CLOSING = (
    "Lamanya tiap tahap tergantung jaringan internet ke pusat, keadaan rekaman di pusat, "
    "kiriman blanko dari pusat, pita tinta dan lapisan pelindung kartu, dan mesin cetak."
)


def _stage_block(stage: Stage) -> str:
    statuses = [s for s in ALL_STATUSES if s.facts.stage is stage]
    block = [bold(STAGE_NAMES[stage])]
    block += [f"• {bold(plain_title(s))}: {STATUS_TEXTS[s].meaning}" for s in statuses]
    return "\n".join(block)


def all_stages_pages() -> list[str]:
    """Every status, stage by stage, in plain words, in screens a phone shows whole (at most
    STAGES_PAGE_LIMIT visible characters each, headed "1 dari 4"); whole stages stay together."""
    order = (Stage.RECORDING, Stage.SENDING, Stage.CENTRAL, Stage.PROBLEM, Stage.PRINTING)
    blocks = [_stage_block(stage) for stage in (*order, Stage.DONE)] + [_STAGES_CLOSING]
    header_room = len("📖 Perjalanan KTP-el · 9 dari 9\n\n")
    bodies: list[str] = []
    for block in blocks:
        joined = f"{bodies[-1]}\n\n{block}" if bodies else block
        if bodies and len(plain(joined)) + header_room <= STAGES_PAGE_LIMIT:
            bodies[-1] = joined
        else:
            bodies.append(block)
    total = len(bodies)
    return [
        f"📖 {bold('Perjalanan KTP-el')} · {i} dari {total}\n\n{body}"
        for i, body in enumerate(bodies, 1)
    ]


# Following a NIK: 🔔 Beri tahu saya, names, /langganan, /berhenti
#: Where a resident sees the cards they follow: the main menu's button (not a command).
_FAMILY_BUTTON = f"tekan tombol {MENU_FAMILY}"


def _followed_name(label: str | None, nik_masked: str) -> str:
    return f"{bold(said(label))} ({nik_masked})" if label else bold(nik_masked)


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
        "Ketik berhenti untuk melepas salah satu, lalu tekan 🔔 Beri tahu saya lagi."
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


def label_still_awaited(label: str | None, nik_masked: str) -> str:
    """After a question answered while a followed card's name was awaited."""
    return (
        f"Nama untuk {_followed_name(label, nik_masked)} masih bisa diberikan: pilih di bawah, "
        "atau ketik namanya (misalnya Andi)."
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
        "Berhenti memantau: ketik berhenti.",
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
        f"Nomor atau nama itu tidak ada di daftar. Pilih 1 sampai {count}: ketik berhenti, "
        "lalu tekan salah satu. "
        f"Lihat daftarnya: {_FAMILY_BUTTON}."
    )


NOTHING_TO_STOP = (
    "Bapak/Ibu belum memantau NIK apa pun, jadi tidak ada kabar status untuk dihentikan.\n\n"
    "Tidak mau menerima pengumuman dari Disdukcapil? Ketik matikan pengumuman."
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
    "Kode itu dibuat dengan kunci rahasia milik kantor. NIK yang sama selalu menjadi "
    "kode yang sama, supaya bisa dicocokkan.\n"
    "Bila basis data saja yang bocor, NIK dan Nomor KK tidak bisa dicari dari kodenya.\n"
    f"Tetapi siapa pun yang memegang basis data {italic('dan')} kuncinya sekaligus bisa menghitung "
    "ulang kodenya, lalu mencoba NIK satu per satu. Karena itu kunci disimpan terpisah dan "
    "hanya bisa dibaca oleh bot."
)


def _privacy(kept_first: str, ending: str) -> str:
    """/privasi's text, with what a channel keeps to reach the chat and its last line."""
    return (
        f"{bold('Data pribadi di Cek KTP-el')}\n\n"
        f"{bold('NIK dan Nomor KK yang Bapak/Ibu ketik tidak disimpan apa adanya.')} Bot "
        "mengubahnya menjadi kode, lalu mencocokkannya dengan catatan kantor yang juga disimpan "
        "sebagai kode.\n"
        "NIK hanya ditampilkan tersamar (1605••••••••0012), dan nama hanya huruf depannya.\n\n"
        f"{PRIVACY_HASH_LIMITS}\n\n"
        f"{bold('Yang disimpan tentang chat ini:')}\n"
        f"{kept_first}"
        "• NIK yang dipantau dan nama yang diberikan, untuk memberi kabar penting, misalnya "
        "saat kartu sudah dicetak (sampai berhenti memantau atau dihapus);\n"
        "• cek yang berhasil, selama 7 hari, supaya tombol di bawah jawaban bisa dipakai;\n"
        "• cek yang sedang berjalan (menunggu Nomor KK), paling lama 30 menit;\n"
        "• percobaan yang tidak cocok (NIK dalam bentuk kode dan waktunya), selama 2 hari, untuk "
        "mencegah orang menebak-nebak Nomor KK.\n\n"
        "Semua ini dipakai hanya untuk layanan ini, tidak dibagikan, dan dijaga sesuai UU No. 27 "
        "Tahun 2022 tentang Pelindungan Data Pribadi.\n\n"
        f"{ending}"
    )


PRIVACY = _privacy(
    "• nomor chat Telegram dan kapan terakhir menulis, untuk mengirim kabar dan pengumuman "
    "(sampai dihapus);\n",
    "Tidak mau menerima pengumuman? Ketik matikan pengumuman. Ingin semua catatan chat ini "
    "dihapus? Ketik hapus data saya.",
)
#: The same on WhatsApp: the number is kept only as the address to reply to.
PRIVACY_WHATSAPP = _privacy(
    "• nomor WhatsApp Bapak/Ibu, hanya sebagai alamat untuk membalas dan mengirim kabar; "
    "petugas tidak melihatnya utuh (sampai dihapus);\n"
    "• kapan terakhir menulis, karena WhatsApp hanya mengizinkan balasan biasa dalam 24 "
    "jam sesudahnya (sampai dihapus);\n"
    "• pengumuman hanya dikirim bila Bapak/Ibu memintanya (ketik terima pengumuman);\n",
    "Tidak mau menerima pengumuman lagi? Ketik matikan pengumuman. Ingin semua catatan chat "
    "ini dihapus, termasuk nomor WhatsApp ini? Ketik hapus data saya.",
)


def privacy(channel: str) -> str:
    """/privasi: what is kept about this chat, and why (WhatsApp's own words for its number)."""
    return PRIVACY_WHATSAPP if channel == "whatsapp" else PRIVACY


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
    return f"{hello}, {said(first_name)}! 👋\nAda yang bisa kami bantu?\n{_NEXT_STEP}"


def salam_reply(first_name: str) -> str:
    """ "Assalamualaikum" answered as it is answered."""
    return (
        f"Wa'alaikumsalam warahmatullahi wabarakatuh, {said(first_name)}. 🙏\n"
        f"Ada yang bisa kami bantu?\n{_NEXT_STEP}"
    )


def thanks_reply(first_name: str) -> str:
    return (
        f"Sama-sama, {said(first_name)}. 🙏\n"
        "Semoga urusan KTP-el Bapak/Ibu lancar.\n"
        "Bila perlu lagi, tekan tombol di bawah kapan saja."
    )


YES_REPLY = "Baik. 👍\n" + _NEXT_STEP
NO_REPLY = "Baik, tidak apa-apa.\nBila nanti perlu, tekan tombol di bawah kapan saja."


def kk_still_awaited(nik_masked: str) -> str:
    """ "cek ktp" while the bot waits for the KK of a NIK already sent."""
    return (
        f"Bot sedang menunggu {bold('nomor KK')} untuk NIK {bold(said(nik_masked))}.\n"
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
    "Kartu diaktifkan dengan sidik jari pemiliknya, jadi tanyakan dulu ke kantor apakah boleh "
    "diambilkan keluarga, dan apa yang dibawa (misalnya KK atau surat kuasa)."
)


def _office_lines(address: str | None, hours: str, contact: str) -> list[str]:
    """The office's name, address (None: the map pin shows it), hours and contact."""
    lines = [bold(OFFICE_NAME)]
    if address is not None:
        lines.append(f"📍 Alamat: {said(address)}")
    lines += [f"🕗 Jam layanan: {said(hours)}", f"☎️ Kontak: {said(contact)}"]
    return lines


def office_contact(address: str, hours: str, contact: str) -> str:
    """The office block shown under /bantuan."""
    return "\n".join(_office_lines(address, hours, contact))


def office_answer(address: str, hours: str, contact: str, pickup: str, *, on_map: bool) -> str:
    """The office button (and "alamat kantor"): after the map pin, or alone when none is set."""
    lines = _office_lines(None if on_map else address, hours, contact)
    lines.append(f"🪪 Pengambilan KTP-el: {said(pickup)}")
    if on_map:
        lines.append("Tekan peta di atas untuk membuka petunjuk jalan.")
    return "\n".join(lines)


def hours_answer(hours: str, address: str) -> str:
    """ "jam buka", "sabtu buka gak"."""
    return (
        f"🕗 Jam layanan kantor: {said(hours)}.\n"
        f"📍 Alamat: {said(address)}.\n"
        "Untuk peta, tekan tombol kantor di bawah."
    )


def contact_answer(contact: str, hours: str) -> str:
    """ "nomor wa", "nomor telepon kantor"."""
    return (
        f"☎️ Kontak kantor: {said(contact)}.\n"
        f"🕗 Jam layanan: {said(hours)}.\n"
        "Untuk alamat dan peta, tekan tombol kantor di bawah."
    )


def pickup_answer(pickup: str, hours: str) -> str:
    """ "dimana ambilnya": where printed cards are collected."""
    return (
        f"KTP-el yang sudah dicetak diambil di: {said(pickup)}.\n"
        f"🕗 Jam layanan: {said(hours)}.\n"
        "Belum tahu apakah sudah dicetak? Ketik NIK Bapak/Ibu (16 angka) untuk cek."
    )


#: "Tanya petugas" before the questions to staff exist: how to reach a person.
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
        body.replace("{proxy_pickup}", said(proxy_pickup))
        .replace("{pickup}", said(pickup))
        .replace("{hours}", said(hours))
    )


def faq_answer(title: str, body: str) -> str:
    """One answer as the resident reads it (`body` is already filled, and marked)."""
    return f"❓ {bold(said(title))}\n\n{body}"


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
    lines += ["", "Ketik batal bila tidak jadi."]
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
        "Ketik batal bila tidak jadi."
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


#: Why staff closed a question nobody answered, as the resident reads it; in the order of the
#: desk's buttons (`texts_desk.CLOSE_REASON_BUTTONS`).
CLOSE_REASONS: tuple[str, ...] = (
    "Petugas sudah menjawabnya lewat telepon.",
    "Pertanyaan yang sama sudah Bapak/Ibu kirim; jawabannya ada di pertanyaan itu.",
    "Hal ini tidak diurus Disdukcapil, jadi petugas kami tidak bisa menjawabnya di sini.",
)


def question_closed_with_reason(number: int, preset: int | None, reason: str | None) -> str:
    """Sent to the resident when staff close a question, saying why (`preset`: the index of a
    common reason; `reason`: the staff member's own words), never a thank-you for an answer
    that was not given."""
    if preset is not None and 0 <= preset < len(CLOSE_REASONS):
        why = CLOSE_REASONS[preset]
    elif reason:
        why = f"Alasan dari petugas: {said(reason)}"
    else:
        why = "Petugas menutupnya tanpa jawaban di chat ini."
    return f"Pertanyaan #{number} ditutup petugas.\n{why}\n{_ASK_AGAIN}"


QUESTION_NOT_YOURS = "Pertanyaan itu tidak ada di chat ini."

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


def html_bold(text: str) -> str:
    return f"<b>{text}</b>"


def _office_block(office: OfficeInfo, *, place: str | None = None) -> str:
    """`_office_where` in Telegram HTML, for the notices the outbox stores finished."""
    return _where_lines(office, place, html_bold, html.escape)


_NOTICE_FOOTER = (
    "Cek kapan saja dengan mengirim NIK ke bot ini. "
    "Berhenti menerima kabar untuk NIK ini: ketik berhenti."
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
    return f"👪 <b>Diambil keluarga:</b> {escape(office.proxy_pickup)}"


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
            f"{escape(office.pickup)}.\n"
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
        "<i>Tidak ingin menerima pengumuman lagi? Ketik matikan pengumuman.</i>"
    )


ANNOUNCEMENTS_OFF_BUTTON = "🔕 Matikan pengumuman"
ANNOUNCEMENTS_ON_BUTTON = "🔔 Hidupkan pengumuman"
ANNOUNCEMENTS_PRIVATE_ONLY = (
    "Pengaturan pengumuman hanya bisa diubah lewat chat pribadi dengan bot. Di grup, "
    "pengumuman berhenti bila bot dikeluarkan dari grup."
)
ANNOUNCEMENTS_USAGE = (
    "Ketik matikan pengumuman untuk berhenti menerimanya, atau nyalakan pengumuman untuk "
    "menerimanya lagi."
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
    "Mau menerima lagi? Ketik nyalakan pengumuman."
)
#: After following a card, where announcements start off (WhatsApp): offered, never assumed.
ANNOUNCEMENTS_OFFER = (
    "📣 Mau juga menerima pengumuman umum dari Disdukcapil Musi Rawas? Misalnya jadwal "
    "perekaman keliling atau libur kantor. Pengumuman hanya dikirim bila Bapak/Ibu memintanya."
)
ANNOUNCEMENTS_TURNED_ON = (
    "🔔 Pengumuman umum dihidupkan.\n"
    "Bapak/Ibu akan menerima kabar penting dari Disdukcapil Musi Rawas.\n"
    "Berhenti kapan saja: ketik matikan pengumuman."
)


# === Issue 23, the office's daily routine: the receipt slip (its staff and shell sentences are
# in texts_staff and texts_ops) ==================================================================

# --- residents: the receipt slip (on paper) and opening its link ----------------------------------

SLIP_TITLE = "Tanda Terima Perekaman KTP-el"
SLIP_HOW = (
    "Pindai kode QR ini dengan kamera HP, atau buka tautan di bawah. Telegram membuka bot "
    "Cek KTP-el pada data Bapak/Ibu; bot hanya meminta Nomor KK."
)
SLIP_KEEP = (
    "Simpan tanda terima ini. Jangan kirim fotonya bersama foto KTP atau Kartu Keluarga "
    "kepada siapa pun."
)
SLIP_REPRINT = "Cetak ulang: tautan pada tanda terima sebelumnya tidak berlaku lagi."


def slip_fields(nik_masked: str, name_masked: str | None, on: date) -> list[tuple[str, str]]:
    return [("NIK", nik_masked), ("Nama", name_masked or "-"), ("Tanggal", format_date(on))]


def slip_whatsapp(link: str) -> str:
    return f"WhatsApp: {link}"


def receipt_opened(nik_masked: str) -> str:
    """A resident opened a slip's link: the record's masked NIK, then only the KK."""
    return (
        f"Tanda terima perekaman KTP-el untuk NIK {bold(nik_masked)}.\n\n"
        f"Untuk melihat statusnya, ketik {bold('Nomor KK')}: 16 angka di bagian atas Kartu "
        "Keluarga.\n"
        "Tidak jadi? Ketik batal."
    )


RECEIPT_LINK_UNKNOWN = (
    "Maaf, tautan tanda terima itu tidak berlaku lagi (sudah dicetak ulang, KTP-el sudah "
    "diambil, atau tautannya terpotong). Bapak/Ibu tetap bisa cek dengan mengetik NIK."
)
