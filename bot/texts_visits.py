"""Jemput bola in words: the office's visits to the villages as residents read them (the
schedule, a kecamatan's visits, following one, a visit's notice, change and cancellation).
Split off `texts_id` (its helpers for dates, numbers and quoting are used from there); staff's
words for the schedule are in `texts_desk`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates

from bot.domain.markup import bold
from bot.texts_common import LOCALE, and_list, zone_short
from bot.texts_id import (
    MENU_SCHEDULE,
    VISIT_LINE_LIMIT,
    escape,
    format_date,
    format_number,
    html_bold,
    said,
)

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


def clock_time(hhmm: str) -> str:
    return hhmm.replace(":", ".")


def _zone_name(tz: str) -> str:
    return zone_short(datetime.now(ZoneInfo(tz)))


def visit_hours(info: VisitInfo) -> str:
    """ "08.00–12.00 WIB"."""
    return f"{clock_time(info.start)}–{clock_time(info.end)} {_zone_name(info.tz)}"


def visit_services_text(services: Sequence[str]) -> str:
    return and_list([VISIT_SERVICE_NAMES.get(s, s) for s in services])


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
    return _visit_lines(info, html_bold, escape)


def visit_said(info: VisitInfo) -> str:
    """A visit as the residents' /jadwal shows it (marked)."""
    return _visit_lines(info, bold, said)


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
    name = escape(info.district_name)
    if reminder:
        title = f"⏰ <b>Pengingat: jemput bola di Kecamatan {name}</b>"
        lead = "Petugas Disdukcapil datang sesuai jadwal ini."
    else:
        title = f"🚐 <b>Jemput bola di Kecamatan {name}</b>"
        lead = "Petugas Disdukcapil akan datang ke dekat Bapak/Ibu."
    if nik_masked:
        who = f"<b>{escape(label)}</b> (NIK {nik_masked})" if label else f"NIK {nik_masked}"
        if to_collect:
            why = (
                f"KTP-el {who} sudah jadi.\n"
                "Kartunya bisa diambil di jemput bola ini. Pemilik kartu datang sendiri."
            )
        else:
            why = f"KTP-el {who} belum direkam.\nDatang ke sini supaya direkam tanpa ke kantor."
        why += "\nBerhenti menerima kabar untuk NIK ini: ketik berhenti."
    else:
        why = (
            f"Bapak/Ibu meminta kabar jadwal di Kecamatan {name}.\n"
            "Berhenti: ketik jadwal jemput bola, lalu pilih kecamatannya."
        )
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
        f"Jemput bola pada {format_date(info.day)} di {escape(info.place)}, Kecamatan "
        f"{escape(info.district_name)} <b>tidak jadi</b>.\n"
        "Mohon maaf.\n"
        "Lihat jadwal lain: tekan 🚐 Jemput bola."
    )


def visit_check_line(info: VisitInfo) -> str:
    """One line under a check's answer: the next visit in the resident's kecamatan, within
    VISIT_LINE_LIMIT (the place is shortened when needed; /jadwal shows it whole)."""
    day = babel_dates.format_date(info.day, "EEEE, d MMM", locale=LOCALE)
    head = f"🚐 Jemput bola {day}, {clock_time(info.start)} {_zone_name(info.tz)} di "
    tail = " · 🚐 Jemput bola"
    room = VISIT_LINE_LIMIT - len((head + tail).encode("utf-16-le")) // 2
    return f"{head}{said(info.place, max(room, 8))}{tail}"


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
        names = ", ".join(said(n) for n in shown)
        parts.append(f"Belum ada jadwal di Kecamatan {names}.")
    if followed:
        names = ", ".join(said(n) for n in followed)
        parts.append(
            f"🔔 Bapak/Ibu diberi tahu bila ada jadwal di Kecamatan {names}.\n"
            "Berhenti: ketik jadwal jemput bola, lalu pilih kecamatannya."
        )
    parts.append(SCHEDULE_PICK_DISTRICT)
    return "\n\n".join(parts)


def schedule_district_button(name: str, count: int) -> str:
    return f"{name} ({count})" if count else name


def schedule_district(name: str, visits: Sequence[VisitInfo], following: bool) -> str:
    """The visits in one kecamatan, for a resident."""
    title = f"🚐 {bold(f'Jemput bola di Kecamatan {said(name)}')}"
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
        return f"Bapak/Ibu sudah terdaftar untuk kabar jadwal di Kecamatan {said(name)}."
    return (
        f"🔔 Baik. Bapak/Ibu akan diberi tahu bila ada jadwal jemput bola di Kecamatan "
        f"{said(name)}, dan diingatkan sehari sebelumnya.\n"
        "Berhenti kapan saja: ketik jadwal jemput bola, lalu pilih kecamatannya."
    )


def schedule_unfollowed(name: str | None, count: int) -> str:
    if count == 0:
        return "Bapak/Ibu belum meminta kabar jadwal jemput bola."
    if name is None:
        return "Baik. Bapak/Ibu tidak lagi diberi tahu jadwal jemput bola di kecamatan mana pun."
    return f"Baik. Bapak/Ibu tidak lagi diberi tahu jadwal jemput bola di Kecamatan {said(name)}."


SCHEDULE_WHICH_DISTRICT = "Kecamatan mana yang jadwalnya ingin Bapak/Ibu terima? Pilih di bawah."


def schedule_unknown_district(given: str) -> str:
    return (
        f"Kecamatan “{said(given)}” tidak ada di Kabupaten Musi Rawas.\n"
        "Pilih kecamatannya di bawah."
    )
