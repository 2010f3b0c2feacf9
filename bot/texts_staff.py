"""What office staff and admins read in Telegram: their commands, answers and refusals.

/status, /ubah, /buka, /statistik, /blanko, /petugas, /kantor and /faq for admins, /impor (and
what the importer says about a file and its rows, read by staff in Telegram and by operators in
the shell), /siaran, the staff's /bantuan and the refusals to people who are not staff. The desk
of questions and the jemput bola planning are in `texts_desk`; residents' sentences are in
`texts_id`, the operators' (the shell) in `texts_ops`.

Staff read "Anda". Sentences are written in the sentences' own markup (`bot.domain.markup`:
`bold`, `italic`, `code`, `link`, `esc` for every value a person typed or a record holds); the
Telegram handlers render them with `bot.handlers.render.html`, the shell with `markup.plain`.
This module imports only the domain, the other modules of sentences, the standard library and
Babel; it takes plain values and the small dataclasses defined here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.config import OfficeInfo
from bot.domain.markup import bold, code, esc, italic
from bot.domain.nik import InvalidNumberError
from bot.domain.status_texts import STATUS_TEXTS
from bot.domain.status_words import EXAMPLES, staff_name
from bot.domain.text_fit import clip
from bot.states import KtpStatus, Stage, UnknownStatusError
from bot.texts_common import (
    format_ago,
    format_datetime,
    format_days,
    format_number,
    format_short_date,
    format_time,
    local_time,
    zone_short,
)
from bot.texts_id import (
    ECHO_LIMIT,
    FAQ_ANSWER_LIMIT,
    FAQ_TITLE_LIMIT,
    faq_answer,
    nik_problem,
)


def _escape(value: object) -> str:
    """A value a person typed or a record holds, as text that carries no marks; clipped, so an
    echo never makes a message too long (`texts_id.ECHO_LIMIT`)."""
    return esc(clip(str(value), ECHO_LIMIT))


def _shown(text: object, limit: int = 40) -> str:
    """Something a person typed, shortened, carrying no marks."""
    return esc(clip(str(text), limit))


#: A short name for `format_number`, for sentences full of figures.
_n = format_number


# --- staff: an unknown status code ----------------------------------------------------------------


def import_row_nik_problem(err: InvalidNumberError) -> str:
    """What is wrong with a row's NIK or KK, as the residents are told it (`texts_id`)."""
    return nik_problem(err)


def status_reason(err: UnknownStatusError) -> str:
    """For staff: an unknown status spelling and the closest codes."""
    given = err.given.strip()
    text = f"Status '{_shown(given)}' tidak dikenal." if given else "Status belum ditulis."
    if err.suggestions:
        return text + " Mungkin maksud Anda: " + ", ".join(s.value for s in err.suggestions) + "."
    return text + " Tulis salah satu kode status, misalnya PRINT_READY_RECORD (boleh PRR)."


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
    "tutup": "Tutup pertanyaan warga dengan alasan: /tutup NOMOR ALASAN",
    "bisukan": "Hentikan sementara pertanyaan dari warga: /bisukan NOMOR",
    "meja": "Meja pertanyaan warga: grup petugas, jam kerja, libur",
    "jamkerja": "Jam kerja kantor untuk pertanyaan warga",
    "libur": "Daftar hari libur kantor",
    "jadwal": "Jadwal jemput bola: /jadwal tambah, /jadwal hasil",
    "kuitansi": "Tanda terima dengan kode QR: /kuitansi NIK",
}


def _command_lines(commands: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"/{name} — {esc(about)}" for name, about in commands)


def staff_help(
    office: str,
    own_commands: Sequence[tuple[str, str]],
    resident_commands: Sequence[str],
    *,
    admin: bool,
) -> str:
    """A staff member's /start and /bantuan in a private chat: their own commands first, in one
    register ("Anda"); the residents' commands by name only (their descriptions speak to
    residents)."""
    who = "admin" if admin else "petugas"
    lines = [
        bold(f"Menu {who} Cek KTP-el"),
        f"Anda terdaftar sebagai {who}. Perintah Anda:",
        _command_lines(own_commands),
        "",
        f"Contoh: {code('/ubah 1605014101900001 siap cetak tunggu blanko')}",
        "Untuk melihat yang dibaca warga, ketik NIK dan nomor KK seperti warga, "
        f"misalnya {code('1605xxxxxxxxxxxx 1605xxxxxxxxxxxx')}.",
        "Perintah warga juga bisa Anda coba: "
        + ", ".join(f"/{name}" for name in resident_commands)
        + ".",
        "",
        office,
    ]
    return "\n".join(lines)


