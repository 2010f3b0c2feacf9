"""Personal names out of free text: what staff type in a note keeps initials, not names.

A note typed in `/ubah`, an import's `keterangan` or a jemput bola note may name a person
("diambil oleh Siti Aminah", "anak dari binti Ahmad", "a.n. BUDI SANTOSO"). DESIGN.md §6 keeps
no full name at rest, so before such a note is stored every name-like run of words becomes
initials ("S••• A•••"), the way the record's own name is shown:

- after a word that introduces a person (bin, binti, a.n./atas nama, bapak, ibu, sdr, oleh,
  ...), the next one to four capitalised words (also ALL CAPS);
- anywhere, two or more capitalised words in a row ("Siti Aminah") unless every one of them is
  a word of the office's own vocabulary (places of Musi Rawas, months, days, documents, the
  statuses: "Musi Rawas", "Kartu Keluarga", "Print Ready Record" stay);
- a single capitalised word alone is left (the first word of a sentence, a place).

Public texts (the FAQ, the office's address and hours) are not notes and are not touched. The
patterns are linear: one pass over the words.
"""

from __future__ import annotations

import re

MASK = "•••"

#: Words after which the next capitalised words are a person's name.
_MARKERS = frozenset(
    """bin binti an a.n a.n. atas_nama nama bapak bpk pak ibu bu sdr sdri saudara saudari
    oleh tn ny nn alm almh almarhum almarhumah kakak adik suami istri anak ayah
    """.replace("atas_nama", "atas").split()
)
#: Capitalised words that are not names: the office's places, documents, months and days.
_VOCABULARY_TEXT = """
Musi Rawas Utara Kabupaten Kecamatan Kelurahan Desa Dusun Kota Provinsi Sumatera Selatan
Lubuklinggau Palembang Jakarta Indonesia Republik Tugumulyo Muara Lakitan Kelingi Jayaloka
Beliti STL Ulu Terawas Selangit Megang Sakti Purwodadi BTS Tiang Pumpung Kepungut Sumber
Harta Tuah Negeri Suka Karya Disdukcapil Dukcapil Dinas Kependudukan Pencatatan Sipil
Kantor Balai Camat Kades Lurah Puskesmas Sekolah SMA SMK SMP Masjid Jalan Jl Gang RT RW
KTP KTP-el e-KTP KK NIK KIA IKD Kartu Keluarga Tanda Penduduk Identitas Anak Akta
Kelahiran Kematian Surat Keterangan Suket Blanko Pusat Data Center Direktorat Jenderal
Dirjen Januari Februari Maret April Mei Juni Juli Agustus September Oktober November
Desember Senin Selasa Rabu Kamis Jumat Jum'at Sabtu Minggu Ahad WIB Pagi Siang Sore Malam
Print Ready Record Sent For Card Printing Printed Shipped Issued Enrollment Enroll Failure
At Central Regional Search Packet Retry Dedup Duplicate Adjudicate Request Validation
Received Processing Bio Captured Unregistered PRR SFE DR DUP Rekam Cetak Siap Sudah Belum
Tahap Status Perekaman Pengambilan Ambil Datang Diambil Dicetak Sidik Jari Foto Ulang
Mohon Harap Tolong Sudah Belum Telah Akan Sedang Dalam Proses Menunggu Warga Petugas
Jemput Bola Layanan Keliling Bapak Ibu Pak Bu Hari Tanggal Bulan Tahun Jam Pukul Nomor No
Catatan Data Sistem Server Jaringan Mesin Printer Ribbon Film Stok Kosong Habis Baru Lama
Rusak Hilang Salah Benar Ganti Perubahan Alamat Domisili Pindah Kembali Libur Nasional
"""
_VOCABULARY = frozenset(_VOCABULARY_TEXT.casefold().split())
#: A word: letters, with an apostrophe, a dot or a hyphen inside ("a.n", "Jum'at", "e-KTP").
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_]))*")


def _capitalised(word: str) -> bool:
    return word[0].isupper()


def _initial(word: str) -> str:
    return word[0].upper() + MASK


def reduce_names(text: str) -> str:
    """`text` with every name-like run of words reduced to initials (see the module)."""
    if not text:
        return text
    found = list(_WORD.finditer(text))
    masked: set[int] = set()  # indexes into `found`
    i = 0
    while i < len(found):
        word = found[i].group()
        bare = word.casefold().rstrip(".")
        if bare in _MARKERS or word.casefold() in _MARKERS:
            if bare in ("bin", "binti"):  # "Rahmat binti Ahmad": the name before it too
                k = i - 1
                while k >= 0 and k >= i - 3 and _capitalised(found[k].group()):
                    if not _adjacent(text, found, k):
                        break
                    if found[k].group().casefold() not in _VOCABULARY:
                        masked.add(k)
                    k -= 1
            j = i + 1
            while j < len(found) and j <= i + 4 and _capitalised(found[j].group()):
                if found[j].group().casefold() not in _VOCABULARY or bare in ("bin", "binti"):
                    masked.add(j)
                j += 1
            i = max(i + 1, j)
            continue
        if _capitalised(word):
            j = i
            while j < len(found) and _capitalised(found[j].group()) and _adjacent(text, found, j):
                j += 1
            run = (
                range(i, j + 1)
                if j < len(found) and _capitalised(found[j].group())
                else range(i, j)
            )
            words = [found[k].group() for k in run]
            if (
                len(words) >= 2
                and not all(w.casefold() in _VOCABULARY for w in words)
                and not all(w.isupper() for w in words)  # ALL CAPS runs only after a marker
            ):
                masked.update(k for k in run if words[k - i].casefold() not in _VOCABULARY)
            i = max(i + 1, run.stop)
            continue
        i += 1
    if not masked:
        return text
    out: list[str] = []
    last = 0
    for k in sorted(masked):
        match = found[k]
        if text.startswith(MASK[0], match.end()):  # already initials ("S•••")
            continue
        out.append(text[last : match.start()])
        out.append(_initial(match.group()))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


def _adjacent(text: str, found: list[re.Match[str]], j: int) -> bool:
    """True when word j is followed by word j+1 with only spaces between (a run goes on)."""
    if j + 1 >= len(found):
        return False
    between = text[found[j].end() : found[j + 1].start()]
    return between.strip() == ""
