"""The sentences' markup (`bot.domain.markup`) as Telegram HTML: the one place that writes it.

Text runs are escaped for Telegram's HTML parse mode (`<`, `>`, `&`); marks become `<b>`, `<i>`,
`<code>` and `<a href="...">`.
"""

from __future__ import annotations

import html as _html

from bot.domain.markup import spans


def html(marked: str) -> str:
    """`marked` as Telegram HTML (parse_mode="HTML")."""
    out: list[str] = []
    for span in spans(marked):
        text = _html.escape(span.text, quote=False)
        if span.url is not None:
            out.append(f'<a href="{_html.escape(span.url)}">{text}</a>')
        elif span.bold:
            out.append(f"<b>{text}</b>")
        elif span.italic:
            out.append(f"<i>{text}</i>")
        elif span.code:
            out.append(f"<code>{text}</code>")
        else:
            out.append(text)
    return "".join(out)
