"""No SQL outside bot/store/: every other module talks to the store through typed methods.

Parses every module of ``bot``, ``adapters`` and ``app`` (function bodies
included) and fails on a call of ``.execute``/``.executemany``/``.query``/
``.transaction``/``.connection``, an ``import sqlite3``/``psycopg``, or a
string literal that reads as a SQL statement.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters", "app")
STORE = ROOT / "bot" / "store"
#: Driver calls, wherever they are made.
SQL_CALLS = {"execute", "executemany", "executescript"}
#: The SQLite store's escape hatches, when reached through something named ``*store``.
STORE_HATCHES = {"query", "transaction", "connection"}
DRIVERS = {"sqlite3", "psycopg", "psycopg_pool"}
SQL_TEXT = re.compile(
    r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+(OR\s+\w+\s+)?INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s"
    r"|CREATE\s+(TABLE|INDEX)\s)",
    re.IGNORECASE | re.DOTALL,
)


def _name(node: ast.expr) -> str:
    """The last name of ``a.b.store`` (``store``), or ''."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _modules() -> list[Path]:
    found: list[Path] = []
    for package in PACKAGES:
        base = ROOT / package
        if base.is_dir():
            found += [p for p in base.rglob("*.py") if STORE not in p.parents]
    return sorted(found)


def offences(source: str) -> list[str]:
    """What in ``source`` writes or runs SQL (as ``line: what``)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in SQL_CALLS:
            out.append(f"{node.lineno}: .{node.attr}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in STORE_HATCHES
            and _name(node.value).lower().endswith("store")
        ):
            out.append(f"{node.lineno}: store.{node.attr}")
        elif isinstance(node, ast.Import):
            out += [f"{node.lineno}: import {a.name}" for a in node.names if a.name in DRIVERS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "") in DRIVERS:
            out.append(f"{node.lineno}: from {node.module}")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_TEXT.match(node.value)
        ):
            out.append(f"{node.lineno}: SQL text {node.value[:40]!r}")
    return out


def test_the_check_catches_sql() -> None:
    caught = offences(
        "import sqlite3\n"
        "def f(store):\n"
        "    with store.transaction() as db:\n"
        "        db.execute('UPDATE posts SET state = 1')\n"
        "    return store.query('SELECT 1 FROM t')\n"
    )
    assert [c.split(":")[0] for c in caught].count("4") == 2  # the call and its text
    assert any("import sqlite3" in c for c in caught)
    assert any("store.transaction" in c for c in caught)
    assert any("store.query" in c for c in caught)
    assert offences("def f(url):\n    return url.query\n") == []


def test_no_sql_outside_the_store() -> None:
    modules = _modules()
    assert len(modules) > 40
    found = {
        str(path.relative_to(ROOT)): bad
        for path in modules
        if (bad := offences(path.read_text(encoding="utf-8")))
    }
    assert found == {}
