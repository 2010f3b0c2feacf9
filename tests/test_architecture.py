"""The floors of the house (ARCHITECTURE.md), checked: every arrow between bot modules points down.

Every module's imports are read with `ast`, wherever they stand: at the top, inside a function,
or in an `if TYPE_CHECKING:` block (a type-only import is still an arrow a reader must follow).
A module's floor is its folder's (`FOLDERS`). The test fails on an import cycle between bot
modules, on an arrow pointing up the floors, on `telegram` imported outside the entry floor and
the Telegram adapter, and on a module of sentences (`texts_*.py`) importing anything but the
domain floor, another module of sentences, the standard library and Babel.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Top to bottom. An import may point to its own floor (when that makes no cycle) or lower.
ENTRY, CHANNEL, CONVERSATION, SERVICES, STORAGE, DOMAIN = (
    "entry",
    "channel",
    "conversation",
    "services",
    "storage",
    "domain",
)
FLOORS = (ENTRY, CHANNEL, CONVERSATION, SERVICES, STORAGE, DOMAIN)
HEIGHT = {floor: len(FLOORS) - i for i, floor in enumerate(FLOORS)}

#: A module's floor is its folder's: every folder of `bot/` is named here (a new folder must
#: say where it stands). Modules directly in `bot/` start things (entry), except the two the
#: design keeps at the top: `states.py` (domain) and the sentences (`texts_*.py`, below).
FOLDERS: dict[str, str] = {
    "cli": ENTRY,
    "handlers": CHANNEL,  # the Telegram adapter
    "whatsapp": CHANNEL,  # the WhatsApp adapter
    "conversation": CONVERSATION,
    "services": SERVICES,
    "storage": STORAGE,
    "domain": DOMAIN,
}
PINNED: dict[str, str] = {"bot": DOMAIN, "bot.states": DOMAIN}
#: The sentences sit beside the services (anything above the domain may use them) but take plain
#: values: they may import only the domain floor, each other (`texts_common`'s dates and numbers,
#: a resident's sentence a staff preview quotes), the standard library and Babel.
TEXTS_PREFIX = "bot.texts_"
TEXTS_MAY_IMPORT = {"babel"}
TELEGRAM_PACKAGES = {"telegram"}
#: Only these folders (and the entry floor) may import `telegram`.
TELEGRAM_FOLDERS = {"handlers"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_texts(module: str) -> bool:
    return module.startswith(TEXTS_PREFIX) and module.count(".") == 1


def folder_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in FOLDERS) else None


def floor_of(module: str) -> str:
    if module in PINNED:
        return PINNED[module]
    if is_texts(module):
        return SERVICES
    folder = folder_of(module)
    if folder is None:
        return ENTRY
    if folder not in FOLDERS:
        raise AssertionError(f"bot/{folder}/ stands on no floor: name it in FOLDERS")
    return FOLDERS[folder]


def describe(module: str) -> str:
    return f"{module} ({floor_of(module)} floor)"


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str  # the importing bot module
    target: str  # the imported module: a bot module, or the top-level name of another package
    file: str  # the importing file, relative to the project's root
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def internal(self) -> bool:
        return self.target == "bot" or self.target.startswith("bot.")


class Modules:
    """The bot's modules and every import each makes."""

    def __init__(self, root: Path = ROOT) -> None:
        self.root = root
        self.paths = {module_name(p, root): p for p in sorted((root / "bot").rglob("*.py"))}
        self.arrows: list[Arrow] = []
        for name, path in self.paths.items():
            self.arrows.extend(self.arrows_of(name, path, path.read_text(encoding="utf-8")))

    def resolve(self, dotted: str) -> str:
        """The longest prefix of `dotted` that is a bot module; other packages by top name."""
        if dotted != "bot" and not dotted.startswith("bot."):
            return dotted.split(".")[0]
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            candidate = ".".join(parts[:i])
            if candidate in self.paths:
                return candidate
        return "bot"

    def arrows_of(self, name: str, path: Path, source: str) -> list[Arrow]:
        is_package = path.name == "__init__.py"
        file = str(path.relative_to(self.root))
        found: list[Arrow] = []

        def add(target: str, line: int) -> None:
            found.append(Arrow(name, target, file, line))
            # Importing bot.a.b runs bot/a/__init__.py first: an arrow to that package too,
            # unless the importer is itself inside it (the package is already loading).
            parts = target.split(".")
            for i in range(2, len(parts)):
                package = ".".join(parts[:i])
                if package in self.paths and not (name + ".").startswith(package + "."):
                    found.append(Arrow(name, package, file, line))

        for node in ast.walk(ast.parse(source, filename=str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    add(self.resolve(alias.name), node.lineno)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name if is_package else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}" if base else package
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    add(self.resolve(submodule if submodule in self.paths else base), node.lineno)
        return [a for a in dict.fromkeys(found) if a.target != name]  # once each, in order

    @property
    def internal(self) -> list[Arrow]:
        return [a for a in self.arrows if a.internal]


# --- the checks ---------------------------------------------------------------------------------


def cycles(modules: Modules) -> list[list[Arrow]]:
    """One cycle through each group of modules that import each other (Tarjan's SCCs)."""
    graph: dict[str, list[Arrow]] = {name: [] for name in modules.paths}
    for arrow in modules.internal:
        if arrow.target in graph:
            graph[arrow.source].append(arrow)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for arrow in graph[node]:
            if arrow.target not in index:
                visit(arrow.target)
                low[node] = min(low[node], low[arrow.target])
            elif arrow.target in on_stack:
                low[node] = min(low[node], index[arrow.target])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)

    found = []
    for group in groups:
        start = min(group)
        # The shortest way from `start` back to itself inside the group.
        paths: dict[str, list[Arrow]] = {start: []}
        queue = [start]
        loop: list[Arrow] | None = None
        while queue and loop is None:
            node = queue.pop(0)
            for arrow in sorted(graph[node], key=lambda a: a.target):
                if arrow.target not in group:
                    continue
                if arrow.target == start:
                    loop = [*paths[node], arrow]
                    break
                if arrow.target not in paths:
                    paths[arrow.target] = [*paths[node], arrow]
                    queue.append(arrow.target)
        assert loop is not None
        found.append(loop)
    return found