def unknown_command(command: str) -> str:
    """First line of the answer to a command the bot does not have."""
    return f"Perintah {code(esc(command))} tidak dikenal. Ini yang bisa saya bantu:"


# --- staff: /faq and /kantor for admins -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FaqAdminLine:
    number: int
    title: str
    changed: bool  # an office default the admin rewrote
    added: bool  # an answer the admin added
    hidden: bool  # a default the admin took off the list


def faq_admin_list(lines: Sequence[FaqAdminLine]) -> str:
    rows = [f"{bold('Pertanyaan umum yang dilihat warga')}"]
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
    f"{code('/faq lihat N')}: lihat jawaban nomor N\n"
    f"{code('/faq ubah N TEKS')}: ganti jawaban nomor N\n"
    f"{code('/faq tambah JUDUL | TEKS')}: tambah pertanyaan baru\n"
    f"{code('/faq hapus N')}: sembunyikan atau hapus nomor N\n"
    f"{code('/faq asal N')}: kembalikan jawaban bawaan nomor N\n"
    "Jawaban paling banyak 600 huruf, pakai Bapak/Ibu. Jawaban bawaan nomor 4 diambil dari "
    f"{code('/kantor diwakilkan')}."
)


def faq_no_such_number(text: str, count: int) -> str:
    return f"Tidak ada pertanyaan nomor {code(_escape(text))}. Nomornya 1 sampai {count}."


def faq_too_long(length: int) -> str:
    return f"Teks terlalu panjang: {length} huruf. Paling banyak {FAQ_ANSWER_LIMIT} huruf."


def faq_title_too_long(length: int) -> str:
    return f"Judul terlalu panjang: {length} huruf. Paling banyak {FAQ_TITLE_LIMIT} huruf."


FAQ_MISSING_TEXT = f"Tulis teksnya juga, misalnya {code('/faq ubah 2 Teks jawaban baru')}."
FAQ_MISSING_TITLE = (
    "Tulis judul dan jawaban dipisah tanda |, misalnya "
    f"{code('/faq tambah Berapa biayanya? | Gratis, tidak dipungut biaya.')}"
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
            f"Tampilkan lagi dengan {code(f'/faq asal {number}')}."
        )
    return f"✅ Pertanyaan nomor {number} ({_escape(title)}) dihapus."


def faq_restored(number: int, title: str) -> str:
    return f"✅ Nomor {number} ({_escape(title)}) kembali memakai jawaban bawaan."


