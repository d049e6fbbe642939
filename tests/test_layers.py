"""The house's one-way imports: ``app -> adapters -> bot``, read from the source with ``ast``.

Every module of the three packages is parsed whole, function bodies and
``TYPE_CHECKING`` blocks included, so a lazy import counts as much as one at
the top.  Imports must be plain statements a reader can see: no module is
loaded by a name built at run time (``importlib.import_module``,
``__import__``).  See docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "adapters", "app")

#: Each package may import the ones below it, never one above.
LAYER = {"bot": 0, "adapters": 1, "app": 2}

#: The bottom of the core: settings, errors, models, values.  They import nothing from
#: ``bot`` but each other, so every other module can use them (no arrow runs back up).
FOUNDATION = frozenset(
    {
        "bot.config",
        "bot.config_defaults",
        "bot.errors",
        "bot.headlines",
        "bot.models",
        "bot.retry_after",
        "bot.sinks",
        "bot.targets",
        "bot.tasks",
        "bot.timing",
    }
)

#: Arrows still to be turned round, with why (empty when the house is in order).
KNOWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Arrow:
    """One import: ``source`` (a module) imports ``target`` at ``line``."""

    source: str
    target: str
    line: int
    dynamic: bool = False  # loaded by a name (import_module, __import__), not a statement

    def __str__(self) -> str:
        how = " by name" if self.dynamic else ""
        return f"{self.source}:{self.line} imports {self.target or '?'}{how}"


def module_name(path: Path) -> str:
    """``bot/schedule/posting.py`` -> ``bot.schedule.posting``."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(source: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name of ``from .{module} import ...`` written in ``source``."""
    if level == 0:
        return module or ""
    base = source.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _dynamic_import(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def arrows(source_text: str, source: str, *, is_package: bool = False) -> Iterator[Arrow]:
    """Every import in ``source_text`` (the module ``source``), at any depth."""
    for node in ast.walk(ast.parse(source_text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Arrow(source, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(source, is_package, node.level, node.module)
            yield Arrow(source, target, node.lineno)
            for alias in node.names:  # ``from adapters import slack`` imports adapters.slack
                yield Arrow(source, f"{target}.{alias.name}", node.lineno)
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            first = node.args[0] if node.args else None
            target = first.value if isinstance(first, ast.Constant) else ""
            yield Arrow(source, str(target), node.lineno, dynamic=True)


def all_arrows() -> list[Arrow]:
    """The imports of every module in ``bot``, ``adapters`` and ``app``."""
    found: list[Arrow] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found.extend(
                arrows(
                    path.read_text(encoding="utf-8"),
                    module_name(path),
                    is_package=path.name == "__init__.py",
                )
            )
    return found


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def wrong_way(arrow: Arrow) -> str | None:
    """Why ``arrow`` breaks the rule, or ``None`` when it is fine."""
    if arrow.dynamic:
        return "loads a module by name: write a plain import"
    here, there = _top(arrow.source), _top(arrow.target)
    if here in LAYER and there in LAYER and LAYER[there] > LAYER[here]:
        return f"{here} must not import {there} (app -> adapters -> bot)"
    in_bot = there == "bot" and arrow.target.count(".") >= 1
    if arrow.source in FOUNDATION and in_bot:
        target_module = arrow.target
        if not any(target_module == f or target_module.startswith(f + ".") for f in FOUNDATION):
            # ``from bot.timing import DAYS`` yields bot.timing and bot.timing.DAYS: both fine.
            return f"{arrow.source} is foundation: it imports only foundation modules"
    return None


def _violations(found: list[Arrow]) -> list[str]:
    return [
        f"{arrow}: {why}"
        for arrow in found
        if (why := wrong_way(arrow)) is not None
        and (arrow.source, arrow.target) not in KNOWN
        and (arrow.source, arrow.target.rpartition(".")[0]) not in KNOWN
    ]


@pytest.fixture(scope="module")
def house() -> list[Arrow]:
    found = all_arrows()
    assert len({a.source for a in found}) > 60, "the walk missed the packages"
    return found


def test_imports_run_one_way_app_adapters_bot(house: list[Arrow]) -> None:
    assert _violations(house) == []


def test_the_known_exceptions_are_still_real(house: list[Arrow]) -> None:
    """An exception that no longer happens is struck off, so the list only shrinks."""
    seen = {(a.source, a.target) for a in house}
    assert [pair for pair in KNOWN if pair not in seen] == []


def test_the_app_wires_both_chat_platforms_with_plain_imports(house: list[Arrow]) -> None:
    targets = {a.target for a in house if a.source == "app.platforms"}
    assert {"adapters.slack", "adapters.discord"} <= targets


# --- the checker itself: each wrong arrow is caught, wherever it hides -------------------

BAD = """
import bot.engine
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from app.cli import main

def lazy():
    from adapters.console.render import render
    return render

def by_name(name):
    import importlib
    importlib.import_module("adapters.slack")
    return __import__(name)
"""


def test_the_checker_finds_lazy_typed_and_dynamic_arrows() -> None:
    found = _violations(list(arrows(BAD, "bot.schedule.example")))
    assert found == [
        "bot.schedule.example:5 imports app.cli: bot must not import app (app -> adapters -> bot)",
        "bot.schedule.example:5 imports app.cli.main: bot must not import app"
        " (app -> adapters -> bot)",
        "bot.schedule.example:8 imports adapters.console.render: bot must not import adapters"
        " (app -> adapters -> bot)",
        "bot.schedule.example:8 imports adapters.console.render.render: bot must not import"
        " adapters (app -> adapters -> bot)",
        "bot.schedule.example:13 imports adapters.slack by name: loads a module by name:"
        " write a plain import",
        "bot.schedule.example:14 imports ? by name: loads a module by name: write a plain import",
    ]


def test_adapters_may_import_bot_but_not_app() -> None:
    source = "from bot.models import Digest\nfrom app.runtime import DigestRuntime\n"
    found = _violations(list(arrows(source, "adapters.slack.sink")))
    assert [line.split(":")[1].split()[0] for line in found] == ["2", "2"]


def test_a_foundation_module_may_not_reach_up_into_the_core() -> None:
    source = (
        "def f():\n    from bot.timing import DAYS\n"  # foundation: fine
        "def g():\n    from bot.schedule.posting import Poster\n"
    )
    found = _violations(list(arrows(source, "bot.config")))
    assert found and all(":4 imports bot.schedule.posting" in line for line in found)


def test_relative_imports_are_resolved() -> None:
    found = list(arrows("from ..render import x\n", "adapters.slack.sink"))
    assert found[0].target == "adapters.render"
    found = list(arrows("from . import render\n", "bot.schedule", is_package=True))
    assert {a.target for a in found} == {"bot.schedule", "bot.schedule.render"}
