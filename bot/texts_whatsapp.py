"""The few words the WhatsApp adapter adds around the conversation's messages (Indonesian).

WhatsApp draws a list behind a button with a label, pages a long menu, and needs a body for
every interactive message; these are those words, each within WhatsApp's limits (the list
button ≤ 20 characters, a row title ≤ 24, a section title ≤ 24).
"""

from __future__ import annotations

#: The label of the button that opens a list (≤ 20 characters).
LIST_BUTTON = "Lihat pilihan"
#: The body of an interactive message whose text came before it, or that had none.
CHOOSE = "Silakan pilih:"
#: The row that shows the next page of a long menu (≤ 24 characters).
NEXT_PAGE = "Berikutnya ›"
NEXT_PAGE_DESCRIPTION = "Pilihan lainnya"
#: A menu's choices were split over several lists, or paged.
SECTION = "Pilihan"


def section_part(number: int, total: int) -> str:
    """The section title of one of several lists or pages (≤ 24 characters)."""
    return f"{SECTION} {number}/{total}"


def templates_file_invalid(path: str, line: int | None, reason: str) -> str:
    """One line for the operator: data/whatsapp_templates.toml cannot be used."""
    where = f"{path} baris {line}" if line is not None else path
    return f"Berkas template WhatsApp tidak bisa dipakai: {where}: {reason}"


def template_not_toml(column: int | None) -> str:
    where = f" (kolom {column})" if column is not None else ""
    return f"penulisan TOML salah{where}: periksa tanda kutip, kurung siku dan tanda ="


TEMPLATE_NOT_A_TABLE = "setiap jenis pemberitahuan harus berupa tabel [nama_jenis]"
TEMPLATE_UNKNOWN_KIND = "jenis pemberitahuan tidak dikenal: {kind} (yang dikenal: {known})"
TEMPLATE_MISSING_FIELD = "[{kind}] tidak punya {field}"
TEMPLATE_BAD_NAME = (
    "[{kind}] name harus huruf kecil, angka dan garis bawah (aturan Meta), bukan {name!r}"
)
TEMPLATE_BAD_LANGUAGE = '[{kind}] language harus kode bahasa seperti "id", bukan {language!r}'
TEMPLATE_BAD_PARAMETERS = '[{kind}] parameters harus daftar nama, misalnya ["nik", "tanggal"]'
TEMPLATE_UNKNOWN_FIELD = "[{kind}] punya isian yang tidak dikenal: {field}"
