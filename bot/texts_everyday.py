"""The residents' answers to their own words (issue 20): an answer for every intent of
data/understanding/intents.toml, "Maksud Bapak/Ibu…?", follow-ups about the card just shown,
a long message offered to the staff desk. Used by `bot/conversation/free_text.py`.

Kept apart from `texts_id` (the check, the menu, questions, notices) so that no module of
sentences grows past a screenful of screens; written in the same markup (`domain/markup.py`)
and the same voice: "Bapak/Ibu", short sentences, one next step.
"""

from __future__ import annotations

from datetime import date

from bot.domain.config import OfficeInfo
from bot.domain.markup import bold
from bot.domain.status_texts import STATUS_TEXTS
from bot.states import KtpStatus
from bot.texts_id import (
    COLLECT_STATUSES,
    DAY_GREETINGS,
    MENU_ASK,
    WaitingFigures,
    estimate_line,
    plain_title,
    queue_lines,
    said,
    waiting_lines,
)

# --- residents: an answer for every intent, "Maksud Bapak/Ibu…?", follow-ups, a long message ------

#: Each intent of data/understanding/intents.toml in plain words: the buttons of "Maksud
#: Bapak/Ibu…?" (at most 20 characters: a WhatsApp button's title).
INTENT_LABELS: dict[str, str] = {
    "sapa": "Menyapa",
    "salam": "Salam",
    "terima_kasih": "Terima kasih",
    "paham": "Sudah paham",
    "ya": "Ya",
    "tidak": "Tidak",
    "sudah_jadi": "KTP-el sudah jadi",
    "keluhan": "Menyampaikan keluhan",
    "pungli": "Lapor pungutan liar",
    "biaya": "Biaya KTP-el",
    "bantuan": "Cara memakai bot",
    "tanya_petugas": "Bertanya ke petugas",
    "di_luar_layanan": "Urusan lain",
    "privasi": "Keamanan data saya",
    "hapus_data": "Hapus data saya",
    "kabari": "Dikabari bila jadi",
    "pengumuman": "Pengumuman kantor",
    "cek": "Cek KTP-el saya",
    "arti_status": "Arti status saya",
    "kenapa_lama": "Mengapa lama",
    "harus_apa": "Yang harus saya buat",
    "kapan_datang": "Kapan harus datang",
    "antrean": "Antrean cetak",
    "berapa_lama": "Berapa lama lagi",
    "keluarga": "KTP-el keluarga",
    "apa_itu_kk": "Apa itu nomor KK",
    "lupa_kk": "Lupa nomor KK",
    "tidak_punya_kk": "Tidak punya KK",
    "apa_itu_nik": "Apa itu NIK",
    "nik_tidak_ditemukan": "NIK tidak ditemukan",
    "blanko": "Blanko habis",
    "suket": "Surat keterangan",
    "pusat": "Proses di pusat",
    "rekam": "Belum rekam",
    "rekam_ulang": "Rekam ulang",
    "jemput_bola": "Jadwal jemput bola",
    "ambil": "Mengambil KTP-el",
    "wakil": "Diambil keluarga",
    "syarat": "Yang harus dibawa",
    "hilang": "KTP-el hilang",
    "rusak": "KTP-el rusak",
    "salah_data": "Tulisan di KTP salah",
    "masa_berlaku": "Masa berlaku KTP-el",
    "ikd": "KTP digital (IKD)",
    "pindah": "Pindah alamat",
    "kk_baru": "Kartu Keluarga",
    "akta_lahir": "Akta kelahiran",
    "akta_mati": "Akta kematian",
    "kia": "Kartu anak (KIA)",
    "status_kawin": "Status perkawinan",
    "luar_daerah": "Urus di luar daerah",
    "jam": "Jam buka kantor",
    "alamat": "Alamat kantor",
    "kontak": "Nomor kantor",
}

_ASK_STAFF_LINE = f"Bisa juga tanyakan ke petugas: tekan {MENU_ASK}."
_AT_THE_OFFICE = "Datang ke kantor Disdukcapil pada jam layanan; tekan 🏢 Kantor Dukcapil."
_FREE = "Layanan ini gratis."