def faq_not_a_default(number: int) -> str:
    return (
        f"Nomor {number} adalah tambahan, tidak punya jawaban bawaan. "
        f"Ubah dengan {code(f'/faq ubah {number} TEKS')} atau hapus dengan "
        f"{code(f'/faq hapus {number}')}."
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
    return ", ".join(f"{code(k)}" for k in OFFICE_SETTING_NAMES)


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
    lines = [f"{bold('Informasi kantor yang dilihat warga')}"]
    lines += [f"{OFFICE_SETTING_NAMES[k]}: {_escape(v)}" for k, v in values.items()]
    lines += [
        "",
        f"Ubah dengan {code('/kantor BAGIAN teks baru')}, BAGIAN salah satu dari: "
        + _office_setting_codes(),
        f"Contoh: {code('/kantor kontak 0812-3456-7890 (WhatsApp)')}",
        f"Lokasi: {code('/kantor lokasi -3.2851,103.0475')}, atau {code('/kantor lokasi')} "
        "lalu kirim titik lokasi dari Telegram.",
    ]
    return "\n".join(lines)


def office_setting_unknown(field: str) -> str:
    return (
        f"Bagian {code(_escape(field))} tidak dikenal. Pilih salah satu: "
        + _office_setting_codes()
        + "."
    )


def office_too_long(limit: int) -> str:
    return f"Teks terlalu panjang; paling banyak {limit} huruf."


def office_missing_text(field: str) -> str:
    return f"Tulis teks barunya, misalnya {code(f'/kantor {_escape(field)} teks baru')}."


def office_setting_changed(field: str, old: str, new: str) -> str:
    return (
        f"✅ {OFFICE_SETTING_NAMES[field]} diubah.\nSebelumnya: {_escape(old or '-')}\n"
        f"Sekarang: {_escape(new or '-')}\n"
        "Warga melihatnya di tombol kantor, pertanyaan umum dan kabar KTP-el tercetak."
    )


OFFICE_LOCATION_ASK = (
    f"Kirim titik lokasi kantor sekarang: tekan 📎, pilih {bold('Lokasi')}, geser peta ke kantor, "
    "lalu kirim.\n"
    f"Atau ketik koordinatnya: {code('/kantor lokasi -3.2851,103.0475')} "
    "(dari Google Maps: tekan lama titik kantor, lalu salin angkanya).\n"
    f"Menghapus lokasi: {code('/kantor lokasi hapus')}."
)
OFFICE_LOCATION_BAD = (
    "Koordinat tidak bisa dibaca. Tulis lintang dan bujur dipisah koma, misalnya "
    f"{code('/kantor lokasi -3.2851,103.0475')}."
)
#: Words after `/kantor lokasi` that take the pin away.
OFFICE_LOCATION_REMOVE_WORDS = ("hapus", "kosong", "tidak")


# === 8. Staff commands ============================================================================

# --- staff: /status, /ubah, /buka, /statistik, /blanko, /petugas, the audit log -------------------

STAFF_PRIVATE_ONLY = (
    "Perintah petugas hanya bisa dipakai di chat pribadi dengan bot, supaya data warga tidak "
    "terbaca di grup."
)
ADMIN_ONLY = "Perintah ini khusus admin. Minta admin kantor bila perlu mengubahnya."


# /status NIK
STATUS_USAGE = (
    f"Tulis NIK setelah perintahnya, misalnya:\n{code('/status 1605014101900001')}\n"
    "Bot menampilkan status, riwayat, jumlah langganan, dan kunci verifikasi NIK itu."
)


def staff_not_found(nik_masked: str) -> str:
    """A NIK staff asked about that is not in the bot's data."""
    return (
        f"NIK {code(_escape(nik_masked))} belum ada dalam data bot. Periksa lagi "
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


#: How staff read a channel's name.
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}


def channels_note(counts: Mapping[str, int] | None) -> str:
    """ " (Telegram 2 · WhatsApp 1)" once any WhatsApp contact is counted; else nothing."""
    if not counts or not counts.get("whatsapp"):
        return ""
    parts = [f"{CHANNEL_NAMES.get(c, c)} {_n(counts.get(c, 0))}" for c in CHANNEL_NAMES]
    return f" ({' · '.join(parts)})"


def statistics_channels(counts: Mapping[str, ChannelFigures]) -> str | None:
    """/statistik: residents, checks, followers and questions per channel (Telegram ·
    WhatsApp); None while nobody writes on WhatsApp."""
    whatsapp = counts.get("whatsapp")
    if whatsapp is None or not any(astuple(whatsapp)):
        return None
    telegram = counts.get("telegram", ChannelFigures())

    def line(label: str, field: str) -> str:
        return f"{label}: {_n(getattr(telegram, field))} · {_n(getattr(whatsapp, field))}"

    return "\n".join(
        [
            bold("Per saluran (Telegram · WhatsApp)"),
            line("Warga", "residents"),
            line("Cek NIK + KK berhasil, 7 hari", "checks"),
            line("Warga yang memantau kartu", "followers"),
            line("Pertanyaan, 7 hari", "questions"),
        ]
    )


@dataclass(frozen=True, slots=True)
class ChannelFigures:
    """One channel's share (`bot.storage.stats.ChannelCounts`, as plain values)."""

    residents: int = 0
    checks: int = 0
    followers: int = 0
    questions: int = 0


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
    followers_by_channel: Mapping[str, int] | None = None,
) -> str:
    """/status for staff: masked identity, current status, full history, subscribers (per
    channel once WhatsApp has any), lock."""
    place = f"{_escape(district_name)} ({district})" if district_name else district
    head = [
        f"{bold(f'NIK {_escape(nik_masked)}')}",
        f"Nama: {_escape(name_masked or '-')}",
        f"Wilayah: {place}",
        f"Status: {bold(status.value)} sejak {format_short_date(status_date)}"
        f" ({format_ago(status_date, today)})",
    ]
    if note:
        head.append(f"Catatan: {_escape(clip(note, HISTORY_NOTE_LIMIT))}")
    head += ["", f"{bold('Riwayat')} ({_n(len(history))} entri)"]
    tail = ["", f"Langganan: {_n(subscribers)} chat{channels_note(followers_by_channel)}"]
    if locked_until is not None:
        tail.append(
            f"Cek oleh warga: {bold('terkunci')} sampai "
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
            line += f" — {italic(_escape(clip(entry.note, HISTORY_NOTE_LIMIT)))}"
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
    f"Tulis: {code('/ubah NIK STATUS [catatan]')}\n"
    f"Contoh: {code('/ubah 1605014101900001 siap cetak tunggu blanko')}\n"
    "Status boleh ditulis dengan namanya (siap cetak, dicetak, rekaman ganda, diambil, ...) "
    "atau kodenya (PRINT_READY_RECORD, PRR, SFE, DR)."
)


