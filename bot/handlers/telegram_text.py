"""The bot's rate limiter, which first fits every request's text to Telegram's limits.

It is PTB's AIORateLimiter, which sees each request's parameters before they are sent: the one
place where every outgoing text is measured as Telegram measures it (`bot.domain.text_fit`).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

from bot.domain.text_fit import fit_request


class FittingRateLimiter(AIORateLimiter):
    """PTB's rate limiter, which first fits each request's text to Telegram's limits."""

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        fit_request(endpoint, data)  # `data` is the dict the request is built from
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )


def addressed_elsewhere(text: str, bot_username: str) -> bool:
    """`/cmd@OtherBot` (in a group) is for another bot: stay quiet."""
    _, _, target = text.split(maxsplit=1)[0].partition("@")
    return bool(target) and target.casefold() != bot_username.casefold()
