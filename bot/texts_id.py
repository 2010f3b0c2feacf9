"""Every sentence a person reads, in plain Indonesian, with dates and numbers formatted by Babel.

Sections, one per feature (each owned by one part of the code): formatting, statuses and NIK
reasons, general (start/help), residents, staff, import, notifications and broadcasts.
"""

from __future__ import annotations

import calendar
import html
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers

from bot.nik import InvalidNumberError, Problem
from bot.office import OfficeInfo
from bot.states import ALL_STATUSES, STAGE_ORDER, Actor, KtpStatus, Stage, UnknownStatusError

if TYPE_CHECKING:
    from bot.importer import ImportSummary, RowError

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


# Things residents bring to the office, named the same way everywhere.
_BRING_KK = "Kartu Keluarga (KK) asli"
_BRING_PROOF = "KTP lama, surat keterangan (suket) atau bukti perekaman yang Anda punya"
_WAIT = "Tidak perlu datang, tunggu kabar."

STATUS_TEXTS: dict[KtpStatus, StatusText] = {
    KtpStatus.UNREGISTERED: StatusText(
        title="Belum direkam",
        meaning=(
            "Data KTP-el Anda belum direkam. Artinya foto, sidik jari, mata dan tanda tangan"
            " Anda belum diambil oleh petugas."
        ),
        why_slow=(
            "KTP-el baru bisa dibuat setelah Anda direkam. Selama belum direkam,"
            " prosesnya belum mulai sama sekali."
        ),
        who_acts="Anda sendiri. Prosesnya mulai setelah Anda datang untuk direkam.",
        what_to_do=(
            "Datang ke kantor Disdukcapil Musi Rawas, atau ikut perekaman keliling di desa"
            f" atau kecamatan Anda. Bawa {_BRING_KK}. KTP-el dibuat untuk warga yang sudah"
            " berumur 17 tahun atau sudah pernah menikah. Layanan ini gratis."
        ),
    ),
    KtpStatus.BIO_CAPTURED: StatusText(
        title="Sudah direkam",
        meaning=(
            "Foto, sidik jari, mata dan tanda tangan Anda sudah diambil. Data ini masih ada"
            " di komputer Disdukcapil Musi Rawas dan belum dikirim ke pusat."
        ),
        why_slow=(
            "Langkah ini biasanya cepat, hanya beberapa hari. Data Anda menunggu giliran"
            " untuk disiapkan dan dikirim."
        ),
        who_acts="Petugas Disdukcapil Musi Rawas, yang akan menyiapkan pengiriman.",
        what_to_do=(
            f"{_WAIT} Simpan baik-baik surat keterangan atau bukti perekaman yang Anda terima."
        ),
    ),
    KtpStatus.PROCESSING: StatusText(
        title="Disiapkan untuk dikirim",
        meaning=(
            "Data rekaman Anda sedang dikemas supaya bisa dikirim ke pusat data"
            " Kementerian Dalam Negeri di Jakarta."
        ),
        why_slow=(
            "Biasanya cepat. Kalau agak lama, itu karena banyak data lain yang disiapkan"
            " pada waktu yang sama."
        ),
        who_acts="Petugas dan komputer Disdukcapil Musi Rawas.",
        what_to_do=f"{_WAIT} Pada langkah ini Anda tidak perlu melakukan apa-apa.",
    ),
    KtpStatus.SENT_FOR_ENROLLMENT: StatusText(
        title="Dikirim ke pusat",
        meaning=(
            "Data Anda sudah dikirim dari Musi Rawas. Sekarang data itu antre untuk masuk"
            " ke pusat data di Jakarta."
        ),
        why_slow=(
            "Lamanya tidak bisa dipastikan: bisa 3 hari, seminggu, tiga minggu, atau lebih."
            " Ini tergantung jaringan internet ke pusat dan banyaknya data dari seluruh"
            " Indonesia yang masuk bersamaan."
        ),
        who_acts=(
            "Pusat data di Jakarta. Disdukcapil Musi Rawas hanya bisa memantau kapan data"
            " Anda masuk."
        ),
        what_to_do=f"{_WAIT} Datang ke kantor tidak membuat data Anda lebih cepat masuk.",
    ),
    KtpStatus.RECEIVED_AT_CENTRAL: StatusText(
        title="Sudah diterima di pusat",
        meaning=(
            "Data Anda sudah sampai di pusat data di Jakarta. Sebentar lagi data itu diperiksa."
        ),
        why_slow=(
            "Di pusat, data Anda diperiksa bersama data dari seluruh Indonesia."
            " Antrean pemeriksaannya panjang."
        ),
        who_acts="Pusat data Kementerian Dalam Negeri di Jakarta.",
        what_to_do=f"{_WAIT} Kami beri tahu jika ada yang perlu Anda lakukan.",
    ),
    KtpStatus.ENROLL_FAILURE_AT_CENTRAL: StatusText(
        title="Rekaman kurang jelas di pusat",
        meaning=(
            "Pusat sudah memeriksa sidik jari dan mata Anda, tetapi hasil rekamannya tidak"
            " lengkap atau tidak bisa dibaca."
        ),
        why_slow=(
            "Pusat harus memeriksa lagi atau meminta data dikirim ulang. Itu menambah waktu."
        ),
        who_acts="Pusat data di Jakarta.",
        what_to_do=(
            f"Untuk sekarang tidak perlu datang. Jika ternyata Anda harus direkam ulang,"
            f" petugas akan memberi tahu. Siapkan {_BRING_KK}, serta {_BRING_PROOF}."
        ),
    ),
    KtpStatus.SEARCH_FAILURE_AT_CENTRAL: StatusText(
        title="Pencarian data di pusat gagal",
        meaning=(
            "Komputer pusat gagal mencari dan mencocokkan data Anda. Ini gangguan di"
            " sistem pusat, bukan kesalahan Anda."
        ),
        why_slow=(
            "Pencarian harus diulang. Kapan diulang diatur oleh pusat, jadi waktunya tidak pasti."
        ),
        who_acts="Pusat data di Jakarta. Petugas di Musi Rawas ikut memantau.",
        what_to_do=f"{_WAIT} Data rekaman Anda tetap tersimpan dan tidak hilang.",
    ),
    KtpStatus.ENROLL_FAILURE_AT_REGIONAL: StatusText(
        title="Gagal dikirim dari Musi Rawas",
        meaning=(
            "Data Anda gagal dikirim dari Musi Rawas ke pusat. Biasanya karena ada yang salah"
            " di data perekaman, misalnya kode wilayah, atau rekaman sidik jari dan mata"
            " kurang lengkap."
        ),
        why_slow="Petugas harus membetulkan data itu dulu, baru bisa mengirimnya lagi.",
        who_acts="Petugas Disdukcapil Musi Rawas, yang membetulkan dan mengirim ulang data.",
        what_to_do=(
            f"{_WAIT} Jika Anda harus direkam ulang, petugas akan menghubungi Anda."
            f" Untuk itu siapkan {_BRING_KK}, serta {_BRING_PROOF}."
        ),
    ),
    KtpStatus.PACKET_RETRY: StatusText(
        title="Dikirim ulang ke pusat",
        meaning="Kiriman data Anda ke pusat belum berhasil, jadi data dikirim sekali lagi.",
        why_slow=(
            "Data Anda ikut antre lagi untuk masuk ke pusat. Lamanya tergantung jaringan"
            " internet dan ramainya kiriman dari daerah lain."
        ),
        who_acts="Pusat data di Jakarta, yang menerima kiriman ulang ini.",
        what_to_do=f"{_WAIT} Pengiriman ulang berjalan sendiri, tanpa perlu Anda urus.",
    ),
    KtpStatus.SENT_FOR_DEDUP: StatusText(
        title="Diperiksa supaya tidak ganda",
        meaning=(
            "Pusat sedang mencocokkan sidik jari dan mata Anda dengan data semua penduduk"
            " Indonesia. Tujuannya memastikan satu orang hanya punya satu data dan satu NIK."
        ),
        why_slow=(
            "Data pembandingnya sangat banyak, dari seluruh Indonesia. Karena itu pemeriksaan"
            " ini bisa lama."
        ),
        who_acts="Pusat data di Jakarta, yang melakukan pencocokan.",
        what_to_do=f"{_WAIT} Jika hasilnya baik, data Anda akan siap dicetak.",
    ),
    KtpStatus.DUPLICATE_RECORD: StatusText(
        title="Data ganda (DR)",
        meaning=(
            "Pusat menemukan sidik jari atau mata Anda juga tercatat dengan NIK lain. Jadi"
            " satu orang tercatat lebih dari satu kali. Petugas menyebutnya DR, artinya"
            " data ganda."
        ),
        why_slow=(
            "Kartu tidak bisa dicetak sampai data ganda ini dibereskan. Data yang salah harus"
            " dihapus di pusat, dan itu perlu diurus dulu oleh Disdukcapil bersama Anda."
        ),
        who_acts="Anda dan petugas Disdukcapil Musi Rawas, bersama-sama.",
        what_to_do=(
            f"Datang ke kantor Disdukcapil Musi Rawas. Bawa {_BRING_KK}, serta {_BRING_PROOF}."
            " Beri tahu petugas jika Anda pernah punya NIK lain atau pernah direkam di"
            " daerah lain. Petugas akan memeriksa sidik jari Anda lagi atau merekam ulang."
        ),
    ),
    KtpStatus.ADJUDICATE_RECORD: StatusText(
        title="Sidik jari mirip data lain",
        meaning=(
            "Sidik jari Anda mirip dengan sidik jari di data lain. Sekarang sedang diputuskan"
            " apakah itu orang yang sama atau orang yang berbeda."
        ),
        why_slow=(
            "Keputusan ini harus diperiksa dengan teliti. Sampai ada keputusan, kartu belum"
            " bisa dicetak."
        ),
        who_acts="Anda dan petugas Disdukcapil Musi Rawas, dengan keputusan dari pusat.",
        what_to_do=(
            f"Datang ke kantor Disdukcapil Musi Rawas untuk cek sidik jari ulang. Bawa"
            f" {_BRING_KK}, serta {_BRING_PROOF}. Usahakan jari Anda bersih dan tidak luka"
            " saat datang."
        ),
    ),
    KtpStatus.REQUEST_VALIDATION: StatusText(
        title="Data perlu dicocokkan",
        meaning=(
            "Pusat menemukan data Anda tidak cocok satu sama lain. Contohnya, menurut NIK"
            " Anda laki-laki, tetapi fotonya perempuan. Pusat meminta Disdukcapil Musi Rawas"
            " memastikan mana yang benar."
        ),
        why_slow="Kartu baru bisa dicetak setelah data dibetulkan dan diperiksa lagi.",
        who_acts="Petugas Disdukcapil Musi Rawas, dengan bantuan Anda.",
        what_to_do=(
            f"Datang ke kantor Disdukcapil Musi Rawas. Bawa {_BRING_KK}, akta kelahiran"
            f" jika ada, serta {_BRING_PROOF}. Petugas akan mencocokkan data Anda dan,"
            " jika perlu, merekam ulang."
        ),
    ),
    KtpStatus.PRINT_READY_RECORD: StatusText(
        title="Siap cetak (PRR)",
        meaning=(
            "Data Anda sudah lolos semua pemeriksaan di pusat: sudah pasti hanya ada satu"
            " data atas nama Anda. Sekarang data menunggu giliran dicetak di Musi Rawas."
            " Petugas menyebutnya PRR, artinya siap cetak."
        ),
        why_slow=(
            "Mencetaknya sendiri cepat. Yang lama adalah menunggu blanko, yaitu kartu kosong"
            " untuk KTP-el. Blanko dikirim oleh pemerintah pusat, hanya beberapa ribu sekali"
            " kirim, padahal yang antre bisa lebih dari sepuluh ribu orang. Pita tinta, lapisan"
            " kartu dan mesin cetak juga kadang kurang."
        ),
        who_acts="Disdukcapil Musi Rawas, yang mencetak kartu menurut urutan antrean.",
        what_to_do=f"{_WAIT} Datang lebih awal tidak membuat antrean Anda lebih cepat.",
    ),
    KtpStatus.SENT_FOR_CARD_PRINTING: StatusText(
        title="Sedang dicetak",
        meaning="KTP-el Anda sedang dicetak di kantor Disdukcapil Musi Rawas.",
        why_slow=(
            "Biasanya hanya sebentar. Bisa tertunda jika mesin cetak rusak atau pita tinta dan"
            " lapisan kartu habis."
        ),
        who_acts="Petugas cetak Disdukcapil Musi Rawas.",
        what_to_do=f"{_WAIT} Kartu belum bisa diambil sebelum selesai dicetak.",
    ),
    KtpStatus.CARD_PRINTED: StatusText(
        title="Sudah dicetak, silakan ambil",
        meaning="KTP-el Anda sudah jadi dan bisa diambil.",
        why_slow="Tidak ada lagi yang ditunggu dari kantor. Kartu tinggal Anda ambil.",
        who_acts="Anda. Kartunya sudah menunggu untuk diambil.",
        what_to_do=(
            "Ambil KTP-el di kantor Disdukcapil Musi Rawas pada jam kerja. Bawa"
            f" {_BRING_KK}, serta {_BRING_PROOF}. Sebaiknya ambil sendiri, karena kartu"
            " diaktifkan dengan sidik jari Anda."
        ),
    ),
    KtpStatus.CARD_SHIPPED: StatusText(
        title="Dikirim ke tempat pengambilan",
        meaning=(
            "KTP-el Anda sudah jadi dan sudah dikirim ke tempat pengambilan, misalnya kantor"
            " kecamatan."
        ),
        why_slow="Kartu perlu beberapa hari untuk sampai dan diterima petugas di sana.",
        who_acts="Petugas Disdukcapil Musi Rawas, yang mengantar kartu.",
        what_to_do=(
            "Tunggu beberapa hari, lalu ambil di tempat pengambilan. Tanyakan tempatnya di"
            f" kantor kecamatan atau desa. Bawa {_BRING_KK}, serta {_BRING_PROOF}."
        ),
    ),
    KtpStatus.CARD_ISSUED: StatusText(
        title="Sudah diterima",
        meaning=(
            "KTP-el sudah diserahkan kepada Anda dan sudah diaktifkan dengan sidik jari Anda."
            " Semua langkah selesai."
        ),
        why_slow="Tidak ada: KTP-el sudah di tangan Anda.",
        who_acts="Tidak ada lagi. Semua sudah selesai.",
        what_to_do=(
            "Tidak ada yang perlu dilakukan. Simpan KTP-el baik-baik. Jika hilang atau rusak,"
            f" datang ke Disdukcapil. Bawa {_BRING_KK}, dan kartu yang rusak atau surat"
            " kehilangan dari polisi."
        ),
    ),
}

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

