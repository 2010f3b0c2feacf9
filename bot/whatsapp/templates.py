"""The message templates notices use outside WhatsApp's 24-hour window
(`data/whatsapp_templates.toml`).

One table per kind of notice (`KINDS`), each with the template's `name` as registered with
Meta, its `language` (`id`) and `parameters`, the ordered names of its body parameters:

    [card_printed]
    name = "ktp_el_tercetak"
    language = "id"
    parameters = ["nik", "tempat_pengambilan"]

`load_templates(path)` reads and checks the file and refuses a broken one with
`TemplatesError`, whose text is one Indonesian line naming the line at fault.
`template_message(templates, kind, values)` builds the Cloud API message; a parameter holds
no line break, tab or run of spaces (Meta refuses them): they become one space.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot import texts_whatsapp as words
from bot.domain.operator_error import OperatorError
from bot.whatsapp.render import Outgoing, cut

#: The kinds of notice that may go as a template.
KINDS = ("card_printed", "come_to_office", "jemput_bola", "staff_answer", "announcement")
#: Where the project keeps the file (relative to the working directory, like BOT_DB_PATH).
DEFAULT_PATH = Path("data/whatsapp_templates.toml")
#: A parameter's text is cut to this (Meta counts a template body's 1,024 with them).
PARAMETER_MAX = 600

_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
_PARAMETER = re.compile(r"^[a-z][a-z0-9_]*$")
_TOML_LINE = re.compile(r"line (\d+)")
_TOML_COLUMN = re.compile(r"column (\d+)")
_FIELDS = ("name", "language", "parameters")
_SPACES = re.compile(r"\s+")


class TemplatesError(OperatorError, ValueError):
    """The templates file cannot be used; `str(err)` is the operator's one line (`run` reads
    the file before serving, so a broken one stops the start there, not the sender later)."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(words.templates_file_invalid(str(path), line, reason))


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    name: str
    language: str
    parameters: tuple[str, ...]


def _line_of(text: str, kind: str) -> int | None:
    """The line of `[kind]` (or of `kind = ...`, written as a value)."""
    name = rf"\"?{re.escape(kind)}\"?"
    header = re.compile(rf"^\s*(\[\s*{name}\s*\]|{name}\s*=)")
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            return number
    return None


def _field_line(text: str, kind: str, field: str) -> int | None:
    start = _line_of(text, kind)
    if start is None:
        return None
    lines = text.splitlines()
    for number in range(start, len(lines)):
        line = lines[number].strip()
        if line.startswith("["):
            break
        if re.match(rf"^{re.escape(field)}\s*=", line):
            return number + 1
    return start


def parse_templates(text: str, path: Path = DEFAULT_PATH) -> dict[str, Template]:
    """The templates in `text` (the file's content), by kind; TemplatesError when broken."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        column = _TOML_COLUMN.search(str(exc))
        line = int(found.group(1)) if found else None
        if line is None and "end of document" in str(exc):  # something left open
            line = len(text.rstrip("\n").splitlines()) or 1
        raise TemplatesError(
            path,
            line,
            words.template_not_toml(int(column.group(1)) if column else None),
        ) from None
    templates: dict[str, Template] = {}
    for kind, table in data.items():
        if kind not in KINDS:
            raise TemplatesError(
                path,
                _line_of(text, kind),
                words.TEMPLATE_UNKNOWN_KIND.format(kind=kind, known=", ".join(KINDS)),
            )
        if not isinstance(table, dict):
            raise TemplatesError(path, _line_of(text, kind), words.TEMPLATE_NOT_A_TABLE)
        for field in table:
            if field not in _FIELDS:
                raise TemplatesError(
                    path,
                    _field_line(text, kind, field),
                    words.TEMPLATE_UNKNOWN_FIELD.format(kind=kind, field=field),
                )
        for field in _FIELDS:
            if field not in table:
                raise TemplatesError(
                    path,
                    _line_of(text, kind),
                    words.TEMPLATE_MISSING_FIELD.format(kind=kind, field=field),
                )
        name, language, parameters = table["name"], table["language"], table["parameters"]
        if not isinstance(name, str) or not _NAME.match(name):
            raise TemplatesError(
                path,
                _field_line(text, kind, "name"),
                words.TEMPLATE_BAD_NAME.format(kind=kind, name=name),
            )
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            raise TemplatesError(
                path,
                _field_line(text, kind, "language"),
                words.TEMPLATE_BAD_LANGUAGE.format(kind=kind, language=language),
            )
        if (
            not isinstance(parameters, list)
            or not all(isinstance(p, str) and _PARAMETER.match(p) for p in parameters)
            or len(set(parameters)) != len(parameters)
        ):
            raise TemplatesError(
                path,
                _field_line(text, kind, "parameters"),
                words.TEMPLATE_BAD_PARAMETERS.format(kind=kind),
            )
        templates[kind] = Template(kind, name, language, tuple(parameters))
    return templates


def load_templates(path: Path | None = None) -> dict[str, Template]:
    """The templates file at `path` (default: data/whatsapp_templates.toml in the working
    directory, else the project's own copy); TemplatesError when it is broken or missing."""
    if path is None:
        path = DEFAULT_PATH
        if not path.is_file():
            path = Path(__file__).resolve().parents[2] / DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplatesError(path, None, str(exc)) from None
    return parse_templates(text, path)


def parameter_text(value: object) -> str:
    """A parameter as Meta takes it: one line, no tab, no run of spaces, not empty."""
    text = _SPACES.sub(" ", str(value)).strip()
    return cut(text, PARAMETER_MAX) if text else "-"


def template_message(
    templates: Mapping[str, Template], kind: str, values: Mapping[str, object]
) -> Outgoing:
    """The template message for a notice of `kind` with its parameters by name.

    KeyError when the kind has no template (the notice waits for the resident's next
    message); ValueError when `values` does not name exactly the template's parameters."""
    template = templates[kind]
    if set(values) != set(template.parameters):
        raise ValueError(
            f"{kind}: parameters {sorted(values)} given, {list(template.parameters)} wanted"
        )
    body: dict[str, object] = {
        "name": template.name,
        "language": {"code": template.language},
    }
    if template.parameters:
        body["components"] = [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": parameter_text(values[name])}
                    for name in template.parameters
                ],
            }
        ]
    return Outgoing({"type": "template", "template": body})