def upward_arrows(modules: Modules) -> list[str]:
    problems = []
    for arrow in modules.internal:
        if is_texts(arrow.source):
            continue  # held to a stricter rule below
        if is_texts(arrow.target):
            if HEIGHT[floor_of(arrow.source)] < HEIGHT[SERVICES]:
                problems.append(
                    f"{arrow.where}: {describe(arrow.source)} imports {arrow.target}, which sits "
                    "beside "
                    "the services: the storage and domain floors hold no sentences"
                )
            continue
        source, target = floor_of(arrow.source), floor_of(arrow.target)
        if HEIGHT[target] > HEIGHT[source]:
            problems.append(
                f"{arrow.where}: {describe(arrow.source)} imports {describe(arrow.target)}: "
                f"an arrow pointing up (floors from the top: {', '.join(FLOORS)})"
            )
    return problems


def talks_telegram(module: str) -> bool:
    return floor_of(module) == ENTRY or folder_of(module) in TELEGRAM_FOLDERS


def telegram_below_its_floor(modules: Modules) -> list[str]:
    return [
        f"{arrow.where}: {describe(arrow.source)} imports {arrow.target}; only the entry floor "
        "and the Telegram adapter (bot/handlers/) may talk to Telegram (the conversation returns "
        "neutral messages, a service returns values, the adapter renders and sends them)"
        for arrow in modules.arrows
        if arrow.target in TELEGRAM_PACKAGES and not talks_telegram(arrow.source)
    ]


