"""Every write is visible at its call site: application code records events only through a
unit of work (command/unit_of_work.py), whose commit names the rows that go with them, and
opens the event store's database only through that module's `transaction` helper."""

import ast
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("command", "query", "projections", "events", "infra", "wire", "vitaltrack")
HOME = ROOT / "command" / "unit_of_work.py"


def calls_outside_home(matches: Callable[[ast.Attribute], bool]) -> list[str]:
    found = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            if path == HOME:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and matches(node.func)
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_events_are_saved_only_by_the_unit_of_work() -> None:
    assert calls_outside_home(lambda f: f.attr == "save") == []


def test_the_event_store_database_is_opened_only_by_the_unit_of_work_module() -> None:
    def datastore_transaction(f: ast.Attribute) -> bool:
        owner = f.value
        return (
            f.attr == "transaction"
            and isinstance(owner, ast.Attribute)
            and (owner.attr == "datastore")
        )

    assert calls_outside_home(datastore_transaction) == []


def test_the_check_finds_what_it_looks_for() -> None:
    assert calls_outside_home(lambda f: f.attr == "commit")  # handlers commit everywhere
