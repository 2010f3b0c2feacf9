"""The worst messages found by attacking the bot: what `bench/bench_hostile_inputs.py` times
and `tests/test_limits.py` checks (every one answered cheaply, and within Telegram's limits)."""

from __future__ import annotations

WORST_INPUTS: dict[str, str] = {
    "4.095 angka": "1" * 4095,
    "angka dan huruf berselang": "1a" * 2047,
    "angka dan spasi berselang": "1 " * 2047,
    "angka dan tanda hubung": "1-" * 2047,
    "dua NIK panjang dengan huruf O": "1" * 2000 + "O" + "1" * 2000,
    "NIK berulang": "1605010101900012 " * 240,
    "emoji": "😀" * 2048,
    "markup HTML": "<b>&amp;</b>" * 340,
    "teks bebas panjang": "kapan ktp saya jadi " * 204,
    "angka Arab-Indik": "١٦٠٥" * 1023,
    "karakter tak terlihat": ("1\u200b" * 2047),
}