def status_named(status: KtpStatus) -> str:
    """A status for staff: its Indonesian name and its code, "Siap cetak (PRINT_READY_RECORD)"."""
    return f"{_escape(staff_name(status))} ({status.value})"


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
    """A status word /ubah did not recognise: the closest statuses and a few examples."""
    given = err.given.strip()
    lines = [f"Status '{_shown(given)}' tidak dikenal." if given else "Status belum ditulis."]
    if err.suggestions:
        lines.append(
            "Mungkin maksud Anda: " + ", ".join(status_named(s) for s in err.suggestions) + "."
        )
    lines.append("Contoh yang bisa ditulis:")
    lines += [f"• {code(words)}: {status_named(status)}" for words, status in EXAMPLES]
    lines.append(
        f"Kode juga boleh, misalnya {code('PRR')}. Contoh lengkap: "
        f"{code('/ubah 1605014101900001 siap cetak tunggu blanko')}"
    )
    return "\n".join(lines)


def ubah_same_status(nik_masked: str, status: KtpStatus, since: date) -> str:
    return (
        f"NIK {code(_escape(nik_masked))} sudah berstatus {bold(status_named(status))} sejak "
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
        f"Ubah status NIK {code(_escape(nik_masked))}?",
        f"{bold(status_named(old))}, sejak {format_short_date(old_since)}",
        f"→ {bold(status_named(new))}, hari ini",
    ]
    if note:
        lines.append(f"Catatan: {_escape(note)}")
    if new.facts.notifies:
        lines.append("Warga yang berlangganan akan diberi kabar.")
    if backward:
        lines.append(
            f"⚠️ Ini langkah {bold('mundur')} dalam alur (urutan {old.order} → {new.order}); "
            "bot akan meminta konfirmasi sekali lagi."
        )
    return "\n".join(lines)


def ubah_confirm_backward(nik_masked: str, old: KtpStatus, new: KtpStatus) -> str:
    return (
        f"⚠️ {bold('Yakin memundurkan status?')}\nNIK {code(_escape(nik_masked))}: "
        f"{status_named(old)} → {status_named(new)}.\nPerubahan mundur biasanya hanya untuk "
        "koreksi salah input atau bila pusat mengembalikan data. "
        "Perubahan ini dicatat di log audit."
    )


