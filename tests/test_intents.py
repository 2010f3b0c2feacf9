"""The phrase table: how residents really write, and what each message must be taken for."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.__main__ import main
from bot.domain import intents
from bot.domain.intents import MAX_CHARS, Intent, PhraseTable, PhraseTableError, match

K = Intent

#: Real-world phrasings (typos, no punctuation, shorthand, emoji) and what each must get.
PHRASINGS: list[tuple[str, Intent | None]] = [
    # greetings
    ("halo", K.SAPA),
    ("Halooo", K.SAPA),
    ("hai min", K.SAPA),
    ("hallo pak", K.SAPA),
    ("selamat pagi", K.SAPA),
    ("Selamat siang bu", K.SAPA),
    ("slamat sore", K.SAPA),
    ("malam", K.SAPA),
    ("p", K.SAPA),
    ("P", K.SAPA),
    ("permisi", K.SAPA),
    ("punten", K.SAPA),
    ("👋", K.SAPA),
    ("Assalamualaikum", K.SALAM),
    ("assalamu'alaikum wr wb", K.SALAM),
    ("asalamualaikum pak", K.SALAM),
    ("Assalamualaikum warahmatullahi wabarakatuh", K.SALAM),
    ("aslmkm", K.SALAM),
    # thanks
    ("terima kasih", K.TERIMA_KASIH),
    ("Terima kasih banyak pak", K.TERIMA_KASIH),
    ("terimakasih", K.TERIMA_KASIH),
    ("makasih", K.TERIMA_KASIH),
    ("makasihhh bu", K.TERIMA_KASIH),
    ("trims", K.TERIMA_KASIH),
    ("tq", K.TERIMA_KASIH),
    ("🙏", K.TERIMA_KASIH),
    ("🙏🏽🙏🏽", K.TERIMA_KASIH),
    ("👍", K.TERIMA_KASIH),
    ("ok makasih min", K.TERIMA_KASIH),
    # yes / no
    ("ya", K.YA),
    ("iya pak", K.YA),
    ("ok", K.YA),
    ("oke", K.YA),
    ("tidak", K.TIDAK),
    ("gak", K.TIDAK),
    ("belum", K.TIDAK),
    # checking a card
    ("cek ktp", K.CEK),
    ("cek ktp saya", K.CEK),
    ("ktp saya sudah jadi belum", K.CEK),
    ("ktp sy sdh jd blm", K.CEK),
    ("kapan jadi", K.CEK),
    ("kpn jadi ktp saya", K.CEK),
    ("ktp saya kapan jadinya pak", K.CEK),
    ("e-ktp saya sampai mana", K.CEK),
    ("mau cek status ktp", K.CEK),
    ("kenapa ktp saya belum jadi", K.CEK),
    ("kok lama sekali", K.CEK),
    ("halo, ktp saya kapan jadi?", K.CEK),
    ("ktp", K.CEK),
    # family
    ("cek ktp anak saya", K.KELUARGA),
    ("ktp istri saya", K.KELUARGA),
    # collecting
    ("dimana ambilnya", K.AMBIL),
    ("ambil ktp dimana ya", K.AMBIL),
    ("tempat pengambilan ktp", K.AMBIL),
    ("bisa diwakilkan?", K.WAKIL),
    ("boleh diwakilkan ambil ktp nya", K.WAKIL),
    ("suami saya bisa ambilkan?", K.WAKIL),
    ("pakai surat kuasa bisa?", K.WAKIL),
    # the office
    ("jam buka", K.JAM),
    ("jam brp buka", K.JAM),
    ("sabtu buka gak", K.JAM),
    ("jam pelayanan kantor", K.JAM),
    ("alamat kantor", K.ALAMAT),
    ("Alamatnya dimana", K.ALAMAT),
    ("almt ktr dmn", K.ALAMAT),
    ("lokasi kantor disdukcapil", K.ALAMAT),
    ("minta nomor wa", K.KONTAK),
    ("nomor telepon kantor", K.KONTAK),
    # what to bring, blanko, loss, recording
    ("syarat", K.SYARAT),
    ("syaratnya apa", K.SYARAT),
    ("apa saja yang harus dibawa", K.SYARAT),
    ("blanko habis?", K.BLANKO),
    ("blangko kosong ya", K.BLANKO),
    ("kenapa ktp saya masih di pusat", K.PUSAT),
    ("kok lama di pusat", K.PUSAT),
    ("ktp saya hilang", K.HILANG),
    ("ktp rusak gimana", K.HILANG),
    ("nama di ktp salah cetak", K.HILANG),
    ("mau rekam ktp", K.REKAM),
    ("anak saya baru 17 tahun mau buat ktp", K.REKAM),
    ("belum pernah rekam", K.REKAM),
    # help
    ("bantuan", K.BANTUAN),
    ("bingung caranya", K.BANTUAN),
    ("gimana caranya", K.BANTUAN),
    ("menu", K.BANTUAN),
    # nothing fits: "maaf, belum mengerti"
    ("apa kabar", None),
    ("wkwk", None),
    ("?", None),
    ("...", None),
    ("asdfgh", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), PHRASINGS)
def test_each_real_phrasing_gets_its_intent(text: str, expected: Intent | None) -> None:
    assert match(text) == expected


def test_the_table_holds_at_least_sixty_phrasings() -> None:
    assert len(PHRASINGS) >= 60


def test_a_similar_real_word_is_not_taken_for_a_typo() -> None:
    # "gimana" is one letter from "dimana", but it is a word of its own.
    assert match("gimana") == K.BANTUAN


def test_a_long_message_is_not_matched_at_all() -> None:
    assert match("halo " * (MAX_CHARS // 5 + 1)) is None


def test_matching_is_cheap_whatever_is_sent() -> None:
    worst = ["a" * MAX_CHARS, "ktp " * 50, "🙏" * MAX_CHARS, "1" * 4095, "x " * 2000]
    start = time.process_time()
    for text in worst:
        match(text)
    # Not a timing assertion of speed: a guard against a pathological blow-up (seconds).
    assert time.process_time() - start < 1.0


@given(st.text(max_size=300))
def test_any_text_gives_an_intent_or_none_without_error(text: str) -> None:
    assert match(text) in (*Intent, None)


def test_a_malformed_table_is_refused_with_its_section() -> None:
    with pytest.raises(PhraseTableError, match=r"\[salah\]"):
        PhraseTable.parse({"salah": {"phrases": ["x"]}})
    with pytest.raises(PhraseTableError, match="cek"):
        PhraseTable.parse({"sapa": {"phrases": ["halo"]}})


@pytest.mark.parametrize(
    ("broken", "line"),
    [
        ('[singkatan]\nkpn = "kapan"\nsdh = sudah\n', "baris 3"),
        ("[sapa\nphrases = []\n", "baris 1"),
        ('[singkatan]\nkpn = "kapan"\n', "tidak ada kalimat"),
    ],
)
def test_a_broken_phrase_file_stops_run_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    broken: str,
    line: str,
) -> None:
    """A typo in bot/domain/phrases.toml (office staff edit it) stops `run` before it starts,
    with one Indonesian line naming the file and the line, never a traceback."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    monkeypatch.setenv("BOT_DB_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.setattr(intents, "_read_phrases", lambda: broken)
    intents.default_matcher.cache_clear()
    try:
        assert main(["run"]) == 1
    finally:
        intents.default_matcher.cache_clear()
    err = [row for row in capsys.readouterr().err.splitlines() if row.strip()]
    assert len(err) == 1, err
    assert "phrases.toml" in err[0] and line in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "bot.sqlite3").exists()  # refused before anything was opened