#: Telegram menus (setMyCommands), per audience: (command, description shown in the menu).
RESIDENT_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Mulai: sambutan dan cara memakai bot"),
    ("cek", "Cek status KTP-el dengan NIK dan nomor KK"),
    ("langganan", "Dapat kabar otomatis saat status berubah"),
    ("berhenti", "Berhenti menerima kabar status"),
    ("hapusdata", "Hapus semua data Anda di bot ini"),
    ("privasi", "Cara bot menjaga data pribadi Anda"),
    ("bantuan", "Petunjuk singkat dan kontak kantor"),
)
STAFF_COMMANDS: tuple[tuple[str, str], ...] = (
    ("status", "Lihat data dan riwayat: /status NIK"),
    ("ubah", "Ubah status: /ubah NIK STATUS [catatan]"),
    ("impor", "Impor CSV status dari sistem pusat"),
    ("statistik", "Antrean, tunggakan dan angka terkini"),
    ("siaran", "Kirim pengumuman ke warga"),
    ("blanko", "Catat stok blanko: /blanko JUMLAH"),
    ("cek", "Cek status KTP-el seperti warga"),
    ("bantuan", "Petunjuk perintah petugas"),
)
ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    *STAFF_COMMANDS[:-1],
    ("petugas", "Kelola petugas dan admin"),
    STAFF_COMMANDS[-1],
)