def ubah_moved_meanwhile(nik_masked: str, current: KtpStatus) -> str:
    return (
        f"Status NIK {code(_escape(nik_masked))} sudah berubah sejak pertanyaan tadi "
        f"(sekarang {bold(status_named(current))}). Tidak ada yang diubah; kirim /ubah lagi "
        "bila perlu."
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
        f"✅ Status NIK {code(_escape(nik_masked))} diubah: {status_named(old)} → "
        f"{bold(status_named(new))} ({format_short_date(entered_on)})."
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
    f"Cara pakai: {code('/buka NIK')}\n"
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
        f"{bold('Statistik KTP-el')} — {_escape(format_datetime(taken_at, tz))}",
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
    lines = [f"{bold('Per status')}"]
    lines += [f"{s.order}. {s.value}: {_n(n)}" for s, n in by_status.items()]
    lines += ["", f"{bold('Per kecamatan')}"]
    if not by_district:
        lines.append("-")
    for name, count in by_district:
        label = STATS_OUTSIDE if name == "luar" else name
        lines.append(f"{_escape(label)}: {_n(count)}")
    lines += ["", f"{bold('Median lama per tahap')} (dari data yang sudah pindah tahap)"]
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
    f"{code('/blanko 2500')}. Angka ini dipakai saat bot menjelaskan antrean cetak (PRR)."
)
BLANKO_NOT_NUMBER = f"Jumlah blanko harus angka bulat, misalnya {code('/blanko 2500')}."
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
    f"{code('/petugas')} — daftar petugas dan admin\n"
    f"{code('/petugas tambah ID petugas')} atau {code('/petugas tambah ID admin')}\n"
    f"{code('/petugas hapus ID')}\n"
    "ID adalah nomor ID Telegram orangnya (angka; bisa dilihat lewat bot seperti @userinfobot)."
)


def petugas_bad_id(given: str) -> str:
    return (
        f"{code(_escape(given))} bukan ID Telegram. ID berupa angka, misalnya "
        f"{code('123456789')}.\n\n" + PETUGAS_USAGE
    )


def petugas_bad_role(given: str) -> str:
    return (
        f"Peran {code(_escape(given))} tidak dikenal; pilih {code('petugas')} atau {code('admin')}."
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
        added = format_short_date(local_time(datetime.fromisoformat(member.added_at), tz).date())
        by = f" oleh {member.added_by}" if member.added_by else ""
        line += f" (sejak {added}{by})"
    return line


def staff_list(members: Sequence[StaffLine], tz: str) -> str:
    """/petugas: everyone who is staff now."""
    if not members:
        return "Belum ada petugas.\n\n" + PETUGAS_USAGE
    lines = [f"{bold('Petugas dan admin')}"]
    lines += [f"• {_escape(_member_line(m, tz))}" for m in members]
    return "\n".join(lines) + "\n\n" + PETUGAS_USAGE


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
        f"Berkas ini {bold('tidak diimpor')}: waktu tunggu /impor ({wait_minutes} menit) sudah "
        "habis. Untuk mengimpor, kirim /impor lagi lalu berkasnya, atau kirim berkas dengan "
        "keterangan (caption) /impor."
    )


IMPOR_CANCELLED = "Impor dibatalkan."
IMPOR_NOTHING_TO_CANCEL = "Tidak ada impor yang sedang ditunggu."
_IMPORT_ON_SERVER = f"impor lewat server dengan {code('python -m bot import BERKAS')}."
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
        f"Berkas {code(_escape(name))} bukan CSV. Dari Excel: File → Save As → pilih "
        f"{bold('CSV')} (dipisah koma atau titik koma), lalu kirim berkas .csv itu."
    )


def impor_started(name: str) -> str:
    return f"⏳ Mengimpor {code(_escape(name))}…"


def impor_progress(name: str, percent: int) -> str:
    return f"⏳ Mengimpor {code(_escape(name))}… {percent}% berkas sudah diproses."