#: The answers to intents that need no record, no office setting and no step (one piece of
#: advice each, from data/understanding/intents.toml and the office's facts). The dialogue
#: adds 💬 Tanya petugas where the answer names it.
INTENT_ANSWERS: dict[str, str] = {
    "paham": "Baik, Bapak/Ibu. 👍\nBila ada yang ingin ditanyakan lagi, tulis saja atau tekan "
    "tombol di bawah.",
    "sudah_jadi": "Alhamdulillah, syukurlah. 🙏\nPeriksa tulisan di kartu.\nBila ada yang "
    "salah, bawa kartu itu, KK asli dan dokumen yang benar (misalnya akta kelahiran) ke kantor "
    "Disdukcapil.",
    "keluhan": "Mohon maaf atas ketidaknyamanannya, Bapak/Ibu. 🙏\nKetik NIK untuk melihat "
    "tahap KTP-el dan sebabnya.\nKeluhan juga bisa dibaca petugas: tekan "
    f"{MENU_ASK}.",
    "pungli": f"Layanan KTP-el dan dokumen kependudukan {bold('gratis')}.\nJangan membayar "
    f"siapa pun.\nLaporkan kejadiannya kepada petugas: tekan {MENU_ASK}.",
    "biaya": f"{bold('Gratis.')} Tidak ada biaya untuk KTP-el dan dokumen kependudukan.\nBila "
    f"ada yang meminta uang, laporkan kepada petugas: tekan {MENU_ASK}.",
    "di_luar_layanan": "Maaf, Bapak/Ibu, bot ini hanya untuk KTP-el dan dokumen "
    "kependudukan.\nUntuk urusan itu, tanyakan ke instansi yang mengurusnya.\nUntuk cek "
    "KTP-el, ketik NIK (16 angka).",
    "kabari": f"Cek NIK dulu (NIK dan Nomor KK), lalu tekan {bold('🔔 Beri tahu saya')} di "
    "bawah jawabannya.\nBot mengabari di chat ini bila KTP-el dicetak atau Bapak/Ibu perlu "
    "datang.",
    "arti_status": "Arti tahap KTP-el dijelaskan dengan kata sehari-hari setelah cek NIK.\n"
    "Ketik NIK Bapak/Ibu (16 angka).",
    "kenapa_lama": "Lamanya tergantung jaringan ke pusat, pemeriksaan di pusat, dan kiriman "
    "blanko dari pusat.\nKetik NIK Bapak/Ibu untuk melihat sebab di tahap Bapak/Ibu.",
    "harus_apa": "Yang perlu dilakukan tergantung tahap KTP-el.\nKetik NIK Bapak/Ibu (16 "
    "angka): bot menyebutkan satu hal yang perlu dilakukan.",
    "kapan_datang": "Bapak/Ibu perlu datang hanya bila KTP-el sudah dicetak atau kantor "
    "memintanya.\nKetik NIK Bapak/Ibu (16 angka) untuk memastikan.",
    "antrean": "Kantor mencetak menurut urutan antrean, sesuai jumlah blanko.\nKetik NIK "
    "Bapak/Ibu (16 angka) untuk melihat tahapnya.",
    "berapa_lama": "Lamanya tidak bisa dijanjikan.\nSetelah cek NIK, bot menyebutkan berapa "
    "lama tahap itu biasanya.\nKetik NIK Bapak/Ibu (16 angka).",
    "apa_itu_kk": f"{bold('KK')} adalah Kartu Keluarga.\nNomor KK ada 16 angka di bagian atas "
    "Kartu Keluarga, berbeda dengan NIK.",
    "lupa_kk": "Nomor KK tertulis di bagian atas Kartu Keluarga.\nLihat di rumah atau tanyakan "
    f"kepala keluarga, lalu ketik nomornya.\n{_ASK_STAFF_LINE}",
    "tidak_punya_kk": "Ketik nomor KK tempat nama Bapak/Ibu tercatat, misalnya KK orang tua.\n"
    "Bila tidak tercatat di KK mana pun, datang ke kantor Disdukcapil.\n" + _ASK_STAFF_LINE,
    "apa_itu_nik": f"{bold('NIK')} adalah Nomor Induk Kependudukan, 16 angka.\nTertulis di "
    "Kartu Keluarga di baris nama Bapak/Ibu, juga di KTP lama atau surat keterangan (suket).\n"
    "Untuk cek KTP-el, ketik NIK itu.",
    "nik_tidak_ditemukan": "Periksa lagi 16 angka NIK dan Nomor KK dengan Kartu Keluarga.\n"
    "Bila tetap tidak ditemukan, mungkin catatannya belum masuk ke bot ini.\n" + _ASK_STAFF_LINE,
    "suket": "Simpan surat keterangan (suket) atau bukti perekaman, dan bawa saat mengambil "
    f"KTP-el.\nUntuk meminta suket, datang ke kantor Disdukcapil.\n{_ASK_STAFF_LINE}",
    "rekam_ulang": "Pemeriksaan ulang sidik jari atau rekam ulang diatur oleh kantor.\n"
    f"{_AT_THE_OFFICE}\nBawa KK asli. {_FREE}",
    "rusak": "Bawa KTP-el yang rusak dan KK asli ke kantor Disdukcapil untuk cetak ulang.\n"
    f"Tidak perlu rekam lagi. {_FREE}",
    "salah_data": "Bawa KTP-el itu, KK asli dan dokumen yang benar (misalnya akta kelahiran) "
    f"ke kantor Disdukcapil untuk diperbaiki.\n{_FREE}",
    "masa_berlaku": f"KTP-el {bold('berlaku seumur hidup')} dan tidak perlu diperpanjang.\n"
    "Diganti hanya bila datanya berubah, rusak atau hilang.",
    "ikd": "KTP digital (IKD) diaktifkan di kantor Disdukcapil.\n"
    f"{_AT_THE_OFFICE}\n{_ASK_STAFF_LINE}",
    "pindah": "Pindah alamat diurus di kantor Disdukcapil.\nTanyakan persyaratannya kepada "
    f"petugas sebelum datang: tekan {MENU_ASK}.\n{_FREE}",
    "kk_baru": "Kartu Keluarga baru, tambah atau kurang anggota, dan cetak ulang KK diurus di "
    f"kantor Disdukcapil.\nTanyakan persyaratannya kepada petugas: tekan {MENU_ASK}.\n{_FREE}",
    "akta_lahir": "Akta kelahiran diurus di kantor Disdukcapil.\nTanyakan persyaratannya "
    f"kepada petugas sebelum datang: tekan {MENU_ASK}.\n{_FREE}",
    "akta_mati": "Kematian dilaporkan dan aktanya diurus di kantor Disdukcapil.\nTanyakan "
    f"persyaratannya kepada petugas: tekan {MENU_ASK}.\n{_FREE}",
    "kia": "Kartu Identitas Anak (KIA) diurus di kantor Disdukcapil.\nTanyakan "
    f"persyaratannya kepada petugas: tekan {MENU_ASK}.\n{_FREE}",
    "status_kawin": "Perubahan status perkawinan diurus di kantor Disdukcapil.\nTanyakan "
    f"persyaratannya kepada petugas: tekan {MENU_ASK}.\n{_FREE}",
    "luar_daerah": "Tanyakan dulu kepada petugas sebelum mengurus di daerah lain, agar "
    f"Bapak/Ibu tidak bolak-balik.\nTekan {MENU_ASK}.",
}

