"""What staff read at the desk: residents' questions and the jemput bola planning.

The desk of questions (Tanya petugas: the question cards in the staff group, /pertanyaan,
/bisukan, /meja, /jamkerja, /libur, the questions' /statistik) and jemput bola visits as staff
plan them (/jadwal tambah, the list, /jadwal hasil). What residents read of both is in
`texts_id`; the other staff commands are in `texts_staff`.

Staff read "Anda". Sentences are written in the sentences' own markup (`bot.domain.markup`),
rendered for Telegram by `bot.handlers.render.html`. This module imports only the domain, the
other modules of sentences, the standard library and Babel.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from babel import dates as babel_dates

from bot.domain.markup import bold, code, esc, link
from bot.domain.text_fit import clip
from bot.states import KtpStatus
from bot.texts_common import (
    LOCALE,
    format_date,
    format_datetime,
    format_number,
    format_short_date,
    html_as_markup,
    local_time,
)
from bot.texts_id import STAFF_ROLE_NAMES
from bot.texts_staff import _escape, _n
from bot.texts_visits import VisitInfo, clock_time, visit_block, visit_hours

# --- staff: the desk, /pertanyaan, /bisukan, /meja, /jamkerja, /libur -----------------------------


def _staff_sign(name: str | None, role: str | None) -> str:
    """Who handles a question: "Rina (petugas)", or the role alone."""
    role_name = STAFF_ROLE_NAMES.get(role or "", "petugas")
    return f"{esc(name)} ({role_name})" if name else role_name


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


# The desk's cards are still written in Telegram HTML: they are queued in the outbox as finished
# messages, and the outbox sends what it holds (until its rows are events rendered at send time,
# issue 19 item 4). Everything else in this module is in the sentences' markup.
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
        who = html.escape(_staff_sign(card.taken_name, card.taken_role))
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
    mention = link(esc(name), f"tg://user?id={int(user_id)}")
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


#: The common reasons for closing a question nobody answered, as buttons (the resident reads
#: `texts_id.CLOSE_REASONS`, in the same order).
CLOSE_REASON_BUTTONS: tuple[str, ...] = (
    "📞 Sudah dijawab lewat telepon",
    "🔁 Pertanyaan ganda",
    "🏢 Bukan urusan Dukcapil",
)
BTN_CLOSE_WRITE = "✍️ Tulis alasan lain"
BTN_CLOSE_CANCEL = "✖️ Batal"
TUTUP_USAGE = (
    f"Tulis: {code('/tutup NOMOR ALASAN')}\n"
    f"Contoh: {code('/tutup 12 sudah dijawab lewat telepon')}\n"
    "Warga membaca alasannya dan cara bertanya lagi."
)


def question_close_ask(number: int) -> str:
    """✅ Tutup on a question nobody answered: confirm and say why (the resident reads it)."""
    return (
        f"Pertanyaan #{number} belum dijawab. Yakin menutupnya?\n"
        "Pilih alasannya; warga membacanya bersama cara bertanya lagi. "
        f"Alasan lain: tekan {BTN_CLOSE_WRITE} atau tulis "
        f"{code(f'/tutup {number} ALASAN')}."
    )


def question_close_write(number: int) -> str:
    return (
        f"Tulis alasannya dengan {code(f'/tutup {number} ALASAN')}, misalnya "
        f"{code(f'/tutup {number} sudah dibantu di loket')}."
    )


def question_close_cancelled(number: int) -> str:
    return f"Pertanyaan #{number} tidak jadi ditutup."


def question_closed_with_reason(number: int, reason: str) -> str:
    """The staff member's confirmation: closed, with the reason the resident reads."""
    return f"✅ Pertanyaan #{number} ditutup. Alasan untuk warga: {esc(clip(reason, 200))}"


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
    title = f"{bold('Pertanyaan warga yang belum selesai')}" + (f" ({which})" if which else "")
    if not items:
        return f"{title}\nTidak ada. 👍"
    lines = [f"{title}: {_n(total)}, yang terlama di atas.", ""]
    for item in items:
        if item.state == "new":
            who = f"{bold('baru')}"
        else:
            who = "ditangani " + _staff_sign(item.taken_name, item.taken_role)
        waiting = " · menunggu warga" if item.waiting_for == "resident" else ""
        snippet = esc(clip(" ".join((item.snippet or QUESTION_ERASED).split()), 60))
        lines.append(
            f"#{item.number} · {format_work_time(item.age_s)} jam kerja · {who}{waiting}\n"
            f"   {snippet}"
        )
    if total > len(items):
        lines.append(f"… dan {_n(total - len(items))} lagi.")
    lines += [
        "",
        f"Buka satu: {code('/pertanyaan NOMOR')}. Saring: {code('/pertanyaan saya')},"
        f" {code('/pertanyaan baru')}.",
    ]
    return "\n".join(lines)


QUESTION_LIST_USAGE = (
    f"Pakai {code('/pertanyaan')} (semua yang belum selesai), {code('/pertanyaan saya')},"
    f" {code('/pertanyaan baru')}, atau {code('/pertanyaan NOMOR')}."
)


