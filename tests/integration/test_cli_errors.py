"""The operator's CLI fails in one line with a hint, and with distinct exit codes:
0 ok, 1 failure, 2 usage error, 3 differences found."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import typer

from infra.database import Database
from tests.api.accounts import register
from tests.api.inventory import category
from tests.integration.commandline import each, vitaltrack
from tests.integration.test_cli import free_port
from vitaltrack.cli import cli


def assert_one_line(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert len([line for line in stderr.splitlines() if line.strip()]) <= 4, stderr


def test_usage_errors_exit_2_and_name_the_option(database: Database) -> None:
    for args in (
        ("audit", "replay", "--owner", "a@example.com", "--entity", "nope"),
        ("audit", "replay", "--owner", "a@example.com", "--output", "xml"),
        ("projections", "rebuild", "nosuch"),
    ):
        result = vitaltrack(database, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert_one_line(result.stderr)


def test_an_unreachable_database_is_one_line_and_exit_1() -> None:
    result = vitaltrack(
        None, "projections", "status", DATABASE_URL="postgresql://u:p@127.0.0.1:9/nowhere"
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach the database")
    assert_one_line(result.stderr)


async def test_audit_answers_in_the_format_asked(
    client: httpx.AsyncClient, database: Database
) -> None:
    account = await register(client, "audit@example.com")
    await category(client, account, "Meds")
    now = datetime.now(UTC).isoformat()
    state = vitaltrack(
        database, "audit", "replay", "--owner", account.email, "--as-of", now, "--output", "csv"
    )
    assert state.returncode == 0, state.stderr
    header, row = state.stdout.splitlines()[:2]
    assert header == "kind,id,name,quantity,status,version"
    assert row.startswith("category,") and ",Meds," in row
    history = vitaltrack(database, "audit", "replay", "--owner", account.email, "--output", "json")
    assert history.returncode == 0 and '"category.Created"' in history.stdout
    unknown = vitaltrack(database, "audit", "replay", "--owner", "nobody@example.com")
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no account")


def test_serve_with_an_unusable_signing_key_says_which_and_exits_1(
    database: Database, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.pem"
    empty.touch()
    for key, says in (
        (empty, "is empty or not a PEM private key"),
        (tmp_path / "no.pem", "does not exist"),
    ):
        result = vitaltrack(
            database, "serve", "--port", str(free_port()), JWT_PRIVATE_KEY_PATH=str(key)
        )
        assert result.returncode == 1
        assert f"error: the signing key {key} {says}" in result.stderr
        assert_one_line(result.stderr)


def test_every_command_explains_itself_with_an_example() -> None:
    commands = list(leaf_commands(typer.main.get_command(cli)))
    assert ("accounts", "disable") in commands and ("serve",) in commands
    for command, result in each(commands, lambda c: vitaltrack(None, *c, "--help")):
        assert result.returncode == 0, command
        assert f"Example: vitaltrack {' '.join(command)}" in " ".join(result.stdout.split())


def leaf_commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command the CLI has, found in the app itself (a new one cannot be missed)."""
    if getattr(group, "commands", None):
        for name, command in group.commands.items():
            yield from leaf_commands(command, (*path, name))
    else:
        yield path