#: "bot resmi?", "aman kirim NIK?": the short answer; the whole of /privasi behind a button.
PRIVACY_SHORT = (
    "Bot ini milik Disdukcapil Kabupaten Musi Rawas. Bot tidak pernah meminta uang.\n"
    "NIK dan Nomor KK yang Bapak/Ibu ketik tidak disimpan apa adanya: bot mengubahnya menjadi "
    "kode.\nPenjelasan lengkap: tekan 🔒 Data pribadi."
)
BTN_PRIVACY_MORE = "🔒 Data pribadi"
#: A button under an answer: write to the staff.
BTN_ASK_STAFF = MENU_ASK
BTN_SEND_DRAFT = "✉️ Kirim ke petugas"
BTN_KEEP_DRAFT = "Tidak usah"


def maybe_meant() -> str:
    """Not sure what the resident meant: the likeliest answers follow as buttons."""
    return (
        "Maksud Bapak/Ibu yang mana? Pilih salah satu di bawah.\n"
        f"Bila tidak ada yang pas, tekan {MENU_ASK} untuk bertanya langsung ke petugas."
    )


#: Nothing at all could be read in the message.
NOT_UNDERSTOOD_WITH_PERSON = (
    "Maaf, saya belum mengerti pesan itu.\n"
    f"Ketik NIK (16 angka) untuk cek KTP-el, atau tekan {MENU_ASK} untuk bertanya ke petugas."
)
#: "tidak" after "Maksud Bapak/Ibu…?".
NONE_OF_THESE = (
    "Baik. Coba tulis dengan kata lain.\n"
    f"Atau tekan {MENU_ASK}: petugas akan membaca dan membalas di chat ini."
)


def long_message_offer(*, with_number: bool) -> str:
    """A long message (a plea, a complaint): offered to the staff desk; a NIK in it is read."""
    lines = [
        "Terima kasih, Bapak/Ibu. Pesan ini lebih baik dibaca petugas.",
        "Boleh kami kirim ke petugas? Petugas membalas di chat ini.",
        "Bila ada NIK atau Nomor KK di dalamnya, petugas melihatnya tersamar.",
    ]
    if with_number:
        lines.append("NIK dalam pesan itu juga kami baca: lihat di bawah.")
    return "\n".join(lines)


DRAFT_KEPT = (
    "Baik, pesan itu tidak dikirim.\nKetik NIK untuk cek KTP-el, atau tekan tombol di bawah."
)
DRAFT_GONE = f"Pesan itu sudah tidak tersimpan.\nTekan {MENU_ASK}, lalu tulis lagi pertanyaannya."