def texts_imports(modules: Modules) -> list[str]:
    problems = []
    for arrow in modules.arrows:
        if not is_texts(arrow.source):
            continue
        if arrow.internal:
            if floor_of(arrow.target) != DOMAIN and not is_texts(arrow.target):
                problems.append(
                    f"{arrow.where}: {arrow.source} imports {describe(arrow.target)}; "
                    "the texts take "
                    "plain values and may import only the domain floor and the other sentences "
                    "(give the function "
                    "numbers, strings, dates or a small dataclass of texts_id or the domain)"
                )
        elif arrow.target not in sys.stdlib_module_names and arrow.target not in TEXTS_MAY_IMPORT:
            problems.append(
                f"{arrow.where}: {arrow.source} imports {arrow.target}; "
                "besides the domain floor it may "
                f"use only the standard library and {', '.join(sorted(TEXTS_MAY_IMPORT))}"
            )
    return problems


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def modules() -> Modules:
    return Modules()


def test_no_import_cycles(modules: Modules) -> None:
    found = cycles(modules)
    message = "\n".join(
        "import cycle: "
        + " → ".join([loop[0].source, *(a.target for a in loop)])
        + "  ("
        + ", ".join(a.where for a in loop)
        + ")"
        for loop in found
    )
    assert not found, f"modules that import each other (break the cycle):\n{message}"


def test_every_arrow_points_down(modules: Modules) -> None:
    problems = upward_arrows(modules)
    assert not problems, "imports pointing up the floors:\n" + "\n".join(problems)


def test_only_the_top_floors_import_telegram(modules: Modules) -> None:
    problems = telegram_below_its_floor(modules)
    assert not problems, "telegram imported below the telegram floor:\n" + "\n".join(problems)


def test_the_texts_import_only_the_domain(modules: Modules) -> None:
    problems = texts_imports(modules)
    assert not problems, "a module of sentences imports more than the domain:\n" + "\n".join(
        problems
    )


def test_every_floor_is_inhabited(modules: Modules) -> None:
    """The map above stays true: each floor still holds modules (a rename would show here)."""
    present = {floor_of(name) for name in modules.paths}
    assert present == set(FLOORS)
    assert [n for n in PINNED if n not in modules.paths] == []
    folders = {p.name for p in (ROOT / "bot").iterdir() if (p / "__init__.py").exists()}
    assert folders <= set(FOLDERS), f"folders on no floor: {sorted(folders - set(FOLDERS))}"


def test_a_module_stands_on_its_folders_floor() -> None:
    assert floor_of("bot.storage.outbox") == STORAGE
    assert floor_of("bot.services.importer") == SERVICES
    assert floor_of("bot.domain.nik") == DOMAIN
    assert floor_of("bot.handlers.resident") == CHANNEL
    assert floor_of("bot.cli.run") == ENTRY
    assert floor_of("bot.app") == ENTRY
    assert floor_of("bot.states") == DOMAIN
    assert floor_of("bot.texts_id") == SERVICES


# --- the reader itself --------------------------------------------------------------------------


def test_imports_in_functions_and_type_checking_blocks_count(tmp_path: Path) -> None:
    package = tmp_path / "bot"
    (package / "storage").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "storage" / "__init__.py").write_text("")
    (package / "storage" / "rows.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from bot.report import Report\n"
        "def load():\n"
        "    import telegram\n"
        "    from ..report import render\n"
    )
    (package / "report.py").write_text("from bot.storage import rows\n")
    modules = Modules(tmp_path)
    arrows = {(a.source, a.target, a.line) for a in modules.arrows}
    assert ("bot.storage.rows", "bot.report", 3) in arrows  # TYPE_CHECKING
    assert ("bot.storage.rows", "telegram", 5) in arrows  # inside a function
    assert ("bot.storage.rows", "bot.report", 6) in arrows  # relative, inside a function
    assert ("bot.report", "bot.storage.rows", 1) in arrows  # `from package import module`
    assert ("bot.report", "bot.storage", 1) in arrows  # ... runs the package first
    [loop] = cycles(modules)
    assert {a.source for a in loop} == {"bot.report", "bot.storage.rows"}
    problems = upward_arrows(modules)
    assert (
        len(problems) == 2
        and "bot/storage/rows.py:3: bot.storage.rows (storage floor)" in problems[0]
    )
    assert len(telegram_below_its_floor(modules)) == 1