def impor_file_problem(name: str, reason: str) -> str:
    """`reason` comes from the importer, already written in the markup."""
    return f"Berkas {code(_escape(name))} tidak bisa diimpor. {reason}"


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
    f"Ini berkas Excel, bukan CSV. Buka di Excel, pilih {bold('Simpan Sebagai')} (Save As) dengan"
    f" jenis {bold('CSV UTF-8')}, lalu kirim berkas .csv itu."
)
IMPORT_FILE_BINARY = (
    "Berkas ini bukan teks CSV (isinya seperti gambar, PDF atau arsip)."
    " Kirim berkas .csv hasil ekspor status."
)
_SAVE_AS_UTF8 = f"Di Excel, simpan ulang dengan jenis {bold('CSV UTF-8')}."
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
    text = "Kolom wajib tidak ada: " + ", ".join(f"{bold(_shown(c))}" for c in missing) + "."
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
        f" pendek dan digit terakhirnya hilang. Format kolom itu sebagai {bold('Teks')} di Excel,"
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
            f"{bold('Impor selesai')}, tetapi berkas hanya berisi judul kolom: tidak ada baris "
            "data, jadi tidak ada yang berubah."
        ]
    else:
        lines = [
            f"{bold('Impor selesai.')}",
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
    return f"unggahan {who} {local:%Y-%m-%d %H.%M} {zone_short(local)}"


# --- staff: /siaran: writing, choosing recipients, sending, stopping ------------------------------

BROADCAST_ASK_TEXT = (
    f"📢 {bold('Pengumuman baru')}\n"
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
    f"saja, misalnya, {italic('warga yang menerima kabar')}), lalu kirim lagi, atau ketik /batal."
)


def broadcast_too_long(length: int, limit: int) -> str:
    return (
        f"Pengumuman terlalu panjang ({format_number(length)} huruf). Paling banyak "
        f"{format_number(limit)} huruf; ringkas lalu kirim lagi, atau ketik /batal."
    )


BROADCAST_ASK_AUDIENCE = f"👥 {bold('Siapa yang menerima pengumuman ini?')}"
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
    f"🗺 {bold('Pilih kecamatan.')}\n"
    "Penerimanya warga yang berlangganan kabar untuk NIK yang terdaftar di kecamatan itu "
    "(angka dalam kurung: jumlah chat)."
)
BROADCAST_ASK_STATUS = (
    f"🪪 {bold('Pilih status KTP-el.')}\n"
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
        return f"pelanggan di Kecamatan {esc(district_name or value or '?')}"
    if kind == "status" and value is not None and value in KtpStatus.__members__:
        status = KtpStatus(value)
        return f"pelanggan dengan status {status.value} ({esc(STATUS_TEXTS[status].title)})"
    if kind == "status":
        return f"pelanggan dengan status {esc(value or '?')}"
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
            f"{bold('Tidak ada penerima')} untuk pilihan ini. Pilih penerima lain."
        )
    text = (
        "⬆️ Itulah pesan yang akan diterima warga.\n\n"
        f"Penerima: {audience_name}.\nJumlah: {bold(f'{format_number(count)} chat')}."
    )
    if quiet_end is not None:
        text += (
            f"\n\n🌙 Sekarang jam tenang ({quiet_start:02d}.00–{format_time(quiet_end, tz)}). "
            f"Pengumuman biasanya menunggu sampai pukul {format_time(quiet_end, tz)} supaya "
            f"warga tidak terganggu malam hari. Pilih {bold('Kirim sekarang juga')} hanya bila "
            "pengumumannya mendesak."
        )
    else:
        text += "\n\nPeriksa pratinjau di atas, lalu kirim."
    return text


def broadcast_started(broadcast_id: int, count: int) -> str:
    return (
        f"📢 {bold(f'Siaran #{broadcast_id}')} mulai dikirim ke {format_number(count)} chat.\n"
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
    whatsapp_total: int = 0  # of `total`, recipients on WhatsApp (the rest on Telegram)
    whatsapp_sent: int = 0


def _broadcast_figures_line(figures: BroadcastCounts) -> str:
    line = (
        f"Terkirim {format_number(figures.sent)} dari {format_number(figures.total)} · "
        f"gagal {format_number(figures.failed)} · "
        f"memblokir bot {format_number(figures.blocked)}"
    )
    if figures.cancelled:
        line += f" · tidak dikirim {format_number(figures.cancelled)}"
    if figures.whatsapp_total:
        telegram_total = figures.total - figures.whatsapp_total
        telegram_sent = figures.sent - figures.whatsapp_sent
        line += (
            f"\nTelegram {format_number(telegram_sent)} dari {format_number(telegram_total)}"
            f" · WhatsApp {format_number(figures.whatsapp_sent)} dari "
            f"{format_number(figures.whatsapp_total)}"
        )
    return line


def broadcast_progress(
    broadcast_id: int, figures: BroadcastCounts, *, waiting_until: datetime | None, tz: str
) -> str:
    """The progress message, edited every few seconds while a broadcast goes out."""
    head = bold(f"Siaran #{broadcast_id}")
    text = f"📢 {head} sedang dikirim\n{_broadcast_figures_line(figures)}"
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
        title = f"⏹ {bold(f'Siaran #{broadcast_id}')} dihentikan"
    else:
        title = f"✅ {bold(f'Siaran #{broadcast_id}')} selesai"
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
    return esc(plain)


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
            f"{bold(f'#{item.broadcast_id}')} · {state}\n"
            f"{created}\n"
            f"Untuk: {item.audience_name}\n"
            f"{_broadcast_figures_line(item.figures)}\n"
            f"{italic(f'“{_snippet(item.text_html)}”')}"
        )
    return f"📋 {bold('Siaran terakhir')}\n\n" + "\n\n".join(blocks)