def still_waiting_for_kk(nik_masked: str) -> str:
    """Added under an answer while a NIK waits for its KK: the KK is still awaited."""
    return (
        f"⏳ Bot masih menunggu {bold('Nomor KK')} untuk NIK {bold(said(nik_masked))}. "
        "Ketik nomornya bila sudah ada."
    )


KK_STEP_DROPPED = "Baik, tidak jadi. Ketik NIK kapan saja untuk mulai cek lagi."


def _about(nik_masked: str, status: KtpStatus) -> str:
    return f"🪪 KTP-el {bold(nik_masked)}: {bold(plain_title(status))}"


def status_explained(status: KtpStatus) -> str:
    """ "apa itu DR" without a card of that status just shown: the status in plain words."""
    about = STATUS_TEXTS[status]
    return (
        f"Status {bold(plain_title(status))}:\n{about.meaning}\n👉 {about.what_to_do}\n"
        "Untuk melihat status KTP-el Bapak/Ibu sendiri, ketik NIK (16 angka)."
    )


def status_meaning(nik_masked: str, status: KtpStatus) -> str:
    """ "apa itu DR pak" right after a check: that status in plain words."""
    about = STATUS_TEXTS[status]
    return f"{_about(nik_masked, status)}\n{about.meaning}\n👉 {about.what_to_do}"


def status_why_slow(nik_masked: str, status: KtpStatus) -> str:
    """ "knp lama", "kok masih disiapkan": why this status can take long, who acts."""
    about = STATUS_TEXTS[status]
    return (
        f"{_about(nik_masked, status)}\n{bold('Mengapa bisa lama?')} {about.why_slow}\n"
        f"{bold('Siapa yang menangani?')} {about.who_acts}"
    )


def status_what_to_do(nik_masked: str, status: KtpStatus) -> str:
    """ "sy hrs ngapain": the one thing to do."""
    return f"{_about(nik_masked, status)}\n👉 {STATUS_TEXTS[status].what_to_do}"


def status_when_to_come(nik_masked: str, status: KtpStatus, office: OfficeInfo) -> str:
    """ "harus datang kapan": whether to come, and when the office is open."""
    about = STATUS_TEXTS[status]
    lines = [_about(nik_masked, status), f"👉 {about.what_to_do}"]
    if status in COLLECT_STATUSES:
        lines.append(f"📍 {said(office.pickup)}")
    if status in COLLECT_STATUSES or status.facts.resident_must_come:
        lines.append(f"🕗 Jam layanan: {said(office.hours)}. Bawa KK asli.")
    else:
        lines.append("Bila nanti perlu datang, bot mengabari Bapak/Ibu lewat 🔔 Beri tahu saya.")
    return "\n".join(lines)


def status_queue(nik_masked: str, status: KtpStatus, waiting: WaitingFigures) -> str:
    """ "antrean brp": the place in the print queue, or why there is none yet."""
    lines = [_about(nik_masked, status)]
    queue = queue_lines(waiting)
    if queue:
        lines += queue
    elif status in (KtpStatus.SENT_FOR_CARD_PRINTING, *COLLECT_STATUSES, KtpStatus.CARD_ISSUED):
        lines.append("KTP-el ini sudah melewati antrean cetak.")
    else:
        lines.append("KTP-el ini belum masuk antrean cetak. Antrean mulai di tahap siap cetak.")
        lines.append(f"👉 {STATUS_TEXTS[status].what_to_do}")
    return "\n".join(lines)


def status_how_long(
    nik_masked: str, status: KtpStatus, waiting: WaitingFigures, today: date
) -> str:
    """ "brp lama lagi": how long this status usually lasts, and the estimate."""
    lines = [_about(nik_masked, status)]
    figures = waiting_lines(status, waiting)
    estimate = None if status.facts.resident_must_come else estimate_line(waiting, today)
    lines += figures
    if estimate:
        lines.append(estimate)
    if status.facts.resident_must_come:
        lines.append("⏳ Prosesnya baru berlanjut setelah Bapak/Ibu datang ke kantor.")
    if not figures and not estimate:
        lines.append(f"👉 {STATUS_TEXTS[status].what_to_do}")
    return "\n".join(lines)


def hello_back(first_name: str, part_of_day: str | None) -> str:
    """A greeting before a question, greeted back in one line above the answer."""
    return f"{DAY_GREETINGS.get(part_of_day or '', 'Halo')}, {said(first_name)}. 👋"


def salam_back(first_name: str) -> str:
    return f"Wa'alaikumsalam, {said(first_name)}. 🙏"


def follow_this_card(nik_masked: str) -> str:
    """ "kabari sy kl sdh jadi" right after a check: the bell for that card."""
    return (
        f"Tekan {bold('🔔 Beri tahu saya')} di bawah: bot mengabari di chat ini bila KTP-el "
        f"{bold(nik_masked)} dicetak atau Bapak/Ibu perlu datang."
    )
