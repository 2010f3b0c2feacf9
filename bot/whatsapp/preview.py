"""What a WhatsApp resident sees, drawn in a terminal (`python -m bot demo --whatsapp`).

`preview(outgoing)` draws one Cloud API message as WhatsApp shows it: the text with its
`*bold*` and `_italic_` as typed, reply buttons under it, a list behind its button with its
rows numbered, a location pin, a file, a template with its parameters. Its `options` are what
the person can press, in order: `pick(options, typed)` turns a typed number or label into the
id the webhook would receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.whatsapp.render import Outgoing


@dataclass(frozen=True, slots=True)
class Preview:
    text: str
    options: list[tuple[str, str]] = field(default_factory=list)  # (label, id)


def _interactive(content: dict[str, Any]) -> Preview:
    lines = [content["body"]["text"]]
    options: list[tuple[str, str]] = []
    action = content["action"]
    if content["type"] == "button":
        buttons = [(b["reply"]["title"], b["reply"]["id"]) for b in action["buttons"]]
        options += buttons
        lines.append("  ".join(f"[ {n}. {title} ]" for n, (title, _) in enumerate(buttons, 1)))
    else:
        lines.append(f"≡ {action['button']}")
        for section in action["sections"]:
            if section.get("title"):
                lines.append(f"  {section['title']}")
            for row in section["rows"]:
                options.append((row["title"], row["id"]))
                described = f" — {row['description']}" if row.get("description") else ""
                lines.append(f"  {len(options)}. {row['title']}{described}")
    return Preview("\n".join(lines), options)


def preview(outgoing: Outgoing) -> Preview:
    body = outgoing.body
    kind = outgoing.type
    content = body[kind]
    if kind == "text":
        return Preview(content["body"])
    if kind == "interactive":
        return _interactive(content)
    if kind == "location":
        return Preview(
            f"📍 {content.get('name', '')}\n   {content.get('address', '')}\n"
            f"   ({content['latitude']:.5f}, {content['longitude']:.5f})"
        )
    if kind in ("image", "document"):
        name = outgoing.upload.filename if outgoing.upload is not None else ""
        icon = "🖼" if kind == "image" else "📄"
        caption = f"\n{content['caption']}" if content.get("caption") else ""
        return Preview(f"{icon} {name}{caption}")
    if kind == "template":
        values = [
            p["text"]
            for c in content.get("components", [])
            for p in c.get("parameters", [])
            if "text" in p
        ]
        return Preview(f"[template {content['name']}] " + " | ".join(values))
    return Preview(f"[{kind}]")


def pick(options: Sequence[tuple[str, str]], typed: str) -> str | None:
    """The id of the option typed as its number or its label (any case), else None."""
    typed = typed.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(options):
        return options[int(typed) - 1][1]
    for label, option_id in options:
        if label.casefold() == typed.casefold():
            return option_id
    return None
