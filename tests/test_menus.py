"""Telegram menus per person: staff changes made in the shell reach Telegram at the next start."""

from __future__ import annotations

from conftest import BotEnv

from bot.services.roles import Role, StaffRoles

CLERK_ID = 5005


async def test_staff_added_and_removed_in_the_shell_get_the_right_menu_at_next_start(
    bot_env: BotEnv,
) -> None:
    roles = StaffRoles.of(bot_env.services)
    await roles.set_role(actor_id=None, user_id=CLERK_ID, role=Role.PETUGAS, detail="shell")
    await bot_env.restart()
    assert "status" in bot_env.api.commands_for("chat", CLERK_ID)

    await StaffRoles.of(bot_env.services).remove(actor_id=None, user_id=CLERK_ID, detail="shell")
    assert "status" in bot_env.api.commands_for("chat", CLERK_ID)  # the shell cannot tell Telegram
    await bot_env.restart()
    assert bot_env.api.commands_for("chat", CLERK_ID) == []
    assert "status" not in bot_env.api.commands_for("all_private_chats")
    assert "cek" in bot_env.api.commands_for("all_private_chats")
