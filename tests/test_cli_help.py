"""The shell speaks Indonesian: every command's --help and every typing mistake."""

from __future__ import annotations

import pytest

from bot.__main__ import build_parser, main
from bot.cli import COMMANDS

ENGLISH = ("usage:", "positional arguments", "options:", "show this help", "error:", "invalid")
HELP_PATHS = [[], *([name] for name in COMMANDS), ["staff", "add"], ["staff", "remove"]]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out + out.err


@pytest.mark.parametrize("path", HELP_PATHS, ids=lambda p: " ".join(p) or "bot")
def test_every_help_is_indonesian(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run([*path, "--help"], capsys)
    assert code == 0
    assert text.startswith("pemakaian: python -m bot")
    assert "opsi:" in text and "-h, --help  " in text and "tampilkan bantuan ini" in text
    assert not [word for word in ENGLISH if word in text.lower()]


def test_the_main_help_lists_exactly_the_commands_that_load() -> None:
    text = build_parser().format_help()
    listed = [
        line.split()[0] for line in text.splitlines() if line.startswith("    ") and line[4] != " "
    ]
    assert listed == COMMANDS


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "belum diisi: PERINTAH"),
        (["mulai"], "PERINTAH: 'mulai' tidak ada; pilih 'run', 'demo'"),
        (["staff", "add", "abc"], "ID: ID Telegram berupa angka, misalnya 123456789"),
        (
            ["staff", "add", "5", "--role", "bos"],
            "--role: 'bos' tidak ada; pilih 'admin', 'petugas'",
        ),
        (["import"], "belum diisi: FILE"),
        (["audit", "--since"], "--since perlu diikuti satu nilai"),
        (["sample-data", "--count", "nol"], "--count: harus bilangan bulat 1 atau lebih"),
        (["backup", "a", "b"], "tidak dikenal: b"),
    ],
)
def test_a_typing_mistake_is_explained_in_indonesian(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = _run(argv, capsys)
    assert code == 2
    assert text.startswith("pemakaian: python -m bot")
    # A missing argument is "belum lengkap", anything else typed wrong "salah ketik".
    kind = "belum lengkap: " if expected.startswith("belum diisi") else "salah ketik: "
    assert kind + expected in text
    assert "--help untuk petunjuk." in text
    assert not [word for word in ENGLISH if word in text.lower()]