def broadcast_stop_button(broadcast_id: int) -> str:
    return f"⏹ Hentikan #{broadcast_id}"


def broadcast_stop_confirm(broadcast_id: int, pending: int) -> str:
    return (
        f"Hentikan {bold(f'siaran #{broadcast_id}')}?\n"
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


# === Issue 23, the office's daily routine: receipts and the import folder =========================

# --- staff: /kuitansi -----------------------------------------------------------------------------

KUITANSI_USAGE = (
    f"Tulis NIK-nya: {code('/kuitansi NIK')}. Bot membuat tanda terima dengan kode QR yang "
    "membuka bot pada data itu (cetak ulang: tautan lama tidak berlaku lagi). "
    f"{code('/kuitansi cabut NIK')} menghentikan tautan tanda terima tanpa membuat yang baru."
)
KUITANSI_NOT_FOUND = (
    "NIK itu belum ada dalam data bot. Impor dulu data perekaman hari ini (/impor), lalu coba lagi."
)
KUITANSI_COLLECTED = (
    "KTP-el untuk NIK itu sudah diambil (CARD_ISSUED): tanda terimanya tidak diperlukan lagi."
)
AUDIT_RECEIPT_NEW = "tanda terima baru"
AUDIT_RECEIPT_REPRINT = "cetak ulang (tautan lama berakhir)"
AUDIT_RECEIPT_REVOKED = "tautan dicabut"


def kuitansi_caption(nik_masked: str, link: str, reprint: bool) -> str:
    head = "Tanda terima (cetak ulang)" if reprint else "Tanda terima"
    tail = "\nTautan pada tanda terima sebelumnya tidak berlaku lagi." if reprint else ""
    return f"{head} untuk NIK {bold(esc(nik_masked))}.\nTautan: {esc(link)}{tail}"


def kuitansi_invalid(problem: str) -> str:
    return f"NIK tidak bisa dipakai: {problem}"


def kuitansi_revoked(ended: int) -> str:
    if not ended:
        return "NIK itu tidak punya tautan tanda terima yang masih berlaku."
    return "Tautan tanda terima NIK itu dicabut: tidak bisa dipakai lagi."


# --- staff: the folder import (BOT_IMPORT_DIR), told at the desk and in the report beside --------


def folder_outcome(
    *,
    name: str,
    folder: str,
    moved_to: str,
    summary: str | None,
    reason: str | None,
    copy_of: str | None,
    resumed: bool,
) -> str:
    """What became of a file dropped in the import folder (the desk's message, the report)."""
    lines = [f"📂 Impor otomatis dari folder: {bold(_escape(name))}"]
    if copy_of is not None:
        lines.append(
            f"Isinya sama persis dengan berkas {bold(_escape(copy_of))} yang sudah diimpor: "
            "tidak ada yang berubah, tidak ada warga yang diberi kabar."
        )
    elif reason is not None:
        lines.append(f"Berkas ditolak seluruhnya, tidak ada yang diubah: {reason}")
    if resumed:
        lines.append(
            "Impor ini dilanjutkan setelah bot berhenti di tengah berkas: baris yang sudah "
            "masuk sebelumnya dihitung «tetap», tidak ada yang tercatat atau dikabarkan dua kali."
        )
    if summary:
        lines.append(summary)
    lines.append(f"Berkas dipindah ke {folder}/{_escape(moved_to)} (laporan di sebelahnya).")
    return "\n\n".join(lines)


def folder_not_a_table(suffix: str) -> str:
    return (
        f"Jenis berkas {_escape(suffix)} tidak bisa diimpor. Simpan ekspornya sebagai CSV "
        "(atau .xlsx) dengan kolom nik, no_kk, nama, status, tanggal_status, keterangan."
    )


def folder_audit_not_imported(copy: bool) -> str:
    return "salinan berkas yang sudah diimpor" if copy else "ditolak seluruhnya"


# --- import files: Excel workbooks, quoted line breaks, damaged numbers (issues 22 and 23) ---


def impor_ask_file(limit_mb: int, wait_minutes: int) -> str:
    """After /impor: what to send (CSV or Excel), and how big and how soon."""
    return (
        "Kirim berkas CSV atau Excel (.xlsx) sekarang, sebagai dokumen (📎 → Berkas). Kolom: nik,"
        " no_kk, nama, status, tanggal_status, keterangan; di Excel kolom nik dan no_kk berformat"
        f" {bold('Teks')}. Ukuran paling besar {limit_mb} MB. Bot menunggu {wait_minutes} menit.\n"
        "Ketik /batal untuk membatalkan."
    )


def impor_not_importable(name: str) -> str:
    """A document that is neither CSV nor an Excel workbook."""
    return (
        f"Berkas {code(_escape(name))} bukan CSV atau Excel (.xlsx). Kirim ekspor status sebagai"
        f" berkas .xlsx, atau dari Excel: File → Save As → pilih {bold('CSV UTF-8')}, lalu kirim"
        " berkas .csv itu."
    )


IMPORT_FILE_WORKBOOK_UNREADABLE = (
    "Berkas ini tidak terbaca sebagai buku kerja Excel (.xlsx). Buka di Excel lalu simpan ulang"
    f" sebagai {bold('Excel Workbook (.xlsx)')} atau {bold('CSV UTF-8')}, lalu kirim lagi."
)
IMPORT_FILE_WORKBOOK_EMPTY = (
    "Lembar kerja ini kosong: tidak ada judul kolom dan data. Isi lembar pertama (atau sebut"
    " lembar yang berisi data) lalu kirim lagi."
)


def import_sheet_missing(name: str, sheets: Sequence[str]) -> str:
    """The sheet named on the command line is not in the workbook."""
    shown = ", ".join(f"'{_shown(s)}'" for s in sheets) or "(tidak ada)"
    return f"Lembar '{_shown(name)}' tidak ada di berkas ini. Lembar yang ada: {shown}."


def import_sheet_without_header(sheet: str, sheets: Sequence[str]) -> str:
    """The sheet read holds no import header (another sheet may)."""
    shown = ", ".join(f"'{_shown(s)}'" for s in sheets)
    return (
        f"Lembar '{_shown(sheet)}' tidak berisi judul kolom impor (nik, no_kk, nama, status,"
        f" tanggal_status, keterangan). Lembar di berkas ini: {shown}. Taruh data di lembar"
        " pertama, atau dari shell sebut lembarnya: "
        + code("python -m bot import BERKAS --sheet NAMA")
        + "."
    )


def import_file_excel_damaged(damaged: int, total: int) -> str:
    """More than half of the NIKs were turned into numbers by Excel: nothing was imported."""
    return (
        f"{format_number(damaged)} dari {format_number(total)} NIK di berkas ini sudah diubah"
        " Excel menjadi angka (mis. 1,60501E+15), sehingga digit terakhirnya hilang. Tidak ada"
        " yang diimpor dan tidak ada warga yang diberi kabar. Di Excel, format kolom nik dan"
        f" no_kk sebagai {bold('Teks')}, isi lagi angkanya dari sumber aslinya, simpan, lalu kirim"
        " lagi."
    )


def import_lines_accounted(lines: int, blank: int, continued: int) -> str:
    """How the file's physical lines were counted, when some were blank or inside a cell."""
    parts = []
    if continued:
        parts.append(f"{format_number(continued)} baris lanjutan isi sel (teks bertanda kutip)")
    if blank:
        parts.append(f"{format_number(blank)} baris kosong")
    return (
        f"Baris berkas: {format_number(lines)}, termasuk judul kolom, " + " dan ".join(parts) + "."
    )
