"""A slash command as people type it: "/Batal@CekKtpBot sekarang" is the command "/batal".

Read once here for every floor that asks which command a message is (the Telegram adapter's
steps and audit rows, a resident's pending step in the services).
"""

from __future__ import annotations


def command_name(text: str | None) -> str | None:
    """The command `text` starts with, lower-case and without "@bot_name" ("/batal"); None
    when it starts with none."""
    if not text or not text.startswith("/"):
        return None
    return text.split(maxsplit=1)[0].split("@", 1)[0].casefold()