def question_thread(number: int, lines: Sequence[tuple[str, str, datetime]], tz: str) -> str:
    """The whole conversation of one question: (who, text, when) per message."""
    out = [f"{bold(f'Percakapan Pertanyaan #{number}')}"]
    for who, text, at in lines:
        out.append(f"\n{bold(esc(who))} · {format_datetime(at, tz)}\n{esc(text)}")
    return "\n".join(out)


QUESTION_THREAD_RESIDENT = "Warga"


# /bisukan
QUESTION_MUTE_USAGE = (
    "Hentikan sementara pertanyaan dari seorang warga (misalnya karena kata kasar atau pesan "
    f"berulang): {code('/bisukan NOMOR [HARI]')}, NOMOR pertanyaannya, HARI lamanya "
    f"(bawaan 7, paling lama 365). Cabut dengan {code('/bisukan NOMOR cabut')}."
)


def question_muted_staff(number: int, until: datetime, tz: str) -> str:
    return (
        f"🔇 Warga dari Pertanyaan #{number} tidak bisa bertanya sampai "
        f"{format_date(local_time(until, tz).date())}. Warga sudah diberi tahu dengan sopan."
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
        where = f"grup {bold(esc(group_title or 'petugas'))}"
    else:
        where = f"chat pribadi setiap petugas ({_n(staff_count)} orang)"
    upcoming = ", ".join(f"{format_short_date(d)} ({esc(n)})" for d, n in holidays[:5])
    lines = [
        f"{bold('Meja pertanyaan warga')}",
        f"Pertanyaan masuk ke: {where}.",
        f"Jam kerja: {esc(schedule)} {esc(zone)}.",
        f"Libur berikutnya: {upcoming or '-'}.",
        f"Diingatkan lagi bila belum ditangani setelah {format_number(remind_hours)} jam kerja.",
        f"Percakapan yang sudah selesai dihapus setelah {_n(retention_days)} hari.",
        "",
        "Ubah:",
        f"• grup meja: kirim {code('/meja')} di grup petugas (admin); kembali ke chat pribadi:"
        f" {code('/meja pribadi')}",
        f"• {code('/jamkerja Senin-Kamis 08.00-15.00; Jumat 08.00-11.30')}",
        f"• {code('/libur tambah 2026-12-25 Natal')}, {code('/libur hapus 2026-12-25')}",
        f"• {code('/meja ingatkan 4')} (jam kerja), {code('/meja simpan 90')} (hari)",
    ]
    return "\n".join(lines)


def question_desk_set(title: str | None) -> str:
    return (
        f"✅ Grup ini ({esc(title or 'petugas')}) sekarang menjadi meja pertanyaan warga. "
        "Pertanyaan baru muncul di sini; jawab dengan membalas (reply) pesan pertanyaannya."
    )


QUESTION_DESK_PRIVATE = (
    "✅ Pertanyaan warga sekarang dikirim ke chat pribadi setiap petugas (tidak ke grup)."
)


def desk_group_lost(title: str | None) -> str:
    """To each admin, in private: the desk group cannot be reached any more."""
    name = f" {bold(esc(title))}" if title else ""
    return (
        f"⚠️ Bot tidak bisa lagi mengirim ke grup meja pertanyaan{name} (bot dikeluarkan "
        "dari grup, atau grupnya dihapus).\n\n"
        "Mulai sekarang pertanyaan warga dikirim ke chat pribadi setiap petugas; yang masih "
        "terbuka sudah dikirim ulang ke sana.\n"
        f"Untuk memakai grup lagi: masukkan bot ke grup, lalu kirim {code('/meja')} di grup itu."
    )


QUESTION_DESK_GROUP_ADMIN_ONLY = "Hanya admin yang bisa menjadikan grup ini meja pertanyaan."
QUESTION_DESK_NUMBER_USAGE = (
    f"Tulis angka bulat, misalnya {code('/meja ingatkan 4')} (1–40 jam kerja) atau "
    f"{code('/meja simpan 90')} (7–3650 hari)."
)


def question_remind_set(hours: int) -> str:
    return f"✅ Pertanyaan yang belum ditangani diingatkan lagi setelah {_n(hours)} jam kerja."


def question_retention_set(days: int) -> str:
    return f"✅ Percakapan yang sudah selesai dihapus bot setelah {_n(days)} hari."


def question_hours_view(schedule: str, zone: str) -> str:
    return (
        f"Jam kerja untuk pertanyaan warga: {bold(f'{esc(schedule)} {esc(zone)}')}.\n"
        f"Ubah dengan, misalnya, {code('/jamkerja Senin-Jumat 08.00-15.00')} atau "
        f"{code('/jamkerja Senin-Kamis 08.00-15.00; Jumat 08.00-11.30')}.\n"
        "Jam ini dipakai untuk memberi tahu warga kapan pertanyaannya dibaca. Teks jam layanan "
        f"untuk warga diubah dengan {code('/kantor jam')}."
    )


def question_hours_set(old: str, new: str, zone: str) -> str:
    return f"✅ Jam kerja: {esc(new)} {esc(zone)} (sebelumnya {esc(old)})."


_SCHEDULE_PROBLEMS = {
    "empty": "Tulis hari dan jamnya.",
    "unknown_day": "Nama hari {part} tidak dikenal (Senin … Minggu).",
    "bad_time": "Bagian {part} tidak terbaca. Tulis hari lalu jam, misalnya "
    f"{code('Senin-Jumat 08.00-15.00')}.",
    "closes_before_opening": "Di {part} jam tutup tidak sesudah jam buka.",
}


def question_hours_error(problem: str, part: str) -> str:
    return _SCHEDULE_PROBLEMS.get(problem, _SCHEDULE_PROBLEMS["bad_time"]).format(
        part=code(esc(part[:60]))
    )


def question_holidays(items: Sequence[tuple[date, str]]) -> str:
    lines = [f"{bold('Hari libur kantor')} (pertanyaan warga menunggu hari kerja berikutnya)"]
    if not items:
        lines.append("Belum ada libur yang akan datang.")
    lines += [f"• {format_date(d)}: {esc(n)}" for d, n in items]
    lines += [
        "",
        f"Tambah: {code('/libur tambah 2026-12-25 Natal')}. Hapus: "
        f"{code('/libur hapus 2026-12-25')}.",
    ]
    return "\n".join(lines)


QUESTION_HOLIDAY_USAGE = (
    f"Pakai {code('/libur')} (daftar), {code('/libur tambah TANGGAL nama')} atau "
    f"{code('/libur hapus TANGGAL')}; TANGGAL seperti 2026-12-25 atau 25-12-2026."
)


def question_holiday_added(day: date, name: str, changed: bool) -> str:
    if not changed:
        return f"{format_date(day)} sudah ada di daftar libur ({esc(name)})."
    return f"✅ {format_date(day)} dicatat sebagai libur: {esc(name)}."


def question_holiday_removed(day: date, name: str | None) -> str:
    if name is None:
        return f"{format_date(day)} tidak ada di daftar libur."
    return f"✅ {format_date(day)} ({esc(name)}) dihapus dari daftar libur."


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
            f"{bold('Pertanyaan warga')} ({_n(days)} hari terakhir)",
            f"Masuk: {_n(asked)} · dijawab: {_n(answered)}",
            f"Median sampai jawaban pertama: {median}",
            f"Belum selesai dan lebih dari sehari: {_n(open_older)}",
        ]
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
        return f"✏️ {bold(f'Ubah jadwal #{visit_id}')}"
    return f"🚐 {bold('Jadwal jemput bola baru')} · langkah {number} dari {VISIT_STEPS_TOTAL}"


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
    return clock_time(hhmm)


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
        f"✏️ {bold(f'Ubah jadwal #{info.visit_id}')} · pratinjau"
        if told_before is not None
        else f"🚐 {bold('Jadwal jemput bola baru')} · pratinjau"
    )
    lines = [
        head,
        "Begini warga akan membacanya:",
        "",
        html_as_markup(visit_block(info)),
        "",
        f"Diberi tahu saat disimpan: {bold(f'{format_number(total)} chat')}",
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
        f"Batalkan jadwal #{info.visit_id}?\n\n{html_as_markup(visit_block(info))}\n\n"
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
            f"Dari berkas di server: {code('python -m bot jadwal import BERKAS.csv')}"
        )
    out = [f"🚐 {bold('Jadwal jemput bola mendatang')}"]
    for line in lines:
        info = line.info
        services = ", ".join(VISIT_SERVICE_SHORT.get(s, s) for s in info.services)
        told = f"diberi tahu {format_number(line.told)} chat"
        if line.pending:
            told += f", {format_number(line.pending)} pesan menunggu"
        out.append(
            f"\n{bold(f'#{info.visit_id}')} · {format_date(info.day)} · {visit_hours(info)}\n"
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
    out = [f"📊 {bold('Hasil jemput bola')} (perubahan status dalam {days} hari sesudahnya)"]
    for line in lines:
        info = line.info
        until = "" if line.complete else f" (baru sampai {format_short_date(line.until)})"
        out.append(
            f"\n{bold(f'#{info.visit_id}')} · {format_date(info.day)}\n"
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
        f"{bold('Jemput bola bulan ini')}: {format_number(planned)} jadwal "
        f"({format_number(done)} sudah lewat{extra}); {format_number(told)} chat diberi tahu."
    )


def audit_visit_detail(queued: int, corrections: int, source: str) -> str:
    where = "" if source == "staff" else f", {source.removeprefix('import:')}"
    fixed = f", {corrections} kabar perubahan" if corrections else ""
    return f"{queued} pemberitahuan{fixed}{where}"


def audit_visit_cancel_detail(corrections: int, dropped: int) -> str:
    return f"{corrections} kabar pembatalan, {dropped} pesan tidak dikirim"