def _command_lines(commands: tuple[tuple[str, str], ...]) -> str:
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


def welcome_group(bot_username: str) -> str:
    """/start in a group: the bot never shows statuses there."""
    return (
        "Halo! Saya <b>Cek KTP-el</b>, bot Disdukcapil Kabupaten Musi Rawas untuk mengecek "
        "status KTP-el.\n\n"
        "Demi menjaga data pribadi, status KTP-el hanya bisa dicek lewat chat pribadi. "
        f"Silakan buka @{html.escape(bot_username)} lalu tekan <b>Mulai</b>. Jangan kirim NIK atau "
        "nomor KK di grup."
    )


def help_private(office: str, role: str | None) -> str:
    """/bantuan (and the answer to anything the bot did not understand) in a private chat."""
    text = (
        "<b>Cara memakai Cek KTP-el</b>\n"
        "Ketik NIK Anda (16 angka) kapan saja, atau NIK dan nomor KK sekaligus, "
        "misalnya: <code>1605xxxxxxxxxxxx 1605xxxxxxxxxxxx</code>.\n\n"
        f"<b>Perintah</b>\n{_command_lines(RESIDENT_COMMANDS)}"
    )
    if role is not None:
        staff = ADMIN_COMMANDS if role == "admin" else STAFF_COMMANDS
        own = tuple(c for c in staff if c[0] not in ("cek", "bantuan"))
        text += f"\n\n<b>Perintah petugas</b>\n{_command_lines(own)}"
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
    "Maaf, saya hanya bisa membaca pesan teks. Ketik NIK Anda (16 angka) atau pilih perintah "
    "di bawah ini:"
)

