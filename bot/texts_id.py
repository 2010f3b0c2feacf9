"""Every sentence a person reads, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, one per feature (each owned by one part of the code): formatting, statuses and NIK
reasons, general (start/help), residents, staff, import, notifications and broadcasts.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.office import OfficeInfo
from bot.states import KtpStatus

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

# --- general: start, help, errors -------------------------------------------------------------

# --- residents --------------------------------------------------------------------------------

# --- staff and admins -------------------------------------------------------------------------

# --- import -----------------------------------------------------------------------------------

# --- notifications and broadcasts -------------------------------------------------------------

_BRING_KK = "Kartu Keluarga (KK) asli"
_BRING_PROOF = "surat keterangan perekaman (Suket) atau KTP lama, bila ada"


def _notice_who(label: str | None, nik_masked: str) -> str:
    if label:
        return f"<b>{html.escape(label)}</b> · NIK {nik_masked}"
    return f"NIK {nik_masked}"


def _bring_list(items: list[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def _office_block(office: OfficeInfo, *, place: str | None = None) -> str:
    where = html.escape(place or office.address)
    lines = [f"📍 <b>Tempat:</b> {where}"]
    if place and place != office.address:
        lines.append(f"    ({html.escape(office.address)})")
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
        [_BRING_KK, "akta kelahiran atau ijazah, bila ada", _BRING_PROOF],
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
            "🎉 <b>KTP-el Anda sudah dicetak!</b>\n"
            f"{who}\n\n"
            f"Kartu sudah jadi sejak {format_date(entered_on)} dan bisa diambil.\n\n"
            f"{_office_block(office, place=office.pickup)}\n\n"
            "<b>Yang perlu dibawa:</b>\n"
            f"{_bring_list([_BRING_KK, _BRING_PROOF])}\n\n"
            "Ambil sendiri, jangan diwakilkan: saat penyerahan sidik jari Anda dicocokkan "
            "untuk mengaktifkan kartu.\n\n"
            f"{_NOTICE_FOOTER}"
        )
    if status == KtpStatus.CARD_SHIPPED:
        return (
            "📦 <b>KTP-el Anda dikirim ke tempat pengambilan</b>\n"
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
