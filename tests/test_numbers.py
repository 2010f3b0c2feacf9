"""Numbers typed by people (hardening, round 3, item 7): ASCII digits only, bounded length."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.numbers import parse_int


def test_ascii_digits_are_read_and_everything_else_is_refused() -> None:
    assert parse_int("12") == 12
    assert parse_int(" #7 ") == 7
    for text in ("²", "①", "١٢", "1.5", "-1", "", " ", "1e3", "12a", "9" * 10):
        assert parse_int(text) is None, text
    assert parse_int("9" * 12, max_digits=12) == 10**12 - 1


@given(st.text(max_size=6000))
def test_any_text_gives_a_small_number_or_none(text: str) -> None:
    value = parse_int(text, max_digits=6)
    assert value is None or 0 <= value < 10**6