ERROR_KIND = (
    "Maaf, terjadi gangguan di sistem kami sehingga pesan Anda belum bisa diproses. "
    "Data Anda tetap aman. Silakan coba lagi beberapa menit lagi; bila masih gagal, "
    "hubungi kantor Disdukcapil."
)


# --- residents --------------------------------------------------------------------------------

# --- staff and admins -------------------------------------------------------------------------

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


def import_summary(summary: ImportSummary) -> str:
    """What an import did, for the staff member who ran it (CLI and Telegram alike)."""
    n = format_number
    if summary.rows_read == 0:
        lines = [
            "<b>Impor selesai</b>, tetapi berkas hanya berisi judul kolom: tidak ada baris data,"
            " jadi tidak ada yang berubah."
        ]
    else:
        lines = [
            "<b>Impor selesai.</b>",
            f"Baris dibaca: {n(summary.rows_read)}",
            f"• Baru: {n(summary.new)} (NIK yang belum ada di bot)",
            f"• Berubah: {n(summary.changed)} (riwayat status bertambah)",
            f"• Tetap: {n(summary.unchanged)} (sudah sama dengan data bot)",
            f"• Ditolak: {n(summary.rejected)}",
        ]
    if summary.notifications:
        lines.append(
            f"Kabar untuk warga yang berlangganan: {n(summary.notifications)} pesan dijadwalkan."
        )
    if summary.ignored_columns:
        names = ", ".join(_shown(c) for c in summary.ignored_columns)
        lines.append(f"Kolom yang tidak dikenal dan diabaikan: {names}.")
    if summary.rejected:
        lines.append(
            "Baris yang ditolak tidak mengubah apa pun. Perbaiki lalu impor lagi berkas yang"
            " sama: baris yang sudah masuk tidak akan tercatat dua kali."
        )
    elif summary.rows_read and summary.unchanged == summary.rows_read:
        lines.append("Semua baris sudah sama dengan data bot; tidak ada yang berubah.")
    return "\n".join(lines)


def import_row_errors(errors: list[RowError], rejected: int, limit: int = 10) -> str:
    """The first rejected rows with their line number and reason ("" when none)."""
    if not errors:
        return ""
    shown = errors[:limit]
    if rejected > len(shown):
        head = f"Baris yang ditolak ({len(shown)} pertama dari {format_number(rejected)}):"
    else:
        head = "Baris yang ditolak:"
    return "\n".join([head, *(f"• Baris {format_number(e.line)}: {e.reason}" for e in shown)])


def import_cli_no_file(path: str) -> str:
    return f"Berkas tidak ditemukan: {path}"


def import_cli_unusable(reason: str) -> str:
    return f"Berkas tidak bisa diimpor. {reason}"


def import_cli_config_error(problem: str) -> str:
    return f"Konfigurasi salah: {problem}"


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
