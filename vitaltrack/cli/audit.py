"""`vitaltrack audit replay`: history and past states from the event log."""

import csv
import json
import sys
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, overload

import typer

from events.store import Store
from vitaltrack.cli.common import fail, load_settings, migrated_database

audit_cli = typer.Typer(no_args_is_help=True, help="Read the audit trail.")
KINDS = {"categories": "category", "items": "item", "orders": "order"}
HIDDEN_IN_TEXT = {"id", "name", "orderId", "items"}  # shown otherwise, or too long for a line


class Output(StrEnum):
    text = "text"
    json = "json"
    csv = "csv"


@audit_cli.command("replay")
def audit_replay(
    owner: Annotated[str, typer.Option(help="The account's email address.")],
    entity: Annotated[
        str | None, typer.Option(help="Only this category, item or order id.")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="From this moment (UTC if no offset).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this moment.")] = None,
    as_of: Annotated[
        datetime | None, typer.Option("--as-of", help="Print the state at this moment instead.")
    ] = None,
    output: Annotated[Output, typer.Option(help="Format.")] = Output.text,
) -> None:
    """An owner's history from the event log, or their state at a moment (--as-of).

    Example: vitaltrack audit replay --owner ann@example.com --since 2026-11-01 --output csv
    """
    from vitaltrack import audit

    entity_id = _uuid_option(entity, "--entity")
    settings = load_settings()
    with migrated_database(settings) as database:
        store = Store(env=database.eventsourcing_env(2))
        try:
            owner_id = audit.owner_by_email(store, owner)
            if owner_id is None:
                fail(f"no account with email {owner} (the address it signs in with)")
            if entity_id is not None and not audit.belongs_to(store, owner_id, entity_id):
                fail(f"no such entity: {entity_id} is none of {owner}'s categories, items, orders")
            if as_of is not None:
                state = audit.state_as_of(store, owner_id, _utc(as_of), entity_id)
                dumped = {
                    k: [m.model_dump(mode="json", by_alias=True) for m in v]
                    for k, v in state.items()
                }
                _print_state(dumped, output.value)
                return
            entries = audit.history(store, owner_id, entity_id, _utc(since), _utc(until))
        finally:
            store.close()
    _print_history([e.as_dict() for e in entries], output.value)


def _uuid_option(value: str | None, name: str) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an id (a UUID)", param_hint=name) from None


def _print_state(state: dict[str, list[dict[str, Any]]], output: str) -> None:
    if output == "json":
        typer.echo(json.dumps(state))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["kind", "id", "name", "quantity", "status", "version"])
        for kind, entities in state.items():
            for e in entities:
                name = e.get("name") or e.get("orderId")
                row = [KINDS[kind], e["id"], name, e.get("quantity"), e.get("status")]
                writer.writerow([*row, e["version"]])
    else:
        for kind, entities in state.items():
            for e in entities:
                fields = {k: v for k, v in e.items() if k not in HIDDEN_IN_TEXT}
                lines = f"  lines={len(e['items'])}" if "items" in e else ""
                name = e.get("name") or e.get("orderId")
                typer.echo(f"{KINDS[kind]:<9} {e['id']}  {name}  {_pairs(fields)}{lines}")
        if not any(state.values()):
            typer.echo("no categories, items or orders at that moment")


def _print_history(rows: list[dict[str, Any]], output: str) -> None:
    if output == "json":
        typer.echo(json.dumps(rows))
    elif output == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["position", "time", "via", "action", "entity", "entity_id", "change"])
        for r in rows:
            change = json.dumps(r["change"])
            row = [r["position"], r["time"], r["actor"]["via"], r["action"], r["entity"]]
            writer.writerow([*row, r["entityId"], change])
    else:
        for r in rows:
            typer.echo(
                f"{r['time']}  {r['actor']['via']:<11} {r['action']:<24} {r['entityId']}  "
                f"{_pairs(r['change'])}"
            )


def _pairs(values: dict[str, Any]) -> str:
    """key=value for a person: unset values left out, text as is, the rest as JSON."""
    return ", ".join(
        f"{k}={v if isinstance(v, str) else json.dumps(v)}"
        for k, v in values.items()
        if v is not None
    )


@overload
def _utc(moment: datetime) -> datetime: ...
@overload
def _utc(moment: None) -> None: ...
def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment
